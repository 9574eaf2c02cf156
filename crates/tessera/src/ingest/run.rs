//! One ingest run: inputs read, records fed to a writer, bad records
//! counted, or (strict) the first bad record turned into an error before
//! anything is committed. The CLI (`tessera index add`, `scan`, `eval`)
//! and the server's `POST /v1/documents` both go through here, so a record
//! is judged the same way wherever it comes from.

use std::io::BufRead;
use std::path::PathBuf;

use tessera_index::IndexWriter;

use super::{
    Indexer, IngestOptions, IngestReport, InputFile, Item, Location, Skipped, expand_inputs,
    read_input, read_jsonl_reader,
};
use crate::error::{Error, Result};

/// Reads `paths` (files, folders, `-` for standard input) into `writer`,
/// without committing. `progress` receives the input bytes read.
///
/// Not strict: a bad record or an unreadable file is counted in the report
/// and the rest is read. Strict: the first one is returned as
/// [`Error::BadRecord`] (or the file's error) and the caller must not
/// commit.
pub fn ingest_paths(
    writer: &mut IndexWriter,
    paths: &[PathBuf],
    opts: &IngestOptions,
    strict: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<IngestReport> {
    let (files, unusable) = expand_inputs(paths, opts.format)?;
    ingest_files(writer, &files, unusable, opts, strict, progress)
}

/// [`ingest_paths`] over inputs already listed by [`expand_inputs`] (whose
/// sizes give a progress bar its total); `unusable` are the entries it
/// could not use.
pub fn ingest_files(
    writer: &mut IndexWriter,
    files: &[InputFile],
    unusable: Vec<Skipped>,
    opts: &IngestOptions,
    strict: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<IngestReport> {
    // The reading loop runs on a worker of the thread pool, which takes its
    // share of every parallel batch: no thread waits for the pool between
    // batches, and with one thread everything runs on it.
    rayon::scope(|_| {
        let mut indexer = Indexer::new(writer);
        for s in unusable {
            if strict {
                return Err(Error::BadRecord(Box::new(s)));
            }
            indexer.push(Item::Skipped(s))?;
        }
        for f in files {
            let result = read_input(f, opts, progress, &mut |item| {
                feed(&mut indexer, item, strict)
            });
            if let Err(e) = result {
                if strict {
                    return Err(e);
                }
                indexer.push(Item::Skipped(unreadable(f, &e)))?;
            }
        }
        indexer.finish()
    })
}

/// Reads JSON Lines from `reader` (named `name` in the locations of bad
/// records) into `writer`, without committing; strict as in
/// [`ingest_paths`].
pub fn ingest_jsonl(
    writer: &mut IndexWriter,
    name: &str,
    reader: impl BufRead,
    opts: &IngestOptions,
    strict: bool,
) -> Result<IngestReport> {
    let mut indexer = Indexer::new(writer);
    read_jsonl_reader(name, reader, opts, &mut |item| {
        feed(&mut indexer, item, strict)
    })?;
    indexer.finish()
}

/// Passes a record on; when strict, a bad record stops the reading.
fn feed(indexer: &mut Indexer<'_>, item: Item, strict: bool) -> Result<()> {
    match item {
        Item::Skipped(s) if strict => Err(Error::BadRecord(Box::new(s))),
        item => indexer.push(item),
    }
}

fn unreadable(f: &InputFile, e: &Error) -> Skipped {
    Skipped {
        location: Location {
            file: f.display(),
            line: None,
        },
        id: None,
        reason: format!("unreadable: {e}"),
    }
}
