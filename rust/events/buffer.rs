//! `EventBuffer`: a streaming writer's batch, encoded as the events come.
//!
//! Holding a batch's event dicts until the batch is full cost a simulator
//! more than encoding them: the dicts outlive the interpreter's young
//! generation, so its collector walks them again and again, and they are
//! freed cold. Encoded at once (a tick's events, just built), they die young
//! and only their columns wait for the batch: about 60 ms of a 3 s run
//! (benches/overhead.py).

use std::mem;

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;

use crate::arrow_export::ArrowBatch;
use crate::events::batches::{check_layout, finish_batches};
use crate::events::encoder::{Encoder, Numbering};
use crate::events::fields::SPECIAL_KEYS;
use crate::events::layout::{EventColumns, EventLayout};
use crate::events::registers::RegisterLog;
use crate::events::source::EventSource;
use crate::json::key_cache::KeyCache;

/// The events of run `simulation_id` handed in since the last `take`,
/// encoded, with their register sets; numbered on from `first_seq`.
#[pyclass(module = "simcash_db._native")]
pub struct EventBuffer {
    layout: EventLayout,
    simulation_id: String,
    ticks_per_day: i64,
    capacity: usize,
    /// `event_seq` of the first buffered event, and its row in errors.
    numbering: Numbering,
    columns: EventColumns,
    log: RegisterLog,
    keys: KeyCache,
}

#[pymethods]
impl EventBuffer {
    #[new]
    #[pyo3(signature = (layout, simulation_id, first_seq, ticks_per_day, row_offset=0, capacity=4096))]
    fn new(
        layout: &Bound<'_, EventLayout>,
        simulation_id: String,
        first_seq: i64,
        ticks_per_day: i64,
        row_offset: usize,
        capacity: usize,
    ) -> PyResult<Self> {
        check_layout(ticks_per_day, first_seq)?;
        Ok(EventBuffer {
            layout: layout.get().clone(),
            simulation_id,
            ticks_per_day,
            capacity,
            numbering: Numbering {
                first_seq,
                row_offset,
            },
            columns: EventColumns::with_capacity(capacity),
            log: RegisterLog::default(),
            keys: KeyCache::new(&SPECIAL_KEYS),
        })
    }

    /// Encodes `events` (an iterable of dicts) after those buffered. A bad
    /// event raises `EncodeError` (its row counted from the first event
    /// ever buffered) and none of `events` stays buffered.
    fn extend(&mut self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<()> {
        let (rows, sets) = (self.columns.len(), self.log.len());
        let mut source = EventSource::new(events)?;
        let mut row = rows;
        let encoded = Encoder::new(
            self.ticks_per_day,
            &mut self.columns,
            &mut self.log,
            &mut self.keys,
        )
        .encode_from(py, &mut source, usize::MAX, self.numbering, &mut row);
        if encoded.is_err() {
            self.columns.truncate(rows);
            self.log.truncate(sets);
        }
        encoded
    }

    /// Events buffered.
    #[getter]
    fn rows(&self) -> usize {
        self.columns.len()
    }

    /// The buffered events as `(events, registers)` batches (as
    /// `encode_events` gives them); the buffer starts over after them.
    fn take(&mut self, py: Python<'_>) -> PyResult<(ArrowBatch, ArrowBatch)> {
        let rows = self.columns.len();
        let columns = mem::replace(
            &mut self.columns,
            EventColumns::with_capacity(self.capacity),
        );
        let log = mem::take(&mut self.log);
        self.numbering = Numbering {
            first_seq: self
                .numbering
                .first_seq
                .checked_add(rows as i64)
                .ok_or_else(|| PyOverflowError::new_err("event_seq beyond i64"))?,
            row_offset: self.numbering.row_offset.saturating_add(rows),
        };
        finish_batches(py, &self.layout, columns, &log, &self.simulation_id)
    }

    /// Drops the buffered events (a writer that is aborted).
    fn clear(&mut self) {
        self.columns.truncate(0);
        self.log.truncate(0);
    }
}
