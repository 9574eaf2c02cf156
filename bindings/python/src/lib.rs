//! The native module of the `tessera` Python package (`tessera._native`).
//! It is private: the Python layer (`python/tessera`) converts DataFrames
//! and Arrow tables, wraps reports in classes and documents the API. Every
//! call that does real work releases the GIL.

mod errors;
mod index;
mod options;
mod progress;
mod records;
mod spark;

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tessera::eval::{Det, Span, detect, evaluate as score, read_gold};
use tessera::index::{DocMeta, IndexSettings};
use tessera::scan::ScanConfig;
use tessera::{Query, TraceConfig, Weights};

use errors::{caught, finish};
use options::{pool, run_in};
use progress::PyProgress;

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Aligns two texts without an index; returns the report as JSON.
#[pyfunction]
#[pyo3(signature = (query, source, query_id, source_id, query_title = None, source_title = None, index = None))]
#[allow(clippy::too_many_arguments)]
fn align(
    py: Python<'_>,
    query: String,
    source: String,
    query_id: String,
    source_id: String,
    query_title: Option<String>,
    source_title: Option<String>,
    index: Option<&Bound<'_, index::Index>>,
) -> PyResult<String> {
    let engine = index.map(|i| i.get().collection().engine());
    let report = finish(py.detach(|| {
        caught(|| {
            let (weights, settings) = match &engine {
                Some(e) => (Weights::from_index(e.index()), *e.index().settings()),
                None => (Weights::prior_only(), IndexSettings::default()),
            };
            let meta = DocMeta {
                id: source_id,
                title: source_title,
                ..DocMeta::default()
            };
            let q = Query {
                id: &query_id,
                title: query_title.as_deref(),
                text: &query,
                date: None,
                exclude: None,
            };
            let config = TraceConfig::default();
            Ok(tessera::align_pair(
                &q, &meta, &source, &settings, &weights, &config,
            ))
        })
    }))?;
    Ok(json(&report))
}

/// Detections given as columns (query ids, source ids, query offsets and
/// lengths, source offsets and lengths).
type Columns = (
    Vec<String>,
    Vec<String>,
    Vec<u64>,
    Vec<u64>,
    Vec<u64>,
    Vec<u64>,
);

fn dets_of(c: Columns) -> Vec<Det> {
    let (q, s, qo, ql, so, sl) = c;
    q.into_iter()
        .zip(s)
        .zip(qo.into_iter().zip(ql))
        .zip(so.into_iter().zip(sl))
        .map(|(((query_id, source_id), (qo, ql)), (so, sl))| Det {
            query_id,
            source_id,
            query: Span::new(qo, ql),
            source: Span::new(so, sl),
        })
        .collect()
}

/// Scores detections (columns, a JSON Lines file or a folder of PAN XML
/// files; `None`: tessera runs itself on the gold standard) with the PAN
/// measures; returns the evaluation as JSON (that of `tessera eval
/// --format json`).
#[pyfunction]
#[pyo3(signature = (gold, columns = None, path = None, index = None, threads = None, progress = None))]
fn evaluate(
    py: Python<'_>,
    gold: PathBuf,
    columns: Option<Columns>,
    path: Option<PathBuf>,
    index: Option<PathBuf>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let pool = pool(threads)?;
    let progress = PyProgress::new(progress);
    let e = finish(py.detach(|| {
        caught(|| {
            run_in(pool.as_deref(), || {
                let g = read_gold(&gold)?;
                let dets = match (columns, path) {
                    (Some(c), _) => dets_of(c),
                    (None, Some(p)) if p.is_dir() => tessera::eval::read_pan_detections(&p)?,
                    (None, Some(p)) => tessera::eval::read_jsonl_detections(&p)?,
                    (None, None) => detect(
                        &gold,
                        &g,
                        index.as_deref(),
                        &TraceConfig::default(),
                        &progress,
                    )?,
                };
                Ok(score(&g, &dets))
            })
        })
    }))?;
    Ok(json(&e))
}

