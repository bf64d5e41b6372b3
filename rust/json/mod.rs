//! JSON text out of Python values: the writer (exact, money-checked), number
//! and string formatting, the money naming rule, and a cache of dict keys.

pub mod key_cache;
pub mod money_keys;
pub mod text;
pub mod writer;
