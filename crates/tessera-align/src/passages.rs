//! Passages: blocks grouped, tested for evidence and snapped to sentences.
//!
//! Blocks within `merge_gap` tokens of each other in both texts, in any
//! order, form one group (`reordered` when their order differs). Groups
//! that are pieces of one rewritten passage (close, in the same order in
//! both texts, their gaps explained by the other text) are joined and
//! tested as one passage, or piece by piece when the whole fails. A
//! passage is kept only with enough evidence: aligned query weight, net of
//! figures that differ between the texts; aligned words; a weighted Dice
//! score; exact word trigrams; the share of function words aligned (its
//! grammatical skeleton); and not a template (a formula filled in with
//! other names and figures). Its ends are snapped to sentence boundaries
//! when both texts are within `snap_tokens` of one. Where kept passages
//! overlap in the query, the better one wins.

use std::collections::HashMap;
use std::ops::Range;

use tessera_text::Tokens;

use crate::ctx::Ctx;
use crate::{Block, Op, Passage};

/// Forms passages from blocks: groups of blocks close together in both
/// texts that carry enough evidence. Among passages that overlap in the
/// query, the better ones are kept; in query order.
pub(crate) fn passages(ctx: &Ctx<'_>, blocks: Vec<Block>) -> Vec<Passage> {
    let mut passages = Vec::new();
    for joined in join_groups(ctx, group_blocks(blocks, ctx.cfg.merge_gap)) {
        if joined.len() > 1 {
            // A rewritten passage comes back whole when its pieces carry
            // the evidence together; otherwise each piece on its own.
            let all: Vec<Block> = joined.iter().flatten().cloned().collect();
            if let Some(p) = passage(ctx, sorted_blocks(all)) {
                passages.push(p);
                continue;
            }
        }
        for group in joined {
            if let Some(p) = passage(ctx, group) {
                passages.push(p);
            }
        }
    }
    remove_query_overlaps(passages)
}

/// Blocks in query order (then source order).
fn sorted_blocks(mut blocks: Vec<Block>) -> Vec<Block> {
    blocks.sort_by_key(|b| (b.q.start, b.s.start));
    blocks
}

/// The tokens between two ranges (empty when they touch or overlap).
fn between(a: &Range<u32>, b: &Range<u32>) -> Range<u32> {
    if a.end <= b.start {
        a.end..b.start
    } else if b.end <= a.start {
        b.end..a.start
    } else {
        0..0
    }
}

/// Informative weight (tokens of weight at least `min_weight`) of the
/// tokens `gap` of one text whose words do not occur in the range `span`
/// of the other: what the gap holds that the other text does not explain.
fn unexplained(
    gap: &Range<u32>,
    from: (&Tokens, &[f32]),
    span: &Range<u32>,
    to: &Tokens,
    min_weight: f32,
) -> f32 {
    if gap.is_empty() {
        return 0.0;
    }
    let words: std::collections::HashSet<u64> = to.tokens[span.start as usize..span.end as usize]
        .iter()
        .map(|t| t.hash)
        .collect();
    gap.clone()
        .filter(|&k| {
            from.1[k as usize] >= min_weight && !words.contains(&from.0.tokens[k as usize].hash)
        })
        .map(|k| from.1[k as usize])
        .sum()
}

/// Informative weight of the tokens `r`.
fn informative(w: &[f32], r: &Range<u32>, min_weight: f32) -> f32 {
    w[r.start as usize..r.end as usize]
        .iter()
        .filter(|&&x| x >= min_weight)
        .sum()
}

/// `r` widened by `by` tokens on both sides, within `0..len`.
fn widen(r: &Range<u32>, by: usize, len: usize) -> Range<u32> {
    r.start.saturating_sub(by as u32)..(r.end.saturating_add(by as u32)).min(len as u32)
}

/// The query and source spans of a group of blocks.
fn group_spans(group: &[Block]) -> Spans {
    let q = group.iter().map(|b| b.q.start).min().unwrap_or(0)
        ..group.iter().map(|b| b.q.end).max().unwrap_or(0);
    let s = group.iter().map(|b| b.s.start).min().unwrap_or(0)
        ..group.iter().map(|b| b.s.end).max().unwrap_or(0);
    (q, s)
}

/// The smallest spans holding both `a` and `b`, in each text.
fn union(a: &Spans, b: &Spans) -> Spans {
    (
        a.0.start.min(b.0.start)..a.0.end.max(b.0.end),
        a.1.start.min(b.1.start)..a.1.end.max(b.1.end),
    )
}

