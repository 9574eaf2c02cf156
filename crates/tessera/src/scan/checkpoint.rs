//! Checkpoints of a scan, in `OUT/.scan`: the state (which index and
//! configuration they belong to, whether the near-duplicate stage is done),
//! the near-duplicate clusters, and one file of pairs per chunk of
//! documents. A checkpoint of another index, configuration or version is
//! discarded; an interrupted run resumes from the ones left.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tessera_index::Index;

use super::ScanConfig;
use super::neardup::NearDups;
use super::output;
use super::pairs::PairRow;
use crate::error::{Error, Result};

/// Persistent state of a scan in `out/.scan`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct State {
    version: u32,
    index: String,
    config: String,
    neardup_done: bool,
}

/// The index's generation and segments: another commit, another key.
fn index_key(index: &Index) -> String {
    let m = index.manifest();
    let segs: Vec<String> = m
        .segments
        .iter()
        .map(|s| format!("{}:{}:{}", s.name, s.crc32, s.deleted))
        .collect();
    format!("{}|{}", m.generation, segs.join(","))
}

/// A JSON file, or `None` when it is missing or unreadable (a damaged
/// checkpoint is redone, not an error).
fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(b) => Ok(serde_json::from_slice(&b).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Writes a value as JSON, atomically.
pub(super) fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let bytes = serde_json::to_vec(v).map_err(|e| Error::io(path, e.into()))?;
    output::write_atomic(path, &bytes)
}

/// The checkpoints of one scan.
#[derive(Debug)]
pub(super) struct Checkpoints {
    work: PathBuf,
    state: State,
}

impl Checkpoints {
    /// The checkpoints in `out/.scan`, emptied unless they belong to this
    /// index and configuration.
    pub(super) fn open(out: &Path, index: &Index, cfg: &ScanConfig) -> Result<Checkpoints> {
        let work = out.join(".scan");
        std::fs::create_dir_all(&work).map_err(|e| Error::io(&work, e))?;
        let state_path = work.join("state.json");
        let fresh = State {
            version: 2,
            index: index_key(index),
            config: cfg.key(),
            neardup_done: false,
        };
        let state: State = match read_json::<State>(&state_path)? {
            Some(s)
                if s.version == fresh.version
                    && s.index == fresh.index
                    && s.config == fresh.config =>
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
        Ok(Checkpoints { work, state })
    }

    /// Removes the checkpoints of a finished scan.
    pub(super) fn remove(self) -> Result<()> {
        match std::fs::remove_dir_all(&self.work) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&self.work, e)),
            _ => Ok(()),
        }
    }

    /// The folder of the checkpoints (also used for sorted runs).
    pub(super) fn work(&self) -> &Path {
        &self.work
    }

    /// The near-duplicate clusters of a finished near-duplicate stage.
    pub(super) fn neardups(&self) -> Result<Option<NearDups>> {
        let nd = read_json::<NearDups>(&self.work.join("neardup.json"))?;
        Ok(nd.filter(|_| self.state.neardup_done))
    }

    /// Records the near-duplicate stage as done.
    pub(super) fn save_neardups(&mut self, nd: &NearDups) -> Result<()> {
        write_json(&self.work.join("neardup.json"), nd)?;
        self.state.neardup_done = true;
        write_json(&self.work.join("state.json"), &self.state)
    }

    fn chunk_path(&self, c: usize) -> PathBuf {
        self.work.join(format!("pairs-{c:06}.jsonl"))
    }

    /// Whether chunk `c` of the pair stage is done.
    pub(super) fn has_chunk(&self, c: usize) -> bool {
        self.chunk_path(c).exists()
    }

    /// Writes the pairs of chunk `c` (one JSON object a line).
    pub(super) fn write_chunk(&self, c: usize, rows: &[PairRow]) -> Result<()> {
        let path = self.chunk_path(c);
        let mut body = Vec::new();
        for r in rows {
            serde_json::to_writer(&mut body, r).map_err(|e| Error::io(&path, e.into()))?;
            body.push(b'\n');
        }
        output::write_atomic(&path, &body)
    }

    /// Reads the pairs of chunk `c`; a damaged file is an error that says
    /// how to start over.
    pub(super) fn read_chunk(&self, c: usize) -> Result<Vec<PairRow>> {
        let path = self.chunk_path(c);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        text.lines()
            .enumerate()
            .map(|(line_no, line)| {
                serde_json::from_str(line).map_err(|e| Error::Input {
                    location: format!("{}:{}", path.display(), line_no + 1),
                    reason: format!(
                        "damaged checkpoint ({e}); delete {} and run the scan again",
                        self.work.display()
                    ),
                })
            })
            .collect()
    }
}
