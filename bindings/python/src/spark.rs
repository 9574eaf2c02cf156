//! The stages of a scan called by the Spark job (`tessera.spark`) in its
//! executors, a batch of documents or queries per call: [`ScanParts`]
//! wraps [`tessera::scan::parts::Parts`] and the corpus's token weights.
//! Hashes cross to Python as signed 64-bit integers (Spark's `long`), bit
//! for bit. Every batch is worked on with the GIL released, on the
//! object's thread pool (sized by the job from Spark's task cores).

use std::sync::Arc;

use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;
use tessera::Weights;
use tessera::scan::parts::{DocRef, Features, GRAM_RULES, PartPair, Parts, components, passages};

use crate::errors::{caught, finish};
use crate::options::{pool, run_in};

/// A document of the pair stage: number, rank, id, text, date.
type PyDoc = (u64, u64, String, String, Option<String>);
/// A query of the pair stage: itself, its candidates with their hits, and
/// its near-duplicate cluster's representative.
type PyQuery = (PyDoc, Vec<(PyDoc, Vec<u32>)>, Option<PyDoc>);
/// An edit: op, query words, source words, offsets and lengths.
type PyEdit = (String, String, String, u64, u64, u64, u64);
/// A pair: query number, source number, syndication, query id, query
/// offset and length, source id, offset and length, score, matched words,
/// evidence, reordered, edits, aligned words, substituted words, spin
/// substitutions.
type PyPair = (
    u64,
    u64,
    bool,
    (String, u64, u64, String, u64, u64),
    (f64, u32, f64, bool),
    Vec<PyEdit>,
    (u64, u64),
    Vec<(String, String)>,
);
/// A document's passages (start, end) and each of its spans' passage.
type PyPassages = (Vec<(u64, u64)>, Vec<u32>);
/// A column of lists of integers as Arrow holds it: the values of all
/// the lists one after another, and where each list starts and ends.
struct Lists {
    offsets: Vec<i64>,
    values: Vec<i64>,
}

impl Default for Lists {
    fn default() -> Self {
        Lists {
            offsets: vec![0],
            values: Vec::new(),
        }
    }
}

impl Lists {
    fn push(&mut self, list: impl IntoIterator<Item = i64>) {
        self.values.extend(list);
        self.offsets.push(self.values.len() as i64);
    }

    /// (offsets, values) as the data buffers of two Arrow int64 arrays.
    fn into_py(self, py: Python<'_>) -> (Bound<'_, PyBytes>, Bound<'_, PyBytes>) {
        (
            long_bytes(py, self.offsets.into_iter()),
            long_bytes(py, self.values.into_iter()),
        )
    }
}

/// 64-bit integers as the little-endian bytes of an Arrow data buffer.
fn long_bytes<'py>(py: Python<'py>, v: impl Iterator<Item = i64>) -> Bound<'py, PyBytes> {
    let bytes: Vec<u8> = v.flat_map(i64::to_le_bytes).collect();
    PyBytes::new(py, &bytes)
}

fn doc_ref(d: &PyDoc) -> DocRef<'_> {
    DocRef {
        doc: d.0,
        rank: d.1,
        id: &d.2,
        text: &d.3,
        date: d.4.as_deref(),
    }
}

fn py_pair(q: u64, p: PartPair) -> PyPair {
    let d = p.detection;
    let edits = d
        .edits
        .into_iter()
        .map(|e| {
            let op = serde_json::to_value(e.op)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            (
                op,
                e.query,
                e.source,
                e.query_offset,
                e.source_offset,
                e.query_length,
                e.source_length,
            )
        })
        .collect();
    (
        q,
        p.source,
        p.syndication,
        (
            d.query_id,
            d.query_offset,
            d.query_length,
            d.source_id,
            d.source_offset,
            d.source_length,
        ),
        (d.score, d.matched_words, d.evidence, d.reordered),
        edits,
        (p.aligned_words, p.substituted_words),
        p.patterns,
    )
}

/// The scan's stages with one configuration and the corpus's token
/// weights.
#[pyclass(module = "tessera._native", frozen)]
pub struct ScanParts {
    parts: Parts,
    weights: Weights,
    pool: Option<Arc<rayon::ThreadPool>>,
}

