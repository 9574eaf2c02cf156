//! Passage alignment between two token sequences.
//!
//! [`align`] finds every passage that a query text shares with a source
//! text, each on its own, so reordered and stitched passages are all found:
//!
//! 1. **Anchors**: exact matches of informative tokens (weight at least
//!    [`AlignConfig::anchor_min_weight`]), or of any tokens inside a run of
//!    two exact matches.
//! 2. **Chains**: anchors are chained along the diagonal by dynamic
//!    programming that allows bounded gaps in both texts (substituted,
//!    inserted or deleted words) and charges for them; chains are extracted
//!    best first, each anchor used once, so crossing (reordered) chains
//!    survive as separate chains.
//! 3. **Blocks**: each chain is turned into a token alignment: the gaps
//!    between anchors are filled by a small affine-gap alignment that knows
//!    substitutions, fuzzy (OCR) matches and one-to-two token merges, and
//!    the chain is extended outwards up to the sentence boundaries.
//! 4. **Passages**: blocks close to each other in both texts (in any order)
//!    form one passage, and the pieces of one rewritten passage are joined
//!    when the words between them are explained by the other text;
//!    passages are snapped to sentence boundaries when both texts are
//!    within a few words of one, scored (weighted Dice of the aligned
//!    tokens) and kept if they carry enough evidence and are not a formula
//!    filled in with other names and figures.
//!
//! The crate is pure: no I/O, deterministic, no global state. Token weights
//! (how informative each token is) come from the caller.
//!
//! ```
//! use tessera_align::{align, AlignConfig, Side};
//! use tessera_text::{tokenize, NormalizeOptions};
//!
//! let opts = NormalizeOptions::default();
//! let src = "Kerry called for stepping up cooperation between the United States \
//!            and Russia to thwart jihadist groups. Unrelated text follows here.";
//! let qry = "In other news. Kerry called for stepping up cooperation between the \
//!            United States and Russian Federation to thwart jihadist groups.";
//! let (s, q) = (tokenize(src, &opts), tokenize(qry, &opts));
//! let (ws, wq) = (vec![1.0; s.len()], vec![1.0; q.len()]);
//! let passages = align(Side::new(&q, &wq), Side::new(&s, &ws), &AlignConfig::default());
//! assert_eq!(passages.len(), 1);
//! let edits = passages[0].edits();
//! assert_eq!(edits.len(), 1);
//! assert_eq!(edits[0].q_tokens.len(), 2); // "Russian Federation"
//! assert_eq!(edits[0].s_tokens.len(), 1); // "Russia"
//! ```

#![warn(missing_docs)]

mod anchors;
mod blocks;
mod chains;
mod ctx;
mod dp;
mod edits;
mod fuzzy;
mod passages;

use std::ops::Range;

use tessera_text::Tokens;

use anchors::{anchors, trigram_starts};
use blocks::blocks;
use chains::chains;
use ctx::Ctx;
use passages::passages;

pub use anchors::by_hash;
pub use fuzzy::similarity;

