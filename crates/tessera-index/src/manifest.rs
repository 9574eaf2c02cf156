//! The manifest: the one file that says what the index holds.
//!
//! Every commit writes a complete new manifest under a temporary name and
//! renames it over `MANIFEST`, so a reader sees either the old or the new
//! state, never a mixture. Its first line carries the format version, a
//! checksum and the length of the JSON body that follows.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::doc::IndexSettings;
use crate::error::{Error, Result};
use crate::format::FORMAT_VERSION;

/// Name of the manifest file inside an index directory.
pub const MANIFEST: &str = "MANIFEST";
const FIRST_WORD: &str = "tessera-index";

/// One segment as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentEntry {
    /// File name of the segment.
    pub name: String,
    /// Documents stored in it (deleted ones included).
    pub docs: u32,
    /// File size in bytes.
    pub bytes: u64,
    /// crc32 of the file up to its trailer.
    pub crc32: u32,
    /// File name of its current deletion file, if any document is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletes: Option<String>,
    /// Number of deleted documents.
    #[serde(default)]
    pub deleted: u32,
}

/// The committed state of an index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of the whole index.
    pub format_version: u32,
    /// Incremented by every commit.
    pub generation: u64,
    /// Version of tessera that wrote this manifest.
    pub written_by: String,
    /// Analysis settings, fixed at creation.
    pub settings: IndexSettings,
    /// Number for the next segment file.
    pub next_segment: u64,
    /// Live segments, oldest first.
    pub segments: Vec<SegmentEntry>,
}

impl Manifest {
    pub(crate) fn new(settings: IndexSettings) -> Manifest {
        Manifest {
            format_version: FORMAT_VERSION,
            generation: 0,
            written_by: concat!("tessera ", env!("CARGO_PKG_VERSION")).to_string(),
            settings,
            next_segment: 1,
            segments: Vec::new(),
        }
    }

    /// Reads and verifies the manifest of the index in `dir`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let segments = crate::recover::segment_files(dir);
                if segments > 0 {
                    return Err(Error::MissingManifest {
                        path: dir.to_path_buf(),
                        segments,
                    });
                }
                let reason = if dir.is_dir() {
                    "it has no MANIFEST file".to_string()
                } else if dir.exists() {
                    "it is not a directory".to_string()
                } else {
                    "it does not exist".to_string()
                };
                return Err(Error::NotAnIndex {
                    path: dir.to_path_buf(),
                    reason,
                });
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let not_ours = || Error::NotAnIndex {
            path: dir.to_path_buf(),
            reason: "its MANIFEST was not written by tessera".to_string(),
        };
        let nl = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(not_ours)?;
        let head = std::str::from_utf8(&bytes[..nl]).map_err(|_| not_ours())?;
        let words: Vec<&str> = head.split(' ').collect();
        if words.len() != 4 || words[0] != FIRST_WORD {
            return Err(not_ours());
        }
        let version: u32 = words[1].parse().map_err(|_| not_ours())?;
        if version != FORMAT_VERSION {
            return Err(Error::IncompatibleFormat {
                path,
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let crc = u32::from_str_radix(words[2], 16).map_err(|_| not_ours())?;
        let len: usize = words[3].parse().map_err(|_| not_ours())?;
        let body = &bytes[nl + 1..];
        if body.len() != len {
            return Err(Error::corrupt(
                &path,
                format!(
                    "expected {len} bytes after the first line, found {}",
                    body.len()
                ),
            ));
        }
        if crc32fast::hash(body) != crc {
            return Err(Error::corrupt(&path, "checksum mismatch"));
        }
        let m: Manifest =
            serde_json::from_slice(body).map_err(|e| Error::corrupt(&path, e.to_string()))?;
        if m.format_version != version {
            return Err(Error::corrupt(
                &path,
                "format version of header and body differ",
            ));
        }
        // Only plain file names of this folder: a reader must not open,
        // and a commit must not remove, files elsewhere.
        for s in &m.segments {
            if crate::recover::segment_number(&s.name).is_none() {
                return Err(Error::corrupt(
                    &path,
                    format!("{:?} is not a segment file name", s.name),
                ));
            }
            if let Some(d) = &s.deletes
                && crate::recover::deletion_number(d).is_none()
            {
                return Err(Error::corrupt(
                    &path,
                    format!("{d:?} is not a deletion file name"),
                ));
            }
        }
        Ok(m)
    }

    /// Writes the manifest atomically into `dir`.
    pub(crate) fn write(&self, dir: &Path) -> Result<()> {
        let body = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::corrupt(dir.join(MANIFEST), e.to_string()))?;
        let mut out = format!(
            "{FIRST_WORD} {} {:08x} {}\n",
            self.format_version,
            crc32fast::hash(&body),
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        crate::fsutil::write_atomically(&dir.join(MANIFEST), &out)?;
        crate::fsutil::sync_dir(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_naming_files_outside_its_folder_is_corrupt() {
        // A hostile manifest with valid checksums must not make a reader
        // open, or a later commit remove, files elsewhere (`../other/…`).
        let dir = tempfile::tempdir().expect("tempdir");
        let entry = |name: &str, deletes: Option<&str>| SegmentEntry {
            name: name.into(),
            docs: 1,
            bytes: 64,
            crc32: 0,
            deletes: deletes.map(str::to_string),
            deleted: u32::from(deletes.is_some()),
        };
        let bad = [
            entry("../other/seg-000001.tseg", None),
            entry("/tmp/seg-000001.tseg", None),
            entry("seg-000001.tseg", Some("../other/seg-000001.g000002.tdel")),
            entry("MANIFEST", None),
            entry("seg-000001.tseg", Some("seg-000001.tseg")),
        ];
        for e in bad {
            let mut m = Manifest::new(IndexSettings::default());
            m.segments.push(e.clone());
            m.write(dir.path()).expect("write");
            let err = Manifest::read(dir.path()).expect_err("outside names");
            assert!(matches!(err, Error::Corrupt { .. }), "{e:?}: {err}");
            assert!(err.to_string().contains("MANIFEST"), "{err}");
        }
        let mut m = Manifest::new(IndexSettings::default());
        m.segments
            .push(entry("seg-000001.tseg", Some("seg-000001.g000002.tdel")));
        m.write(dir.path()).expect("write");
        assert_eq!(Manifest::read(dir.path()).expect("plain names"), m);
    }

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut m = Manifest::new(IndexSettings::default());
        m.generation = 7;
        m.write(dir.path()).expect("write");
        assert_eq!(Manifest::read(dir.path()).expect("read"), m);
        let p = dir.path().join(MANIFEST);
        let mut b = std::fs::read(&p).expect("bytes");
        let last = b.len() - 3;
        b[last] ^= 0x20;
        std::fs::write(&p, &b).expect("damage");
        let e = Manifest::read(dir.path()).expect_err("damaged");
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
        std::fs::write(&p, "hello\nworld").expect("foreign");
        let e = Manifest::read(dir.path()).expect_err("foreign");
        assert!(matches!(e, Error::NotAnIndex { .. }), "{e}");
        std::fs::write(&p, "tessera-index 2 00000000 2\n{}").expect("future");
        let e = Manifest::read(dir.path()).expect_err("future");
        assert!(
            matches!(e, Error::IncompatibleFormat { found: 2, .. }),
            "{e}"
        );
        let e = Manifest::read(&dir.path().join("nope")).expect_err("missing");
        assert!(e.to_string().contains("does not exist"), "{e}");
    }
}
