//! Scanning a whole corpus: all reused passages between its documents,
//! near-duplicate clusters, reuse clusters, the outlet copy graph and spin
//! statistics.
//!
//! [`scan`] runs in stages over an index, each one restartable:
//!
//! 1. **Documents.** Ids, outlets and dates of all live documents. The
//!    *source* of a pair is the earlier document: documents are ranked by
//!    date, undated ones after dated ones, ties by insertion order.
//! 2. **Near-duplicates.** Every document's word 5-gram set is summarised by
//!    a MinHash signature (126 hashes); documents colliding in one of 42
//!    bands of 3 hashes are candidates (a pair of Jaccard 0.5 collides with
//!    probability 0.996), and candidates are verified exactly. Pairs of exact
//!    Jaccard ≥ 0.5 are joined into clusters (connected components); the
//!    earliest member represents its cluster. Band keys go through an
//!    external sort, so memory stays bounded.
//! 3. **Passage pairs.** Each document is traced against the index like a
//!    query, restricted to earlier documents: candidates are the documents
//!    sharing at least `min_shared` of its word bigrams among those found in
//!    at most `max_df` documents (never all pairs), aligned with the same
//!    aligner as `trace`. A near-duplicate is aligned with its cluster's
//!    representative (a syndication pair) and with the earlier documents
//!    outside its cluster; every document sees another cluster through its
//!    representative: syndicated copies are not paired with each other, nor
//!    taken as sources in place of their original. Documents are processed in chunks whose
//!    results are checkpointed, so an interrupted run resumes where it
//!    stopped.
//! 4. **Aggregation.** Reuse clusters (pair spans that overlap within a
//!    document are one passage; passages linked by pairs are one cluster),
//!    the outlet copy graph, substitution patterns and spin scores, written
//!    as JSON Lines and Parquet (the graph also as CSV and GraphML).
//!
//! The output does not depend on the number of threads.

mod extsort;
mod grams;
mod output;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_fingerprint::minhash::{MinHasher, band_keys, jaccard_sorted};
use tessera_fingerprint::ngram_hashes;
use tessera_index::{DocAddr, Index};

use crate::candidates::{Ranking, distinct_ngrams};
use crate::engine::{Analysed, Engine, Query, TraceConfig};
use crate::error::{Error, Result};
use crate::report::{Detection, Edit, EditOp};
use extsort::{KeyDoc, Record, Sorter};
use grams::GramTable;
use output::{Cell, ColType, TableWriter};

pub use output::GraphEdge;

/// Tuning of a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanConfig {
    /// The aligner's and candidate search's settings.
    pub trace: TraceConfig,
    /// Bigrams found in more documents than this are not used to find
    /// candidate pairs (boilerplate; syndicated copies are handled as
    /// near-duplicates).
    pub max_df: u32,
    /// Least number of shared bigrams of a candidate pair ...
    pub min_shared: u32,
    /// ... within a window of this many tokens of the later document.
    pub hit_window: u32,
    /// Most candidates aligned per document.
    pub max_candidates: usize,
    /// A candidate is not aligned when all the n-grams it shares with the
    /// document lie in this many passages found with better candidates.
    pub max_sources_per_passage: u8,
    /// MinHash bands and rows per band.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Least exact Jaccard similarity of word 5-gram sets for a
    /// near-duplicate pair.
    pub neardup_jaccard: f64,
    /// Least number of documents of a reported reuse cluster.
    pub min_cluster_size: usize,
    /// A reuse cluster is boilerplate when at least this share of its
    /// documents comes from one outlet.
    pub boilerplate_share: f64,
    /// Memory for in-memory sorting before runs are spilled to disk.
    pub memory_budget: usize,
    /// Documents per checkpointed chunk of the pair stage.
    pub chunk_docs: usize,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            trace: TraceConfig::default(),
            max_df: 64,
            min_shared: 3,
            hit_window: 32,
            max_candidates: 20,
            max_sources_per_passage: 3,
            bands: 42,
            rows: 3,
            neardup_jaccard: 0.5,
            min_cluster_size: 3,
            boilerplate_share: 0.8,
            memory_budget: 512 << 20,
            chunk_docs: 4096,
        }
    }
}

impl ScanConfig {
    /// A fingerprint of the settings that change results, and of the
    /// tessera version (a checkpoint of another configuration or of
    /// another release is not reused).
    fn key(&self) -> String {
        format!(
            "{}|{:?}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            env!("CARGO_PKG_VERSION"),
            self.trace,
            self.max_df,
            self.min_shared,
            self.hit_window,
            self.max_candidates,
            self.max_sources_per_passage,
            self.bands,
            self.rows,
            self.neardup_jaccard,
            self.min_cluster_size,
            self.boilerplate_share,
            self.chunk_docs
        )
    }
}

/// Progress of a long-running stage.
pub trait Progress: Sync {
    /// A stage starts, with `total` units of work (0 when unknown).
    fn start(&self, stage: &str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The stage is done.
    fn finish(&self);
}

/// Progress that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// Documents scanned.
    pub documents: u64,
    /// Near-duplicate clusters.
    pub neardup_clusters: u64,
    /// Documents in near-duplicate clusters.
    pub neardup_documents: u64,
    /// Candidate document pairs aligned.
    pub candidates_aligned: u64,
    /// Aligned passage pairs (syndication pairs included).
    pub pairs: u64,
    /// Of them, a near-duplicate aligned with its cluster's representative.
    pub syndication_pairs: u64,
    /// Documents sharing at least one passage with another.
    pub documents_with_reuse: u64,
    /// Reuse clusters of at least `min_cluster_size` documents.
    pub reuse_clusters: u64,
    /// Of them, boilerplate (mostly one outlet).
    pub boilerplate_clusters: u64,
    /// Outlets.
    pub outlets: u64,
    /// Edges of the copy graph.
    pub graph_edges: u64,
    /// Substitution patterns seen at least twice.
    pub spin_patterns: u64,
    /// Fingerprints in the candidate table (found in 2 to `max_df`
    /// documents).
    #[serde(default)]
    pub table_fingerprints: u64,
    /// Memory of the candidate table, in bytes.
    #[serde(default)]
    pub table_bytes: u64,
    /// Sorted runs spilled to disk (memory budget reached).
    pub spilled_runs: u64,
    /// Stages reused from an earlier, interrupted run.
    pub resumed: Vec<String>,
    /// Seconds per stage.
    pub seconds: BTreeMap<String, f64>,
}

