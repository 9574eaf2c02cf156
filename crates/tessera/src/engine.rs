//! Tracing: from an article to its reused passages and their sources.
//!
//! 1. The article is tokenized with the index's analyzer; all of its word
//!    n-grams are looked up (the index holds winnowed ones, so any shared
//!    run of `w + k - 1` tokens is found). N-grams found in more than
//!    [`TraceConfig::max_df_ratio`] of the documents are boilerplate and
//!    ignored.
//! 2. Candidate sources are ranked by the summed inverse document frequency
//!    of the n-grams they share with the article; the best
//!    [`TraceConfig::max_candidates`] are aligned with it (in parallel).
//! 3. Passages from all candidates are ranked by evidence. A passage whose
//!    query span is mostly covered by a better one becomes an alternative
//!    of it; the others are the detections. Each detection names its
//!    earliest-dated source among itself and its alternatives.
//!
//! When the article's date is known, a document dated after it is never
//! one of its sources: the candidates dated later are ranked apart, the
//! best [`TraceConfig::max_later_copies`] of them aligned, and what they
//! share with the article is reported as later copies.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use tessera_align::{Passage, align};
use tessera_index::{Analyzer, DocAddr, DocMeta, Document, Index, IndexSettings};

use crate::candidates::{Ranking, distinct_ngrams};
pub use crate::config::TraceConfig;
use crate::date::parse_timestamp;
use crate::error::{Error, Result};
pub(crate) use crate::prepared::Analysed;
use crate::prepared::{Prepared, prepare};
use crate::progress::Progress;
use crate::report::{Found, TraceReport, build_report, char_spans};
use crate::weights::Weights;

/// An article to trace.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// Its id, reported as `query_id`.
    pub id: &'a str,
    /// Its headline, if known.
    pub title: Option<&'a str>,
    /// Its text.
    pub text: &'a str,
    /// Its date (ISO 8601, as in a record's `date` field), if known:
    /// documents dated after it are not its sources but later copies. A
    /// date that does not parse counts as unknown.
    pub date: Option<&'a str>,
    /// An indexed document never to report as a source (the article
    /// itself, when it is indexed).
    pub exclude: Option<DocAddr>,
}

impl Query<'_> {
    /// The query's date as a Unix timestamp.
    pub(crate) fn timestamp(&self) -> Option<i64> {
        self.date.and_then(parse_timestamp)
    }
}

/// Candidate sources of an article, best first, and the documents dated
/// after it that share enough with it to be aligned as later copies.
struct Candidates {
    sources: Vec<DocAddr>,
    later: Vec<DocAddr>,
}

/// When a trace must stop: checked between candidate sources (and every
/// few thousand n-gram lookups), so a trace stops within one candidate's
/// alignment of its deadline.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    started: Instant,
    at: Option<Instant>,
}

impl Deadline {
    fn none() -> Deadline {
        Deadline {
            started: Instant::now(),
            at: None,
        }
    }
    fn check(&self) -> Result<()> {
        match self.at {
            Some(at) if Instant::now() >= at => Err(Error::DeadlineExceeded {
                elapsed_ms: self.started.elapsed().as_millis() as u64,
            }),
            _ => Ok(()),
        }
    }
}

/// Traces articles against an index.
#[derive(Debug)]
pub struct Engine {
    index: Index,
    weights: Weights,
    config: TraceConfig,
}

impl Engine {
    /// Opens the index in `dir` with the default configuration.
    pub fn open(dir: &Path) -> Result<Engine> {
        Ok(Engine::new(Index::open(dir)?, TraceConfig::default()))
    }

    /// Wraps an open index.
    pub fn new(index: Index, config: TraceConfig) -> Engine {
        let weights = Weights::from_index(&index);
        Engine {
            index,
            weights,
            config,
        }
    }

    /// The index.
    pub fn index(&self) -> &Index {
        &self.index
    }
    /// The configuration.
    pub fn config(&self) -> &TraceConfig {
        &self.config
    }

    /// Traces the indexed document `id` against the rest of the index.
    pub fn trace_id(&self, id: &str) -> Result<TraceReport> {
        let addr = self
            .index
            .find(id)
            .ok_or_else(|| Error::UnknownDocument(id.to_string()))?;
        let text = self.index.text(addr)?;
        let meta = self.index.meta(addr)?;
        self.trace(&Query {
            id,
            title: meta.title.as_deref(),
            text: &text,
            date: meta.date.as_deref(),
            exclude: Some(addr),
        })
    }

