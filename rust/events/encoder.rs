//! Encodes a simulator's event dicts into the `simulation_events` layout, and
//! the `StateRegisterSet` events among them into `agent_state_registers`
//! (the layouts, derived from the models, are in `layout`).

use std::ptr;

use pyo3::exceptions::PyOverflowError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3::Borrowed;

use crate::columns::byte_append::append;
use crate::dict_items::for_each_item;
use crate::errors::EncodeFailure;
use crate::events::fields::{
    failure, id_text, missing, Failure, IdText, REGISTER_EVENT, ROLE_AGENT_ID, ROLE_EVENT_TYPE,
    ROLE_FIRST_AGENT, ROLE_NEW_VALUE, ROLE_REGISTER_KEY, ROLE_TICK, ROLE_TX_ID, SPECIAL_KEYS,
};
use crate::events::layout::EventColumns;
use crate::events::registers::RegisterLog;
use crate::events::source::EventSource;
use crate::json::key_cache::{BadKey, KeyCache};
use crate::json::text::write_str;
use crate::json::writer::{key_text, under_key, JsonWriter};
use crate::str_text::utf8;
use crate::values::{exact_int_i64, extract_f64, pause, IntError, YIELD_EVERY};

/// How rows are numbered: `event_seq` from `first_seq`, rows in errors from
/// `row_offset` (the batch's place in the caller's stream).
#[derive(Clone, Copy)]
pub struct Numbering {
    pub first_seq: i64,
    pub row_offset: usize,
}

/// Encodes events into columns and a register log it borrows, so that an
/// `EventBuffer` can keep them between calls.
pub struct Encoder<'a> {
    ticks_per_day: i64,
    columns: &'a mut EventColumns,
    registers: &'a mut RegisterLog,
    keys: &'a mut KeyCache,
}

impl<'a> Encoder<'a> {
    pub fn new(
        ticks_per_day: i64,
        columns: &'a mut EventColumns,
        log: &'a mut RegisterLog,
        keys: &'a mut KeyCache,
    ) -> Self {
        Encoder {
            ticks_per_day,
            columns,
            registers: log,
            keys,
        }
    }

