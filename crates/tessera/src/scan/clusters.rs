//! The `reuse_clusters` table: connected components of span occurrences
//! linked by pairs. Each pair (and each alternative of its passage) links
//! two spans; its endpoints go through the external sort, by document and
//! offset. A span joins an occurrence of its document when they overlap by
//! more than half of the longer one, and occurrences keep their first span,
//! so different passages that share an edge are not chained together. A
//! cluster's origin is its earliest member; it is boilerplate when one
//! outlet holds at least `boilerplate_share` of its documents.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use arrow_schema::{DataType, Field};
use serde_json::{Value, json};

use super::docs::Docs;
use super::extsort::{Record, Sorter};
use super::neardup::UnionFind;
use super::output::{TableWriter, list_of, nullable, required};
use super::pairs::PairRow;
use super::{Progress, ScanConfig, ScanSummary};
use crate::error::Result;

/// An end of a link: a span of a document.
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

/// A span of a document: (document, start, end).
pub(super) type Segment = (u32, u64, u64);

/// The links between spans, as pairs come.
pub(super) struct ReuseClusters {
    endpoints: Sorter<Endpoint>,
    links: u64,
}

impl ReuseClusters {
    pub(super) fn new(work: &Path, cfg: &ScanConfig) -> ReuseClusters {
        ReuseClusters {
            endpoints: Sorter::new(work, "endpoints", cfg.memory_budget / 2),
            links: 0,
        }
    }

    fn link(&mut self, ends: [Segment; 2]) -> Result<()> {
        for (doc, start, end) in ends {
            self.endpoints.push(Endpoint {
                doc,
                start,
                end,
                pair: self.links,
            })?;
        }
        self.links += 1;
        Ok(())
    }

    /// The pair links its two spans; alternatives of the passage link it
    /// with their documents too.
    pub(super) fn push(&mut self, row: &PairRow) -> Result<()> {
        let (q, s, d) = (row.q, row.s, &row.d);
        self.link([
            (q, d.query_offset, d.query_offset + d.query_length),
            (s, d.source_offset, d.source_offset + d.source_length),
        ])?;
        for (a, &doc) in d.alternatives.iter().zip(&row.alts) {
            self.link([
                (q, a.query_offset, a.query_offset + a.query_length),
                (doc, a.source_offset, a.source_offset + a.source_length),
            ])?;
        }
        Ok(())
    }

    /// The occurrences (segments) of passages, and the two segments of
    /// each link.
    fn segments(self, summary: &mut ScanSummary) -> Result<(Vec<Segment>, Vec<[u32; 2]>)> {
        summary.spilled_runs += self.endpoints.spills() as u64;
        let mut merged = self.endpoints.finish()?;
        let mut segment_of_link: Vec<[u32; 2]> = vec![[u32::MAX; 2]; self.links as usize];
        let mut segments: Vec<Segment> = Vec::new();
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
            let best = best_segment(&segments[doc_first..], ep.start, ep.end);
            let seg = match best {
                Some(k) => doc_first + k,
                None => {
                    segments.push((ep.doc, ep.start, ep.end));
                    segments.len() - 1
                }
            };
            let slot = &mut segment_of_link[ep.pair as usize];
            let side = usize::from(slot[0] != u32::MAX);
            slot[side] = seg as u32;
        }
        Ok((segments, segment_of_link))
    }

    /// The clusters of at least `min_cluster_size` documents, each in
    /// publication order, by their first member.
    fn groups(
        self,
        docs: &Docs,
        cfg: &ScanConfig,
        summary: &mut ScanSummary,
    ) -> Result<Vec<Vec<Segment>>> {
        let (segments, segment_of_link) = self.segments(summary)?;
        let mut uf = UnionFind::new(segments.len());
        for &[a, b] in &segment_of_link {
            if a != u32::MAX && b != u32::MAX {
                uf.union(a, b);
            }
        }
        drop(segment_of_link);
        let mut groups: Vec<Vec<Segment>> = uf
            .components()
            .into_values()
            .map(|segs| {
                segs.into_iter()
                    .map(|k| segments[k as usize])
                    .collect::<Vec<_>>()
            })
            .filter(|m: &Vec<Segment>| {
                let mut ds: Vec<u32> = m.iter().map(|x| x.0).collect();
                ds.sort_unstable();
                ds.dedup();
                ds.len() >= cfg.min_cluster_size
            })
            .collect();
        // (rank, start, end) orders segments totally: two passages of one
        // document may start together (one much longer than the other), and
        // a tie would leave the order to the union-find's roots, which a
        // distributed run (tessera.spark) cannot reproduce.
        let key = |&(doc, start, end): &Segment| (docs.rank[doc as usize], start, end);
        for g in &mut groups {
            g.sort_by_key(key);
        }
        groups.sort_by_key(|g| key(&g[0]));
        Ok(groups)
    }

    /// Writes the `reuse_clusters` table.
    pub(super) fn finish(
        self,
        docs: &Docs,
        cfg: &ScanConfig,
        out: &Path,
        summary: &mut ScanSummary,
        progress: &dyn Progress,
    ) -> Result<()> {
        progress.start("clusters", 0);
        let groups = self.groups(docs, cfg, summary)?;
        let mut clusters_out = TableWriter::new(out, "reuse_clusters", columns())?;
        for (cid, g) in groups.iter().enumerate() {
            let row = cluster_row(docs, cfg, cid, g);
            if row["boilerplate"] == Value::Bool(true) {
                summary.boilerplate_clusters += 1;
            }
            clusters_out.push(&row)?;
        }
        summary.reuse_clusters = clusters_out.finish()?;
        progress.finish();
        Ok(())
    }
}

