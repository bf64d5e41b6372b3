//! The two outputs of the event encoder, `simulation_events` and
//! `agent_state_registers`, laid out as the models say (names, order, types,
//! nullability), and the columns events are written into.
//!
//! Python builds an `EventLayout` from the two tables' `TableSpec`s; here each
//! model column is matched to the value the encoder fills it with, so a model
//! that renames, reorders or retypes a column changes the Arrow output, and
//! one the encoder cannot fill is refused when the layout is built.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrow_export::column_names;
use crate::columns::raw::{one_value_dictionary, I64Column, StrColumn};
use crate::rows::spec::{Kind, TableSpec};

/// What the encoder writes into a column: the value's kind, whether it may
/// be null, and its place in the encoder's own order.
struct Filler {
    name: &'static str,
    kind: Kind,
    writes_nulls: bool,
}

const fn filler(name: &'static str, kind: Kind, writes_nulls: bool) -> Filler {
    Filler {
        name,
        kind,
        writes_nulls,
    }
}

/// The event encoder's values, in the order of `EventColumns::arrays`.
const EVENT_FILLERS: [Filler; 8] = [
    filler("simulation_id", Kind::Str, false),
    filler("event_seq", Kind::I64, false),
    filler("tick", Kind::I64, false),
    filler("day", Kind::I64, false),
    filler("event_type", Kind::Str, false),
    filler("agent_id", Kind::Str, true),
    filler("tx_id", Kind::Str, true),
    filler("details", Kind::Json, false),
];

/// The register fold's values, in the order of `RegisterFold::finish`.
const REGISTER_FILLERS: [Filler; 5] = [
    filler("simulation_id", Kind::Str, false),
    filler("tick", Kind::I64, false),
    filler("agent_id", Kind::Str, false),
    filler("register_key", Kind::Str, false),
    filler("register_value", Kind::F64, false),
];

/// The run's id is one value repeated: a dictionary column stores it once
/// (DuckDB reads it as the model's VARCHAR).
fn run_id_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::LargeUtf8))
}

/// One output's Arrow schema, and for each of its columns the index of the
/// filler that provides it.
#[derive(Clone)]
pub struct Output {
    pub schema: SchemaRef,
    order: Arc<[usize]>,
}

impl Output {
    fn derive(spec: &TableSpec, fillers: &[Filler]) -> PyResult<Output> {
        let table = &spec.table;
        let mut fields = Vec::with_capacity(spec.columns.len());
        let mut order = Vec::with_capacity(spec.columns.len());
        for column in &spec.columns {
            let Some(index) = fillers.iter().position(|f| f.name == column.name) else {
                return Err(PyValueError::new_err(format!(
                    "{table}.{}: the event encoder has no value for this column",
                    column.name
                )));
            };
            let filler = &fillers[index];
            if filler.kind != column.kind {
                return Err(PyValueError::new_err(format!(
                    "{table}.{}: the event encoder writes {}, the model declares {}",
                    column.name,
                    filler.kind.expected(),
                    column.kind.expected()
                )));
            }
            if filler.writes_nulls && !column.nullable {
                return Err(PyValueError::new_err(format!(
                    "{table}.{}: the event encoder writes nulls here; the model must allow them",
                    column.name
                )));
            }
            fields.push(if index == 0 {
                Field::new(column.name.clone(), run_id_type(), column.nullable)
            } else {
                column.kind.field(&column.name, column.nullable)
            });
            order.push(index);
        }
        if let Some(missing) = fillers
            .iter()
            .find(|f| !order.iter().any(|&i| fillers[i].name == f.name))
        {
            return Err(PyValueError::new_err(format!(
                "{table}: the model has no column {:?}, which the event encoder fills",
                missing.name
            )));
        }
        Ok(Output {
            schema: Arc::new(Schema::new(fields)),
            order: order.into(),
        })
    }

    /// A batch of `arrays`, given in the fillers' order, in the model's order.
    pub fn batch(&self, arrays: Vec<ArrayRef>) -> Result<RecordBatch, ArrowError> {
        let mut arrays: Vec<Option<ArrayRef>> = arrays.into_iter().map(Some).collect();
        let columns = self
            .order
            .iter()
            .map(|&i| arrays[i].take().unwrap_or_else(|| unreachable!()));
        RecordBatch::try_new(self.schema.clone(), columns.collect())
    }
}

/// Both outputs of the event encoder, derived from the models' table specs.
#[pyclass(module = "simcash_db._native", frozen)]
#[derive(Clone)]
pub struct EventLayout {
    pub events: Output,
    pub registers: Output,
}

#[pymethods]
impl EventLayout {
    #[new]
    fn new(events: PyRef<'_, TableSpec>, registers: PyRef<'_, TableSpec>) -> PyResult<Self> {
        Ok(EventLayout {
            events: Output::derive(&events, &EVENT_FILLERS)?,
            registers: Output::derive(&registers, &REGISTER_FILLERS)?,
        })
    }

    /// The column names of the two outputs, in the models' order.
    #[getter]
    fn column_names(&self) -> (Vec<String>, Vec<String>) {
        (
            column_names(&self.events.schema),
            column_names(&self.registers.schema),
        )
    }
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

    pub fn len(&self) -> usize {
        self.seq.len()
    }

    /// Keeps the first `rows` events (a failed call is undone so).
    pub fn truncate(&mut self, rows: usize) {
        self.seq.truncate(rows);
        self.tick.truncate(rows);
        self.day.truncate(rows);
        self.event_type.truncate(rows);
        self.agent.truncate(rows);
        self.tx.truncate(rows);
        self.details.truncate(rows);
    }

    pub fn finish(self, layout: &Output, simulation_id: &str) -> Result<RecordBatch, ArrowError> {
        let rows = self.seq.len();
        // In the order of EVENT_FILLERS.
        layout.batch(vec![
            one_value_dictionary(simulation_id, rows)?,
            Arc::new(self.seq.finish()),
            Arc::new(self.tick.finish()),
            Arc::new(self.day.finish()),
            Arc::new(self.event_type.finish()),
            Arc::new(self.agent.finish()),
            Arc::new(self.tx.finish()),
            Arc::new(self.details.finish()),
        ])
    }
}
