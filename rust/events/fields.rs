//! The keys of an event that the encoder treats apart (their roles), and how a
//! bad value is reported: the field, what was expected, what was found.

use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::Borrowed;

use crate::str_text::utf8;
use crate::values::describe;

/// Keys with a column of their own. `event_type` and `tick` are left out of
/// `details`; the agent keys (in order of preference, events.md) and `tx_id`
/// fill filter columns and stay in `details` too.
pub const SPECIAL_KEYS: [&str; 9] = [
    "event_type",
    "tick",
    "agent_id",
    "sender_id",
    "sender",
    "agent_a",
    "tx_id",
    "register_key",
    "new_value",
];
pub const ROLE_EVENT_TYPE: usize = 0;
pub const ROLE_TICK: usize = 1;
pub const ROLE_FIRST_AGENT: usize = 2;
pub const ROLE_AGENT_ID: usize = 2;
pub const ROLE_LAST_AGENT: usize = 5;
pub const ROLE_TX_ID: usize = 6;
// The encoder takes the roles from the first agent key to `tx_id` as ids.
const _: () = assert!(ROLE_LAST_AGENT + 1 == ROLE_TX_ID);
// ...and those before the first agent key as left out of `details`.
const _: () = assert!(ROLE_EVENT_TYPE < ROLE_FIRST_AGENT && ROLE_TICK < ROLE_FIRST_AGENT);
// A `StateRegisterSet`'s fields, kept in `details` too.
pub const ROLE_REGISTER_KEY: usize = 7;
pub const ROLE_NEW_VALUE: usize = 8;
pub const REGISTER_EVENT: &str = "StateRegisterSet";

/// (field, expected, found); boxed so the hot path returns one word.
pub type Failure = Box<(String, &'static str, String)>;

pub fn failure(field: &str, expected: &'static str, value: &Bound<'_, PyAny>) -> Failure {
    Box::new((field.to_owned(), expected, describe(value)))
}

pub fn missing(field: &str) -> Failure {
    Box::new((
        field.to_owned(),
        "a value (the field is required)",
        "nothing".to_owned(),
    ))
}

/// An id's UTF-8 text, borrowed from a str of the event's dict: read once,
/// for `details` and for its column.
pub struct IdText {
    text: *const u8,
    len: usize,
}

impl IdText {
    /// The id's text. Valid while the event's dict is, which the encoder
    /// holds (and leaves unchanged) while it uses one.
    pub fn as_str(&self) -> &str {
        // SAFETY: `text` and `len` are the UTF-8 of a str the dict holds,
        // which stays alive and unchanged while the dict holds it.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.text, self.len)) }
    }
}

/// A str id and its text, or None; anything else fails under `name`, as
/// does a str that is no UTF-8.
pub fn id_text(value: &Borrowed<'_, '_, PyAny>, name: &str) -> Result<Option<IdText>, Failure> {
    if value.is_none() {
        return Ok(None);
    }
    let Ok(s) = value.cast::<PyString>() else {
        return Err(failure(name, "a str id", value));
    };
    let text = utf8(&s).map_err(|_| failure(name, "a str encodable as UTF-8", value))?;
    Ok(Some(IdText {
        text: text.as_ptr(),
        len: text.len(),
    }))
}
