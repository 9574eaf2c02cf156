//! tessera finds where every passage of a news article came from.
//!
//! Feed it a corpus of articles ([`ingest`] reads JSON Lines, text and HTML,
//! compressed or not, into an on-disk [`index`]); ask it about one article
//! ([`Engine::trace`]) and it returns each reused passage with its offsets
//! in both texts, the word-level edits between them, a score, the
//! best-aligned source, the earliest-dated one and the alternatives. It
//! keeps working when the copier rewords: renamed entities, synonyms,
//! inserted and deleted words, reordered or stitched sentences, OCR noise.
//! [`eval`] scores detections against a gold standard with the PAN
//! measures.
//!
//! ```
//! use tessera::index::{DocMeta, Document, IndexSettings, IndexWriter, PreparedDoc, WriterOptions};
//! use tessera::{Engine, Query};
//!
//! let dir = tempfile::tempdir()?;
//! let mut w = IndexWriter::open_or_create(dir.path(), IndexSettings::default(), WriterOptions::default())?;
//! let wire = Document {
//!     meta: DocMeta { id: "afp-1".into(), date: Some("2016-07-15".into()), ..Default::default() },
//!     text: "On the second and final day of his visit to Moscow, Kerry called for stepping up \
//!            cooperation between the United States and Russia to thwart jihadist groups.".into(),
//! };
//! let prepared = w.analyzer().prepare(&wire)?;
//! w.add(prepared)?;
//! w.commit()?;
//!
//! let engine = Engine::open(dir.path())?;
//! let article = "Kerry called for stepping up cooperation between the United States and \
//!                Russian Federation to thwart jihadist groups. The rest is new.";
//! let report = engine.trace(&Query { id: "q1", title: None, text: article, exclude: None })?;
//! assert_eq!(report.passages.len(), 1);
//! let p = &report.passages[0];
//! assert_eq!(p.source_id, "afp-1");
//! assert_eq!(p.edits[0].source, "Russia");
//! assert_eq!(p.edits[0].query, "Russian Federation");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod candidates;
mod collection;
mod config;
pub mod date;
pub mod demo;
mod engine;
mod error;
pub mod eval;
pub mod ingest;
mod prepared;
pub mod progress;
pub mod report;
pub mod scan;
mod weights;

pub use collection::{AddOptions, Collection};
pub use engine::{Engine, Query, TraceConfig, align_pair};
pub use error::{Error, Result};
pub use tessera_align::AlignConfig;
pub use tessera_index as index;
pub use tessera_text as text;
pub use weights::Weights;