/// The columns of `reuse_clusters`.
/// The passage of one document (`segments`, in order of creation) that a
/// span joins: the one overlapping it by more than half the longer of the
/// two, the most, ties to the first; `None` when the span is a new
/// passage.
pub(super) fn best_segment(segments: &[Segment], start: u64, end: u64) -> Option<usize> {
    segments
        .iter()
        .enumerate()
        .map(|(k, &(_, s, e))| {
            let overlap = e.min(end).saturating_sub(s.max(start));
            (overlap, k, (e - s).max(end - start))
        })
        .filter(|&(overlap, _, longer)| 2 * overlap > longer)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, k, _)| k)
}

fn columns() -> Vec<Field> {
    use DataType::{Boolean, Float64, Int64, Utf8};
    let member = list_of(vec![
        required("id", Utf8),
        required("offset", Int64),
        required("length", Int64),
        nullable("outlet", Utf8),
        nullable("date", Utf8),
    ]);
    vec![
        required("cluster_id", Int64),
        required("size", Int64),
        required("origin_id", Utf8),
        required("origin_offset", Int64),
        required("origin_length", Int64),
        nullable("origin_outlet", Utf8),
        nullable("origin_date", Utf8),
        required("boilerplate", Boolean),
        nullable("dominant_outlet", Utf8),
        required("dominant_share", Float64),
        required("outlets", Int64),
        required("members", member),
    ]
}

/// The row of cluster `cid` (its members `g`, in publication order).
fn cluster_row(docs: &Docs, cfg: &ScanConfig, cid: usize, g: &[Segment]) -> Value {
    let mut by_outlet: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
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
    let (o_doc, o_start, o_end) = g[0];
    let members: Vec<Value> = g
        .iter()
        .map(|&(doc, start, end)| {
            let d = &docs.docs[doc as usize];
            json!({"id": d.id, "offset": start, "length": end - start, "outlet": docs.outlet_name(doc), "date": d.date})
        })
        .collect();
    json!({
        "cluster_id": cid, "size": size,
        "origin_id": docs.docs[o_doc as usize].id, "origin_offset": o_start, "origin_length": o_end - o_start,
        "origin_outlet": docs.outlet_name(o_doc), "origin_date": docs.docs[o_doc as usize].date,
        "boilerplate": boilerplate,
        "dominant_outlet": (dom_outlet != 0).then(|| docs.outlets[dom_outlet as usize].clone()),
        "dominant_share": (share * 10_000.0).round() / 10_000.0,
        "outlets": by_outlet.len(),
        "members": members,
    })
}
