//! `StateRegisterSet` events folded to the last value per (tick, agent, key).

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, LargeStringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::event_encoder::{register_schema, run_id_column};
use crate::interner::{FastMap, StrInterner};

/// The last value of each register set in a tick, in first-seen order.
#[derive(Default)]
pub struct Registers<'py> {
    pub names: StrInterner<'py>,
    latest: FastMap<(i64, u32, u32), usize>,
    pub rows: Vec<(i64, u32, u32, f64)>,
}

impl<'py> Registers<'py> {
    pub fn set(
        &mut self,
        tick: i64,
        agent: &Bound<'py, PyString>,
        key: &Bound<'py, PyString>,
        value: f64,
    ) {
        let id = (tick, self.names.id(agent), self.names.id(key));
        match self.latest.get(&id) {
            Some(&i) => self.rows[i].3 = value,
            None => {
                self.latest.insert(id, self.rows.len());
                self.rows.push((id.0, id.1, id.2, value));
            }
        }
    }
}

/// The registers' rows, free of Python objects, to finish without the GIL.
pub struct RegisterRows {
    pub names: Vec<String>,
    pub rows: Vec<(i64, u32, u32, f64)>,
}

impl RegisterRows {
    pub fn finish(self, simulation_id: &str) -> Result<RecordBatch, ArrowError> {
        let rows = self.rows.len();
        let name = |id: u32| self.names.get(id as usize).map_or("", String::as_str);
        let mut tick = Int64Builder::with_capacity(rows);
        let mut agent = LargeStringBuilder::with_capacity(rows, rows * 8);
        let mut key = LargeStringBuilder::with_capacity(rows, rows * 8);
        let mut value = Float64Builder::with_capacity(rows);
        for (t, a, k, v) in &self.rows {
            tick.append_value(*t);
            agent.append_value(name(*a));
            key.append_value(name(*k));
            value.append_value(*v);
        }
        RecordBatch::try_new(
            register_schema(),
            vec![
                run_id_column(simulation_id, rows)?,
                Arc::new(tick.finish()),
                Arc::new(agent.finish()),
                Arc::new(key.finish()),
                Arc::new(value.finish()),
            ],
        )
    }
}
