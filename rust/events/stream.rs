//! `EventStream`: events encoded while DuckDB reads them.
//!
//! DuckDB appends with two threads, each building a row group from the
//! chunks it takes from the stream. Here a thread that needs a chunk takes
//! the GIL and encodes it itself, while the other compresses and writes the
//! chunk it holds: the two cores run exactly two threads. Encoding ahead on
//! a third thread (encoded batches handed over one by one) made the three
//! compete, and DuckDB's stragglers left cores idle: 1.0-1.2 s per million
//! events against 0.75-0.85 s this way (benches/ingest.py).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::arrow_export::{column_names, schema_capsule, stream_capsule, ArrowBatch};
use crate::events::batches::check_layout;
use crate::events::encoder::{Encoder, Numbering};
use crate::events::fields::SPECIAL_KEYS;
use crate::events::layout::EventColumns;
use crate::events::layout::EventLayout;
use crate::events::registers::RegisterLog;
use crate::events::source::EventSource;
use crate::json::key_cache::KeyCache;

/// Events per chunk: one DuckDB row group, the unit a scan thread appends.
pub const CHUNK_ROWS: usize = 122_880;

struct State {
    source: EventSource,
    /// Events encoded so far.
    row: usize,
    log: RegisterLog,
    keys: KeyCache,
    /// What stopped the encoding (an `EncodeError`, or the iterator's error),
    /// until `take_failure` hands it over.
    failure: Option<PyErr>,
    failed: bool,
    done: bool,
    /// A chunk encoded ahead by `prefetch`, handed out first.
    ready: Option<Result<RecordBatch, ArrowError>>,
}

struct Shared {
    layout: EventLayout,
    simulation_id: String,
    ticks_per_day: i64,
    numbering: Numbering,
    chunk_rows: usize,
    state: Mutex<State>,
}

/// Locks the state without holding the GIL: the thread that holds the lock
/// releases the GIL now and then while encoding, and must be able to take it back.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn next_chunk(&self) -> Option<Result<RecordBatch, ArrowError>> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        if let Some(chunk) = state.ready.take() {
            return Some(chunk);
        }
        if state.done {
            return None;
        }
        Python::attach(|py| self.encode_chunk(py, state))
    }

    fn encode_chunk(
        &self,
        py: Python<'_>,
        state: &mut State,
    ) -> Option<Result<RecordBatch, ArrowError>> {
        let start = state.row;
        let mut columns = EventColumns::with_capacity(self.chunk_rows);
        let mut encoder = Encoder::new(
            self.ticks_per_day,
            &mut columns,
            &mut state.log,
            &mut state.keys,
        );
        let encoded = encoder.encode_from(
            py,
            &mut state.source,
            self.chunk_rows,
            self.numbering,
            &mut state.row,
        );
        if let Err(err) = encoded {
            // Only a summary goes to DuckDB (the caller raises `err` itself):
            // arrow-rs hands the text over as a C string and aborts on a NUL,
            // which a field name may hold.
            let message = err.to_string().replace('\0', "\\0");
            state.failure = Some(err);
            state.failed = true;
            state.done = true;
            return Some(Err(ArrowError::ExternalError(message.into())));
        }
        state.done = state.row - start < self.chunk_rows;
        if state.row == start {
            return None;
        }
        Some(py.detach(|| columns.finish(&self.layout.events, &self.simulation_id)))
    }
}

struct ChunkReader(Arc<Shared>);

impl Iterator for ChunkReader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Called from DuckDB through C: a panic must not unwind out of it.
        catch_unwind(AssertUnwindSafe(|| self.0.next_chunk())).unwrap_or_else(|_| {
            let message = "the event encoder failed unexpectedly (a bug: please report it)";
            Some(Err(ArrowError::ExternalError(message.into())))
        })
    }
}

impl RecordBatchReader for ChunkReader {
    fn schema(&self) -> SchemaRef {
        self.0.layout.events.schema.clone()
    }
}

