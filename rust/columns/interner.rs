//! Small-integer ids for the few distinct strings a run repeats (agents,
//! register keys), and a cheap hasher for maps keyed by ids and addresses.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.write_u64(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        }
        for &b in words.remainder() {
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

/// Small-integer ids for texts, in first-seen order.
#[derive(Default)]
pub struct TextIds {
    by_text: HashMap<Box<str>, u32, BuildHasherDefault<FastHasher>>,
    texts: Vec<String>,
}

impl TextIds {
    pub fn id(&mut self, text: &str) -> u32 {
        if let Some(id) = self.by_text.get(text) {
            return *id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(text.to_owned());
        self.by_text.insert(text.into(), id);
        id
    }

    pub fn text(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", String::as_str)
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
