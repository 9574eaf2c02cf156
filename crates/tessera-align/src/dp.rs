//! Small affine-gap alignments between anchors and at the ends of a chain.
//!
//! Gotoh's three-state recurrence over tokens: a diagonal state (match,
//! fuzzy match, substitution, and the OCR "lost blank" cases where one token
//! stands for two), a query-only state (words the copier inserted) and a
//! source-only state (words the copier dropped). Regions are bounded by the
//! chaining gap, so the matrices stay tiny.

use crate::Op;
use crate::ctx::Ctx;

const NEG: f32 = -1.0e9;

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    M,
    X,
    Y,
}

/// One cell's best predecessor in each state: (state, op that entered).
#[derive(Clone, Copy)]
struct Back {
    m: (St, Op),
    x: St,
    y: St,
}

impl Default for Back {
    fn default() -> Self {
        Back {
            m: (St::M, Op::Match),
            x: St::M,
            y: St::M,
        }
    }
}

/// Result of aligning two token ranges.
pub(crate) struct Aligned {
    pub ops: Vec<Op>,
    /// Tokens consumed on the query and source side.
    pub q_len: usize,
    pub s_len: usize,
}

/// Aligns query tokens `q` and source tokens `s` (index lists into the
/// sequences, in the direction of alignment).
///
/// `global`: both ranges are consumed entirely (bridging two anchors).
/// Otherwise the alignment starts at the first tokens and may stop anywhere
/// (extending a chain outwards); only a positive-scoring prefix is kept.
/// `bonus` is added to the score of consuming both ranges entirely (they
/// end at sentence boundaries: copiers take whole sentences).
pub(crate) fn align(ctx: &Ctx<'_>, q: &[u32], s: &[u32], global: bool, bonus: f32) -> Aligned {
    let open = ctx.cfg.gap_open;
    let ext = ctx.cfg.gap_extend;
    let mut grid = Grid::new(q.len(), s.len(), open, ext);
    grid.fill(ctx, q, s, open, ext);
    let (ex, ey, st) = if global {
        grid.global_end()
    } else {
        grid.free_end(bonus)
    };
    if !global && (ex, ey) == (0, 0) {
        return Aligned {
            ops: Vec::new(),
            q_len: 0,
            s_len: 0,
        };
    }
    Aligned {
        ops: grid.trace_back(ex, ey, st),
        q_len: ex,
        s_len: ey,
    }
}

/// The score matrices of the three states and their back pointers, row
/// by row: `n + 1` rows (query prefixes) of `w = m + 1` cells (source
/// prefixes).
struct Grid {
    n: usize,
    m: usize,
    w: usize,
    hm: Vec<f32>,
    hx: Vec<f32>,
    hy: Vec<f32>,
    back: Vec<Back>,
}

impl Grid {
    /// The matrices for `n` query and `m` source tokens, with their first
    /// row and column set: a gap from the start.
    fn new(n: usize, m: usize, open: f32, ext: f32) -> Self {
        let w = m + 1;
        let mut g = Grid {
            n,
            m,
            w,
            hm: vec![NEG; (n + 1) * w],
            hx: vec![NEG; (n + 1) * w],
            hy: vec![NEG; (n + 1) * w],
            back: vec![Back::default(); (n + 1) * w],
        };
        g.hm[0] = 0.0;
        for x in 1..=n {
            g.hx[x * w] = -(open + ext * (x as f32 - 1.0));
            g.back[x * w].x = if x == 1 { St::M } else { St::X };
        }
        for y in 1..=m {
            g.hy[y] = -(open + ext * (y as f32 - 1.0));
            g.back[y].y = if y == 1 { St::M } else { St::Y };
        }
        g
    }

    /// Fills the other cells, row by row.
    fn fill(&mut self, ctx: &Ctx<'_>, q: &[u32], s: &[u32], open: f32, ext: f32) {
        let w = self.w;
        let (hm, hx, hy) = (&mut self.hm[..], &mut self.hx[..], &mut self.hy[..]);
        let back = &mut self.back[..];
        for x in 1..=self.n {
            for y in 1..=self.m {
                let c = x * w + y;
                let bm = diagonal(ctx, q, s, (x, y), w, (hm, hx, hy));
                hm[c] = bm.0;
                back[c].m = (bm.1, bm.2);
                // Query-only token (gap in the source).
                let up = (x - 1) * w + y;
                let from_m = hm[up].max(hy[up]) - open;
                let from_x = hx[up] - ext;
                if from_x >= from_m {
                    hx[c] = from_x;
                    back[c].x = St::X;
                } else {
                    hx[c] = from_m;
                    back[c].x = if hm[up] >= hy[up] { St::M } else { St::Y };
                }
                // Source-only token (gap in the query).
                let left = x * w + (y - 1);
                let from_m = hm[left].max(hx[left]) - open;
                let from_y = hy[left] - ext;
                if from_y >= from_m {
                    hy[c] = from_y;
                    back[c].y = St::Y;
                } else {
                    hy[c] = from_m;
                    back[c].y = if hm[left] >= hx[left] { St::M } else { St::X };
                }
            }
        }
    }

