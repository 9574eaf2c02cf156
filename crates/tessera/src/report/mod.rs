//! What a trace returns: detections and the report around them, and how
//! the report is built from aligned passages (`build`: provenance,
//! coverage, remainder, substitutions; `spans`: code-point spans and
//! word-level edits).
//!
//! Offsets and lengths count Unicode code points of the exact texts (as
//! Python string indexing does). The first six fields of a [`Detection`]
//! are those of a gold standard's `truth.jsonl`, so detections can be scored
//! directly.

mod build;
mod spans;

pub(crate) use build::{Found, build_report};
pub(crate) use spans::char_spans;

use serde::{Deserialize, Serialize};

/// Kind of a word-level edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditOp {
    /// Source words replaced by query words.
    Sub,
    /// Query words with no source counterpart.
    Ins,
    /// Source words missing from the query.
    Del,
}

/// A word-level difference between a passage and its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    /// Substitution, insertion or deletion.
    pub op: EditOp,
    /// The query's words (empty for a deletion).
    pub query: String,
    /// The source's words (empty for an insertion).
    pub source: String,
    /// Where the query's words start (for a deletion: where the source's
    /// words would stand in the query).
    pub query_offset: u64,
    /// Where the source's words start (for an insertion: where the query's
    /// words would stand in the source).
    pub source_offset: u64,
    /// Length of `query` in code points.
    pub query_length: u64,
    /// Length of `source` in code points.
    pub source_length: u64,
}

/// Another source that covers (most of) the same query span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    /// Source id.
    pub source_id: String,
    /// Source headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_title: Option<String>,
    /// Source outlet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_outlet: Option<String>,
    /// Source date as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_date: Option<String>,
    /// Query span of this alignment.
    pub query_offset: u64,
    /// Length of the query span.
    pub query_length: u64,
    /// Source span.
    pub source_offset: u64,
    /// Length of the source span.
    pub source_length: u64,
    /// Alignment score, 0 to 1.
    pub score: f64,
}

/// The earliest-dated source of a passage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Earliest {
    /// Source id.
    pub source_id: String,
    /// Its headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its outlet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// Its date as given (absent when no candidate is dated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Source span.
    pub source_offset: u64,
    /// Length of the source span.
    pub source_length: u64,
    /// The query span this source's alignment covers.
    #[serde(default)]
    pub query_offset: u64,
    /// Length of that query span.
    #[serde(default)]
    pub query_length: u64,
    /// Share of the passage's query span that this source covers (0 to
    /// 1): an earliest source may hold only part of a passage.
    #[serde(default)]
    pub passage_share: f64,
}

/// One reused passage: where it sits in the query and in its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Id of the traced article.
    pub query_id: String,
    /// First code point of the passage in the query.
    pub query_offset: u64,
    /// Length of the passage in the query.
    pub query_length: u64,
    /// Id of the best-aligned source.
    pub source_id: String,
    /// First code point of the passage in the source.
    pub source_offset: u64,
    /// Length of the passage in the source.
    pub source_length: u64,
    /// Alignment score: weighted Dice coefficient of the aligned words, 0
    /// to 1.
    pub score: f64,
    /// Query words aligned to source words (equal or similar).
    #[serde(default)]
    pub matched_words: u32,
    /// Evidence of copying: the summed weights of the aligned query words
    /// (rare words weigh 1, function words about 0.1).
    #[serde(default)]
    pub evidence: f64,
    /// Source headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_title: Option<String>,
    /// Source outlet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_outlet: Option<String>,
    /// Source date as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_date: Option<String>,
    /// Whether parts of the passage appear in a different order.
    #[serde(default)]
    pub reordered: bool,
    /// Word-level differences, in query order.
    #[serde(default)]
    pub edits: Vec<Edit>,
    /// The earliest-dated source among this one and its alternatives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<Earliest>,
    /// Other sources covering most of the same query span.
    #[serde(default)]
    pub alternatives: Vec<Alternative>,
}

/// How much of the query one source accounts for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// Source id.
    pub source_id: String,
    /// Source headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Source outlet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// Source date as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Passages taken from this source (as best-aligned source).
    pub passages: usize,
    /// Query code points covered by them.
    pub query_chars: u64,
    /// Share of the query covered by them.
    pub coverage: f64,
}

/// A span of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// First code point.
    pub offset: u64,
    /// Length in code points.
    pub length: u64,
}

/// A substitution seen in the passages, with how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Substitution {
    /// The source's words.
    pub source: String,
    /// The query's words.
    pub query: String,
    /// Occurrences.
    pub count: u32,
}

/// Everything a trace found about one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceReport {
    /// Id of the traced article.
    pub query_id: String,
    /// Its headline, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_title: Option<String>,
    /// Its date as given, if known: no document dated after it is named
    /// as a source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_date: Option<String>,
    /// Its length in code points.
    pub query_length: u64,
    /// Share of the article found in sources (0 to 1).
    pub coverage: f64,
    /// Share of the article found nowhere (`1 - coverage`).
    pub original_share: f64,
    /// Reused passages in query order.
    pub passages: Vec<Detection>,
    /// Coverage per source, largest first.
    pub sources: Vec<SourceSummary>,
    /// Documents dated after the query that share passages with it (later
    /// copies, never sources), largest first. Only when the query's date is
    /// known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub later_copies: Vec<SourceSummary>,
    /// The spans found nowhere (the original remainder), in order.
    pub original: Vec<Span>,
    /// Substitutions across all passages, most frequent first: the
    /// spinner's signature.
    pub substitutions: Vec<Substitution>,
    /// Candidate sources that were aligned.
    pub candidates: usize,
}

/// Rounds a ratio for stable, readable output.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
