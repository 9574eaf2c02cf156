//! Candidate search shared by `trace` ([`Engine::trace`](crate::Engine::trace))
//! and `scan`: an article's distinct word n-grams are looked up, each
//! document sharing some of them gets one hit per shared n-gram (at the
//! query position where the n-gram first occurs, with a rarity weight), and
//! the documents whose hits are dense enough are ranked by summed weight.
//!
//! Where the n-grams are looked up (the index's postings, or the scan's
//! candidate table), how they are weighed and which documents may be
//! sources stay with each caller; what a "dense enough" hit list is and how
//! candidates are ranked is decided here, once.

use tessera_fingerprint::Fingerprinter;
use tessera_text::Tokens;

/// Each distinct n-gram of `tokens` (by hash) with the query position of
/// its first occurrence, sorted by hash.
pub(crate) fn distinct_ngrams(fp: &Fingerprinter, tokens: &Tokens) -> Vec<(u64, u32)> {
    let mut grams: Vec<(u64, u32)> = fp
        .all_ngrams(&tokens.hashes())
        .into_iter()
        .enumerate()
        .map(|(pos, h)| (h, pos as u32))
        .collect();
    grams.sort_unstable();
    grams.dedup_by_key(|g| g.0);
    grams
}

/// What makes a document a candidate, and how many are kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranking {
    /// Least number of hits ...
    pub(crate) min_shared: u32,
    /// ... within some window of this many query tokens (0: in all).
    pub(crate) window: u32,
    /// Most candidates kept.
    pub(crate) max: usize,
}

impl Ranking {
    /// The most hits within any `window` consecutive query tokens (`hits`
    /// sorted): a copied passage concentrates them, a shared topic scatters
    /// them.
    fn densest(&self, hits: &[u32]) -> usize {
        let (mut lo, mut best) = (0usize, 0usize);
        for hi in 0..hits.len() {
            while self.window > 0 && hits[hi] - hits[lo] >= self.window {
                lo += 1;
            }
            best = best.max(hi - lo + 1);
        }
        best
    }

    /// The candidates among `hits` (document, query position, weight),
    /// grouped by document: those with at least `min_shared` hits within
    /// `window` tokens, best summed weight first (ties by document), at
    /// most `max`, each with its hit positions in query order.
    ///
    /// A document's weights are summed in the order its hits come in: the
    /// caller's order, kept so that its floating-point sums, and so its
    /// ranking, stay exactly what they were.
    pub(crate) fn rank<D: Copy + Ord>(&self, hits: &[(D, u32, f64)]) -> Vec<(D, Vec<u32>)> {
        let mut ranked: Vec<(D, f64, Vec<u32>)> = Vec::new();
        for group in hits.chunk_by(|a, b| a.0 == b.0) {
            let mut positions: Vec<u32> = group.iter().map(|x| x.1).collect();
            positions.sort_unstable();
            if self.densest(&positions) as u32 >= self.min_shared {
                let score: f64 = group.iter().map(|x| x.2).sum();
                ranked.push((group[0].0, score, positions));
            }
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(self.max);
        ranked.into_iter().map(|(d, _, hits)| (d, hits)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_hits_rank_by_weight_and_scattered_ones_do_not_count() {
        let r = Ranking {
            min_shared: 2,
            window: 10,
            max: 5,
        };
        // Document 1: two hits 3 tokens apart; 2: two hits 50 apart; 3: three
        // close hits of small weight.
        let hits = [
            (1u32, 7, 1.0),
            (1, 4, 1.0),
            (2, 0, 5.0),
            (2, 50, 5.0),
            (3, 1, 0.2),
            (3, 2, 0.2),
            (3, 3, 0.2),
        ];
        assert_eq!(r.rank(&hits), vec![(1, vec![4, 7]), (3, vec![1, 2, 3])]);
        let all = Ranking { window: 0, ..r };
        assert_eq!(all.rank(&hits)[0], (2, vec![0, 50]));
        assert_eq!(Ranking { max: 1, ..all }.rank(&hits).len(), 1);
    }
}
