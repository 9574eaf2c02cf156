//! Chains: anchors linked along the diagonal by dynamic programming.
//!
//! An anchor links to an earlier one at most `max_gap` tokens away in both
//! texts; the skipped tokens are charged for (substituted tokens, and the
//! difference of the two gap lengths: inserted or deleted tokens). Chains
//! are taken best first and each anchor is used once, so two crossing
//! chains (reordered sentences) both survive.

use crate::AlignConfig;
use crate::anchors::Anchor;
use crate::ctx::Ctx;

/// Chains anchors; returns chains (anchor index lists) best first.
pub(crate) fn chains(ctx: &Ctx<'_>, anchors: &[Anchor]) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    const LOOKBACK: usize = 256;
    let cfg = ctx.cfg;
    let n = anchors.len();
    let mut f = vec![0.0f32; n];
    let mut pred = vec![NONE; n];
    let gap_cost = |a: &Anchor, b: &Anchor| chain_gap_cost(cfg, a, b);
    for b in 0..n {
        let ab = anchors[b];
        let mut best = ab.w;
        let mut best_pred = NONE;
        let lo = b.saturating_sub(LOOKBACK);
        for a in (lo..b).rev() {
            let aa = anchors[a];
            if aa.i == ab.i {
                continue;
            }
            if ab.i - aa.i > cfg.max_gap + 1 {
                break;
            }
            if aa.j >= ab.j || ab.j - aa.j > cfg.max_gap + 1 {
                continue;
            }
            let cand = f[a] - gap_cost(&aa, &ab) + ab.w;
            if cand > best {
                best = cand;
                best_pred = a;
            }
        }
        f[b] = best;
        pred[b] = best_pred;
    }
    // A path's weight never exceeds `f` at its end (a predecessor is only
    // taken when it adds weight), and ends are taken best first, so ends
    // below the minimum chain weight could only yield rejected chains
    // after every accepted one: they are left out of the order.
    let mut order: Vec<usize> = (0..n).filter(|&k| f[k] >= cfg.min_chain_weight).collect();
    order.sort_by(|&a, &b| f[b].total_cmp(&f[a]).then(a.cmp(&b)));
    let mut used = vec![false; n];
    let mut out = Vec::new();
    for &end in &order {
        if used[end] {
            continue;
        }
        let mut path = Vec::new();
        let mut x = end;
        while x != NONE && !used[x] {
            path.push(x);
            used[x] = true;
            x = pred[x];
        }
        path.reverse();
        if chain_weight(ctx, anchors, &path) >= cfg.min_chain_weight {
            out.push(path);
        }
    }
    out
}

/// Cost of the tokens skipped between chained anchors `a` and `b`.
fn chain_gap_cost(cfg: &AlignConfig, a: &Anchor, b: &Anchor) -> f32 {
    let dq = b.i - a.i - 1;
    let ds = b.j - a.j - 1;
    cfg.chain_skew_cost * dq.abs_diff(ds) as f32 + cfg.chain_gap_cost * dq.min(ds) as f32
}

/// Anchor weight of a chain (anchor indices), net of its gap costs.
pub(crate) fn chain_weight(ctx: &Ctx<'_>, anchors: &[Anchor], chain: &[usize]) -> f32 {
    let mut weight = anchors[chain[0]].w;
    for p in chain.windows(2) {
        weight += anchors[p[1]].w - chain_gap_cost(ctx.cfg, &anchors[p[0]], &anchors[p[1]]);
    }
    weight
}
