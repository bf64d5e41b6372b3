//! Writes a Python value as JSON text, exactly: key order kept, ints exact to
//! i64, floats in shortest round-trip form, and money-named keys held to int
//! cents (INV-1). Anything JSON cannot carry back unchanged is refused.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

use crate::byte_append::append;
use crate::dict_items::for_each_item;
use crate::key_cache::KeyCache;
use crate::values::{describe, exact_int_i64, IntError};

/// Nesting deeper than this is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 128;

/// Keys that carry floats although their names sound like money.
const FLOAT_KEYS: [&str; 3] = ["old_value", "new_value", "fraction"];
/// A key whose name contains one of these holds int cents.
const MONEY_WORDS: [&str; 8] = [
    "amount", "cost", "value", "balance", "total", "limit", "outflow", "penalt",
];

/// Suffixes of keys that name a thing rather than an amount (`max_net_outflow_agent`).
const NAME_SUFFIXES: [&str; 3] = ["_agent", "_id", "_ids"];

/// Whether values under `key` must be int cents (events.md's naming rule).
pub fn is_money_key(key: &str) -> bool {
    !FLOAT_KEYS.contains(&key)
        && !NAME_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
        && MONEY_WORDS.iter().any(|word| key.contains(word))
}

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

/// Bytes that JSON strings must escape: controls, '"' and '\\'.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = true;
        i += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the 8 bytes in `word` is a control, '"' or '\\' (each
/// test sets a byte's high bit only if that byte or one before it matches).
#[inline(always)]
fn word_needs_escape(word: u64) -> bool {
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let controls = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    (controls
        | has_zero(word ^ (ONES * u64::from(b'"')))
        | has_zero(word ^ (ONES * u64::from(b'\\'))))
        != 0
}

/// Whether `bytes` holds anything JSON must escape, 8 bytes at a time.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return bytes.iter().any(|&b| NEEDS_ESCAPE[b as usize]);
    }
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
    let mut i = 0;
    while i + 8 <= bytes.len() {
        if word_needs_escape(word(i)) {
            return true;
        }
        i += 8;
    }
    // The last, overlapping word covers the tail.
    i < bytes.len() && word_needs_escape(word(bytes.len() - 8))
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    if !needs_escape(s.as_bytes()) {
        out.push(b'"');
        append(out, s.as_bytes());
        out.push(b'"');
        return;
    }
    write_escaped(out, s);
}

#[cold]
fn write_escaped(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !NEEDS_ESCAPE[b as usize] {
            continue;
        }
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => b"",
            _ => continue,
        };
        append(out, &bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xf) as usize]);
        } else {
            append(out, escape);
        }
        start = i + 1;
    }
    append(out, &bytes[start..]);
    out.push(b'"');
}

/// Appends a finite f64 so that Python's `json.loads` gives back the same float.
pub fn write_f64(out: &mut Vec<u8>, value: f64) {
    let mut buffer = ryu::Buffer::new();
    append(out, buffer.format_finite(value).as_bytes());
}

pub fn write_i64(out: &mut Vec<u8>, value: i64) {
    append(out, itoa::Buffer::new().format(value).as_bytes());
}

/// Writes Python values as JSON into `out`.
pub struct JsonWriter<'o, 'py> {
    pub out: &'o mut Vec<u8>,
    pub keys: &'o mut KeyCache<'py>,
}

impl<'py> JsonWriter<'_, 'py> {
    /// Writes `value`, which sits under `key` (for the money rule) at top level.
    pub fn write_field(&mut self, key: &str, value: &Bound<'py, PyAny>) -> JsonResult {
        self.write_value(value, is_money_key(key), 1)
            .map_err(under_key(key))
    }

    fn write_dict(&mut self, dict: &Bound<'py, PyDict>, depth: usize) -> JsonResult {
        if depth >= MAX_DEPTH {
            return Err(fail("nesting at most 128 deep", dict.as_any()));
        }
        self.out.push(b'{');
        let mut first = true;
        for_each_item(dict, |key, value| {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(fail("str keys", dict.as_any()));
            };
            let Some(index) = self.keys.lookup(&key) else {
                return Err(fail("keys encodable as UTF-8", key.as_any()));
            };
            if !first {
                self.out.push(b',');
            }
            first = false;
            let info = self.keys.get(index);
            let money = info.money;
            append(self.out, &info.encoded);
            self.write_value(&value, money, depth + 1)
                .map_err(|failure| under_key(key.to_str().unwrap_or("?"))(failure))
        })?;
        self.out.push(b'}');
        Ok(())
    }

    fn write_list(&mut self, list: &Bound<'py, PyList>, money: bool, depth: usize) -> JsonResult {
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

    /// Writes one value; `money` holds it to int cents, `depth` bounds nesting.
    pub fn write_value(
        &mut self,
        value: &Bound<'py, PyAny>,
        money: bool,
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
            if money {
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
    fn write_py_str(&mut self, s: &Bound<'_, PyString>, money: bool) -> JsonResult {
        if money {
            return Err(fail("int cents", s.as_any()));
        }
        let text = s
            .to_str()
            .map_err(|_| fail("a str encodable as UTF-8", s.as_any()))?;
        write_str(self.out, text);
        Ok(())
    }

    fn write_float(&mut self, f: &Bound<'_, PyFloat>, money: bool) -> JsonResult {
        if money {
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
    fn write_subclass(&mut self, value: &Bound<'_, PyAny>, money: bool) -> JsonResult {
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

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(escaped("plain"), "\"plain\"");
        assert_eq!(escaped("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(escaped("l1\nl2\t\r"), "\"l1\\nl2\\t\\r\"");
        assert_eq!(escaped("\u{0}\u{1f}"), "\"\\u0000\\u001f\"");
        assert_eq!(escaped("café ✓ 😀"), "\"café ✓ 😀\"");
    }

    #[test]
    fn every_escapable_byte_is_found_at_every_position() {
        for len in 1..40 {
            for at in 0..len {
                for special in (0u8..0x20).chain([b'"', b'\\']) {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    assert!(needs_escape(&bytes), "{special:#x} at {at} of {len}");
                }
                let mut clean = vec![b'~'; len];
                clean[at] = 0xc3; // high bytes (UTF-8 continuation) are never escaped
                assert!(!needs_escape(&clean));
            }
        }
        assert!(!needs_escape(b""));
        assert!(!needs_escape("é!#[]~ ".repeat(5).as_bytes()));
    }

    #[test]
    fn floats_are_shortest_round_trip_and_always_look_like_floats() {
        for (value, text) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-7, "1e-7"),
            (-2.5e300, "-2.5e300"),
        ] {
            let mut out = Vec::new();
            write_f64(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), text);
            assert_eq!(text.parse::<f64>().unwrap(), value);
        }
    }

    #[test]
    fn ints_cover_the_whole_i64_range() {
        for value in [0, -1, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            write_i64(&mut out, value);
            assert_eq!(String::from_utf8(out).unwrap(), value.to_string());
        }
    }

    #[test]
    fn money_rule_follows_the_event_catalog() {
        for key in [
            "amount",
            "tx_amounts",
            "total_value",
            "liquidity_cost",
            "new_total",
            "bilateral_limit",
            "max_net_outflow",
            "deadline_penalty_cost",
            "balance_after",
        ] {
            assert!(is_money_key(key), "{key}");
        }
        for key in [
            "old_value",
            "new_value",
            "fraction",
            "tick",
            "tx_id",
            "priority",
            "settlements",
            "num_splits",
        ] {
            assert!(!is_money_key(key), "{key}");
        }
    }

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
