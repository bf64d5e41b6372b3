//! Writes a Python value as JSON text, exactly: key order kept, ints exact to
//! i64, floats in shortest round-trip form, and money-named keys held to int
//! cents (INV-1). Anything JSON cannot carry back unchanged is refused.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

use crate::columns::byte_append::append;
use crate::dict_items::for_each_item;
use crate::json::key_cache::{BadKey, KeyCache};
use crate::json::money_keys::{money_rule, Money};
use crate::json::text::{write_f64, write_i64, write_str};
use crate::str_text::utf8;
use crate::values::{describe, exact_int_i64, IntError};

/// Nesting deeper than this is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 128;

/// Why a value could not be written: where inside the value, and what.
#[derive(Debug, PartialEq)]
pub struct JsonFailure {
    pub path: String,
    pub expected: &'static str,
    pub found: String,
}

/// Boxed: the hot path then returns one word, not the whole failure.
type JsonResult = Result<(), Box<JsonFailure>>;

fn fail(expected: &'static str, value: &Bound<'_, PyAny>) -> Box<JsonFailure> {
    Box::new(JsonFailure {
        path: String::new(),
        expected,
        found: describe(value),
    })
}

/// A dict key's text for an error message (cold path).
pub fn key_text(key: &Bound<'_, PyAny>) -> String {
    key.cast::<PyString>()
        .ok()
        .and_then(|k| k.to_str().ok().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Prefixes the failure's path with the key or index it was found under; the
/// path is built only while a failure unwinds, never on the hot path.
pub fn under_key(key: &str) -> impl FnOnce(Box<JsonFailure>) -> Box<JsonFailure> + '_ {
    move |mut failure| {
        failure.path = format!(".{key}{}", failure.path);
        failure
    }
}

fn under_index(index: usize) -> impl FnOnce(Box<JsonFailure>) -> Box<JsonFailure> {
    move |mut failure| {
        failure.path = format!("[{index}]{}", failure.path);
        failure
    }
}

/// Writes Python values as JSON into `out`.
pub struct JsonWriter<'o> {
    pub out: &'o mut Vec<u8>,
    pub keys: &'o mut KeyCache,
}

impl JsonWriter<'_> {
    /// Writes `value`, which sits under `key` (for the money rule) at top level.
    pub fn write_field(&mut self, key: &str, value: &Bound<'_, PyAny>) -> JsonResult {
        self.write_value(value, money_rule(key), 1)
            .map_err(under_key(key))
    }

    fn write_dict(&mut self, dict: &Bound<'_, PyDict>, depth: usize) -> JsonResult {
        if depth >= MAX_DEPTH {
            return Err(fail("nesting at most 128 deep", dict.as_any()));
        }
        self.out.push(b'{');
        let mut first = true;
        for_each_item(dict, |key, value| {
            let found = match self.keys.classify(key) {
                Ok(found) => found,
                Err(BadKey::NotStr) => return Err(fail("str keys", dict.as_any())),
                Err(BadKey::NotUtf8) => return Err(fail("keys encodable as UTF-8", &key)),
            };
            if !first {
                self.out.push(b',');
            }
            first = false;
            append(self.out, &self.keys.get(found.index).encoded);
            self.write_value(&value, found.money, depth + 1)
                .map_err(|failure| under_key(&key_text(&key))(failure))
        })?;
        self.out.push(b'}');
        Ok(())
    }

    fn write_list(&mut self, list: &Bound<'_, PyList>, money: Money, depth: usize) -> JsonResult {
        if depth >= MAX_DEPTH {
            return Err(fail("nesting at most 128 deep", list.as_any()));
        }
        self.out.push(b'[');
        for (i, item) in list.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.write_value(&item, money, depth + 1)
                .map_err(under_index(i))?;
        }
        self.out.push(b']');
        Ok(())
    }

    /// Writes one value; `money` says how it is held to INV-1, `depth`
    /// bounds nesting.
    pub fn write_value(
        &mut self,
        value: &Bound<'_, PyAny>,
        money: Money,
        depth: usize,
    ) -> JsonResult {
        // Exact types first, by type pointer; subclasses take the cold path.
        if let Ok(s) = value.cast_exact::<PyString>() {
            self.write_py_str(s, money)?;
        } else if value.is_exact_instance_of::<PyInt>() {
            self.write_int(value)?;
        } else if value.is_none() {
            append(self.out, b"null");
        } else if let Ok(flag) = value.cast_exact::<PyBool>() {
            if money != Money::No {
                return Err(fail("int cents, not a bool", value));
            }
            let text: &[u8] = if flag.is_true() { b"true" } else { b"false" };
            append(self.out, text);
        } else if let Ok(f) = value.cast_exact::<PyFloat>() {
            self.write_float(f, money)?;
        } else if let Ok(list) = value.cast_exact::<PyList>() {
            self.write_list(list, money, depth)?;
        } else if let Ok(dict) = value.cast::<PyDict>() {
            self.write_dict(dict, depth)?;
        } else {
            self.write_subclass(value, money)?;
        }
        Ok(())
    }

    #[inline]
    fn write_py_str(&mut self, s: &Bound<'_, PyString>, money: Money) -> JsonResult {
        if money == Money::Strict {
            return Err(fail("int cents", s.as_any()));
        }
        let text = utf8(s).map_err(|_| fail("a str encodable as UTF-8", s.as_any()))?;
        write_str(self.out, text);
        Ok(())
    }

    fn write_float(&mut self, f: &Bound<'_, PyFloat>, money: Money) -> JsonResult {
        if money != Money::No {
            return Err(fail("int cents (money is never a float)", f.as_any()));
        }
        let number = f.value();
        if !number.is_finite() {
            return Err(fail("a finite float", f.as_any()));
        }
        write_f64(self.out, number);
        Ok(())
    }

    fn write_int(&mut self, value: &Bound<'_, PyAny>) -> JsonResult {
        match exact_int_i64(value) {
            Ok(n) => {
                write_i64(self.out, n);
                Ok(())
            }
            Err(IntError::OutOfRange) => Err(fail("an int within i64", value)),
            Err(IntError::NotInt) => Err(fail("an int", value)),
        }
    }

    /// Cold path: subclasses of str, int and float (enums, mostly). Bools are
    /// ints in Python, so a bool subclass is refused before the int check.
    fn write_subclass(&mut self, value: &Bound<'_, PyAny>, money: Money) -> JsonResult {
        if value.is_instance_of::<PyBool>() {
            return Err(fail("a JSON value", value));
        }
        if let Ok(s) = value.cast::<PyString>() {
            return self.write_py_str(s, money);
        }
        if value.is_instance_of::<PyInt>() {
            return self.write_int(value);
        }
        if let Ok(f) = value.cast::<PyFloat>() {
            return self.write_float(f, money);
        }
        // Tuples, sets, bytes, objects: they would not read back as themselves.
        Err(fail(
            "a JSON value (dict with str keys, list, str, int, float, bool or None)",
            value,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_paths_are_built_while_unwinding() {
        let inner = Box::new(JsonFailure {
            path: String::new(),
            expected: "x",
            found: "y".into(),
        });
        let located = under_key("costs")(under_index(3)(under_key("total")(inner)));
        assert_eq!(located.path, ".costs[3].total");
    }
}
