//! Reading events back. A DuckDB result arrives as an Arrow stream (the
//! PyCapsule interface, no pyarrow), read batch by batch on a thread of its
//! own; each batch becomes JSON lines (`simcash-db replay`: the stored
//! `details` is already JSON) or, parsed by jiter there, the simulator's
//! event dicts, which the caller's thread builds while the next batch is
//! read.

pub mod arrow_import;
pub mod dicts;
pub mod lines;
pub mod pipeline;
pub mod tape;
