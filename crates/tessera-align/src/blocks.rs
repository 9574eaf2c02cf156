//! Blocks: each chain turned into a token alignment.
//!
//! The gaps between a chain's anchors are filled by a small affine-gap
//! alignment (`dp`) that knows substitutions, fuzzy (OCR) matches and one
//! token standing for two. The chain is extended outwards up to the
//! sentence boundary in each text, never into text an earlier block holds;
//! reaching the boundary in both texts earns a bonus, but only through
//! aligned words or words that were moved. A weak piece beyond a sentence
//! boundary at either end is cut off. Chains are taken best first, and a
//! later chain gives up its anchors inside an earlier block: one stretch of
//! text is aligned once.

use std::ops::Range;

use tessera_text::Tokens;

use crate::anchors::Anchor;
use crate::chains::chain_weight;
use crate::ctx::Ctx;
use crate::{Block, Op, Side, dp};

/// Query and source token ranges already claimed by accepted blocks.
#[derive(Default)]
struct Occupied {
    q: Vec<Range<u32>>,
    s: Vec<Range<u32>>,
}

impl Occupied {
    fn holds(&self, a: &Anchor) -> bool {
        self.q.iter().any(|r| r.contains(&a.i)) || self.s.iter().any(|r| r.contains(&a.j))
    }
    /// Lowest index an extension backwards from `x` may reach.
    fn floor(ranges: &[Range<u32>], x: u32) -> u32 {
        ranges
            .iter()
            .filter(|r| r.end <= x)
            .map(|r| r.end)
            .max()
            .unwrap_or(0)
    }
    /// One past the highest index an extension forwards from `x` may reach.
    fn ceil(ranges: &[Range<u32>], x: u32, len: u32) -> u32 {
        ranges
            .iter()
            .filter(|r| r.start > x)
            .map(|r| r.start)
            .min()
            .unwrap_or(len)
    }
}

/// Builds blocks from chains, best chain first. A later chain gives up the
/// anchors that fall inside an earlier block (in either text): one stretch
/// of text is aligned once, and what remains must still carry enough
/// weight on its own.
pub(crate) fn blocks(ctx: &Ctx<'_>, anchors: &[Anchor], chains: &[Vec<usize>]) -> Vec<Block> {
    let mut occ = Occupied::default();
    let mut out = Vec::new();
    for chain in chains {
        let mut piece: Vec<usize> = Vec::new();
        let mut pieces = Vec::new();
        for &a in chain {
            if occ.holds(&anchors[a]) {
                if !piece.is_empty() {
                    pieces.push(std::mem::take(&mut piece));
                }
            } else {
                piece.push(a);
            }
        }
        if !piece.is_empty() {
            pieces.push(piece);
        }
        for piece in pieces {
            if chain_weight(ctx, anchors, &piece) < ctx.cfg.min_chain_weight {
                continue;
            }
            let b = block(ctx, anchors, &piece, &occ);
            occ.q.push(b.q.clone());
            occ.s.push(b.s.clone());
            out.push(b);
        }
    }
    out
}

