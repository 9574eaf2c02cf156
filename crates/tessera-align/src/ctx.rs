//! The scoring context every stage works in: both texts, the
//! configuration, and what aligning a query token with a source token is
//! worth (an exact match, a fuzzy match, a substitution, or one token
//! standing for two).

use crate::{AlignConfig, Op, Side, fuzzy};

/// Scoring context shared by the stages.
pub(crate) struct Ctx<'a> {
    pub(crate) q: Side<'a>,
    pub(crate) s: Side<'a>,
    pub(crate) cfg: &'a AlignConfig,
}

impl Ctx<'_> {
    /// Weight of a match of query token `i` and source token `j`: the mean
    /// of their weights.
    pub(crate) fn weight(&self, i: u32, j: u32) -> f32 {
        0.5 * (self.q.weights[i as usize] + self.s.weights[j as usize])
    }

    fn fuzzy(&self, a: &str, b: &str) -> f32 {
        let sim =
            fuzzy::similarity_at_least(a, b, self.cfg.fuzzy_min_len, self.cfg.fuzzy_min_similarity);
        if sim >= self.cfg.fuzzy_min_similarity {
            sim
        } else {
            0.0
        }
    }

    /// Op and score of aligning query token `i` with source token `j`.
    pub(crate) fn pair(&self, i: u32, j: u32) -> (Op, f32) {
        let qt = &self.q.tokens.tokens[i as usize];
        let st = &self.s.tokens.tokens[j as usize];
        if qt.hash == st.hash {
            return (Op::Match, self.weight(i, j));
        }
        let numeric = (qt.flags | st.flags) & tessera_text::NUMERIC != 0;
        if !numeric {
            let sim = self.fuzzy(
                self.q.tokens.norm(i as usize),
                self.s.tokens.norm(j as usize),
            );
            if sim > 0.0 {
                return (Op::Fuzzy, self.cfg.fuzzy_factor * sim * self.weight(i, j));
            }
        }
        (Op::Sub, -self.cfg.sub_cost)
    }

    /// Score of query token `i` standing for source tokens `j1 j2`.
    pub(crate) fn split(&self, i: u32, j1: u32, j2: u32) -> Option<f32> {
        let q = self.q.tokens.norm(i as usize);
        let (a, b) = (
            self.s.tokens.norm(j1 as usize),
            self.s.tokens.norm(j2 as usize),
        );
        if q.len() < a.len() + b.len() - 2 || !q.starts_with(a.chars().next()?) {
            return None;
        }
        let sim = self.fuzzy(q, &format!("{a}{b}"));
        (sim > 0.0).then(|| self.cfg.fuzzy_factor * sim * (self.weight(i, j1) + self.weight(i, j2)))
    }

    /// Score of query tokens `i1 i2` standing for source token `j`.
    pub(crate) fn join(&self, i1: u32, i2: u32, j: u32) -> Option<f32> {
        let s = self.s.tokens.norm(j as usize);
        let (a, b) = (
            self.q.tokens.norm(i1 as usize),
            self.q.tokens.norm(i2 as usize),
        );
        if s.len() < a.len() + b.len() - 2 || !s.starts_with(a.chars().next()?) {
            return None;
        }
        let sim = self.fuzzy(&format!("{a}{b}"), s);
        (sim > 0.0).then(|| self.cfg.fuzzy_factor * sim * (self.weight(i1, j) + self.weight(i2, j)))
    }
}