/// One live document of the scanned index.
#[derive(Debug, Clone)]
struct Doc {
    addr: DocAddr,
    id: String,
    outlet: u32,
    timestamp: Option<i64>,
    date: Option<String>,
}

/// The documents, their outlets and their order of publication.
#[derive(Debug)]
struct Docs {
    docs: Vec<Doc>,
    outlets: Vec<String>,
    /// Position of each document when sorted by (date, insertion order).
    rank: Vec<u32>,
    /// Document index by segment and ordinal (`u32::MAX`: not live). A flat
    /// table: this lookup runs for every posting of every query.
    by_addr: Vec<Vec<u32>>,
}

const NO_OUTLET: &str = "(no outlet)";

impl Docs {
    fn index_of(&self, a: DocAddr) -> Option<u32> {
        self.by_addr
            .get(a.segment as usize)
            .and_then(|s| s.get(a.ord as usize))
            .copied()
            .filter(|&k| k != u32::MAX)
    }

    fn load(index: &Index, progress: &dyn Progress) -> Result<Docs> {
        let addrs: Vec<DocAddr> = index.live_docs().collect();
        progress.start("documents", addrs.len() as u64);
        let metas: Vec<Result<(DocAddr, tessera_index::DocMeta)>> = addrs
            .par_chunks(4096)
            .flat_map_iter(|chunk| {
                let out: Vec<_> = chunk.iter().map(|&a| Ok((a, index.meta(a)?))).collect();
                progress.advance(chunk.len() as u64);
                out
            })
            .collect();
        let mut outlets: Vec<String> = vec![NO_OUTLET.to_string()];
        let mut outlet_ids: HashMap<String, u32> = HashMap::new();
        let mut docs = Vec::with_capacity(metas.len());
        for m in metas {
            let (addr, meta) = m?;
            let outlet = match meta.outlet {
                Some(o) => *outlet_ids.entry(o.clone()).or_insert_with(|| {
                    outlets.push(o);
                    (outlets.len() - 1) as u32
                }),
                None => 0,
            };
            docs.push(Doc {
                addr,
                id: meta.id,
                outlet,
                timestamp: meta.timestamp.or_else(|| index.timestamp(addr)),
                date: meta.date,
            });
        }
        let mut order: Vec<u32> = (0..docs.len() as u32).collect();
        order.sort_by_key(|&k| (docs[k as usize].timestamp.unwrap_or(i64::MAX), k));
        let mut rank = vec![0u32; docs.len()];
        for (r, &k) in order.iter().enumerate() {
            rank[k as usize] = r as u32;
        }
        let mut by_addr: Vec<Vec<u32>> = index
            .manifest()
            .segments
            .iter()
            .map(|s| vec![u32::MAX; s.docs as usize])
            .collect();
        for (k, d) in docs.iter().enumerate() {
            by_addr[d.addr.segment as usize][d.addr.ord as usize] = k as u32;
        }
        progress.finish();
        Ok(Docs {
            docs,
            outlets,
            rank,
            by_addr,
        })
    }
}

/// Near-duplicate clusters: members by document, the representative first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct NearDups {
    /// Each cluster's members, the representative (earliest) first.
    clusters: Vec<Vec<u32>>,
    /// Exact Jaccard similarity of each verified pair `(a, b, j)` joined.
    edges: Vec<(u32, u32, f64)>,
}

impl NearDups {
    /// The representative of each document that is a non-representative
    /// member of a cluster, and each document's cluster.
    fn maps(&self, n: usize) -> (Vec<Option<u32>>, Vec<Option<u32>>) {
        let mut rep = vec![None; n];
        let mut cluster = vec![None; n];
        for (c, members) in self.clusters.iter().enumerate() {
            for (k, &m) in members.iter().enumerate() {
                cluster[m as usize] = Some(c as u32);
                if k > 0 {
                    rep[m as usize] = Some(members[0]);
                }
            }
        }
        (rep, cluster)
    }
}

fn five_grams(engine: &Engine, text: &str) -> Vec<u64> {
    let tokens = engine.index().analyzer().tokenize(text);
    let mut grams = ngram_hashes(&tokens.hashes(), 5);
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Union-find with path halving; the smaller index becomes the root so the
/// result does not depend on the order of unions.
struct UnionFind(Vec<u32>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n as u32).collect())
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[x as usize];
            self.0[x as usize] = self.0[p as usize];
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.0[hi as usize] = lo;
        }
    }
}

fn neardups(
    engine: &Engine,
    docs: &Docs,
    cfg: &ScanConfig,
    work: &Path,
    progress: &dyn Progress,
    spills: &mut u64,
) -> Result<NearDups> {
    let n = docs.docs.len();
    let hasher = MinHasher::new(cfg.bands * cfg.rows);
    let mut sorter: Sorter<KeyDoc> = Sorter::new(work, "bands", cfg.memory_budget);
    progress.start("minhash", n as u64);
    for chunk_start in (0..n).step_by(4096) {
        let chunk_end = (chunk_start + 4096).min(n);
        let keys: Vec<Result<Vec<KeyDoc>>> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|k| {
                let text = engine.index().text(docs.docs[k].addr)?;
                let grams = five_grams(engine, &text);
                if grams.is_empty() {
                    return Ok(Vec::new());
                }
                let sig = hasher.signature(&grams);
                Ok(band_keys(&sig, cfg.rows)
                    .into_iter()
                    .map(|key| KeyDoc { key, doc: k as u32 })
                    .collect())
            })
            .collect();
        for k in keys {
            for kd in k? {
                sorter.push(kd)?;
            }
        }
        progress.advance((chunk_end - chunk_start) as u64);
        engine.index().release_pages();
    }
    progress.finish();
    // Documents sharing a band key are candidates; pairing each with the
    // first of its group keeps the work linear in the group size.
    *spills += sorter.spills() as u64;
    let mut merged = sorter.finish()?;
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    let mut group_key = None;
    let mut first = 0u32;
    while let Some(kd) = merged.next_record()? {
        if group_key == Some(kd.key) {
            if kd.doc != first {
                candidates.push((first, kd.doc));
            }
        } else {
            group_key = Some(kd.key);
            first = kd.doc;
        }
    }
    drop(merged);
    candidates.sort_unstable();
    candidates.dedup();
    progress.start("near-duplicates", candidates.len() as u64);
    let verified: Vec<Result<Option<(u32, u32, f64)>>> = candidates
        .par_chunks(1024)
        .flat_map_iter(|chunk| {
            let out: Vec<_> = chunk
                .iter()
                .map(|&(a, b)| {
                    let ta = engine.index().text(docs.docs[a as usize].addr)?;
                    let tb = engine.index().text(docs.docs[b as usize].addr)?;
                    let j = jaccard_sorted(&five_grams(engine, &ta), &five_grams(engine, &tb));
                    Ok((j >= cfg.neardup_jaccard).then_some((a, b, j)))
                })
                .collect();
            progress.advance(chunk.len() as u64);
            out
        })
        .collect();
    let mut uf = UnionFind::new(n);
    let mut edges = Vec::new();
    for v in verified {
        if let Some((a, b, j)) = v? {
            uf.union(a, b);
            edges.push((a, b, (j * 10_000.0).round() / 10_000.0));
        }
    }
    let mut groups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for k in 0..n as u32 {
        let r = uf.find(k);
        groups.entry(r).or_default().push(k);
    }
    let mut clusters: Vec<Vec<u32>> = groups.into_values().filter(|g| g.len() > 1).collect();
    for c in &mut clusters {
        c.sort_by_key(|&k| docs.rank[k as usize]);
    }
    clusters.sort_by_key(|c| docs.rank[c[0] as usize]);
    progress.finish();
    Ok(NearDups { clusters, edges })
}

