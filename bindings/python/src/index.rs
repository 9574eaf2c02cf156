//! `tessera._native.Index`: a [`Collection`] shared by Python threads.
//! Every call that indexes or traces runs with the GIL released, in the
//! object's thread pool or the call's.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tessera::ingest::{IngestOptions, IngestReport, Item, Skipped, expand_inputs};
use tessera::{AddOptions, Collection, Error};

use crate::errors::{Outcome, caught, finish, panic_message};
use crate::options::{add_options, ingest_options, pool, run_in};
use crate::progress::PyProgress;
use crate::records::Records;

/// An index directory, opened (or created) once and shared by threads.
#[pyclass(frozen, module = "tessera._native")]
pub struct Index {
    collection: Arc<Collection>,
    pool: Option<Arc<rayon::ThreadPool>>,
}

/// Serializes a value the library produced (never fails on its types).
fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

impl Index {
    /// The pool of a call: its own `threads`, else the object's.
    fn pool_for(&self, threads: Option<usize>) -> PyResult<Option<Arc<rayon::ThreadPool>>> {
        Ok(pool(threads)?.or_else(|| self.pool.clone()))
    }

    /// Runs `work` detached from Python in the call's pool.
    fn detached<T: Send>(
        &self,
        py: Python<'_>,
        threads: Option<usize>,
        work: impl FnOnce(&Collection) -> tessera::Result<T> + Send,
    ) -> PyResult<T> {
        let pool = self.pool_for(threads)?;
        let c = &*self.collection;
        finish(py.detach(|| caught(|| run_in(pool.as_deref(), || work(c)))))
    }

    /// Feeds the chunks of `chunks` to the collection: this thread reads
    /// the Python objects (with the GIL), a worker indexes them (without).
    /// An exception while reading stops the batch and commits nothing.
    fn add_chunks(
        &self,
        py: Python<'_>,
        chunks: &Bound<'_, PyAny>,
        opts: &AddOptions,
        pool: Option<&rayon::ThreadPool>,
        progress: &PyProgress,
    ) -> PyResult<IngestReport> {
        let (tx, rx) = sync_channel::<tessera::Result<Vec<Item>>>(2);
        let c = &*self.collection;
        let mut records = Records::new(&opts.ingest);
        let mut raised: Option<PyErr> = None;
        let outcome: Outcome<IngestReport> = std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let items = rx.into_iter().flat_map(|chunk| match chunk {
                    Ok(items) => items.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => vec![Err(e)],
                });
                run_in(pool, || c.add_items(items, opts))
            });
            let send = |chunk: tessera::Result<Vec<Item>>| py.detach(|| tx.send(chunk).is_ok());
            let read = chunks.try_iter().and_then(|it| {
                for chunk in it {
                    let items = records.chunk(&chunk?)?;
                    let n = items.len() as u64;
                    if !send(Ok(items)) {
                        break;
                    }
                    progress.add(n);
                }
                Ok(())
            });
            if let Err(e) = read {
                raised = Some(e);
                send(Err(Error::Input {
                    location: "records".into(),
                    reason: "reading the records raised an exception".into(),
                }));
            }
            drop(tx);
            py.detach(|| match worker.join() {
                Ok(r) => Ok(r),
                Err(p) => Err(panic_message(&*p)),
            })
        });
        progress.end_stage();
        match raised {
            Some(e) => Err(e),
            None => finish(outcome),
        }
    }
}

#[pymethods]
impl Index {
    #[new]
    #[pyo3(signature = (path, create = true, threads = None))]
    fn new(py: Python<'_>, path: PathBuf, create: bool, threads: Option<usize>) -> PyResult<Self> {
        let pool = pool(threads)?;
        let collection = finish(py.detach(|| {
            caught(|| {
                if create {
                    Collection::open_or_create(&path)
                } else {
                    Collection::open(&path)
                }
            })
        }))?;
        Ok(Index {
            collection: Arc::new(collection),
            pool,
        })
    }

