//! Strict extraction of Python values, and short descriptions for errors.

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

const REPR_LIMIT: usize = 60;

/// Rows between two pauses of an encoder (see `pause`).
pub const YIELD_EVERY: usize = 4096;

/// Lets other Python threads run for a moment, and raises a pending
/// KeyboardInterrupt.
///
/// Native code that holds the GIL never reaches the interpreter's switch
/// checks, so without this a thread waiting to start a DuckDB append (which
/// then runs without the GIL) would wait for the whole batch to be encoded,
/// and the two would never overlap. Nor would it see Ctrl-C: DuckDB itself
/// notices one only between its tasks, which in a bulk INSERT can be the
/// whole INSERT. Signals are handled on the main thread only; elsewhere the
/// check does nothing.
pub fn pause(py: Python<'_>) -> PyResult<()> {
    // Releasing and at once re-taking the GIL rarely lets a waiting thread in:
    // give the OS a moment to run it while the GIL is free.
    py.detach(std::thread::yield_now);
    py.check_signals()
}

/// A short repr of `value` with its type, for error messages (cold path).
pub fn describe(value: &Bound<'_, PyAny>) -> String {
    let type_name = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned());
    let repr = match value.repr() {
        Ok(r) => r.to_string_lossy().into_owned(),
        Err(_) => return format!("an unrepresentable {type_name}"),
    };
    let short: String = if repr.chars().count() > REPR_LIMIT {
        let mut cut: String = repr.chars().take(REPR_LIMIT).collect();
        cut.push('…');
        cut
    } else {
        repr
    };
    format!("{short} ({type_name})")
}

#[derive(Debug, PartialEq)]
pub enum IntError {
    NotInt,
    OutOfRange,
}

/// An int that fits i64; bools and floats are not ints here (INV-1).
pub fn extract_i64(value: &Bound<'_, PyAny>) -> Result<i64, IntError> {
    if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(IntError::NotInt);
    }
    value.extract::<i64>().map_err(|err| {
        if err.is_instance_of::<PyOverflowError>(value.py()) {
            IntError::OutOfRange
        } else {
            IntError::NotInt
        }
    })
}

/// The value of an object known to be an exact `int`, without re-checking its
/// type (the hot path of the encoders); other objects take `extract_i64`.
pub fn exact_int_i64(value: &Bound<'_, PyAny>) -> Result<i64, IntError> {
    if !value.is_exact_instance_of::<PyInt>() {
        return extract_i64(value);
    }
    let mut overflow: std::os::raw::c_int = 0;
    // SAFETY: `value` is a live exact int, for which this call cannot fail
    // other than by overflow, which it reports in `overflow` without raising.
    let n = unsafe { pyo3::ffi::PyLong_AsLongLongAndOverflow(value.as_ptr(), &mut overflow) };
    if overflow != 0 {
        Err(IntError::OutOfRange)
    } else {
        Ok(n)
    }
}

/// A str (or str subclass, such as a StrEnum member) as UTF-8.
pub fn extract_str<'a>(value: &'a Bound<'_, PyAny>) -> Result<&'a str, &'static str> {
    let Ok(s) = value.cast::<PyString>() else {
        return Err("a str");
    };
    s.to_str().map_err(|_| "a str encodable as UTF-8")
}

/// A finite float; ints are accepted (a register may be set to 3).
pub fn extract_f64(value: &Bound<'_, PyAny>) -> Result<f64, &'static str> {
    let number = if let Ok(f) = value.cast::<PyFloat>() {
        f.value()
    } else {
        match extract_i64(value) {
            Ok(n) => n as f64,
            Err(_) => return Err("a float"),
        }
    };
    if number.is_finite() {
        Ok(number)
    } else {
        Err("a finite float")
    }
}
