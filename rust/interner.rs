//! Small-integer ids for the few distinct strings a run repeats (agents,
//! register keys), and a cheap hasher for maps keyed by ids and addresses.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::prelude::*;
use pyo3::types::PyString;

/// A multiplicative hash for short integer keys (ids, object addresses);
/// SipHash's resistance to crafted keys buys nothing here.
#[derive(Default)]
pub struct FastHasher(u64);

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(SEED);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        // Object addresses: the low bits are alignment.
        self.write_u64(n as u64 >> 4);
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Gives equal strings the same id. Looks a string object up by address
/// first (holding a reference, so the address stays its own), by text second.
#[derive(Default)]
pub struct StrInterner<'py> {
    by_address: FastMap<usize, (Bound<'py, PyString>, u32)>,
    by_text: HashMap<String, u32>,
    texts: Vec<String>,
}

impl<'py> StrInterner<'py> {
    /// The id of `s`, whose text must be valid UTF-8 (checked by the caller).
    pub fn id(&mut self, s: &Bound<'py, PyString>) -> u32 {
        let address = s.as_ptr() as usize;
        if let Some((_, id)) = self.by_address.get(&address) {
            return *id;
        }
        let text = s.to_str().unwrap_or_default();
        let id = match self.by_text.get(text) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
                self.texts.push(text.to_owned());
                self.by_text.insert(text.to_owned(), id);
                id
            }
        };
        self.by_address.insert(address, (s.clone(), id));
        id
    }

    /// The texts by id, to be used once the Python objects are let go.
    pub fn into_texts(self) -> Vec<String> {
        self.texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn nearby_ids_hash_apart() {
        let build = BuildHasherDefault::<FastHasher>::default();
        let hashes: std::collections::HashSet<u64> = (0u32..1000)
            .map(|i| build.hash_one((7i64, i, 3u32)))
            .collect();
        assert_eq!(hashes.len(), 1000);
    }
}
