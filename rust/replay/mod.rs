//! Reading events back. A DuckDB result arrives as an Arrow stream (the
//! PyCapsule interface, no pyarrow); each row's `event_type`, `tick` and
//! stored `details` become one JSON line, assembled without the GIL; the
//! lines are handed out as they are (`simcash-db replay`) or parsed by
//! jiter into the simulator's event dicts.

pub mod arrow_import;
pub mod dicts;
pub mod lines;
