//! Stage 2 of a scan, near-duplicates: each document's set of word 5-grams
//! is summarised by a MinHash signature; documents colliding in one band
//! of the signature are candidates (band keys go through the external
//! sort, so memory stays bounded), verified by exact Jaccard similarity,
//! and joined into clusters by a union-find whose roots do not depend on
//! the order of unions. The earliest member represents its cluster. Also
//! the `neardup_clusters` table, and [`near_duplicates`], the stage alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use arrow_schema::DataType;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_fingerprint::minhash::{MinHasher, band_keys, jaccard_sorted};
use tessera_fingerprint::ngram_hashes;
use tessera_index::Index;

use super::docs::Docs;
use super::extsort::{KeyDoc, Sorter};
use super::output::{TableWriter, list_of, nullable, required};
use super::{Progress, ScanConfig};
use crate::engine::Engine;
use crate::error::{Error, Result};

/// Near-duplicate clusters: members by document, the representative first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct NearDups {
    /// Each cluster's members, the representative (earliest) first.
    pub(super) clusters: Vec<Vec<u32>>,
    /// Exact Jaccard similarity of each verified pair `(a, b, j)` joined.
    pub(super) edges: Vec<(u32, u32, f64)>,
}

impl NearDups {
    /// The representative of each document that is a non-representative
    /// member of a cluster, and each document's cluster.
    pub(super) fn maps(&self, n: usize) -> (Vec<Option<u32>>, Vec<Option<u32>>) {
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

    /// Writes the `neardup_clusters` table.
    pub(super) fn write_table(&self, docs: &Docs, out: &Path) -> Result<()> {
        use DataType::{Boolean, Float64, Int64, Utf8};
        let member = list_of(vec![
            required("id", Utf8),
            nullable("outlet", Utf8),
            nullable("date", Utf8),
            required("representative", Boolean),
            nullable("best_jaccard", Float64),
        ]);
        let columns = vec![
            required("cluster_id", Int64),
            required("size", Int64),
            required("representative_id", Utf8),
            nullable("representative_outlet", Utf8),
            nullable("representative_date", Utf8),
            required("outlets", Int64),
            required("members", member),
        ];
        let mut nd_out = TableWriter::new(out, "neardup_clusters", columns)?;
        let mut best_j: HashMap<u32, f64> = HashMap::new();
        for &(a, b, j) in &self.edges {
            for x in [a, b] {
                let e = best_j.entry(x).or_insert(0.0);
                *e = e.max(j);
            }
        }
        for (cid, members) in self.clusters.iter().enumerate() {
            let r = members[0];
            let outlets: BTreeSet<u32> = members
                .iter()
                .map(|&m| docs.docs[m as usize].outlet)
                .collect();
            let list: Vec<Value> = members
                .iter()
                .map(|&m| {
                    let d = &docs.docs[m as usize];
                    json!({"id": d.id, "outlet": docs.outlet_name(m), "date": d.date, "representative": m == r, "best_jaccard": best_j.get(&m)})
                })
                .collect();
            nd_out.push(&json!({
                "cluster_id": cid, "size": members.len(),
                "representative_id": docs.docs[r as usize].id,
                "representative_outlet": docs.outlet_name(r), "representative_date": docs.docs[r as usize].date,
                "outlets": outlets.len(), "members": list,
            }))?;
        }
        nd_out.finish()?;
        Ok(())
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
pub(super) struct UnionFind(Vec<u32>);

impl UnionFind {
    pub(super) fn new(n: usize) -> Self {
        UnionFind((0..n as u32).collect())
    }
    pub(super) fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[x as usize];
            self.0[x as usize] = self.0[p as usize];
            x = p;
        }
        x
    }
    pub(super) fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.0[hi as usize] = lo;
        }
    }
    /// The components, each in ascending order, by root.
    pub(super) fn components(&mut self) -> BTreeMap<u32, Vec<u32>> {
        let mut comps: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for k in 0..self.0.len() as u32 {
            let r = self.find(k);
            comps.entry(r).or_default().push(k);
        }
        comps
    }
}

/// Document pairs sharing a MinHash band key.
fn band_candidates(
    engine: &Engine,
    docs: &Docs,
    cfg: &ScanConfig,
    work: &Path,
    progress: &dyn Progress,
    spills: &mut u64,
) -> Result<Vec<(u32, u32)>> {
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
    // The same pair comes from several bands: repeats are dropped whenever
    // the list has doubled, so that it holds about the distinct pairs.
    let mut compact_at = 1usize << 20;
    let mut group_key = None;
    let mut first = 0u32;
    while let Some(kd) = merged.next_record()? {
        if group_key == Some(kd.key) {
            if kd.doc != first {
                candidates.push((first, kd.doc));
                if candidates.len() >= compact_at {
                    candidates.sort_unstable();
                    candidates.dedup();
                    compact_at = (candidates.len() * 2).max(compact_at);
                }
            }
        } else {
            group_key = Some(kd.key);
            first = kd.doc;
        }
    }
    drop(merged);
    candidates.sort_unstable();
    candidates.dedup();
    Ok(candidates)
}

/// The near-duplicate stage: candidates by MinHash bands, verified, joined.
pub(super) fn neardups(
    engine: &Engine,
    docs: &Docs,
    cfg: &ScanConfig,
    work: &Path,
    progress: &dyn Progress,
    spills: &mut u64,
) -> Result<NearDups> {
    let candidates = band_candidates(engine, docs, cfg, work, progress, spills)?;
    progress.start("near-duplicates", candidates.len() as u64);
    let mut uf = UnionFind::new(docs.docs.len());
    let mut edges = Vec::new();
    // A block of candidates at a time, the pages of its texts given back
    // after it.
    for block in candidates.chunks(4096) {
        let verified: Vec<Result<Option<(u32, u32, f64)>>> = block
            .par_chunks(256)
            .flat_map_iter(|chunk| {
                chunk.iter().map(|&(a, b)| {
                    let ta = engine.index().text(docs.docs[a as usize].addr)?;
                    let tb = engine.index().text(docs.docs[b as usize].addr)?;
                    let j = jaccard_sorted(&five_grams(engine, &ta), &five_grams(engine, &tb));
                    Ok((j >= cfg.neardup_jaccard).then_some((a, b, j)))
                })
            })
            .collect();
        for v in verified {
            if let Some((a, b, j)) = v? {
                uf.union(a, b);
                edges.push((a, b, (j * 10_000.0).round() / 10_000.0));
            }
        }
        progress.advance(block.len() as u64);
        engine.index().release_pages();
    }
    let mut clusters: Vec<Vec<u32>> = uf
        .components()
        .into_values()
        .filter(|g| g.len() > 1)
        .collect();
    for c in &mut clusters {
        c.sort_by_key(|&k| docs.rank[k as usize]);
    }
    clusters.sort_by_key(|c| docs.rank[c[0] as usize]);
    progress.finish();
    Ok(NearDups { clusters, edges })
}

/// A cluster of near-duplicate documents, by id; the representative (the
/// earliest: by date, undated last, ties by insertion order) first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearDupCluster {
    /// Member ids, the representative first, then by publication order.
    pub members: Vec<String>,
}

/// The near-duplicate clusters of the index in `index_dir` (the second stage
/// of [`scan`](super::scan) alone). `work` holds temporary sorted runs.
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
