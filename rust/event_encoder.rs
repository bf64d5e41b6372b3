//! Encodes a simulator's event dicts into the `simulation_events` layout, and
//! the `StateRegisterSet` events among them into `agent_state_registers`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_schema::{Field, Schema, SchemaRef};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::arrow_export::ArrowBatch;
use crate::builders::{finish_batch, ColumnBuilder};
use crate::column_spec::Kind;
use crate::errors::EncodeFailure;
use crate::json_writer::{JsonWriter, KeyCache};
use crate::values::{describe, extract_f64, extract_i64, IntError};

/// Keys that name an event's agent, in order of preference (events.md).
const AGENT_KEYS: [&str; 4] = ["agent_id", "sender_id", "sender", "agent_a"];
/// Stored in their own columns, so left out of `details`.
const COLUMN_KEYS: [&str; 2] = ["event_type", "tick"];
const REGISTER_EVENT: &str = "StateRegisterSet";

const EVENT_COLUMNS: [(&str, Kind, bool); 8] = [
    ("simulation_id", Kind::Str, false),
    ("event_seq", Kind::I64, false),
    ("tick", Kind::I64, false),
    ("day", Kind::I64, false),
    ("event_type", Kind::Str, false),
    ("agent_id", Kind::Str, true),
    ("tx_id", Kind::Str, true),
    ("details", Kind::Json, false),
];

const REGISTER_COLUMNS: [(&str, Kind, bool); 5] = [
    ("simulation_id", Kind::Str, false),
    ("tick", Kind::I64, false),
    ("agent_id", Kind::Str, false),
    ("register_key", Kind::Str, false),
    ("register_value", Kind::F64, false),
];

fn schema_of(columns: &[(&str, Kind, bool)]) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, kind, nullable)| Field::new(*name, kind.data_type(), *nullable))
        .collect();
    Arc::new(Schema::new(fields))
}

fn event_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(|| schema_of(&EVENT_COLUMNS)).clone()
}

fn register_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(|| schema_of(&REGISTER_COLUMNS)).clone()
}

/// The column names of the two outputs, checked against the models in Python.
#[pyfunction]
pub fn event_layouts() -> (Vec<&'static str>, Vec<&'static str>) {
    (
        EVENT_COLUMNS.iter().map(|c| c.0).collect(),
        REGISTER_COLUMNS.iter().map(|c| c.0).collect(),
    )
}

struct Keys<'py> {
    event_type: Bound<'py, PyString>,
    tick: Bound<'py, PyString>,
    tx_id: Bound<'py, PyString>,
    agents: Vec<Bound<'py, PyString>>,
    register_key: Bound<'py, PyString>,
    new_value: Bound<'py, PyString>,
}

impl<'py> Keys<'py> {
    fn new(py: Python<'py>) -> Self {
        Keys {
            event_type: PyString::intern(py, "event_type"),
            tick: PyString::intern(py, "tick"),
            tx_id: PyString::intern(py, "tx_id"),
            agents: AGENT_KEYS.iter().map(|k| PyString::intern(py, k)).collect(),
            register_key: PyString::intern(py, "register_key"),
            new_value: PyString::intern(py, "new_value"),
        }
    }
}

type Failure = (String, &'static str, String);

fn failure(field: &str, expected: &'static str, value: &Bound<'_, PyAny>) -> Failure {
    (field.to_owned(), expected, describe(value))
}

fn missing(field: &str) -> Failure {
    (
        field.to_owned(),
        "a value (the field is required)",
        "nothing".to_owned(),
    )
}

/// The str id under `key`, or None when absent or None; anything else fails.
fn optional_id<'py>(
    dict: &Bound<'py, PyDict>,
    key: &Bound<'py, PyString>,
    name: &str,
) -> Result<Option<Bound<'py, PyString>>, Failure> {
    match dict.get_item(key).map_err(|_| missing(name))? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => match v.cast_into::<PyString>() {
            Ok(s) if s.to_str().is_ok() => Ok(Some(s)),
            Ok(s) => Err(failure(name, "a str encodable as UTF-8", s.as_any())),
            Err(e) => Err(failure(name, "a str id", &e.into_inner())),
        },
    }
}

