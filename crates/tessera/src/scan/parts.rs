//! The stages of a scan as pure functions over documents given in memory,
//! for a runner that distributes the scan itself (the Spark job of the
//! Python package): the runner moves documents, fingerprints and pairs
//! between machines and calls these functions where the data is; each one
//! computes exactly what the scan over an index computes at that step.
//!
//! A document is known by its number (`doc`, its place in the input: ties
//! of publication order go to the lower number) and its `rank` in
//! publication order (by date, undated after dated, ties by number).
//!
//! 1. [`Parts::features`]: a document's distinct tokens (for the token
//!    weights), its distinct winnowed fingerprints (what an index holds:
//!    the candidate table is built from them), its distinct n-grams with
//!    their first query position (what a query looks up), its MinHash
//!    band keys and its sorted word 5-gram set (near-duplicates).
//! 2. The candidate table is the runner's: every fingerprint of 2 to
//!    `min_df_cap` documents that can be sources, the boilerplate and
//!    popular ones above as [`GramRules`] says.
//! 3. [`Parts::rank`]: a query's candidate sources from its hits, as the
//!    scan ranks them.
//! 4. [`Parts::pairs`]: a query aligned with its candidates (and with its
//!    near-duplicate cluster's representative), the rows of the `pairs`
//!    table with what the spin tables need.
//! 5. [`passages`]: the spans of pairs within one document grouped into
//!    passages, the vertices of the reuse clusters.
//! 6. [`components`]: the connected components of an edge list small
//!    enough for one task (the runner's distributed rounds take larger
//!    ones), each vertex labelled with its component's smallest vertex.

use std::collections::HashMap;
use std::sync::Arc;

use tessera_fingerprint::minhash::{MinHasher, band_keys, jaccard_sorted};
use tessera_fingerprint::ngram_hashes;
use tessera_index::{Analyzer, DocMeta, IndexSettings};

use super::ScanConfig;
use super::clusters::best_segment;
use super::neardup::UnionFind;
use crate::candidates::{Ranking, distinct_ngrams};
use crate::date::parse_timestamp;
use crate::engine::{Kept, Query, align_pruned, report_of};
use crate::error::Result;
use crate::prepared::{Prepared, analyse};
use crate::report::Detection;
use crate::weights::Weights;

/// How the candidate table treats a fingerprint found in more than
/// `max_df` documents (see the scan's candidate table): boilerplate of an
/// outlet holding it in at least `min_boilerplate_docs` of its documents,
/// `boilerplate_ratio` times more often than the corpus; otherwise, up to
/// `popular_factor` times `max_df` documents, a popular passage kept with
/// its `popular_sources` earliest documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GramRules {
    /// Least documents of an outlet for boilerplate.
    pub min_boilerplate_docs: u64,
    /// How much more frequent in the outlet than in the corpus.
    pub boilerplate_ratio: u64,
    /// Popular passages: up to this many times `max_df` documents.
    pub popular_factor: u32,
    /// Documents kept for a popular passage.
    pub popular_sources: usize,
}

/// The rules of the scan's candidate table.
pub const GRAM_RULES: GramRules = GramRules {
    min_boilerplate_docs: super::grams::MIN_BOILERPLATE_DOCS,
    boilerplate_ratio: super::grams::BOILERPLATE_RATIO,
    popular_factor: super::grams::POPULAR_FACTOR,
    popular_sources: super::grams::POPULAR_SOURCES,
};

/// What a scan needs to know of one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Distinct token hashes, sorted.
    pub tokens: Vec<u64>,
    /// Distinct winnowed fingerprints, sorted.
    pub fingerprints: Vec<u64>,
    /// Distinct n-grams with the position of their first occurrence,
    /// sorted by hash.
    pub grams: Vec<(u64, u32)>,
    /// MinHash band keys (empty for a text of fewer than 5 words).
    pub bands: Vec<u64>,
    /// Distinct word 5-grams, sorted.
    pub shingles: Vec<u64>,
    /// The date as Unix seconds, when it can be read.
    pub timestamp: Option<i64>,
}

