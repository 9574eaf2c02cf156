//! Hashed word n-grams selected by winnowing.
//!
//! A document's fingerprints are the hashes of its word n-grams (`k` tokens
//! long) that winnowing selects: in every window of `w` consecutive n-gram
//! hashes the minimum is kept (Schleimer, Wilkerson and Aiken 2003, "robust
//! winnowing": the rightmost minimum, recorded once per run).
//!
//! **Detection guarantee.** If two token sequences share a run of at least
//! `w + k - 1` tokens, that run holds `w` consecutive identical n-grams, so
//! both documents select the same minimum: they share at least one
//! fingerprint. Shorter shared runs are found with probability about
//! `2 / (w + 1)` per shared n-gram. tessera winnows only the indexed side;
//! a query looks up *all* of its n-grams, so any shared n-gram that the
//! index selected is found.
//!
//! ```
//! use tessera_fingerprint::{Fingerprinter, ngram_hashes};
//!
//! let fp = Fingerprinter::new(2, 3);
//! let a: Vec<u64> = (0..50).collect();
//! let b: Vec<u64> = (40..90).collect(); // shares 10 tokens with `a`
//! let fa = fp.fingerprint_set(&a);
//! let fb = fp.fingerprint_set(&b);
//! assert!(fa.iter().any(|h| fb.binary_search(h).is_ok()));
//! assert_eq!(ngram_hashes(&a, 2).len(), 49);
//! ```

#![warn(missing_docs)]

pub mod minhash;

/// Mixes a 64-bit value (the finaliser of SplitMix64).
#[inline]
pub fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hashes of all word n-grams of `tokens` (token hashes), in order.
///
/// A text shorter than `k` tokens has no n-grams. The hash depends on the
/// tokens and their order and on `k`.
pub fn ngram_hashes(tokens: &[u64], k: usize) -> Vec<u64> {
    assert!(k >= 1, "n-gram length must be at least 1");
    if tokens.len() < k {
        return Vec::new();
    }
    tokens.windows(k).map(ngram_hash).collect()
}

/// The hash of one n-gram (its token hashes, in order).
#[inline]
fn ngram_hash(win: &[u64]) -> u64 {
    let mut acc = 0x243f_6a88_85a3_08d3u64 ^ win.len() as u64;
    for &h in win {
        acc = mix64(acc ^ h).rotate_left(17);
    }
    mix64(acc)
}

/// A selected n-gram: its hash and the index of its first token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint {
    /// Index of the n-gram's first token.
    pub pos: u32,
    /// Hash of the n-gram.
    pub hash: u64,
}

/// Robust winnowing of a sequence of hashes with window `w`.
///
/// Returns the selected hashes with their positions, in position order.
/// A sequence shorter than one window yields its minimum.
pub fn winnow(hashes: &[u64], w: usize) -> Vec<Fingerprint> {
    let mut out = Vec::with_capacity(hashes.len() * 2 / (w.max(1) + 1) + 1);
    winnow_each(hashes, w, |pos| {
        out.push(Fingerprint {
            pos: pos as u32,
            hash: hashes[pos],
        })
    });
    out
}

/// Position of the rightmost minimum of a non-empty slice.
#[inline]
fn rightmost_min(h: &[u64]) -> usize {
    let mut pos = 0;
    for (i, &x) in h.iter().enumerate().skip(1) {
        if x <= h[pos] {
            pos = i;
        }
    }
    pos
}

/// The positions [`winnow`] selects, in order, given to `select`.
///
/// The minimum of the previous window is kept: a new hash replaces it when
/// not larger (rightmost wins ties), and the window is scanned again only
/// when its minimum falls out, which on hashes happens about once every
/// `w` steps.
fn winnow_each(hashes: &[u64], w: usize, mut select: impl FnMut(usize)) {
    assert!(w >= 1, "window must be at least 1");
    let n = hashes.len();
    if n == 0 {
        return;
    }
    if n <= w {
        select(rightmost_min(hashes));
        return;
    }
    let mut m = rightmost_min(&hashes[..w]);
    select(m);
    let mut last = m;
    for end in w..n {
        let start = end + 1 - w;
        if m < start {
            m = start + rightmost_min(&hashes[start..=end]);
        } else if hashes[end] <= hashes[m] {
            m = end;
        }
        if m != last {
            select(m);
            last = m;
        }
    }
}

/// Fingerprinting parameters: n-gram length `k` and winnowing window `w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprinter {
    k: usize,
    w: usize,
}

