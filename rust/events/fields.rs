//! The keys of an event that the encoder treats apart (their roles), and how a
//! bad value is reported: the field, what was expected, what was found.

use pyo3::prelude::*;
use pyo3::types::PyString;

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

/// A str id, or None; anything else fails. Ids stay in `details` too, so
/// the JSON writer checks that they are UTF-8 (and says so under their name).
pub fn id_value<'py>(
    value: Bound<'py, PyAny>,
    name: &str,
) -> Result<Option<Bound<'py, PyString>>, Failure> {
    if value.is_none() {
        return Ok(None);
    }
    match value.cast_into::<PyString>() {
        Ok(s) => Ok(Some(s)),
        Err(e) => Err(failure(name, "a str id", &e.into_inner())),
    }
}

/// An id's text; read once `details` is written, which checked it is UTF-8.
pub fn to_str<'a>(s: &'a Bound<'_, PyString>) -> &'a str {
    s.to_str().unwrap_or_default()
}
