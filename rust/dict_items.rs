//! Borrowed iteration over a dict's items: the encoders' innermost loop.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::Borrowed;

/// Calls `f(key, value)` for each item of `dict`, in order, with borrowed
/// references: no reference counting and no size checks per item.
///
/// `f` must not mutate `dict`. The encoders only read values and write to
/// Rust buffers; the one call back into Python they make (a value's `repr`,
/// for an error message) ends the loop.
pub fn for_each_item<'py, E>(
    dict: &Bound<'py, PyDict>,
    mut f: impl FnMut(Borrowed<'_, 'py, PyAny>, Borrowed<'_, 'py, PyAny>) -> Result<(), E>,
) -> Result<(), E> {
    let py = dict.py();
    let mut position: ffi::Py_ssize_t = 0;
    let mut key: *mut ffi::PyObject = std::ptr::null_mut();
    let mut value: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: the GIL is held (`py`) for the whole loop and the dict is not
    // mutated during it (see above), so the borrowed references PyDict_Next
    // hands out stay valid for each call of `f`.
    while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut position, &mut key, &mut value) } != 0 {
        let (key, value) = unsafe { (Borrowed::from_ptr(py, key), Borrowed::from_ptr(py, value)) };
        f(key, value)?;
    }
    Ok(())
}
