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

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use tessera_align::{AlignConfig, EditKind, Passage, Side, align};
use tessera_index::{Analyzer, DocAddr, DocMeta, Index, IndexSettings};
use tessera_text::{Tokens, leading_opening_punct, trailing_closing_punct};

use crate::candidates::{Ranking, distinct_ngrams};
use crate::error::{Error, Result};
use crate::report::*;
use crate::weights::Weights;

/// Tuning of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceConfig {
    /// The aligner's settings.
    pub align: AlignConfig,
    /// Candidate sources aligned per article.
    pub max_candidates: usize,
    /// Least number of distinct n-grams a candidate must share.
    pub min_shared_ngrams: u32,
    /// N-grams found in more than this share of documents are ignored.
    pub max_df_ratio: f64,
    /// ... but never when found in at most this many documents.
    pub min_df_cap: u32,
    /// When not 0, a candidate needs `min_shared_ngrams` hits within some
    /// window of this many query tokens (not just in all).
    pub hit_window: u32,
    /// A passage whose query span overlaps a better passage by at least
    /// this share of its length is an alternative of that passage.
    pub alternative_overlap: f64,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            align: AlignConfig::default(),
            max_candidates: 40,
            min_shared_ngrams: 2,
            max_df_ratio: 0.01,
            min_df_cap: 50,
            hit_window: 24,
            alternative_overlap: 0.5,
        }
    }
}

impl TraceConfig {
    /// Sets one parameter by name (`max_candidates`, or any field of
    /// [`AlignConfig`] such as `min_score`), for experiments and tuning.
    pub fn set(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        fn p<T: std::str::FromStr>(key: &str, v: &str) -> std::result::Result<T, String> {
            v.parse().map_err(|_| format!("{key}: cannot use {v:?}"))
        }
        let a = &mut self.align;
        match key {
            "max_candidates" => self.max_candidates = p(key, value)?,
            "min_shared_ngrams" => self.min_shared_ngrams = p(key, value)?,
            "max_df_ratio" => self.max_df_ratio = p(key, value)?,
            "min_df_cap" => self.min_df_cap = p(key, value)?,
            "alternative_overlap" => self.alternative_overlap = p(key, value)?,
            "hit_window" => self.hit_window = p(key, value)?,
            "anchor_min_weight" => a.anchor_min_weight = p(key, value)?,
            "anchor_max_occurrences" => a.anchor_max_occurrences = p(key, value)?,
            "max_gap" => a.max_gap = p(key, value)?,
            "chain_skew_cost" => a.chain_skew_cost = p(key, value)?,
            "chain_gap_cost" => a.chain_gap_cost = p(key, value)?,
            "min_chain_weight" => a.min_chain_weight = p(key, value)?,
            "sub_cost" => a.sub_cost = p(key, value)?,
            "gap_open" => a.gap_open = p(key, value)?,
            "gap_extend" => a.gap_extend = p(key, value)?,
            "fuzzy_min_len" => a.fuzzy_min_len = p(key, value)?,
            "fuzzy_min_similarity" => a.fuzzy_min_similarity = p(key, value)?,
            "fuzzy_factor" => a.fuzzy_factor = p(key, value)?,
            "max_extension" => a.max_extension = p(key, value)?,
            "boundary_bonus" => a.boundary_bonus = p(key, value)?,
            "merge_gap" => a.merge_gap = p(key, value)?,
            "snap_tokens" => a.snap_tokens = p(key, value)?,
            "min_passage_weight" => a.min_passage_weight = p(key, value)?,
            "min_passage_tokens" => a.min_passage_tokens = p(key, value)?,
            "min_score" => a.min_score = p(key, value)?,
            "number_sub_penalty" => a.number_sub_penalty = p(key, value)?,
            "min_skeleton" => a.min_skeleton = p(key, value)?,
            "skeleton_exempt_score" => a.skeleton_exempt_score = p(key, value)?,
            "min_exact_trigrams" => a.min_exact_trigrams = p(key, value)?,
            "template_min_figures" => a.template_min_figures = p(key, value)?,
            "template_mismatch_share" => a.template_mismatch_share = p(key, value)?,
            _ => return Err(format!("unknown parameter {key:?}")),
        }
        Ok(())
    }
}

/// An article to trace.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// Its id, reported as `query_id`.
    pub id: &'a str,
    /// Its headline, if known.
    pub title: Option<&'a str>,
    /// Its text.
    pub text: &'a str,
    /// An indexed document never to report as a source (the article
    /// itself, when it is indexed).
    pub exclude: Option<DocAddr>,
}

