//! Rebuilding a lost or damaged `MANIFEST` from the segment files.
//!
//! Segment files carry their own checksums, document counts and ids, so an
//! index whose manifest is gone (a partial copy, a sync tool, a removed
//! file) can be put back together: every segment that verifies is taken,
//! each with its newest deletion file that verifies. Nothing is deleted:
//! a segment that fails verification is moved into `quarantine/` (which
//! no writer ever touches) and a damaged manifest is kept as
//! `MANIFEST.damaged`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::deletes::Deletes;
use crate::doc::IndexSettings;
use crate::error::{Error, IoContext, Result};
use crate::manifest::{MANIFEST, Manifest, SegmentEntry};
use crate::segment::Segment;

/// Folder (inside the index) that receives segment files which failed
/// verification during a recovery.
pub const QUARANTINE: &str = "quarantine";

/// Name a damaged manifest is kept under by a recovery.
pub const DAMAGED_MANIFEST: &str = "MANIFEST.damaged";

/// What [`recover`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Recovery {
    /// The manifest was readable: nothing was changed.
    pub manifest_was_valid: bool,
    /// A damaged manifest was renamed to [`DAMAGED_MANIFEST`].
    pub damaged_manifest_kept: bool,
    /// Segments taken into the new manifest.
    pub segments: Vec<String>,
    /// Deletion files taken into the new manifest.
    pub deletion_files: Vec<String>,
    /// Segment files that failed verification, moved into `quarantine/`,
    /// with the reason.
    pub quarantined: Vec<(String, String)>,
    /// Documents hidden because a newer segment holds the same id (a
    /// replacement whose deletion file was lost).
    pub superseded: u64,
    /// Live documents of the recovered index.
    pub documents: u64,
    /// Generation of the new manifest.
    pub generation: u64,
}

/// Whether `name` is a segment, deletion or temporary segment file.
fn is_segment_file(name: &str) -> bool {
    name.starts_with("seg-")
        && (name.ends_with(".tseg") || name.ends_with(".tdel") || name.ends_with(".tmp"))
}

/// Number of segment and deletion files (complete or temporary) in `dir`;
/// 0 when it cannot be read.
pub(crate) fn segment_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| is_segment_file(&e.file_name().to_string_lossy()))
                .count()
        })
        .unwrap_or(0)
}

/// `seg-NNNNNN.tseg` → N.
pub(crate) fn segment_number(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?
        .strip_suffix(".tseg")?
        .parse()
        .ok()
}

/// `seg-NNNNNN.gGGGGGG.tdel` → (N, G).
pub(crate) fn deletion_number(name: &str) -> Option<(u64, u64)> {
    let rest = name.strip_prefix("seg-")?.strip_suffix(".tdel")?;
    let (seg, generation) = rest.split_once(".g")?;
    Some((seg.parse().ok()?, generation.parse().ok()?))
}

