//! `simcash_db._native`: encodes simulator output into Arrow for DuckDB, and
//! decodes what DuckDB hands back.
//!
//! The modules, by concern: `json` (values to exact JSON text), `columns`
//! (raw Arrow output buffers), `events` (the event encoder and its stream),
//! `rows` (the row encoder of every other table), `replay` (the native
//! reader: stored events back as dicts or JSON lines), and beside them the Arrow
//! PyCapsule export, the error classes, strict value extraction and a str's
//! text read in place. This file only registers what Python sees.

use pyo3::prelude::*;

mod arrow_export;
mod columns;
mod dict_items;
mod errors;
mod events;
mod json;
mod replay;
mod rows;
mod str_text;
mod values;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CHUNK_ROWS", events::stream::CHUNK_ROWS)?;
    m.add(
        "CATALOG_MONEY_KEYS",
        json::money_keys::CATALOG_MONEY_KEYS.to_vec(),
    )?;
    errors::register(m)?;
    m.add_class::<arrow_export::ArrowBatch>()?;
    m.add_class::<rows::spec::TableSpec>()?;
    m.add_class::<events::layout::EventLayout>()?;
    m.add_class::<events::stream::EventStream>()?;
    m.add_class::<events::buffer::EventBuffer>()?;
    m.add_function(wrap_pyfunction!(events::batches::encode_events, m)?)?;
    m.add_function(wrap_pyfunction!(rows::encoder::encode_rows, m)?)?;
    m.add_function(wrap_pyfunction!(rows::keys::key_summary, m)?)?;
    m.add_function(wrap_pyfunction!(replay::dicts::decode_events, m)?)?;
    m.add_function(wrap_pyfunction!(replay::lines::event_lines, m)?)?;
    m.add_function(wrap_pyfunction!(columns::buffer_pool::release_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(
        columns::buffer_pool::retained_buffer_bytes,
        m
    )?)?;
    Ok(())
}
