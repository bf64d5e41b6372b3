//! A Python object's Arrow stream (`__arrow_c_stream__`), imported with
//! arrow-rs's own FFI reader, and the text and int columns of its batches.

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// The stream of `source`, which must implement the Arrow PyCapsule stream
/// interface (a DuckDB relation does). The stream is moved out of the
/// capsule, so the capsule's destructor finds it released.
pub fn import_stream(source: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    let capsule = source.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast_into::<PyCapsule>()?;
    let pointer = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: a capsule named "arrow_array_stream" holds an
    // FFI_ArrowArrayStream (the interface's contract); replacing it with an
    // empty (released) one moves the stream out exactly once.
    let stream = unsafe {
        std::ptr::replace(
            pointer.as_ptr().cast::<FFI_ArrowArrayStream>(),
            FFI_ArrowArrayStream::empty(),
        )
    };
    RecordBatchStreamReader::try_new(stream).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A column of text, whichever of Arrow's three string layouts it uses.
pub enum TextColumn<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> TextColumn<'a> {
    pub fn of(batch: &'a RecordBatch, name: &str) -> Result<Self, String> {
        let array = column(batch, name)?;
        Ok(match array.data_type() {
            DataType::Utf8 => TextColumn::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => TextColumn::Large(array.as_string::<i64>()),
            DataType::Utf8View => TextColumn::View(array.as_string_view()),
            other => return Err(unexpected(name, other)),
        })
    }

    /// The row's text; None for a null.
    pub fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            TextColumn::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            TextColumn::Large(a) => a.is_valid(row).then(|| a.value(row)),
            TextColumn::View(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }
}

/// A non-null BIGINT column.
pub fn int_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a [i64], String> {
    let array = column(batch, name)?;
    match array.data_type() {
        DataType::Int64 if array.null_count() == 0 => {
            Ok(array.as_primitive::<Int64Type>().values())
        }
        other => Err(unexpected(name, other)),
    }
}

// Errors are plain text: these run on the reader thread, without the GIL.
fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("the result has no column {name:?}"))
}

fn unexpected(name: &str, found: &DataType) -> String {
    format!("column {name:?} arrived as {found}, not as expected")
}