/// A pair as checkpointed: document indices and the detection.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PairRow {
    q: u32,
    s: u32,
    syndication: bool,
    d: Detection,
    /// Document of each of `d.alternatives`.
    #[serde(default)]
    alts: Vec<u32>,
}

/// Persistent state of a scan in `out/.scan`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct State {
    version: u32,
    index: String,
    config: String,
    neardup_done: bool,
}

fn index_key(index: &Index) -> String {
    let m = index.manifest();
    let segs: Vec<String> = m
        .segments
        .iter()
        .map(|s| format!("{}:{}:{}", s.name, s.crc32, s.deleted))
        .collect();
    format!("{}|{}", m.generation, segs.join(","))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(b) => Ok(serde_json::from_slice(&b).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let bytes = serde_json::to_vec(v).map_err(|e| Error::io(path, e.into()))?;
    output::write_atomic(path, &bytes)
}

/// Candidate sources of document `k` among the documents that `keep`
/// accepts, best first: those sharing at least `min_shared` n-grams of the
/// table within `hit_window` tokens of `k`, ranked by the summed
/// `ln(1 + max_df / df)` of the n-grams they share.
fn scan_candidates(
    engine: &Engine,
    table: &GramTable,
    tokens: &tessera_text::Tokens,
    cfg: &ScanConfig,
    keep: impl Fn(u32, bool) -> bool,
) -> Vec<(u32, Vec<u32>)> {
    let grams = distinct_ngrams(engine.index().analyzer().fingerprinter(), tokens);
    let cap = f64::from(cfg.max_df.max(2));
    // (document, position of the shared n-gram, its weight).
    let mut hits: Vec<(u32, u32, f64)> = Vec::new();
    for (h, pos) in grams {
        let Some((df, list, boilerplate)) = table.get(h) else {
            continue;
        };
        // Rarity within the cap: an n-gram of two documents weighs five
        // times one of `max_df`. A copy shares rare n-grams; documents that
        // merely share a common phrasing (a sentence every wire story
        // uses) share frequent ones, and would otherwise crowd the copy
        // out of the candidates of a large corpus. Boilerplate counts as
        // the most frequent.
        let w = (1.0 + cap / f64::from(df.min(cfg.max_df))).ln();
        hits.extend(
            list.iter()
                .filter(|&&b| keep(b, boilerplate))
                .map(|&b| (b, pos, w)),
        );
    }
    // Each document's weights are summed in query order.
    hits.sort_unstable_by_key(|a| (a.0, a.1));
    Ranking {
        min_shared: cfg.min_shared,
        window: cfg.hit_window,
        max: cfg.max_candidates,
    }
    .rank(&hits)
}

/// The pair stage for documents `range`: each traced against earlier ones.
#[allow(clippy::too_many_arguments)]
fn pair_chunk(
    engine: &Engine,
    docs: &Docs,
    table: &GramTable,
    cfg: &ScanConfig,
    rep: &[Option<u32>],
    cluster: &[Option<u32>],
    range: std::ops::Range<usize>,
    progress: &dyn Progress,
) -> Result<(Vec<PairRow>, u64)> {
    let doc_of_id = |id: &str| engine.index().find(id).and_then(|a| docs.index_of(a));
    let analyse = |a: DocAddr| -> Result<Arc<Analysed>> {
        Ok(Arc::new(engine.analyse(engine.index().text(a)?)))
    };
    // 1. Each document analysed and its candidates found.
    type Prepped = (Arc<Analysed>, Vec<(DocAddr, Vec<u32>)>);
    let prepped: Vec<Result<Prepped>> = range
        .clone()
        .into_par_iter()
        .map(|k| {
            let d = &docs.docs[k];
            let a = analyse(d.addr)?;
            let my_rank = docs.rank[k];
            let my_cluster = cluster[k];
            // Earlier documents, each near-duplicate cluster seen through
            // its representative (the table holds no other member), the
            // document's own cluster excluded; boilerplate pairs only
            // within its outlet.
            let keep = |b: u32, boilerplate: bool| {
                docs.rank[b as usize] < my_rank
                    && (my_cluster.is_none() || cluster[b as usize] != my_cluster)
                    && (!boilerplate || (d.outlet != 0 && docs.docs[b as usize].outlet == d.outlet))
            };
            let cands = scan_candidates(engine, table, &a.tokens, cfg, keep)
                .into_iter()
                .map(|(b, hits)| (docs.docs[b as usize].addr, hits))
                .collect();
            Ok((a, cands))
        })
        .collect();
    let prepped: Vec<Prepped> = prepped.into_iter().collect::<Result<_>>()?;
    // 2. Sources shared within the chunk are analysed once: the chunk's
    // own documents, and candidates of more than one of its documents
    // (lazily, when first aligned).
    let mut uses: HashMap<DocAddr, u32> = HashMap::new();
    for (_, cands) in &prepped {
        for (a, _) in cands {
            *uses.entry(*a).or_default() += 1;
        }
    }
    let shared: HashMap<DocAddr, std::sync::OnceLock<Arc<Analysed>>> = uses
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(a, _)| (a, std::sync::OnceLock::new()))
        .chain(range.clone().zip(&prepped).map(|(k, (a, _))| {
            let cell = std::sync::OnceLock::new();
            let _ = cell.set(a.clone());
            (docs.docs[k].addr, cell)
        }))
        .collect();
    let source = |a: DocAddr| -> Result<Arc<Analysed>> {
        match shared.get(&a) {
            Some(cell) => match cell.get() {
                Some(x) => Ok(x.clone()),
                None => {
                    let x = analyse(a)?;
                    Ok(cell.get_or_init(|| x).clone())
                }
            },
            None => analyse(a),
        }
    };
    // 3. Alignment.
    let rows: Vec<Result<(Vec<PairRow>, usize)>> = range
        .into_par_iter()
        .zip(prepped.par_iter())
        .map(|(k, (a, cands))| {
            let d = &docs.docs[k];
            let query = Query {
                id: &d.id,
                title: None,
                text: &a.text,
                exclude: Some(d.addr),
            };
            let q = a.view();
            let mut reports = vec![(
                engine.trace_pruned(&query, &q, cands, cfg.max_sources_per_passage, &source)?,
                false,
            )];
            if let Some(r) = rep[k] {
                // A copy of a cluster: aligned with its original.
                reports.push((
                    engine.trace_pruned(
                        &query,
                        &q,
                        &[(docs.docs[r as usize].addr, Vec::new())],
                        u8::MAX,
                        &source,
                    )?,
                    true,
                ));
            }
            let mut rows = Vec::new();
            let aligned: usize = reports.iter().map(|(r, _)| r.candidates).sum();
            for (report, syndication) in reports {
                for p in report.passages {
                    let Some(s) = doc_of_id(&p.source_id) else {
                        continue;
                    };
                    let alts = p
                        .alternatives
                        .iter()
                        .filter_map(|a| doc_of_id(&a.source_id))
                        .collect();
                    rows.push(PairRow {
                        q: k as u32,
                        s,
                        syndication,
                        d: p,
                        alts,
                    });
                }
            }
            rows.sort_by(|a, b| {
                (a.d.query_offset, docs.rank[a.s as usize], a.d.source_offset).cmp(&(
                    b.d.query_offset,
                    docs.rank[b.s as usize],
                    b.d.source_offset,
                ))
            });
            progress.advance(1);
            Ok((rows, aligned))
        })
        .collect();
    let mut out = Vec::new();
    let mut aligned = 0;
    for r in rows {
        let (r, a) = r?;
        out.extend(r);
        aligned += a as u64;
    }
    Ok((out, aligned))
}

