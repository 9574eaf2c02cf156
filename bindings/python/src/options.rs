//! Keyword arguments of the Python API turned into the library's options,
//! and the worker threads of a call.

use std::collections::HashMap;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use tessera::AddOptions;
use tessera::index::DuplicatePolicy;
use tessera::ingest::{Encoding, FieldNames, IngestOptions, InputFormat};

/// How records are read: field names, size limit, format and encoding.
pub fn ingest_options(
    fields: Option<HashMap<String, String>>,
    max_doc_size: Option<usize>,
    format: Option<&str>,
    encoding: Option<&str>,
) -> PyResult<IngestOptions> {
    let mut o = IngestOptions::default();
    for (k, v) in fields.unwrap_or_default() {
        let slot = field_slot(&mut o.fields, &k).ok_or_else(|| {
            PyValueError::new_err(format!(
                "unknown field {k:?} (known: id, text, title, outlet, url, date)"
            ))
        })?;
        *slot = v;
    }
    if let Some(m) = max_doc_size {
        o.max_doc_bytes = m;
    }
    o.format = match format {
        None => None,
        Some("jsonl") => Some(InputFormat::Jsonl),
        Some("txt") | Some("text") => Some(InputFormat::Text),
        Some("html") => Some(InputFormat::Html),
        Some("parquet") => Some(InputFormat::Parquet),
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "unknown input format {other:?} (known: jsonl, txt, html, parquet)"
            )));
        }
    };
    o.encoding = match encoding {
        None | Some("utf-8") | Some("utf8") => Encoding::Utf8,
        Some("windows-1252") | Some("cp1252") => Encoding::Windows1252,
        Some("auto") => Encoding::Auto,
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "unknown encoding {other:?} (known: utf-8, windows-1252, auto)"
            )));
        }
    };
    Ok(o)
}

fn field_slot<'a>(f: &'a mut FieldNames, name: &str) -> Option<&'a mut String> {
    Some(match name {
        "id" => &mut f.id,
        "text" => &mut f.text,
        "title" => &mut f.title,
        "outlet" => &mut f.outlet,
        "url" => &mut f.url,
        "date" => &mut f.date,
        _ => return None,
    })
}

/// How a batch is added.
pub fn add_options(
    ingest: IngestOptions,
    on_duplicate: &str,
    strict: bool,
) -> PyResult<AddOptions> {
    let duplicates = match on_duplicate {
        "replace" => DuplicatePolicy::Replace,
        "reject" => DuplicatePolicy::Reject,
        other => {
            return Err(PyValueError::new_err(format!(
                "on_duplicate must be \"replace\" or \"reject\", not {other:?}"
            )));
        }
    };
    Ok(AddOptions {
        ingest,
        duplicates,
        strict,
    })
}

/// A pool of `n` worker threads (`None`: the default pool, all cores).
pub fn pool(threads: Option<usize>) -> PyResult<Option<Arc<rayon::ThreadPool>>> {
    match threads {
        None => Ok(None),
        Some(0) => Err(PyValueError::new_err("threads must be at least 1")),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|p| Some(Arc::new(p)))
            .map_err(|e| PyValueError::new_err(format!("cannot start {n} threads: {e}"))),
    }
}

/// Runs `work` in `pool` (or in the default pool).
pub fn run_in<T: Send>(pool: Option<&rayon::ThreadPool>, work: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(p) => p.install(work),
        None => work(),
    }
}
