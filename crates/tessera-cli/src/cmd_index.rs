//! `tessera index ...`: add, stats, delete, compact, recover.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use tessera::index::{DuplicatePolicy, Index, IndexSettings, IndexWriter, WriterOptions};
use tessera::ingest::{
    FieldNames, Indexer, IngestOptions, IngestReport, InputFile, InputFormat, Item, Location,
    Skipped, expand_inputs, read_input,
};

use crate::{Global, IndexArg, Outcome, progress};

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
pub enum EncodingArg {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "windows-1252")]
    Windows1252,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Jsonl,
    Txt,
    Html,
}

/// How input records are read (shared by `index add`, `trace --jsonl` and `eval`).
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Read every input as this format instead of guessing from file names.
    #[arg(long = "input-format", value_enum, value_name = "FORMAT")]
    pub input_format: Option<FormatArg>,
    /// JSON field holding the id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSON field holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// JSON field holding the headline.
    #[arg(long, default_value = "title", value_name = "NAME")]
    pub title_field: String,
    /// JSON field holding the outlet.
    #[arg(long, default_value = "outlet", value_name = "NAME")]
    pub outlet_field: String,
    /// JSON field holding the address.
    #[arg(long, default_value = "url", value_name = "NAME")]
    pub url_field: String,
    /// JSON field holding the ISO 8601 date.
    #[arg(long, default_value = "date", value_name = "NAME")]
    pub date_field: String,
    /// How input bytes are decoded: utf-8 (invalid bytes skip the record), windows-1252, or auto (UTF-8 when valid, else Windows-1252).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8, value_name = "ENCODING")]
    pub input_encoding: EncodingArg,
    /// Largest document accepted (e.g. 16MiB, 500KB, 100000).
    #[arg(long, default_value = "16MiB", value_parser = parse_size, value_name = "SIZE")]
    pub max_doc_size: usize,
}

impl InputArgs {
    pub fn options(&self) -> IngestOptions {
        IngestOptions {
            fields: FieldNames {
                id: self.id_field.clone(),
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                outlet: self.outlet_field.clone(),
                url: self.url_field.clone(),
                date: self.date_field.clone(),
            },
            max_doc_bytes: self.max_doc_size,
            encoding: match self.input_encoding {
                EncodingArg::Utf8 => tessera::ingest::Encoding::Utf8,
                EncodingArg::Windows1252 => tessera::ingest::Encoding::Windows1252,
                EncodingArg::Auto => tessera::ingest::Encoding::Auto,
            },
            format: self.input_format.map(|f| match f {
                FormatArg::Jsonl => InputFormat::Jsonl,
                FormatArg::Txt => InputFormat::Text,
                FormatArg::Html => InputFormat::Html,
            }),
        }
    }
}

/// Parses sizes such as `16MiB`, `500KB`, `2G` or `100000` into bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (try 16MiB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KB, KiB, MB, MiB, GB, GiB)"
            ));
        }
    };
    Ok((n * mult) as usize)
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

/// Reads inputs into a writer, committing at the end. Returns the report.
pub fn ingest(
    writer: &mut IndexWriter,
    paths: &[PathBuf],
    opts: &IngestOptions,
    strict: bool,
    quiet: bool,
) -> Result<IngestReport> {
    // The reading loop runs on a worker of the thread pool, which takes its
    // share of every parallel batch: no thread waits for the pool between
    // batches, and with one thread everything runs on it.
    rayon::scope(|_| ingest_on_pool(writer, paths, opts, strict, quiet))
}

fn ingest_on_pool(
    writer: &mut IndexWriter,
    paths: &[PathBuf],
    opts: &IngestOptions,
    strict: bool,
    quiet: bool,
) -> Result<IngestReport> {
    let (files, odd) = expand_inputs(paths, opts.format)?;
    let total: Option<u64> = files.iter().map(|f| f.size).sum();
    let bar = progress::bytes(total, quiet, "indexing");
    let mut indexer = Indexer::new(writer);
    let mut first_bad: Option<Skipped> = None;
    for s in odd {
        if strict {
            bail!("{s} (--strict: nothing was committed)");
        }
        indexer.push(Item::Skipped(s))?;
    }
    for f in &files {
        let mut sink = |item: Item| -> tessera::Result<()> {
            if strict && let Item::Skipped(s) = &item {
                first_bad.get_or_insert_with(|| s.clone());
                return Ok(());
            }
            indexer.push(item)
        };
        let result = read_input(f, opts, &|n| bar.inc(n), &mut sink);
        if let Some(s) = first_bad.take() {
            bar.finish_and_clear();
            bail!("{s} (--strict: nothing was committed)");
        }
        if let Err(e) = result {
            if strict {
                bar.finish_and_clear();
                return Err(anyhow::Error::new(e).context("--strict: nothing was committed"));
            }
            indexer.push(Item::Skipped(unreadable(f, &e)))?;
        }
    }
    bar.set_message("committing");
    let report = indexer.finish()?;
    writer.commit()?;
    bar.finish_and_clear();
    Ok(report)
}

fn unreadable(f: &InputFile, e: &tessera::Error) -> Skipped {
    Skipped {
        location: Location {
            file: f.display(),
            line: None,
        },
        id: None,
        reason: format!("unreadable: {e}"),
    }
}

