//! The two outputs of the event encoder: the `simulation_events` and
//! `agent_state_registers` layouts, and the columns events are written into.

use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use pyo3::prelude::*;

use crate::arrow_export::column_names;
use crate::columns::raw::{one_value_dictionary, I64Column, StrColumn};

/// The run's id is one value repeated: a dictionary column stores it once.
fn run_id_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::LargeUtf8))
}

pub fn event_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("simulation_id", run_id_type(), false),
                Field::new("event_seq", DataType::Int64, false),
                Field::new("tick", DataType::Int64, false),
                Field::new("day", DataType::Int64, false),
                Field::new("event_type", DataType::LargeUtf8, false),
                Field::new("agent_id", DataType::LargeUtf8, true),
                Field::new("tx_id", DataType::LargeUtf8, true),
                Field::new("details", DataType::LargeUtf8, false),
            ]))
        })
        .clone()
}

pub fn register_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("simulation_id", run_id_type(), false),
                Field::new("tick", DataType::Int64, false),
                Field::new("agent_id", DataType::LargeUtf8, false),
                Field::new("register_key", DataType::LargeUtf8, false),
                Field::new("register_value", DataType::Float64, false),
            ]))
        })
        .clone()
}

/// The column names of the two outputs, checked against the models in Python.
#[pyfunction]
pub fn event_layouts() -> (Vec<String>, Vec<String>) {
    (
        column_names(&event_schema()),
        column_names(&register_schema()),
    )
}

pub struct EventColumns {
    pub seq: I64Column,
    pub tick: I64Column,
    pub day: I64Column,
    pub event_type: StrColumn,
    pub agent: StrColumn,
    pub tx: StrColumn,
    pub details: StrColumn,
}

impl EventColumns {
    pub fn with_capacity(rows: usize) -> Self {
        // Generous guesses: reserved pages that are never touched cost
        // nothing, while a reallocation copies the whole column.
        EventColumns {
            seq: I64Column::with_capacity(rows),
            tick: I64Column::with_capacity(rows),
            day: I64Column::with_capacity(rows),
            event_type: StrColumn::with_capacity(rows, rows * 24, false),
            agent: StrColumn::with_capacity(rows, rows * 12, true),
            tx: StrColumn::with_capacity(rows, rows * 16, true),
            details: StrColumn::with_capacity(rows, rows * 256, false),
        }
    }

    pub fn finish(self, simulation_id: &str) -> Result<RecordBatch, ArrowError> {
        let rows = self.seq.len();
        RecordBatch::try_new(
            event_schema(),
            vec![
                one_value_dictionary(simulation_id, rows)?,
                Arc::new(self.seq.finish()),
                Arc::new(self.tick.finish()),
                Arc::new(self.day.finish()),
                Arc::new(self.event_type.finish()),
                Arc::new(self.agent.finish()),
                Arc::new(self.tx.finish()),
                Arc::new(self.details.finish()),
            ],
        )
    }
}
