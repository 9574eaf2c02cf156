//! `tessera eval`: the PAN measures, on given detections or on tessera's own.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use tessera::eval::{Layout, detect, evaluate, read_gold};

use crate::args::TuningArgs;
use crate::{Global, Outcome, progress};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold standard: a reuse-dev directory (truth.jsonl, queries.jsonl, sources.jsonl),
    /// a PAN 2012-2015 text-alignment corpus (pairs, susp/, src/, XML truth) or a
    /// PAN 2009-2011 corpus (source-documents/, suspicious-documents/ with XML truth).
    #[arg(long, value_name = "DIR")]
    gold: PathBuf,
    /// Detections to score (JSON Lines, or a directory of PAN XML files). Without it,
    /// tessera runs on the gold standard's corpus and scores itself.
    #[arg(long, value_name = "PATH")]
    detections: Option<PathBuf>,
    /// When tessera runs itself on a reuse-dev or PAN 2009-2011 gold standard: the index of its sources
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

pub fn run(a: EvalArgs, g: Global) -> Result<Outcome> {
    let gold = read_gold(&a.gold)?;
    for w in &gold.warnings {
        note!("warning: {w}");
    }
    let start = Instant::now();
    let (dets, ran) = match &a.detections {
        Some(p) if p.is_dir() => (tessera::eval::read_pan_detections(p)?, false),
        Some(p) => (tessera::eval::read_jsonl_detections(p)?, false),
        None => {
            let config = a.tuning.config()?;
            let bars = progress::Bars::new(g.quiet);
            let dets = detect(&a.gold, &gold, a.index.as_deref(), &config, &bars)?;
            (dets, true)
        }
    };
    let secs = start.elapsed().as_secs_f64();
    if let Some(out) = &a.write_detections {
        match gold.layout {
            Layout::Pan => tessera::eval::write_pan_detections(out, &dets)?,
            Layout::Pan09 => tessera::eval::write_pan09_detections(out, &dets)?,
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
        EvalFormat::Text => write!(std::io::stdout(), "{}", e.to_text())?,
        EvalFormat::Json => writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&e)?)?,
    }
    if ran && !g.quiet {
        note!(
            "tessera ran on {} queries in {:.2} s ({:.1} ms per query)",
            gold.queries.len(),
            secs,
            secs * 1000.0 / gold.queries.len().max(1) as f64
        );
    }
    Ok(Outcome::Done)
}
