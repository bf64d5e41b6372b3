//! `StateRegisterSet` events logged as they are encoded, and folded to the
//! last value per (tick, agent, key) when a batch is finished.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, LargeStringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::ArrowError;

use crate::columns::interner::{FastMap, TextIds};
use crate::columns::raw::one_value_dictionary;
use crate::events::layout::Output;

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
struct RegisterFold {
    index: RowIndex,
    rows: Vec<(i64, u32, u32, f64)>,
}

impl Default for RegisterFold {
    fn default() -> Self {
        RegisterFold {
            index: RowIndex::Forward {
                tick: i64::MIN,
                keys: FastMap::default(),
            },
            rows: Vec::new(),
        }
    }
}

impl RegisterFold {
    fn set(&mut self, tick: i64, agent: u32, key: u32, value: f64) {
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

    fn finish(
        &self,
        names: &TextIds,
        layout: &Output,
        simulation_id: &str,
    ) -> Result<RecordBatch, ArrowError> {
        let rows = self.rows.len();
        let name = |id: u32| names.text(id);
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
        // In the order of the layout's REGISTER_FILLERS.
        layout.batch(vec![
            one_value_dictionary(simulation_id, rows)?,
            Arc::new(tick.finish()),
            Arc::new(agent.finish()),
            Arc::new(key.finish()),
            Arc::new(value.finish()),
        ])
    }
}

/// The register sets of a batch in event order, free of Python objects.
/// Only appended to, so a failed call is undone by truncating it back.
#[derive(Default)]
pub struct RegisterLog {
    names: TextIds,
    sets: Vec<(i64, u32, u32, f64)>,
}

impl RegisterLog {
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// Forgets the sets logged after the first `len`.
    pub fn truncate(&mut self, len: usize) {
        self.sets.truncate(len);
    }

    /// The last value of each register set in a tick, as `layout` says.
    pub fn finish(&self, layout: &Output, simulation_id: &str) -> Result<RecordBatch, ArrowError> {
        let mut fold = RegisterFold::default();
        for &(tick, agent, key, value) in &self.sets {
            fold.set(tick, agent, key, value);
        }
        fold.finish(&self.names, layout, simulation_id)
    }

    /// Logs that `agent` set register `key` to `value` in `tick`.
    pub fn set(&mut self, tick: i64, agent: &str, key: &str, value: f64) {
        let (agent, key) = (self.names.id(agent), self.names.id(key));
        self.sets.push((tick, agent, key, value));
    }
}
