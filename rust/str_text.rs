//! A str's UTF-8 text, read in place when CPython stores it as compact
//! ASCII (every key and id a simulator makes): no call per string, which is
//! a tenth of the event encoder's time on dicts of new strs (perf).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// The text of `s`, or an error when it is no valid UTF-8 (lone surrogates).
#[inline]
pub fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    let op = s.as_ptr();
    // SAFETY: `op` is a live str (the bound reference holds it). A compact
    // ASCII str keeps its `len` ASCII bytes right after its header, for as
    // long as it lives, and ASCII is UTF-8.
    unsafe {
        if ffi::PyUnicode_IS_COMPACT_ASCII(op) != 0 {
            let len = ffi::PyUnicode_GET_LENGTH(op) as usize;
            let data = ffi::PyUnicode_DATA(op) as *const u8;
            return Ok(std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                data, len,
            )));
        }
    }
    s.to_str()
}

/// The hash an exact str keeps once computed (a dict computes its keys'),
/// or None: a subclass may hash otherwise, in Python.
#[inline]
pub fn cached_hash(s: &Bound<'_, PyString>) -> Option<ffi::Py_hash_t> {
    if !s.is_exact_instance_of::<PyString>() {
        return None;
    }
    // SAFETY: an exact str is a PyASCIIObject at its start.
    let hash = unsafe { (*s.as_ptr().cast::<ffi::PyASCIIObject>()).hash };
    (hash != -1).then_some(hash)
}