fn add(a: AddArgs, g: Global) -> Result<Outcome> {
    let opts = WriterOptions {
        duplicates: match a.on_duplicate {
            DupArg::Replace => DuplicatePolicy::Replace,
            DupArg::Reject => DuplicatePolicy::Reject,
        },
        ..WriterOptions::default()
    };
    let start = Instant::now();
    let mut writer = IndexWriter::open_or_create(&a.index.index, IndexSettings::default(), opts)
        .with_context(|| format!("cannot open index {}", a.index.index.display()))?;
    let report = ingest(&mut writer, &a.paths, &a.input.options(), a.strict, g.quiet)?;
    let secs = start.elapsed().as_secs_f64();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
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

pub fn print_report(r: &IngestReport, total_docs: u64, secs: f64) {
    let mb = r.text_bytes as f64 / 1e6;
    eprintln!(
        "indexed {} documents ({} new, {} replaced), {:.1} MB of text in {:.2} s ({:.1} MB/s); the index now holds {} documents",
        r.added + r.replaced,
        r.added,
        r.replaced,
        mb,
        secs,
        if secs > 0.0 { mb / secs } else { 0.0 },
        total_docs
    );
    if r.decoded_windows_1252 > 0 {
        eprintln!(
            "{} documents were not UTF-8 and were decoded as Windows-1252",
            r.decoded_windows_1252
        );
    }
    if r.unreadable_dates > 0 {
        eprintln!(
            "{} documents have a date that could not be read (ISO 8601 expected); they count as undated",
            r.unreadable_dates
        );
    }
    if r.skipped > 0 {
        eprintln!("skipped {} of {} records:", r.skipped, r.records);
        print_skipped(&r.skipped_records, &r.skipped_by_reason);
    }
}

/// Lists skipped records by kind of reason, with a few examples each.
pub fn print_skipped(
    kept: &[tessera::ingest::Skipped],
    counts: &std::collections::BTreeMap<String, u64>,
) {
    let mut kinds: Vec<(&String, &u64)> = counts.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (kind, n) in kinds {
        eprintln!("  {n} x {kind}");
        let examples = kept
            .iter()
            .filter(|s| tessera::ingest::reason_kind(&s.reason) == *kind);
        for s in examples.take(3) {
            eprintln!("      e.g. {s}");
        }
    }
    if kept.len() < counts.values().sum::<u64>() as usize {
        eprintln!("  (--json lists the first {} skipped records)", kept.len());
    }
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
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(Outcome::Done);
    }
    let per_doc = s.bytes_on_disk.checked_div(s.documents).unwrap_or(0);
    println!("index        {}", dir.display());
    println!(
        "format       version {} (generation {})",
        s.format_version, s.generation
    );
    println!(
        "documents    {} live, {} deleted (until compaction)",
        s.documents, s.deleted
    );
    println!("segments     {}", s.segments);
    println!(
        "text         {} ({} characters, {} tokens)",
        human_bytes(s.text_bytes),
        s.text_chars,
        s.tokens
    );
    println!(
        "on disk      {} ({} per document)",
        human_bytes(s.bytes_on_disk),
        human_bytes(per_doc)
    );
    println!(
        "fingerprints {} distinct word {}-grams, winnowed with a window of {}",
        s.fingerprints, s.settings.ngram, s.settings.window
    );
    println!("vocabulary   {} distinct tokens", s.vocabulary);
    match s.date_range {
        Some((a, b)) => println!(
            "dates        {} to {} ({} undated)",
            tessera::date::format_day(a),
            tessera::date::format_day(b),
            s.undated
        ),
        None => println!("dates        none"),
    }
    Ok(Outcome::Done)
}

fn delete(dir: &Path, ids: Vec<String>, ignore_missing: bool, g: Global) -> Result<Outcome> {
    let mut w = IndexWriter::open(dir, WriterOptions::default())?;
    let n = match w.delete(&ids) {
        Ok(n) => n,
        Err(tessera::index::Error::NotFound { ids: missing }) if ignore_missing => {
            let present: Vec<String> = ids.into_iter().filter(|i| !missing.contains(i)).collect();
            if !g.quiet {
                eprintln!("not in the index (ignored): {}", missing.join(", "));
            }
            w.delete(&present)?
        }
        Err(e) => return Err(anyhow::Error::new(e).context("nothing was deleted")),
    };
    w.commit()?;
    if !g.quiet {
        eprintln!(
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
        eprintln!(
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
        println!("{}", serde_json::to_string_pretty(&r)?);
    }
    if g.quiet {
        return Ok(Outcome::Done);
    }
    if r.manifest_was_valid {
        eprintln!(
            "{}: the MANIFEST reads fine; nothing to recover",
            dir.display()
        );
        return Ok(Outcome::Done);
    }
    if r.damaged_manifest_kept {
        eprintln!(
            "the damaged MANIFEST was kept as {}",
            dir.join(tessera::index::DAMAGED_MANIFEST).display()
        );
    }
    for (name, why) in &r.quarantined {
        eprintln!(
            "{name} failed verification and was moved to {}: {why}",
            dir.join(tessera::index::QUARANTINE).display()
        );
    }
    if r.superseded > 0 {
        eprintln!(
            "{} documents were hidden because a newer segment holds the same id",
            r.superseded
        );
    }
    eprintln!(
        "recovered {} segments ({} with deletion files) holding {} documents; generation {}",
        r.segments.len(),
        r.deletion_files.len(),
        r.documents,
        r.generation
    );
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("500KB"), Ok(500_000));
        assert_eq!(parse_size("100000"), Ok(100_000));
        assert_eq!(parse_size("1.5 GB"), Ok(1_500_000_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
    }
}
