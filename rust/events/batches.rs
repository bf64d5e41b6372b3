//! `encode_events`: a whole list of events encoded in one call, and the
//! step every encoder entry shares: the columns and the register log built
//! into the layout's two Arrow batches.

use arrow_schema::ArrowError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrow_export::ArrowBatch;
use crate::events::encoder::{Encoder, Numbering};
use crate::events::fields::SPECIAL_KEYS;
use crate::events::layout::{EventColumns, EventLayout};
use crate::events::registers::RegisterLog;
use crate::events::source::EventSource;
use crate::json::key_cache::KeyCache;

/// Encodes `events` (an iterable of dicts) of run `simulation_id` into the
/// two outputs of `layout`.
///
/// Returns `(events, registers)`: the `simulation_events` rows, numbered
/// from `first_seq`, and the final value of each register set in a tick.
/// `row_offset` is added to row numbers in errors (the batch's place in the
/// caller's stream).
#[pyfunction]
#[pyo3(signature = (layout, events, simulation_id, first_seq, ticks_per_day, row_offset=0))]
pub fn encode_events<'py>(
    py: Python<'py>,
    layout: &Bound<'py, EventLayout>,
    events: &Bound<'py, PyAny>,
    simulation_id: &str,
    first_seq: i64,
    ticks_per_day: i64,
    row_offset: usize,
) -> PyResult<(ArrowBatch, ArrowBatch)> {
    check_layout(ticks_per_day, first_seq)?;
    let mut source = EventSource::new(events)?;
    let mut columns = EventColumns::with_capacity(events.len().unwrap_or(0));
    let (mut log, mut keys) = (RegisterLog::default(), KeyCache::new(&SPECIAL_KEYS));
    let numbering = Numbering {
        first_seq,
        row_offset,
    };
    Encoder::new(ticks_per_day, &mut columns, &mut log, &mut keys).encode_from(
        py,
        &mut source,
        usize::MAX,
        numbering,
        &mut 0,
    )?;
    finish_batches(py, layout.get(), columns, &log, simulation_id)
}

/// The encoded events and their folded register sets as the layout's two
/// batches, built without the GIL.
pub fn finish_batches(
    py: Python<'_>,
    layout: &EventLayout,
    columns: EventColumns,
    log: &RegisterLog,
    simulation_id: &str,
) -> PyResult<(ArrowBatch, ArrowBatch)> {
    let (events, registers) = py
        .detach(|| {
            Ok::<_, ArrowError>((
                columns.finish(&layout.events, simulation_id)?,
                log.finish(&layout.registers, simulation_id)?,
            ))
        })
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((
        ArrowBatch::new(layout.events.schema.clone(), vec![events]),
        ArrowBatch::new(layout.registers.schema.clone(), vec![registers]),
    ))
}

pub fn check_layout(ticks_per_day: i64, first_seq: i64) -> PyResult<()> {
    if ticks_per_day <= 0 || first_seq < 0 {
        return Err(PyValueError::new_err(
            "ticks_per_day must be > 0 and first_seq >= 0",
        ));
    }
    Ok(())
}
