//! Batches of a DuckDB result, prepared on a thread of its own (without the
//! GIL) while the caller's thread turns the previous batch into Python
//! objects: the two cores work side by side.

use std::sync::mpsc;
use std::thread;

use arrow_array::RecordBatch;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::replay::arrow_import::import_stream;

/// Reads `source` (an Arrow stream) to its end: `prepare` turns each batch
/// into a `T` on the reader thread, `each` takes the `T`s in order on this
/// one. At most two `T`s exist at a time; a spent one goes back to `prepare`
/// (to reuse its buffers, or at least to be freed off this thread).
/// Returns the number of rows read.
pub fn read_batches<T: Send>(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    mut prepare: impl FnMut(RecordBatch, Option<T>) -> Result<T, String> + Send,
    mut each: impl FnMut(Python<'_>, &T) -> PyResult<()>,
) -> PyResult<usize> {
    let mut reader = import_stream(source)?;
    let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<(usize, T), String>>(1);
    let (spent_tx, spent_rx) = mpsc::channel::<Option<T>>();
    for _ in 0..2 {
        let _ = spent_tx.send(None);
    }
    // `move`: the receiver and the spent-sender drop when the loop below
    // ends or fails, which stops the reader thread before the scope joins it.
    thread::scope(move |scope| {
        scope.spawn(move || {
            while let Ok(spent) = spent_rx.recv() {
                let Some(batch) = reader.next() else {
                    return;
                };
                let prepared = batch.map_err(|e| e.to_string()).and_then(|batch| {
                    let rows = batch.num_rows();
                    prepare(batch, spent).map(|t| (rows, t))
                });
                let failed = prepared.is_err();
                if ready_tx.send(prepared).is_err() || failed {
                    return;
                }
            }
        });
        let mut rows = 0;
        let mut receiver = ready_rx;
        loop {
            // Waiting for DuckDB and the reader thread: the GIL is free.
            let (next, back) = py.detach(move || (receiver.recv(), receiver));
            receiver = back;
            let Ok(prepared) = next else {
                return Ok(rows);
            };
            let (batch_rows, prepared) = prepared.map_err(PyValueError::new_err)?;
            rows += batch_rows;
            each(py, &prepared)?;
            let _ = spent_tx.send(Some(prepared));
        }
    })
}
