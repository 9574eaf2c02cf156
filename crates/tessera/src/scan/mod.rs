//! Scanning a whole corpus: all reused passages between its documents,
//! near-duplicate clusters, reuse clusters, the outlet copy graph and spin
//! statistics.
//!
//! [`scan`] runs in stages over an index, each one restartable:
//!
//! 1. **Documents.** Ids, outlets and dates of all live documents. The
//!    *source* of a pair is the earlier document: documents are ranked by
//!    date, undated ones after dated ones, ties by insertion order.
//! 2. **Near-duplicates.** Every document's word 5-gram set is summarised by
//!    a MinHash signature (126 hashes); documents colliding in one of 42
//!    bands of 3 hashes are candidates (a pair of Jaccard 0.5 collides with
//!    probability 0.996), and candidates are verified exactly. Pairs of exact
//!    Jaccard ≥ 0.5 are joined into clusters (connected components); the
//!    earliest member represents its cluster. Band keys go through an
//!    external sort, so memory stays bounded.
//! 3. **Passage pairs.** Each document is traced against the index like a
//!    query, restricted to earlier documents: candidates are the documents
//!    sharing at least `min_shared` of its word bigrams among those found in
//!    at most `max_df` documents (never all pairs), aligned with the same
//!    aligner as `trace`. A near-duplicate is aligned with its cluster's
//!    representative (a syndication pair) and with the earlier documents
//!    outside its cluster; every document sees another cluster through its
//!    representative: syndicated copies are not paired with each other, nor
//!    taken as sources in place of their original. Documents are processed in chunks whose
//!    results are checkpointed, so an interrupted run resumes where it
//!    stopped.
//! 4. **Aggregation.** Reuse clusters (pair spans that overlap within a
//!    document are one passage; passages linked by pairs are one cluster),
//!    the outlet copy graph, substitution patterns and spin scores, written
//!    as JSON Lines and Parquet (the graph also as CSV and GraphML).
//!
//! The output does not depend on the number of threads.
//!
//! One file per stage: `config.rs` (the settings), `docs.rs` (documents),
//! `neardup.rs` (near-duplicates), `grams.rs` and `candidates.rs` (the
//! candidate table and search), `pairs.rs` (passage pairs), `checkpoint.rs`
//! (what is kept between stages and runs), `aggregate.rs` (aggregation),
//! which feeds one accumulator per table (`pairs_table.rs`, `clusters.rs`,
//! `graph.rs`, `spin.rs`; `neardup_clusters` comes from `neardup.rs`), all
//! written through `output.rs`. `extsort.rs` is the external sort;
//! `dedup.rs` is `tessera dedup`.

mod aggregate;
mod candidates;
mod checkpoint;
mod clusters;
mod config;
mod dedup;
mod docs;
mod extsort;
mod grams;
mod graph;
mod neardup;
mod output;
mod pairs;
mod pairs_table;
pub mod parts;
mod spin;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tessera_index::Index;

use crate::engine::Engine;
use crate::error::Result;
use aggregate::{Inputs, aggregate};
use checkpoint::{Checkpoints, write_json};
use docs::Docs;
use grams::GramTable;
use neardup::neardups;
use pairs::PairStage;

pub use config::ScanConfig;
pub use dedup::{DedupSummary, dedup};
pub use graph::GraphEdge;
pub use neardup::{NearDupCluster, near_duplicates};

pub use crate::progress::{Progress, Quiet};

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// Documents scanned.
    pub documents: u64,
    /// Near-duplicate clusters.
    pub neardup_clusters: u64,
    /// Documents in near-duplicate clusters.
    pub neardup_documents: u64,
    /// Candidate document pairs aligned.
    pub candidates_aligned: u64,
    /// Aligned passage pairs (syndication pairs included).
    pub pairs: u64,
    /// Of them, a near-duplicate aligned with its cluster's representative.
    pub syndication_pairs: u64,
    /// Documents sharing at least one passage with another.
    pub documents_with_reuse: u64,
    /// Reuse clusters of at least `min_cluster_size` documents.
    pub reuse_clusters: u64,
    /// Of them, boilerplate (mostly one outlet).
    pub boilerplate_clusters: u64,
    /// Outlets.
    pub outlets: u64,
    /// Edges of the copy graph.
    pub graph_edges: u64,
    /// Substitution patterns seen at least twice.
    pub spin_patterns: u64,
    /// Fingerprints in the candidate table (found in 2 to `max_df`
    /// documents).
    #[serde(default)]
    pub table_fingerprints: u64,
    /// Memory of the candidate table, in bytes.
    #[serde(default)]
    pub table_bytes: u64,
    /// Sorted runs spilled to disk (memory budget reached).
    pub spilled_runs: u64,
    /// Stages reused from an earlier, interrupted run.
    pub resumed: Vec<String>,
    /// Seconds per stage.
    pub seconds: BTreeMap<String, f64>,
}

