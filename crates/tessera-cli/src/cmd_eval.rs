//! `tessera eval`: the PAN measures, on given detections or on tessera's own.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use tessera::eval::{Det, Gold, Layout, Span, evaluate, read_gold};
use tessera::index::{DocMeta, IndexSettings, IndexWriter, WriterOptions};
use tessera::ingest::{IngestOptions, Item, expand_inputs, read_input};
use tessera::report::Detection;
use tessera::{Engine, Query, TraceConfig, Weights, align_pair};

use crate::args::TuningArgs;
use crate::{Global, Outcome, progress};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold standard: a reuse-dev directory (truth.jsonl, queries.jsonl, sources.jsonl)
    /// or a PAN text-alignment corpus (pairs, susp/, src/, XML truth).
    #[arg(long, value_name = "DIR")]
    gold: PathBuf,
    /// Detections to score (JSON Lines, or a directory of PAN XML files). Without it,
    /// tessera runs on the gold standard's corpus and scores itself.
    #[arg(long, value_name = "PATH")]
    detections: Option<PathBuf>,
    /// When tessera runs itself on a JSON Lines gold standard: the index of its sources
    /// (built there from sources.jsonl if it does not exist; default: a temporary one).
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Also write tessera's detections here (JSON Lines; a directory for PAN XML).
    #[arg(long, value_name = "PATH")]
    write_detections: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
    format: EvalFormat,
    #[command(flatten)]
    tuning: TuningArgs,
}

fn to_det(d: &Detection) -> Det {
    Det {
        query_id: d.query_id.clone(),
        source_id: d.source_id.clone(),
        query: Span::new(d.query_offset, d.query_length),
        source: Span::new(d.source_offset, d.source_length),
    }
}

pub fn run(a: EvalArgs, g: Global) -> Result<Outcome> {
    let gold = read_gold(&a.gold)?;
    let start = Instant::now();
    let (dets, ran) = match &a.detections {
        Some(p) if p.is_dir() => (tessera::eval::read_pan_detections(p)?, false),
        Some(p) => (tessera::eval::read_jsonl_detections(p)?, false),
        None => {
            let config = a.tuning.config()?;
            let dets = match gold.layout {
                Layout::Jsonl => run_jsonl(&a, &config, g)?,
                Layout::Pan => run_pan(&a.gold, &gold, &config, g)?,
            };
            (dets, true)
        }
    };
    let secs = start.elapsed().as_secs_f64();
    if let Some(out) = &a.write_detections {
        match gold.layout {
            Layout::Pan => {
                std::fs::create_dir_all(out)
                    .with_context(|| format!("cannot create {}", out.display()))?;
                tessera::eval::write_pan_detections(out, &dets)?;
            }
            Layout::Jsonl => {
                let f = std::fs::File::create(out)
                    .with_context(|| format!("cannot create {}", out.display()))?;
                let mut w = std::io::BufWriter::new(f);
                tessera::eval::write_jsonl_detections(&mut w, &dets)?;
                std::io::Write::flush(&mut w)?;
            }
        }
    }
    let e = evaluate(&gold, &dets);
    match a.format {
        EvalFormat::Text => print!("{}", e.to_text()),
        EvalFormat::Json => println!("{}", serde_json::to_string_pretty(&e)?),
    }
    if ran && !g.quiet {
        eprintln!(
            "tessera ran on {} queries in {:.2} s ({:.1} ms per query)",
            gold.queries.len(),
            secs,
            secs * 1000.0 / gold.queries.len().max(1) as f64
        );
    }
    Ok(Outcome::Done)
}

/// Indexes `sources.jsonl` (unless the index exists) and traces `queries.jsonl`.
fn run_jsonl(a: &EvalArgs, config: &TraceConfig, g: Global) -> Result<Vec<Det>> {
    let tmp;
    let dir = match &a.index {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
            tmp.path().join("index")
        }
    };
    if !dir.join(tessera::index::MANIFEST).exists() {
        let mut w =
            IndexWriter::open_or_create(&dir, IndexSettings::default(), WriterOptions::default())?;
        let report = crate::ingest::ingest(
            &mut w,
            &[a.gold.join("sources.jsonl")],
            &IngestOptions::default(),
            true,
            g.quiet,
        )?;
        if !g.quiet {
            eprintln!("indexed {} sources", report.added);
        }
    }
    let engine = Engine::new(tessera::index::Index::open(&dir)?, config.clone());
    let queries = read_all(&a.gold.join("queries.jsonl"))?;
    let bar = progress::items(queries.len() as u64, g.quiet, "tracing");
    let reports: Vec<tessera::Result<Vec<Det>>> = queries
        .par_iter()
        .map(|(meta, text)| {
            let r = engine.trace(&Query {
                id: &meta.id,
                title: meta.title.as_deref(),
                text,
                exclude: engine.index().find(&meta.id),
            });
            bar.inc(1);
            r.map(|r| r.passages.iter().map(to_det).collect())
        })
        .collect();
    bar.finish_and_clear();
    let mut dets = Vec::new();
    for r in reports {
        dets.extend(r?);
    }
    Ok(dets)
}

fn read_all(path: &Path) -> Result<Vec<(DocMeta, String)>> {
    let (files, _) = expand_inputs(
        &[path.to_path_buf()],
        Some(tessera::ingest::InputFormat::Jsonl),
    )?;
    let mut out = Vec::new();
    for f in &files {
        read_input(f, &IngestOptions::default(), &|_| {}, &mut |item| {
            match item {
                Item::Doc { doc, .. } => out.push((doc.meta, doc.text)),
                Item::Skipped(s) => {
                    return Err(tessera::Error::Input {
                        location: s.location.to_string(),
                        reason: s.reason,
                    });
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Aligns every pair of a PAN corpus (the text-alignment task: each pair
/// on its own, no retrieval).
fn run_pan(dir: &Path, gold: &Gold, config: &TraceConfig, g: Global) -> Result<Vec<Det>> {
    let read = |sub: &str, name: &str| -> Result<String> {
        let p = dir.join(sub).join(name);
        let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
        match String::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) => bail!(
                "{}: invalid UTF-8 at byte {}",
                p.display(),
                e.utf8_error().valid_up_to()
            ),
        }
    };
    let bar = progress::items(gold.pan_pairs.len() as u64, g.quiet, "aligning");
    let weights = Weights::prior_only();
    let settings = IndexSettings::default();
    let results: Vec<Result<Vec<Det>>> = gold
        .pan_pairs
        .par_iter()
        .map(|(susp, src)| {
            let q = read(tessera::eval::PAN_SUSP_DIR, susp)?;
            let s = read(tessera::eval::PAN_SRC_DIR, src)?;
            let meta = DocMeta {
                id: src.clone(),
                ..DocMeta::default()
            };
            let r = align_pair(
                &Query {
                    id: susp,
                    title: None,
                    text: &q,
                    exclude: None,
                },
                &meta,
                &s,
                &settings,
                &weights,
                config,
            );
            bar.inc(1);
            Ok(r.passages.iter().map(to_det).collect())
        })
        .collect();
    bar.finish_and_clear();
    let mut dets = Vec::new();
    for r in results {
        dets.extend(r?);
    }
    Ok(dets)
}
