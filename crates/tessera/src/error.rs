//! Errors of the tessera library.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the on-disk index.
    #[error(transparent)]
    Index(#[from] tessera_index::Error),
    /// An error reading or scoring a gold standard or detections.
    #[error(transparent)]
    Eval(#[from] crate::eval::EvalError),
    /// An operating-system error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An input that cannot be used at all (not a single bad record).
    #[error("{location}: {reason}")]
    Input {
        /// File (and line) of the input.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// A bad record in a strict ingest: nothing was committed.
    #[error("{0} (strict: nothing was committed)")]
    BadRecord(Box<crate::ingest::Skipped>),
    /// A document asked for by id is not indexed.
    #[error("document {0:?} is not in the index")]
    UnknownDocument(String),
    /// A trace given a deadline ([`Engine::trace_until`]) was still running
    /// when it passed; it stopped at its next check (between candidate
    /// sources) and reported nothing.
    ///
    /// [`Engine::trace_until`]: crate::Engine::trace_until
    #[error("the trace did not finish before its deadline ({elapsed_ms} ms after it started)")]
    DeadlineExceeded {
        /// How long the trace had been running when it stopped.
        elapsed_ms: u64,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
