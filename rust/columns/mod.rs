//! Output columns as raw Arrow buffers: appends, recycled buffers, and the
//! interning of repeated strings.

pub mod buffer_pool;
pub mod byte_append;
pub mod interner;
pub mod raw;
