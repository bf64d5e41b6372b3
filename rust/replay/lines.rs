//! One JSON line per event, `{"event_type":..,"tick":..,<details' fields>}`,
//! assembled from the stored columns: the stored `details` text is already
//! JSON, so a line is the two leading fields followed by it, copied.

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::json::text::{write_i64, write_str};
use crate::replay::arrow_import::{int_column, TextColumn};
use crate::replay::pipeline::read_batches;

/// The lines of one batch, back to back, and where each ends.
#[derive(Default)]
pub struct Lines {
    pub text: Vec<u8>,
    pub ends: Vec<usize>,
}

impl Lines {
    /// Appends the batch's rows (columns `event_type`, `tick`, `details`),
    /// each line followed by `newline` if given.
    pub fn append_batch(&mut self, batch: &RecordBatch, newline: bool) -> Result<(), String> {
        let types = TextColumn::of(batch, "event_type")?;
        let ticks = int_column(batch, "tick")?;
        let details = TextColumn::of(batch, "details")?;
        self.text.reserve(batch.num_rows() * 160);
        for (row, &tick) in ticks.iter().enumerate() {
            let (Some(event_type), Some(details)) = (types.get(row), details.get(row)) else {
                return Err(format!(
                    "row {row} of the result has no event_type or no details"
                ));
            };
            self.push(event_type, tick, details)
                .map_err(|e| format!("row {row}: {e}"))?;
            if newline {
                self.text.push(b'\n');
            }
            self.ends.push(self.text.len());
        }
        Ok(())
    }

    fn push(&mut self, event_type: &str, tick: i64, details: &str) -> Result<(), ArrowError> {
        let Some(fields) = details.trim_ascii().strip_prefix('{') else {
            return Err(ArrowError::InvalidArgumentError(
                "details is not a JSON object".to_owned(),
            ));
        };
        let out = &mut self.text;
        out.extend_from_slice(b"{\"event_type\":");
        write_str(out, event_type);
        out.extend_from_slice(b",\"tick\":");
        write_i64(out, tick);
        // `fields` is `}` for an empty object, or `"key":...}`.
        if !fields.trim_ascii_start().starts_with('}') {
            out.push(b',');
        }
        out.extend_from_slice(fields.as_bytes());
        Ok(())
    }
}

/// Prepares a batch's lines on the reader thread, in a spent buffer if any.
pub fn prepare_lines(
    batch: RecordBatch,
    spent: Option<Lines>,
    newline: bool,
) -> Result<Lines, String> {
    let mut lines = spent.unwrap_or_default();
    lines.text.clear();
    lines.ends.clear();
    lines.append_batch(&batch, newline)?;
    Ok(lines)
}

/// The events of `source` (a relation selecting `event_type, tick, details`)
/// as JSON lines, each ending in a newline: `(events, bytes)`.
#[pyfunction]
pub fn event_lines<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
) -> PyResult<(usize, Bound<'py, PyBytes>)> {
    let mut all = Vec::new();
    let prepare = |batch, spent| prepare_lines(batch, spent, true);
    let rows = read_batches(py, source, prepare, |_, lines: &Lines| {
        all.extend_from_slice(&lines.text);
        Ok(())
    })?;
    Ok((rows, PyBytes::new(py, &all)))
}
