//! Tables keyed by values that are hashes already (token and n-gram
//! hashes).
//!
//! Such keys need no real hashing, but using them as they are would let a
//! text crafted to collide in their low bits slow a table down to a crawl.
//! One multiply-xorshift round with a key drawn once per process spreads
//! them at almost no cost. Outputs never depend on the key: it only places
//! entries in tables.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

use tessera_fingerprint::mix64;

fn process_key() -> u64 {
    static KEY: OnceLock<u64> = OnceLock::new();
    *KEY.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0x07e5_5e7a_u64))
}

/// A [`BuildHasher`] for `u64` keys that are hashes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyedMix {
    key: u64,
}

impl Default for KeyedMix {
    fn default() -> Self {
        KeyedMix { key: process_key() }
    }
}

impl KeyedMix {
    /// Where `h` goes.
    #[inline]
    pub(crate) fn spread(&self, h: u64) -> u64 {
        mix64(h ^ self.key)
    }
}

impl BuildHasher for KeyedMix {
    type Hasher = KeyedHasher;
    fn build_hasher(&self) -> KeyedHasher {
        KeyedHasher {
            key: self.key,
            state: 0,
        }
    }
}

/// The hasher of [`KeyedMix`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyedHasher {
    key: u64,
    state: u64,
}

impl Hasher for KeyedHasher {
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.state = mix64(self.state ^ x ^ self.key);
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.state
    }
}

/// Removes repeated values from `v`, keeping first occurrences in order.
/// `table` is scratch (an open-addressing set, reused between calls).
pub(crate) fn dedup_in_order(v: &mut Vec<u64>, table: &mut Vec<u64>, mix: &KeyedMix) {
    if v.len() < 2 {
        return;
    }
    // 0 marks a free slot; the value 0 itself is tracked on the side.
    let cap = (v.len() * 2).next_power_of_two();
    table.clear();
    table.resize(cap, 0);
    let mask = cap - 1;
    let mut seen_zero = false;
    let mut kept = 0;
    for i in 0..v.len() {
        let h = v[i];
        let new = if h == 0 {
            !std::mem::replace(&mut seen_zero, true)
        } else {
            let mut j = mix.spread(h) as usize & mask;
            loop {
                match table[j] {
                    0 => {
                        table[j] = h;
                        break true;
                    }
                    t if t == h => break false,
                    _ => j = (j + 1) & mask,
                }
            }
        };
        if new {
            v[kept] = h;
            kept += 1;
        }
    }
    v.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn dedup_keeps_first_occurrences_in_order(v in prop::collection::vec(0u64..40, 0..200)) {
            let mut want = Vec::new();
            for &x in &v {
                if !want.contains(&x) {
                    want.push(x);
                }
            }
            let mut got = v.clone();
            let mut table = vec![5; 3];
            dedup_in_order(&mut got, &mut table, &KeyedMix::default());
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn keyed_hasher_spreads_keys() {
        let m = KeyedMix::default();
        assert_ne!(m.hash_one(1u64), m.hash_one(2u64));
        assert_eq!(m.hash_one(7u64), m.hash_one(7u64));
    }
}
