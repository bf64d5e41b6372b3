//! One Arrow builder per output column, pre-sized, finished without the GIL.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, LargeStringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, SchemaRef};

use crate::rows::spec::Kind;

pub enum ColumnBuilder {
    Str(LargeStringBuilder),
    I64(Int64Builder),
    Bool(BooleanBuilder),
    F64(Float64Builder),
}

impl ColumnBuilder {
    pub fn new(kind: Kind, rows: usize) -> Self {
        match kind {
            Kind::Str => ColumnBuilder::Str(LargeStringBuilder::with_capacity(rows, rows * 8)),
            Kind::Json => ColumnBuilder::Str(LargeStringBuilder::with_capacity(rows, rows * 64)),
            Kind::I64 | Kind::Money => ColumnBuilder::I64(Int64Builder::with_capacity(rows)),
            Kind::Bool => ColumnBuilder::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::F64 => ColumnBuilder::F64(Float64Builder::with_capacity(rows)),
        }
    }

    pub fn append_null(&mut self) {
        match self {
            ColumnBuilder::Str(b) => b.append_null(),
            ColumnBuilder::I64(b) => b.append_null(),
            ColumnBuilder::Bool(b) => b.append_null(),
            ColumnBuilder::F64(b) => b.append_null(),
        }
    }

    pub fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Str(b) => Arc::new(b.finish()),
            ColumnBuilder::I64(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::F64(b) => Arc::new(b.finish()),
        }
    }
}

/// Finishes every builder into one record batch of `schema`.
pub fn finish_batch(
    schema: SchemaRef,
    builders: &mut [ColumnBuilder],
) -> Result<RecordBatch, ArrowError> {
    let columns: Vec<ArrayRef> = builders.iter_mut().map(|b| b.finish()).collect();
    RecordBatch::try_new(schema, columns)
}