/// Whether two spans (query, source) come in opposite orders in the two
/// texts.
fn crossed(a: &Spans, b: &Spans) -> bool {
    let before = |x: &Range<u32>, y: &Range<u32>| x.end <= y.start;
    (before(&a.0, &b.0) && before(&b.1, &a.1)) || (before(&b.0, &a.0) && before(&a.1, &b.1))
}

/// Whether the gaps between two spans (query, source) are small next to
/// the spans: at most `join_ratio` times the larger one, and at most
/// `join_max_gap` tokens, in both texts.
fn within_reach(cfg: &crate::AlignConfig, a: &Spans, b: &Spans) -> bool {
    let reach = |x: usize, y: usize| {
        ((cfg.join_ratio * x.max(y) as f32) as u32).clamp(cfg.merge_gap, cfg.join_max_gap) as usize
    };
    between(&a.0, &b.0).len() <= reach(a.0.len(), b.0.len())
        && between(&a.1, &b.1).len() <= reach(a.1.len(), b.1.len())
}

/// The query and source token ranges of a group or of a set of groups.
type Spans = (Range<u32>, Range<u32>);

/// Whether the gaps between two spans within reach ([`within_reach`]) are
/// explained by the other text: what the gaps hold that the other text
/// does not (near the joined span) is a minority of the gap's informative
/// weight (`join_gap_unexplained`) or a small share of the joined
/// passage's (`join_max_unexplained`), in each text. A rewritten stretch,
/// a remark the writer added about the same things or a sentence left out
/// of a long passage passes; a sentence stitched in from elsewhere, or two
/// short passages copied from two places, does not.
fn joinable(ctx: &Ctx<'_>, a: &Spans, b: &Spans) -> bool {
    let cfg = ctx.cfg;
    let ((aq, as_), (bq, bs)) = (a, b);
    let (gq, gs) = (between(aq, bq), between(as_, bs));
    let fw = cfg.anchor_min_weight;
    let (uq, us) = union(a, b);
    // Rewritten words may come from just outside the other text's span.
    let (wq, ws) = (
        widen(&uq, gs.len(), ctx.q.tokens.len()),
        widen(&us, gq.len(), ctx.s.tokens.len()),
    );
    let (q_side, s_side) = ((ctx.q.tokens, ctx.q.weights), (ctx.s.tokens, ctx.s.weights));
    // What a gap holds that the other text does not explain is either a
    // minority of the gap (a stretch rewritten: most of its words are
    // still there) or a small share of the joined passage (a remark added
    // or a sentence left out of a long passage); a sentence stitched in
    // from elsewhere is neither.
    let fits = |gap: &Range<u32>,
                from: (&Tokens, &[f32]),
                span: &Range<u32>,
                wide: &Range<u32>,
                to: &Tokens| {
        let u = unexplained(gap, from, wide, to, fw);
        u <= cfg.join_gap_unexplained * informative(from.1, gap, fw)
            || u <= cfg.join_max_unexplained * informative(from.1, span, fw)
    };
    fits(&gq, q_side, &uq, &ws, ctx.s.tokens) && fits(&gs, s_side, &us, &wq, ctx.q.tokens)
}

/// Above this many groups in one pair (a text aligned with itself, say),
/// groups are not joined: the pairwise search is cubic.
const MAX_JOIN_GROUPS: usize = 128;

/// Joins groups of blocks that are pieces of one rewritten passage (within
/// reach, in the same order in both texts, and [`joinable`]), pairwise until no two can be joined (a joined set is
/// larger, which can bring another into reach). Returns the joined sets of
/// groups, each in query order, the sets in query order.
fn join_groups(ctx: &Ctx<'_>, groups: Vec<Vec<Block>>) -> Vec<Vec<Vec<Block>>> {
    let mut sets: Vec<Vec<Vec<Block>>> = groups.into_iter().map(|g| vec![g]).collect();
    if ctx.cfg.join_max_gap <= ctx.cfg.merge_gap || sets.len() > MAX_JOIN_GROUPS {
        return sets;
    }
    // The spans of each set's groups, and of the set as a whole.
    let mut parts: Vec<Vec<Spans>> = sets.iter().map(|s| vec![group_spans(&s[0])]).collect();
    let mut spans: Vec<Spans> = parts.iter().map(|p| p[0].clone()).collect();
    'grow: loop {
        for x in 0..sets.len() {
            for y in x + 1..sets.len() {
                if !within_reach(ctx.cfg, &spans[x], &spans[y]) {
                    continue;
                }
                // Pieces in opposite orders in the two texts were moved
                // apart: separate copies (reordering within a passage is
                // in its groups already).
                if parts[x]
                    .iter()
                    .any(|a| parts[y].iter().any(|b| crossed(a, b)))
                {
                    continue;
                }
                if joinable(ctx, &spans[x], &spans[y]) {
                    let (b, pb, sb) = (sets.remove(y), parts.remove(y), spans.remove(y));
                    sets[x].extend(b);
                    parts[x].extend(pb);
                    spans[x] = union(&spans[x], &sb);
                    continue 'grow;
                }
            }
        }
        break;
    }
    for set in &mut sets {
        set.sort_by_key(|g| (g[0].q.start, g[0].s.start));
    }
    sets.sort_by_key(|set| (set[0][0].q.start, set[0][0].s.start));
    sets
}

