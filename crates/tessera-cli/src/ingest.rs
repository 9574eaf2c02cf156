//! Running an ingest from the command line: a progress bar over the
//! library's ingest, the commit, and the summary printed afterwards.
//! Shared by `index add`, `scan` and `eval`.

use std::path::PathBuf;

use anyhow::Result;
use tessera::index::IndexWriter;
use tessera::ingest::{IngestOptions, IngestReport, expand_inputs, ingest_files};

use crate::progress;

/// Reads inputs into a writer, committing at the end. Returns the report.
/// Strict: the first bad record is an error and nothing is committed.
pub fn ingest(
    writer: &mut IndexWriter,
    paths: &[PathBuf],
    opts: &IngestOptions,
    strict: bool,
    quiet: bool,
) -> Result<IngestReport> {
    let (files, unusable) = expand_inputs(paths, opts.format)?;
    let total: Option<u64> = files.iter().map(|f| f.size).sum();
    let bar = progress::bytes(total, quiet, "indexing");
    let report = ingest_files(writer, &files, unusable, opts, strict, &|n| bar.inc(n));
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            bar.finish_and_clear();
            return Err(e.into());
        }
    };
    bar.set_message("committing");
    writer.commit()?;
    bar.finish_and_clear();
    Ok(report)
}

/// Prints what an ingest did on standard error.
pub fn print_report(r: &IngestReport, total_docs: u64, secs: f64) {
    let mb = r.text_bytes as f64 / 1e6;
    note!(
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
        note!(
            "{} documents were not UTF-8 and were decoded as Windows-1252",
            r.decoded_windows_1252
        );
    }
    if r.unreadable_dates > 0 {
        note!(
            "{} documents have a date that could not be read (ISO 8601 expected); they count as undated",
            r.unreadable_dates
        );
    }
    if r.skipped > 0 {
        note!("skipped {} of {} records:", r.skipped, r.records);
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
        note!("  {n} x {kind}");
        let examples = kept
            .iter()
            .filter(|s| tessera::ingest::reason_kind(&s.reason) == *kind);
        for s in examples.take(3) {
            note!("      e.g. {s}");
        }
    }
    if kept.len() < counts.values().sum::<u64>() as usize {
        note!("  (--json lists the first {} skipped records)", kept.len());
    }
}
