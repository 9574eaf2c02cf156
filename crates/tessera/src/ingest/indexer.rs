//! Feeding records into an index writer, in parallel batches.

use rayon::prelude::*;
use tessera_index::{AddOutcome, Document, IndexWriter, PreparedDoc};

use super::{Item, Location, Skipped};
use crate::error::Result;

/// At most this many skipped records are kept with their reasons; the rest
/// are only counted.
pub const MAX_SKIPPED_KEPT: usize = 1000;

/// What an ingest run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Records read (documents and skipped records).
    pub records: u64,
    /// Documents added under a new id.
    pub added: u64,
    /// Documents that replaced an indexed one with the same id.
    pub replaced: u64,
    /// Records skipped (bad input or a refused duplicate id).
    pub skipped: u64,
    /// Of them, refused because the id was taken.
    pub rejected_duplicates: u64,
    /// Documents kept whose date could not be read (they count as undated).
    pub unreadable_dates: u64,
    /// Documents decoded from Windows-1252 (not UTF-8).
    pub decoded_windows_1252: u64,
    /// Bytes of text indexed.
    pub text_bytes: u64,
    /// Skipped records counted by reason (figures in the reason replaced
    /// by `#`, so that "text of 20 MiB" and "text of 30 MiB" count together).
    pub skipped_by_reason: std::collections::BTreeMap<String, u64>,
    /// The first [`MAX_SKIPPED_KEPT`] skipped records with their reasons.
    pub skipped_records: Vec<Skipped>,
}

impl IngestReport {
    /// Records a skipped record.
    pub fn skip(&mut self, s: Skipped) {
        self.skipped += 1;
        *self
            .skipped_by_reason
            .entry(reason_kind(&s.reason))
            .or_insert(0) += 1;
        if self.skipped_records.len() < MAX_SKIPPED_KEPT {
            self.skipped_records.push(s);
        }
    }
}

/// A skip reason with its figures masked, for counting by kind: `line of
/// 12.5 MiB` and `line of 3 KiB` are one kind. Digits that belong to a name
/// (`UTF-8`, `UTF-16`, `ISO-8859-1`, `x86`) are kept: a run of digits is a
/// figure only when it does not follow a letter, or a hyphen after a letter
/// or a kept digit.
pub fn reason_kind(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut prev: Option<char> = None;
    let mut before_prev: Option<char> = None;
    // Whether the digit run being read is part of a name.
    let mut in_name = false;
    for c in reason.chars() {
        if c.is_ascii_digit() {
            let run_continues = prev.is_some_and(|p| p.is_ascii_digit());
            if !run_continues {
                in_name = match prev {
                    Some(p) if p.is_alphabetic() => true,
                    Some('-') => before_prev
                        .is_some_and(|b| b.is_alphabetic() || (b.is_ascii_digit() && in_name)),
                    _ => false,
                };
            }
            if in_name {
                out.push(c);
            } else if !out.ends_with('#') {
                out.push('#');
            }
        } else if c == '.' && out.ends_with('#') {
            // `12.5`: the decimals belong to the masked figure.
        } else {
            out.push(c);
        }
        before_prev = prev;
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod reason_kind_tests {
    use super::reason_kind;

    #[test]
    fn figures_are_masked_and_names_kept() {
        assert_eq!(
            reason_kind("invalid UTF-8 at byte 26 of the line (see --input-encoding)"),
            "invalid UTF-8 at byte # of the line (see --input-encoding)"
        );
        assert_eq!(
            reason_kind("line of 12.5 MiB is larger than the limit of 16.0 MiB per document"),
            "line of # MiB is larger than the limit of # MiB per document"
        );
        assert_eq!(
            reason_kind("not UTF-16 or ISO-8859-1"),
            "not UTF-16 or ISO-8859-1"
        );
        assert_eq!(reason_kind("line 3-4"), "line #-#");
    }
}

/// Batches documents, analyses each batch on all cores and adds it to the
/// writer in input order (so results do not depend on the thread count).
#[derive(Debug)]
pub struct Indexer<'w> {
    writer: &'w mut IndexWriter,
    batch: Vec<(Document, Location)>,
    batch_bytes: usize,
    report: IngestReport,
}

const BATCH_DOCS: usize = 128;
const BATCH_BYTES: usize = 1 << 20;

impl<'w> Indexer<'w> {
    /// Starts feeding `writer`.
    pub fn new(writer: &'w mut IndexWriter) -> Self {
        Indexer {
            writer,
            batch: Vec::new(),
            batch_bytes: 0,
            report: IngestReport::default(),
        }
    }

    /// Takes one record.
    pub fn push(&mut self, item: Item) -> Result<()> {
        self.report.records += 1;
        match item {
            Item::Skipped(s) => self.report.skip(s),
            Item::Doc {
                doc,
                location,
                decoded_from,
            } => {
                if decoded_from.is_some() {
                    self.report.decoded_windows_1252 += 1;
                }
                self.batch_bytes += doc.text.len();
                self.batch.push((doc, location));
                if self.batch.len() >= BATCH_DOCS || self.batch_bytes >= BATCH_BYTES {
                    self.flush()?;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let analyzer = *self.writer.analyzer();
        let prepared: Vec<(tessera_index::Result<PreparedDoc>, Location, bool)> = batch
            .into_par_iter()
            .map(|(doc, loc)| {
                let unreadable_date = doc.meta.date.is_some() && doc.meta.timestamp.is_none();
                (analyzer.prepare_owned(doc), loc, unreadable_date)
            })
            .collect();
        for (p, location, unreadable_date) in prepared {
            let p = match p {
                Ok(p) => p,
                Err(e) => {
                    self.report.skip(Skipped {
                        location,
                        id: None,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            let id = p.id().to_string();
            let bytes = p.text_bytes();
            match self.writer.add(p)? {
                AddOutcome::Added => self.report.added += 1,
                AddOutcome::Replaced => self.report.replaced += 1,
                AddOutcome::RejectedDuplicate => {
                    self.report.rejected_duplicates += 1;
                    self.report.skip(Skipped {
                        location,
                        id: Some(id),
                        reason: "id already indexed (duplicate policy: reject)".into(),
                    });
                    continue;
                }
            }
            self.report.text_bytes += bytes;
            if unreadable_date {
                self.report.unreadable_dates += 1;
            }
        }
        Ok(())
    }

    /// Adds what is left in the batch; the caller commits.
    pub fn finish(mut self) -> Result<IngestReport> {
        self.flush()?;
        Ok(self.report)
    }
}