/// A document as the pair stage reads it.
#[derive(Debug, Clone, Copy)]
pub struct DocRef<'a> {
    /// Its number.
    pub doc: u64,
    /// Its place in publication order.
    pub rank: u64,
    /// Its id.
    pub id: &'a str,
    /// Its text.
    pub text: &'a str,
    /// Its date as given.
    pub date: Option<&'a str>,
}

/// A row of the `pairs` table as the pair stage finds it, with what the
/// spin tables need.
#[derive(Debug, Clone)]
pub struct PartPair {
    /// The source document's number.
    pub source: u64,
    /// A near-duplicate aligned with its cluster's representative.
    pub syndication: bool,
    /// The detection.
    pub detection: Detection,
    /// Aligned words (matched and substituted).
    pub aligned_words: u64,
    /// Substituted words.
    pub substituted_words: u64,
    /// Spin substitutions (source, copy), whitespace collapsed.
    pub patterns: Vec<(String, String)>,
}

/// The stages of a scan with one configuration.
#[derive(Debug)]
pub struct Parts {
    cfg: ScanConfig,
    analyzer: Analyzer,
    hasher: MinHasher,
}

impl Parts {
    /// The stages with `cfg` (validated) and the default index settings
    /// (those `tessera scan` indexes a corpus with).
    pub fn new(cfg: &ScanConfig) -> Parts {
        let cfg = cfg.validated();
        Parts {
            analyzer: Analyzer::new(&IndexSettings::default()),
            hasher: MinHasher::new(cfg.bands * cfg.rows),
            cfg,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ScanConfig {
        &self.cfg
    }

    /// The features of a document (`date` as given).
    pub fn features(&self, text: &str, date: Option<&str>) -> Features {
        let tokens = self.analyzer.tokenize(text);
        let hashes = tokens.hashes();
        let mut distinct = hashes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let fingerprints = self.analyzer.fingerprinter().fingerprint_set(&hashes);
        let grams = distinct_ngrams(self.analyzer.fingerprinter(), &tokens);
        let mut shingles = ngram_hashes(&hashes, 5);
        shingles.sort_unstable();
        shingles.dedup();
        let bands = if shingles.is_empty() {
            Vec::new()
        } else {
            band_keys(&self.hasher.signature(&shingles), self.cfg.rows)
        };
        Features {
            tokens: distinct,
            fingerprints,
            grams,
            bands,
            shingles,
            timestamp: date.and_then(parse_timestamp),
        }
    }

    /// The exact Jaccard similarity of two sorted 5-gram sets.
    pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
        jaccard_sorted(a, b)
    }

    /// A query's candidate sources from its hits (source document, query
    /// position of the shared n-gram, the n-gram's document frequency in
    /// the candidate table), only those the query may take as sources:
    /// best first, each with its hit positions in query order.
    pub fn rank(&self, hits: &mut [(u64, u32, u32)]) -> Vec<(u64, Vec<u32>)> {
        let max_df = self.cfg.trace.min_df_cap;
        let cap = f64::from(max_df.max(2));
        hits.sort_unstable_by_key(|h| (h.0, h.1));
        let weighed: Vec<(u64, u32, f64)> = hits
            .iter()
            .map(|&(d, pos, df)| (d, pos, (1.0 + cap / f64::from(df.clamp(1, max_df))).ln()))
            .collect();
        Ranking {
            min_shared: self.cfg.trace.min_shared_ngrams,
            window: self.cfg.trace.hit_window,
            max: self.cfg.trace.max_candidates,
        }
        .rank(&weighed)
    }

    /// The pairs of a query: aligned with its candidates in their order
    /// (each with its hits), and with `representative` when it is a copy
    /// in a near-duplicate cluster; in the order of the `pairs` table
    /// (query offset, source rank, source offset). Also the number of
    /// candidates aligned.
    pub fn pairs(
        &self,
        weights: &Weights,
        query: &DocRef<'_>,
        cands: &[(DocRef<'_>, Vec<u32>)],
        representative: Option<&DocRef<'_>>,
    ) -> Result<(Vec<PartPair>, usize)> {
        let a = analyse(&self.analyzer, weights, query.text.to_string());
        let q = a.view();
        let qy = Query {
            id: query.id,
            title: None,
            text: &a.text,
            // As the scan's pair stage: publication order, not the
            // query's date, decides who may be a source.
            date: None,
            exclude: None,
        };
        let mut rows = Vec::new();
        let mut aligned = 0;
        let rep: Vec<(DocRef<'_>, Vec<u32>)> = representative
            .map(|r| (*r, Vec::new()))
            .into_iter()
            .collect();
        for (list, max_cover, syndication) in [
            (cands, self.cfg.max_sources_per_passage, false),
            (rep.as_slice(), u8::MAX, true),
        ] {
            if list.is_empty() {
                continue;
            }
            let hits: Vec<&[u32]> = list.iter().map(|(_, h)| h.as_slice()).collect();
            let (kept, n) = align_pruned(&q, &hits, max_cover, &self.cfg.trace, |k| {
                Ok(Arc::new(analyse(
                    &self.analyzer,
                    weights,
                    list[k].0.text.to_string(),
                )))
            })?;
            aligned += n;
            rows.extend(self.report(&qy, &q, list, kept, n, syndication));
        }
        let rank_of: HashMap<u64, u64> = cands
            .iter()
            .map(|(d, _)| d)
            .chain(representative)
            .map(|d| (d.doc, d.rank))
            .collect();
        rows.sort_by_key(|r| {
            (
                r.detection.query_offset,
                rank_of.get(&r.source).copied().unwrap_or(u64::MAX),
                r.detection.source_offset,
            )
        });
        Ok((rows, aligned))
    }

    /// The rows of one report (the passages `kept` of `aligned`
    /// candidates of `list`).
    fn report(
        &self,
        query: &Query<'_>,
        q: &Prepared<'_>,
        list: &[(DocRef<'_>, Vec<u32>)],
        kept: Vec<Kept>,
        aligned: usize,
        syndication: bool,
    ) -> Vec<PartPair> {
        let metas: Vec<DocMeta> = kept
            .iter()
            .map(|(k, _, _)| {
                let d = &list[*k].0;
                DocMeta {
                    id: d.id.to_string(),
                    date: d.date.map(str::to_string),
                    timestamp: d.date.and_then(parse_timestamp),
                    ..DocMeta::default()
                }
            })
            .collect();
        let meta_refs: Vec<(&DocMeta, Option<i64>)> =
            metas.iter().map(|m| (m, m.timestamp)).collect();
        let doc_of: HashMap<&str, u64> = kept
            .iter()
            .map(|(k, _, _)| (list[*k].0.id, list[*k].0.doc))
            .collect();
        let sources: Vec<Prepared<'_>> = kept.iter().map(|(_, s, _)| s.view()).collect();
        let lists: Vec<Vec<tessera_align::Passage>> =
            kept.iter().map(|(_, _, p)| p.clone()).collect();
        let report = report_of(
            query,
            q,
            &meta_refs,
            lists,
            &sources,
            &self.cfg.trace,
            aligned,
        );
        report
            .passages
            .into_iter()
            .filter_map(|d| {
                let source = *doc_of.get(d.source_id.as_str())?;
                let ((aligned_words, substituted_words), patterns) = super::spin::measure(&d);
                Some(PartPair {
                    source,
                    syndication,
                    detection: d,
                    aligned_words,
                    substituted_words,
                    patterns,
                })
            })
            .collect()
    }
}

/// The passages of one document from the spans of its pairs (`spans`,
/// sorted by start, then end): a span overlapping a passage by more than
/// half the longer of the two joins it (the passage keeps its first
/// span). Returns the passages (start, end) and each span's passage.
pub fn passages(spans: &[(u64, u64)]) -> (Vec<(u64, u64)>, Vec<u32>) {
    let mut segments: Vec<(u32, u64, u64)> = Vec::new();
    let mut of = Vec::with_capacity(spans.len());
    for &(start, end) in spans {
        let k = match best_segment(&segments, start, end) {
            Some(k) => k,
            None => {
                segments.push((0, start, end));
                segments.len() - 1
            }
        };
        of.push(k as u32);
    }
    (segments.into_iter().map(|(_, s, e)| (s, e)).collect(), of)
}

/// The connected components of the graph of `edges` (vertex ids, any
/// order, duplicates and loops allowed): every vertex of an edge with the
/// smallest vertex of its component, in ascending order of vertex. The
/// result depends on the edges only, not on their order.
pub fn components(edges: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut vertices: Vec<i64> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
    vertices.sort_unstable();
    vertices.dedup();
    let at = |v: i64| vertices.binary_search(&v).unwrap_or_default() as u32;
    let mut uf = UnionFind::new(vertices.len());
    for &(a, b) in edges {
        uf.union(at(a), at(b));
    }
    // The smaller index becomes the root and the vertices are sorted, so
    // a root is its component's smallest vertex.
    (0..vertices.len() as u32)
        .map(|k| (vertices[k as usize], vertices[uf.find(k) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_label_each_vertex_with_its_smallest_neighbour_in_reach() {
        let edges = [(9, 4), (4, 7), (7, 7), (20, 30), (30, 20), (-5, 100)];
        let want = vec![
            (-5, -5),
            (4, 4),
            (7, 4),
            (9, 4),
            (20, 20),
            (30, 20),
            (100, -5),
        ];
        assert_eq!(components(&edges), want);
        let mut reversed: Vec<(i64, i64)> = edges.iter().rev().map(|&(a, b)| (b, a)).collect();
        reversed.push((4, 9));
        assert_eq!(components(&reversed), want);
        assert!(components(&[]).is_empty());
    }

    proptest::proptest! {
        /// Labels agree with a breadth-first search: each vertex is labelled
        /// with the smallest vertex it reaches.
        #[test]
        fn components_agree_with_a_search(edges in proptest::collection::vec((0i64..40, 0i64..40), 0..60)) {
            let mut adj: HashMap<i64, Vec<i64>> = HashMap::new();
            for &(a, b) in &edges {
                adj.entry(a).or_default().push(b);
                adj.entry(b).or_default().push(a);
            }
            for (v, label) in components(&edges) {
                let (mut seen, mut todo) = (vec![v], vec![v]);
                while let Some(x) = todo.pop() {
                    for &y in &adj[&x] {
                        if !seen.contains(&y) {
                            seen.push(y);
                            todo.push(y);
                        }
                    }
                }
                proptest::prop_assert_eq!(label, *seen.iter().min().unwrap_or(&v));
            }
        }
    }

    #[test]
    fn overlapping_spans_make_one_passage_and_distant_ones_another() {
        let (p, of) = passages(&[(0, 100), (10, 100), (200, 260), (205, 400)]);
        assert_eq!(p, vec![(0, 100), (200, 260), (205, 400)]);
        assert_eq!(of, vec![0, 0, 1, 2]);
    }

    #[test]
    fn features_are_sorted_and_distinct() {
        let parts = Parts::new(&ScanConfig::default());
        let f = parts.features(
            "The quick brown fox jumps over the lazy dog and the quick brown fox sleeps.",
            Some("2016-07-15"),
        );
        assert!(f.tokens.windows(2).all(|w| w[0] < w[1]));
        assert!(f.fingerprints.windows(2).all(|w| w[0] < w[1]));
        assert!(f.grams.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(f.bands.len(), parts.config().bands);
        assert!(f.timestamp.is_some());
        assert_eq!(Parts::jaccard(&f.shingles, &f.shingles), 1.0);
    }
}
