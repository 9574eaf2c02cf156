//! The measures themselves: character level (macro and micro precision,
//! recall, granularity, plagdet), case and document level, the breakdown per
//! obfuscation type, negatives and source attribution.
//!
//! The definitions and the edge-case conventions are those stated in the
//! documentation of the parent module [`crate::eval`] (Potthast et al. 2010;
//! PAN 2014 overview for the case and document levels).
//!
//! Implementation: cases and detections are matched per `(query, source)`
//! pair; every covered-character count is the total length of a sorted,
//! merged list of half-open intervals keyed by document, so the cost depends
//! on the number of spans, not on the number of characters.

use std::collections::{BTreeMap, BTreeSet};

use crate::eval::{Case, Det, Evaluation, Gold, Measures, Negatives, PrecRec, Span};

/// Threshold τ1 = τ2 of the case and document levels (PAN 2014).
const TAU: f64 = 0.5;

/// A half-open interval `[start, end)`.
type Interval = (u64, u64);

/// The document a character reference points into. Source characters carry
/// their query so that two queries reusing one source passage stay apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Doc<'a> {
    Query(&'a str),
    Source { query: &'a str, source: &'a str },
}

/// A run of character references.
type Piece<'a> = (Doc<'a>, Interval);

/// What cases and detections have in common for the character measures.
#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    query_id: &'a str,
    source_id: &'a str,
    query: Interval,
    source: Interval,
}

impl<'a> Item<'a> {
    fn new(query_id: &'a str, source_id: &'a str, query: Span, source: Span) -> Self {
        Self {
            query_id,
            source_id,
            query: (query.offset, query.end()),
            source: (source.offset, source.end()),
        }
    }

    fn of_case(c: &'a Case) -> Self {
        Self::new(&c.query_id, &c.source_id, c.query, c.source)
    }

    fn of_det(d: &'a Det) -> Self {
        Self::new(&d.query_id, &d.source_id, d.query, d.source)
    }

    /// The `(query, source)` document pair.
    fn pair(&self) -> (&'a str, &'a str) {
        (self.query_id, self.source_id)
    }

    /// `|x|`: query-span length plus source-span length.
    fn size(&self) -> u64 {
        len(self.query).saturating_add(len(self.source))
    }

    fn pieces(&self) -> [Piece<'a>; 2] {
        [
            (Doc::Query(self.query_id), self.query),
            (
                Doc::Source {
                    query: self.query_id,
                    source: self.source_id,
                },
                self.source,
            ),
        ]
    }
}

fn len((start, end): Interval) -> u64 {
    end.saturating_sub(start)
}

fn intersect(a: Interval, b: Interval) -> Option<Interval> {
    let start = a.0.max(b.0);
    let end = a.1.min(b.1);
    (start < end).then_some((start, end))
}

/// `s ⊓ r` when `r` detects `s` (same query, same source, both spans overlap), else `None`.
fn meet<'a>(s: &Item<'a>, r: &Item<'a>) -> Option<[Piece<'a>; 2]> {
    if s.query_id != r.query_id || s.source_id != r.source_id {
        return None;
    }
    let q = intersect(s.query, r.query)?;
    let src = intersect(s.source, r.source)?;
    let [(dq, _), (ds, _)] = s.pieces();
    Some([(dq, q), (ds, src)])
}

