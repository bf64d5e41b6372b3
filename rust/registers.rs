//! `StateRegisterSet` events folded to the last value per (tick, agent, key).

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, LargeStringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::event_encoder::register_schema;
use crate::interner::{FastMap, StrInterner};
use crate::raw_columns::one_value_dictionary;

/// Where the row of each (tick, agent, key) is. A simulator sets a tick's
/// registers together and moves forward in time, so a small map of the
/// current tick's keys does; the first step back in time switches to a map
/// of every row.
enum RowIndex {
    Forward {
        tick: i64,
        keys: FastMap<(u32, u32), usize>,
    },
    Any(FastMap<(i64, u32, u32), usize>),
}

/// The last value of each register set in a tick, in first-seen order.
pub struct Registers<'py> {
    pub names: StrInterner<'py>,
    index: RowIndex,
    pub rows: Vec<(i64, u32, u32, f64)>,
}

impl Default for Registers<'_> {
    fn default() -> Self {
        Registers {
            names: StrInterner::default(),
            index: RowIndex::Forward {
                tick: i64::MIN,
                keys: FastMap::default(),
            },
            rows: Vec::new(),
        }
    }
}

impl<'py> Registers<'py> {
    pub fn set(
        &mut self,
        tick: i64,
        agent: &Bound<'py, PyString>,
        key: &Bound<'py, PyString>,
        value: f64,
    ) {
        let (agent, key) = (self.names.id(agent), self.names.id(key));
        let next = self.rows.len();
        let row = match &mut self.index {
            RowIndex::Forward {
                tick: current,
                keys,
            } if tick >= *current => {
                if tick > *current {
                    *current = tick;
                    keys.clear();
                }
                *keys.entry((agent, key)).or_insert(next)
            }
            RowIndex::Forward { .. } => {
                let every = self.rows.iter().enumerate();
                let mut all: FastMap<_, _> = every.map(|(i, r)| ((r.0, r.1, r.2), i)).collect();
                let row = *all.entry((tick, agent, key)).or_insert(next);
                self.index = RowIndex::Any(all);
                row
            }
            RowIndex::Any(all) => *all.entry((tick, agent, key)).or_insert(next),
        };
        if row == next {
            self.rows.push((tick, agent, key, value));
        } else {
            self.rows[row].3 = value;
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
                one_value_dictionary(simulation_id, rows)?,
                Arc::new(tick.finish()),
                Arc::new(agent.finish()),
                Arc::new(key.finish()),
                Arc::new(value.finish()),
            ],
        )
    }
}
