//! Tables keyed by values that are hashes already (token and n-gram
//! hashes).
//!
//! Such keys need no real hashing, but using them as they are would let a
//! text crafted to collide in their low bits slow a table down to a crawl.
//! One multiply-xorshift round with a key drawn once per process spreads
//! them at almost no cost. Outputs never depend on the key: it only places
//! entries in tables.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use tessera_fingerprint::mix64;

fn process_key() -> u64 {
    static KEY: OnceLock<u64> = OnceLock::new();
    *KEY.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0x07e5_5e7a_u64))
}

/// Spreads `u64` keys that are hashes over a table.
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
            // Free or holding `h`; which one decides without a branch.
            while table[j] != 0 && table[j] != h {
                j = (j + 1) & mask;
            }
            let new = table[j] == 0;
            table[j] = h;
            new
        };
        v[kept] = h;
        kept += usize::from(new);
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
    fn keyed_mix_spreads_keys() {
        let m = KeyedMix::default();
        assert_ne!(m.spread(1), m.spread(2));
        assert_eq!(m.spread(7), m.spread(7));
    }
}

/// Counts of hash keys, added a set at a time (the token document
/// frequencies of a segment being built).
///
/// An open-addressing table written by hand for one reason: each set is
/// first walked to load the slots its keys start from, independent loads
/// the processor overlaps, so that counting then finds them in cache (a
/// key and its count share a slot, one cache line). A segment's table
/// outgrows the caches, and counting one key at a time waits for memory
/// at almost every key.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    /// (key, count, stamp of the last set that counted it) slots; key 0
    /// marks a free slot.
    slots: Vec<(u64, u32, u32)>,
    len: usize,
    /// The count of key 0, and its stamp.
    zero: (u32, u32),
    /// Sets added so far.
    sets: u32,
    mix: KeyedMix,
    starts: Vec<usize>,
}

impl Counts {
    /// Adds one to the count of every distinct key of `keys` (repeats
    /// within `keys` count once).
    pub(crate) fn add_set(&mut self, keys: &[u64]) {
        self.sets += 1;
        let stamp = self.sets;
        self.reserve(keys.len());
        let mask = self.slots.len() - 1;
        self.starts.clear();
        let mut touch = 0u64;
        for &h in keys {
            let s = self.mix.spread(h) as usize & mask;
            touch = touch.wrapping_add(self.slots[s].0);
            self.starts.push(s);
        }
        std::hint::black_box(touch);
        for (&h, &start) in keys.iter().zip(&self.starts) {
            if h == 0 {
                if self.zero.1 != stamp {
                    self.zero = (self.zero.0 + 1, stamp);
                }
                continue;
            }
            let mut s = start;
            loop {
                let slot = &mut self.slots[s];
                if slot.0 == h {
                    if slot.2 != stamp {
                        slot.1 += 1;
                        slot.2 = stamp;
                    }
                    break;
                }
                if slot.0 == 0 {
                    *slot = (h, 1, stamp);
                    self.len += 1;
                    break;
                }
                s = (s + 1) & mask;
            }
        }
    }

    /// Room for `more` new keys at a load of at most 3/4.
    fn reserve(&mut self, more: usize) {
        let need = (self.len + more) * 4 / 3 + 1;
        if need <= self.slots.len() {
            return;
        }
        let cap = need.next_power_of_two().max(1024);
        let old = std::mem::replace(&mut self.slots, vec![(0, 0, 0); cap]);
        let mask = cap - 1;
        for slot in old {
            if slot.0 != 0 {
                let mut s = self.mix.spread(slot.0) as usize & mask;
                while self.slots[s].0 != 0 {
                    s = (s + 1) & mask;
                }
                self.slots[s] = slot;
            }
        }
    }

    /// Bytes held by the table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<(u64, u32, u32)>()
            + self.starts.capacity() * size_of::<usize>()
    }

    /// Every key with its count, sorted by key.
    pub(crate) fn into_sorted(self) -> Vec<(u64, u32)> {
        let mut out: Vec<(u64, u32)> = self
            .slots
            .into_iter()
            .filter(|s| s.0 != 0)
            .map(|s| (s.0, s.1))
            .collect();
        if self.zero.0 > 0 {
            out.push((0, self.zero.0));
        }
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod count_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn counts_match_a_map(sets in prop::collection::vec(prop::collection::vec(0u64..3000, 0..300), 0..20)) {
            let mut c = Counts::default();
            let mut want = std::collections::BTreeMap::new();
            for keys in &sets {
                c.add_set(keys);
                let distinct: std::collections::BTreeSet<u64> = keys.iter().copied().collect();
                for k in distinct {
                    *want.entry(k).or_insert(0u32) += 1;
                }
            }
            let want: Vec<(u64, u32)> = want.into_iter().collect();
            prop_assert_eq!(c.into_sorted(), want);
        }
    }
}
