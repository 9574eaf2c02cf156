//! Anchors: the exact token matches that chains are built from.
//!
//! A match anchors on its own when its token is informative (weight at
//! least `anchor_min_weight`) and not repeated too often in either text;
//! any match anchors inside a run of two exact matches. The matches come
//! from a sort-merge join of the two texts' tokens in hash order
//! ([`by_hash`], which a caller may keep for a text it aligns many times).
//! `trigram_starts` counts the anchors that begin three matches in a row,
//! so that the driver can stop a pair that cannot hold a passage.

use std::borrow::Cow;

use tessera_text::Tokens;

use crate::Side;
use crate::ctx::Ctx;

/// `(hash, position)` of every token of `tokens`, sorted: what the aligner
/// merges to find the matching tokens of two texts (a caller may keep it
/// for a text it aligns many times).
pub fn by_hash(tokens: &Tokens) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = tokens
        .tokens
        .iter()
        .enumerate()
        .map(|(k, tok)| (tok.hash, k as u32))
        .collect();
    v.sort_unstable();
    v
}

/// An exact match of query token `i` and source token `j`, with its
/// weight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchor {
    pub(crate) i: u32,
    pub(crate) j: u32,
    pub(crate) w: f32,
}

/// Exact-match anchors, sorted by query then source position.
///
/// A sort-merge join of the two token lists by hash: no map with a list
/// per distinct token (the allocations of which dominated the cost), and
/// the same anchors in the same order.
pub(crate) fn anchors(ctx: &Ctx<'_>) -> Vec<Anchor> {
    let (q, s) = (ctx.q.tokens, ctx.s.tokens);
    fn sorted<'a>(side: Side<'a>) -> Cow<'a, [(u64, u32)]> {
        match side.by_hash {
            Some(v) => Cow::Borrowed(v),
            None => Cow::Owned(by_hash(side.tokens)),
        }
    }
    let (qs, ss) = (sorted(ctx.q), sorted(ctx.s));
    // For each query token: the run of `ss` with its hash, and how often
    // the query holds it.
    let mut runs: Vec<(u32, u32, u32)> = vec![(0, 0, 0); q.len()];
    let (mut a, mut b) = (0usize, 0usize);
    while a < qs.len() && b < ss.len() {
        let h = qs[a].0;
        match h.cmp(&ss[b].0) {
            std::cmp::Ordering::Less => a += 1,
            std::cmp::Ordering::Greater => b += 1,
            std::cmp::Ordering::Equal => {
                let a_end = a + qs[a..].iter().take_while(|x| x.0 == h).count();
                let b_end = b + ss[b..].iter().take_while(|x| x.0 == h).count();
                for &(_, i) in &qs[a..a_end] {
                    runs[i as usize] = (b as u32, b_end as u32, (a_end - a) as u32);
                }
                a = a_end;
                b = b_end;
            }
        }
    }
    let is_match = |i: usize, j: usize| -> bool {
        i < q.len() && j < s.len() && q.tokens[i].hash == s.tokens[j].hash
    };
    let max_occ = ctx.cfg.anchor_max_occurrences;
    let mut out = Vec::new();
    // Query order, and source order within a token: sorted as required.
    for (i, &(lo, hi, q_count)) in runs.iter().enumerate() {
        if lo == hi {
            continue;
        }
        let frequent = (hi - lo) as usize > max_occ || q_count as usize > max_occ;
        let informative = ctx.q.weights[i] >= ctx.cfg.anchor_min_weight && !frequent;
        for &(_, j) in &ss[lo as usize..hi as usize] {
            let j = j as usize;
            let in_run = (i > 0 && j > 0 && is_match(i - 1, j - 1)) || is_match(i + 1, j + 1);
            if informative || in_run {
                // A run of function words is weak evidence; it still
                // anchors so that heavily reworded passages keep their
                // skeleton.
                out.push(Anchor {
                    i: i as u32,
                    j: j as u32,
                    w: ctx.weight(i as u32, j as u32),
                });
            }
        }
    }
    out
}

/// How many anchors start three matching tokens in a row, up to
/// `cfg.min_exact_trigrams`.
pub(crate) fn trigram_starts(ctx: &Ctx<'_>, anchors: &[Anchor]) -> u32 {
    let (q, s) = (&ctx.q.tokens.tokens, &ctx.s.tokens.tokens);
    let matches = |i: usize, j: usize| i < q.len() && j < s.len() && q[i].hash == s[j].hash;
    let mut n = 0;
    for a in anchors {
        let (i, j) = (a.i as usize, a.j as usize);
        if matches(i + 1, j + 1) && matches(i + 2, j + 2) {
            n += 1;
            if n >= ctx.cfg.min_exact_trigrams {
                break;
            }
        }
    }
    n
}