    /// End cell of a global alignment: the last one, in its best state.
    fn global_end(&self) -> (usize, usize, St) {
        let (_, st) = best3(self.n * self.w + self.m, &self.hm, &self.hx, &self.hy);
        (self.n, self.m, st)
    }

    /// Free end: best cell that ends on a diagonal step, ties to the
    /// shorter extension (it carries less risk).
    fn free_end(&self, bonus: f32) -> (usize, usize, St) {
        let (n, m, w) = (self.n, self.m, self.w);
        let (hm, hx, hy) = (&self.hm[..], &self.hx[..], &self.hy[..]);
        let mut best = (0usize, 0usize, 0.0f32, St::M);
        for x in 0..=n {
            for y in 0..=m {
                let mut v = hm[x * w + y];
                if (x, y) == (n, m) {
                    v = v.max(hx[x * w + y]).max(hy[x * w + y]) + bonus;
                }
                if (x, y) != (0, 0) && v > best.2 + 1e-6 {
                    let st = if (x, y) == (n, m) {
                        best3(x * w + y, hm, hx, hy).1
                    } else {
                        St::M
                    };
                    best = (x, y, v, st);
                }
            }
        }
        (best.0, best.1, best.3)
    }

    /// The ops from the start to cell `(ex, ey)` entered in state `st`.
    fn trace_back(&self, ex: usize, ey: usize, st: St) -> Vec<Op> {
        let w = self.w;
        let mut ops = Vec::with_capacity(self.n + self.m);
        let (mut x, mut y, mut st) = (ex, ey, st);
        while x > 0 || y > 0 {
            let c = x * w + y;
            match st {
                St::M => {
                    let (prev, op) = self.back[c].m;
                    ops.push(op);
                    match op {
                        Op::Split => {
                            x -= 1;
                            y -= 2;
                        }
                        Op::Join => {
                            x -= 2;
                            y -= 1;
                        }
                        _ => {
                            x -= 1;
                            y -= 1;
                        }
                    }
                    st = prev;
                }
                St::X => {
                    ops.push(Op::Ins);
                    st = self.back[c].x;
                    x -= 1;
                }
                St::Y => {
                    ops.push(Op::Del);
                    st = self.back[c].y;
                    y -= 1;
                }
            }
        }
        ops.reverse();
        ops
    }
}

/// The best of the three states at cell `c` (ties to M, then X).
fn best3(c: usize, hm: &[f32], hx: &[f32], hy: &[f32]) -> (f32, St) {
    let mut b = (hm[c], St::M);
    if hx[c] > b.0 {
        b = (hx[c], St::X);
    }
    if hy[c] > b.0 {
        b = (hy[c], St::Y);
    }
    b
}

/// Best diagonal step into cell `(x, y)` of a grid with rows of `w` cells:
/// its score, the state it leaves and its op.
fn diagonal(
    ctx: &Ctx<'_>,
    q: &[u32],
    s: &[u32],
    (x, y): (usize, usize),
    w: usize,
    (hm, hx, hy): (&[f32], &[f32], &[f32]),
) -> (f32, St, Op) {
    // Diagonal: one query token against one source token.
    let (op, sc) = ctx.pair(q[x - 1], s[y - 1]);
    let (pv, ps) = best3((x - 1) * w + (y - 1), hm, hx, hy);
    let mut bm = (pv + sc, ps, op);
    // One query token for two source tokens, or two for one.
    if y >= 2
        && let Some(sc2) = ctx.split(q[x - 1], s[y - 2], s[y - 1])
    {
        let (pv, ps) = best3((x - 1) * w + (y - 2), hm, hx, hy);
        if pv + sc2 > bm.0 {
            bm = (pv + sc2, ps, Op::Split);
        }
    }
    if x >= 2
        && let Some(sc2) = ctx.join(q[x - 2], q[x - 1], s[y - 1])
    {
        let (pv, ps) = best3((x - 2) * w + (y - 1), hm, hx, hy);
        if pv + sc2 > bm.0 {
            bm = (pv + sc2, ps, Op::Join);
        }
    }
    bm
}
