//! Dict keys classified once per key object: money or not, special role,
//! and the key already written as JSON.

use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::Borrowed;

use crate::columns::interner::FastMap;
use crate::json::money_keys::{money_rule, Money};
use crate::json::text::write_str;

/// What the writer needs to know of a dict key, worked out once per key object.
pub struct KeyInfo {
    pub money: Money,
    /// Index of the key in the cache's `special` list, if it is one.
    pub role: Option<usize>,
    /// The key as JSON followed by ':', ready to copy.
    pub encoded: Box<[u8]>,
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
const KEY_CACHE_LIMIT: usize = 4096;

/// Classifies dict keys, by object identity where it can. A simulator
/// written in Python builds its dicts from the same few key objects, so a
/// pointer compare (a direct-mapped slot) or a hash lookup by address
/// replaces the string work. One built by PyO3 makes a new str for every key
/// of every dict (`dict.set_item("tx_id", ..)`): those are found by their
/// text. Each key object whose address is kept is held by a strong
/// reference, so its address cannot be reused by another string while the
/// cache lives.
pub struct KeyCache<'py> {
    special: &'static [&'static str],
    infos: Vec<KeyInfo>,
    by_text: FastMap<Box<str>, u32>,
    /// The key objects whose addresses `by_address` and `recent` know.
    held: Vec<Bound<'py, PyString>>,
    by_address: FastMap<usize, Key>,
    recent: Box<[(usize, Key); RECENT_SLOTS]>,
}

const EMPTY_SLOT: (usize, Key) = (
    0,
    Key {
        index: 0,
        role: NO_ROLE,
        money: Money::No,
    },
);

impl<'py> KeyCache<'py> {
    /// `special`: keys the caller treats apart (their index is the key's role).
    pub fn new(special: &'static [&'static str]) -> Self {
        assert!(
            special.len() < usize::from(NO_ROLE),
            "too many special keys"
        );
        KeyCache {
            special,
            infos: Vec::new(),
            by_text: FastMap::default(),
            held: Vec::new(),
            by_address: FastMap::default(),
            recent: Box::new([EMPTY_SLOT; RECENT_SLOTS]),
        }
    }

    /// What `key` is, or why it cannot be a key. A key seen in its slot
    /// needs no type check: the cache holds that very str, so no other
    /// object can have its address.
    #[inline]
    pub fn classify(&mut self, key: Borrowed<'_, 'py, PyAny>) -> Result<Key, BadKey> {
        let address = key.as_ptr() as usize;
        let slot = (address >> 4) % RECENT_SLOTS;
        let (seen, found) = self.recent[slot];
        if seen == address {
            return Ok(found);
        }
        let Ok(key) = key.cast::<PyString>() else {
            return Err(BadKey::NotStr);
        };
        if let Some(&found) = self.by_address.get(&address) {
            self.recent[slot] = (address, found);
            return Ok(found);
        }
        self.by_text(&key)
    }

    /// A key object not seen before: found by its text, or a new text.
    fn by_text(&mut self, key: &Bound<'py, PyString>) -> Result<Key, BadKey> {
        let text = key.to_str().map_err(|_| BadKey::NotUtf8)?;
        if let Some(&index) = self.by_text.get(text) {
            // Most likely a new str for every key of every dict: not worth
            // holding (the text's first object is).
            return Ok(self.key(index));
        }
        if self.infos.len() >= KEY_CACHE_LIMIT {
            // Unbounded distinct keys: start over rather than grow forever.
            self.infos.clear();
            self.by_text.clear();
            self.held.clear();
            self.by_address.clear();
            self.recent.fill(EMPTY_SLOT);
        }
        let mut encoded = Vec::with_capacity(text.len() + 3);
        write_str(&mut encoded, text);
        encoded.push(b':');
        let index = self.infos.len() as u32; // below KEY_CACHE_LIMIT
        self.infos.push(KeyInfo {
            money: money_rule(text),
            // Roles fit a u8 below NO_ROLE (`new` checks the list's length).
            role: self.special.iter().position(|s| *s == text),
            encoded: encoded.into_boxed_slice(),
        });
        self.by_text.insert(text.into(), index);
        let found = self.key(index);
        let address = key.as_ptr() as usize;
        self.held.push(key.clone());
        self.by_address.insert(address, found);
        self.recent[(address >> 4) % RECENT_SLOTS] = (address, found);
        Ok(found)
    }

    fn key(&self, index: u32) -> Key {
        let info = &self.infos[index as usize];
        Key {
            index,
            role: info.role.map_or(NO_ROLE, |r| r as u8),
            money: info.money,
        }
    }

    #[inline]
    pub fn get(&self, index: u32) -> &KeyInfo {
        &self.infos[index as usize]
    }
}