/// Turns a chain into a block: fills the gaps, extends the ends (not into
/// text that other blocks hold).
fn block(ctx: &Ctx<'_>, anchors: &[Anchor], chain: &[usize], occ: &Occupied) -> Block {
    let first = anchors[chain[0]];
    let last = anchors[*chain.last().expect("chains are never empty")];
    let mut ops = Vec::new();
    // Backward extension, up to the sentence start in each text.
    let limit = ctx.cfg.max_extension;
    let q_lo =
        sentence_start_before(ctx.q.tokens, first.i, limit).max(Occupied::floor(&occ.q, first.i));
    let s_lo =
        sentence_start_before(ctx.s.tokens, first.j, limit).max(Occupied::floor(&occ.s, first.j));
    let qb: Vec<u32> = (q_lo..first.i).rev().collect();
    let sb: Vec<u32> = (s_lo..first.j).rev().collect();
    // The bonus rewards reaching a sentence boundary in both texts. Words
    // skipped in one text only earn it when they were moved, not dropped:
    // when they stand in the other text's part of the sentence ("analysts
    // said X" copied as "X, analysts say").
    let q_sentence = sentence_start_before(ctx.q.tokens, first.i, u32::MAX)
        ..sentence_end_after(ctx.q.tokens, last.i, u32::MAX);
    let s_sentence = sentence_start_before(ctx.s.tokens, first.j, u32::MAX)
        ..sentence_end_after(ctx.s.tokens, last.j, u32::MAX);
    let bonus = |at_q: bool, at_s: bool, qx: &[u32], sx: &[u32]| {
        let earned = match (qx.is_empty(), sx.is_empty()) {
            (false, false) => true,
            (true, false) => moved(sx, ctx.s, ctx.q, q_sentence.clone()),
            (false, true) => moved(qx, ctx.q, ctx.s, s_sentence.clone()),
            (true, true) => false,
        };
        if at_q && at_s && earned {
            ctx.cfg.boundary_bonus
        } else {
            0.0
        }
    };
    let back_bonus = bonus(
        ctx.q.tokens.tokens[q_lo as usize].is_sentence_start(),
        ctx.s.tokens.tokens[s_lo as usize].is_sentence_start(),
        &qb,
        &sb,
    );
    let back = dp::align(ctx, &qb, &sb, false, back_bonus);
    let q_start = first.i - back.q_len as u32;
    let s_start = first.j - back.s_len as u32;
    ops.extend(back.ops.iter().rev());
    ops.push(Op::Match);
    for p in chain.windows(2) {
        let (a, b) = (anchors[p[0]], anchors[p[1]]);
        let qg: Vec<u32> = (a.i + 1..b.i).collect();
        let sg: Vec<u32> = (a.j + 1..b.j).collect();
        let mid = dp::align(ctx, &qg, &sg, true, 0.0);
        ops.extend(mid.ops);
        ops.push(Op::Match);
    }
    let q_hi = sentence_end_after(ctx.q.tokens, last.i, limit).min(Occupied::ceil(
        &occ.q,
        last.i,
        ctx.q.tokens.len() as u32,
    ));
    let s_hi = sentence_end_after(ctx.s.tokens, last.j, limit).min(Occupied::ceil(
        &occ.s,
        last.j,
        ctx.s.tokens.len() as u32,
    ));
    let qf: Vec<u32> = (last.i + 1..q_hi).collect();
    let sf: Vec<u32> = (last.j + 1..s_hi).collect();
    let fwd_bonus = bonus(
        ctx.q.tokens.tokens[q_hi as usize - 1].is_sentence_end(),
        ctx.s.tokens.tokens[s_hi as usize - 1].is_sentence_end(),
        &qf,
        &sf,
    );
    let fwd = dp::align(ctx, &qf, &sf, false, fwd_bonus);
    ops.extend(fwd.ops);
    trim_dangling(
        ctx,
        Block {
            q: q_start..last.i + 1 + fwd.q_len as u32,
            s: s_start..last.j + 1 + fwd.s_len as u32,
            ops,
        },
    )
}

/// Whether most of the weight of tokens `xs` of side `x` is found among
/// the tokens `region` of side `y`.
fn moved(xs: &[u32], x: Side<'_>, y: Side<'_>, region: Range<u32>) -> bool {
    let total: f32 = xs.iter().map(|&k| x.weights[k as usize]).sum();
    if total <= 0.0 {
        return false;
    }
    let found: f32 = xs
        .iter()
        .filter(|&&k| {
            let h = x.tokens.tokens[k as usize].hash;
            region
                .clone()
                .any(|r| y.tokens.tokens[r as usize].hash == h)
        })
        .map(|&k| x.weights[k as usize])
        .sum();
    found >= 0.5 * total
}