/// Tuning of the aligner. The defaults are what tessera ships with; they
/// were chosen on the open development set and are deliberately round.
/// Serializable, so a configuration can be saved, compared and set by
/// name (`TraceConfig::set` in the `tessera` crate).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlignConfig {
    /// Least weight of a token to anchor a chain on its own.
    pub anchor_min_weight: f32,
    /// A token occurring more often than this in either text anchors only
    /// inside a run of two exact matches.
    pub anchor_max_occurrences: usize,
    /// Largest number of tokens skipped between two chained anchors, in
    /// either text.
    pub max_gap: u32,
    /// Chaining cost per token of difference between the two gap lengths
    /// (an insertion or deletion).
    pub chain_skew_cost: f32,
    /// Chaining cost per token skipped in both texts (a substitution).
    pub chain_gap_cost: f32,
    /// Least anchor weight of a chain, net of its gap costs.
    pub min_chain_weight: f32,
    /// Cost of a substituted token in the token alignment.
    pub sub_cost: f32,
    /// Cost of opening a gap (an inserted or deleted run of tokens).
    pub gap_open: f32,
    /// Cost of each further token of a gap.
    pub gap_extend: f32,
    /// Shortest token (code points) compared fuzzily.
    pub fuzzy_min_len: usize,
    /// Least similarity for a fuzzy match.
    pub fuzzy_min_similarity: f32,
    /// Share of a token's weight a fuzzy match earns (times its similarity).
    pub fuzzy_factor: f32,
    /// Longest outward extension of a chain, in tokens.
    pub max_extension: u32,
    /// Score bonus for an extension that reaches a sentence boundary in both
    /// texts at once.
    pub boundary_bonus: f32,
    /// Blocks whose gaps in both texts are at most this many tokens form one
    /// passage.
    pub merge_gap: u32,
    /// Passages of one rewritten passage are joined when the gaps between
    /// them, in both texts, are at most this share of the smaller piece ...
    pub join_ratio: f32,
    /// ... and at most this many tokens (no joining when not above
    /// `merge_gap`) ...
    pub join_max_gap: u32,
    /// ... and the informative weight of the words of each gap that the
    /// other text does not hold near the joined span is at most this share
    /// of the joined span's (rewritten or added words, not text stitched
    /// in from elsewhere).
    pub join_max_unexplained: f32,
    /// ... or of the gap's own (a stretch rewritten in place keeps most of
    /// its words).
    pub join_gap_unexplained: f32,
    /// How far (tokens) a passage end may be moved to a sentence boundary.
    pub snap_tokens: u32,
    /// Least matched weight of a passage (query side).
    pub min_passage_weight: f32,
    /// Least number of matched query tokens of a passage.
    pub min_passage_tokens: u32,
    /// Least passage score (weighted Dice of aligned tokens).
    pub min_score: f32,
    /// Evidence taken off a passage for each pair of different numbers.
    pub number_sub_penalty: f32,
    /// Least share of the function words (weight below
    /// `anchor_min_weight`) of a passage that must be aligned ...
    pub min_skeleton: f32,
    /// ... unless the passage scores at least this.
    pub skeleton_exempt_score: f32,
    /// A passage with at least this many distinct figures ...
    pub template_min_figures: u32,
    /// ... more than this share of which differ between the texts is a
    /// filled-in template, not a copy.
    pub template_mismatch_share: f32,
    /// A passage whose specific words (names, figures) aligned to equal
    /// words weigh less than this times those aligned to different ones is
    /// a formula filled in about something else, not a copy (0: never).
    pub template_specific_ratio: f32,
    /// ... when at least this many specific words were substituted (a
    /// spinner's one renamed country is not a template).
    pub template_min_substitutions: u32,
    /// Least number of exact word trigrams inside the blocks of a passage:
    /// reworded copies keep some three-word runs, independent reports of
    /// the same story rarely do.
    pub min_exact_trigrams: u32,
}

impl Default for AlignConfig {
    fn default() -> Self {
        AlignConfig {
            anchor_min_weight: 0.3,
            anchor_max_occurrences: 24,
            max_gap: 10,
            chain_skew_cost: 0.25,
            chain_gap_cost: 0.08,
            min_chain_weight: 1.2,
            sub_cost: 0.12,
            gap_open: 0.35,
            gap_extend: 0.1,
            fuzzy_min_len: 4,
            fuzzy_min_similarity: 0.7,
            fuzzy_factor: 0.8,
            max_extension: 12,
            boundary_bonus: 0.6,
            merge_gap: 8,
            join_ratio: 1.5,
            join_max_gap: 100,
            join_max_unexplained: 0.1,
            join_gap_unexplained: 0.5,
            snap_tokens: 3,
            min_passage_weight: 3.0,
            min_passage_tokens: 11,
            min_score: 0.35,
            number_sub_penalty: 1.5,
            min_skeleton: 0.55,
            skeleton_exempt_score: 0.85,
            min_exact_trigrams: 4,
            template_min_figures: 4,
            template_mismatch_share: 0.5,
            template_specific_ratio: 0.5,
            template_min_substitutions: 2,
        }
    }
}

/// One text to align: its tokens and a weight per token (how informative
/// the token is, 0 to 1; 1 for rare words, near 0 for function words).
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The tokens.
    pub tokens: &'a Tokens,
    /// One weight per token.
    pub weights: &'a [f32],
    /// The tokens' hashes and positions in hash order ([`by_hash`]), when
    /// the caller keeps them for a text it aligns many times.
    pub by_hash: Option<&'a [(u64, u32)]>,
}

impl<'a> Side<'a> {
    /// Pairs tokens with their weights; panics if the lengths differ.
    pub fn new(tokens: &'a Tokens, weights: &'a [f32]) -> Self {
        assert_eq!(tokens.len(), weights.len(), "one weight per token");
        Side {
            tokens,
            weights,
            by_hash: None,
        }
    }