/// The passage a group of blocks forms, its ends snapped to sentence
/// boundaries, if it carries enough evidence.
fn passage(ctx: &Ctx<'_>, group: Vec<Block>) -> Option<Passage> {
    let cfg = ctx.cfg;
    let (mut q, mut s) = group_spans(&group);
    let c = coverage(ctx, &group, &q, &s);
    if c.q_weight < cfg.min_passage_weight || c.q_count < cfg.min_passage_tokens {
        return None;
    }
    snap(ctx, &mut q, &mut s);
    let c = coverage(ctx, &group, &q, &s);
    let total = weight_sum(ctx.q.weights, &q) + weight_sum(ctx.s.weights, &s);
    let score = if total > 0.0 {
        (c.q_weight + c.s_weight) / total
    } else {
        0.0
    };
    // Copiers keep figures; a passage whose aligned numbers differ is
    // a template or a report of other facts.
    let evidence = c.q_weight - cfg.number_sub_penalty * c.number_mismatches as f32;
    // A text whose figures mostly differ from its source's is a
    // template filled with other facts (earnings tables, bond issues),
    // not a copy.
    let template = (c.number_total >= cfg.template_min_figures
        && c.number_mismatches as f32 > cfg.template_mismatch_share * c.number_total as f32)
        // A formula filled in with other names and figures ("X said its
        // board authorized the purchase from time to time of" about
        // another company): two or more different names or figures stand
        // where the other text has names or figures, and the ones that
        // agree weigh less than half as much. A copy keeps most of its
        // names and figures, even when spun (a renamed country counts
        // once) or updated (a new amount about the same company).
        || (c.specific_substitutions >= cfg.template_min_substitutions
            && c.specific_matched < cfg.template_specific_ratio * c.specific_substituted);
    if template
        || score < cfg.min_score
        || evidence < cfg.min_passage_weight
        || c.exact_trigrams < cfg.min_exact_trigrams
        || (c.skeleton() < cfg.min_skeleton && score < cfg.skeleton_exempt_score)
    {
        return None;
    }
    let (mq, count) = (evidence, c.q_count);
    let (skeleton, number_subs, exact_trigrams) =
        (c.skeleton(), c.number_mismatches, c.exact_trigrams);
    let reordered = group.windows(2).any(|p| p[1].s.start < p[0].s.start);
    Some(Passage {
        q,
        s,
        score: score.min(1.0),
        matched_weight: mq,
        matched_tokens: count,
        skeleton,
        number_subs,
        exact_trigrams,
        blocks: group,
        reordered,
    })
}

