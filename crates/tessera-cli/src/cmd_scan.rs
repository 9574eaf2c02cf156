//! `tessera scan` and `tessera dedup`: the whole corpus at once.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use serde::{Deserialize, Serialize};
use tessera::index::{IndexSettings, IndexWriter, WriterOptions};
use tessera::scan::{ScanConfig, ScanSummary};

use crate::args::{InputArgs, TuningArgs, parse_size};
use crate::progress::Bars;
use crate::{Global, Outcome};

/// Settings of the near-duplicate search: all of `dedup`'s, part of `scan`'s.
#[derive(Debug, Args)]
pub struct NearDupOptions {
    /// Least Jaccard similarity of word 5-gram sets for near-duplicates.
    #[arg(long, default_value_t = ScanConfig::default().neardup_jaccard)]
    neardup_jaccard: f64,
    /// Memory for sorting before sorted runs are spilled to disk, and for
    /// the index segment being built from the inputs (at least 8 MiB).
    #[arg(long, default_value = "512MiB", value_parser = parse_size, value_name = "SIZE")]
    memory: usize,
}

/// The index writer's options under a memory budget. The segment being
/// built gets at least [`MIN_SEGMENT_MEMORY`]: a budget sized for spilling
/// sorts would otherwise write a segment per document.
fn writer_options(memory: usize) -> WriterOptions {
    WriterOptions {
        memory_bytes: memory.max(MIN_SEGMENT_MEMORY) as u64,
        ..WriterOptions::default()
    }
}

/// The least memory of the segment being built from the inputs.
pub(crate) const MIN_SEGMENT_MEMORY: usize = 8 << 20;

impl NearDupOptions {
    fn config(&self) -> ScanConfig {
        ScanConfig {
            neardup_jaccard: self.neardup_jaccard,
            memory_budget: self.memory,
            ..ScanConfig::default()
        }
        .validated()
    }
}

/// Settings of `scan`.
#[derive(Debug, Args)]
pub struct ScanOptions {
    /// Bigrams in more documents than this are not used to pair documents.
    #[arg(long, default_value_t = ScanConfig::default().trace.min_df_cap)]
    max_df: u32,
    /// Least number of shared bigrams of a candidate pair.
    #[arg(long, default_value_t = ScanConfig::default().trace.min_shared_ngrams)]
    min_shared: u32,
    /// Most candidate sources aligned per document.
    #[arg(long, default_value_t = ScanConfig::default().trace.max_candidates)]
    max_candidates: usize,
    /// Least number of documents of a reported reuse cluster.
    #[arg(long, default_value_t = ScanConfig::default().min_cluster_size)]
    min_cluster_size: usize,
    #[command(flatten)]
    neardup: NearDupOptions,
    #[command(flatten)]
    tuning: TuningArgs,
}

impl ScanOptions {
    /// The scan's settings; of `--set`, the aligner's settings are used
    /// (the candidate search has its own options).
    fn config(&self) -> Result<ScanConfig> {
        let mut cfg = ScanConfig {
            min_cluster_size: self.min_cluster_size,
            ..self.neardup.config()
        };
        cfg.trace.align = self.tuning.config()?.align;
        cfg.trace.min_df_cap = self.max_df;
        cfg.trace.min_shared_ngrams = self.min_shared;
        cfg.trace.max_candidates = self.max_candidates;
        Ok(cfg.validated())
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to scan (indexed into OUT/index first).
    #[arg(
        value_name = "PATH",
        required_unless_present = "index",
        conflicts_with = "index"
    )]
    inputs: Vec<PathBuf>,
    /// Scan this existing index instead.
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Output directory (also holds checkpoints while the scan runs: rerun the same command to resume).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Keep the checkpoints (OUT/.scan) after the scan finishes (default: removed).
    #[arg(long)]
    keep_checkpoints: bool,
    /// Stop at the first bad record instead of skipping it.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    options: ScanOptions,
    #[command(flatten)]
    input: InputArgs,
}

/// What was ingested into OUT/index, to skip it when resuming.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct IngestMark {
    inputs: Vec<(String, u64)>,
    /// Records skipped when the index was built.
    #[serde(default)]
    skipped: u64,
}

fn input_mark(paths: &[PathBuf]) -> IngestMark {
    IngestMark {
        inputs: paths
            .iter()
            .map(|p| {
                let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                (p.display().to_string(), size)
            })
            .collect(),
        skipped: 0,
    }
}