fn chunk_path(work: &Path, c: usize) -> PathBuf {
    work.join(format!("pairs-{c:06}.jsonl"))
}

/// Scans the index in `index_dir`, writing results to `out`.
pub fn scan(
    index_dir: &Path,
    out: &Path,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<ScanSummary> {
    let index = Index::open(index_dir)?;
    let trace = TraceConfig {
        max_candidates: cfg.max_candidates,
        min_shared_ngrams: cfg.min_shared,
        max_df_ratio: 0.0,
        min_df_cap: cfg.max_df,
        hit_window: cfg.hit_window,
        // Every source aligned with a passage is a pair of its own (the
        // candidates aligned are bounded by `max_sources_per_passage`).
        alternative_overlap: f64::INFINITY,
        ..cfg.trace.clone()
    };
    let work = out.join(".scan");
    std::fs::create_dir_all(&work).map_err(|e| Error::io(&work, e))?;
    let state_path = work.join("state.json");
    let fresh = State {
        version: 2,
        index: index_key(&index),
        config: cfg.key(),
        neardup_done: false,
    };
    let mut state: State = match read_json::<State>(&state_path)? {
        Some(s)
            if s.version == fresh.version && s.index == fresh.index && s.config == fresh.config =>
        {
            s
        }
        _ => {
            // Another index or configuration: start over.
            for e in std::fs::read_dir(&work)
                .map_err(|e| Error::io(&work, e))?
                .flatten()
            {
                let _ = std::fs::remove_file(e.path());
            }
            write_json(&state_path, &fresh)?;
            fresh
        }
    };
    let engine = Engine::new(index, trace);
    let mut summary = ScanSummary::default();
    let timer = Instant::now();
    let docs = Docs::load(engine.index(), progress)?;
    summary
        .seconds
        .insert("documents".into(), timer.elapsed().as_secs_f64());
    let n = docs.docs.len();
    summary.documents = n as u64;
    summary.outlets =
        docs.outlets.len() as u64 - u64::from(docs.docs.iter().all(|d| d.outlet != 0));

    // Near-duplicates.
    let timer = Instant::now();
    let nd_path = work.join("neardup.json");
    let nd = match (state.neardup_done, read_json::<NearDups>(&nd_path)?) {
        (true, Some(nd)) => {
            summary.resumed.push("near-duplicates".into());
            nd
        }
        _ => {
            let nd = neardups(
                &engine,
                &docs,
                cfg,
                &work,
                progress,
                &mut summary.spilled_runs,
            )?;
            write_json(&nd_path, &nd)?;
            state.neardup_done = true;
            write_json(&state_path, &state)?;
            nd
        }
    };
    summary
        .seconds
        .insert("near-duplicates".into(), timer.elapsed().as_secs_f64());
    let (rep, cluster_of) = nd.maps(n);
    engine.index().release_pages();

    // Passage pairs, chunk by chunk.
    let timer = Instant::now();
    let chunks = n.div_ceil(cfg.chunk_docs.max(1));
    let done: Vec<bool> = (0..chunks).map(|c| chunk_path(&work, c).exists()).collect();
    let todo = done.iter().filter(|d| !**d).count();
    if todo < chunks && chunks > 0 {
        summary
            .resumed
            .push(format!("pairs ({} of {} chunks)", chunks - todo, chunks));
    }
    let table = if todo > 0 {
        progress.start("candidate table", 0);
        // Syndicated copies are never sources: each cluster is seen
        // through its representative.
        // Documents per outlet that can be sources (not syndicated copies).
        let mut outlet_docs = vec![0u32; docs.outlets.len()];
        for (d, r) in docs.docs.iter().zip(&rep) {
            if r.is_none() {
                outlet_docs[d.outlet as usize] += 1;
            }
        }
        let t = GramTable::build(
            engine.index(),
            cfg.max_df,
            |a| docs.index_of(a).filter(|&b| rep[b as usize].is_none()),
            |b| docs.docs[b as usize].outlet,
            |b| docs.rank[b as usize],
            &outlet_docs,
        )?;
        progress.finish();
        summary.table_fingerprints = t.len() as u64;
        summary.table_bytes = t.heap_bytes() as u64;
        t
    } else {
        GramTable::default()
    };
    progress.start("pairs", (todo * cfg.chunk_docs).min(n) as u64);
    for (c, &finished) in done.iter().enumerate() {
        if finished {
            continue;
        }
        let range = c * cfg.chunk_docs..((c + 1) * cfg.chunk_docs).min(n);
        let (rows, aligned) = pair_chunk(
            &engine,
            &docs,
            &table,
            cfg,
            &rep,
            &cluster_of,
            range,
            progress,
        )?;
        summary.candidates_aligned += aligned;
        let mut body = Vec::new();
        for r in &rows {
            serde_json::to_writer(&mut body, r)
                .map_err(|e| Error::io(chunk_path(&work, c), e.into()))?;
            body.push(b'\n');
        }
        output::write_atomic(&chunk_path(&work, c), &body)?;
        // The texts read for this chunk are not kept mapped.
        engine.index().release_pages();
    }
    progress.finish();
    summary
        .seconds
        .insert("pairs".into(), timer.elapsed().as_secs_f64());

    // Aggregation and output.
    let timer = Instant::now();
    aggregate(
        &docs,
        &nd,
        &cluster_of,
        cfg,
        &work,
        out,
        chunks,
        &mut summary,
        progress,
    )?;
    summary
        .seconds
        .insert("outputs".into(), timer.elapsed().as_secs_f64());
    summary.neardup_clusters = nd.clusters.len() as u64;
    summary.neardup_documents = nd.clusters.iter().map(|c| c.len() as u64).sum();
    write_json(&out.join("summary.json"), &summary)?;
    Ok(summary)
}

/// A cluster of near-duplicate documents, by id; the representative (the
/// earliest: by date, undated last, ties by insertion order) first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearDupCluster {
    /// Member ids, the representative first, then by publication order.
    pub members: Vec<String>,
}

