//! `simcash_db._native`: encodes simulator output into Arrow for DuckDB.

use pyo3::prelude::*;

mod errors;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    Ok(())
}