/// Indexes `inputs` into `out/index` unless a previous run did; returns
/// the index, whether it was reused, and how many records were skipped.
fn ensure_index(
    out: &Path,
    inputs: &[PathBuf],
    input: &InputArgs,
    strict: bool,
    memory: usize,
    g: Global,
) -> Result<(PathBuf, bool, u64)> {
    let dir = out.join("index");
    let mark_path = out.join(".scan-ingest.json");
    let mut mark = input_mark(inputs);
    let previous: Option<IngestMark> = std::fs::read(&mark_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let Some(p) = previous
        && p.inputs == mark.inputs
        && dir.join(tessera::index::MANIFEST).exists()
    {
        if p.skipped > 0 && !g.quiet {
            note!(
                "reusing {} ({} records were skipped when it was built)",
                dir.display(),
                p.skipped
            );
        }
        return Ok((dir, true, p.skipped));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    let mut w =
        IndexWriter::open_or_create(&dir, IndexSettings::default(), writer_options(memory))?;
    let start = Instant::now();
    let report = crate::ingest::ingest(&mut w, inputs, &input.options(), strict, g.quiet)?;
    if !g.quiet {
        crate::ingest::print_report(&report, w.index().num_docs(), start.elapsed().as_secs_f64());
    }
    mark.skipped = report.skipped;
    std::fs::write(&mark_path, serde_json::to_vec(&mark)?)
        .with_context(|| format!("cannot write {}", mark_path.display()))?;
    Ok((dir, false, report.skipped))
}

pub fn scan(a: ScanArgs, g: Global) -> Result<Outcome> {
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let cfg = ScanConfig {
        keep_checkpoints: a.keep_checkpoints,
        ..a.options.config()?
    };
    let start = Instant::now();
    let (index_dir, resumed_ingest, skipped) = match &a.index {
        Some(d) => (d.clone(), false, 0),
        None => ensure_index(
            &a.out,
            &a.inputs,
            &a.input,
            a.strict,
            a.options.neardup.memory,
            g,
        )?,
    };
    let bars = Bars::new(g.quiet);
    let mut summary = tessera::scan::scan(&index_dir, &a.out, &cfg, &bars)?;
    if resumed_ingest {
        summary.resumed.insert(0, "index".into());
    }
    if !g.quiet {
        print_summary(&summary, &a.out, start.elapsed().as_secs_f64());
    }
    Ok(if skipped > 0 {
        Outcome::Skipped
    } else {
        Outcome::Done
    })
}

fn print_summary(s: &ScanSummary, out: &Path, secs: f64) {
    note!("scanned {} documents in {secs:.2} s", s.documents);
    if !s.resumed.is_empty() {
        note!("  resumed: {}", s.resumed.join(", "));
    }
    note!(
        "  near-duplicate clusters: {} ({} documents)",
        s.neardup_clusters,
        s.neardup_documents
    );
    note!(
        "  passage pairs: {} ({} syndicated copies aligned with their original); {} documents share a passage; {} candidate pairs aligned",
        s.pairs,
        s.syndication_pairs,
        s.documents_with_reuse,
        s.candidates_aligned
    );
    note!(
        "  reuse clusters: {} ({} boilerplate)",
        s.reuse_clusters,
        s.boilerplate_clusters
    );
    note!(
        "  outlets: {}; copy graph edges: {}",
        s.outlets,
        s.graph_edges
    );
    note!("  spin patterns seen twice or more: {}", s.spin_patterns);
    if s.spilled_runs > 0 {
        note!("  sorted runs spilled to disk: {}", s.spilled_runs);
    }
    let stages: Vec<String> = s
        .seconds
        .iter()
        .map(|(k, v)| format!("{k} {v:.2} s"))
        .collect();
    note!("  stages: {}", stages.join(", "));
    note!(
        "  written to {}: pairs, reuse_clusters, neardup_clusters, copy_graph, spin_patterns, spin_scores (.jsonl and .parquet), copy_graph.csv, copy_graph.graphml, summary.json",
        out.display()
    );
}

#[derive(Debug, Args)]
pub struct DedupArgs {
    /// Files or folders to deduplicate.
    #[arg(
        value_name = "PATH",
        required_unless_present = "index",
        conflicts_with = "index"
    )]
    inputs: Vec<PathBuf>,
    /// Deduplicate the documents of this index instead.
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Where to write the corpus (JSON Lines; `-` for standard output).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Keep every document and add `neardup_cluster` and `neardup_representative` fields instead of dropping copies.
    #[arg(long)]
    annotate: bool,
    /// Stop at the first bad record instead of skipping it.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    options: NearDupOptions,
    #[command(flatten)]
    input: InputArgs,
}

pub fn dedup(a: DedupArgs, g: Global) -> Result<Outcome> {
    let cfg = a.options.config();
    let tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut skipped = 0;
    let index_dir = match &a.index {
        Some(d) => d.clone(),
        None => {
            let dir = tmp.path().join("index");
            let mut w = IndexWriter::open_or_create(
                &dir,
                IndexSettings::default(),
                writer_options(a.options.memory),
            )?;
            let start = Instant::now();
            let report =
                crate::ingest::ingest(&mut w, &a.inputs, &a.input.options(), a.strict, g.quiet)?;
            if report.skipped > 0 && !g.quiet {
                let secs = start.elapsed().as_secs_f64();
                crate::ingest::print_report(&report, w.index().num_docs(), secs);
            }
            skipped = report.skipped;
            dir
        }
    };
    // A file is written under a temporary name and renamed when complete.
    let to_stdout = a.out.as_os_str() == "-";
    let mut tmp_name = a.out.clone().into_os_string();
    tmp_name.push(".tmp");
    let tmp_out = PathBuf::from(tmp_name);
    let sink: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(&tmp_out)
                .with_context(|| format!("cannot create {}", tmp_out.display()))?,
        )
    };
    let mut w = BufWriter::new(sink);
    let bars = Bars::new(g.quiet);
    let s = tessera::scan::dedup(&index_dir, &cfg, a.annotate, &bars, &mut w, &a.out)?;
    drop(w);
    if !to_stdout {
        std::fs::rename(&tmp_out, &a.out)
            .with_context(|| format!("cannot write {}", a.out.display()))?;
    }
    if !g.quiet {
        if a.annotate {
            note!(
                "annotated {} documents: {} near-duplicate clusters hold {} of them",
                s.kept,
                s.clusters,
                s.clustered
            );
        } else {
            note!(
                "kept {} documents, dropped {} near-duplicate copies ({} clusters; each keeps its earliest document)",
                s.kept,
                s.dropped,
                s.clusters
            );
        }
    }
    Ok(if skipped > 0 {
        Outcome::Skipped
    } else {
        Outcome::Done
    })
}