#[pymethods]
impl ScanParts {
    #[new]
    #[pyo3(signature = (documents = 0, frequent = Vec::new(), max_df = None, min_shared = None, max_candidates = None, neardup_jaccard = None, min_cluster_size = None, threads = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        documents: u64,
        frequent: Vec<(i64, u32)>,
        max_df: Option<u32>,
        min_shared: Option<u32>,
        max_candidates: Option<usize>,
        neardup_jaccard: Option<f64>,
        min_cluster_size: Option<usize>,
        threads: Option<usize>,
    ) -> PyResult<ScanParts> {
        let cfg = crate::scan_config(
            max_df,
            min_shared,
            max_candidates,
            neardup_jaccard,
            min_cluster_size,
            None,
        );
        let weights = if Weights::frequent_min_df(documents).is_some() {
            Weights::from_frequent(documents, frequent.into_iter().map(|(h, n)| (h as u64, n)))
        } else {
            Weights::prior_only()
        };
        Ok(ScanParts {
            parts: Parts::new(&cfg),
            weights,
            pool: pool(threads)?,
        })
    }

    /// The settings that shape the candidate table: max_df, the least
    /// documents and ratio of boilerplate, the popular factor and sources,
    /// the near-duplicate threshold, the least reuse cluster size and the
    /// boilerplate share of a reuse cluster.
    fn settings(&self) -> (u32, u64, u64, u32, usize, f64, usize, f64) {
        let c = self.parts.config();
        (
            c.trace.min_df_cap,
            GRAM_RULES.min_boilerplate_docs,
            GRAM_RULES.boilerplate_ratio,
            GRAM_RULES.popular_factor,
            GRAM_RULES.popular_sources,
            c.neardup_jaccard,
            c.min_cluster_size,
            c.boilerplate_share,
        )
    }

    /// The least document frequency of a frequent token in a corpus of
    /// `documents` (None: too few documents to learn weights).
    #[staticmethod]
    fn frequent_min_df(documents: u64) -> Option<u32> {
        Weights::frequent_min_df(documents)
    }

    /// The features of each (text, date) as Arrow columns: tokens,
    /// fingerprints, n-gram hashes, their positions, band keys and 5-gram
    /// sets as lists (offsets and values, see [`Lists`]), and timestamps.
    #[allow(clippy::type_complexity)]
    fn features<'py>(
        &self,
        py: Python<'py>,
        docs: Vec<(String, Option<String>)>,
    ) -> (
        Vec<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>,
        Vec<Option<i64>>,
    ) {
        let found: Vec<Features> = py.detach(|| {
            run_in(self.pool.as_deref(), || {
                docs.par_iter()
                    .map(|(text, date)| self.parts.features(text, date.as_deref()))
                    .collect()
            })
        });
        let mut cols: [Lists; 6] = Default::default();
        let mut stamps = Vec::with_capacity(found.len());
        for f in found {
            cols[0].push(f.tokens.iter().map(|&h| h as i64));
            cols[1].push(f.fingerprints.iter().map(|&h| h as i64));
            cols[2].push(f.grams.iter().map(|g| g.0 as i64));
            cols[3].push(f.grams.iter().map(|g| i64::from(g.1)));
            cols[4].push(f.bands.iter().map(|&h| h as i64));
            cols[5].push(f.shingles.iter().map(|&h| h as i64));
            stamps.push(f.timestamp);
        }
        (cols.into_iter().map(|c| c.into_py(py)).collect(), stamps)
    }

    /// The exact Jaccard similarity of each pair of sorted 5-gram sets.
    fn jaccard(&self, py: Python<'_>, pairs: Vec<(Vec<i64>, Vec<i64>)>) -> Vec<f64> {
        py.detach(|| {
            run_in(self.pool.as_deref(), || {
                pairs
                    .par_iter()
                    .map(|(a, b)| {
                        // Sorted as unsigned, as the features were.
                        let a: Vec<u64> = a.iter().map(|&h| h as u64).collect();
                        let b: Vec<u64> = b.iter().map(|&h| h as u64).collect();
                        Parts::jaccard(&a, &b)
                    })
                    .collect()
            })
        })
    }

    /// Each query's candidate sources from its hits, as Arrow columns:
    /// `offsets` delimit each query's hits in `sources`, `positions` (in
    /// the query) and `dfs` (document frequencies). Returns the candidates,
    /// best first, as lists per query (offsets, sources, places in the
    /// list) and each candidate's hits as lists (offsets, positions).
    #[allow(clippy::type_complexity)]
    fn rank<'py>(
        &self,
        py: Python<'py>,
        offsets: PyBuffer<i64>,
        sources: PyBuffer<i64>,
        positions: PyBuffer<i64>,
        dfs: PyBuffer<i64>,
    ) -> PyResult<(
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
        Bound<'py, PyBytes>,
        (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    )> {
        let offsets = offsets.to_vec(py)?;
        let (sources, positions, dfs) =
            (sources.to_vec(py)?, positions.to_vec(py)?, dfs.to_vec(py)?);
        let n = sources.len();
        let bad = offsets.windows(2).any(|w| w[0] > w[1] || w[1] as usize > n);
        if positions.len() != n || dfs.len() != n || bad {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "the hits' columns do not have the same lengths",
            ));
        }
        let ranked: Vec<Vec<(u64, Vec<u32>)>> = py.detach(|| {
            run_in(self.pool.as_deref(), || {
                offsets
                    .par_windows(2)
                    .map(|w| {
                        let (a, b) = (w[0] as usize, w[1] as usize);
                        let mut hits: Vec<(u64, u32, u32)> = (a..b)
                            .map(|k| (sources[k] as u64, positions[k] as u32, dfs[k] as u32))
                            .collect();
                        self.parts.rank(&mut hits)
                    })
                    .collect()
            })
        });
        let (mut cands, mut places, mut hits) = (Lists::default(), Vec::new(), Lists::default());
        for r in ranked {
            places.extend(0..r.len() as i64);
            cands.push(r.iter().map(|c| c.0 as i64));
            for (_, h) in r {
                hits.push(h.into_iter().map(i64::from));
            }
        }
        let (cand_offsets, cand_sources) = cands.into_py(py);
        Ok((
            cand_offsets,
            cand_sources,
            long_bytes(py, places.into_iter()),
            hits.into_py(py),
        ))
    }

    /// The pairs of each query, and the number of candidates aligned.
    fn pairs(&self, py: Python<'_>, queries: Vec<PyQuery>) -> PyResult<(Vec<PyPair>, u64)> {
        finish(py.detach(|| {
            caught(|| {
                run_in(self.pool.as_deref(), || {
                    let found: Vec<tessera::Result<(Vec<PyPair>, usize)>> = queries
                        .par_iter()
                        .map(|(q, cands, rep)| {
                            let cands: Vec<(DocRef<'_>, Vec<u32>)> =
                                cands.iter().map(|(d, h)| (doc_ref(d), h.clone())).collect();
                            let rep = rep.as_ref().map(doc_ref);
                            let (rows, n) = self.parts.pairs(
                                &self.weights,
                                &doc_ref(q),
                                &cands,
                                rep.as_ref(),
                            )?;
                            Ok((rows.into_iter().map(|p| py_pair(q.0, p)).collect(), n))
                        })
                        .collect();
                    let mut rows = Vec::new();
                    let mut aligned = 0u64;
                    for f in found {
                        let (r, n) = f?;
                        rows.extend(r);
                        aligned += n as u64;
                    }
                    Ok((rows, aligned))
                })
            })
        }))
    }

    /// The connected components of the edges `a[i]`-`b[i]` (the data
    /// buffers of two Arrow int64 arrays): the vertices in ascending order
    /// and the smallest vertex of each one's component, as such buffers.
    #[staticmethod]
    fn components<'py>(
        py: Python<'py>,
        a: PyBuffer<i64>,
        b: PyBuffer<i64>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let (a, b) = (a.to_vec(py)?, b.to_vec(py)?);
        if a.len() != b.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "{} edge starts but {} edge ends",
                a.len(),
                b.len()
            )));
        }
        let edges: Vec<(i64, i64)> = a.into_iter().zip(b).collect();
        let labels = py.detach(|| components(&edges));
        Ok((
            long_bytes(py, labels.iter().map(|l| l.0)),
            long_bytes(py, labels.iter().map(|l| l.1)),
        ))
    }

    /// The passages of each document from the spans of its pairs (sorted
    /// by start, then end): the passages, and each span's passage.
    fn passages(&self, py: Python<'_>, docs: Vec<Vec<(u64, u64)>>) -> Vec<PyPassages> {
        py.detach(|| {
            run_in(self.pool.as_deref(), || {
                docs.par_iter().map(|spans| passages(spans)).collect()
            })
        })
    }
}