/// The near-duplicate clusters of the index in `index_dir` (the second stage
/// of [`scan`] alone). `work` holds temporary sorted runs.
pub fn near_duplicates(
    index_dir: &Path,
    work: &Path,
    cfg: &ScanConfig,
    progress: &dyn Progress,
) -> Result<Vec<NearDupCluster>> {
    let engine = Engine::new(Index::open(index_dir)?, cfg.trace.clone());
    std::fs::create_dir_all(work).map_err(|e| Error::io(work, e))?;
    let docs = Docs::load(engine.index(), progress)?;
    let mut spills = 0;
    let nd = neardups(&engine, &docs, cfg, work, progress, &mut spills)?;
    Ok(nd
        .clusters
        .iter()
        .map(|c| NearDupCluster {
            members: c
                .iter()
                .map(|&k| docs.docs[k as usize].id.clone())
                .collect(),
        })
        .collect())
}

/// An end of a pair: a span of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Endpoint {
    doc: u32,
    start: u64,
    end: u64,
    pair: u64,
}

impl Record for Endpoint {
    const SIZE: usize = 28;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.doc.to_le_bytes());
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&self.end.to_le_bytes());
        out.extend_from_slice(&self.pair.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        let u64_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(a)
        };
        let mut d = [0u8; 4];
        d.copy_from_slice(&b[..4]);
        Endpoint {
            doc: u32::from_le_bytes(d),
            start: u64_at(4),
            end: u64_at(12),
            pair: u64_at(20),
        }
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn words(s: &str) -> u64 {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count() as u64
}

#[derive(Debug, Default)]
struct EdgeAcc {
    passages: u64,
    chars: u64,
    copies: std::collections::BTreeSet<u32>,
    delays: Vec<i64>,
}

#[derive(Debug, Default)]
struct Pattern {
    count: u64,
    /// Uses by outlet (most patterns have one or two: a list, not a map).
    outlets: Vec<(u32, u64)>,
}

/// The outlet of document `k`, unless it has none.
fn outlet_name(docs: &Docs, k: u32) -> Option<&str> {
    let o = docs.docs[k as usize].outlet;
    (o != 0).then(|| docs.outlets[o as usize].as_str())
}

/// The pairs of one checkpoint, parsed and rendered.
struct Rendered {
    rows: Vec<PairRow>,
    /// The JSON Lines of the rows; row `k` is `lines[line_ends[k]..line_ends[k + 1]]`.
    lines: Vec<u8>,
    line_ends: Vec<usize>,
    /// Each row's edits as JSON.
    edits: Vec<String>,
    /// Each row's aligned and substituted words.
    spin: Vec<(u64, u64)>,
    /// Spin substitutions (source, copy) by row.
    patterns: Vec<(usize, (String, String))>,
}

/// A pair as written to `pairs.jsonl` (the edits follow).
#[derive(Serialize)]
struct PairOut<'a> {
    query_id: &'a str,
    query_offset: u64,
    query_length: u64,
    source_id: &'a str,
    source_offset: u64,
    source_length: u64,
    score: f64,
    matched_words: u32,
    evidence: f64,
    kind: &'static str,
    reordered: bool,
    query_outlet: Option<&'a str>,
    source_outlet: Option<&'a str>,
    query_date: Option<&'a str>,
    source_date: Option<&'a str>,
    delay_seconds: Option<i64>,
    query_neardup_cluster: Option<u32>,
    source_neardup_cluster: Option<u32>,
}

