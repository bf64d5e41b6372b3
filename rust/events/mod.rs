//! Event dicts into the `simulation_events` and `agent_state_registers`
//! layouts: the layouts (from the models), the source iterator, the keys with roles, the encoder,
//! the register fold and the stream DuckDB reads while it encodes.

pub mod encoder;
pub mod fields;
pub mod layout;
pub mod registers;
pub mod source;
pub mod stream;
