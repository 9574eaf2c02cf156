//! Provenance and the report: from every passage found against every
//! candidate to the detections of an article, their alternatives and
//! earliest sources, coverage, the original remainder, the coverage per
//! source and the substitutions counted over the article.

use std::collections::BTreeMap;

use tessera_align::Passage;
use tessera_index::DocMeta;
use tessera_text::collapse_whitespace;

use crate::config::TraceConfig;
use crate::engine::Query;
use crate::prepared::Prepared;
use crate::report::spans::edits;
use crate::report::{
    Alternative, Detection, Earliest, EditOp, SourceSummary, Span, Substitution, TraceReport,
    round4,
};

/// A passage found against one candidate, with its code-point spans.
pub(crate) struct Found {
    /// Position of the candidate among the sources.
    pub(crate) cand: usize,
    pub(crate) passage: Passage,
    pub(crate) q_chars: (u64, u64),
    pub(crate) s_chars: (u64, u64),
}

/// Metadata and timestamp of each candidate source, by position.
type Meta<'m> = [(&'m DocMeta, Option<i64>)];

/// A detection (an index into the passages) and its alternatives.
type Ranked = (usize, Vec<usize>);

/// Substitution counts keyed by (source words, query words).
type SubCounts = BTreeMap<(String, String), u32>;

fn overlap(a: (u64, u64), b: (u64, u64)) -> u64 {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

/// Builds the report of `query` from the passages `all` found against
/// `sources` (with their metadata `meta`), out of `candidates` aligned.
pub(crate) fn build_report(
    query: &Query<'_>,
    q: &Prepared<'_>,
    all: &[Found],
    sources: &[Prepared<'_>],
    meta: &Meta<'_>,
    cfg: &TraceConfig,
    candidates: usize,
) -> TraceReport {
    // Passages of sources dated after the query are later copies, kept
    // apart from the provenance.
    let after = query.timestamp();
    let (later, current): (Vec<usize>, Vec<usize>) = (0..all.len())
        .partition(|&k| matches!((after, meta[all[k].cand].1), (Some(q), Some(t)) if t > q));
    let primaries = rank(all, &current, meta, cfg);
    let found = Passages {
        query,
        q,
        all,
        sources,
        meta,
    };
    let mut subs = SubCounts::new();
    let passages: Vec<Detection> = primaries
        .iter()
        .map(|(k, alts)| found.detection(*k, alts, &mut subs))
        .collect();
    let total = u64::from(q.tokens.char_len);
    let merged = covered_spans(&passages);
    let covered: u64 = merged.iter().map(|s| s.1 - s.0).sum();
    let coverage = if total > 0 {
        covered as f64 / total as f64
    } else {
        0.0
    };
    TraceReport {
        query_id: query.id.to_string(),
        query_title: query.title.map(str::to_string),
        query_date: query.date.map(str::to_string),
        query_length: total,
        coverage: round4(coverage),
        original_share: round4(1.0 - coverage),
        passages,
        sources: source_summaries(all, meta, &primaries, total),
        later_copies: source_summaries(all, meta, &unranked(&later), total),
        original: remainder(q, &merged),
        substitutions: substitutions(subs),
        candidates,
    }
}

/// Ranks the passages `among` (indices into `all`) by evidence (ties: the
/// earlier-dated source) and keeps each one whose query span does not lie
/// mostly inside a better one; the others become alternatives of the
/// better one they overlap most. In query order.
fn rank(all: &[Found], among: &[usize], meta: &Meta<'_>, cfg: &TraceConfig) -> Vec<Ranked> {
    let mut order: Vec<usize> = among.to_vec();
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
    let mut primaries: Vec<Ranked> = Vec::new();
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
    primaries
}

/// Every passage of `among` on its own: each later copy is listed with all
/// it shares with the query, whether or not another covers the same span.
fn unranked(among: &[usize]) -> Vec<Ranked> {
    among.iter().map(|&k| (k, Vec::new())).collect()
}

fn score(f: &Found) -> f64 {
    round4(f64::from(f.passage.score))
}

/// The passages found for one query, with what the report needs of the
/// query and of the sources.
struct Passages<'a> {
    query: &'a Query<'a>,
    q: &'a Prepared<'a>,
    all: &'a [Found],
    sources: &'a [Prepared<'a>],
    meta: &'a Meta<'a>,
}