/// Groups blocks that lie close together in both texts.
fn group_blocks(blocks: Vec<Block>, merge_gap: u32) -> Vec<Vec<Block>> {
    let n = blocks.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        let mut y = x;
        while p[y] != r {
            let next = p[y];
            p[y] = r;
            y = next;
        }
        r
    }
    // Growing groups can bring further blocks into reach: repeat until stable.
    loop {
        let mut changed = false;
        let mut spans: HashMap<usize, (Range<u32>, Range<u32>)> = HashMap::new();
        for (k, b) in blocks.iter().enumerate() {
            let r = find(&mut parent, k);
            let e = spans.entry(r).or_insert((b.q.clone(), b.s.clone()));
            e.0 = e.0.start.min(b.q.start)..e.0.end.max(b.q.end);
            e.1 = e.1.start.min(b.s.start)..e.1.end.max(b.s.end);
        }
        let mut roots: Vec<usize> = spans.keys().copied().collect();
        roots.sort_unstable();
        for x in 0..roots.len() {
            for y in x + 1..roots.len() {
                let (a, b) = (&spans[&roots[x]], &spans[&roots[y]]);
                if between(&a.0, &b.0).len() <= merge_gap as usize
                    && between(&a.1, &b.1).len() <= merge_gap as usize
                {
                    let (ra, rb) = (find(&mut parent, roots[x]), find(&mut parent, roots[y]));
                    if ra != rb {
                        parent[ra.max(rb)] = ra.min(rb);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut groups: HashMap<usize, Vec<Block>> = HashMap::new();
    for (k, b) in blocks.into_iter().enumerate() {
        let r = find(&mut parent, k);
        groups.entry(r).or_default().push(b);
    }
    let mut out: Vec<Vec<Block>> = groups.into_values().map(sorted_blocks).collect();
    out.sort_by_key(|g| (g[0].q.start, g[0].s.start));
    out
}

/// What the blocks of a passage align within its query and source ranges.
#[derive(Debug, Default)]
struct Coverage {
    /// Weight of matched query tokens.
    q_weight: f32,
    /// Weight of matched source tokens.
    s_weight: f32,
    /// Matched query tokens.
    q_count: u32,
    /// Function words (low weight) of both ranges, matched and in all.
    function_matched: u32,
    function_total: u32,
    /// Figures (tokens with digits) aligned in one text but absent from
    /// the aligned part of the other.
    number_mismatches: u32,
    /// Distinct figures aligned in either text.
    number_total: u32,
    /// Exact word trigrams inside the blocks.
    exact_trigrams: u32,
    /// Weight of the distinct specific words (names, figures) aligned to
    /// equal or similar words ...
    specific_matched: f32,
    /// ... and of the distinct pairs of them aligned to different words,
    /// and how many such pairs.
    specific_substituted: f32,
    specific_substitutions: u32,
}

impl Coverage {
    /// Share of the function words of both ranges that are aligned to an
    /// equal word: the grammatical skeleton a copy keeps and an independent
    /// report of the same facts does not.
    fn skeleton(&self) -> f32 {
        if self.function_total == 0 {
            1.0
        } else {
            self.function_matched as f32 / self.function_total as f32
        }
    }
}

/// What `blocks` align within the query range `q` and the source range `s`.
fn coverage(ctx: &Ctx<'_>, blocks: &[Block], q: &Range<u32>, s: &Range<u32>) -> Coverage {
    let mut qm = vec![0.0f32; (q.end - q.start) as usize];
    let mut sm = vec![0.0f32; (s.end - s.start) as usize];
    let mut q_figures = std::collections::BTreeSet::new();
    let mut s_figures = std::collections::BTreeSet::new();
    let mut exact_trigrams = 0;
    let mut matched: std::collections::BTreeMap<u64, f32> = Default::default();
    let mut substituted: std::collections::BTreeMap<(u64, u64), f32> = Default::default();
    let fw = ctx.cfg.anchor_min_weight;
    for b in blocks {
        let (mut qi, mut si) = (b.q.start, b.s.start);
        let mut run = 0u32;
        for &op in &b.ops {
            let (dq, ds) = op.lengths();
            run = if op == Op::Match { run + 1 } else { 0 };
            if run >= 3 {
                exact_trigrams += 1;
            }
            let credit = match op {
                Op::Match => 1.0,
                Op::Fuzzy | Op::Split | Op::Join => ctx.cfg.fuzzy_factor,
                _ => 0.0,
            };
            if matches!(op, Op::Match | Op::Fuzzy | Op::Sub) {
                let (qt, st) = (
                    &ctx.q.tokens.tokens[qi as usize],
                    &ctx.s.tokens.tokens[si as usize],
                );
                let w = ctx.q.weights[qi as usize].max(ctx.s.weights[si as usize]);
                let (qs, ss) = (specific(&ctx.q, qi, fw), specific(&ctx.s, si, fw));
                // Each different word once: a spinner renames one country
                // the same way wherever it occurs.
                if op == Op::Sub && qs && ss {
                    substituted.entry((qt.hash, st.hash)).or_insert(w);
                } else if op != Op::Sub && qs {
                    matched.entry(qt.hash).or_insert(w);
                }
            }
            for k in qi..qi + dq {
                let t = &ctx.q.tokens.tokens[k as usize];
                if t.flags & tessera_text::HAS_DIGIT != 0 {
                    q_figures.insert(t.hash);
                }
                if credit > 0.0
                    && let Some(slot) = qm.get_mut(k.wrapping_sub(q.start) as usize)
                {
                    *slot = slot.max(credit * ctx.q.weights[k as usize]);
                }
            }
            for k in si..si + ds {
                let t = &ctx.s.tokens.tokens[k as usize];
                if t.flags & tessera_text::HAS_DIGIT != 0 {
                    s_figures.insert(t.hash);
                }
                if credit > 0.0
                    && let Some(slot) = sm.get_mut(k.wrapping_sub(s.start) as usize)
                {
                    *slot = slot.max(credit * ctx.s.weights[k as usize]);
                }
            }
            qi += dq;
            si += ds;
        }
    }
    let mut c = Coverage {
        q_weight: qm.iter().sum(),
        s_weight: sm.iter().sum(),
        q_count: qm.iter().filter(|&&v| v > 0.0).count() as u32,
        number_mismatches: q_figures.symmetric_difference(&s_figures).count() as u32,
        number_total: q_figures.union(&s_figures).count() as u32,
        exact_trigrams,
        specific_matched: matched.values().sum(),
        specific_substituted: substituted.values().sum(),
        specific_substitutions: substituted.len() as u32,
        ..Coverage::default()
    };
    for (k, m) in q.clone().zip(&qm) {
        if ctx.q.weights[k as usize] < fw {
            c.function_total += 1;
            c.function_matched += u32::from(*m > 0.0);
        }
    }
    for (k, m) in s.clone().zip(&sm) {
        if ctx.s.weights[k as usize] < fw {
            c.function_total += 1;
            c.function_matched += u32::from(*m > 0.0);
        }
    }
    c
}

/// Whether token `k` of a text is specific to what the text reports: a
/// figure, or a capitalised word (a name, in languages that capitalise
/// names) inside a sentence, or at its start when it is no function word
/// and the next word is capitalised too ("HCC Industries said", not "The
/// company" or "Analysts said").
fn specific(side: &crate::Side<'_>, k: u32, min_weight: f32) -> bool {
    use tessera_text::{CAPITALIZED, HAS_DIGIT};
    let toks = &side.tokens.tokens;
    let t = &toks[k as usize];
    if t.flags & HAS_DIGIT != 0 {
        return true;
    }
    if t.flags & CAPITALIZED == 0 {
        return false;
    }
    !t.is_sentence_start()
        || (side.weights[k as usize] >= min_weight
            && toks
                .get(k as usize + 1)
                .is_some_and(|n| n.flags & CAPITALIZED != 0 && !n.is_sentence_start()))
}

/// How far before `i` its sentence starts, if within `limit` tokens.
fn snap_start(t: &Tokens, i: u32, limit: u32) -> Option<u32> {
    let mut k = i;
    loop {
        if t.tokens[k as usize].is_sentence_start() {
            return Some(i - k);
        }
        if k == 0 || i - k >= limit {
            return None;
        }
        k -= 1;
    }
}

/// How far after `last` its sentence ends, if within `limit` tokens.
fn snap_end(t: &Tokens, last: u32, limit: u32) -> Option<u32> {
    let mut k = last;
    loop {
        if t.tokens[k as usize].is_sentence_end() {
            return Some(k - last);
        }
        if k + 1 >= t.len() as u32 || k - last >= limit {
            return None;
        }
        k += 1;
    }
}

/// Moves passage ends to sentence boundaries when both texts have one
/// within reach and the words skipped on each side are about as many.
fn snap(ctx: &Ctx<'_>, q: &mut Range<u32>, s: &mut Range<u32>) {
    let limit = ctx.cfg.snap_tokens;
    if let (Some(dq), Some(ds)) = (
        snap_start(ctx.q.tokens, q.start, limit),
        snap_start(ctx.s.tokens, s.start, limit),
    ) && dq.abs_diff(ds) <= 1
        && (dq == ds || dq.min(ds) > 0)
    {
        q.start -= dq;
        s.start -= ds;
    }
    if let (Some(dq), Some(ds)) = (
        snap_end(ctx.q.tokens, q.end - 1, limit),
        snap_end(ctx.s.tokens, s.end - 1, limit),
    ) && dq.abs_diff(ds) <= 1
        && (dq == ds || dq.min(ds) > 0)
    {
        q.end += dq;
        s.end += ds;
    }
}

/// Sum of the weights `w` of the tokens `r`.
fn weight_sum(w: &[f32], r: &Range<u32>) -> f32 {
    w[r.start as usize..r.end as usize].iter().sum()
}

/// Keeps, among passages that overlap in the query, the better ones.
fn remove_query_overlaps(mut passages: Vec<Passage>) -> Vec<Passage> {
    passages.sort_by(|a, b| {
        b.matched_weight
            .total_cmp(&a.matched_weight)
            .then(a.q.start.cmp(&b.q.start))
            .then(a.s.start.cmp(&b.s.start))
    });
    let mut kept: Vec<Passage> = Vec::new();
    for p in passages {
        if kept
            .iter()
            .all(|k| p.q.end <= k.q.start || k.q.end <= p.q.start)
        {
            kept.push(p);
        }
    }
    kept.sort_by_key(|p| (p.q.start, p.s.start));
    kept
}
