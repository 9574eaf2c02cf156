//! How much evidence of copying each token carries.
//!
//! Two sources of knowledge are combined. A prior: English function words
//! weigh 0.1, numbers 0.6, everything else 1. And what the index knows:
//! once it holds enough documents, a token found in a large share of them
//! (boilerplate, or the function words of any language) weighs
//! `ln(N / df) / ln(RARE)` — 1 for tokens in at most 1/`RARE` of the
//! documents, falling towards 0.05 for tokens in almost all. A token's
//! weight is the smaller of the two.

use nohash_hasher::IntMap;
use tessera_index::Index;
use tessera_text::{NUMERIC, Tokens, is_stopword_hash};

/// Documents needed before frequencies are trusted over the prior.
const MIN_DOCS: u64 = 200;
/// A token in at most one document in `RARE` weighs fully.
const RARE: f64 = 200.0;
const FLOOR: f32 = 0.05;

/// Token weights for one index.
#[derive(Debug, Clone, Default)]
pub struct Weights {
    /// Learned weights of the frequent tokens (all others weigh 1).
    learned: IntMap<u64, f32>,
}

impl Weights {
    /// Weights from the prior only (no index, or a tiny one).
    pub fn prior_only() -> Weights {
        Weights::default()
    }

    /// Learns the frequent tokens of an index.
    pub fn from_index(index: &Index) -> Weights {
        let docs = index.num_docs();
        match Weights::frequent_min_df(docs) {
            Some(min_df) => Weights::from_frequent(docs, index.frequent_tokens(min_df)),
            None => Weights::prior_only(),
        }
    }

    /// The least document frequency of a token for its weight to be
    /// learned in a corpus of `docs` documents, or `None` when the corpus
    /// is too small for frequencies to be trusted.
    pub fn frequent_min_df(docs: u64) -> Option<u32> {
        (docs >= MIN_DOCS).then(|| ((docs as f64 / RARE).ceil() as u32).max(2))
    }

    /// Weights from the frequent tokens of a corpus of `docs` documents
    /// (token hash, document frequency; those of at least
    /// [`Weights::frequent_min_df`] documents), counted elsewhere (by a
    /// Spark job, say).
    pub fn from_frequent(docs: u64, frequent: impl IntoIterator<Item = (u64, u32)>) -> Weights {
        let learned = frequent
            .into_iter()
            .map(|(h, df)| {
                let idf = (docs as f64 / f64::from(df.max(1))).ln() / RARE.ln();
                (h, (idf as f32).clamp(FLOOR, 1.0))
            })
            .collect();
        Weights { learned }
    }

    /// Number of frequent tokens known.
    pub fn frequent_len(&self) -> usize {
        self.learned.len()
    }

    /// The weight of every token of `t`.
    pub fn of(&self, t: &Tokens) -> Vec<f32> {
        (0..t.len())
            .map(|i| {
                let tok = &t.tokens[i];
                let prior: f32 = if is_stopword_hash(tok.hash) {
                    0.1
                } else if tok.flags & NUMERIC != 0 {
                    0.6
                } else {
                    1.0
                };
                prior.min(self.learned.get(&tok.hash).copied().unwrap_or(1.0))
            })
            .collect()
    }
}