impl Passages<'_> {
    /// The detection of passage `k` with its alternatives `alts`; counts
    /// its substitutions into `subs`.
    fn detection(&self, k: usize, alts: &[usize], subs: &mut SubCounts) -> Detection {
        let (all, meta) = (self.all, self.meta);
        let f = &all[k];
        let (m, _) = meta[f.cand];
        let edits = edits(self.q, &self.sources[f.cand], &f.passage);
        for e in &edits {
            if e.op == EditOp::Sub {
                *subs
                    .entry((
                        collapse_whitespace(&e.source),
                        collapse_whitespace(&e.query),
                    ))
                    .or_default() += 1;
            }
        }
        Detection {
            query_id: self.query.id.to_string(),
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
            earliest: earliest(all, meta, k, alts),
            alternatives: alts.iter().map(|&x| alternative(&all[x], meta)).collect(),
        }
    }
}

/// The earliest-dated source among passage `k` and its alternatives, with
/// the share of the passage it covers.
fn earliest(all: &[Found], meta: &Meta<'_>, k: usize, alts: &[usize]) -> Option<Earliest> {
    let passage = all[k].q_chars;
    std::iter::once(k)
        .chain(alts.iter().copied())
        .filter(|&x| meta[all[x].cand].1.is_some())
        .min_by_key(|&x| meta[all[x].cand].1)
        .map(|x| {
            let m = meta[all[x].cand].0;
            let f = &all[x];
            let len = (passage.1 - passage.0).max(1);
            Earliest {
                source_id: m.id.clone(),
                title: m.title.clone(),
                outlet: m.outlet.clone(),
                date: m.date.clone(),
                source_offset: f.s_chars.0,
                source_length: f.s_chars.1 - f.s_chars.0,
                query_offset: f.q_chars.0,
                query_length: f.q_chars.1 - f.q_chars.0,
                passage_share: round4(overlap(passage, f.q_chars) as f64 / len as f64),
            }
        })
}

fn alternative(a: &Found, meta: &Meta<'_>) -> Alternative {
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
}

/// The union of the detections' query spans, sorted and merged.
fn covered_spans(passages: &[Detection]) -> Vec<(u64, u64)> {
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
    merged
}

/// Passages and covered query characters per source id, largest first.
fn source_summaries(
    all: &[Found],
    meta: &Meta<'_>,
    primaries: &[Ranked],
    total: u64,
) -> Vec<SourceSummary> {
    // Per source id: passages, their query spans, and a candidate index.
    type PerSource = (usize, Vec<(u64, u64)>, usize);
    let mut per_source: BTreeMap<&str, PerSource> = BTreeMap::new();
    for (k, _) in primaries {
        let f = &all[*k];
        let e = per_source
            .entry(meta[f.cand].0.id.as_str())
            .or_insert((0, Vec::new(), f.cand));
        e.0 += 1;
        e.1.push(f.q_chars);
    }
    let mut out: Vec<SourceSummary> = per_source
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
    out.sort_by(|a, b| {
        b.query_chars
            .cmp(&a.query_chars)
            .then(a.source_id.cmp(&b.source_id))
    });
    out
}

/// Substitutions, most frequent first.
fn substitutions(subs: SubCounts) -> Vec<Substitution> {
    let mut out: Vec<Substitution> = subs
        .into_iter()
        .map(|((source, query), count)| Substitution {
            source,
            query,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.source.cmp(&b.source))
            .then(a.query.cmp(&b.query))
    });
    out
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
