//! `tessera dedup` as a library function: the near-duplicate stage of a
//! scan alone, then the corpus written back as JSON Lines without the
//! copies (each near-duplicate cluster keeps its earliest document), or
//! with every document annotated with its cluster.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};
use tessera_index::Index;

use super::{Progress, ScanConfig, near_duplicates};
use crate::error::{Error, Result};

/// What [`dedup`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DedupSummary {
    /// Documents written.
    pub kept: u64,
    /// Near-duplicate copies left out (0 when annotating).
    pub dropped: u64,
    /// Near-duplicate clusters.
    pub clusters: u64,
    /// Documents in near-duplicate clusters.
    pub clustered: u64,
}

/// Where a cluster's member stands: the cluster, whether it is the
/// representative, and the representative's id (borrowed from the
/// clusters: one id string per clustered document, not three).
type Membership<'c> = (usize, bool, &'c str);

/// Writes the documents of the index in `index_dir` to `sink` as JSON Lines
/// (`id`, `title`, `outlet`, `url`, `date`, the extra fields, `text`), in
/// insertion order, without the non-representative members of
/// near-duplicate clusters; with `annotate`, every document, with
/// `neardup_cluster` and `neardup_representative` (null outside clusters).
/// `sink_name` names the sink in errors.
pub fn dedup(
    index_dir: &Path,
    cfg: &ScanConfig,
    annotate: bool,
    progress: &dyn Progress,
    sink: &mut dyn Write,
    sink_name: &Path,
) -> Result<DedupSummary> {
    // Sorted runs of the near-duplicate stage, removed when done.
    let tmp = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let clusters = near_duplicates(index_dir, &tmp.path().join("work"), cfg, progress)?;
    let mut cluster_of: std::collections::HashMap<&str, Membership> =
        std::collections::HashMap::new();
    for (k, c) in clusters.iter().enumerate() {
        for (pos, id) in c.members.iter().enumerate() {
            cluster_of.insert(id, (k, pos == 0, &c.members[0]));
        }
    }
    let index = Index::open(index_dir)?;
    let write_err = |e: std::io::Error| Error::io(sink_name, e);
    let mut summary = DedupSummary {
        clusters: clusters.len() as u64,
        clustered: cluster_of.len() as u64,
        ..DedupSummary::default()
    };
    for (n, addr) in index.live_docs().enumerate() {
        if n % 4096 == 4095 {
            // What was read stays in the page cache, not in this process.
            index.release_pages();
        }
        let meta = index.meta(addr)?;
        let membership = cluster_of.get(meta.id.as_str());
        if !annotate && membership.is_some_and(|m| !m.1) {
            summary.dropped += 1;
            continue;
        }
        let text = index.text(addr)?;
        let mut obj = Map::new();
        obj.insert("id".into(), meta.id.clone().into());
        for (k, v) in [
            ("title", &meta.title),
            ("outlet", &meta.outlet),
            ("url", &meta.url),
            ("date", &meta.date),
        ] {
            if let Some(v) = v {
                obj.insert(k.into(), v.clone().into());
            }
        }
        for (k, v) in &meta.extra {
            obj.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if annotate {
            obj.insert("neardup_cluster".into(), membership.map(|m| m.0).into());
            obj.insert(
                "neardup_representative".into(),
                membership.map(|m| m.2).into(),
            );
        }
        obj.insert("text".into(), text.into());
        serde_json::to_writer(&mut *sink, &Value::Object(obj)).map_err(|e| write_err(e.into()))?;
        sink.write_all(b"\n").map_err(write_err)?;
        summary.kept += 1;
    }
    sink.flush().map_err(write_err)?;
    Ok(summary)
}