/// Number of distinct character references covered by `pieces` (sorts and
/// merges them in place).
fn covered(pieces: &mut [Piece<'_>]) -> u64 {
    pieces.sort_unstable();
    let mut total: u64 = 0;
    let mut current: Option<Piece<'_>> = None;
    for &(doc, (start, end)) in pieces.iter() {
        if start >= end {
            continue;
        }
        current = match current {
            Some((cdoc, (cstart, cend))) if cdoc == doc && start <= cend => {
                Some((cdoc, (cstart, cend.max(end))))
            }
            Some((_, run)) => {
                total = total.saturating_add(len(run));
                Some((doc, (start, end)))
            }
            None => Some((doc, (start, end))),
        };
    }
    if let Some((_, run)) = current {
        total = total.saturating_add(len(run));
    }
    total
}

/// `num / den` as a share, 0 when `den` is 0 (an empty item scores nothing).
fn share(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Precision from per-detection scores, with the empty-set convention.
fn precision_of(hits: f64, detections: usize, cases: usize) -> f64 {
    match (detections, cases) {
        (0, 0) => 1.0,
        (0, _) => 0.0,
        (n, _) => hits / n as f64,
    }
}

/// Recall from per-case scores, with the empty-set convention.
fn recall_of(hits: f64, cases: usize) -> f64 {
    if cases == 0 { 1.0 } else { hits / cases as f64 }
}

/// `F1 / log2(1 + granularity)`.
fn plagdet(precision: f64, recall: f64, granularity: f64) -> f64 {
    if precision + recall <= 0.0 {
        return 0.0;
    }
    let f1 = 2.0 * precision * recall / (precision + recall);
    f1 / (1.0 + granularity).log2()
}

/// Which detections detect which cases, and the character scores that follow.
#[derive(Debug)]
struct Scores {
    /// For each case, the detections detecting it (ascending indices).
    detectors: Vec<Vec<usize>>,
    /// For each detection, the cases it detects (ascending indices).
    detected: Vec<Vec<usize>>,
    /// `rec(s)` for each case.
    recall: Vec<f64>,
    /// `prec(r)` for each detection.
    precision: Vec<f64>,
}

fn score(cases: &[Item<'_>], dets: &[Item<'_>]) -> Scores {
    // Detections grouped by (query, source) and sorted by query start, so the
    // candidates for a case are a prefix found by binary search.
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in dets.iter().enumerate() {
        groups.entry((r.query_id, r.source_id)).or_default().push(i);
    }
    for group in groups.values_mut() {
        group.sort_by_key(|&i| (dets[i].query, i));
    }
    let mut detectors = vec![Vec::new(); cases.len()];
    let mut detected = vec![Vec::new(); dets.len()];
    for (si, s) in cases.iter().enumerate() {
        let Some(group) = groups.get(&(s.query_id, s.source_id)) else {
            continue;
        };
        let before_end = group.partition_point(|&i| dets[i].query.0 < s.query.1);
        for &ri in &group[..before_end] {
            if meet(s, &dets[ri]).is_some() {
                detectors[si].push(ri);
            }
        }
        detectors[si].sort_unstable();
        for &ri in &detectors[si] {
            detected[ri].push(si);
        }
    }
    // `detected` lists were filled in ascending case order already.
    let recall = cases
        .iter()
        .zip(&detectors)
        .map(|(s, rs)| {
            let mut pieces: Vec<Piece<'_>> = rs
                .iter()
                .filter_map(|&ri| meet(s, &dets[ri]))
                .flatten()
                .collect();
            share(covered(&mut pieces), s.size())
        })
        .collect();
    let precision = dets
        .iter()
        .zip(&detected)
        .map(|(r, ss)| {
            let mut pieces: Vec<Piece<'_>> = ss
                .iter()
                .filter_map(|&si| meet(&cases[si], r))
                .flatten()
                .collect();
            share(covered(&mut pieces), r.size())
        })
        .collect();
    Scores {
        detectors,
        detected,
        recall,
        precision,
    }
}

/// Granularity and the number of detected cases.
fn granularity(scores: &Scores) -> (f64, usize) {
    let counts: Vec<usize> = scores
        .detectors
        .iter()
        .map(Vec::len)
        .filter(|&n| n > 0)
        .collect();
    if counts.is_empty() {
        (1.0, 0)
    } else {
        let total: usize = counts.iter().sum();
        (total as f64 / counts.len() as f64, counts.len())
    }
}

fn macro_measures(scores: &Scores) -> Measures {
    let (cases, detections) = (scores.recall.len(), scores.precision.len());
    let precision = precision_of(scores.precision.iter().sum(), detections, cases);
    let recall = recall_of(scores.recall.iter().sum(), cases);
    let (granularity, detected_cases) = granularity(scores);
    Measures {
        precision,
        recall,
        granularity,
        plagdet: plagdet(precision, recall, granularity),
        cases,
        detections,
        detected_cases,
    }
}

fn micro_measures(cases: &[Item<'_>], dets: &[Item<'_>], scores: &Scores) -> Measures {
    let mut hits: Vec<Piece<'_>> = scores
        .detectors
        .iter()
        .enumerate()
        .flat_map(|(si, rs)| rs.iter().filter_map(move |&ri| meet(&cases[si], &dets[ri])))
        .flatten()
        .collect();
    let hit = covered(&mut hits);
    let mut case_chars: Vec<Piece<'_>> = cases.iter().flat_map(Item::pieces).collect();
    let mut det_chars: Vec<Piece<'_>> = dets.iter().flat_map(Item::pieces).collect();
    let (case_total, det_total) = (covered(&mut case_chars), covered(&mut det_chars));
    let recall = if cases.is_empty() {
        1.0
    } else {
        share(hit, case_total)
    };
    let precision = match (dets.is_empty(), cases.is_empty()) {
        (true, true) => 1.0,
        (true, false) => 0.0,
        (false, _) => share(hit, det_total),
    };
    let (granularity, detected_cases) = granularity(scores);
    Measures {
        precision,
        recall,
        granularity,
        plagdet: plagdet(precision, recall, granularity),
        cases: cases.len(),
        detections: dets.len(),
        detected_cases,
    }
}

/// `hit / total` with the precision convention (`total` detections, `cases` cases).
fn count_precision(hit: usize, total: usize, cases: usize) -> f64 {
    precision_of(hit as f64, total, cases)
}

/// Case- and document-level precision and recall.
fn case_and_document<'a>(
    cases: &[Item<'a>],
    dets: &[Item<'a>],
    scores: &Scores,
) -> (PrecRec, PrecRec) {
    let case_ok: Vec<bool> = (0..cases.len())
        .map(|si| {
            scores.recall[si] > TAU
                && scores.detectors[si]
                    .iter()
                    .any(|&ri| scores.precision[ri] > TAU)
        })
        .collect();
    let det_ok: Vec<bool> = (0..dets.len())
        .map(|ri| {
            scores.precision[ri] > TAU
                && scores.detected[ri]
                    .iter()
                    .any(|&si| scores.recall[si] > TAU)
        })
        .collect();
    let count = |flags: &[bool]| flags.iter().filter(|&&ok| ok).count();
    let case_level = PrecRec {
        precision: count_precision(count(&det_ok), dets.len(), cases.len()),
        recall: recall_of(count(&case_ok) as f64, cases.len()),
    };

    let s_doc: BTreeSet<(&'a str, &'a str)> = cases.iter().map(Item::pair).collect();
    let r_doc: BTreeSet<(&'a str, &'a str)> = dets.iter().map(Item::pair).collect();
    let s_doc_ok: BTreeSet<(&'a str, &'a str)> = cases
        .iter()
        .zip(&case_ok)
        .filter(|&(_, &ok)| ok)
        .map(|(s, _)| s.pair())
        .collect();
    let r_doc_ok: BTreeSet<(&'a str, &'a str)> = dets
        .iter()
        .zip(&det_ok)
        .filter(|&(_, &ok)| ok)
        .map(|(r, _)| r.pair())
        .collect();
    let document_level = PrecRec {
        precision: count_precision(r_doc_ok.len(), r_doc.len(), s_doc.len()),
        recall: recall_of(s_doc_ok.len() as f64, s_doc.len()),
    };
    (case_level, document_level)
}

/// Share of cases whose best-overlapping detection (longest query-span overlap
/// among the detections of the same query) names the right source; ties count
/// as right if any tied detection is right.
fn source_attribution(cases: &[Item<'_>], dets: &[Item<'_>]) -> f64 {
    if cases.is_empty() {
        return 1.0;
    }
    let mut by_query: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in dets.iter().enumerate() {
        by_query.entry(r.query_id).or_default().push(i);
    }
    for group in by_query.values_mut() {
        group.sort_by_key(|&i| (dets[i].query, i));
    }
    let attributed = cases
        .iter()
        .filter(|s| {
            let Some(group) = by_query.get(s.query_id) else {
                return false;
            };
            let before_end = group.partition_point(|&i| dets[i].query.0 < s.query.1);
            let mut best = 0;
            let mut right = false;
            for &ri in &group[..before_end] {
                let overlap = intersect(s.query, dets[ri].query).map_or(0, len);
                let is_right = dets[ri].source_id == s.source_id;
                if overlap > best {
                    best = overlap;
                    right = is_right;
                } else if overlap == best && overlap > 0 {
                    right |= is_right;
                }
            }
            right
        })
        .count();
    attributed as f64 / cases.len() as f64
}

/// Queries without any case, and those of them that got a detection.
fn negatives(gold: &Gold, dets: &[Item<'_>]) -> Negatives {
    let positive: BTreeSet<&str> = gold.cases.iter().map(|c| c.query_id.as_str()).collect();
    let detected: BTreeSet<&str> = dets.iter().map(|r| r.query_id).collect();
    let negative: BTreeSet<&str> = gold
        .queries
        .iter()
        .map(String::as_str)
        .filter(|q| !positive.contains(q))
        .collect();
    let ids_with_detections: Vec<String> = negative
        .iter()
        .filter(|q| detected.contains(*q))
        .map(|q| (*q).to_owned())
        .collect();
    Negatives {
        queries: negative.len(),
        with_detections: ids_with_detections.len(),
        ids_with_detections,
    }
}

/// Scores `dets` against `gold`; see the module documentation of
/// [`crate::eval`] for every definition and convention.
pub fn evaluate(gold: &Gold, dets: &[Det]) -> Evaluation {
    // A canonical order makes every floating-point sum, hence every figure,
    // independent of the order the inputs came in.
    let mut sorted_cases: Vec<&Case> = gold.cases.iter().collect();
    sorted_cases.sort();
    // Identical cases or detections count once, as in PAN's evaluator
    // (which reads them into sets): a detection reported twice must not
    // raise the granularity.
    sorted_cases.dedup();
    let mut sorted_dets: Vec<&Det> = dets.iter().collect();
    sorted_dets.sort();
    sorted_dets.dedup();
    let cases: Vec<Item<'_>> = sorted_cases.iter().map(|c| Item::of_case(c)).collect();
    let dets: Vec<Item<'_>> = sorted_dets.iter().map(|d| Item::of_det(d)).collect();

    let scores = score(&cases, &dets);
    let macro_ = macro_measures(&scores);
    let micro = micro_measures(&cases, &dets, &scores);
    let (case_level, document_level) = case_and_document(&cases, &dets, &scores);

    let mut by_type: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (si, c) in sorted_cases.iter().enumerate() {
        by_type.entry(c.obfuscation.as_str()).or_default().push(si);
    }
    let by_obfuscation = by_type
        .into_iter()
        .map(|(kind, case_ids)| {
            let detecting: BTreeSet<usize> = case_ids
                .iter()
                .flat_map(|&si| scores.detectors[si].iter().copied())
                .collect();
            let sub_cases: Vec<Item<'_>> = case_ids.iter().map(|&si| cases[si]).collect();
            let sub_dets: Vec<Item<'_>> = detecting.iter().map(|&ri| dets[ri]).collect();
            (
                kind.to_owned(),
                macro_measures(&score(&sub_cases, &sub_dets)),
            )
        })
        .collect();

    Evaluation {
        macro_,
        micro,
        case_level,
        document_level,
        by_obfuscation,
        negatives: negatives(gold, &dets),
        source_attribution: source_attribution(&cases, &dets),
    }
}

#[cfg(test)]
mod tests {
    use super::covered;
    use crate::eval::{Case, Det, Evaluation, Gold, Layout, Span, evaluate};
    use proptest::prelude::*;

    const EPS: f64 = 1e-12;

    fn case(q: &str, src: &str, qs: (u64, u64), ss: (u64, u64), kind: &str) -> Case {
        Case {
            query_id: q.into(),
            source_id: src.into(),
            query: Span::new(qs.0, qs.1),
            source: Span::new(ss.0, ss.1),
            obfuscation: kind.into(),
        }
    }

    fn det(q: &str, src: &str, qs: (u64, u64), ss: (u64, u64)) -> Det {
        Det {
            query_id: q.into(),
            source_id: src.into(),
            query: Span::new(qs.0, qs.1),
            source: Span::new(ss.0, ss.1),
        }
    }

    fn gold(cases: Vec<Case>, extra_queries: &[&str]) -> Gold {
        let mut queries: Vec<String> = cases.iter().map(|c| c.query_id.clone()).collect();
        queries.extend(extra_queries.iter().map(|q| q.to_string()));
        queries.sort();
        queries.dedup();
        Gold {
            cases,
            queries,
            layout: Layout::Jsonl,
            pan_pairs: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < EPS
    }

    #[track_caller]
    fn assert_close(what: &str, got: f64, want: f64) {
        assert!(close(got, want), "{what}: got {got}, want {want}");
    }

    /// Checks macro (p, r, g, plagdet).
    #[track_caller]
    fn assert_macro(e: &Evaluation, p: f64, r: f64, g: f64, pd: f64) {
        assert_close("macro precision", e.macro_.precision, p);
        assert_close("macro recall", e.macro_.recall, r);
        assert_close("granularity", e.macro_.granularity, g);
        assert_close("macro plagdet", e.macro_.plagdet, pd);
    }

    fn f1(p: f64, r: f64) -> f64 {
        2.0 * p * r / (p + r)
    }

    #[test]
    fn interval_union_merges_overlaps_and_keeps_documents_apart() {
        use super::Doc;
        let mut pieces = vec![
            (Doc::Query("a"), (10, 20)),
            (Doc::Query("a"), (0, 5)),
            (Doc::Query("a"), (15, 30)),
            (Doc::Query("a"), (30, 31)),
            (Doc::Query("b"), (0, 5)),
            (
                Doc::Source {
                    query: "a",
                    source: "x",
                },
                (0, 5),
            ),
            (
                Doc::Source {
                    query: "b",
                    source: "x",
                },
                (0, 5),
            ),
            (Doc::Query("a"), (7, 7)),
        ];
        assert_eq!(covered(&mut pieces), 5 + 21 + 5 + 5 + 5);
        assert_eq!(covered(&mut []), 0);
    }

    /// Issue 13: two identical detections counted twice in granularity;
    /// PAN's evaluator reads detections into a set.
    #[test]
    fn identical_detections_count_once() {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        let d = det("q1", "s1", (0, 100), (0, 100));
        let e = evaluate(&g, &[d.clone(), d]);
        assert_macro(&e, 1.0, 1.0, 1.0, 1.0);
        assert_eq!(e.macro_.detections, 1);
    }

    #[test]
    fn perfect_detection_scores_one_everywhere() {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        let e = evaluate(&g, &[det("q1", "s1", (0, 100), (0, 100))]);
        assert_macro(&e, 1.0, 1.0, 1.0, 1.0);
        assert_close("micro plagdet", e.micro.plagdet, 1.0);
        assert_eq!(e.case_level.precision, 1.0);
        assert_eq!(e.case_level.recall, 1.0);
        assert_eq!(e.document_level.precision, 1.0);
        assert_eq!(e.document_level.recall, 1.0);
        assert_eq!(e.source_attribution, 1.0);
        assert_eq!(
            (e.macro_.cases, e.macro_.detections, e.macro_.detected_cases),
            (1, 1, 1)
        );
    }

    #[test]
    fn half_overlap() {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        let e = evaluate(&g, &[det("q1", "s1", (50, 100), (50, 100))]);
        // s ⊓ r = 50 query + 50 source chars; |s| = |r| = 200.
        assert_macro(&e, 0.5, 0.5, 1.0, 0.5);
        assert_close("micro precision", e.micro.precision, 0.5);
        assert_close("micro recall", e.micro.recall, 0.5);
        // Exactly 0.5 is not above the threshold.
        assert_eq!(e.case_level.precision, 0.0);
        assert_eq!(e.case_level.recall, 0.0);
    }

    #[test]
    fn split_detection_has_granularity_two() {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        let dets = [
            det("q1", "s1", (0, 50), (0, 50)),
            det("q1", "s1", (50, 50), (50, 50)),
        ];
        let e = evaluate(&g, &dets);
        assert_macro(&e, 1.0, 1.0, 2.0, 1.0 / 3f64.log2());
        assert_close("micro plagdet", e.micro.plagdet, 1.0 / 3f64.log2());
        assert_eq!(e.macro_.detected_cases, 1);
        // Both halves are precise but neither alone covers more than half:
        // rec(s) is computed over all detections, so the case still counts.
        assert_eq!(e.case_level.recall, 1.0);
        assert_eq!(e.case_level.precision, 1.0);
    }

    #[test]
    fn overlapping_detections_count_shared_characters_once() {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        let dets = [
            det("q1", "s1", (0, 60), (0, 60)),
            det("q1", "s1", (40, 60), (40, 60)),
        ];
        let e = evaluate(&g, &dets);
        // Recall is the union (200 of 200), not the sum (240).
        assert_macro(&e, 1.0, 1.0, 2.0, 1.0 / 3f64.log2());
    }

    #[test]
    fn wrong_source_detects_nothing() {
        let g = gold(
            vec![
                case("q1", "s1", (0, 100), (0, 100), "none"),
                case("q2", "s2", (0, 100), (0, 100), "none"),
            ],
            &[],
        );
        let dets = [
            det("q1", "s1", (0, 100), (0, 100)),
            det("q2", "s9", (0, 100), (0, 100)),
        ];
        let e = evaluate(&g, &dets);
        assert_macro(&e, 0.5, 0.5, 1.0, 0.5);
        assert_eq!(e.macro_.detected_cases, 1);
        assert_eq!(e.source_attribution, 0.5);
        assert_eq!(e.document_level.precision, 0.5);
        assert_eq!(e.document_level.recall, 0.5);
        // The wrong-source detection detects no case, so it belongs to no type.
        assert_eq!(e.by_obfuscation["none"].detections, 1);
        assert_eq!(e.by_obfuscation["none"].precision, 1.0);
    }

    #[test]
    fn a_span_overlapping_on_one_side_only_does_not_detect() {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        let e = evaluate(&g, &[det("q1", "s1", (0, 100), (100, 100))]);
        assert_macro(&e, 0.0, 0.0, 1.0, 0.0);
        assert_eq!(e.micro.precision, 0.0);
        // Source attribution looks at the query side only.
        assert_eq!(e.source_attribution, 1.0);
    }

    #[test]
    fn extra_detection_in_a_negative_query() {
        let g = gold(
            vec![case("q1", "s1", (0, 100), (0, 100), "none")],
            &["n1", "n2"],
        );
        let dets = [
            det("q1", "s1", (0, 100), (0, 100)),
            det("n2", "s1", (0, 100), (0, 100)),
        ];
        let e = evaluate(&g, &dets);
        assert_macro(&e, 0.5, 1.0, 1.0, f1(0.5, 1.0));
        assert_close("micro precision", e.micro.precision, 0.5);
        assert_eq!(e.negatives.queries, 2);
        assert_eq!(e.negatives.with_detections, 1);
        assert_eq!(e.negatives.ids_with_detections, vec!["n2".to_string()]);
        assert_eq!(e.case_level.precision, 0.5);
        assert_eq!(e.document_level.precision, 0.5);
        assert_eq!(e.document_level.recall, 1.0);
    }

    #[test]
    fn empty_set_conventions() {
        let none = gold(Vec::new(), &["n1"]);
        let e = evaluate(&none, &[]);
        assert_macro(&e, 1.0, 1.0, 1.0, 1.0);
        assert_eq!(
            (e.micro.precision, e.micro.recall, e.micro.plagdet),
            (1.0, 1.0, 1.0)
        );
        assert_eq!(e.case_level.precision, 1.0);
        assert_eq!(e.document_level.recall, 1.0);
        assert_eq!(e.source_attribution, 1.0);
        assert!(e.by_obfuscation.is_empty());

        let some = gold(vec![case("q1", "s1", (0, 10), (0, 10), "none")], &[]);
        let e = evaluate(&some, &[]);
        assert_macro(&e, 0.0, 0.0, 1.0, 0.0);
        assert_eq!((e.micro.precision, e.micro.recall), (0.0, 0.0));
        assert_eq!((e.case_level.precision, e.case_level.recall), (0.0, 0.0));
        assert_eq!(
            (e.document_level.precision, e.document_level.recall),
            (0.0, 0.0)
        );
        assert_eq!(e.source_attribution, 0.0);

        let e = evaluate(&none, &[det("n1", "s1", (0, 10), (0, 10))]);
        assert_macro(&e, 0.0, 1.0, 1.0, 0.0);
        assert_eq!((e.micro.precision, e.micro.recall), (0.0, 1.0));
        assert_eq!((e.case_level.precision, e.case_level.recall), (0.0, 1.0));
        assert_eq!(e.negatives.with_detections, 1);
    }

    #[test]
    fn zero_length_detection_has_precision_zero() {
        let g = gold(vec![case("q1", "s1", (0, 10), (0, 10), "none")], &[]);
        let e = evaluate(&g, &[det("q1", "s1", (5, 0), (5, 0))]);
        assert_macro(&e, 0.0, 0.0, 1.0, 0.0);
        assert_eq!(e.micro.precision, 0.0);
    }

    #[test]
    fn two_queries_reusing_one_source_passage_do_not_share_characters() {
        let g = gold(
            vec![
                case("q1", "s1", (0, 100), (0, 100), "none"),
                case("q2", "s1", (0, 100), (0, 100), "none"),
            ],
            &[],
        );
        let e = evaluate(&g, &[det("q1", "s1", (0, 100), (0, 100))]);
        // Were source characters shared, the cases would cover 300 characters
        // and micro recall would be 200/300.
        assert_close("micro recall", e.micro.recall, 0.5);
        assert_close("macro recall", e.macro_.recall, 0.5);
    }

    #[test]
    fn micro_and_macro_differ_with_unequal_cases() {
        let g = gold(
            vec![
                case("q1", "s1", (0, 100), (0, 100), "none"),
                case("q1", "s1", (200, 10), (300, 10), "none"),
            ],
            &[],
        );
        let e = evaluate(&g, &[det("q1", "s1", (0, 100), (0, 100))]);
        assert_close("macro recall", e.macro_.recall, 0.5);
        assert_close("micro recall", e.micro.recall, 200.0 / 220.0);
        assert_close("macro precision", e.macro_.precision, 1.0);
        assert_close(
            "micro plagdet",
            e.micro.plagdet,
            f1(1.0, 200.0 / 220.0) / 2f64.log2(),
        );
    }

    #[test]
    fn a_detection_spanning_two_cases() {
        let g = gold(
            vec![
                case("q1", "s1", (0, 50), (0, 50), "none"),
                case("q1", "s1", (60, 40), (60, 40), "none"),
            ],
            &[],
        );
        let e = evaluate(&g, &[det("q1", "s1", (0, 100), (0, 100))]);
        // r covers both cases: 90 + 90 of its 200 characters.
        assert_macro(&e, 0.9, 1.0, 1.0, f1(0.9, 1.0));
        assert_eq!(e.macro_.detected_cases, 2);
    }

    #[test]
    fn per_type_breakdown() {
        let g = gold(
            vec![
                case("q1", "s1", (0, 100), (0, 100), "none"),
                case("q1", "s2", (200, 100), (0, 100), "random"),
                case("q2", "s1", (0, 100), (500, 100), "random"),
            ],
            &["n1"],
        );
        let dets = [
            det("q1", "s1", (0, 100), (0, 100)),   // none: perfect
            det("q1", "s2", (200, 50), (0, 50)),   // random #1: half
            det("q1", "s2", (250, 50), (50, 50)),  // random #1: other half
            det("q2", "s1", (0, 100), (500, 200)), // random #2: precision 2/3
            det("q2", "s3", (0, 100), (500, 100)), // detects nothing
        ];
        let e = evaluate(&g, &dets);
        let none = &e.by_obfuscation["none"];
        assert_eq!(
            (none.cases, none.detections, none.detected_cases),
            (1, 1, 1)
        );
        assert_eq!(none.plagdet, 1.0);
        let random = &e.by_obfuscation["random"];
        assert_eq!(
            (random.cases, random.detections, random.detected_cases),
            (2, 3, 2)
        );
        let p = (1.0 + 1.0 + 200.0 / 300.0) / 3.0;
        assert_close("random precision", random.precision, p);
        assert_close("random recall", random.recall, 1.0);
        assert_close("random granularity", random.granularity, 1.5);
        assert_close("random plagdet", random.plagdet, f1(p, 1.0) / 2.5f64.log2());
        // Overall: the stray detection lowers precision only here.
        let p_all = (1.0 + 1.0 + 1.0 + 200.0 / 300.0 + 0.0) / 5.0;
        assert_close("overall precision", e.macro_.precision, p_all);
        assert_close("overall granularity", e.macro_.granularity, 4.0 / 3.0);
        assert_eq!(e.macro_.detections, 5);
        // The stray detection ties the right one on query overlap in q2.
        assert_eq!(e.source_attribution, 1.0);
        assert_eq!(e.negatives.queries, 1);
        assert_eq!(e.negatives.with_detections, 0);
    }

    #[test]
    fn source_attribution_follows_the_longest_query_overlap() {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        let wrong_wins = [
            det("q1", "s1", (0, 40), (0, 40)),
            det("q1", "s2", (30, 70), (0, 70)),
        ];
        assert_eq!(evaluate(&g, &wrong_wins).source_attribution, 0.0);
        let right_wins = [
            det("q1", "s1", (0, 71), (0, 71)),
            det("q1", "s2", (30, 70), (0, 70)),
        ];
        assert_eq!(evaluate(&g, &right_wins).source_attribution, 1.0);
        let elsewhere = [det("q1", "s1", (100, 50), (0, 50))];
        assert_eq!(evaluate(&g, &elsewhere).source_attribution, 0.0);
    }

    /// Case |s| = 200; detection covering `q` query and `q` source characters
    /// of it plus `extra` query characters outside it.
    fn threshold_eval(q: u64, extra: u64) -> Evaluation {
        let g = gold(vec![case("q1", "s1", (0, 100), (0, 100), "none")], &[]);
        evaluate(&g, &[det("q1", "s1", (0, q + extra), (0, q))])
    }

    #[test]
    fn case_and_document_level_recall_threshold() {
        // rec = 102/200 = 0.51 > 0.5, prec = 1.
        let e = threshold_eval(51, 0);
        assert_eq!((e.case_level.precision, e.case_level.recall), (1.0, 1.0));
        assert_eq!(
            (e.document_level.precision, e.document_level.recall),
            (1.0, 1.0)
        );
        // rec = 98/200 = 0.49: the case is missed, and the precise detection
        // does not count either since it finds no case well enough.
        let e = threshold_eval(49, 0);
        assert_eq!((e.case_level.precision, e.case_level.recall), (0.0, 0.0));
        assert_eq!(
            (e.document_level.precision, e.document_level.recall),
            (0.0, 0.0)
        );
        assert!(e.macro_.plagdet > 0.0);
    }

    #[test]
    fn case_and_document_level_precision_threshold() {
        // prec = 200/396 ≈ 0.505 > 0.5, rec = 1.
        let e = threshold_eval(100, 196);
        assert_eq!((e.case_level.precision, e.case_level.recall), (1.0, 1.0));
        assert_eq!(
            (e.document_level.precision, e.document_level.recall),
            (1.0, 1.0)
        );
        // prec = 200/404 ≈ 0.495.
        let e = threshold_eval(100, 204);
        assert_eq!((e.case_level.precision, e.case_level.recall), (0.0, 0.0));
        assert_eq!(
            (e.document_level.precision, e.document_level.recall),
            (0.0, 0.0)
        );
        assert_close("macro recall", e.macro_.recall, 1.0);
    }

    #[test]
    fn document_level_counts_pairs_not_cases() {
        let g = gold(
            vec![
                case("q1", "s1", (0, 100), (0, 100), "none"),
                case("q1", "s1", (200, 100), (200, 100), "none"),
                case("q1", "s2", (400, 100), (0, 100), "none"),
            ],
            &[],
        );
        // Finds one of the two (q1, s1) cases only; misses (q1, s2).
        let e = evaluate(&g, &[det("q1", "s1", (0, 100), (0, 100))]);
        assert_close("case recall", e.case_level.recall, 1.0 / 3.0);
        assert_close("document recall", e.document_level.recall, 0.5);
        assert_eq!(e.document_level.precision, 1.0);
    }

    #[test]
    fn result_does_not_depend_on_input_order() {
        let cases = vec![
            case("q1", "s1", (0, 100), (0, 100), "none"),
            case("q1", "s2", (200, 100), (0, 100), "random"),
            case("q2", "s1", (0, 100), (500, 100), "random"),
        ];
        let dets = vec![
            det("q1", "s1", (3, 90), (0, 77)),
            det("q1", "s2", (190, 50), (0, 50)),
            det("q2", "s1", (0, 13), (500, 200)),
            det("q2", "s3", (0, 100), (500, 100)),
        ];
        let e = evaluate(&gold(cases.clone(), &[]), &dets);
        let mut rc = cases;
        rc.reverse();
        let mut rd = dets;
        rd.reverse();
        assert_eq!(evaluate(&gold(rc, &[]), &rd), e);
    }

    /// Cases whose query spans do not overlap within a query (as in the
    /// data sets), over a few queries and sources.
    fn arb_cases() -> impl Strategy<Value = Vec<Case>> {
        prop::collection::vec(
            (
                0..3usize,
                0..3usize,
                0..30u64,
                1..40u64,
                0..200u64,
                1..40u64,
                0..3usize,
            ),
            0..8,
        )
        .prop_map(|raw| {
            let mut next = [0u64; 3];
            raw.into_iter()
                .map(|(q, s, gap, qlen, soff, slen, kind)| {
                    let qoff = next[q] + gap;
                    next[q] = qoff + qlen;
                    case(
                        &format!("q{q}"),
                        &format!("s{s}"),
                        (qoff, qlen),
                        (soff, slen),
                        ["none", "random", "synonym"][kind],
                    )
                })
                .collect()
        })
    }

    fn arb_dets() -> impl Strategy<Value = Vec<Det>> {
        prop::collection::vec(
            (
                0..4usize,
                0..3usize,
                0..200u64,
                0..60u64,
                0..200u64,
                0..60u64,
            ),
            0..10,
        )
        .prop_map(|raw| {
            raw.into_iter()
                .map(|(q, s, qoff, qlen, soff, slen)| {
                    det(
                        &format!("q{q}"),
                        &format!("s{s}"),
                        (qoff, qlen),
                        (soff, slen),
                    )
                })
                .collect()
        })
    }

    fn as_dets(cases: &[Case]) -> Vec<Det> {
        cases
            .iter()
            .map(|c| Det {
                query_id: c.query_id.clone(),
                source_id: c.source_id.clone(),
                query: c.query,
                source: c.source,
            })
            .collect()
    }

    fn in_unit(x: f64) -> bool {
        (0.0..=1.0).contains(&x)
    }

    /// A character reference of the per-character model: (side, query, source, offset).
    type Char = (bool, String, String, u64);

    /// The characters of a query span and a source span, the slow way.
    fn chars(q: &str, src: &str, qs: Span, ss: Span) -> std::collections::BTreeSet<Char> {
        let query = (qs.offset..qs.end()).map(|o| (false, q.to_owned(), String::new(), o));
        let source = (ss.offset..ss.end()).map(|o| (true, q.to_owned(), src.to_owned(), o));
        query.chain(source).collect()
    }

    /// Macro (P, R), micro (P, R) and granularity computed literally from the
    /// definitions with per-character sets: an oracle for small inputs.
    fn model(cases: &[Case], dets: &[Det]) -> [f64; 5] {
        use std::collections::BTreeSet;
        let cs: Vec<BTreeSet<Char>> = cases
            .iter()
            .map(|c| chars(&c.query_id, &c.source_id, c.query, c.source))
            .collect();
        let rs: Vec<BTreeSet<Char>> = dets
            .iter()
            .map(|d| chars(&d.query_id, &d.source_id, d.query, d.source))
            .collect();
        let overlaps = |a: Span, b: Span| a.offset.max(b.offset) < a.end().min(b.end());
        let detects = |s: &Case, r: &Det| {
            s.query_id == r.query_id
                && s.source_id == r.source_id
                && overlaps(s.query, r.query)
                && overlaps(s.source, r.source)
        };
        let meet = |si: usize, ri: usize| -> BTreeSet<Char> {
            if detects(&cases[si], &dets[ri]) {
                cs[si].intersection(&rs[ri]).cloned().collect()
            } else {
                BTreeSet::new()
            }
        };
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mut all_hits = BTreeSet::new();
        let mut rec_sum = 0.0;
        let mut counts = Vec::new();
        for (si, s) in cases.iter().enumerate() {
            let mut hit = BTreeSet::new();
            let mut n = 0;
            for (ri, r) in dets.iter().enumerate() {
                if detects(s, r) {
                    n += 1;
                }
                hit.extend(meet(si, ri));
            }
            if n > 0 {
                counts.push(n);
            }
            rec_sum += ratio(hit.len(), cs[si].len());
            all_hits.extend(hit);
        }
        let mut prec_sum = 0.0;
        for (ri, r) in rs.iter().enumerate() {
            let hit: BTreeSet<Char> = (0..cases.len()).flat_map(|si| meet(si, ri)).collect();
            prec_sum += ratio(hit.len(), r.len());
        }
        let empty_prec = if cases.is_empty() { 1.0 } else { 0.0 };
        let (n_s, n_r) = (cases.len() as f64, dets.len() as f64);
        let macro_p = if dets.is_empty() {
            empty_prec
        } else {
            prec_sum / n_r
        };
        let macro_r = if cases.is_empty() { 1.0 } else { rec_sum / n_s };
        let case_union: BTreeSet<&Char> = cs.iter().flatten().collect();
        let det_union: BTreeSet<&Char> = rs.iter().flatten().collect();
        let micro_p = if dets.is_empty() {
            empty_prec
        } else {
            ratio(all_hits.len(), det_union.len())
        };
        let micro_r = if cases.is_empty() {
            1.0
        } else {
            ratio(all_hits.len(), case_union.len())
        };
        let gran = if counts.is_empty() {
            1.0
        } else {
            counts.iter().sum::<usize>() as f64 / counts.len() as f64
        };
        [macro_p, macro_r, micro_p, micro_r, gran]
    }

    proptest! {
        #[test]
        fn agrees_with_a_per_character_model(
            disjoint in arb_cases(), overlapping in arb_dets(), dets in arb_dets()
        ) {
            // Cases may overlap each other here, unlike in the data sets.
            let mut cases = disjoint;
            cases.extend(overlapping.into_iter().map(|d| Case {
                query_id: d.query_id,
                source_id: d.source_id,
                query: d.query,
                source: d.source,
                obfuscation: "any".into(),
            }));
            let e = evaluate(&gold(cases.clone(), &[]), &dets);
            let got = [
                e.macro_.precision,
                e.macro_.recall,
                e.micro.precision,
                e.micro.recall,
                e.macro_.granularity,
            ];
            let want = model(&cases, &dets);
            for (g, w) in got.iter().zip(want) {
                prop_assert!((g - w).abs() < 1e-9, "got {:?}, model {:?}", got, want);
            }
        }

        #[test]
        fn measures_are_bounded(cases in arb_cases(), dets in arb_dets()) {
            let e = evaluate(&gold(cases, &["q3"]), &dets);
            let all = std::iter::once(&e.macro_)
                .chain(std::iter::once(&e.micro))
                .chain(e.by_obfuscation.values());
            for m in all {
                prop_assert!(in_unit(m.precision) && in_unit(m.recall) && in_unit(m.plagdet));
                prop_assert!(m.granularity >= 1.0);
                prop_assert!(m.detected_cases <= m.cases);
            }
            for pr in [e.case_level, e.document_level] {
                prop_assert!(in_unit(pr.precision) && in_unit(pr.recall));
            }
            prop_assert!(in_unit(e.source_attribution));
        }

        #[test]
        fn detecting_exactly_the_cases_is_perfect(cases in arb_cases()) {
            let e = evaluate(&gold(cases.clone(), &[]), &as_dets(&cases));
            prop_assert!(close(e.macro_.plagdet, 1.0));
            prop_assert!(close(e.micro.plagdet, 1.0));
            prop_assert_eq!(e.case_level.precision, 1.0);
            prop_assert_eq!(e.case_level.recall, 1.0);
            prop_assert_eq!(e.document_level.precision, 1.0);
            prop_assert_eq!(e.document_level.recall, 1.0);
            prop_assert_eq!(e.source_attribution, 1.0);
            for m in e.by_obfuscation.values() {
                prop_assert!(close(m.plagdet, 1.0));
            }
        }

        #[test]
        fn a_duplicate_detection_never_helps(
            cases in arb_cases(), dets in arb_dets(), pick in any::<prop::sample::Index>()
        ) {
            prop_assume!(!dets.is_empty());
            let g = gold(cases, &[]);
            let before = evaluate(&g, &dets);
            let mut more = dets.clone();
            more.push(dets[pick.index(dets.len())].clone());
            let after = evaluate(&g, &more);
            // Macro precision may move either way (it is a mean over
            // detections), but what is covered does not change.
            prop_assert_eq!(after.macro_.recall, before.macro_.recall);
            prop_assert_eq!(after.micro.recall, before.micro.recall);
            prop_assert_eq!(after.micro.precision, before.micro.precision);
            prop_assert!(after.macro_.granularity >= before.macro_.granularity);
            prop_assert!(after.micro.plagdet <= before.micro.plagdet + EPS);
        }

        #[test]
        fn another_detection_never_lowers_recall(
            cases in arb_cases(), dets in arb_dets(), extra in arb_dets()
        ) {
            let g = gold(cases, &[]);
            let before = evaluate(&g, &dets);
            let mut more = dets;
            more.extend(extra);
            let after = evaluate(&g, &more);
            prop_assert!(after.macro_.recall >= before.macro_.recall - EPS);
            prop_assert!(after.micro.recall >= before.micro.recall - EPS);
            prop_assert!(after.macro_.detected_cases >= before.macro_.detected_cases);
        }

        #[test]
        fn micro_equals_macro_for_one_case_and_one_detection(
            c in arb_cases().prop_filter("one case", |c| !c.is_empty()),
            d in arb_dets().prop_filter("one detection", |d| !d.is_empty()),
        ) {
            let e = evaluate(&gold(vec![c[0].clone()], &[]), &[d[0].clone()]);
            prop_assert!(close(e.micro.precision, e.macro_.precision));
            prop_assert!(close(e.micro.recall, e.macro_.recall));
            prop_assert!(close(e.micro.plagdet, e.macro_.plagdet));
        }

        #[test]
        fn shifting_every_offset_changes_nothing(
            cases in arb_cases(), dets in arb_dets(), dq in 0..1000u64, ds in 0..1000u64
        ) {
            let shift_c = |c: &Case| Case {
                query: Span::new(c.query.offset + dq, c.query.length),
                source: Span::new(c.source.offset + ds, c.source.length),
                ..c.clone()
            };
            let shift_d = |d: &Det| Det {
                query: Span::new(d.query.offset + dq, d.query.length),
                source: Span::new(d.source.offset + ds, d.source.length),
                ..d.clone()
            };
            let e = evaluate(&gold(cases.clone(), &[]), &dets);
            let shifted_cases: Vec<Case> = cases.iter().map(shift_c).collect();
            let shifted_dets: Vec<Det> = dets.iter().map(shift_d).collect();
            prop_assert_eq!(evaluate(&gold(shifted_cases, &[]), &shifted_dets), e);
        }
    }
}
