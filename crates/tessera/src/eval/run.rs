//! tessera run on a gold standard: the detections it makes, to be scored
//! with [`crate::eval::evaluate`]. On the reuse-dev layout the sources are
//! indexed and every query traced against them; on the PAN layout every
//! listed pair is aligned on its own (the text-alignment task: no
//! retrieval).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tessera_index::{DocMeta, Document, Index, IndexSettings, IndexWriter, WriterOptions};

use crate::config::TraceConfig;
use crate::engine::{Engine, Query, align_pair};
use crate::error::{Error, Result};
use crate::eval::pan09::documents;
use crate::eval::{
    Det, Gold, Layout, PAN_SRC_DIR, PAN_SUSP_DIR, PAN09_SRC_DIR, PAN09_SUSP_DIR, Span,
};
use crate::ingest::{
    Indexer, IngestOptions, Item, Location, expand_inputs, ingest_paths, read_input,
};
use crate::progress::Progress;
use crate::report::Detection;
use crate::weights::Weights;

/// The six span fields of a detection, as the measures read them.
pub fn to_det(d: &Detection) -> Det {
    Det {
        query_id: d.query_id.clone(),
        source_id: d.source_id.clone(),
        query: Span::new(d.query_offset, d.query_length),
        source: Span::new(d.source_offset, d.source_length),
    }
}

/// Runs tessera on the gold standard `gold` read from `dir`. For the
/// reuse-dev layout, `index` is where its sources are indexed (built from
/// `sources.jsonl` when it holds no index yet; a temporary one when
/// `None`).
pub fn detect(
    dir: &Path,
    gold: &Gold,
    index: Option<&Path>,
    config: &TraceConfig,
    progress: &dyn Progress,
) -> Result<Vec<Det>> {
    match gold.layout {
        Layout::Jsonl => detect_jsonl(dir, index, config, progress),
        Layout::Pan => detect_pan(dir, gold, config, progress),
        Layout::Pan09 => detect_pan09(dir, index, config, progress),
    }
}

/// The index folder to use: `index`, or one in a temporary folder that
/// lives as long as the returned guard.
fn index_folder(index: Option<&Path>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    match index {
        Some(d) => Ok((d.to_path_buf(), None)),
        None => {
            let tmp = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
            Ok((tmp.path().join("index"), Some(tmp)))
        }
    }
}

fn detect_jsonl(
    dir: &Path,
    index: Option<&Path>,
    config: &TraceConfig,
    progress: &dyn Progress,
) -> Result<Vec<Det>> {
    let (index_dir, _tmp) = index_folder(index)?;
    if !index_dir.join(tessera_index::MANIFEST).exists() {
        let mut w = IndexWriter::open_or_create(
            &index_dir,
            IndexSettings::default(),
            WriterOptions::default(),
        )?;
        progress.start("indexing", 0);
        ingest_paths(
            &mut w,
            &[dir.join("sources.jsonl")],
            &IngestOptions::default(),
            true,
            &|n| progress.advance(n),
        )?;
        w.commit()?;
        progress.finish();
    }
    let engine = Engine::new(Index::open(&index_dir)?, config.clone());
    let queries = read_strict(&dir.join("queries.jsonl"))?;
    let mut dets = Vec::new();
    engine.trace_each(&queries, progress, &mut |_, r| {
        dets.extend(r.passages.iter().map(to_det));
        Ok::<(), Error>(())
    })?;
    Ok(dets)
}

/// Every record of a JSON Lines file; a bad record is an error.
fn read_strict(path: &Path) -> Result<Vec<Document>> {
    let (files, _) = expand_inputs(
        &[path.to_path_buf()],
        Some(crate::ingest::InputFormat::Jsonl),
    )?;
    let mut out = Vec::new();
    for f in &files {
        read_input(f, &IngestOptions::default(), &|_| {}, &mut |item| {
            match item {
                Item::Doc { doc, .. } => out.push(doc),
                Item::Skipped(s) => return Err(Error::BadRecord(Box::new(s))),
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn detect_pan(
    dir: &Path,
    gold: &Gold,
    config: &TraceConfig,
    progress: &dyn Progress,
) -> Result<Vec<Det>> {
    let read = |sub: &str, name: &str| -> Result<String> {
        let p = dir.join(sub).join(name);
        let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
        String::from_utf8(bytes).map_err(|e| Error::Input {
            location: p.display().to_string(),
            reason: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        })
    };
    progress.start("aligning", gold.pan_pairs.len() as u64);
    let weights = Weights::prior_only();
    let settings = IndexSettings::default();
    let results: Vec<Result<Vec<Det>>> = gold
        .pan_pairs
        .par_iter()
        .map(|(susp, src)| {
            let q = read(PAN_SUSP_DIR, susp)?;
            let s = read(PAN_SRC_DIR, src)?;
            let meta = DocMeta {
                id: src.clone(),
                ..DocMeta::default()
            };
            let query = Query {
                id: susp,
                title: None,
                text: &q,
                date: None,
                exclude: None,
            };
            let r = align_pair(&query, &meta, &s, &settings, &weights, config);
            progress.advance(1);
            Ok(r.passages.iter().map(to_det).collect())
        })
        .collect();
    progress.finish();
    let mut dets = Vec::new();
    for r in results {
        dets.extend(r?);
    }
    Ok(dets)
}

/// A whole text file as UTF-8, or an error naming it.
fn read_utf8(p: &Path) -> Result<String> {
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
    String::from_utf8(bytes).map_err(|e| Error::Input {
        location: p.display().to_string(),
        reason: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })
}

/// PAN 2009–2011: indexes the source documents (ids are file names) unless
/// `index` holds them already, then traces every suspicious document, a
/// chunk at a time.
fn detect_pan09(
    dir: &Path,
    index: Option<&Path>,
    config: &TraceConfig,
    progress: &dyn Progress,
) -> Result<Vec<Det>> {
    let (index_dir, _tmp) = index_folder(index)?;
    if !index_dir.join(tessera_index::MANIFEST).exists() {
        let sources = documents(dir, PAN09_SRC_DIR)?;
        let mut w = IndexWriter::open_or_create(
            &index_dir,
            IndexSettings::default(),
            WriterOptions::default(),
        )?;
        progress.start("indexing", sources.len() as u64);
        let mut indexer = Indexer::new(&mut w);
        for (name, path) in &sources {
            let doc = Document {
                meta: DocMeta {
                    id: name.clone(),
                    ..DocMeta::default()
                },
                text: read_utf8(path)?,
            };
            let location = Location {
                file: path.display().to_string(),
                line: None,
            };
            indexer.push(Item::Doc {
                doc,
                location,
                decoded_from: None,
            })?;
            progress.advance(1);
        }
        indexer.finish()?;
        w.commit()?;
        progress.finish();
    }
    let engine = Engine::new(Index::open(&index_dir)?, config.clone());
    let suspicious = documents(dir, PAN09_SUSP_DIR)?;
    let mut dets = Vec::new();
    for chunk in suspicious.chunks(256) {
        let docs: Vec<Document> = chunk
            .iter()
            .map(|(name, path)| {
                Ok(Document {
                    meta: DocMeta {
                        id: name.clone(),
                        ..DocMeta::default()
                    },
                    text: read_utf8(path)?,
                })
            })
            .collect::<Result<_>>()?;
        engine.trace_each(&docs, progress, &mut |_, r| {
            dets.extend(r.passages.iter().map(to_det));
            Ok::<(), Error>(())
        })?;
    }
    Ok(dets)
}
