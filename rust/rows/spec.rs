//! The column spec of a table, built once from the Pydantic models in Python.

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Str,
    I64,
    /// An i64 of integer cents (INV-1): reported as money when wrong.
    Money,
    Bool,
    F64,
    Json,
}

impl Kind {
    fn parse(name: &str) -> PyResult<Kind> {
        Ok(match name {
            "str" => Kind::Str,
            "i64" => Kind::I64,
            "money" => Kind::Money,
            "bool" => Kind::Bool,
            "f64" => Kind::F64,
            "json" => Kind::Json,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown column kind {other:?} (expected str, i64, money, bool, f64 or json)"
                )))
            }
        })
    }

    pub fn data_type(self) -> DataType {
        match self {
            // LargeUtf8: i64 offsets cannot overflow however big a batch gets.
            Kind::Str | Kind::Json => DataType::LargeUtf8,
            Kind::I64 | Kind::Money => DataType::Int64,
            Kind::Bool => DataType::Boolean,
            Kind::F64 => DataType::Float64,
        }
    }

    /// The Arrow field of a column of this kind. A JSON column carries the
    /// canonical `arrow.json` extension type: DuckDB then takes its text as
    /// JSON as it is (the encoders write only valid JSON), where a plain
    /// string column would be parsed again to check it (14% of a details
    /// column's insert time, measured).
    pub fn field(self, name: &str, nullable: bool) -> Field {
        let field = Field::new(name, self.data_type(), nullable);
        if self != Kind::Json {
            return field;
        }
        field.with_metadata(HashMap::from([
            ("ARROW:extension:name".to_owned(), "arrow.json".to_owned()),
            ("ARROW:extension:metadata".to_owned(), String::new()),
        ]))
    }

    /// What a value of this kind must be, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Str => "a str",
            Kind::I64 => "an int",
            Kind::Money => "int cents (money is never a float, bool or str)",
            Kind::Bool => "a bool",
            Kind::F64 => "a float",
            Kind::Json => "a JSON value",
        }
    }
}

pub struct ColumnDef {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
    /// Used when a row lacks the field.
    pub default: Option<Py<PyAny>>,
    /// Allowed values of a string enum.
    pub choices: Option<Vec<String>>,
    /// Smallest allowed int (0 for amounts).
    pub min_value: Option<i64>,
}

/// The columns a row encoder writes, in order. Build it once per table.
#[pyclass(module = "simcash_db._native", frozen)]
pub struct TableSpec {
    pub table: String,
    pub columns: Vec<ColumnDef>,
    pub schema: SchemaRef,
}

#[pymethods]
impl TableSpec {
    /// `columns`: (name, kind, nullable, default or None, choices or None, min or None).
    #[new]
    #[allow(clippy::type_complexity)]
    fn new(
        table: String,
        columns: Vec<(
            String,
            String,
            bool,
            Option<Py<PyAny>>,
            Option<Vec<String>>,
            Option<i64>,
        )>,
    ) -> PyResult<Self> {
        let mut defs = Vec::with_capacity(columns.len());
        for (name, kind, nullable, default, choices, min_value) in columns {
            defs.push(ColumnDef {
                name,
                kind: Kind::parse(&kind)?,
                nullable,
                default,
                choices,
                min_value,
            });
        }
        let fields: Vec<Field> = defs
            .iter()
            .map(|c| c.kind.field(&c.name, c.nullable))
            .collect();
        Ok(TableSpec {
            table,
            columns: defs,
            schema: Arc::new(Schema::new(fields)),
        })
    }

    #[getter]
    fn table(&self) -> &str {
        &self.table
    }

    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "TableSpec({:?}, {} columns)",
            self.table,
            self.columns.len()
        )
    }
}
