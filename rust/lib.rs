//! `simcash_db._native`: encodes simulator output into Arrow for DuckDB.
//!
//! Each concern has its own module: the error classes, strict value
//! extraction, the JSON writer, the column spec, the output columns and their
//! recycled buffers, the two encoders (events: layout, source, encoder, and
//! the stream DuckDB reads while encoding) and the Arrow PyCapsule export.

use pyo3::prelude::*;

mod arrow_export;
mod buffer_pool;
mod builders;
mod byte_append;
mod column_spec;
mod dict_items;
mod errors;
mod event_encoder;
mod event_layout;
mod event_source;
mod event_stream;
mod interner;
mod json_text;
mod json_writer;
mod key_cache;
mod raw_columns;
mod registers;
mod row_encoder;
mod values;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CHUNK_ROWS", event_stream::CHUNK_ROWS)?;
    errors::register(m)?;
    m.add_class::<arrow_export::ArrowBatch>()?;
    m.add_class::<column_spec::TableSpec>()?;
    m.add_class::<event_stream::EventStream>()?;
    m.add_function(wrap_pyfunction!(event_encoder::encode_events, m)?)?;
    m.add_function(wrap_pyfunction!(event_layout::event_layouts, m)?)?;
    m.add_function(wrap_pyfunction!(row_encoder::encode_rows, m)?)?;
    m.add_function(wrap_pyfunction!(buffer_pool::release_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(buffer_pool::retained_buffer_bytes, m)?)?;
    Ok(())
}
