//! What a batch's key columns say before it is stored: a key repeated
//! within the batch, and the range of each int key column, so that the
//! writer checks stored rows with one query that scans no batch (a scan of
//! a registered batch costs a few milliseconds at a run's end).

use std::collections::hash_map::Entry;
use std::hash::Hasher;

use arrow_array::{Array, ArrayRef, Int64Array, LargeStringArray};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyNone, PyString};

use crate::arrow_export::ArrowBatch;
use crate::columns::interner::{FastHasher, FastMap};

/// One key column, read from every record batch in turn.
enum KeyColumn {
    Str(Vec<LargeStringArray>),
    I64(Vec<Int64Array>),
}

impl KeyColumn {
    fn read(name: &str, arrays: Vec<ArrayRef>) -> PyResult<KeyColumn> {
        let strs: Option<Vec<LargeStringArray>> = arrays
            .iter()
            .map(|a| a.as_any().downcast_ref::<LargeStringArray>().cloned())
            .collect();
        if let Some(strs) = strs {
            return Ok(KeyColumn::Str(strs));
        }
        let ints: Option<Vec<Int64Array>> = arrays
            .iter()
            .map(|a| a.as_any().downcast_ref::<Int64Array>().cloned())
            .collect();
        ints.map(KeyColumn::I64).ok_or_else(|| {
            PyValueError::new_err(format!("key column {name:?} is neither str nor int"))
        })
    }

    /// Appends the value at (`batch`, `row`) to `key`, so that two keys'
    /// bytes are equal exactly when their values are.
    fn push(&self, batch: usize, row: usize, key: &mut Vec<u8>) {
        match self {
            KeyColumn::Str(arrays) if arrays[batch].is_valid(row) => {
                let text = arrays[batch].value(row);
                key.push(1);
                key.extend_from_slice(&(text.len() as u64).to_le_bytes());
                key.extend_from_slice(text.as_bytes());
            }
            KeyColumn::I64(arrays) if arrays[batch].is_valid(row) => {
                key.push(1);
                key.extend_from_slice(&arrays[batch].value(row).to_le_bytes());
            }
            _ => key.push(0),
        }
    }

    fn value<'py>(&self, py: Python<'py>, batch: usize, row: usize) -> Bound<'py, PyAny> {
        match self {
            KeyColumn::Str(arrays) if arrays[batch].is_valid(row) => {
                PyString::new(py, arrays[batch].value(row)).into_any()
            }
            KeyColumn::I64(arrays) if arrays[batch].is_valid(row) => {
                PyInt::new(py, arrays[batch].value(row)).into_any()
            }
            _ => PyNone::get(py).to_owned().into_any(),
        }
    }

    /// (min, max) of an int column's values, None for a str column or no values.
    fn range(&self) -> Option<(i64, i64)> {
        let KeyColumn::I64(arrays) = self else {
            return None;
        };
        let values = arrays.iter().flat_map(|a| a.iter().flatten());
        values.fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
    }
}

/// An int key column's (name, min, max).
type KeyRange = (String, i64, i64);

/// A key's values, one per key column.
type KeyValues<'py> = Vec<Bound<'py, PyAny>>;

/// The first key of `columns` that `batch` holds twice (as a tuple of its
/// values), and each int key column's (min, max), by column name.
#[pyfunction]
pub fn key_summary<'py>(
    py: Python<'py>,
    batch: &ArrowBatch,
    columns: Vec<String>,
) -> PyResult<(Option<KeyValues<'py>>, Vec<KeyRange>)> {
    let schema = batch.schema();
    let mut keys = Vec::with_capacity(columns.len());
    for name in &columns {
        let index = schema
            .index_of(name)
            .map_err(|_| PyValueError::new_err(format!("the batch has no column {name:?}")))?;
        let arrays = batch.batches().iter().map(|b| b.column(index).clone());
        keys.push(KeyColumn::read(name, arrays.collect())?);
    }
    let ranges = columns
        .iter()
        .zip(&keys)
        .filter_map(|(name, key)| key.range().map(|(lo, hi)| (name.clone(), lo, hi)))
        .collect();
    // Every key's bytes in one arena, found by their hash (probing on to
    // the next hash when two keys share one): no allocation per row.
    let rows = batch.batches().iter().map(|b| b.num_rows()).sum();
    let mut seen: FastMap<u64, (usize, usize)> = FastMap::default();
    seen.reserve(rows);
    let mut arena: Vec<u8> = Vec::with_capacity(rows * 16);
    for (b, record_batch) in batch.batches().iter().enumerate() {
        for row in 0..record_batch.num_rows() {
            let start = arena.len();
            for column in &keys {
                column.push(b, row, &mut arena);
            }
            let mut hasher = FastHasher::default();
            hasher.write(&arena[start..]);
            let mut hash = hasher.finish();
            loop {
                match seen.entry(hash) {
                    Entry::Vacant(slot) => {
                        slot.insert((start, arena.len()));
                        break;
                    }
                    Entry::Occupied(slot) => {
                        let (from, to) = *slot.get();
                        if arena[from..to] == arena[start..] {
                            let values = keys.iter().map(|c| c.value(py, b, row)).collect();
                            return Ok((Some(values), ranges));
                        }
                        hash = hash.wrapping_add(1);
                    }
                }
            }
        }
    }
    Ok((None, ranges))
}
