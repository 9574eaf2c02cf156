//! The spin tables: `spin_patterns`, substitutions seen twice or more
//! (`Russia` → `Russian Federation`) with the outlets that use them most,
//! and `spin_scores`, each reusing document's aligned and substituted
//! words and their ratio. A substitution is spin when it rewords text;
//! changed figures are not.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use arrow_schema::DataType;
use serde::Serialize;
use serde_json::json;
use tessera_text::collapse_whitespace;

use super::ScanSummary;
use super::docs::Docs;
use super::output::{TableWriter, list_of, nullable, required};
use crate::error::{Error, Result};
use crate::report::{Detection, Edit, EditOp};

fn words(s: &str) -> u64 {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count() as u64
}

/// Whether a substitution rewords text (updated figures are not spin).
fn is_spin(e: &Edit) -> bool {
    e.op == EditOp::Sub
        && (e.query.chars().any(char::is_alphabetic) || e.source.chars().any(char::is_alphabetic))
        && collapse_whitespace(&e.query).to_lowercase()
            != collapse_whitespace(&e.source).to_lowercase()
}

/// A pair's aligned and substituted words, and its spin substitutions
/// (source, copy), whitespace collapsed.
pub(super) fn measure(d: &Detection) -> ((u64, u64), Vec<(String, String)>) {
    let sub_words: u64 = d
        .edits
        .iter()
        .filter(|x| x.op == EditOp::Sub)
        .map(|x| words(&x.query))
        .sum();
    let patterns = d
        .edits
        .iter()
        .filter(|x| is_spin(x))
        .map(|x| {
            (
                collapse_whitespace(&x.source),
                collapse_whitespace(&x.query),
            )
        })
        .collect();
    (
        (u64::from(d.matched_words) + sub_words, sub_words),
        patterns,
    )
}

/// A substitution as one allocation: the length of its source text (4
/// bytes), the source text, the copy's text. A large scan meets tens of
/// millions of distinct substitutions, most of them once: they are what
/// its output stage holds.
type PatternKey = Box<[u8]>;

fn pattern_key(source: &str, copy: &str) -> PatternKey {
    let mut k = Vec::with_capacity(4 + source.len() + copy.len());
    k.extend_from_slice(&(source.len() as u32).to_le_bytes());
    k.extend_from_slice(source.as_bytes());
    k.extend_from_slice(copy.as_bytes());
    k.into_boxed_slice()
}

/// The source and copy texts of a [`PatternKey`].
fn pattern_texts(k: &[u8]) -> (&str, &str) {
    let (len, rest) = k.split_at(4);
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let (source, copy) = rest.split_at(len);
    let text = |b| std::str::from_utf8(b).expect("a key is made of two texts");
    (text(source), text(copy))
}

#[derive(Debug, Default)]
struct Pattern {
    count: u64,
    /// Uses by outlet: the first outlet inline (most patterns have one),
    /// the others in a list.
    first: (u32, u64),
    // Boxed, so that the common pattern without other outlets costs one
    // pointer, not an empty list's three words.
    #[allow(clippy::box_collection)]
    others: Option<Box<Vec<(u32, u64)>>>,
}

impl Pattern {
    /// Uses by outlet.
    fn outlets(&self) -> Vec<(u32, u64)> {
        let mut v = vec![self.first];
        v.extend(self.others.iter().flat_map(|o| o.iter().copied()));
        v
    }
}

/// Substitution patterns and words per copying document, as pairs come.
#[derive(Default)]
pub(super) struct Spin {
    // Keys are mostly unique strings: a fast hash (xxh3, not SipHash).
    patterns: HashMap<PatternKey, Pattern, xxhash_rust::xxh3::Xxh3DefaultBuilder>,
    /// Per copy document: aligned words, substituted words.
    scores: BTreeMap<u32, (u64, u64)>,
}

#[derive(Serialize)]
struct TopOutlet<'a> {
    /// `None` for the documents without an outlet.
    outlet: Option<&'a str>,
    count: u64,
}

#[derive(Serialize)]
struct PatternOut<'a> {
    source: &'a str,
    copy: &'a str,
    count: u64,
    outlets: usize,
    top_outlets: Vec<TopOutlet<'a>>,
}

