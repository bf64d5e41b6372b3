//! Row dicts of any other table into Arrow, by a column spec built from its
//! model: the spec, the per-kind builders, the row encoder and the key summary
//! the writer checks keys by.

pub mod builders;
pub mod encoder;
pub mod keys;
pub mod spec;