    /// Adds the token positions in hash order, made by [`by_hash`] from
    /// the same tokens; panics if the lengths differ.
    pub fn with_by_hash(self, by_hash: &'a [(u64, u32)]) -> Self {
        assert_eq!(self.tokens.len(), by_hash.len(), "one entry per token");
        Side {
            by_hash: Some(by_hash),
            ..self
        }
    }
}

/// One column of a token alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Equal normalised tokens.
    Match,
    /// Similar tokens (OCR noise, misspelling).
    Fuzzy,
    /// Different tokens in the same place.
    Sub,
    /// A query token with no source counterpart (inserted by the copier).
    Ins,
    /// A source token with no query counterpart (dropped by the copier).
    Del,
    /// One query token for two source tokens (a lost blank).
    Split,
    /// Two query tokens for one source token.
    Join,
}

impl Op {
    /// Tokens the column consumes in the query and in the source.
    pub fn lengths(self) -> (u32, u32) {
        match self {
            Op::Match | Op::Fuzzy | Op::Sub => (1, 1),
            Op::Ins => (1, 0),
            Op::Del => (0, 1),
            Op::Split => (1, 2),
            Op::Join => (2, 1),
        }
    }
}

/// A monotone token alignment: one chain with its gaps filled.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Query token range.
    pub q: Range<u32>,
    /// Source token range.
    pub s: Range<u32>,
    /// Columns from `(q.start, s.start)` to `(q.end, s.end)`.
    pub ops: Vec<Op>,
}

/// A word-level difference inside a block, in token ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Substitution, insertion or deletion.
    pub kind: EditKind,
    /// Query tokens of the edit (empty for a deletion; then `start` is
    /// where the deleted words would stand).
    pub q_tokens: Range<u32>,
    /// Source tokens of the edit (empty for an insertion).
    pub s_tokens: Range<u32>,
}

/// Kind of an [`Edit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EditKind {
    /// Source words replaced by query words.
    Sub,
    /// Query words with no source counterpart.
    Ins,
    /// Source words missing from the query.
    Del,
}

/// A passage shared by the query and the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Query token range.
    pub q: Range<u32>,
    /// Source token range.
    pub s: Range<u32>,
    /// Weighted Dice coefficient of the aligned tokens, 0 to 1.
    pub score: f32,
    /// Sum of the weights of matched query tokens.
    pub matched_weight: f32,
    /// Number of matched query tokens.
    pub matched_tokens: u32,
    /// Share of the function words of both ranges aligned to equal words.
    pub skeleton: f32,
    /// Figures aligned in one text and absent from the other.
    pub number_subs: u32,
    /// Exact word trigrams inside the blocks.
    pub exact_trigrams: u32,
    /// The aligned blocks, in query order; more than one when parts were
    /// reordered or separated by unaligned text.
    pub blocks: Vec<Block>,
    /// Whether the blocks appear in a different order in the two texts.
    pub reordered: bool,
}

/// Finds every passage shared by `query` and `source`.
///
/// Passages are returned in query order and never overlap in the query
/// (where two candidates overlap, the better one is kept).
pub fn align(query: Side<'_>, source: Side<'_>, cfg: &AlignConfig) -> Vec<Passage> {
    align_with(query, source, cfg, true)
}

/// [`align`], with the early exit on too few trigram starts optional (the
/// tests check that it changes nothing).
pub(crate) fn align_with(
    query: Side<'_>,
    source: Side<'_>,
    cfg: &AlignConfig,
    early_exit: bool,
) -> Vec<Passage> {
    if query.tokens.is_empty() || source.tokens.is_empty() {
        return Vec::new();
    }
    let ctx = Ctx {
        q: query,
        s: source,
        cfg,
    };
    let anchors = anchors(&ctx);
    // Every passage holds `min_exact_trigrams` exact word trigrams, and
    // each of their tokens is an anchor (it matches beside a match): a
    // pair with fewer trigram starts among its anchors has no passage,
    // and is left before chaining and the dynamic programming.
    if anchors.is_empty() || (early_exit && trigram_starts(&ctx, &anchors) < cfg.min_exact_trigrams)
    {
        return Vec::new();
    }
    let chains = chains(&ctx, &anchors);
    let blocks = blocks(&ctx, &anchors, &chains);
    passages(&ctx, blocks)
}

#[cfg(test)]
mod tests;