    pub(crate) fn prepare<'t>(&self, text: &'t str) -> Prepared<'t> {
        prepare(self.index.analyzer(), &self.weights, text)
    }

    /// Tokenizes and weighs a text, keeping it.
    pub(crate) fn analyse(&self, text: String) -> Analysed {
        crate::prepared::analyse(self.index.analyzer(), &self.weights, text)
    }

    /// Candidate sources of a tokenized article, best first; with `after`
    /// (the article's timestamp), the documents dated later are ranked
    /// apart as possible later copies.
    fn candidates(
        &self,
        q: &Prepared<'_>,
        keep: &(dyn Fn(DocAddr) -> bool + Sync),
        after: Option<i64>,
        deadline: Deadline,
    ) -> Result<Candidates> {
        let grams = distinct_ngrams(self.index.analyzer().fingerprinter(), &q.tokens);
        let n = self.index.num_docs().max(1) as f64;
        let cap = ((n * self.config.max_df_ratio) as u32).max(self.config.min_df_cap);
        // Each n-gram of at most `cap` documents: its query position, its
        // weight, whether it is frequent and its documents
        // (`found[start..end]`). A long article's n-grams are looked up on
        // all cores, in pieces put back in n-gram order.
        let full = self.config.full_df_cap;
        let pieces: Vec<Result<(Vec<Gram>, Vec<DocAddr>)>> = grams
            .par_chunks(LOOKUP_PIECE)
            .map(|piece| {
                deadline.check()?;
                let mut grams_found = Vec::new();
                let mut found: Vec<DocAddr> = Vec::new();
                let mut postings = Vec::new();
                for &(h, pos) in piece {
                    postings.clear();
                    let df = self.index.postings_capped(h, cap, &mut postings)?;
                    if df == 0 || df > cap {
                        continue;
                    }
                    let w = (1.0 + n / f64::from(df)).ln();
                    let start = found.len();
                    found.extend(postings.iter().copied().filter(|&a| keep(a)));
                    grams_found.push((pos, w, start, found.len(), df > full));
                }
                Ok((grams_found, found))
            })
            .collect();
        let mut grams_found: Vec<Gram> = Vec::new();
        let mut found: Vec<DocAddr> = Vec::new();
        for piece in pieces {
            let (g, f) = piece?;
            let at = found.len();
            grams_found
                .extend(g.into_iter().map(|(pos, w, start, end, frequent)| {
                    (pos, w, at + start, at + end, frequent)
                }));
            found.extend(f);
        }
        // An n-gram of more than `full_df_cap` documents (a phrase
        // thousands of articles use) adds to the evidence of a document
        // that shares a rarer one with the article, but makes no
        // candidate on its own: the hits to sort stay few however large
        // the index grows.
        let mut rare = DocSet::new(self.index.num_segments());
        for &(_, _, start, end, frequent) in &grams_found {
            if !frequent {
                found[start..end].iter().for_each(|a| rare.insert(*a));
            }
        }
        // (document, query position of the shared n-gram, its weight), in
        // n-gram order.
        let mut hits: Vec<(DocAddr, u32, f64)> = Vec::new();
        for &(pos, w, start, end, frequent) in &grams_found {
            let docs = found[start..end].iter();
            hits.extend(
                docs.filter(|a| !frequent || rare.contains(a))
                    .map(|&a| (a, pos, w)),
            );
        }
        // Each document's weights are summed in n-gram order.
        let hits = group_by_doc(hits);
        let ranking = Ranking {
            min_shared: self.config.min_shared_ngrams,
            window: self.config.hit_window,
            max: self.config.max_candidates,
        };
        let Some(after) = after else {
            let sources = ranking.rank(&hits).into_iter().map(|(a, _)| a).collect();
            return Ok(Candidates {
                sources,
                later: Vec::new(),
            });
        };
        let is_later = |a: DocAddr| self.index.timestamp(a).is_some_and(|t| t > after);
        let (later, earlier): (Vec<_>, Vec<_>) = hits.into_iter().partition(|h| is_later(h.0));
        let sources = ranking.rank(&earlier).into_iter().map(|(a, _)| a).collect();
        let ranking = Ranking {
            max: self.config.max_later_copies,
            ..ranking
        };
        let later = ranking.rank(&later).into_iter().map(|(a, _)| a).collect();
        Ok(Candidates { sources, later })
    }

    /// Traces one article.
    pub fn trace(&self, query: &Query<'_>) -> Result<TraceReport> {
        self.trace_with(query, Deadline::none())
    }

    /// Traces one article, giving up at `deadline`: the work stops at the
    /// first check after it (between candidate sources, and every few
    /// thousand n-gram lookups) with [`Error::DeadlineExceeded`]. A server
    /// uses it so that a request that timed out stops using the cores.
    /// The report, when there is one, is the same as [`Engine::trace`]'s.
    pub fn trace_until(&self, query: &Query<'_>, deadline: Instant) -> Result<TraceReport> {
        self.trace_with(
            query,
            Deadline {
                started: Instant::now(),
                at: Some(deadline),
            },
        )
    }

    /// [`Engine::trace_id`] with a deadline, as in [`Engine::trace_until`].
    pub fn trace_id_until(&self, id: &str, deadline: Instant) -> Result<TraceReport> {
        let addr = self
            .index
            .find(id)
            .ok_or_else(|| Error::UnknownDocument(id.to_string()))?;
        let text = self.index.text(addr)?;
        let meta = self.index.meta(addr)?;
        self.trace_until(
            &Query {
                id,
                title: meta.title.as_deref(),
                text: &text,
                date: meta.date.as_deref(),
                exclude: Some(addr),
            },
            deadline,
        )
    }

    fn trace_with(&self, query: &Query<'_>, deadline: Deadline) -> Result<TraceReport> {
        deadline.check()?;
        let q = self.prepare(query.text);
        deadline.check()?;
        let cands = self.candidates(
            &q,
            &|a| Some(a) != query.exclude,
            query.timestamp(),
            deadline,
        )?;
        let mut all = cands.sources;
        all.extend(cands.later);
        self.trace_prepared_until(query, &q, all, deadline)
    }

    /// Aligns a tokenized article with the given sources.
    fn trace_prepared_until(
        &self,
        query: &Query<'_>,
        q: &Prepared<'_>,
        cands: Vec<DocAddr>,
        deadline: Deadline,
    ) -> Result<TraceReport> {
        deadline.check()?;
        let loaded: Vec<Result<(DocAddr, DocMeta, String)>> = cands
            .par_iter()
            .map(|&a| Ok((a, self.index.meta(a)?, self.index.text(a)?)))
            .collect();
        let loaded: Vec<(DocAddr, DocMeta, String)> = loaded.into_iter().collect::<Result<_>>()?;
        let found: Vec<(Vec<Passage>, Prepared<'_>)> = loaded
            .par_iter()
            .map(|(_, _, text)| {
                deadline.check()?;
                let s = self.prepare(text);
                let passages = align(q.side(), s.side(), &self.config.align);
                Ok((passages, s))
            })
            .collect::<Result<_>>()?;
        deadline.check()?;
        let (lists, sources): (Vec<Vec<Passage>>, Vec<Prepared<'_>>) = found.into_iter().unzip();
        let metas: Vec<(DocAddr, &DocMeta)> = loaded.iter().map(|(a, m, _)| (*a, m)).collect();
        Ok(self.report(query, q, &metas, lists, &sources, loaded.len()))
    }

    /// Traces each document of a batch against the index (an indexed
    /// document is never its own source), in parallel, and hands the
    /// reports to `sink` in the order of `docs`. Reports are produced a
    /// chunk at a time, so a large batch is printed as it goes.
    /// `progress` counts traced documents (stage `tracing`).
    /// `sink`'s own errors (a closed output, say) stop the batch and are
    /// returned as they are.
    pub fn trace_each<E: From<Error>>(
        &self,
        docs: &[Document],
        progress: &dyn Progress,
        sink: &mut dyn FnMut(&Document, TraceReport) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        progress.start("tracing", docs.len() as u64);
        for chunk in docs.chunks(64) {
            let reports: Vec<Result<TraceReport>> = chunk
                .par_iter()
                .map(|d| {
                    let r = self.trace(&Query {
                        id: &d.meta.id,
                        title: d.meta.title.as_deref(),
                        text: &d.text,
                        date: d.meta.date.as_deref(),
                        exclude: self.index.find(&d.meta.id),
                    });
                    progress.advance(1);
                    r
                })
                .collect();
            for (d, r) in chunk.iter().zip(reports) {
                sink(d, r?)?;
            }
        }
        progress.finish();
        Ok(())
    }

    /// Aligns a tokenized article with candidate sources in their order,
    /// skipping a candidate when every query position at which it shares an
    /// n-gram (`hits`) already lies in `max_cover` passages of better
    /// candidates: a passage found in many documents is reported with a
    /// few of them, and the work per article stays bounded. Sequential
    /// (the scan runs many articles at once); `source` gives each
    /// candidate's analysed text.
    pub(crate) fn trace_pruned(
        &self,
        query: &Query<'_>,
        q: &Prepared<'_>,
        cands: &[(DocAddr, Vec<u32>)],
        max_cover: u8,
        source: &dyn Fn(DocAddr) -> Result<Arc<Analysed>>,
    ) -> Result<TraceReport> {
        let hits: Vec<&[u32]> = cands.iter().map(|(_, h)| h.as_slice()).collect();
        let (kept, aligned) =
            align_pruned(q, &hits, max_cover, &self.config, |k| source(cands[k].0))?;
        let mut metas: Vec<(DocAddr, DocMeta)> = Vec::new();
        let mut held: Vec<Arc<Analysed>> = Vec::new();
        let mut lists: Vec<Vec<Passage>> = Vec::new();
        for (k, s, passages) in kept {
            metas.push((cands[k].0, self.index.meta(cands[k].0)?));
            held.push(s);
            lists.push(passages);
        }
        let sources: Vec<Prepared<'_>> = held.iter().map(|s| s.view()).collect();
        let metas: Vec<(DocAddr, &DocMeta)> = metas.iter().map(|(a, m)| (*a, m)).collect();
        Ok(self.report(query, q, &metas, lists, &sources, aligned))
    }

    /// The report of an article aligned with sources (`metas`: their
    /// addresses and metadata; `lists`: the passages found with each) out
    /// of `candidates` aligned.
    fn report(
        &self,
        query: &Query<'_>,
        q: &Prepared<'_>,
        metas: &[(DocAddr, &DocMeta)],
        lists: Vec<Vec<Passage>>,
        sources: &[Prepared<'_>],
        candidates: usize,
    ) -> TraceReport {
        let sources_meta: Vec<(&DocMeta, Option<i64>)> = metas
            .iter()
            .map(|&(a, m)| (m, self.index.timestamp(a)))
            .collect();
        report_of(
            query,
            q,
            &sources_meta,
            lists,
            sources,
            &self.config,
            candidates,
        )
    }
}

/// The report of an article aligned with sources (`metas`: their
/// metadata and timestamps; `lists`: the passages found with each) out of
/// `candidates` aligned.
pub(crate) fn report_of(
    query: &Query<'_>,
    q: &Prepared<'_>,
    metas: &[(&DocMeta, Option<i64>)],
    lists: Vec<Vec<Passage>>,
    sources: &[Prepared<'_>],
    config: &TraceConfig,
    candidates: usize,
) -> TraceReport {
    let mut all = Vec::new();
    for (cand, list) in lists.into_iter().enumerate() {
        for passage in list {
            let (q_chars, s_chars) = char_spans(q, &sources[cand], &passage);
            all.push(Found {
                cand,
                passage,
                q_chars,
                s_chars,
            });
        }
    }
    build_report(query, q, &all, sources, metas, config, candidates)
}

/// A candidate with passages: its position among the candidates, its
/// analysed text, its passages.
pub(crate) type Kept = (usize, Arc<Analysed>, Vec<Passage>);

/// N-grams looked up per task of a trace's candidate search.
const LOOKUP_PIECE: usize = 256;

/// An n-gram found in the index: its query position, its weight, its
/// documents' range in the documents found, and whether it is frequent
/// (found in more than `full_df_cap` documents).
type Gram = (u32, f64, usize, usize, bool);

/// `hits` ordered by document, each document's in the order they come in:
/// a stable sort by document. Many hits over a range of documents not
/// much larger (a long article against a large index: hundreds of
/// thousands) are counted into place, in linear time; a few are sorted.
fn group_by_doc(mut hits: Vec<(DocAddr, u32, f64)>) -> Vec<(DocAddr, u32, f64)> {
    // Where each segment's documents start in one numbering of the
    // documents hit.
    let mut base: Vec<usize> = Vec::new();
    for (a, _, _) in &hits {
        let s = a.segment as usize;
        if base.len() <= s {
            base.resize(s + 1, 0);
        }
        base[s] = base[s].max(a.ord as usize + 1);
    }
    let mut range = 0;
    for b in &mut base {
        (*b, range) = (range, range + *b);
    }
    if range > 4 * hits.len() + 1024 {
        hits.sort_by_key(|h| h.0);
        return hits;
    }
    let number = |a: &DocAddr| base[a.segment as usize] + a.ord as usize;
    // Counting sort: each document's first slot, then each hit placed.
    let mut next = vec![0u32; range + 1];
    for (a, _, _) in &hits {
        next[number(a) + 1] += 1;
    }
    for k in 1..next.len() {
        next[k] += next[k - 1];
    }
    let mut out = hits.clone();
    for h in hits {
        let d = number(&h.0);
        out[next[d] as usize] = h;
        next[d] += 1;
    }
    out
}

/// A set of documents: one bit per document, per segment.
struct DocSet(Vec<Vec<u64>>);

impl DocSet {
    fn new(segments: usize) -> DocSet {
        DocSet(vec![Vec::new(); segments])
    }

    fn insert(&mut self, a: DocAddr) {
        let bits = &mut self.0[a.segment as usize];
        let word = a.ord as usize / 64;
        if bits.len() <= word {
            bits.resize(word + 1, 0);
        }
        bits[word] |= 1 << (a.ord % 64);
    }

    fn contains(&self, a: &DocAddr) -> bool {
        self.0[a.segment as usize]
            .get(a.ord as usize / 64)
            .is_some_and(|w| w & (1 << (a.ord % 64)) != 0)
    }
}

/// Aligns a tokenized article with candidate sources in their order (each
/// given by the query positions of the n-grams it shares, `hits`, and
/// loaded by `source` from its position), skipping a candidate when every
/// one of its hits already lies in `max_cover` passages of better
/// candidates. Returns the candidates with passages (position, analysed
/// text, passages) and the number of candidates aligned. Shared by the
/// scan over an index and the scan's stages run elsewhere
/// ([`crate::scan::parts`]).
pub(crate) fn align_pruned(
    q: &Prepared<'_>,
    hits: &[&[u32]],
    max_cover: u8,
    config: &TraceConfig,
    mut source: impl FnMut(usize) -> Result<Arc<Analysed>>,
) -> Result<(Vec<Kept>, usize)> {
    let mut cover = vec![0u8; q.tokens.len()];
    let mut kept = Vec::new();
    let mut aligned = 0;
    for (k, hits) in hits.iter().enumerate() {
        let covered = |&h: &u32| cover.get(h as usize).is_none_or(|&c| c >= max_cover);
        if !hits.is_empty() && hits.iter().all(covered) {
            continue;
        }
        let s = source(k)?;
        let passages = align(q.side(), s.view().side(), &config.align);
        aligned += 1;
        if passages.is_empty() {
            // The report only reads the sources of passages: most
            // candidates' metadata is never decoded.
            continue;
        }
        for p in &passages {
            for c in &mut cover[p.q.start as usize..p.q.end as usize] {
                *c = c.saturating_add(1);
            }
        }
        kept.push((k, s, passages));
    }
    Ok((kept, aligned))
}

/// Aligns an article with one given source, without an index: the PAN
/// text-alignment task, and `tessera align`. Token weights come from
/// `weights` (use [`Weights::prior_only`] when no corpus is at hand).
pub fn align_pair(
    query: &Query<'_>,
    source: &DocMeta,
    source_text: &str,
    settings: &IndexSettings,
    weights: &Weights,
    config: &TraceConfig,
) -> TraceReport {
    let analyzer = Analyzer::new(settings);
    let q = prepare(&analyzer, weights, query.text);
    let s = prepare(&analyzer, weights, source_text);
    let passages = align(q.side(), s.side(), &config.align);
    let all: Vec<Found> = passages
        .into_iter()
        .map(|passage| {
            let (q_chars, s_chars) = char_spans(&q, &s, &passage);
            Found {
                cand: 0,
                q_chars,
                s_chars,
                passage,
            }
        })
        .collect();
    build_report(
        query,
        &q,
        &all,
        &[s],
        &[(source, source.timestamp)],
        config,
        1,
    )
}

/// An article with no title, date or exclusion, as the tests trace it.
#[cfg(test)]
fn plain_query(text: &str) -> Query<'_> {
    Query {
        id: "q",
        title: None,
        text,
        date: None,
        exclude: None,
    }
}

#[cfg(test)]
mod deadline_tests {
    use std::time::{Duration, Instant};

    use super::plain_query;
    use crate::{AddOptions, Collection, Error};

    const WIRE: &str = "On the second and final day of his visit to Moscow, Kerry called for \
        stepping up cooperation between the United States and Russia to thwart jihadist groups \
        and revive the stalled Syria peace process, officials said on Friday in Geneva.";

    #[test]
    fn a_trace_past_its_deadline_stops_with_a_typed_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Collection::open_or_create(&dir.path().join("idx")).expect("collection");
        let records = (0..5).map(|k| serde_json::json!({"id": format!("w{k}"), "text": WIRE}));
        c.add_records(records, &AddOptions::default()).expect("add");
        let engine = c.engine();
        let text = format!("Some words first. {WIRE} And a closing remark.");
        let q = plain_query(&text);
        let e = engine
            .trace_until(&q, Instant::now())
            .expect_err("the deadline has passed");
        assert!(matches!(e, Error::DeadlineExceeded { .. }), "{e}");
        let e = engine
            .trace_id_until("w1", Instant::now())
            .expect_err("the deadline has passed");
        assert!(matches!(e, Error::DeadlineExceeded { .. }), "{e}");
        // A deadline far away changes nothing in the report.
        let later = Instant::now() + Duration::from_secs(3600);
        let with = engine.trace_until(&q, later).expect("trace");
        let without = engine.trace(&q).expect("trace");
        assert_eq!(
            serde_json::to_string(&with).expect("json"),
            serde_json::to_string(&without).expect("json")
        );
        assert!(!with.passages.is_empty());
    }
}

#[cfg(test)]
mod direction_tests {
    use crate::{AddOptions, Collection};

    const WIRE: &str = "On the second and final day of his visit to Moscow, Kerry called for \
        stepping up cooperation between the United States and Russia to thwart jihadist groups \
        and revive the stalled Syria peace process, officials said on Friday in Geneva.";

    /// Two copies of the same wire story, one dated before and one after
    /// the queries below.
    fn collection(dir: &std::path::Path) -> Collection {
        let c = Collection::open_or_create(&dir.join("idx")).expect("collection");
        let records = [
            serde_json::json!({"id": "early", "date": "2016-07-14", "text": WIRE}),
            serde_json::json!({"id": "late", "date": "2016-07-20T08:00:00Z", "text": WIRE}),
        ];
        c.add_records(records, &AddOptions::default()).expect("add");
        c
    }

    fn named(r: &crate::report::TraceReport) -> Vec<String> {
        let mut ids = Vec::new();
        for p in &r.passages {
            ids.push(p.source_id.clone());
            ids.extend(p.alternatives.iter().map(|a| a.source_id.clone()));
            ids.extend(p.earliest.iter().map(|e| e.source_id.clone()));
        }
        ids.extend(r.sources.iter().map(|s| s.source_id.clone()));
        ids
    }

    #[test]
    fn a_document_dated_after_the_query_is_a_later_copy_never_a_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = collection(dir.path());
        let text = format!("Some words first. {WIRE} And a closing remark.");
        let r = c
            .trace_text("q", None, &text, Some("2016-07-16"))
            .expect("trace");
        assert_eq!(r.query_date.as_deref(), Some("2016-07-16"));
        assert!(!r.passages.is_empty());
        assert!(named(&r).iter().all(|id| id == "early"), "{:?}", named(&r));
        let later: Vec<&str> = r
            .later_copies
            .iter()
            .map(|s| s.source_id.as_str())
            .collect();
        assert_eq!(later, ["late"]);
        assert!(r.later_copies[0].coverage > 0.5);
        // The earliest source is the passage's own, holding all of it.
        let e = r.passages[0].earliest.as_ref().expect("earliest");
        assert_eq!((e.source_id.as_str(), e.passage_share), ("early", 1.0));

        // Dated before both: nothing is a source, both are later copies.
        let r = c
            .trace_text("q", None, &text, Some("2016-07-01T00:00:00+02:00"))
            .expect("trace");
        assert!(r.passages.is_empty() && r.sources.is_empty());
        assert_eq!(r.coverage, 0.0);
        let mut later: Vec<&str> = r
            .later_copies
            .iter()
            .map(|s| s.source_id.as_str())
            .collect();
        later.sort_unstable();
        assert_eq!(later, ["early", "late"]);

        // Undated (or a date that does not parse): both may be sources, and
        // there are no later copies.
        for date in [None, Some("July 2016")] {
            let r = c.trace_text("q", None, &text, date).expect("trace");
            assert!(r.later_copies.is_empty());
            let mut ids = named(&r);
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids, ["early", "late"]);
        }
    }

    #[test]
    fn an_indexed_document_is_traced_with_its_own_date() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = collection(dir.path());
        let r = c.trace_id("early").expect("trace");
        assert_eq!(r.query_date.as_deref(), Some("2016-07-14"));
        assert!(r.passages.is_empty());
        assert_eq!(r.later_copies.len(), 1);
        let r = c.trace_id("late").expect("trace");
        assert_eq!(r.passages.len(), 1);
        assert_eq!(r.passages[0].source_id, "early");
        assert!(r.later_copies.is_empty());
    }

    #[test]
    fn later_copies_are_not_aligned_when_the_limit_is_zero() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(collection(dir.path()));
        let mut cfg = crate::TraceConfig::default();
        cfg.set("max_later_copies", "0").expect("set");
        let index = tessera_index::Index::open(&dir.path().join("idx")).expect("open");
        let engine = crate::Engine::new(index, cfg);
        let r = engine.trace_id("early").expect("trace");
        assert!(r.later_copies.is_empty());
        assert_eq!(r.candidates, 0);
    }
}

