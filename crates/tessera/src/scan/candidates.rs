//! Stage 3 of a scan, candidate search: the candidate table
//! ([`GramTable`], built in `grams.rs`) over the documents that can be
//! sources, and each document's candidate sources found in it with the
//! search shared with `trace` ([`crate::candidates`]).

use tessera_text::Tokens;

use super::docs::Docs;
use super::grams::GramTable;
use super::{Progress, ScanConfig};
use crate::candidates::{Ranking, distinct_ngrams};
use crate::engine::Engine;
use crate::error::Result;

/// The candidate table: fingerprints of 2 to `min_df_cap` documents (and
/// the concentrated or popular ones above), syndicated copies left out
/// (each near-duplicate cluster is seen through its representative) but
/// for an outlet's boilerplate first seen in one.
pub(super) fn build_table(
    engine: &Engine,
    docs: &Docs,
    cfg: &ScanConfig,
    rep: &[Option<u32>],
    progress: &dyn Progress,
) -> Result<GramTable> {
    progress.start("candidate table", 0);
    // Documents per outlet that can be sources (not syndicated copies).
    let mut outlet_docs = vec![0u32; docs.outlets.len()];
    for (d, r) in docs.docs.iter().zip(rep) {
        if r.is_none() {
            outlet_docs[d.outlet as usize] += 1;
        }
    }
    let t = GramTable::build(
        engine.index(),
        cfg.trace.min_df_cap,
        |a| docs.index_of(a).filter(|&b| rep[b as usize].is_none()),
        |a| docs.index_of(a),
        |b| docs.docs[b as usize].outlet,
        |b| docs.rank[b as usize],
        &outlet_docs,
    )?;
    progress.finish();
    Ok(t)
}

/// Candidate sources of a document (its `tokens`) among the documents that
/// `keep` accepts (given whether the shared n-gram is boilerplate), best
/// first, each with the positions of the n-grams it shares: those sharing
/// at least `min_shared_ngrams` n-grams of the table within `hit_window`
/// tokens, ranked by the summed `ln(1 + cap / df)` of the n-grams they
/// share.
pub(super) fn candidates(
    engine: &Engine,
    table: &GramTable,
    tokens: &Tokens,
    cfg: &ScanConfig,
    keep: impl Fn(u32, bool) -> bool,
) -> Vec<(u32, Vec<u32>)> {
    let grams = distinct_ngrams(engine.index().analyzer().fingerprinter(), tokens);
    let max_df = cfg.trace.min_df_cap;
    let cap = f64::from(max_df.max(2));
    // (document, position of the shared n-gram, its weight).
    let mut hits: Vec<(u32, u32, f64)> = Vec::new();
    for (h, pos) in grams {
        let Some((df, list, boilerplate)) = table.get(h) else {
            continue;
        };
        // Rarity within the cap: an n-gram of two documents weighs five
        // times one of `max_df`. A copy shares rare n-grams; documents that
        // merely share a common phrasing (a sentence every wire story
        // uses) share frequent ones, and would otherwise crowd the copy
        // out of the candidates of a large corpus. Boilerplate counts as
        // the most frequent.
        let w = (1.0 + cap / f64::from(df.min(max_df))).ln();
        hits.extend(
            list.iter()
                .filter(|&&b| keep(b, boilerplate))
                .map(|&b| (b, pos, w)),
        );
    }
    // Each document's weights are summed in query order.
    hits.sort_unstable_by_key(|a| (a.0, a.1));
    Ranking {
        min_shared: cfg.trace.min_shared_ngrams,
        window: cfg.trace.hit_window,
        max: cfg.trace.max_candidates,
    }
    .rank(&hits)
}