/// Weight of matched query tokens below which a piece of a block beyond a
/// sentence boundary is dropped.
const DANGLING_WEIGHT: f32 = 0.5;

/// Cuts a block at a sentence boundary near either end when what lies
/// beyond it is only a few function words ("said. The"): a chain may run
/// on through a common word pair into the next or previous sentence.
fn trim_dangling(ctx: &Ctx<'_>, b: Block) -> Block {
    // Column positions: (ops index, query token, source token) before each op.
    let mut cols = Vec::with_capacity(b.ops.len() + 1);
    let (mut qi, mut si) = (b.q.start, b.s.start);
    for &op in &b.ops {
        cols.push((qi, si));
        let (dq, ds) = op.lengths();
        qi += dq;
        si += ds;
    }
    cols.push((qi, si));
    let credit = |k: usize| -> f32 {
        match b.ops[k] {
            Op::Match | Op::Fuzzy | Op::Split | Op::Join => ctx.q.weights[cols[k].0 as usize],
            _ => 0.0,
        }
    };
    // Op `k` starts a sentence when a token it consumes does (the side
    // that does not advance there does not count).
    let starts_sentence = |k: usize| -> bool {
        let (q, s) = cols[k];
        let (dq, ds) = b.ops[k].lengths();
        (dq > 0 && q > b.q.start && ctx.q.tokens.tokens[q as usize].is_sentence_start())
            || (ds > 0 && s > b.s.start && ctx.s.tokens.tokens[s as usize].is_sentence_start())
    };
    let n = b.ops.len();
    // Head: the first boundary column, if the part before it is weak.
    let mut lo = 0;
    let mut w = 0.0;
    for k in 0..n {
        if k > 0 && starts_sentence(k) {
            if w < DANGLING_WEIGHT {
                lo = k;
            }
            break;
        }
        w += credit(k);
    }
    // Tail: the last boundary column, if the part after it is weak.
    let mut hi = n;
    let mut w = 0.0;
    for k in (lo + 1..n).rev() {
        w += credit(k);
        if starts_sentence(k) {
            if w < DANGLING_WEIGHT {
                hi = k;
            }
            break;
        }
    }
    if lo == 0 && hi == n {
        return b;
    }
    let ops: Vec<Op> = b.ops[lo..hi].to_vec();
    let (q0, s0) = cols[lo];
    let (q1, s1) = cols[hi];
    let mut out = Block {
        q: q0..q1,
        s: s0..s1,
        ops,
    };
    // Never leave unmatched columns at the ends.
    while out
        .ops
        .first()
        .is_some_and(|o| !matches!(o, Op::Match | Op::Fuzzy | Op::Split | Op::Join))
    {
        let (dq, ds) = out.ops[0].lengths();
        out.q.start += dq;
        out.s.start += ds;
        out.ops.remove(0);
    }
    while out
        .ops
        .last()
        .is_some_and(|o| !matches!(o, Op::Match | Op::Fuzzy | Op::Split | Op::Join))
    {
        let (dq, ds) = out.ops.last().map_or((0, 0), |o| o.lengths());
        out.q.end -= dq;
        out.s.end -= ds;
        out.ops.pop();
    }
    out
}

/// Lowest token index an extension backwards from `i` may reach: the start
/// of `i`'s sentence, at most `limit` tokens away.
fn sentence_start_before(t: &Tokens, i: u32, limit: u32) -> u32 {
    let lo = i.saturating_sub(limit);
    let mut k = i;
    while k > lo && !t.tokens[k as usize].is_sentence_start() {
        k -= 1;
    }
    k
}

/// One past the highest token index an extension forwards from `i` may
/// reach: the end of `i`'s sentence, at most `limit` tokens away.
fn sentence_end_after(t: &Tokens, i: u32, limit: u32) -> u32 {
    let hi = i.saturating_add(limit).min(t.len() as u32 - 1);
    let mut k = i;
    while k < hi && !t.tokens[k as usize].is_sentence_end() {
        k += 1;
    }
    k + 1
}