impl Spin {
    /// A pair copied by document `q`: its aligned and substituted words.
    pub(super) fn add_words(&mut self, q: u32, (aligned, substituted): (u64, u64)) {
        let acc = self.scores.entry(q).or_default();
        acc.0 += aligned;
        acc.1 += substituted;
    }

    /// A spin substitution used by outlet `outlet`.
    pub(super) fn add_pattern(&mut self, (source, copy): (String, String), outlet: u32) {
        let p = self
            .patterns
            .entry(pattern_key(&source, &copy))
            .or_insert(Pattern {
                count: 0,
                first: (outlet, 0),
                others: None,
            });
        p.count += 1;
        if p.first.0 == outlet {
            p.first.1 += 1;
            return;
        }
        let others = p.others.get_or_insert_with(Default::default);
        match others.iter_mut().find(|x| x.0 == outlet) {
            Some(x) => x.1 += 1,
            None => others.push((outlet, 1)),
        }
    }

    /// Writes `spin_patterns` and `spin_scores`.
    pub(super) fn finish(self, docs: &Docs, out: &Path, summary: &mut ScanSummary) -> Result<()> {
        summary.spin_patterns = write_patterns(self.patterns, docs, out)?;
        write_scores(&self.scores, docs, out)
    }
}

fn write_patterns(
    patterns: HashMap<PatternKey, Pattern, xxhash_rust::xxh3::Xxh3DefaultBuilder>,
    docs: &Docs,
    out: &Path,
) -> Result<u64> {
    let kept: Vec<(PatternKey, Pattern)> =
        patterns.into_iter().filter(|(_, p)| p.count >= 2).collect();
    // Each key's texts read once, not at every comparison of the sort.
    let mut pats: Vec<((&str, &str), &Pattern)> =
        kept.iter().map(|(k, p)| (pattern_texts(k), p)).collect();
    pats.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(&b.0)));
    use DataType::{Int64, Utf8};
    let top = list_of(vec![nullable("outlet", Utf8), required("count", Int64)]);
    let columns = vec![
        required("source", Utf8),
        required("copy", Utf8),
        required("count", Int64),
        required("outlets", Int64),
        required("top_outlets", top),
    ];
    let mut pat_out = TableWriter::new(out, "spin_patterns", columns)?;
    let mut line = Vec::new();
    for &((source, copy), p) in &pats {
        let mut outlets = p.outlets();
        outlets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let row = PatternOut {
            source,
            copy,
            count: p.count,
            outlets: outlets.len(),
            top_outlets: outlets
                .iter()
                .take(5)
                .map(|&(o, count)| TopOutlet {
                    outlet: docs.outlet(o),
                    count,
                })
                .collect(),
        };
        line.clear();
        serde_json::to_writer(&mut line, &row).map_err(|e| Error::io(out, e.into()))?;
        line.push(b'\n');
        pat_out.push_line(&line)?;
    }
    pat_out.finish()
}

fn write_scores(scores: &BTreeMap<u32, (u64, u64)>, docs: &Docs, out: &Path) -> Result<()> {
    use DataType::{Float64, Int64, Utf8};
    let columns = vec![
        required("id", Utf8),
        nullable("outlet", Utf8),
        nullable("date", Utf8),
        required("aligned_words", Int64),
        required("substituted_words", Int64),
        required("spin_score", Float64),
    ];
    let mut score_out = TableWriter::new(out, "spin_scores", columns)?;
    for (&q, &(aligned, subs)) in scores {
        let d = &docs.docs[q as usize];
        let score = if aligned > 0 {
            subs as f64 / aligned as f64
        } else {
            0.0
        };
        score_out.push(&json!({
            "id": d.id, "outlet": docs.outlet_name(q), "date": d.date, "aligned_words": aligned,
            "substituted_words": subs, "spin_score": (score * 10_000.0).round() / 10_000.0,
        }))?;
    }
    score_out.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{pattern_key, pattern_texts};

    proptest! {
        /// A pattern's key gives back its two texts, and two different
        /// pairs of texts never share a key (however their texts split).
        #[test]
        fn keys_keep_both_texts_apart(a in ".{0,6}", b in ".{0,6}", c in ".{0,6}", d in ".{0,6}") {
            let key = pattern_key(&a, &b);
            prop_assert_eq!(pattern_texts(&key), (a.as_str(), b.as_str()));
            prop_assert_eq!(pattern_key(&a, &b) == pattern_key(&c, &d), (&a, &b) == (&c, &d));
        }
    }
}
