//! Errors of the index.

use std::path::{Path, PathBuf};

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with an index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system error on a file of the index.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The directory is not a tessera index.
    #[error("{path} is not a tessera index: {reason}")]
    NotAnIndex {
        /// The directory.
        path: PathBuf,
        /// Why it is not one.
        reason: String,
    },
    /// The directory holds segment files but no `MANIFEST`: an index whose
    /// manifest was lost (a partial copy, a sync tool, a removed file).
    /// Nothing is changed; `recover` rebuilds the manifest.
    #[error(
        "{path} holds {segments} index segment file(s) but no MANIFEST (a partial copy or a removed file?); nothing was changed. Rebuild the MANIFEST from the segments whose checksums verify with `tessera index recover --index {path}`, or restore the MANIFEST from where the index came from"
    )]
    MissingManifest {
        /// The directory.
        path: PathBuf,
        /// Segment and deletion files found in it.
        segments: usize,
    },
    /// The index was written by a version of tessera this one cannot read.
    #[error(
        "{path}: index format version {found} is not supported by this tessera (it reads version {supported}); rebuild the index or use a matching tessera"
    )]
    IncompatibleFormat {
        /// The file carrying the version.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// A file of the index does not hold what it should.
    #[error("{path}: index file is corrupt: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Another process is writing to the index.
    #[error(
        "{path}: the index is locked by another writer (another `tessera index` command is running)"
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// A document could not be accepted.
    #[error("document {id:?}: {reason}")]
    InvalidDocument {
        /// The document id.
        id: String,
        /// Why.
        reason: String,
    },
    /// Ids that were asked for are not in the index.
    #[error("not in the index: {}", .ids.join(", "))]
    NotFound {
        /// The missing ids.
        ids: Vec<String>,
    },
}

impl Error {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
    pub(crate) fn corrupt(path: impl AsRef<Path>, detail: impl Into<String>) -> Error {
        Error::Corrupt {
            path: path.as_ref().to_path_buf(),
            detail: detail.into(),
        }
    }
}

/// Attaches a path to I/O errors.
pub(crate) trait IoContext<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}
