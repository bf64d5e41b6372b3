//! Where the event encoder reads events from.

use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList};

/// Where events come from: a list, read by index, or any iterator. Holds no
/// GIL-bound reference, so a stream can keep it between chunks.
pub enum EventSource {
    List { list: Py<PyList>, next: usize },
    Iter(Py<PyIterator>),
}

impl EventSource {
    pub fn new(events: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(match events.cast_exact::<PyList>() {
            Ok(list) => EventSource::List {
                list: list.clone().unbind(),
                next: 0,
            },
            Err(_) => EventSource::Iter(events.try_iter()?.unbind()),
        })
    }

    /// The next event, or None at the end.
    pub fn next<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self {
            // The length is read each time: another thread may change the
            // list while the GIL is yielded.
            EventSource::List { list, next } => {
                let list = list.bind(py);
                if *next >= list.len() {
                    return Ok(None);
                }
                *next += 1;
                list.get_item(*next - 1).map(Some)
            }
            EventSource::Iter(iterator) => iterator.bind(py).clone().next().transpose(),
        }
    }
}
