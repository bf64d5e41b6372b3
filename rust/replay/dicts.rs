//! The simulator's event dicts: `event_type` and `tick` first, then the
//! details' keys in stored order; ints stay ints, floats floats. jiter
//! parses the stored details on the reader thread, without the GIL; this
//! thread only builds the Python objects, and repeated strings (keys, agent
//! ids, event types) share one object (`strings`).

use arrow_array::RecordBatch;
use jiter::{JsonValue, JsonValueScratch, PartialMode};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList};

use crate::replay::arrow_import::{int_column, TextColumn};
use crate::replay::pipeline::read_batches;
use crate::replay::strings::PyStrings;

/// A batch with each row's details parsed. The values borrow their text
/// from the batch's `details` buffer, so they are declared (and dropped)
/// first, and never outlive it.
struct Parsed {
    details: Vec<JsonValue<'static>>,
    batch: RecordBatch,
}

/// Parses the batch's details (reader thread). Reuses the spent batch's
/// vector; its values are freed here, off the caller's thread.
fn parse(
    batch: RecordBatch,
    spent: Option<Parsed>,
    scratch: &mut JsonValueScratch<'static>,
) -> Result<Parsed, String> {
    // The spent values go while the batch they borrow from is still alive.
    let mut details = match spent {
        Some(mut spent) => {
            spent.details.clear();
            spent.details
        }
        None => Vec::new(),
    };
    let column = TextColumn::of(&batch, "details")?;
    for row in 0..batch.num_rows() {
        let text = column
            .get(row)
            .ok_or_else(|| format!("row {row} of the result has no details"))?;
        // SAFETY: the text lives in the batch's buffer (behind an Arc, so it
        // never moves), which `Parsed` holds for as long as the values that
        // borrow from it, and drops after them. Borrowing, not copying, every
        // string: the parse took 0.53 s per million events instead of 1.1.
        let text: &'static str = unsafe { std::mem::transmute::<&str, &'static str>(text) };
        let value = scratch
            .parse(text.as_bytes(), false, PartialMode::Off)
            .map_err(|e| format!("row {row}: the stored details are not JSON: {e}"))?;
        if !matches!(value, JsonValue::Object(_)) {
            return Err(format!(
                "row {row}: the stored details are not a JSON object"
            ));
        }
        details.push(value);
    }
    Ok(Parsed { details, batch })
}

fn to_python<'py>(
    py: Python<'py>,
    strings: &mut PyStrings<'py>,
    value: &JsonValue<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        JsonValue::Null => py.None().into_bound(py),
        JsonValue::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        JsonValue::Int(i) => i.into_pyobject(py)?.into_any(),
        JsonValue::Float(f) => PyFloat::new(py, *f).into_any(),
        JsonValue::Str(s) => strings.get(py, s).into_any(),
        JsonValue::Array(items) => {
            let list = PyList::empty(py);
            for item in items.iter() {
                list.append(to_python(py, strings, item)?)?;
            }
            list.into_any()
        }
        JsonValue::Object(fields) => {
            let dict = PyDict::new(py);
            fill(py, strings, &dict, fields)?;
            dict.into_any()
        }
    })
}

fn fill<'py>(
    py: Python<'py>,
    strings: &mut PyStrings<'py>,
    dict: &Bound<'py, PyDict>,
    fields: &[(std::borrow::Cow<'_, str>, JsonValue<'_>)],
) -> PyResult<()> {
    for (key, value) in fields {
        dict.set_item(strings.get(py, key), to_python(py, strings, value)?)?;
    }
    Ok(())
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
    let mut scratch = JsonValueScratch::default();
    let prepare = move |batch, spent| parse(batch, spent, &mut scratch);
    let (event_type_key, tick_key) = (pyo3::intern!(py, "event_type"), pyo3::intern!(py, "tick"));
    let mut strings = PyStrings::default();
    read_batches(py, source, prepare, |_, parsed: &Parsed| {
        let types = TextColumn::of(&parsed.batch, "event_type").map_err(value_error)?;
        let ticks = int_column(&parsed.batch, "tick").map_err(value_error)?;
        for (row, (tick, details)) in ticks.iter().zip(&parsed.details).enumerate() {
            let event_type = types
                .get(row)
                .ok_or_else(|| value_error(format!("row {row} of the result has no event_type")))?;
            let fields = match details {
                JsonValue::Object(fields) => fields.as_slice(),
                _ => &[],
            };
            let event = PyDict::new(py);
            event.set_item(event_type_key, strings.get(py, event_type))?;
            event.set_item(tick_key, tick)?;
            fill(py, &mut strings, &event, fields)?;
            events.append(event)?;
        }
        Ok(())
    })?;
    Ok(events)
}

fn value_error(message: String) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(message)
}
