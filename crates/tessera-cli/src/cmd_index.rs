//! `tessera index ...`: add, stats, delete, compact, recover.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use tessera::index::{DuplicatePolicy, Index, IndexSettings, IndexWriter, WriterOptions};

use crate::args::{IndexArg, InputArgs, parse_size};
use crate::ingest::{ingest, print_report};
use crate::{Global, Outcome};

#[derive(Debug, Subcommand)]
pub enum IndexCmd {
    /// Add documents from JSON Lines, text or HTML files, folders, or `-` (stdin).
    Add(AddArgs),
    /// Show what the index holds.
    Stats {
        #[command(flatten)]
        index: IndexArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete documents by id.
    Delete {
        /// Ids to delete.
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        index: IndexArg,
        /// Delete the ids that exist even if some do not.
        #[arg(long)]
        ignore_missing: bool,
    },
    /// Rewrite the index without deleted documents, in as few segments as possible.
    Compact {
        #[command(flatten)]
        index: IndexArg,
    },
    /// Rebuild a lost or damaged MANIFEST from the segment files whose checksums verify.
    ///
    /// Nothing is deleted: a segment that fails verification is moved into
    /// DIR/quarantine/, a damaged MANIFEST is kept as MANIFEST.damaged. An
    /// index whose MANIFEST reads fine is left as it is.
    Recover {
        #[command(flatten)]
        index: IndexArg,
        /// Print what was recovered as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DupArg {
    /// The new document replaces the indexed one.
    Replace,
    /// The new document is refused and reported.
    Reject,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files, folders, or `-` for standard input (JSON Lines unless --input-format says otherwise).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    index: IndexArg,
    #[command(flatten)]
    input: InputArgs,
    /// What to do with an id that is already indexed.
    #[arg(long, value_enum, default_value_t = DupArg::Replace)]
    on_duplicate: DupArg,
    /// Stop at the first bad record and commit nothing.
    #[arg(long)]
    strict: bool,
    /// Print the ingest report as JSON on standard output.
    #[arg(long)]
    json: bool,
    /// Memory for the segment being built (postings, frequencies, ids);
    /// when it is full the segment is written out and a new one started
    /// (at least 8 MiB).
    #[arg(long, default_value = "512MiB", value_parser = parse_size, value_name = "SIZE")]
    memory: usize,
}

pub fn run(cmd: IndexCmd, g: Global) -> Result<Outcome> {
    match cmd {
        IndexCmd::Add(a) => add(a, g),
        IndexCmd::Stats { index, json } => stats(&index.index, json),
        IndexCmd::Delete {
            ids,
            index,
            ignore_missing,
        } => delete(&index.index, ids, ignore_missing, g),
        IndexCmd::Compact { index } => compact(&index.index, g),
        IndexCmd::Recover { index, json } => recover(&index.index, json, g),
    }
}

fn add(a: AddArgs, g: Global) -> Result<Outcome> {
    let opts = WriterOptions {
        duplicates: match a.on_duplicate {
            DupArg::Replace => DuplicatePolicy::Replace,
            DupArg::Reject => DuplicatePolicy::Reject,
        },
        memory_bytes: a.memory.max(crate::cmd_scan::MIN_SEGMENT_MEMORY) as u64,
        ..WriterOptions::default()
    };
    let start = Instant::now();
    let mut writer = IndexWriter::open_or_create(&a.index.index, IndexSettings::default(), opts)
        .with_context(|| format!("cannot open index {}", a.index.index.display()))?;
    let report = ingest(&mut writer, &a.paths, &a.input.options(), a.strict, g.quiet)?;
    let secs = start.elapsed().as_secs_f64();
    if a.json {
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&report)?
        )?;
    }
    if !g.quiet {
        print_report(&report, writer.index().num_docs(), secs);
    }
    Ok(if report.skipped > 0 {
        Outcome::Skipped
    } else {
        Outcome::Done
    })
}

fn human_bytes(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64)
    } else if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    } else if b >= 1 << 10 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}

