//! The simulator's event dicts, built by following a batch's tape (`tape`):
//! `event_type` and `tick` first, then the details' keys in stored order;
//! ints stay ints, floats floats; each short text that repeats (keys, agent
//! ids, event types) is one shared `str`.

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};

use crate::replay::pipeline::read_batches;
use crate::replay::tape::{Op, Tape, TapeWriter};

/// Follows tapes, keeping the shared strings of the whole read by id.
struct Builder<'py> {
    py: Python<'py>,
    strings: Vec<Bound<'py, PyString>>,
}

impl<'py> Builder<'py> {
    fn new(py: Python<'py>) -> Self {
        // Ids 0 and 1: the keys `event_type` and `tick` (tape::EVENT_TYPE_ID, TICK_ID).
        let strings = vec![
            pyo3::intern!(py, "event_type").clone(),
            pyo3::intern!(py, "tick").clone(),
        ];
        Builder { py, strings }
    }

    fn text(arena: &[u8], start: u32, len: u32) -> PyResult<&str> {
        let bytes = &arena[start as usize..(start + len) as usize];
        // The arena holds whole `&str`s only; checked anyway (cheap next to
        // making the str), so a bug cannot make an invalid `str`.
        std::str::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The value whose steps start at `ops[*at]`; moves `at` past them.
    fn value(&mut self, ops: &[Op], at: &mut usize, arena: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let op = ops[*at];
        *at += 1;
        Ok(match op {
            Op::Null => py.None().into_bound(py),
            Op::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
            Op::Int(i) => i.into_pyobject(py)?.into_any(),
            Op::Float(f) => PyFloat::new(py, f).into_any(),
            Op::Str(id) => self.strings[id as usize].clone().into_any(),
            Op::NewStr(start, len) => {
                let made = PyString::new(py, Self::text(arena, start, len)?);
                self.strings.push(made.clone());
                made.into_any()
            }
            Op::Text(start, len) => PyString::new(py, Self::text(arena, start, len)?).into_any(),
            Op::List(items) => {
                let list = PyList::empty(py);
                for _ in 0..items {
                    list.append(self.value(ops, at, arena)?)?;
                }
                list.into_any()
            }
            Op::Dict(entries) => {
                let dict = PyDict::new(py);
                for _ in 0..entries {
                    let key = self.value(ops, at, arena)?;
                    let value = self.value(ops, at, arena)?;
                    dict.set_item(key, value)?;
                }
                dict.into_any()
            }
        })
    }
}

/// Pauses Python's cyclic garbage collector while plain data is built: each
/// new dict counts towards a collection, and a million of them would start
/// thousands of collections that find nothing (the objects hold no cycles).
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
    let events = PyList::empty(py);
    let _paused = GcPaused::new(py);
    let mut writer = TapeWriter::default();
    let prepare = move |batch, spent: Option<Tape>| {
        let mut tape = spent.unwrap_or_default();
        writer.write(&batch, &mut tape).map(|()| tape)
    };
    let mut builder = Builder::new(py);
    read_batches(py, source, prepare, |_, tape: &Tape| {
        let mut at = 0;
        while at < tape.ops.len() {
            events.append(builder.value(&tape.ops, &mut at, &tape.arena)?)?;
        }
        Ok(())
    })?;
    Ok(events)
}