/// A text with its tokens and token weights (owned, or borrowed from an
/// [`Analysed`] document).
pub(crate) struct Prepared<'t> {
    pub(crate) text: &'t str,
    pub(crate) tokens: Cow<'t, Tokens>,
    pub(crate) weights: Cow<'t, [f32]>,
    /// The tokens sorted by hash, when kept (see [`Analysed`]).
    pub(crate) by_hash: Option<&'t [u32]>,
}

impl Prepared<'_> {
    fn side(&self) -> Side<'_> {
        let side = Side::new(&self.tokens, &self.weights);
        match self.by_hash {
            Some(v) => side.with_by_hash(v),
            None => side,
        }
    }
}

/// A document's text with its tokens and weights, owned: the scan shares
/// one between the articles of a chunk that align with it.
#[derive(Debug)]
pub(crate) struct Analysed {
    pub(crate) text: String,
    pub(crate) tokens: Tokens,
    pub(crate) weights: Vec<f32>,
    /// The token positions in hash order: sorted once, merged with every
    /// text the document is aligned with.
    pub(crate) by_hash: Vec<u32>,
}

impl Analysed {
    /// The document as the aligner and the report see it.
    pub(crate) fn view(&self) -> Prepared<'_> {
        Prepared {
            text: &self.text,
            tokens: Cow::Borrowed(&self.tokens),
            weights: Cow::Borrowed(&self.weights),
            by_hash: Some(&self.by_hash),
        }
    }
}

