//! Stage 4 of a scan, passage pairs: every document of a chunk is traced
//! like a query against its candidate sources (earlier documents), in
//! parallel, with the trace's aligner; a near-duplicate is also aligned
//! with its cluster's representative (a syndication pair). The pairs of a
//! chunk are checkpointed as [`PairRow`]s.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tessera_index::DocAddr;

use super::docs::Docs;
use super::grams::GramTable;
use super::{Progress, ScanConfig};
use crate::engine::{Analysed, Engine, Query};
use crate::error::Result;
use crate::report::Detection;

/// A pair as checkpointed: document indices and the detection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PairRow {
    pub(super) q: u32,
    pub(super) s: u32,
    pub(super) syndication: bool,
    pub(super) d: Detection,
    /// Document of each of `d.alternatives`.
    #[serde(default)]
    pub(super) alts: Vec<u32>,
}

/// What the pair stage reads: the engine, the documents, the candidate
/// table, the settings, and each document's near-duplicate representative
/// (when it is a copy) and cluster.
pub(super) struct PairStage<'a> {
    pub(super) engine: &'a Engine,
    pub(super) docs: &'a Docs,
    pub(super) table: &'a GramTable,
    pub(super) cfg: &'a ScanConfig,
    pub(super) rep: &'a [Option<u32>],
    pub(super) cluster: &'a [Option<u32>],
}

/// A document analysed, with its candidate sources and their hits.
type Prepped = (Arc<Analysed>, Vec<(DocAddr, Vec<u32>)>);

impl PairStage<'_> {
    fn analyse(&self, a: DocAddr) -> Result<Arc<Analysed>> {
        Ok(Arc::new(self.engine.analyse(self.engine.index().text(a)?)))
    }

    /// Document `k` analysed, and its candidates: earlier documents, each
    /// near-duplicate cluster seen through its representative (the table
    /// holds no other member), the document's own cluster excluded;
    /// boilerplate pairs only within its outlet.
    fn prepare(&self, k: usize) -> Result<Prepped> {
        let docs = self.docs;
        let d = &docs.docs[k];
        let a = self.analyse(d.addr)?;
        let my_rank = docs.rank[k];
        let my_cluster = self.cluster[k];
        let keep = |b: u32, boilerplate: bool| {
            docs.rank[b as usize] < my_rank
                && (my_cluster.is_none() || self.cluster[b as usize] != my_cluster)
                && (!boilerplate || (d.outlet != 0 && docs.docs[b as usize].outlet == d.outlet))
        };
        let cands =
            super::candidates::candidates(self.engine, self.table, &a.tokens, self.cfg, keep)
                .into_iter()
                .map(|(b, hits)| (docs.docs[b as usize].addr, hits))
                .collect();
        Ok((a, cands))
    }

    /// The pairs of documents `range`, each traced against earlier ones,
    /// and the number of candidates aligned.
    pub(super) fn chunk(
        &self,
        range: Range<usize>,
        progress: &dyn Progress,
    ) -> Result<(Vec<PairRow>, u64)> {
        // 1. Each document analysed and its candidates found.
        let prepped: Vec<Result<Prepped>> = range
            .clone()
            .into_par_iter()
            .map(|k| self.prepare(k))
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
        let shared: HashMap<DocAddr, OnceLock<Arc<Analysed>>> = uses
            .into_iter()
            .filter(|&(_, n)| n > 1)
            .map(|(a, _)| (a, OnceLock::new()))
            .chain(range.clone().zip(&prepped).map(|(k, (a, _))| {
                let cell = OnceLock::new();
                let _ = cell.set(a.clone());
                (self.docs.docs[k].addr, cell)
            }))
            .collect();
        let source = |a: DocAddr| -> Result<Arc<Analysed>> {
            match shared.get(&a) {
                Some(cell) => match cell.get() {
                    Some(x) => Ok(x.clone()),
                    None => {
                        let x = self.analyse(a)?;
                        Ok(cell.get_or_init(|| x).clone())
                    }
                },
                None => self.analyse(a),
            }
        };
        // 3. Alignment.
        let rows: Vec<Result<(Vec<PairRow>, usize)>> = range
            .into_par_iter()
            .zip(prepped.par_iter())
            .map(|(k, p)| {
                let r = self.align(k, p, &source);
                progress.advance(1);
                r
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

    /// The pairs of document `k` (analysed, with its candidates), in query
    /// order, and the number of candidates aligned.
    fn align(
        &self,
        k: usize,
        (a, cands): &Prepped,
        source: &dyn Fn(DocAddr) -> Result<Arc<Analysed>>,
    ) -> Result<(Vec<PairRow>, usize)> {
        let (engine, docs) = (self.engine, self.docs);
        let doc_of_id = |id: &str| engine.index().find(id).and_then(|a| docs.index_of(a));
        let d = &docs.docs[k];
        let query = Query {
            id: &d.id,
            title: None,
            text: &a.text,
            date: None,
            exclude: Some(d.addr),
        };
        let q = a.view();
        let max_cover = self.cfg.max_sources_per_passage;
        let mut reports = vec![(
            engine.trace_pruned(&query, &q, cands, max_cover, source)?,
            false,
        )];
        if let Some(r) = self.rep[k] {
            // A copy of a cluster: aligned with its original.
            let original = [(docs.docs[r as usize].addr, Vec::new())];
            reports.push((
                engine.trace_pruned(&query, &q, &original, u8::MAX, source)?,
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
        Ok((rows, aligned))
    }
}