#[cfg(test)]
mod candidate_tests {
    use proptest::prelude::*;
    use tessera_index::DocAddr;

    use super::{group_by_doc, plain_query};
    use crate::{AddOptions, Collection, TraceConfig};

    proptest! {
        /// Hits counted into place come out as a stable sort by document
        /// would put them, whether they are many over a few documents
        /// (counted) or few over many (sorted).
        #[test]
        fn hits_grouped_as_a_stable_sort_would(
            hits in prop::collection::vec((0u32..3, 0u32..60, 0u32..500), 0..300),
            sparse in any::<bool>(),
        ) {
            let hits: Vec<(DocAddr, u32, f64)> = hits
                .into_iter()
                .enumerate()
                .map(|(k, (segment, ord, pos))| {
                    let ord = if sparse { ord * 100_000 } else { ord };
                    (DocAddr { segment, ord }, pos, k as f64)
                })
                .collect();
            let mut sorted = hits.clone();
            sorted.sort_by_key(|h| h.0);
            prop_assert_eq!(group_by_doc(hits), sorted);
        }
    }

    const WIRE: &str = "The central bank held its benchmark rate at a record low on Thursday \
        and signalled that borrowing costs would stay there for months, citing weak demand.";
    const RARE: &str = "Shipments of rare tungsten ore from the northern mines doubled in \
        October after the new rail line to the coast opened ahead of schedule.";