/// The settings of a scan from keyword arguments (the CLI's defaults).
pub(crate) fn scan_config(
    max_df: Option<u32>,
    min_shared: Option<u32>,
    max_candidates: Option<usize>,
    neardup_jaccard: Option<f64>,
    min_cluster_size: Option<usize>,
    memory: Option<usize>,
) -> ScanConfig {
    let mut cfg = ScanConfig::default();
    if let Some(v) = max_df {
        cfg.trace.min_df_cap = v;
    }
    if let Some(v) = min_shared {
        cfg.trace.min_shared_ngrams = v;
    }
    if let Some(v) = max_candidates {
        cfg.trace.max_candidates = v;
    }
    if let Some(v) = neardup_jaccard {
        cfg.neardup_jaccard = v;
    }
    if let Some(v) = min_cluster_size {
        cfg.min_cluster_size = v;
    }
    if let Some(v) = memory {
        cfg.memory_budget = v;
    }
    cfg.validated()
}

/// Scans the index in `index` into the folder `out` (the tables of
/// `tessera scan`); returns the summary as JSON.
#[pyfunction]
#[pyo3(signature = (index, out, max_df = None, min_shared = None, max_candidates = None, neardup_jaccard = None, min_cluster_size = None, memory = None, threads = None, progress = None))]
#[allow(clippy::too_many_arguments)]
fn scan(
    py: Python<'_>,
    index: PathBuf,
    out: PathBuf,
    max_df: Option<u32>,
    min_shared: Option<u32>,
    max_candidates: Option<usize>,
    neardup_jaccard: Option<f64>,
    min_cluster_size: Option<usize>,
    memory: Option<usize>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let cfg = scan_config(
        max_df,
        min_shared,
        max_candidates,
        neardup_jaccard,
        min_cluster_size,
        memory,
    );
    let pool = pool(threads)?;
    let progress = PyProgress::new(progress);
    let summary = finish(py.detach(|| {
        caught(|| {
            run_in(pool.as_deref(), || {
                std::fs::create_dir_all(&out).map_err(|e| tessera::Error::Io {
                    path: out.clone(),
                    source: e,
                })?;
                tessera::scan::scan(&index, &out, &cfg, &progress)
            })
        })
    }))?;
    Ok(json(&summary))
}

/// The documents of the index in `index` without near-duplicate copies
/// (`annotate`: all, with their cluster), as JSON Lines (those of
/// `tessera dedup`), and the counts as JSON.
#[pyfunction]
#[pyo3(signature = (index, annotate = false, neardup_jaccard = None, memory = None, threads = None, progress = None))]
fn dedup<'py>(
    py: Python<'py>,
    index: PathBuf,
    annotate: bool,
    neardup_jaccard: Option<f64>,
    memory: Option<usize>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(Bound<'py, PyBytes>, String)> {
    let cfg = scan_config(None, None, None, neardup_jaccard, None, memory);
    let pool = pool(threads)?;
    let progress = PyProgress::new(progress);
    let (out, summary) = finish(py.detach(|| {
        caught(|| {
            run_in(pool.as_deref(), || {
                let mut out = Vec::new();
                let s = tessera::scan::dedup(
                    &index,
                    &cfg,
                    annotate,
                    &progress,
                    &mut out,
                    Path::new("<memory>"),
                )?;
                Ok((out, s))
            })
        })
    }))?;
    let counts = serde_json::json!({
        "kept": summary.kept, "dropped": summary.dropped,
        "clusters": summary.clusters, "clustered": summary.clustered,
    });
    Ok((PyBytes::new(py, &out), counts.to_string()))
}

/// The version of the tessera library inside.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<index::Index>()?;
    m.add_function(wrap_pyfunction!(align, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_class::<spark::ScanParts>()?;
    m.add_function(wrap_pyfunction!(dedup, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