/// Rebuilds the manifest of the index in `dir` from its segment files.
///
/// Takes the writer lock. A readable manifest is left alone
/// ([`Recovery::manifest_was_valid`]); one of another format version is
/// refused ([`Error::IncompatibleFormat`]). Otherwise every `seg-*.tseg`
/// that verifies becomes part of the index with its newest verifying
/// deletion file, in segment-number order; where several segments hold
/// the same id, the newest one's document stays live (as a replacement
/// would have left it). Analysis settings come from the damaged manifest
/// when it can still be parsed, else the defaults (the only settings
/// tessera creates indexes with).
pub fn recover(dir: &Path) -> Result<Recovery> {
    if !dir.is_dir() {
        return Err(Error::NotAnIndex {
            path: dir.to_path_buf(),
            reason: "it is not a directory".into(),
        });
    }
    let _lock = crate::IndexWriter::lock(dir)?;
    let mut report = Recovery::default();
    let mut settings = IndexSettings::default();
    let mut min_generation = 0;
    match Manifest::read(dir) {
        Ok(_) => {
            report.manifest_was_valid = true;
            return Ok(report);
        }
        Err(e @ Error::IncompatibleFormat { .. }) => return Err(e),
        Err(Error::MissingManifest { .. }) => {}
        Err(Error::NotAnIndex { .. } | Error::Corrupt { .. }) if dir.join(MANIFEST).exists() => {
            if let Some(old) = salvage_manifest(&dir.join(MANIFEST)) {
                settings = old.0;
                min_generation = old.1;
            }
            let kept = dir.join(DAMAGED_MANIFEST);
            std::fs::rename(dir.join(MANIFEST), &kept).at(&kept)?;
            report.damaged_manifest_kept = true;
        }
        Err(e) => return Err(e),
    }

    let mut segments: Vec<(u64, String)> = Vec::new();
    let mut deletions: HashMap<u64, Vec<(u64, String)>> = HashMap::new();
    for e in std::fs::read_dir(dir).at(dir)?.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(n) = segment_number(&name) {
            segments.push((n, name));
        } else if let Some((n, g)) = deletion_number(&name) {
            deletions.entry(n).or_default().push((g, name));
        }
    }
    segments.sort();

    let mut opened: Vec<(SegmentEntry, Segment, Deletes)> = Vec::new();
    let mut generation = min_generation;
    let mut next_segment = 1;
    for (n, name) in segments {
        let path = dir.join(&name);
        let segment = match Segment::open(&path) {
            Ok(s) => s,
            Err(e) => {
                quarantine(dir, &name)?;
                report.quarantined.push((name, e.to_string()));
                continue;
            }
        };
        next_segment = next_segment.max(n + 1);
        let docs = segment.doc_count();
        let mut candidates = deletions.remove(&n).unwrap_or_default();
        candidates.sort_by(|a, b| b.cmp(a));
        let mut chosen = None;
        for (g, del) in candidates {
            if let Ok(d) = Deletes::read(&dir.join(&del), docs) {
                generation = generation.max(g);
                chosen = Some((del, d));
                break;
            }
        }
        let (deletes_name, deletes) = match chosen {
            Some((name, d)) => (Some(name), d),
            None => (None, Deletes::new(docs)),
        };
        let entry = SegmentEntry {
            name: name.clone(),
            docs,
            bytes: segment.file_len(),
            crc32: segment.crc32(),
            deletes: deletes_name,
            deleted: deletes.len(),
        };
        opened.push((entry, segment, deletes));
    }

    // A replacement deletes the older copy of an id; where that deletion
    // file is lost, the newest segment's document wins.
    let generation = generation + 1;
    let mut seen: HashMap<String, ()> = HashMap::new();
    for (entry, segment, deletes) in opened.iter_mut().rev() {
        let mut changed = false;
        for ord in (0..segment.doc_count()).rev() {
            if deletes.contains(ord) {
                continue;
            }
            if seen.insert(segment.id(ord).to_string(), ()).is_some() {
                deletes.insert(ord);
                report.superseded += 1;
                changed = true;
            }
        }
        if changed {
            let stem = entry.name.trim_end_matches(".tseg");
            let name = format!("{stem}.g{generation:06}.tdel");
            deletes.write(&dir.join(&name))?;
            entry.deletes = Some(name);
            entry.deleted = deletes.len();
        }
    }

    let mut manifest = Manifest::new(settings);
    manifest.generation = generation;
    manifest.next_segment = next_segment;
    for (entry, _, deletes) in opened {
        if deletes.len() == entry.docs {
            continue;
        }
        report.documents += u64::from(entry.docs - deletes.len());
        report.segments.push(entry.name.clone());
        report.deletion_files.extend(entry.deletes.clone());
        manifest.segments.push(entry);
    }
    report.generation = generation;
    manifest.write(dir)?;
    Ok(report)
}

/// Settings and generation of a damaged manifest whose JSON body still
/// parses (its header or checksum is what is wrong).
fn salvage_manifest(path: &Path) -> Option<(IndexSettings, u64)> {
    let bytes = std::fs::read(path).ok()?;
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    let m: Manifest = serde_json::from_slice(&bytes[nl + 1..]).ok()?;
    Some((m.settings, m.generation))
}

fn quarantine(dir: &Path, name: &str) -> Result<()> {
    let q: PathBuf = dir.join(QUARANTINE);
    std::fs::create_dir_all(&q).at(&q)?;
    let to = q.join(name);
    std::fs::rename(dir.join(name), &to).at(&to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(segment_number("seg-000012.tseg"), Some(12));
        assert_eq!(segment_number("seg-000012.tseg.tmp"), None);
        assert_eq!(deletion_number("seg-000012.g000007.tdel"), Some((12, 7)));
        assert_eq!(deletion_number("seg-000012.tdel"), None);
        assert!(is_segment_file("seg-000001.tseg.tmp"));
        assert!(!is_segment_file("notes.txt"));
    }
}