fn stats(dir: &Path, json: bool) -> Result<Outcome> {
    let index = Index::open(dir)?;
    let s = index.stats();
    // Written with `writeln!`, not `println!`: a closed pipe is an error that
    // propagates (and `main` treats as success), not a panic.
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?;
        return Ok(Outcome::Done);
    }
    let per_doc = s.bytes_on_disk.checked_div(s.documents).unwrap_or(0);
    writeln!(out, "index        {}", dir.display())?;
    writeln!(
        out,
        "format       version {} (generation {})",
        s.format_version, s.generation
    )?;
    writeln!(
        out,
        "documents    {} live, {} deleted (until compaction)",
        s.documents, s.deleted
    )?;
    writeln!(out, "segments     {}", s.segments)?;
    writeln!(
        out,
        "text         {} ({} characters, {} tokens)",
        human_bytes(s.text_bytes),
        s.text_chars,
        s.tokens
    )?;
    writeln!(
        out,
        "on disk      {} ({} per document)",
        human_bytes(s.bytes_on_disk),
        human_bytes(per_doc)
    )?;
    writeln!(
        out,
        "fingerprints {} distinct word {}-grams, winnowed with a window of {}",
        s.fingerprints, s.settings.ngram, s.settings.window
    )?;
    writeln!(out, "vocabulary   {} distinct tokens", s.vocabulary)?;
    match s.date_range {
        Some((a, b)) => writeln!(
            out,
            "dates        {} to {} ({} undated)",
            tessera::date::format_day(a),
            tessera::date::format_day(b),
            s.undated
        )?,
        None => writeln!(out, "dates        none")?,
    }
    out.flush()?;
    Ok(Outcome::Done)
}

fn delete(dir: &Path, ids: Vec<String>, ignore_missing: bool, g: Global) -> Result<Outcome> {
    let mut w = IndexWriter::open(dir, WriterOptions::default())?;
    let n = match w.delete(&ids) {
        Ok(n) => n,
        Err(tessera::index::Error::NotFound { ids: missing }) if ignore_missing => {
            let present: Vec<String> = ids.into_iter().filter(|i| !missing.contains(i)).collect();
            if !g.quiet {
                note!("not in the index (ignored): {}", missing.join(", "));
            }
            w.delete(&present)?
        }
        Err(e) => return Err(anyhow::Error::new(e).context("nothing was deleted")),
    };
    w.commit()?;
    if !g.quiet {
        note!(
            "deleted {n} documents; the index now holds {}",
            w.index().num_docs()
        );
    }
    Ok(Outcome::Done)
}

fn compact(dir: &Path, g: Global) -> Result<Outcome> {
    let mut w = IndexWriter::open(dir, WriterOptions::default())?;
    let before = w.index().stats();
    let start = Instant::now();
    w.compact()?;
    let after = w.index().stats();
    if !g.quiet {
        note!(
            "compacted in {:.2} s: {} segments -> {}, {} deleted documents dropped, {} -> {}",
            start.elapsed().as_secs_f64(),
            before.segments,
            after.segments,
            before.deleted,
            human_bytes(before.bytes_on_disk),
            human_bytes(after.bytes_on_disk)
        );
    }
    Ok(Outcome::Done)
}

fn recover(dir: &Path, json: bool, g: Global) -> Result<Outcome> {
    let r = tessera::index::recover(dir)
        .with_context(|| format!("cannot recover the index {}", dir.display()))?;
    if json {
        writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&r)?)?;
    }
    if g.quiet {
        return Ok(Outcome::Done);
    }
    if r.manifest_was_valid {
        note!(
            "{}: the MANIFEST reads fine; nothing to recover",
            dir.display()
        );
        return Ok(Outcome::Done);
    }
    if r.damaged_manifest_kept {
        note!(
            "the damaged MANIFEST was kept as {}",
            dir.join(tessera::index::DAMAGED_MANIFEST).display()
        );
    }
    for (name, why) in &r.quarantined {
        note!(
            "{name} failed verification and was moved to {}: {why}",
            dir.join(tessera::index::QUARANTINE).display()
        );
    }
    if r.superseded > 0 {
        note!(
            "{} documents were hidden because a newer segment holds the same id",
            r.superseded
        );
    }
    note!(
        "recovered {} segments ({} with deletion files) holding {} documents; generation {}",
        r.segments.len(),
        r.deletion_files.len(),
        r.documents,
        r.generation
    );
    Ok(Outcome::Done)
}
