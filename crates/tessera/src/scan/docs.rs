//! Stage 1 of a scan, the document table: ids, outlets and dates of the
//! live documents, and their order of publication (by date, undated after
//! dated, ties by insertion order). The *source* of a pair is always the
//! earlier document in this order.

use std::collections::HashMap;

use rayon::prelude::*;
use tessera_index::{DocAddr, Index};

use super::Progress;
use crate::error::Result;

/// One live document of the scanned index.
#[derive(Debug, Clone)]
pub(super) struct Doc {
    pub(super) addr: DocAddr,
    pub(super) id: String,
    /// Index into [`Docs::outlets`]; 0 is "no outlet".
    pub(super) outlet: u32,
    pub(super) timestamp: Option<i64>,
    pub(super) date: Option<String>,
}

/// The documents, their outlets and their order of publication.
#[derive(Debug)]
pub(super) struct Docs {
    pub(super) docs: Vec<Doc>,
    pub(super) outlets: Vec<String>,
    /// Position of each document when sorted by (date, insertion order).
    pub(super) rank: Vec<u32>,
    /// Document index by segment and ordinal (`u32::MAX`: not live). A flat
    /// table: this lookup runs for every posting of every query.
    by_addr: Vec<Vec<u32>>,
}

/// The name of outlet 0, which documents without an outlet belong to. It
/// is never written in a table (a missing outlet is null there, an empty
/// CSV cell); only GraphML, where every node needs an id, names the node of
/// the documents without an outlet so.
pub(super) const NO_OUTLET: &str = "(no outlet)";

impl Docs {
    pub(super) fn index_of(&self, a: DocAddr) -> Option<u32> {
        self.by_addr
            .get(a.segment as usize)
            .and_then(|s| s.get(a.ord as usize))
            .copied()
            .filter(|&k| k != u32::MAX)
    }

    /// The outlet of document `k`, unless it has none.
    pub(super) fn outlet_name(&self, k: u32) -> Option<&str> {
        self.outlet(self.docs[k as usize].outlet)
    }

    /// The name of outlet `o`, unless it is outlet 0 (no outlet).
    pub(super) fn outlet(&self, o: u32) -> Option<&str> {
        (o != 0).then(|| self.outlets[o as usize].as_str())
    }

    /// Outlets that documents belong to (outlet 0 counts only when some
    /// document has no outlet).
    pub(super) fn outlets_used(&self) -> u64 {
        self.outlets.len() as u64 - u64::from(self.docs.iter().all(|d| d.outlet != 0))
    }

    pub(super) fn load(index: &Index, progress: &dyn Progress) -> Result<Docs> {
        let addrs: Vec<DocAddr> = index.live_docs().collect();
        progress.start("documents", addrs.len() as u64);
        let mut outlets: Vec<String> = vec![NO_OUTLET.to_string()];
        let mut outlet_ids: HashMap<String, u32> = HashMap::new();
        let mut docs = Vec::with_capacity(addrs.len());
        // A chunk at a time: the full metadata (extra fields included) of
        // one chunk is held at once, and the pages read are given back.
        for chunk in addrs.chunks(4096) {
            let metas: Vec<Result<tessera_index::DocMeta>> =
                chunk.par_iter().map(|&a| Ok(index.meta(a)?)).collect();
            for (&addr, meta) in chunk.iter().zip(metas) {
                let meta = meta?;
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
            index.release_pages();
            progress.advance(chunk.len() as u64);
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

impl Docs {
    /// Seconds from document `s` to document `q`, when both are dated.
    pub(super) fn delay(&self, q: u32, s: u32) -> Option<i64> {
        match (
            self.docs[q as usize].timestamp,
            self.docs[s as usize].timestamp,
        ) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        }
    }
}
