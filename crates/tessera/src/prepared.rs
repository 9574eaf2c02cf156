//! A text as the aligner sees it: its tokens (with their spans in the
//! original) and a weight per token. The first step of a trace, for the
//! article and for each source it is aligned with.

use std::borrow::Cow;

use tessera_align::Side;
use tessera_index::Analyzer;
use tessera_text::Tokens;

use crate::weights::Weights;

/// A text with its tokens and token weights (owned, or borrowed from an
/// [`Analysed`] document).
pub(crate) struct Prepared<'t> {
    pub(crate) text: &'t str,
    pub(crate) tokens: Cow<'t, Tokens>,
    pub(crate) weights: Cow<'t, [f32]>,
    /// The tokens' hashes and positions sorted by hash (see [`Analysed`]).
    pub(crate) by_hash: Cow<'t, [(u64, u32)]>,
}

impl Prepared<'_> {
    pub(crate) fn side(&self) -> Side<'_> {
        Side::new(&self.tokens, &self.weights).with_by_hash(&self.by_hash)
    }
}

/// A document's text with its tokens and weights, owned: the scan shares
/// one between the articles of a chunk that align with it.
#[derive(Debug)]
pub(crate) struct Analysed {
    pub(crate) text: String,
    pub(crate) tokens: Tokens,
    pub(crate) weights: Vec<f32>,
    /// The tokens' hashes and positions in hash order: sorted once, merged
    /// with every text the document is aligned with.
    pub(crate) by_hash: Vec<(u64, u32)>,
}

impl Analysed {
    /// The document as the aligner and the report see it.
    pub(crate) fn view(&self) -> Prepared<'_> {
        Prepared {
            text: &self.text,
            tokens: Cow::Borrowed(&self.tokens),
            weights: Cow::Borrowed(&self.weights),
            by_hash: Cow::Borrowed(&self.by_hash),
        }
    }
}

/// Tokenizes and weighs a text with an analyzer, keeping it (a source
/// shared by the articles aligned with it).
pub(crate) fn analyse(analyzer: &Analyzer, weights: &Weights, text: String) -> Analysed {
    let tokens = analyzer.tokenize(&text);
    let weights = weights.of(&tokens);
    let by_hash = tessera_align::by_hash(&tokens);
    Analysed {
        text,
        tokens,
        weights,
        by_hash,
    }
}

/// Tokenizes and weighs a text with an analyzer (the query side of a
/// trace, aligned with each of its candidates, or both sides of
/// [`crate::align_pair`]).
pub(crate) fn prepare<'t>(analyzer: &Analyzer, weights: &Weights, text: &'t str) -> Prepared<'t> {
    let tokens = analyzer.tokenize(text);
    let weights = weights.of(&tokens);
    let by_hash = tessera_align::by_hash(&tokens);
    Prepared {
        text,
        tokens: Cow::Owned(tokens),
        weights: Cow::Owned(weights),
        by_hash: Cow::Owned(by_hash),
    }
}