    /// The index directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.collection.dir().to_path_buf()
    }

    /// Adds chunks of records; returns the ingest report as JSON.
    #[pyo3(signature = (chunks, total, on_duplicate, strict, fields, max_doc_size, threads, progress))]
    #[allow(clippy::too_many_arguments)]
    fn add(
        &self,
        py: Python<'_>,
        chunks: &Bound<'_, PyAny>,
        total: Option<u64>,
        on_duplicate: &str,
        strict: bool,
        fields: Option<HashMap<String, String>>,
        max_doc_size: Option<usize>,
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let opts = add_options(
            ingest_options(fields, max_doc_size, None, None)?,
            on_duplicate,
            strict,
        )?;
        let pool = self.pool_for(threads)?;
        let progress = PyProgress::new(progress);
        progress.start_stage("indexing", total.unwrap_or(0));
        let report = self.add_chunks(py, chunks, &opts, pool.as_deref(), &progress)?;
        Ok(json(&report))
    }

    /// Adds files and folders; returns the ingest report as JSON.
    #[pyo3(signature = (paths, on_duplicate, strict, fields, max_doc_size, format, encoding, threads, progress))]
    #[allow(clippy::too_many_arguments)]
    fn add_files(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        on_duplicate: &str,
        strict: bool,
        fields: Option<HashMap<String, String>>,
        max_doc_size: Option<usize>,
        format: Option<&str>,
        encoding: Option<&str>,
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let ingest = ingest_options(fields, max_doc_size, format, encoding)?;
        let opts = add_options(ingest, on_duplicate, strict)?;
        let progress = PyProgress::new(progress);
        let report = self.detached(py, threads, |c| {
            let (files, _) = expand_inputs(&paths, opts.ingest.format)?;
            let total = files.iter().filter_map(|f| f.size).sum();
            progress.start_stage("indexing", total);
            let r = c.add_paths(&paths, &opts, &|n| progress.add(n));
            progress.end_stage();
            r
        })?;
        Ok(json(&report))
    }

    /// Deletes documents by id; returns how many.
    #[pyo3(signature = (ids, ignore_missing = false))]
    fn delete(&self, py: Python<'_>, ids: Vec<String>, ignore_missing: bool) -> PyResult<u64> {
        self.detached(py, None, |c| c.delete(&ids, ignore_missing))
    }

    /// Rewrites the index without its deleted documents.
    fn compact(&self, py: Python<'_>) -> PyResult<()> {
        self.detached(py, None, |c| c.compact())
    }

    /// Figures about the index, as JSON (those of `tessera index stats --json`).
    fn stats(&self) -> String {
        json(&self.collection.stats())
    }

    fn __len__(&self) -> usize {
        self.collection.len() as usize
    }

    /// A document's metadata (JSON) and text, or `None`.
    fn get(&self, py: Python<'_>, id: String) -> PyResult<Option<(String, String)>> {
        let found = self.detached(py, None, |c| c.get(&id))?;
        Ok(found.map(|(meta, text)| (json(&meta), text)))
    }

    /// Traces a text; returns the report as JSON.
    #[pyo3(signature = (text, id, title = None, date = None, threads = None))]
    fn trace(
        &self,
        py: Python<'_>,
        text: String,
        id: String,
        title: Option<String>,
        date: Option<String>,
        threads: Option<usize>,
    ) -> PyResult<String> {
        if let Some(d) = date
            .as_deref()
            .filter(|d| tessera::date::parse_timestamp(d).is_none())
        {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "date {d:?} is not an ISO 8601 date (YYYY-MM-DD, optionally with a time)"
            )));
        }
        let report = self.detached(py, threads, |c| {
            c.trace_text(&id, title.as_deref(), &text, date.as_deref())
        })?;
        Ok(json(&report))
    }

    /// Traces an indexed document against the rest; returns the report as JSON.
    #[pyo3(signature = (id, threads = None))]
    fn trace_id(&self, py: Python<'_>, id: String, threads: Option<usize>) -> PyResult<String> {
        let report = self.detached(py, threads, |c| c.trace_id(&id))?;
        Ok(json(&report))
    }

    /// Traces every record of `chunks`; returns the detections as JSON
    /// Lines (those of `tessera trace --jsonl … --format jsonl`) and the
    /// records skipped, as JSON.
    #[pyo3(signature = (chunks, strict, fields, max_doc_size, threads, progress))]
    #[allow(clippy::too_many_arguments)]
    fn trace_many<'py>(
        &self,
        py: Python<'py>,
        chunks: &Bound<'py, PyAny>,
        strict: bool,
        fields: Option<HashMap<String, String>>,
        max_doc_size: Option<usize>,
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<(Bound<'py, PyBytes>, String)> {
        let opts = ingest_options(fields, max_doc_size, None, None)?;
        let (docs, skipped) = read_queries(chunks, &opts)?;
        if strict && let Some(s) = skipped.first() {
            return finish(Ok(Err(Error::BadRecord(Box::new(s.clone())))));
        }
        let progress = PyProgress::new(progress);
        let out = self.detached(py, threads, |c| {
            let engine = c.engine();
            let mut out = Vec::new();
            engine.trace_each(&docs, &progress, &mut |_, r| {
                for d in &r.passages {
                    serde_json::to_writer(&mut out, d).map_err(|e| Error::Io {
                        path: "<detections>".into(),
                        source: e.into(),
                    })?;
                    out.push(b'\n');
                }
                Ok::<(), Error>(())
            })?;
            Ok(out)
        })?;
        Ok((PyBytes::new(py, &out), json(&skipped)))
    }
}

/// The documents and skipped records of query chunks.
fn read_queries(
    chunks: &Bound<'_, PyAny>,
    opts: &IngestOptions,
) -> PyResult<(Vec<tessera::index::Document>, Vec<Skipped>)> {
    let mut records = Records::new(opts);
    let mut docs = Vec::new();
    let mut skipped = Vec::new();
    for chunk in chunks.try_iter()? {
        for item in records.chunk(&chunk?)? {
            match item {
                Item::Doc { doc, .. } => docs.push(doc),
                Item::Skipped(s) => skipped.push(s),
            }
        }
    }
    Ok((docs, skipped))
}

impl Index {
    /// The shared collection (for the module's functions).
    pub fn collection(&self) -> &Arc<Collection> {
        &self.collection
    }
}
