//! Dict keys classified once per key object: money or not, special role,
//! and the key already written as JSON.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::Borrowed;

use crate::columns::interner::FastMap;
use crate::json::money_keys::{money_rule, Money};
use crate::json::text::write_str;
use crate::str_text::{cached_hash, utf8};

/// What the writer needs to know of a dict key, worked out once per key object.
pub struct KeyInfo {
    pub money: Money,
    /// Index of the key in the cache's `special` list, or `NO_ROLE`.
    role: u8,
    /// The key as JSON followed by ':', ready to copy.
    pub encoded: Box<[u8]>,
    text: Box<str>,
    /// The text's first key object, held so that its address, which
    /// `recent` may keep, stays its own.
    first: Py<PyString>,
}

/// What a lookup tells of a key, small enough to live in a direct-mapped
/// slot: the hot path then reads no `KeyInfo` but for the key's JSON text.
#[derive(Clone, Copy)]
pub struct Key {
    /// The index of the key's `KeyInfo`.
    pub index: u32,
    /// The key's role (its index in the `special` list), or `NO_ROLE`.
    pub role: u8,
    pub money: Money,
}

pub const NO_ROLE: u8 = u8::MAX;

/// Why a dict key cannot be cached: it is no str, or no UTF-8 str.
pub enum BadKey {
    NotStr,
    NotUtf8,
}

const RECENT_SLOTS: usize = 256;
const TEXT_SLOTS: usize = 512;
const NO_INDEX: u32 = u32::MAX;
const KEY_CACHE_LIMIT: usize = 4096;

/// Classifies dict keys, by object identity where it can. A simulator
/// written in Python builds its dicts from the same few key objects, so a
/// pointer compare (a direct-mapped slot) replaces the string work. One
/// built by PyO3 makes a new str for every key of every dict
/// (`dict.set_item("tx_id", ..)`): those are found by their text, first in
/// a direct-mapped slot by the str's hash. Each key object whose address is
/// kept is held by a strong reference, so its address cannot be reused by
/// another string while the cache lives.
pub struct KeyCache {
    special: Box<[Box<str>]>,
    infos: Vec<KeyInfo>,
    by_text: FastMap<Box<str>, u32>,
    recent: Box<[(usize, Key); RECENT_SLOTS]>,
    /// Texts seen lately, direct-mapped by the str's own hash (a str keeps
    /// its hash once a dict has used it): new key objects are found here
    /// with one compare of a few bytes.
    by_hash: Box<[(ffi::Py_hash_t, u32); TEXT_SLOTS]>,
}

const EMPTY_SLOT: (usize, Key) = (
    0,
    Key {
        index: 0,
        role: NO_ROLE,
        money: Money::No,
    },
);

impl KeyCache {
    /// `special`: keys the caller treats apart (their index is the key's role).
    pub fn new(special: &[&str]) -> Self {
        assert!(
            special.len() < usize::from(NO_ROLE),
            "too many special keys"
        );
        KeyCache {
            special: special.iter().map(|s| Box::from(*s)).collect(),
            infos: Vec::new(),
            by_text: FastMap::default(),
            recent: Box::new([EMPTY_SLOT; RECENT_SLOTS]),
            by_hash: Box::new([(0, NO_INDEX); TEXT_SLOTS]),
        }
    }

    /// What `key` is, or why it cannot be a key. A key seen in its slot
    /// needs no type check: the cache holds that very str, so no other
    /// object can have its address.
    #[inline]
    pub fn classify(&mut self, key: Borrowed<'_, '_, PyAny>) -> Result<Key, BadKey> {
        let address = key.as_ptr() as usize;
        let slot = (address >> 4) % RECENT_SLOTS;
        let (seen, found) = self.recent[slot];
        if seen == address {
            return Ok(found);
        }
        let Ok(key) = key.cast::<PyString>() else {
            return Err(BadKey::NotStr);
        };
        self.by_text(&key)
    }

    /// A key object not seen before: found by its text, or a new text.
    fn by_text(&mut self, key: &Bound<'_, PyString>) -> Result<Key, BadKey> {
        let text = utf8(key).map_err(|_| BadKey::NotUtf8)?;
        let hash = cached_hash(key).unwrap_or(-1);
        let slot = (hash as usize) % TEXT_SLOTS;
        if hash != -1 {
            let (seen, index) = self.by_hash[slot];
            if seen == hash
                && index != NO_INDEX
                && same_bytes(self.infos[index as usize].text.as_bytes(), text.as_bytes())
            {
                return Ok(self.found(index, key));
            }
        }
        if let Some(&index) = self.by_text.get(text) {
            // Most likely a new str for every key of every dict: not worth
            // holding (the text's first object is).
            if hash != -1 {
                self.by_hash[slot] = (hash, index);
            }
            return Ok(self.found(index, key));
        }
        if self.infos.len() >= KEY_CACHE_LIMIT {
            // Unbounded distinct keys: start over rather than grow forever.
            self.infos.clear();
            self.by_text.clear();
            self.recent.fill(EMPTY_SLOT);
            self.by_hash.fill((0, NO_INDEX));
        }
        let mut encoded = Vec::with_capacity(text.len() + 3);
        write_str(&mut encoded, text);
        encoded.push(b':');
        let index = self.infos.len() as u32; // below KEY_CACHE_LIMIT
        self.infos.push(KeyInfo {
            money: money_rule(text),
            // Roles fit a u8 below NO_ROLE (`new` checks the list's length).
            role: self
                .special
                .iter()
                .position(|s| &**s == text)
                .map_or(NO_ROLE, |r| r as u8),
            encoded: encoded.into_boxed_slice(),
            text: text.into(),
            first: key.clone().unbind(),
        });
        self.by_text.insert(text.into(), index);
        let found = self.key(index);
        let address = key.as_ptr() as usize;
        self.recent[(address >> 4) % RECENT_SLOTS] = (address, found);
        if hash != -1 {
            self.by_hash[slot] = (hash, index);
        }
        Ok(found)
    }

    /// The key at `index`; when `key` is the text's first object (which the
    /// cache holds), its slot in `recent` is taken back.
    fn found(&mut self, index: u32, key: &Bound<'_, PyString>) -> Key {
        let found = self.key(index);
        let address = key.as_ptr() as usize;
        if self.infos[index as usize].first.as_ptr() as usize == address {
            self.recent[(address >> 4) % RECENT_SLOTS] = (address, found);
        }
        found
    }

    fn key(&self, index: u32) -> Key {
        let info = &self.infos[index as usize];
        Key {
            index,
            role: info.role,
            money: info.money,
        }
    }

    #[inline]
    pub fn get(&self, index: u32) -> &KeyInfo {
        &self.infos[index as usize]
    }
}

/// `a == b` for the short texts of keys, without a call into libc: two
/// overlapping word compares.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    let half = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().unwrap_or([0; 4]));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same_bytes;

    #[test]
    fn same_bytes_is_equality() {
        let texts: Vec<Vec<u8>> = (0..40usize)
            .flat_map(|n| {
                let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
                let mut changed = Vec::new();
                for i in 0..n {
                    let mut other = base.clone();
                    other[i] = b'#';
                    changed.push(other);
                }
                std::iter::once(base).chain(changed)
            })
            .collect();
        for a in &texts {
            for b in &texts {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