struct Registers {
    builders: Vec<ColumnBuilder>,
    // (tick, agent, key) -> value, in first-seen order; the last set wins.
    latest: HashMap<(i64, String, String), usize>,
    rows: Vec<(i64, String, String, f64)>,
}

impl Registers {
    fn set(&mut self, tick: i64, agent: &str, key: &str, value: f64) {
        let id = (tick, agent.to_owned(), key.to_owned());
        match self.latest.get(&id) {
            Some(&i) => self.rows[i].3 = value,
            None => {
                self.latest.insert(id, self.rows.len());
                self.rows
                    .push((tick, agent.to_owned(), key.to_owned(), value));
            }
        }
    }
}

/// Encodes `events` (an iterable of dicts) of run `simulation_id`.
///
/// Returns `(events, registers)`: the `simulation_events` rows, numbered
/// from `first_seq`, and the final value of each register set in a tick.
/// `row_offset` is added to row numbers in errors (the batch's place in the
/// caller's stream).
#[pyfunction]
#[pyo3(signature = (events, simulation_id, first_seq, ticks_per_day, row_offset=0))]
pub fn encode_events(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    simulation_id: &str,
    first_seq: i64,
    ticks_per_day: i64,
    row_offset: usize,
) -> PyResult<(ArrowBatch, ArrowBatch)> {
    if ticks_per_day <= 0 || first_seq < 0 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "ticks_per_day must be > 0 and first_seq >= 0",
        ));
    }
    let capacity = events.len().unwrap_or(0);
    let mut builders: Vec<ColumnBuilder> = EVENT_COLUMNS
        .iter()
        .map(|c| ColumnBuilder::new(c.1, capacity))
        .collect();
    let mut registers = Registers {
        builders: REGISTER_COLUMNS
            .iter()
            .map(|c| ColumnBuilder::new(c.1, 0))
            .collect(),
        latest: HashMap::new(),
        rows: Vec::new(),
    };
    let keys = Keys::new(py);
    let mut scratch = Vec::with_capacity(256);
    let mut key_cache = KeyCache::new(&COLUMN_KEYS);
    for (row, item) in events.try_iter()?.enumerate() {
        let count = i64::try_from(row).unwrap_or(i64::MAX);
        let item = item?;
        let seq = first_seq
            .checked_add(count)
            .ok_or_else(|| pyo3::exceptions::PyOverflowError::new_err("event_seq beyond i64"))?;
        encode_one(
            &item,
            &keys,
            simulation_id,
            seq,
            ticks_per_day,
            &mut builders,
            &mut registers,
            &mut scratch,
            &mut key_cache,
        )
        .map_err(|(field, expected, found)| {
            EncodeFailure {
                row: row_offset.saturating_add(row),
                field,
                expected,
                found,
            }
            .into_pyerr(py)
        })?;
    }
    let (events_batch, registers_batch) = py
        .detach(|| {
            for (tick, agent, key, value) in &registers.rows {
                append(
                    &mut registers.builders,
                    simulation_id,
                    *tick,
                    agent,
                    key,
                    *value,
                );
            }
            let events_batch = finish_batch(event_schema(), &mut builders)?;
            let registers_batch = finish_batch(register_schema(), &mut registers.builders)?;
            Ok::<_, arrow_schema::ArrowError>((events_batch, registers_batch))
        })
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    Ok((
        ArrowBatch::new(event_schema(), vec![events_batch]),
        ArrowBatch::new(register_schema(), vec![registers_batch]),
    ))
}

fn append(
    builders: &mut [ColumnBuilder],
    sim: &str,
    tick: i64,
    agent: &str,
    key: &str,
    value: f64,
) {
    if let [ColumnBuilder::Str(s), ColumnBuilder::I64(t), ColumnBuilder::Str(a), ColumnBuilder::Str(k), ColumnBuilder::F64(v)] =
        builders
    {
        s.append_value(sim);
        t.append_value(tick);
        a.append_value(agent);
        k.append_value(key);
        v.append_value(value);
    }
}