/// The events of run `simulation_id` as an Arrow stream in the layout's
/// `simulation_events` output, encoded chunk by chunk as it is read (once).
/// After the read, `finish()` gives the number of events and their registers.
#[pyclass(module = "simcash_db._native", frozen)]
pub struct EventStream {
    shared: Arc<Shared>,
    opened: Mutex<bool>,
}

#[pymethods]
impl EventStream {
    #[new]
    #[pyo3(signature = (layout, events, simulation_id, first_seq, ticks_per_day, row_offset=0, chunk_rows=CHUNK_ROWS))]
    fn new(
        layout: &Bound<'_, EventLayout>,
        events: &Bound<'_, PyAny>,
        simulation_id: String,
        first_seq: i64,
        ticks_per_day: i64,
        row_offset: usize,
        chunk_rows: usize,
    ) -> PyResult<Self> {
        check_layout(ticks_per_day, first_seq)?;
        if chunk_rows == 0 {
            return Err(PyValueError::new_err("chunk_rows must be > 0"));
        }
        let state = State {
            source: EventSource::new(events)?,
            row: 0,
            log: RegisterLog::default(),
            keys: KeyCache::new(&SPECIAL_KEYS),
            failure: None,
            failed: false,
            done: false,
            ready: None,
        };
        Ok(EventStream {
            shared: Arc::new(Shared {
                layout: layout.get().clone(),
                simulation_id,
                ticks_per_day,
                numbering: Numbering {
                    first_seq,
                    row_offset,
                },
                chunk_rows,
                state: Mutex::new(state),
            }),
            opened: Mutex::new(false),
        })
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, &self.shared.layout.events.schema)
    }

    /// The stream, once: the events are encoded as they are read.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        if *opened {
            return Err(PyValueError::new_err(
                "an EventStream is read once: its events are encoded as they are read",
            ));
        }
        *opened = true;
        stream_capsule(py, ChunkReader(self.shared.clone()))
    }

    /// Encodes the first chunk now, on the calling thread: DuckDB's threads
    /// then start with one chunk ready instead of one waiting for the other.
    /// What stops it (an `EncodeError`, a KeyboardInterrupt) is raised here,
    /// before DuckDB reads anything.
    fn prefetch(&self, py: Python<'_>) -> PyResult<()> {
        // Before the read starts nothing else holds the lock; if something
        // does, prefetching is only skipped.
        if let Ok(mut state) = self.shared.state.try_lock() {
            if state.ready.is_none() && !state.done {
                state.ready = self.shared.encode_chunk(py, &mut state);
                if let Some(failure) = state.failure.take() {
                    return Err(failure);
                }
            }
        }
        Ok(())
    }

    #[getter]
    fn column_names(&self) -> Vec<String> {
        column_names(&self.shared.layout.events.schema)
    }

    /// What stopped the encoding (an `EncodeError`, say), if anything did;
    /// handed over once.
    fn take_failure(&self, py: Python<'_>) -> Option<PyErr> {
        py.detach(|| lock(&self.shared.state).failure.take())
    }

    /// After the stream was read to its end: `(events, registers)`, the
    /// number of events and the last value of each register set in a tick.
    fn finish(&self, py: Python<'_>) -> PyResult<(usize, ArrowBatch)> {
        let (rows, registers) = py
            .detach(|| {
                let state = lock(&self.shared.state);
                if state.failed || !state.done {
                    return Err("the stream was not read to its end".to_owned());
                }
                let registers = state
                    .log
                    .finish(&self.shared.layout.registers, &self.shared.simulation_id)
                    .map_err(|e| e.to_string())?;
                Ok((state.row, registers))
            })
            .map_err(PyValueError::new_err)?;
        let schema = self.shared.layout.registers.schema.clone();
        Ok((rows, ArrowBatch::new(schema, vec![registers])))
    }
}