    /// A phrase in more than `full_df_cap` documents makes no candidate on
    /// its own; a document that also shares something rarer stays one.
    #[test]
    fn frequent_ngrams_alone_make_no_candidate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("idx");
        let c = Collection::open_or_create(&path).expect("collection");
        let mut records: Vec<serde_json::Value> = (0..5)
            .map(|k| serde_json::json!({"id": format!("w{k}"), "text": format!("Report {k}. {WIRE}")}))
            .collect();
        records.push(serde_json::json!({"id": "x", "text": format!("{RARE} {WIRE}")}));
        c.add_records(records, &AddOptions::default()).expect("add");
        drop(c);
        let text = format!("A new opening line here. {RARE} Then the rate news. {WIRE}");
        let q = plain_query(&text);
        let all = Collection::open(&path)
            .expect("open")
            .engine()
            .trace(&q)
            .expect("trace");
        assert_eq!(
            all.candidates, 6,
            "every holder of the phrase is a candidate"
        );
        let config = TraceConfig {
            full_df_cap: 3,
            ..TraceConfig::default()
        };
        let capped = Collection::open_with(&path, config)
            .expect("open")
            .engine()
            .trace(&q)
            .expect("trace");
        assert_eq!(capped.candidates, 1, "only the holder of the rare passage");
        assert!(!capped.passages.is_empty());
        assert!(capped.passages.iter().all(|p| p.source_id == "x"));
    }
}