/// Scans the index in `index_dir`, writing results to `out`.
pub fn scan(
    index_dir: &Path,
    out: &Path,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<ScanSummary> {
    let cfg = &cfg.validated();
    let index = Index::open(index_dir)?;
    let mut checkpoints = Checkpoints::open(out, &index, cfg)?;
    let engine = Engine::new(index, cfg.trace.clone());
    let mut summary = ScanSummary::default();
    let timer = Instant::now();
    let docs = Docs::load(engine.index(), progress)?;
    summary
        .seconds
        .insert("documents".into(), timer.elapsed().as_secs_f64());
    let n = docs.docs.len();
    summary.documents = n as u64;
    summary.outlets = docs.outlets_used();

    let timer = Instant::now();
    let nd = match checkpoints.neardups()? {
        Some(nd) => {
            summary.resumed.push("near-duplicates".into());
            nd
        }
        None => {
            let work = checkpoints.work();
            let nd = neardups(
                &engine,
                &docs,
                cfg,
                work,
                progress,
                &mut summary.spilled_runs,
            )?;
            checkpoints.save_neardups(&nd)?;
            nd
        }
    };
    summary
        .seconds
        .insert("near-duplicates".into(), timer.elapsed().as_secs_f64());
    let (rep, cluster_of) = nd.maps(n);
    engine.index().release_pages();

    let timer = Instant::now();
    let chunks = n.div_ceil(cfg.chunk_docs);
    pair_stage(
        &engine,
        &docs,
        cfg,
        &checkpoints,
        (&rep, &cluster_of),
        &mut summary,
        progress,
    )?;
    summary
        .seconds
        .insert("pairs".into(), timer.elapsed().as_secs_f64());

    let timer = Instant::now();
    let input = Inputs {
        docs: &docs,
        nd: &nd,
        cluster_of: &cluster_of,
        cfg,
        checkpoints: &checkpoints,
        chunks,
    };
    aggregate(&input, out, &mut summary, progress)?;
    summary
        .seconds
        .insert("outputs".into(), timer.elapsed().as_secs_f64());
    summary.neardup_clusters = nd.clusters.len() as u64;
    summary.neardup_documents = nd.clusters.iter().map(|c| c.len() as u64).sum();
    write_json(&out.join("summary.json"), &summary)?;
    if !cfg.keep_checkpoints {
        checkpoints.remove()?;
    }
    Ok(summary)
}

/// The candidate table and the passage pairs of every chunk not yet
/// checkpointed (`near`: each document's near-duplicate representative,
/// when it is a copy, and cluster).
fn pair_stage(
    engine: &Engine,
    docs: &Docs,
    cfg: &ScanConfig,
    checkpoints: &Checkpoints,
    (rep, cluster): (&[Option<u32>], &[Option<u32>]),
    summary: &mut ScanSummary,
    progress: &dyn Progress,
) -> Result<()> {
    let n = docs.docs.len();
    let chunks = n.div_ceil(cfg.chunk_docs);
    let done: Vec<bool> = (0..chunks).map(|c| checkpoints.has_chunk(c)).collect();
    let todo = done.iter().filter(|d| !**d).count();
    if todo < chunks && chunks > 0 {
        summary
            .resumed
            .push(format!("pairs ({} of {} chunks)", chunks - todo, chunks));
    }
    let table = if todo > 0 {
        let t = candidates::build_table(engine, docs, cfg, rep, progress)?;
        summary.table_fingerprints = t.len() as u64;
        summary.table_bytes = t.heap_bytes() as u64;
        t
    } else {
        GramTable::default()
    };
    let stage = PairStage {
        engine,
        docs,
        table: &table,
        cfg,
        rep,
        cluster,
    };
    progress.start("pairs", (todo * cfg.chunk_docs).min(n) as u64);
    for (c, &finished) in done.iter().enumerate() {
        if finished {
            continue;
        }
        let range = c * cfg.chunk_docs..((c + 1) * cfg.chunk_docs).min(n);
        let (rows, aligned) = stage.chunk(range, progress)?;
        summary.candidates_aligned += aligned;
        checkpoints.write_chunk(c, &rows)?;
        // The texts read for this chunk are not kept mapped.
        engine.index().release_pages();
    }
    progress.finish();
    Ok(())
}

#[cfg(test)]
mod tests;