impl Fingerprinter {
    /// Creates a fingerprinter; both `k` and `w` must be at least 1.
    pub fn new(k: usize, w: usize) -> Self {
        assert!(k >= 1 && w >= 1, "k and w must be at least 1");
        Fingerprinter { k, w }
    }
    /// The n-gram length.
    pub fn k(&self) -> usize {
        self.k
    }
    /// The winnowing window.
    pub fn w(&self) -> usize {
        self.w
    }
    /// Shortest shared token run that is guaranteed a shared fingerprint.
    pub fn guarantee(&self) -> usize {
        self.w + self.k - 1
    }
    /// Winnowed fingerprints with positions (the indexed side).
    pub fn fingerprints(&self, tokens: &[u64]) -> Vec<Fingerprint> {
        winnow(&ngram_hashes(tokens, self.k), self.w)
    }
    /// Sorted, de-duplicated winnowed fingerprint hashes of a document.
    pub fn fingerprint_set(&self, tokens: &[u64]) -> Vec<u64> {
        let mut v = Vec::new();
        self.fingerprint_set_into(tokens, &mut v);
        v
    }
    /// [`Fingerprinter::fingerprint_set`] into `out` (cleared first), to
    /// reuse its memory.
    pub fn fingerprint_set_into(&self, tokens: &[u64], out: &mut Vec<u64>) {
        self.winnowed_into(tokens, out);
        out.sort_unstable();
        out.dedup();
    }
    /// The winnowed fingerprint hashes of a document in position order
    /// (a hash selected at several places repeats), into `out` (cleared
    /// first).
    pub fn winnowed_into(&self, tokens: &[u64], out: &mut Vec<u64>) {
        out.clear();
        let grams = ngram_hashes(tokens, self.k);
        winnow_each(&grams, self.w, |pos| out.push(grams[pos]));
    }
    /// All n-gram hashes (the query side), in token order.
    pub fn all_ngrams(&self, tokens: &[u64]) -> Vec<u64> {
        ngram_hashes(tokens, self.k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn winnow_small_examples() {
        assert!(winnow(&[], 3).is_empty());
        assert_eq!(winnow(&[5, 2, 7], 4), vec![Fingerprint { pos: 1, hash: 2 }]);
        // Rightmost minimum in each window, each position once.
        let got: Vec<u32> = winnow(&[3, 1, 4, 1, 5, 9, 2, 6], 3)
            .iter()
            .map(|f| f.pos)
            .collect();
        assert_eq!(got, vec![1, 3, 6]);
    }

    #[test]
    fn ngram_hash_depends_on_order_and_k() {
        let a = ngram_hashes(&[1, 2], 2);
        let b = ngram_hashes(&[2, 1], 2);
        assert_ne!(a, b);
        assert_ne!(
            ngram_hashes(&[1, 2, 3], 3)[0],
            ngram_hashes(&[1, 2, 3], 2)[0]
        );
        assert!(ngram_hashes(&[1], 2).is_empty());
    }

    /// Robust winnowing the slow way: the rightmost minimum of every
    /// window, each position once.
    fn winnow_naive(hashes: &[u64], w: usize) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for start in 0..=hashes.len().saturating_sub(w) {
            let win = &hashes[start..(start + w).min(hashes.len())];
            let min = *win.iter().min().expect("window");
            let pos = start + win.iter().rposition(|&h| h == min).expect("min");
            if out.last() != Some(&(pos as u32)) {
                out.push(pos as u32);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn winnow_matches_the_definition(hashes in prop::collection::vec(0u64..20, 1..150), w in 1usize..9) {
            let got: Vec<u32> = winnow(&hashes, w).iter().map(|f| f.pos).collect();
            prop_assert_eq!(got, winnow_naive(&hashes, w));
        }

        #[test]
        fn every_window_is_represented(hashes in prop::collection::vec(0u64..50, 1..200), w in 1usize..8) {
            let fps = winnow(&hashes, w);
            if hashes.len() >= w {
                for start in 0..=hashes.len() - w {
                    let win = &hashes[start..start + w];
                    let min = *win.iter().min().expect("window");
                    prop_assert!(fps.iter().any(|f| (f.pos as usize) >= start
                        && (f.pos as usize) < start + w && f.hash == min));
                }
            }
            prop_assert!(fps.windows(2).all(|p| p[0].pos < p[1].pos));
        }

        #[test]
        fn shared_run_of_guarantee_length_shares_a_fingerprint(
            prefix_a in prop::collection::vec(any::<u64>(), 0..40),
            prefix_b in prop::collection::vec(any::<u64>(), 0..40),
            suffix_b in prop::collection::vec(any::<u64>(), 0..40),
            shared in prop::collection::vec(any::<u64>(), 12..30),
            k in 1usize..4, w in 1usize..6,
        ) {
            let fp = Fingerprinter::new(k, w);
            prop_assume!(shared.len() >= fp.guarantee());
            let a: Vec<u64> = prefix_a.iter().chain(&shared).copied().collect();
            let b: Vec<u64> = prefix_b.iter().chain(&shared).chain(&suffix_b).copied().collect();
            let fa = fp.fingerprint_set(&a);
            let fb = fp.fingerprint_set(&b);
            prop_assert!(fa.iter().any(|h| fb.binary_search(h).is_ok()));
        }

        #[test]
        fn fingerprint_set_is_the_sorted_winnowed_ngrams(
            tokens in prop::collection::vec(0u64..30, 0..120), k in 1usize..4, w in 1usize..6,
        ) {
            let fp = Fingerprinter::new(k, w);
            let mut want: Vec<u64> = winnow(&ngram_hashes(&tokens, k), w).iter().map(|f| f.hash).collect();
            want.sort_unstable();
            want.dedup();
            let mut out = vec![1, 2, 3];
            fp.fingerprint_set_into(&tokens, &mut out);
            prop_assert_eq!(&out, &want);
            prop_assert_eq!(fp.fingerprint_set(&tokens), want);
        }

        #[test]
        fn query_side_sees_every_selected_fingerprint(tokens in prop::collection::vec(any::<u64>(), 0..100)) {
            let fp = Fingerprinter::new(2, 3);
            let all = fp.all_ngrams(&tokens);
            for f in fp.fingerprints(&tokens) {
                prop_assert_eq!(all[f.pos as usize], f.hash);
            }
        }
    }
}
