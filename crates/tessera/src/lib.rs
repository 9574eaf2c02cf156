//! tessera finds where every passage of a news article came from.
//!
//! Feed it a corpus of articles ([`ingest`] reads JSON Lines, text and HTML,
//! compressed or not, into an on-disk [`index`]); ask it about one article
//! ([`Engine::trace`]) and it returns each reused passage with its offsets
//! in both texts, the word-level edits between them, a score, the
//! best-aligned source, the earliest-dated one and the alternatives. It
//! keeps working when the copier rewords: renamed entities, synonyms,
//! inserted and deleted words, reordered or stitched sentences, OCR noise.
//! [`scan`] finds all the reuse inside a corpus at once, and [`eval`]
//! scores detections against a gold standard with the PAN measures.
//!
//! The API follows the pipeline (ARCHITECTURE.md maps each stage to its
//! file):
//!
//! | you want to | call |
//! |---|---|
//! | open or create an index, add, delete, compact, look up | [`Collection`] |
//! | add records one batch at a time with a skipped-record report | [`Collection::add_records`], [`Collection::add_paths`], [`ingest::ingest_files`] |
//! | trace one article | [`Collection::trace_text`], [`Engine::trace`] |
//! | trace a batch, in order, in parallel | [`Engine::trace_each`] |
//! | align two texts without an index | [`align_pair`] |
//! | all pairs, clusters, copy graph, spin statistics of a corpus | [`scan::scan`] (tables written as JSON Lines and Parquet) |
//! | the corpus without its near-duplicates | [`scan::dedup`] |
//! | PAN measures; tessera's own run on a gold standard | [`eval::evaluate`], [`eval::detect`] |
//!
//! Long work reports to a [`progress::Progress`]; errors are [`Error`]s
//! that name the file, line or document.
//!
//! # An index, a trace
//!
//! ```
//! use tessera::{AddOptions, Collection};
//! use serde_json::json;
//!
//! let dir = tempfile::tempdir()?;
//! let news = Collection::open_or_create(&dir.path().join("news.idx"))?;
//! let report = news.add_records(vec![
//!     json!({"id": "afp-1", "outlet": "AFP", "date": "2016-07-15",
//!            "text": "On the second and final day of his visit to Moscow, Kerry called for stepping up \
//!                     cooperation between the United States and Russia to thwart jihadist groups."}),
//!     json!({"id": "", "text": "a record without an id is skipped and reported"}),
//! ], &AddOptions::default())?;
//! assert_eq!((report.added, report.skipped), (1, 1));
//!
//! let article = "Kerry called for stepping up cooperation between the United States and \
//!                Russian Federation to thwart jihadist groups. The rest is new.";
//! let traced = news.trace_text("q1", None, article, None)?;
//! let p = &traced.passages[0];
//! assert_eq!(p.source_id, "afp-1");
//! assert_eq!((p.edits[0].source.as_str(), p.edits[0].query.as_str()), ("Russia", "Russian Federation"));
//! // Offsets count code points, as Python string indexing does.
//! let q: String = article.chars().skip(p.query_offset as usize).take(p.query_length as usize).collect();
//! assert!(q.starts_with("Kerry called"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Two texts, no index
//!
//! ```
//! use tessera::index::{DocMeta, IndexSettings};
//! use tessera::{Query, TraceConfig, Weights, align_pair};
//!
//! let source = "The central bank raised its key interest rate by half a point on Tuesday, \
//!               the third increase this year, citing stubborn inflation.";
//! let copy = "Citing stubborn inflation, officials said. The central bank raised its key \
//!             interest rate by half a point on Tuesday, the third increase this year.";
//! let meta = DocMeta { id: "src".into(), ..Default::default() };
//! let query = Query { id: "copy", title: None, text: copy, date: None, exclude: None };
//! let r = align_pair(&query, &meta, source, &IndexSettings::default(),
//!                    &Weights::prior_only(), &TraceConfig::default());
//! assert_eq!(r.passages.len(), 1);
//! assert!(r.coverage > 0.5);
//! ```
//!
//! # A whole corpus
//!
//! ```
//! use tessera::scan::{ScanConfig, Quiet, scan, dedup};
//! use tessera::{AddOptions, Collection};
//! use serde_json::json;
//!
//! let dir = tempfile::tempdir()?;
//! let idx = dir.path().join("corpus.idx");
//! let wire = "Shares of oil companies rose sharply on Tuesday after the cartel agreed to cut \
//!             production by a million barrels a day, traders in London and New York said, \
//!             adding that prices could climb further before the end of the month.";
//! Collection::open_or_create(&idx)?.add_records(vec![
//!     json!({"id": "wire", "outlet": "Wire", "date": "2020-01-01", "text": wire}),
//!     json!({"id": "copy", "outlet": "Farm", "date": "2020-01-02", "text": wire}),
//!     json!({"id": "other", "date": "2020-01-03",
//!            "text": "A quiet day in the garden: roses, tulips and a cat asleep in the sun."}),
//! ], &AddOptions::default())?;
//!
//! let summary = scan(&idx, &dir.path().join("scan"), &ScanConfig::default(), &Quiet)?;
//! assert_eq!(summary.documents, 3);
//! assert!(dir.path().join("scan/pairs.parquet").exists());
//!
//! let mut kept = Vec::new();
//! let d = dedup(&idx, &ScanConfig::default(), false, &Quiet, &mut kept, "memory".as_ref())?;
//! assert_eq!(String::from_utf8(kept)?.lines().count(), 2); // the copy is dropped
//! # let _ = d;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Scoring
//!
//! ```
//! use tessera::eval::{Case, Det, Gold, Layout, Span, evaluate};
//!
//! let case = Case { query_id: "q".into(), source_id: "s".into(),
//!                   query: Span::new(0, 100), source: Span::new(0, 100),
//!                   obfuscation: "verbatim".into() };
//! let gold = Gold { cases: vec![case], queries: vec!["q".into()],
//!                   layout: Layout::Jsonl, pan_pairs: vec![], warnings: vec![] };
//! let found = Det { query_id: "q".into(), source_id: "s".into(),
//!                   query: Span::new(0, 100), source: Span::new(0, 100) };
//! assert_eq!(evaluate(&gold, &[found]).macro_.plagdet, 1.0);
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