/// A passage found against one candidate.
struct Found {
    cand: usize,
    passage: Passage,
    q_chars: (u64, u64),
    s_chars: (u64, u64),
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
            exclude: Some(addr),
        })
    }

    pub(crate) fn prepare<'t>(&self, text: &'t str) -> Prepared<'t> {
        prepare(self.index.analyzer(), &self.weights, text)
    }

    /// Tokenizes and weighs a text, keeping it.
    pub(crate) fn analyse(&self, text: String) -> Analysed {
        let tokens = self.index.analyzer().tokenize(&text);
        let weights = self.weights.of(&tokens);
        let by_hash = tessera_align::by_hash(&tokens);
        Analysed {
            text,
            tokens,
            weights,
            by_hash,
        }
    }

    /// Candidate sources of a tokenized article, best first.
    fn candidates(&self, q: &Prepared<'_>, keep: &dyn Fn(DocAddr) -> bool) -> Result<Vec<DocAddr>> {
        let grams = distinct_ngrams(self.index.analyzer().fingerprinter(), &q.tokens);
        let n = self.index.num_docs().max(1) as f64;
        let cap = ((n * self.config.max_df_ratio) as u32).max(self.config.min_df_cap);
        // (document, query position of the shared n-gram, its weight), in
        // n-gram order.
        let mut hits: Vec<(DocAddr, u32, f64)> = Vec::new();
        let mut postings = Vec::new();
        for (h, pos) in grams {
            postings.clear();
            let df = self.index.postings_capped(h, cap, &mut postings)?;
            if df == 0 || df > cap {
                continue;
            }
            let w = (1.0 + n / f64::from(df)).ln();
            hits.extend(postings.iter().filter(|&&a| keep(a)).map(|&a| (a, pos, w)));
        }
        // A stable sort: each document's weights are summed in n-gram order.
        hits.sort_by_key(|h| h.0);
        let ranking = Ranking {
            min_shared: self.config.min_shared_ngrams,
            window: self.config.hit_window,
            max: self.config.max_candidates,
        };
        Ok(ranking.rank(&hits).into_iter().map(|(a, _)| a).collect())
    }

    /// Traces one article.
    pub fn trace(&self, query: &Query<'_>) -> Result<TraceReport> {
        let q = self.prepare(query.text);
        let cands = self.candidates(&q, &|a| Some(a) != query.exclude)?;
        self.trace_prepared(query, &q, cands)
    }

    /// Aligns a tokenized article with the given sources.
    pub(crate) fn trace_prepared(
        &self,
        query: &Query<'_>,
        q: &Prepared<'_>,
        cands: Vec<DocAddr>,
    ) -> Result<TraceReport> {
        let loaded: Vec<Result<(DocAddr, DocMeta, String)>> = cands
            .par_iter()
            .map(|&a| Ok((a, self.index.meta(a)?, self.index.text(a)?)))
            .collect();
        let loaded: Vec<(DocAddr, DocMeta, String)> = loaded.into_iter().collect::<Result<_>>()?;
        let found: Vec<(Vec<Passage>, Prepared<'_>)> = loaded
            .par_iter()
            .map(|(_, _, text)| {
                let s = self.prepare(text);
                let passages = align(q.side(), s.side(), &self.config.align);
                (passages, s)
            })
            .collect();
        let (lists, sources): (Vec<Vec<Passage>>, Vec<Prepared<'_>>) = found.into_iter().unzip();
        let metas: Vec<(DocAddr, &DocMeta)> = loaded.iter().map(|(a, m, _)| (*a, m)).collect();
        Ok(self.report(query, q, &metas, lists, &sources, loaded.len()))
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
        let mut cover = vec![0u8; q.tokens.len()];
        let mut metas: Vec<(DocAddr, DocMeta)> = Vec::new();
        let mut held: Vec<Arc<Analysed>> = Vec::new();
        let mut lists: Vec<Vec<Passage>> = Vec::new();
        let mut aligned = 0;
        for (a, hits) in cands {
            let covered = |&h: &u32| cover.get(h as usize).is_none_or(|&c| c >= max_cover);
            if !hits.is_empty() && hits.iter().all(covered) {
                continue;
            }
            let s = source(*a)?;
            let passages = align(q.side(), s.view().side(), &self.config.align);
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
            held.push(s);
            lists.push(passages);
            metas.push((*a, self.index.meta(*a)?));
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
        let sources_meta: Vec<(&DocMeta, Option<i64>)> = metas
            .iter()
            .map(|&(a, m)| (m, self.index.timestamp(a)))
            .collect();
        build_report(
            query,
            q,
            &all,
            sources,
            &sources_meta,
            &self.config,
            candidates,
        )
    }
}

fn prepare<'t>(analyzer: &Analyzer, weights: &Weights, text: &'t str) -> Prepared<'t> {
    let tokens = analyzer.tokenize(text);
    let weights = weights.of(&tokens);
    Prepared {
        text,
        tokens: Cow::Owned(tokens),
        weights: Cow::Owned(weights),
        by_hash: None,
    }
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

fn bracket_pair(c: char) -> Option<(char, char)> {
    match c {
        '(' | ')' => Some(('(', ')')),
        '[' | ']' => Some(('[', ']')),
        '<' | '>' => Some(('<', '>')),
        _ => None,
    }
}

/// Code-point span of tokens `start..end` of one side of a passage.
///
/// Opening quotes and brackets before the first token are included when
/// the passage starts a sentence (`lead`) or when the bracket closes inside
/// the span; closing ones after the last token when the passage ends a
/// sentence (`trail`, which also takes the sentence's final punctuation) or
/// when the bracket opened inside the span.
fn side_span(text: &str, t: &Tokens, start: u32, end: u32, lead: bool, trail: bool) -> (u64, u64) {
    let first = t.tokens[start as usize];
    let last = t.tokens[end as usize - 1];
    let inner = &text[first.byte_start as usize..last.byte_end as usize];
    let mut a = u64::from(first.start);
    if lead {
        a -= u64::from(leading_opening_punct(text, first.byte_start as usize).0);
    } else if let Some(c) = text[..first.byte_start as usize].chars().next_back()
        && bracket_pair(c).is_some_and(|(o, cl)| c == o && inner.contains(cl))
    {
        a -= 1;
    }
    let mut b = u64::from(last.end);
    if trail {
        b += u64::from(trailing_closing_punct(text, last.byte_end as usize).0);
    } else if let Some(c) = text[last.byte_end as usize..].chars().next()
        && bracket_pair(c).is_some_and(|(o, cl)| c == cl && inner.contains(o))
    {
        b += 1;
    }
    (a, b)
}

/// Code-point spans of a passage in the query and the source. The source
/// keeps the punctuation of the sentences it starts or ends; the query
/// only where the source does too (a copier who cut a sentence short
/// often closes it with a full stop of their own).
fn char_spans(q: &Prepared<'_>, s: &Prepared<'_>, p: &Passage) -> ((u64, u64), (u64, u64)) {
    let (qf, ql) = (
        q.tokens.tokens[p.q.start as usize],
        q.tokens.tokens[p.q.end as usize - 1],
    );
    let (sf, sl) = (
        s.tokens.tokens[p.s.start as usize],
        s.tokens.tokens[p.s.end as usize - 1],
    );
    let s_lead = sf.is_sentence_start();
    let s_trail = sl.is_sentence_end();
    (
        side_span(
            q.text,
            &q.tokens,
            p.q.start,
            p.q.end,
            qf.is_sentence_start() && s_lead,
            ql.is_sentence_end() && s_trail,
        ),
        side_span(s.text, &s.tokens, p.s.start, p.s.end, s_lead, s_trail),
    )
}

fn token_text<'a>(p: &Prepared<'a>, r: &std::ops::Range<u32>) -> &'a str {
    if r.is_empty() {
        return "";
    }
    let a = p.tokens.tokens[r.start as usize].byte_start as usize;
    let b = p.tokens.tokens[r.end as usize - 1].byte_end as usize;
    &p.text[a..b]
}

