//! One Python `str` per distinct short text of a read: an event's keys, its
//! type and its agent ids repeat across millions of events, so each is made
//! once and shared. A map of our own: jiter's global cache compares through
//! `PyUnicode_AsUTF8AndSize` on every hit (a fifth of the decoding time);
//! this map took the read of a million events from 0.98 to 0.92 s.

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::columns::interner::FastMap;

/// Texts longer than this are rarely repeated: made fresh each time.
const LONGEST: usize = 64;
/// Bounds the map for a read of many distinct short texts (say, tx ids).
const MOST: usize = 1 << 16;

#[derive(Default)]
pub struct PyStrings<'py> {
    made: FastMap<Box<str>, Bound<'py, PyString>>,
}

impl<'py> PyStrings<'py> {
    pub fn get(&mut self, py: Python<'py>, text: &str) -> Bound<'py, PyString> {
        if text.len() > LONGEST {
            return PyString::new(py, text);
        }
        if let Some(made) = self.made.get(text) {
            return made.clone();
        }
        let made = PyString::new(py, text);
        if self.made.len() < MOST {
            self.made.insert(text.into(), made.clone());
        }
        made
    }
}