/// A str already checked to be UTF-8 by `optional_id`.
fn to_str<'a>(s: &'a Bound<'_, PyString>) -> &'a str {
    s.to_str().unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn encode_one<'py>(
    item: &Bound<'py, PyAny>,
    keys: &Keys<'py>,
    simulation_id: &str,
    seq: i64,
    ticks_per_day: i64,
    builders: &mut [ColumnBuilder],
    registers: &mut Registers,
    scratch: &mut Vec<u8>,
    key_cache: &mut KeyCache<'py>,
) -> Result<(), Failure> {
    let Ok(dict) = item.cast::<PyDict>() else {
        return Err(failure("<event>", "a dict", item));
    };
    let event_type = dict
        .get_item(&keys.event_type)
        .map_err(|_| missing("event_type"))?
        .ok_or_else(|| missing("event_type"))?;
    let event_type = event_type
        .cast_into::<PyString>()
        .map_err(|e| failure("event_type", "a str", &e.into_inner()))?;
    let event_type_str = event_type.to_str().map_err(|_| {
        failure(
            "event_type",
            "a str encodable as UTF-8",
            event_type.as_any(),
        )
    })?;
    let tick_obj = dict
        .get_item(&keys.tick)
        .map_err(|_| missing("tick"))?
        .ok_or_else(|| missing("tick"))?;
    let tick = match extract_i64(&tick_obj) {
        Ok(t) if t >= 0 => t,
        Ok(_) => return Err(failure("tick", "an int >= 0", &tick_obj)),
        Err(IntError::OutOfRange) => return Err(failure("tick", "an int within i64", &tick_obj)),
        Err(IntError::NotInt) => return Err(failure("tick", "an int", &tick_obj)),
    };

    let mut agent = None;
    for (i, key) in keys.agents.iter().enumerate() {
        if let Some(found) = optional_id(dict, key, AGENT_KEYS[i])? {
            agent = Some((i, found));
            break;
        }
    }
    let tx_id = optional_id(dict, &keys.tx_id, "tx_id")?;

    scratch.clear();
    JsonWriter {
        out: scratch,
        keys: key_cache,
    }
    .write_object(dict)
    .map_err(|f| {
        let field = f.path.trim_start_matches('.').to_owned();
        let field = if field.is_empty() {
            "<event>".to_owned()
        } else {
            field
        };
        (field, f.expected, f.found)
    })?;
    let details = std::str::from_utf8(scratch).map_err(|_| failure("details", "UTF-8", item))?;

    if event_type_str == REGISTER_EVENT {
        // A register belongs to the agent named by `agent_id` itself.
        let Some((0, agent_id)) = &agent else {
            return Err(missing("agent_id"));
        };
        let register_key = optional_id(dict, &keys.register_key, "register_key")?
            .ok_or_else(|| missing("register_key"))?;
        let value_obj = dict
            .get_item(&keys.new_value)
            .map_err(|_| missing("new_value"))?
            .ok_or_else(|| missing("new_value"))?;
        let value = extract_f64(&value_obj).map_err(|e| failure("new_value", e, &value_obj))?;
        registers.set(tick, to_str(agent_id), to_str(&register_key), value);
    }

    if let [ColumnBuilder::Str(sim), ColumnBuilder::I64(seq_b), ColumnBuilder::I64(tick_b), ColumnBuilder::I64(day_b), ColumnBuilder::Str(type_b), ColumnBuilder::Str(agent_b), ColumnBuilder::Str(tx_b), ColumnBuilder::Str(details_b)] =
        builders
    {
        sim.append_value(simulation_id);
        seq_b.append_value(seq);
        tick_b.append_value(tick);
        day_b.append_value(tick / ticks_per_day);
        type_b.append_value(event_type_str);
        agent_b.append_option(agent.as_ref().map(|(_, a)| to_str(a)));
        tx_b.append_option(tx_id.as_ref().map(to_str));
        details_b.append_value(details);
    }
    Ok(())
}
