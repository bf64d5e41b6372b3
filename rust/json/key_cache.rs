//! Dict keys classified once per key object: money or not, special role,
//! and the key already written as JSON.

use pyo3::prelude::*;
use pyo3::types::PyString;

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

const RECENT_SLOTS: usize = 256;
const KEY_CACHE_LIMIT: usize = 4096;

/// Classifies dict keys by object identity. A simulator builds its dicts from
/// the same few key objects, so this replaces string work per key with a
/// pointer compare (a direct-mapped slot) or a hash lookup. Each cached key
/// is held by a strong reference, so its address cannot be reused by another
/// string while the cache lives.
pub struct KeyCache<'py> {
    special: &'static [&'static str],
    entries: Vec<(Bound<'py, PyString>, KeyInfo)>,
    by_address: FastMap<usize, u32>,
    recent: Box<[(usize, u32); RECENT_SLOTS]>,
}

impl<'py> KeyCache<'py> {
    /// `special`: keys the caller treats apart (their index is the key's role).
    pub fn new(special: &'static [&'static str]) -> Self {
        KeyCache {
            special,
            entries: Vec::new(),
            by_address: FastMap::default(),
            recent: Box::new([(0, 0); RECENT_SLOTS]),
        }
    }

    /// The index of the key's info, or None when the key is no UTF-8 str.
    #[inline]
    pub fn lookup(&mut self, key: &Bound<'py, PyString>) -> Option<u32> {
        let address = key.as_ptr() as usize;
        let slot = (address >> 4) % RECENT_SLOTS;
        let (seen, index) = self.recent[slot];
        if seen == address {
            return Some(index);
        }
        let index = match self.by_address.get(&address) {
            Some(&index) => index,
            None => self.insert(key)?,
        };
        self.recent[slot] = (address, index);
        Some(index)
    }

    #[cold]
    fn insert(&mut self, key: &Bound<'py, PyString>) -> Option<u32> {
        if self.entries.len() >= KEY_CACHE_LIMIT {
            // Unbounded distinct keys: start over rather than grow forever.
            self.entries.clear();
            self.by_address.clear();
            self.recent.fill((0, 0));
        }
        let text = key.to_str().ok()?;
        let mut encoded = Vec::with_capacity(text.len() + 3);
        write_str(&mut encoded, text);
        encoded.push(b':');
        let info = KeyInfo {
            money: money_rule(text),
            role: self.special.iter().position(|s| *s == text),
            encoded: encoded.into_boxed_slice(),
        };
        let index = u32::try_from(self.entries.len()).ok()?;
        self.entries.push((key.clone(), info));
        self.by_address.insert(key.as_ptr() as usize, index);
        Some(index)
    }

    #[inline]
    pub fn get(&self, index: u32) -> &KeyInfo {
        &self.entries[index as usize].1
    }
}
