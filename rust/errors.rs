//! The package's exception classes, created here so that Rust code can raise
//! them; Python re-exports them from `simcash_db`.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

create_exception!(
    simcash_db,
    SimcashDbError,
    PyException,
    "Root of every error simcash-db raises."
);

static ENCODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `EncodeError(SimcashDbError, ValueError)`: `create_exception!` takes a
/// single base, so the class is built once with `type()`.
pub fn encode_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    let ty = ENCODE_ERROR.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        let namespace = PyDict::new(py);
        namespace.set_item("__module__", "simcash_db")?;
        namespace.set_item(
            "__doc__",
            "A row could not be encoded; `row`, `field`, `expected` and `found` say where and why.",
        )?;
        let bases = (
            py.get_type::<SimcashDbError>(),
            py.get_type::<PyValueError>(),
        );
        let created = py
            .get_type::<PyType>()
            .call1(("EncodeError", bases, namespace))?;
        Ok(created.cast_into::<PyType>()?.unbind())
    })?;
    Ok(ty.bind(py))
}

/// Why a value could not be encoded, located by row and field.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeFailure {
    pub row: usize,
    pub field: String,
    pub expected: &'static str,
    pub found: String,
}

impl EncodeFailure {
    pub fn message(&self) -> String {
        format!(
            "row {}, field '{}': expected {}, found {}",
            self.row, self.field, self.expected, self.found
        )
    }

    /// The Python `EncodeError` for this failure, with its parts as attributes.
    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let build = || -> PyResult<PyErr> {
            let instance = encode_error_type(py)?.call1((self.message(),))?;
            instance.setattr("row", self.row)?;
            instance.setattr("field", &self.field)?;
            instance.setattr("expected", self.expected)?;
            instance.setattr("found", &self.found)?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or_else(|err| err)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SimcashDbError", py.get_type::<SimcashDbError>())?;
    m.add("EncodeError", encode_error_type(py)?)?;
    Ok(())
}
