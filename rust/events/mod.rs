//! Event dicts into the `simulation_events` and `agent_state_registers`
//! layouts: the layouts (from the models), the source iterator, the keys with roles, the encoder,
//! the register log and fold, the stream DuckDB reads while it encodes, and
//! the buffer a streaming writer encodes into as events come.

pub mod batches;
pub mod buffer;
pub mod encoder;
pub mod fields;
pub mod layout;
pub mod registers;
pub mod source;
pub mod stream;
