//! The simulator's event dicts, parsed from the JSON lines by jiter:
//! `event_type` and `tick` first, then the details' keys in stored order;
//! ints stay ints, floats floats; repeated strings share one Python object
//! (jiter's string cache).

use jiter::{FloatMode, PythonParse, StringCacheMode};
use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::replay::lines::read_lines;

/// Pauses Python's cyclic garbage collector while plain data is built: each
/// new dict counts towards a collection, and millions of them would start
/// hundreds of collections that find nothing (the objects hold no cycles).
struct GcPaused {
    was_enabled: bool,
}

impl GcPaused {
    fn new(_py: Python<'_>) -> Self {
        // SAFETY: called with the GIL held (the token proves it).
        GcPaused {
            was_enabled: unsafe { ffi::PyGC_Disable() } == 1,
        }
    }
}

impl Drop for GcPaused {
    fn drop(&mut self) {
        if self.was_enabled {
            // SAFETY: dropped on the thread that paused it, with the GIL held.
            unsafe { ffi::PyGC_Enable() };
        }
    }
}

/// The events of `source` (a relation selecting `event_type, tick, details`)
/// as a list of dicts, in the relation's order.
#[pyfunction]
pub fn decode_events<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let parser = PythonParse {
        cache_mode: StringCacheMode::All,
        float_mode: FloatMode::Float,
        ..PythonParse::default()
    };
    let events = PyList::empty(py);
    let _paused = GcPaused::new(py);
    read_lines(py, source, false, |py, lines| {
        let mut start = 0;
        for &end in &lines.ends {
            let line = &lines.text[start..end];
            let event = parser.python_parse(py, line).map_err(|e| {
                PyValueError::new_err(format!("stored details are not valid JSON: {e}"))
            })?;
            events.append(event)?;
            start = end;
        }
        Ok(())
    })?;
    Ok(events)
}
