//! The embedded on-disk index of tessera.
//!
//! An index is a directory: a `MANIFEST` naming the committed segment files,
//! immutable segment files (`seg-NNNNNN.tseg`) holding documents, their
//! fingerprint postings and token document frequencies, and deletion files
//! (`seg-NNNNNN.gNNNNNN.tdel`). The format is specified in this crate's
//! `README.md`.
//!
//! * [`Index`] is a read-only, consistent view of the last commit. Opening
//!   one verifies every file's version and checksum. Any number of readers
//!   may run while a writer works.
//! * [`IndexWriter`] adds and deletes documents and commits atomically: new
//!   segment files are written and synced first, then a new manifest
//!   replaces the old one by rename. A process killed at any point leaves the
//!   index in its last committed state; leftovers are removed by the next
//!   writer. One writer at a time (a lock file enforces it).
//!
//! ```
//! use tessera_index::{Analyzer, Document, DocMeta, Index, IndexSettings, IndexWriter, PreparedDoc, WriterOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let mut w = IndexWriter::open_or_create(dir.path(), IndexSettings::default(), WriterOptions::default())?;
//! let doc = Document {
//!     meta: DocMeta { id: "wire-1".into(), ..Default::default() },
//!     text: "Kerry met Putin in Moscow on Thursday.".into(),
//! };
//! let prepared = w.analyzer().prepare(&doc)?;
//! w.add(prepared)?;
//! w.commit()?;
//!
//! let index = Index::open(dir.path())?;
//! assert_eq!(index.num_docs(), 1);
//! let addr = index.find("wire-1").expect("indexed");
//! assert_eq!(index.text(addr)?, doc.text);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod deletes;
mod doc;
mod error;
mod format;
mod fsutil;
mod keyed;
mod manifest;
mod reader;
mod recover;
mod segment;
mod writer;

pub use deletes::Deletes;
pub use doc::{Analysis, Analyzer, DocMeta, Document, IndexSettings};
pub use error::{Error, Result};
pub use format::FORMAT_VERSION;
pub use manifest::{MANIFEST, Manifest, SegmentEntry};
pub use reader::{DocAddr, Index, IndexStats, LiveDocsById};
pub use recover::{DAMAGED_MANIFEST, QUARANTINE, Recovery, recover};
pub use segment::{PreparedDoc, Segment};
pub use writer::{AddOutcome, DuplicatePolicy, IndexWriter, LOCK, WriteStats, WriterOptions};

#[cfg(test)]
mod tests;