fn render_chunk(
    docs: &Docs,
    cluster_of: &[Option<u32>],
    path: &Path,
    work: &Path,
) -> Result<Rendered> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut r = Rendered {
        rows: Vec::new(),
        lines: Vec::new(),
        line_ends: vec![0],
        edits: Vec::new(),
        spin: Vec::new(),
        patterns: Vec::new(),
    };
    for (line_no, line) in text.lines().enumerate() {
        let row: PairRow = serde_json::from_str(line).map_err(|e| Error::Input {
            location: format!("{}:{}", path.display(), line_no + 1),
            reason: format!(
                "damaged checkpoint ({e}); delete {} and run the scan again",
                work.display()
            ),
        })?;
        let (q, s, d) = (row.q, row.s, &row.d);
        let (qd, sd) = (&docs.docs[q as usize], &docs.docs[s as usize]);
        let delay = match (qd.timestamp, sd.timestamp) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        };
        let edits = serde_json::to_string(&d.edits).map_err(|e| Error::io(path, e.into()))?;
        let head = PairOut {
            query_id: &d.query_id,
            query_offset: d.query_offset,
            query_length: d.query_length,
            source_id: &d.source_id,
            source_offset: d.source_offset,
            source_length: d.source_length,
            score: d.score,
            matched_words: d.matched_words,
            evidence: d.evidence,
            kind: if row.syndication {
                "syndication"
            } else {
                "reuse"
            },
            reordered: d.reordered,
            query_outlet: outlet_name(docs, q),
            source_outlet: outlet_name(docs, s),
            query_date: qd.date.as_deref(),
            source_date: sd.date.as_deref(),
            delay_seconds: delay,
            query_neardup_cluster: cluster_of[q as usize],
            source_neardup_cluster: cluster_of[s as usize],
        };
        serde_json::to_writer(&mut r.lines, &head).map_err(|e| Error::io(path, e.into()))?;
        // `{...}` becomes `{...,"edits":[...]}`.
        r.lines.pop();
        r.lines.extend_from_slice(b",\"edits\":");
        r.lines.extend_from_slice(edits.as_bytes());
        r.lines.extend_from_slice(b"}\n");
        r.line_ends.push(r.lines.len());
        r.edits.push(edits);
        let sub_words: u64 = d
            .edits
            .iter()
            .filter(|x| x.op == EditOp::Sub)
            .map(|x| words(&x.query))
            .sum();
        r.spin
            .push((u64::from(d.matched_words) + sub_words, sub_words));
        let k = r.rows.len();
        for x in d.edits.iter().filter(|x| is_spin(x)) {
            r.patterns
                .push((k, (collapse(&x.source), collapse(&x.query))));
        }
        r.rows.push(row);
    }
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
fn aggregate(
    docs: &Docs,
    nd: &NearDups,
    cluster_of: &[Option<u32>],
    cfg: &ScanConfig,
    work: &Path,
    out: &Path,
    chunks: usize,
    summary: &mut ScanSummary,
    progress: &dyn Progress,
) -> Result<()> {
    let pair_schema: &[(&str, ColType)] = &[
        ("query_id", ColType::Str),
        ("query_offset", ColType::I64),
        ("query_length", ColType::I64),
        ("source_id", ColType::Str),
        ("source_offset", ColType::I64),
        ("source_length", ColType::I64),
        ("score", ColType::F64),
        ("matched_words", ColType::I64),
        ("evidence", ColType::F64),
        ("kind", ColType::Str),
        ("reordered", ColType::Bool),
        ("query_outlet", ColType::OptStr),
        ("source_outlet", ColType::OptStr),
        ("query_date", ColType::OptStr),
        ("source_date", ColType::OptStr),
        ("delay_seconds", ColType::OptI64),
        ("query_neardup_cluster", ColType::OptI64),
        ("source_neardup_cluster", ColType::OptI64),
        ("edits", ColType::Json),
    ];
    let mut pairs_out = TableWriter::new(out, "pairs", pair_schema)?;
    let mut endpoints: Sorter<Endpoint> = Sorter::new(work, "endpoints", cfg.memory_budget / 2);
    let mut edges: BTreeMap<(u32, u32), EdgeAcc> = BTreeMap::new();
    // Keys are mostly unique strings: a fast hash (xxh3, not SipHash).
    let mut patterns: HashMap<(String, String), Pattern, xxhash_rust::xxh3::Xxh3DefaultBuilder> =
        HashMap::default();
    // Per copy document: aligned words, substituted words.
    let mut spin: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    let mut pair_count = 0u64;
    let mut link_count = 0u64;
    let mut reused = vec![false; docs.docs.len()];
    progress.start("outputs", chunks as u64);
    // Checkpoints are parsed and rendered on all cores, a few at a time
    // (bounded memory), and consumed in chunk order (deterministic).
    let batch = rayon::current_num_threads().max(1) * 2;
    for first in (0..chunks).step_by(batch) {
        let rendered: Vec<Result<Rendered>> = (first..(first + batch).min(chunks))
            .into_par_iter()
            .map(|c| render_chunk(docs, cluster_of, &chunk_path(work, c), work))
            .collect();
        for r in rendered {
            let r = r?;
            for (k, row) in r.rows.iter().enumerate() {
                let (q, s, d) = (row.q, row.s, &row.d);
                let (qd, sd) = (&docs.docs[q as usize], &docs.docs[s as usize]);
                let delay = match (qd.timestamp, sd.timestamp) {
                    (Some(a), Some(b)) => Some(a - b),
                    _ => None,
                };
                let opt_i64 = |c: Option<u32>| c.map(i64::from);
                pairs_out.push_typed(
                    &r.lines[r.line_ends[k]..r.line_ends[k + 1]],
                    &[
                        Cell::Str(&d.query_id),
                        Cell::I64(d.query_offset as i64),
                        Cell::I64(d.query_length as i64),
                        Cell::Str(&d.source_id),
                        Cell::I64(d.source_offset as i64),
                        Cell::I64(d.source_length as i64),
                        Cell::F64(d.score),
                        Cell::I64(i64::from(d.matched_words)),
                        Cell::F64(d.evidence),
                        Cell::Str(if row.syndication {
                            "syndication"
                        } else {
                            "reuse"
                        }),
                        Cell::Bool(d.reordered),
                        Cell::OptStr(outlet_name(docs, q)),
                        Cell::OptStr(outlet_name(docs, s)),
                        Cell::OptStr(qd.date.as_deref()),
                        Cell::OptStr(sd.date.as_deref()),
                        Cell::OptI64(delay),
                        Cell::OptI64(opt_i64(cluster_of[q as usize])),
                        Cell::OptI64(opt_i64(cluster_of[s as usize])),
                        Cell::Str(&r.edits[k]),
                    ],
                )?;
                // The pair links its two spans; alternatives of the passage
                // link it with their documents too (for reuse clusters).
                for (doc, start, end) in [
                    (q, d.query_offset, d.query_offset + d.query_length),
                    (s, d.source_offset, d.source_offset + d.source_length),
                ] {
                    endpoints.push(Endpoint {
                        doc,
                        start,
                        end,
                        pair: link_count,
                    })?;
                }
                link_count += 1;
                for (a, &doc) in d.alternatives.iter().zip(&row.alts) {
                    for (doc, start, end) in [
                        (q, a.query_offset, a.query_offset + a.query_length),
                        (doc, a.source_offset, a.source_offset + a.source_length),
                    ] {
                        endpoints.push(Endpoint {
                            doc,
                            start,
                            end,
                            pair: link_count,
                        })?;
                    }
                    link_count += 1;
                }
                reused[q as usize] = true;
                reused[s as usize] = true;
                pair_count += 1;
                if row.syndication {
                    summary.syndication_pairs += 1;
                }
                let e = edges.entry((sd.outlet, qd.outlet)).or_default();
                e.passages += 1;
                e.chars += d.query_length;
                e.copies.insert(q);
                if let Some(x) = delay {
                    e.delays.push(x);
                }
                let (aligned, substituted) = r.spin[k];
                let acc = spin.entry(q).or_default();
                acc.0 += aligned;
                acc.1 += substituted;
            }
            for (k, key) in r.patterns {
                let p = patterns.entry(key).or_default();
                p.count += 1;
                let o = docs.docs[r.rows[k].q as usize].outlet;
                match p.outlets.iter_mut().find(|x| x.0 == o) {
                    Some(x) => x.1 += 1,
                    None => p.outlets.push((o, 1)),
                }
            }
            progress.advance(1);
        }
    }
    let links = link_count;
    let outlet_opt = |k: u32| outlet_name(docs, k).map(str::to_string);
    summary.pairs = pair_count;
    summary.documents_with_reuse = reused.iter().filter(|&&r| r).count() as u64;
    pairs_out.finish()?;
    progress.finish();

    // Reuse clusters: overlapping spans of a document are one passage;
    // passages joined by pairs are one cluster.
    progress.start("clusters", 0);
    summary.spilled_runs += endpoints.spills() as u64;
    let mut merged = endpoints.finish()?;
    // The two spans (segments) of each link.
    let mut segment_of_link: Vec<[u32; 2]> = vec![[u32::MAX; 2]; links as usize];
    let mut segments: Vec<(u32, u64, u64)> = Vec::new();
    // The first segment of the current document.
    let mut doc_first = 0usize;
    while let Some(ep) = merged.next_record()? {
        if segments.last().is_none_or(|&(doc, _, _)| doc != ep.doc) {
            doc_first = segments.len();
        }
        // A span is an occurrence of a passage of its document already
        // seen when the two overlap by more than half of the longer one
        // (occurrences keep their first span and do not grow): a passage
        // that shares only an edge with another, or that holds it among
        // more text, stays apart. Otherwise clusters would chain different
        // passages together through the documents that hold both, and a
        // corpus dense with reuse would collapse into one cluster.
        let best = segments[doc_first..]
            .iter()
            .enumerate()
            .map(|(k, &(_, start, end))| {
                let overlap = end.min(ep.end).saturating_sub(start.max(ep.start));
                (overlap, k, (end - start).max(ep.end - ep.start))
            })
            .filter(|&(overlap, _, longer)| 2 * overlap > longer)
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let seg = match best {
            Some((_, k, _)) => doc_first + k,
            None => {
                segments.push((ep.doc, ep.start, ep.end));
                segments.len() - 1
            }
        };
        let slot = &mut segment_of_link[ep.pair as usize];
        let side = usize::from(slot[0] != u32::MAX);
        slot[side] = seg as u32;
    }
    drop(merged);
    let mut uf = UnionFind::new(segments.len());
    for &[a, b] in &segment_of_link {
        if a != u32::MAX && b != u32::MAX {
            uf.union(a, b);
        }
    }
    drop(segment_of_link);
    let mut comps: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for k in 0..segments.len() as u32 {
        let r = uf.find(k);
        comps.entry(r).or_default().push(k);
    }
    let cluster_schema: &[(&str, ColType)] = &[
        ("cluster_id", ColType::I64),
        ("size", ColType::I64),
        ("origin_id", ColType::Str),
        ("origin_offset", ColType::I64),
        ("origin_length", ColType::I64),
        ("origin_outlet", ColType::OptStr),
        ("origin_date", ColType::OptStr),
        ("boilerplate", ColType::Bool),
        ("dominant_outlet", ColType::OptStr),
        ("dominant_share", ColType::F64),
        ("outlets", ColType::I64),
        ("members", ColType::Json),
    ];
    let mut clusters_out = TableWriter::new(out, "reuse_clusters", cluster_schema)?;
    let mut groups: Vec<Vec<(u32, u64, u64)>> = comps
        .into_values()
        .map(|segs| {
            segs.into_iter()
                .map(|k| segments[k as usize])
                .collect::<Vec<_>>()
        })
        .filter(|m: &Vec<(u32, u64, u64)>| {
            let mut ds: Vec<u32> = m.iter().map(|x| x.0).collect();
            ds.sort_unstable();
            ds.dedup();
            ds.len() >= cfg.min_cluster_size
        })
        .collect();
    for g in &mut groups {
        g.sort_by_key(|&(doc, start, _)| (docs.rank[doc as usize], start));
    }
    groups.sort_by_key(|g| (docs.rank[g[0].0 as usize], g[0].1));
    for (cid, g) in groups.iter().enumerate() {
        let mut by_outlet: BTreeMap<u32, std::collections::BTreeSet<u32>> = BTreeMap::new();
        for &(doc, _, _) in g {
            by_outlet
                .entry(docs.docs[doc as usize].outlet)
                .or_default()
                .insert(doc);
        }
        let size: usize = by_outlet.values().map(|s| s.len()).sum();
        let (dom_outlet, dom_docs) = by_outlet
            .iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
            .map(|(o, s)| (*o, s.len()))
            .unwrap_or((0, 0));
        let share = dom_docs as f64 / size.max(1) as f64;
        let boilerplate = share >= cfg.boilerplate_share && dom_outlet != 0;
        if boilerplate {
            summary.boilerplate_clusters += 1;
        }
        let (o_doc, o_start, o_end) = g[0];
        let members: Vec<Value> = g
            .iter()
            .map(|&(doc, start, end)| {
                let d = &docs.docs[doc as usize];
                json!({"id": d.id, "offset": start, "length": end - start, "outlet": outlet_opt(doc), "date": d.date})
            })
            .collect();
        clusters_out.push(&json!({
            "cluster_id": cid, "size": size,
            "origin_id": docs.docs[o_doc as usize].id, "origin_offset": o_start, "origin_length": o_end - o_start,
            "origin_outlet": outlet_opt(o_doc), "origin_date": docs.docs[o_doc as usize].date,
            "boilerplate": boilerplate,
            "dominant_outlet": (dom_outlet != 0).then(|| docs.outlets[dom_outlet as usize].clone()),
            "dominant_share": (share * 10_000.0).round() / 10_000.0,
            "outlets": by_outlet.len(),
            "members": members,
        }))?;
    }
    summary.reuse_clusters = clusters_out.finish()?;
    progress.finish();

    // Near-duplicate clusters.
    let nd_schema: &[(&str, ColType)] = &[
        ("cluster_id", ColType::I64),
        ("size", ColType::I64),
        ("representative_id", ColType::Str),
        ("representative_outlet", ColType::OptStr),
        ("representative_date", ColType::OptStr),
        ("outlets", ColType::I64),
        ("members", ColType::Json),
    ];
    let mut nd_out = TableWriter::new(out, "neardup_clusters", nd_schema)?;
    let mut best_j: HashMap<u32, f64> = HashMap::new();
    for &(a, b, j) in &nd.edges {
        for x in [a, b] {
            let e = best_j.entry(x).or_insert(0.0);
            *e = e.max(j);
        }
    }
    for (cid, members) in nd.clusters.iter().enumerate() {
        let r = members[0];
        let outlets: std::collections::BTreeSet<u32> = members
            .iter()
            .map(|&m| docs.docs[m as usize].outlet)
            .collect();
        let list: Vec<Value> = members
            .iter()
            .map(|&m| {
                let d = &docs.docs[m as usize];
                json!({"id": d.id, "outlet": outlet_opt(m), "date": d.date, "representative": m == r, "best_jaccard": best_j.get(&m)})
            })
            .collect();
        nd_out.push(&json!({
            "cluster_id": cid, "size": members.len(),
            "representative_id": docs.docs[r as usize].id,
            "representative_outlet": outlet_opt(r), "representative_date": docs.docs[r as usize].date,
            "outlets": outlets.len(), "members": list,
        }))?;
    }
    nd_out.finish()?;

    // The outlet copy graph.
    let mut graph: Vec<GraphEdge> = edges
        .into_iter()
        .map(|((so, co), mut acc)| {
            acc.delays.sort_unstable();
            GraphEdge {
                source_outlet: docs.outlets[so as usize].clone(),
                copy_outlet: docs.outlets[co as usize].clone(),
                passages: acc.passages,
                chars: acc.chars,
                copy_documents: acc.copies.len() as u64,
                median_delay_seconds: (!acc.delays.is_empty())
                    .then(|| acc.delays[acc.delays.len() / 2]),
                same_outlet: so == co,
            }
        })
        .collect();
    graph.sort_by(|a, b| {
        b.passages
            .cmp(&a.passages)
            .then(a.source_outlet.cmp(&b.source_outlet))
            .then(a.copy_outlet.cmp(&b.copy_outlet))
    });
    let mut outlet_docs: BTreeMap<u32, u64> = BTreeMap::new();
    for d in &docs.docs {
        *outlet_docs.entry(d.outlet).or_default() += 1;
    }
    let outlet_docs: Vec<(String, u64)> = outlet_docs
        .into_iter()
        .map(|(o, n)| (docs.outlets[o as usize].clone(), n))
        .collect();
    output::write_graph(out, &graph, &outlet_docs)?;
    let mut graph_out = TableWriter::new(
        out,
        "copy_graph",
        &[
            ("source_outlet", ColType::Str),
            ("copy_outlet", ColType::Str),
            ("passages", ColType::I64),
            ("chars", ColType::I64),
            ("copy_documents", ColType::I64),
            ("median_delay_seconds", ColType::OptI64),
            ("same_outlet", ColType::Bool),
        ],
    )?;
    for e in &graph {
        graph_out.push(&serde_json::to_value(e).unwrap_or(Value::Null))?;
    }
    summary.graph_edges = graph_out.finish()?;

    // Spin: substitution patterns and scores.
    let mut pats: Vec<((String, String), Pattern)> =
        patterns.into_iter().filter(|(_, p)| p.count >= 2).collect();
    pats.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(&b.0)));
    let mut pat_out = TableWriter::new(
        out,
        "spin_patterns",
        &[
            ("source", ColType::Str),
            ("copy", ColType::Str),
            ("count", ColType::I64),
            ("outlets", ColType::I64),
            ("top_outlets", ColType::Json),
        ],
    )?;
    #[derive(Serialize)]
    struct TopOutlet<'a> {
        outlet: &'a str,
        count: u64,
    }
    #[derive(Serialize)]
    struct PatternOut<'a> {
        source: &'a str,
        copy: &'a str,
        count: u64,
        outlets: usize,
        top_outlets: Vec<TopOutlet<'a>>,
    }
    let mut line = Vec::new();
    for ((source, copy), p) in &mut pats {
        p.outlets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let row = PatternOut {
            source,
            copy,
            count: p.count,
            outlets: p.outlets.len(),
            top_outlets: p
                .outlets
                .iter()
                .take(5)
                .map(|&(o, count)| TopOutlet {
                    outlet: &docs.outlets[o as usize],
                    count,
                })
                .collect(),
        };
        let top = serde_json::to_string(&row.top_outlets).unwrap_or_default();
        line.clear();
        serde_json::to_writer(&mut line, &row).map_err(|e| Error::io(out, e.into()))?;
        line.push(b'\n');
        pat_out.push_typed(
            &line,
            &[
                Cell::Str(source),
                Cell::Str(copy),
                Cell::I64(p.count as i64),
                Cell::I64(p.outlets.len() as i64),
                Cell::Str(&top),
            ],
        )?;
    }
    summary.spin_patterns = pat_out.finish()?;
    let mut score_out = TableWriter::new(
        out,
        "spin_scores",
        &[
            ("id", ColType::Str),
            ("outlet", ColType::OptStr),
            ("date", ColType::OptStr),
            ("aligned_words", ColType::I64),
            ("substituted_words", ColType::I64),
            ("spin_score", ColType::F64),
        ],
    )?;
    for (&q, &(aligned, subs)) in &spin {
        let d = &docs.docs[q as usize];
        let score = if aligned > 0 {
            subs as f64 / aligned as f64
        } else {
            0.0
        };
        score_out.push(&json!({
            "id": d.id, "outlet": outlet_opt(q), "date": d.date, "aligned_words": aligned,
            "substituted_words": subs, "spin_score": (score * 10_000.0).round() / 10_000.0,
        }))?;
    }
    score_out.finish()?;
    Ok(())
}

/// Whether a substitution rewords text (updated figures are not spin).
fn is_spin(e: &Edit) -> bool {
    e.op == EditOp::Sub
        && (e.query.chars().any(char::is_alphabetic) || e.source.chars().any(char::is_alphabetic))
        && collapse(&e.query).to_lowercase() != collapse(&e.source).to_lowercase()
}

#[cfg(test)]
mod tests;
