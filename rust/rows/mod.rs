//! Row dicts of any other table into Arrow, by a column spec built from its
//! model: the spec, the per-kind builders and the row encoder.

pub mod builders;
pub mod encoder;
pub mod spec;
