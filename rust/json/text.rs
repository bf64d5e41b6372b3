//! JSON text for strings and numbers: string literals escaped as JSON
//! requires, floats in shortest round-trip form, ints exactly.

use crate::columns::byte_append::append;

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
}