/// Code-point offset where token `i` starts, or where the text's tokens
/// end when `i` is past the last.
fn token_offset(t: &Tokens, i: u32) -> u64 {
    match t.tokens.get(i as usize) {
        Some(tok) => u64::from(tok.start),
        None => t.tokens.last().map_or(0, |tok| u64::from(tok.end)),
    }
}

fn edits(q: &Prepared<'_>, s: &Prepared<'_>, p: &Passage) -> Vec<Edit> {
    p.edits()
        .into_iter()
        .map(|e| {
            let query = token_text(q, &e.q_tokens).to_string();
            let source = token_text(s, &e.s_tokens).to_string();
            Edit {
                op: match e.kind {
                    EditKind::Sub => EditOp::Sub,
                    EditKind::Ins => EditOp::Ins,
                    EditKind::Del => EditOp::Del,
                },
                query_offset: token_offset(&q.tokens, e.q_tokens.start),
                source_offset: token_offset(&s.tokens, e.s_tokens.start),
                query_length: query.chars().count() as u64,
                source_length: source.chars().count() as u64,
                query,
                source,
            }
        })
        .collect()
}

fn overlap(a: (u64, u64), b: (u64, u64)) -> u64 {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn build_report(
    query: &Query<'_>,
    q: &Prepared<'_>,
    all: &[Found],
    sources: &[Prepared<'_>],
    meta: &[(&DocMeta, Option<i64>)],
    cfg: &TraceConfig,
    candidates: usize,
) -> TraceReport {
    // Rank passages by evidence; ties go to the earlier-dated source.
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (&all[a], &all[b]);
        fb.passage
            .matched_weight
            .total_cmp(&fa.passage.matched_weight)
            .then(fb.passage.score.total_cmp(&fa.passage.score))
            .then(
                meta[fa.cand]
                    .1
                    .unwrap_or(i64::MAX)
                    .cmp(&meta[fb.cand].1.unwrap_or(i64::MAX)),
            )
            .then(fa.cand.cmp(&fb.cand))
            .then(fa.q_chars.cmp(&fb.q_chars))
    });
    let mut primaries: Vec<(usize, Vec<usize>)> = Vec::new();
    for k in order {
        let f = &all[k];
        let len = (f.q_chars.1 - f.q_chars.0).max(1);
        let best = primaries
            .iter_mut()
            .map(|p| (overlap(all[p.0].q_chars, f.q_chars), p))
            .max_by_key(|(o, _)| *o);
        match best {
            Some((o, p)) if o as f64 >= cfg.alternative_overlap * len as f64 => {
                if all[p.0].cand != f.cand {
                    p.1.push(k);
                }
            }
            _ => primaries.push((k, Vec::new())),
        }
    }
    primaries.sort_by_key(|p| all[p.0].q_chars);

    let score = |f: &Found| round4(f64::from(f.passage.score));
    let mut passages = Vec::with_capacity(primaries.len());
    let mut subs: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (k, alts) in &primaries {
        let f = &all[*k];
        let (m, _) = meta[f.cand];
        let s = &sources[f.cand];
        let edits = edits(q, s, &f.passage);
        for e in &edits {
            if e.op == EditOp::Sub {
                *subs
                    .entry((collapse_ws(&e.source), collapse_ws(&e.query)))
                    .or_default() += 1;
            }
        }
        let earliest = std::iter::once(*k)
            .chain(alts.iter().copied())
            .filter(|&x| meta[all[x].cand].1.is_some())
            .min_by_key(|&x| meta[all[x].cand].1)
            .map(|x| Earliest {
                source_id: meta[all[x].cand].0.id.clone(),
                title: meta[all[x].cand].0.title.clone(),
                outlet: meta[all[x].cand].0.outlet.clone(),
                date: meta[all[x].cand].0.date.clone(),
                source_offset: all[x].s_chars.0,
                source_length: all[x].s_chars.1 - all[x].s_chars.0,
            });
        let alternatives = alts
            .iter()
            .map(|&x| {
                let a = &all[x];
                let am = meta[a.cand].0;
                Alternative {
                    source_id: am.id.clone(),
                    source_title: am.title.clone(),
                    source_outlet: am.outlet.clone(),
                    source_date: am.date.clone(),
                    query_offset: a.q_chars.0,
                    query_length: a.q_chars.1 - a.q_chars.0,
                    source_offset: a.s_chars.0,
                    source_length: a.s_chars.1 - a.s_chars.0,
                    score: score(a),
                }
            })
            .collect();
        passages.push(Detection {
            query_id: query.id.to_string(),
            query_offset: f.q_chars.0,
            query_length: f.q_chars.1 - f.q_chars.0,
            source_id: m.id.clone(),
            source_offset: f.s_chars.0,
            source_length: f.s_chars.1 - f.s_chars.0,
            score: score(f),
            matched_words: f.passage.matched_tokens,
            evidence: round4(f64::from(f.passage.matched_weight)),
            source_title: m.title.clone(),
            source_outlet: m.outlet.clone(),
            source_date: m.date.clone(),
            reordered: f.passage.reordered,
            edits,
            earliest,
            alternatives,
        });
    }

    // Coverage: the union of the detections' query spans.
    let total = u64::from(q.tokens.char_len);
    let mut spans: Vec<(u64, u64)> = passages
        .iter()
        .map(|d| (d.query_offset, d.query_offset + d.query_length))
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.0 <= last.1 => last.1 = last.1.max(s.1),
            _ => merged.push(s),
        }
    }
    let covered: u64 = merged.iter().map(|s| s.1 - s.0).sum();
    let coverage = if total > 0 {
        covered as f64 / total as f64
    } else {
        0.0
    };
    let original = remainder(q, &merged);

    // Per source id: passages, their query spans, and a candidate index.
    type PerSource = (usize, Vec<(u64, u64)>, usize);
    let mut per_source: BTreeMap<&str, PerSource> = BTreeMap::new();
    for (k, _) in &primaries {
        let f = &all[*k];
        let e = per_source
            .entry(meta[f.cand].0.id.as_str())
            .or_insert((0, Vec::new(), f.cand));
        e.0 += 1;
        e.1.push(f.q_chars);
    }
    let mut sources_out: Vec<SourceSummary> = per_source
        .into_iter()
        .map(|(id, (n, mut spans, cand))| {
            spans.sort_unstable();
            let mut chars = 0;
            let mut end = 0;
            for (a, b) in spans {
                let a = a.max(end);
                if b > a {
                    chars += b - a;
                    end = b;
                }
            }
            let m = meta[cand].0;
            SourceSummary {
                source_id: id.to_string(),
                title: m.title.clone(),
                outlet: m.outlet.clone(),
                date: m.date.clone(),
                passages: n,
                query_chars: chars,
                coverage: if total > 0 {
                    round4(chars as f64 / total as f64)
                } else {
                    0.0
                },
            }
        })
        .collect();
    sources_out.sort_by(|a, b| {
        b.query_chars
            .cmp(&a.query_chars)
            .then(a.source_id.cmp(&b.source_id))
    });

    let mut substitutions: Vec<Substitution> = subs
        .into_iter()
        .map(|((source, query), count)| Substitution {
            source,
            query,
            count,
        })
        .collect();
    substitutions.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.source.cmp(&b.source))
            .then(a.query.cmp(&b.query))
    });

    TraceReport {
        query_id: query.id.to_string(),
        query_title: query.title.map(str::to_string),
        query_length: total,
        coverage: round4(coverage),
        original_share: round4(1.0 - coverage),
        passages,
        sources: sources_out,
        original,
        substitutions,
        candidates,
    }
}

/// The query spans outside `covered` that hold at least one token, trimmed
/// to their first and last token.
fn remainder(q: &Prepared<'_>, covered: &[(u64, u64)]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut cur: Option<(u64, u64)> = None;
    let mut c = covered.iter().peekable();
    for t in &q.tokens.tokens {
        let (a, b) = (u64::from(t.start), u64::from(t.end));
        while c.peek().is_some_and(|s| s.1 <= a) {
            c.next();
        }
        let inside = c.peek().is_some_and(|s| s.0 < b && a < s.1);
        if inside {
            if let Some((x, y)) = cur.take() {
                out.push(Span {
                    offset: x,
                    length: y - x,
                });
            }
        } else {
            cur = Some(match cur {
                Some((x, _)) => (x, b),
                None => (a, b),
            });
        }
    }
    if let Some((x, y)) = cur {
        out.push(Span {
            offset: x,
            length: y - x,
        });
    }
    out
}