    /// Encodes up to `limit` events of `source`; `row` counts the events
    /// encoded before (of every call), numbered by `numbering`.
    pub fn encode_from<'py>(
        &mut self,
        py: Python<'py>,
        source: &mut EventSource,
        limit: usize,
        numbering: Numbering,
        row: &mut usize,
    ) -> PyResult<()> {
        for _ in 0..limit {
            let Some(item) = source.next(py)? else {
                break;
            };
            if *row % YIELD_EVERY == YIELD_EVERY - 1 {
                pause(py)?;
            }
            let seq = i64::try_from(*row)
                .ok()
                .and_then(|r| numbering.first_seq.checked_add(r))
                .ok_or_else(|| PyOverflowError::new_err("event_seq beyond i64"))?;
            self.encode(&item, seq).map_err(|failure| {
                let (field, expected, found) = *failure;
                EncodeFailure {
                    row: numbering.row_offset.saturating_add(*row),
                    field,
                    expected,
                    found,
                }
                .into_pyerr(py)
            })?;
            *row += 1;
        }
        Ok(())
    }

    /// Encodes one event in a single pass over its items.
    fn encode<'py>(&mut self, item: &Bound<'py, PyAny>, seq: i64) -> Result<(), Failure> {
        let Ok(dict) = item.cast::<PyDict>() else {
            return Err(failure("<event>", "a dict", item));
        };
        let py = item.py();
        // The special values, borrowed from the dict: it holds them, and
        // nothing changes it while this runs (see `for_each_item`).
        let mut event_type: *mut ffi::PyObject = ptr::null_mut();
        let mut tick: *mut ffi::PyObject = ptr::null_mut();
        let (mut register_key, mut new_value) = (ptr::null_mut(), ptr::null_mut());
        // The agent (its role: the most preferred key wins) and the tx id,
        // as the UTF-8 text the JSON writer just read.
        let mut agent: Option<(u8, IdText)> = None;
        let mut tx: Option<IdText> = None;
        let keys = &mut *self.keys;
        let write_details = |out: &mut Vec<u8>| {
            out.push(b'{');
            // Each item is followed by a ','; the last one becomes the '}'.
            // Roles are told apart by comparisons, not a jump table: fewer
            // mispredicted branches on events of mixed kinds (perf).
            for_each_item(dict, |key, value| {
                let found = match keys.classify(key) {
                    Ok(found) => found,
                    Err(BadKey::NotStr) => return Err(failure("<event>", "str keys", item)),
                    Err(BadKey::NotUtf8) => {
                        return Err(failure("<event>", "keys encodable as UTF-8", &key))
                    }
                };
                let role = found.role;
                if role < ROLE_FIRST_AGENT as u8 {
                    if role == ROLE_EVENT_TYPE as u8 {
                        event_type = value.as_ptr();
                    } else if role == ROLE_TICK as u8 {
                        tick = value.as_ptr();
                    }
                    return Ok(());
                }
                append(out, &keys.get(found.index).encoded);
                if role <= ROLE_TX_ID as u8 {
                    // An id: written here, and its text kept for its column.
                    match id_text(&value, SPECIAL_KEYS[usize::from(role)])? {
                        None => append(out, b"null"),
                        Some(text) => {
                            write_str(out, text.as_str());
                            if role == ROLE_TX_ID as u8 {
                                tx = Some(text);
                            } else if agent.as_ref().is_none_or(|(best, _)| role < *best) {
                                agent = Some((role, text));
                            }
                        }
                    }
                    out.push(b',');
                    return Ok(());
                }
                if role == ROLE_REGISTER_KEY as u8 {
                    register_key = value.as_ptr();
                } else if role == ROLE_NEW_VALUE as u8 {
                    new_value = value.as_ptr();
                }
                JsonWriter { out, keys }
                    .write_value(&value, found.money, 1)
                    .map_err(|f| {
                        let located = under_key(&key_text(&key))(f);
                        let field = located.path.trim_start_matches('.').to_owned();
                        Box::new((field, located.expected, located.found))
                    })?;
                out.push(b',');
                Ok(())
            })?;
            match out.last_mut() {
                Some(last) if *last == b',' => *last = b'}',
                _ => out.push(b'}'),
            }
            Ok::<(), Failure>(())
        };
        // SAFETY: the JSON writer appends only ASCII (punctuation, escapes,
        // digits) and whole `&str`s or slices of one cut next to an ASCII byte.
        unsafe { self.columns.details.push_with(write_details) }?;

        // SAFETY (each `borrow`): a pointer taken from the dict above, which
        // holds a reference to it for as long as this call.
        let borrow = |p: *mut ffi::PyObject| unsafe { Borrowed::from_ptr_or_opt(py, p) };
        let Some(event_type) = borrow(event_type) else {
            return Err(missing("event_type"));
        };
        let Ok(event_type) = event_type.cast::<PyString>() else {
            return Err(failure("event_type", "a str", &event_type));
        };
        let event_type_str = utf8(&event_type).map_err(|_| {
            failure(
                "event_type",
                "a str encodable as UTF-8",
                event_type.as_any(),
            )
        })?;
        let Some(tick_obj) = borrow(tick) else {
            return Err(missing("tick"));
        };
        let tick = match exact_int_i64(&tick_obj) {
            Ok(t) if t >= 0 => t,
            Ok(_) => return Err(failure("tick", "an int >= 0", &tick_obj)),
            Err(IntError::OutOfRange) => {
                return Err(failure("tick", "an int within i64", &tick_obj))
            }
            Err(IntError::NotInt) => return Err(failure("tick", "an int", &tick_obj)),
        };
        if event_type_str == REGISTER_EVENT {
            let agent_id = match &agent {
                Some((role, id)) if usize::from(*role) == ROLE_AGENT_ID => Some(id.as_str()),
                _ => None,
            };
            self.register(tick, agent_id, borrow(register_key), borrow(new_value))?;
        }
        let c = &mut *self.columns;
        c.seq.push(seq);
        c.tick.push(tick);
        c.day.push(tick / self.ticks_per_day);
        c.event_type.push(event_type_str);
        c.agent.push_option(agent.as_ref().map(|(_, a)| a.as_str()));
        c.tx.push_option(tx.as_ref().map(IdText::as_str));
        Ok(())
    }

    /// Records a `StateRegisterSet`; it belongs to the agent named `agent_id`.
    fn register<'py>(
        &mut self,
        tick: i64,
        agent_id: Option<&str>,
        key: Option<Borrowed<'_, 'py, PyAny>>,
        value: Option<Borrowed<'_, 'py, PyAny>>,
    ) -> Result<(), Failure> {
        let Some(agent_id) = agent_id else {
            return Err(missing("agent_id"));
        };
        let key = key.ok_or_else(|| missing("register_key"))?;
        // Written to `details` already, so a str key is known to be UTF-8.
        let key = id_text(&key, "register_key")?.ok_or_else(|| missing("register_key"))?;
        let value = value.ok_or_else(|| missing("new_value"))?;
        let value = extract_f64(&value).map_err(|e| failure("new_value", e, &value))?;
        self.registers.set(tick, agent_id, key.as_str(), value);
        Ok(())
    }
}
