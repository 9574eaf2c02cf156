//! Stage 5 of a scan, the outputs: the checkpointed pairs are parsed and
//! rendered on all cores, a few chunks at a time (bounded memory), and
//! consumed in chunk order (deterministic) by one accumulator per table:
//! `pairs` (`pairs_table.rs`), `reuse_clusters` (`clusters.rs`), the copy
//! graph (`graph.rs`) and the spin tables (`spin.rs`); the
//! `neardup_clusters` table comes from the near-duplicate stage.

use std::path::Path;

use rayon::prelude::*;

use super::checkpoint::Checkpoints;
use super::clusters::ReuseClusters;
use super::docs::Docs;
use super::graph::CopyGraph;
use super::neardup::NearDups;
use super::pairs_table::{PairsTable, Rendered, render};
use super::spin::Spin;
use super::{Progress, ScanConfig, ScanSummary};
use crate::error::Result;

/// What the outputs are made of.
pub(super) struct Inputs<'a> {
    pub(super) docs: &'a Docs,
    pub(super) nd: &'a NearDups,
    pub(super) cluster_of: &'a [Option<u32>],
    pub(super) cfg: &'a ScanConfig,
    pub(super) checkpoints: &'a Checkpoints,
    /// Chunks of the pair stage.
    pub(super) chunks: usize,
}

/// Writes every table into `out`.
pub(super) fn aggregate(
    input: &Inputs<'_>,
    out: &Path,
    summary: &mut ScanSummary,
    progress: &dyn Progress,
) -> Result<()> {
    let (docs, cluster_of) = (input.docs, input.cluster_of);
    let mut pairs = PairsTable::new(out, docs.docs.len())?;
    let mut clusters = ReuseClusters::new(input.checkpoints.work(), input.cfg);
    let mut graph = CopyGraph::default();
    let mut spin = Spin::default();
    progress.start("outputs", input.chunks as u64);
    let batch = rayon::current_num_threads().max(1) * 2;
    for first in (0..input.chunks).step_by(batch) {
        let rendered: Vec<Result<Rendered>> = (first..(first + batch).min(input.chunks))
            .into_par_iter()
            .map(|c| {
                let rows = input.checkpoints.read_chunk(c)?;
                render(docs, cluster_of, rows, input.checkpoints.work())
            })
            .collect();
        for r in rendered {
            let r = r?;
            for (k, row) in r.rows.iter().enumerate() {
                pairs.push(&r, k)?;
                clusters.push(row)?;
                graph.push(docs, row);
                spin.add_words(row.q, r.spin[k]);
            }
            for (k, key) in r.patterns {
                spin.add_pattern(key, docs.docs[r.rows[k].q as usize].outlet);
            }
            progress.advance(1);
        }
    }
    pairs.finish(summary)?;
    progress.finish();
    clusters.finish(docs, input.cfg, out, summary, progress)?;
    input.nd.write_table(docs, out)?;
    graph.finish(docs, out, summary)?;
    spin.finish(docs, out, summary)
}
