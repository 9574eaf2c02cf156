//! MinHash signatures and LSH band keys for near-duplicate detection.
//!
//! A document's signature holds, for each of `P` hash functions, the
//! minimum hash over its shingle set; two signatures agree in a position
//! with probability equal to the Jaccard similarity of the sets (Broder
//! 1997). Banding (`b` bands of `r` rows) makes documents collide in some
//! band with probability `1 - (1 - J^r)^b`.

use crate::mix64;

/// Computes MinHash signatures of a fixed length.
#[derive(Debug, Clone)]
pub struct MinHasher {
    seeds: Vec<u64>,
}

impl MinHasher {
    /// A hasher with `perms` hash functions (deterministic seeds).
    pub fn new(perms: usize) -> Self {
        let seeds = (0..perms as u64)
            .map(|i| mix64(0x5bd1_e995_0000_0000 ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        MinHasher { seeds }
    }

    /// Number of hash functions.
    pub fn perms(&self) -> usize {
        self.seeds.len()
    }

    /// The signature of a shingle set (duplicates in `shingles` do not
    /// matter). An empty set gives a signature of `u32::MAX`.
    ///
    /// The `P` hash functions are derived from two per shingle, `h1 + i·h2`
    /// (Kirsch and Mitzenmacher 2006): one multiply-add per function instead
    /// of a full mix, with the same collision behaviour for LSH.
    pub fn signature(&self, shingles: &[u64]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; self.seeds.len()];
        let (s1, s2) = (
            self.seeds[0],
            self.seeds.get(1).copied().unwrap_or(0x9e37_79b9),
        );
        for &h in shingles {
            let h1 = mix64(h ^ s1);
            let h2 = mix64(h ^ s2) | 1;
            let mut v = h1;
            for slot in sig.iter_mut() {
                let x = (v >> 32) as u32;
                if x < *slot {
                    *slot = x;
                }
                v = v.wrapping_add(h2);
            }
        }
        sig
    }
}

/// Share of equal positions of two signatures: an estimate of the Jaccard
/// similarity of their sets.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// The LSH keys of a signature: one per band of `rows` positions, the band
/// index mixed in so keys of different bands never collide.
pub fn band_keys(sig: &[u32], rows: usize) -> Vec<u64> {
    sig.chunks(rows.max(1))
        .enumerate()
        .map(|(band, chunk)| {
            let mut acc = mix64(band as u64 ^ 0x243f_6a88_85a3_08d3);
            for &v in chunk {
                acc = mix64(acc ^ u64::from(v));
            }
            acc
        })
        .collect()
}

/// Exact Jaccard similarity of two sorted, de-duplicated sets.
pub fn jaccard_sorted(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn identical_sets_agree_everywhere() {
        let m = MinHasher::new(64);
        let a: Vec<u64> = (0..100).collect();
        assert_eq!(estimate_jaccard(&m.signature(&a), &m.signature(&a)), 1.0);
        assert_eq!(
            band_keys(&m.signature(&a), 4),
            band_keys(&m.signature(&a), 4)
        );
        assert_eq!(jaccard_sorted(&a, &a), 1.0);
        assert_eq!(jaccard_sorted(&[], &[]), 0.0);
    }

    #[test]
    fn estimate_tracks_the_true_similarity() {
        let m = MinHasher::new(256);
        // Two sets sharing 50 of 150 elements: J = 1/3.
        let a: Vec<u64> = (0..100).collect();
        let b: Vec<u64> = (50..150).collect();
        let est = estimate_jaccard(&m.signature(&a), &m.signature(&b));
        assert!((est - 1.0 / 3.0).abs() < 0.1, "{est}");
        assert!((jaccard_sorted(&a, &b) - 1.0 / 3.0).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn jaccard_is_symmetric_and_bounded(mut a in prop::collection::vec(0u64..60, 0..40), mut b in prop::collection::vec(0u64..60, 0..40)) {
            a.sort_unstable(); a.dedup();
            b.sort_unstable(); b.dedup();
            let j = jaccard_sorted(&a, &b);
            prop_assert!((0.0..=1.0).contains(&j));
            prop_assert_eq!(j, jaccard_sorted(&b, &a));
        }
    }
}
