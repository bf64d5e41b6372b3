//! `StateRegisterSet` events folded to the last value per (tick, agent, key).

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, LargeStringBuilder};
use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::columns::interner::{AddressCache, FastMap, TextIds};
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

/// The last value of each register set in a tick, in first-seen order. Free
/// of Python objects, so it can outlive one hold of the GIL (a stream keeps
/// one across its chunks) and be finished without it.
pub struct RegisterFold {
    names: TextIds,
    index: RowIndex,
    rows: Vec<(i64, u32, u32, f64)>,
}

impl Default for RegisterFold {
    fn default() -> Self {
        RegisterFold {
            names: TextIds::default(),
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

    pub fn finish(&self, layout: &Output, simulation_id: &str) -> Result<RecordBatch, ArrowError> {
        let rows = self.rows.len();
        let name = |id: u32| self.names.text(id);
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

/// Records registers into a fold while the GIL is held, naming agents and
/// keys by their str objects.
pub struct Registers<'py, 'f> {
    pub fold: &'f mut RegisterFold,
    addresses: AddressCache<'py>,
}

impl<'py, 'f> Registers<'py, 'f> {
    pub fn new(fold: &'f mut RegisterFold) -> Self {
        Registers {
            fold,
            addresses: AddressCache::default(),
        }
    }

    /// `agent` and `key` must be valid UTF-8 (checked by the caller).
    pub fn set(
        &mut self,
        tick: i64,
        agent: &Bound<'py, PyString>,
        key: &Bound<'py, PyString>,
        value: f64,
    ) {
        let names = &mut self.fold.names;
        let (agent, key) = (
            self.addresses.id(agent, names),
            self.addresses.id(key, names),
        );
        self.fold.set(tick, agent, key, value);
    }
}
