//! Edits: the word-level differences of a passage.
//!
//! An edit is a maximal run of alignment columns that are not exact
//! matches: a substitution when it consumes tokens of both texts, an
//! insertion when only query tokens, a deletion when only source tokens.

use crate::{Block, Edit, EditKind, Op, Passage};

impl Passage {
    /// The word-level differences of all blocks, in query order.
    pub fn edits(&self) -> Vec<Edit> {
        let mut out = Vec::new();
        for b in &self.blocks {
            block_edits(b, &mut out);
        }
        out
    }
}

/// Appends the edits of block `b` to `out`, in query order.
fn block_edits(b: &Block, out: &mut Vec<Edit>) {
    let (mut qi, mut si) = (b.q.start, b.s.start);
    let mut run: Option<(u32, u32)> = None;
    let flush = |run: &mut Option<(u32, u32)>, qi: u32, si: u32, out: &mut Vec<Edit>| {
        if let Some((q0, s0)) = run.take() {
            let kind = match (qi > q0, si > s0) {
                (true, true) => EditKind::Sub,
                (true, false) => EditKind::Ins,
                _ => EditKind::Del,
            };
            out.push(Edit {
                kind,
                q_tokens: q0..qi,
                s_tokens: s0..si,
            });
        }
    };
    for &op in &b.ops {
        if op == Op::Match {
            flush(&mut run, qi, si, out);
        } else if run.is_none() {
            run = Some((qi, si));
        }
        let (dq, ds) = op.lengths();
        qi += dq;
        si += ds;
    }
    flush(&mut run, qi, si, out);
}
