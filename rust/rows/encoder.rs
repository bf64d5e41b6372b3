//! Encodes row dicts (transactions, per-tick state...) into one Arrow batch
//! following a `TableSpec` derived from the models.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::arrow_export::ArrowBatch;
use crate::dict_items::for_each_item;
use crate::errors::EncodeFailure;
use crate::json::key_cache::{KeyCache, NO_ROLE};
use crate::json::writer::JsonWriter;
use crate::rows::builders::{finish_batch, ColumnBuilder};
use crate::rows::spec::{ColumnDef, Kind, TableSpec};
use crate::values::{
    describe, extract_f64, extract_i64, extract_str, pause, IntError, YIELD_EVERY,
};

type Failure = (&'static str, String);

fn failure(expected: &'static str, value: &Bound<'_, PyAny>) -> Failure {
    (expected, describe(value))
}

/// Appends one value of `column` to `builder`, checking it strictly.
fn append_value<'py>(
    column: &ColumnDef,
    builder: &mut ColumnBuilder,
    value: &Bound<'py, PyAny>,
    scratch: &mut Vec<u8>,
    key_cache: &mut KeyCache,
) -> Result<(), Failure> {
    match builder {
        ColumnBuilder::Str(b) if column.kind == Kind::Json => {
            scratch.clear();
            JsonWriter {
                out: scratch,
                keys: key_cache,
            }
            .write_field(&column.name, value)
            .map_err(|f| {
                (
                    f.expected,
                    format!("{} at {}{}", f.found, column.name, f.path),
                )
            })?;
            // The writer only emits valid UTF-8 (input strs are UTF-8, escapes ASCII).
            let text = std::str::from_utf8(scratch).map_err(|_| failure("UTF-8", value))?;
            b.append_value(text);
        }
        ColumnBuilder::Str(b) => {
            let text = extract_str(value).map_err(|e| failure(e, value))?;
            if let Some(choices) = &column.choices {
                if !choices.iter().any(|c| c == text) {
                    return Err(failure("one of the enum's values", value));
                }
            }
            b.append_value(text);
        }
        ColumnBuilder::I64(b) => {
            let n = match extract_i64(value) {
                Ok(n) => n,
                Err(IntError::OutOfRange) => return Err(failure("an int within i64", value)),
                Err(IntError::NotInt) => return Err(failure(column.kind.expected(), value)),
            };
            if column.min_value.is_some_and(|min| n < min) {
                return Err(failure("an int >= 0", value));
            }
            b.append_value(n);
        }
        ColumnBuilder::Bool(b) => {
            let Ok(flag) = value.cast_exact::<pyo3::types::PyBool>() else {
                return Err(failure("a bool", value));
            };
            b.append_value(flag.is_true());
        }
        ColumnBuilder::F64(b) => {
            b.append_value(extract_f64(value).map_err(|e| failure(e, value))?);
        }
    }
    Ok(())
}

/// Finds a key of `dict` that is no column of the table (cold path).
fn unknown_key(dict: &Bound<'_, PyDict>, spec: &TableSpec) -> Option<(String, String)> {
    for (key, value) in dict.iter() {
        let name = key
            .cast::<PyString>()
            .ok()
            .and_then(|k| k.to_str().ok().map(str::to_owned));
        match name {
            Some(name) if spec.columns.iter().any(|c| c.name == name) => continue,
            Some(name) => return Some((name, describe(&value))),
            None => return Some((describe(&key), describe(&value))),
        }
    }
    None
}

/// Encodes `rows` (an iterable of dicts) into an Arrow batch of `spec`'s columns.
///
/// `constants` fill columns that are the same for every row (the
/// `simulation_id`); a row may repeat such a column only with the same value,
/// unless `replace`: then the constant replaces what the row holds.
/// The first bad value raises `EncodeError` naming the row and field.
#[pyfunction]
#[pyo3(signature = (spec, rows, constants=None, row_offset=0, replace=false))]
pub fn encode_rows(
    py: Python<'_>,
    spec: &TableSpec,
    rows: &Bound<'_, PyAny>,
    constants: Option<&Bound<'_, PyDict>>,
    row_offset: usize,
    replace: bool,
) -> PyResult<ArrowBatch> {
    let capacity = rows.len().unwrap_or(0);
    let mut builders: Vec<ColumnBuilder> = spec
        .columns
        .iter()
        .map(|c| ColumnBuilder::new(c.kind, capacity))
        .collect();
    // Each row's items are walked once, their keys told apart by the key
    // cache (whose roles are the column indices): a SimCash row is a dict
    // of new key strs, where a lookup per column would compare texts.
    let names: Vec<&str> = spec.columns.iter().map(|c| c.name.as_str()).collect();
    let mut columns_by_key = KeyCache::new(&names);
    let mut fixed: Vec<Option<Bound<'_, PyAny>>> = Vec::with_capacity(names.len());
    for name in &names {
        fixed.push(match constants {
            Some(c) => c.get_item(name)?,
            None => None,
        });
    }
    let mut slots: Vec<Option<Bound<'_, PyAny>>> = vec![None; names.len()];
    let mut scratch = Vec::with_capacity(256);
    let mut key_cache = KeyCache::new(&[]);
    let fail = |row: usize, field: &str, (expected, found): Failure| {
        EncodeFailure {
            row: row_offset.saturating_add(row),
            field: field.to_owned(),
            expected,
            found,
        }
        .into_pyerr(py)
    };

    for (row, item) in rows.try_iter()?.enumerate() {
        if row % YIELD_EVERY == YIELD_EVERY - 1 {
            pause(py)?;
        }
        let item = item?;
        let Ok(dict) = item.cast::<PyDict>() else {
            return Err(fail(row, "<row>", failure("a dict", &item)));
        };
        let mut unknown = false;
        for_each_item(dict, |key, value| {
            match columns_by_key.classify(key) {
                Ok(key) if key.role != NO_ROLE => {
                    slots[usize::from(key.role)] = Some(value.to_owned())
                }
                _ => unknown = true,
            }
            Ok::<(), ()>(())
        })
        .ok();
        for (i, column) in spec.columns.iter().enumerate() {
            let given = slots[i].take();
            let value = match (&fixed[i], given) {
                (Some(constant), Some(given)) => {
                    if !replace && !given.eq(constant)? {
                        let expected = "the same value as the call's own argument";
                        return Err(fail(row, &column.name, failure(expected, &given)));
                    }
                    constant.clone()
                }
                (Some(constant), None) => constant.clone(),
                (None, Some(given)) => given,
                (None, None) => match &column.default {
                    Some(default) => default.bind(py).clone(),
                    None if column.nullable => {
                        builders[i].append_null();
                        continue;
                    }
                    None => {
                        let missing = ("a value (the field is required)", "nothing".to_owned());
                        return Err(fail(row, &column.name, missing));
                    }
                },
            };
            if value.is_none() {
                if column.nullable {
                    builders[i].append_null();
                    continue;
                }
                return Err(fail(
                    row,
                    &column.name,
                    failure(column.kind.expected(), &value),
                ));
            }
            append_value(
                column,
                &mut builders[i],
                &value,
                &mut scratch,
                &mut key_cache,
            )
            .map_err(|f| fail(row, &column.name, f))?;
        }
        if unknown {
            if let Some((name, value)) = unknown_key(dict, spec) {
                let expected = "no such column in the table";
                return Err(fail(row, &name, (expected, value)));
            }
        }
    }
    let schema = spec.schema.clone();
    let batch = py
        .detach(|| finish_batch(schema.clone(), &mut builders))
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    Ok(ArrowBatch::new(schema, vec![batch]))
}
