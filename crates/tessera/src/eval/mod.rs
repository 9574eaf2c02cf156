//! Evaluation of text-alignment output against a gold standard, with the
//! character-, case- and document-level measures used at PAN.
//!
//! # What is measured
//!
//! A *case* `s` (a reused passage of the gold standard) and a *detection* `r`
//! (a passage reported by a detector) each denote a span of a query document
//! and a span of a source document. Measures are defined on *character
//! references*: a query-side character is `(query_id, offset)`, a source-side
//! character is `(query_id, source_id, offset)`. Source characters are scoped
//! by query on purpose: when two queries reuse the same source passage, the
//! cases of one query must not share characters with the cases of the other.
//! `|s|` is the query-span length plus the source-span length. Spans are
//! half-open, `[offset, offset + length)`, counted in Unicode code points.
//!
//! Character level (Potthast, Stein, Barrón-Cedeño and Rosso, 2010, "An
//! Evaluation Framework for Plagiarism Detection", COLING 2010):
//!
//! * `r` **detects** `s` iff both name the same query and the same source, their
//!   query spans overlap and their source spans overlap.
//! * `s ⊓ r = (s_q ∩ r_q) ∪ (s_src ∩ r_src)` if `r` detects `s`, else `∅`.
//! * macro recall = mean over cases `s` of `|∪_{r detecting s} (s ⊓ r)| / |s|`;
//!   macro precision = mean over detections `r` of `|∪_{s detected by r} (s ⊓ r)| / |r|`.
//! * micro recall = `|∪_s ∪_r (s ⊓ r)| / |∪_s s|`; micro precision =
//!   `|∪_r ∪_s (s ⊓ r)| / |∪_r r|` (unions of character references, so text
//!   covered twice counts once).
//! * granularity = mean over the cases detected by at least one detection of
//!   the number of detections detecting it; `1` when no case is detected.
//! * plagdet = `F1(precision, recall) / log2(1 + granularity)`, with `F1 = 0`
//!   when precision + recall = 0. The macro plagdet is the headline figure; the
//!   micro plagdet combines micro precision and recall with the same
//!   granularity.
//!
//! Case and document level (Potthast et al., "Overview of the 6th
//! International Competition on Plagiarism Detection", PAN at CLEF 2014), with
//! `τ1 = τ2 = 0.5`. Let `prec(r)` be the character precision of `r` alone
//! against all cases and `rec(s)` the character recall of `s` by all
//! detections:
//!
//! * `S' = {s : rec(s) > 0.5 and some r detecting s has prec(r) > 0.5}`,
//!   `R' = {r : prec(r) > 0.5 and some s detected by r has rec(s) > 0.5}`;
//!   case precision = `|R'| / |R|`, case recall = `|S'| / |S|`.
//! * With `S_doc` / `R_doc` the `(query_id, source_id)` pairs that hold a case
//!   / a detection, and `S'_doc` / `R'_doc` those that hold a case of `S'` / a
//!   detection of `R'`: document precision = `|R'_doc| / |R_doc|`, document
//!   recall = `|S'_doc| / |S_doc|`.
//!
//! # Conventions for the edge cases
//!
//! * Recall over an empty set of cases is `1` (nothing was missed). Precision
//!   over an empty set of detections is `1` when there are no cases either and
//!   `0` otherwise (a silent detector is not precise, it is useless). So: no
//!   cases and no detections scores 1 everywhere; cases but no detections
//!   scores precision 0, recall 0; detections but no cases scores recall 1,
//!   precision 0. Plagdet is then 1, 0 and 0. These rules apply alike at the
//!   character, case and document levels and to micro averages.
//! * A detection whose query or source span is empty detects nothing and has
//!   precision 0 (it covers no character, so nothing it reports is right); a
//!   case with an empty span can never be detected and has recall 0. The
//!   gold readers reject such cases.
//! * Micro precision is 0 if the detections cover no character at all.
//! * Per-obfuscation breakdown: for each type `t`, `S_t` = the cases of type
//!   `t` and `R_t` = the detections that detect at least one case of type `t`;
//!   the character measures are computed on `(S_t, R_t)` exactly as above
//!   (so `prec(r)` there counts only the cases of type `t`). Detections that
//!   detect no case at all belong to no type: they lower only the overall
//!   figures.
//! * Negatives are the queries with no case. The report counts them, and those
//!   among them with at least one detection (whatever its source).
//! * Source attribution is the share of cases whose best-overlapping
//!   detection — the detection of the same query with the longest query-span
//!   overlap, whatever its source — names the case's source. When several
//!   detections tie for the longest overlap, the case counts as attributed if
//!   any of them names the right source. A case overlapped by no detection is
//!   not attributed. With no cases the share is 1, as for recall.
//!
//! Everything is computed with sorted, merged half-open intervals, never with
//! per-character sets, and the inputs are put in a canonical order first, so
//! the result does not depend on the order of cases or detections.
//!
//! # Gold-standard layouts
//!
//! [`read_gold`] reads three layouts (see [`Layout`]): the reuse-dev JSON
//! Lines layout (`truth.jsonl`, `queries.jsonl`, `sources.jsonl`), the PAN
//! text-alignment layout of the PAN 2012–2015 corpora (`pairs`, `susp/`,
//! `src/` and XML truth files in one subdirectory per obfuscation type) and
//! the external-detection layout of the PAN 2009–2011 corpora
//! (`source-documents/`, `suspicious-documents/` with the XML truth beside
//! each text). Elements of a truth file that look like a case but are not
//! read as one are listed in [`Gold::warnings`] with file and line.
//! Identical cases, and identical detections, count once (PAN's evaluator
//! reads them into sets).
//! Detections are read from JSON Lines ([`read_jsonl_detections`]) or from a
//! directory of PAN XML files ([`read_pan_detections`]), and written in each
//! form ([`write_jsonl_detections`], [`write_pan_detections`],
//! [`write_pan09_detections`]).

pub mod gold;
mod lines;
pub mod measures;
pub mod pan;
pub mod pan09;
mod run;
mod xml;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use crate::eval::gold::{read_jsonl_detections, write_jsonl_detections};
pub use crate::eval::measures::evaluate;
pub use crate::eval::pan::{PAN_SRC_DIR, PAN_SUSP_DIR, read_pan_detections, write_pan_detections};
pub use crate::eval::pan09::{PAN09_SRC_DIR, PAN09_SUSP_DIR, write_pan09_detections};
pub use crate::eval::run::{detect, to_det};

/// A half-open span `[offset, offset + length)` of a text, in Unicode code points.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    /// First code point of the span, 0-based.
    pub offset: u64,
    /// Number of code points.
    pub length: u64,
}

impl Span {
    /// Builds a span.
    pub const fn new(offset: u64, length: u64) -> Self {
        Self { offset, length }
    }

    /// One past the last code point; saturates instead of overflowing so that
    /// hand-built spans near `u64::MAX` cannot panic the measures.
    pub const fn end(&self) -> u64 {
        self.offset.saturating_add(self.length)
    }
}

/// One reused passage of the gold standard.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Case {
    /// The query (suspicious) document that holds the reused passage.
    pub query_id: String,
    /// The source document it was taken from.
    pub source_id: String,
    /// Where the (possibly obfuscated) passage sits in the query.
    pub query: Span,
    /// The text that was taken from the source.
    pub source: Span,
    /// Obfuscation type, e.g. `none`, `random`, `synonym`.
    pub obfuscation: String,
}

/// One passage reported by a detector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Det {
    /// The query (suspicious) document.
    pub query_id: String,
    /// The source document the passage is attributed to.
    pub source_id: String,
    /// The reported span of the query.
    pub query: Span,
    /// The reported span of the source.
    pub source: Span,
}

/// Which on-disk layout a gold standard was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// reuse-dev: `truth.jsonl`, `queries.jsonl`, `sources.jsonl`.
    Jsonl,
    /// PAN text alignment: `pairs`, `susp/`, `src/`, XML truth per obfuscation directory.
    Pan,
    /// PAN 2009–2011 external detection: `source-documents/`,
    /// `suspicious-documents/` with the XML truth beside each text.
    Pan09,
}

/// A gold standard: the cases and the full set of queries (negatives included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gold {
    /// All cases, sorted.
    pub cases: Vec<Case>,
    /// Every query id, including negative queries that hold no case; sorted, unique.
    pub queries: Vec<String>,
    /// The layout the gold standard was read from.
    pub layout: Layout,
    /// PAN layout only (empty for JSON Lines): the `(suspicious, source)` document
    /// pairs of the `pairs` file, sorted and unique. The texts are the files of
    /// these names in the [`PAN_SUSP_DIR`] and [`PAN_SRC_DIR`] subdirectories of
    /// the corpus directory.
    pub pan_pairs: Vec<(String, String)>,
    /// What in the truth files looked like a case but was not read as one
    /// (a misspelt element or feature name), each with its file and line.
    pub warnings: Vec<String>,
}

/// Character-level measures of a set of detections against a set of cases.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Measures {
    /// Macro or micro precision, in `[0, 1]`.
    pub precision: f64,
    /// Macro or micro recall, in `[0, 1]`.
    pub recall: f64,
    /// Mean number of detections per detected case, `>= 1`.
    pub granularity: f64,
    /// `F1(precision, recall) / log2(1 + granularity)`.
    pub plagdet: f64,
    /// Number of cases scored.
    pub cases: usize,
    /// Number of detections scored.
    pub detections: usize,
    /// Number of cases detected by at least one detection.
    pub detected_cases: usize,
}

/// A precision/recall pair (case and document level).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PrecRec {
    /// Precision, in `[0, 1]`.
    pub precision: f64,
    /// Recall, in `[0, 1]`.
    pub recall: f64,
}

/// What the detector reported for the queries that hold no case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Negatives {
    /// Number of queries without any case.
    pub queries: usize,
    /// How many of them got at least one detection.
    pub with_detections: usize,
    /// Their ids, sorted.
    pub ids_with_detections: Vec<String>,
}

/// The full evaluation report; see the module documentation for the definitions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// Macro-averaged character measures (the headline).
    #[serde(rename = "macro")]
    pub macro_: Measures,
    /// Micro-averaged character measures.
    pub micro: Measures,
    /// Case-level precision and recall (τ = 0.5).
    pub case_level: PrecRec,
    /// Document-level precision and recall (τ = 0.5).
    pub document_level: PrecRec,
    /// Macro character measures per obfuscation type.
    pub by_obfuscation: BTreeMap<String, Measures>,
    /// Detections in queries without any case.
    pub negatives: Negatives,
    /// Share of cases whose best-overlapping detection names the right source.
    pub source_attribution: f64,
}

impl Evaluation {
    /// Renders the report as a plain-text table.
    pub fn to_text(&self) -> String {
        // How many negative ids to spell out: the full list is in the JSON form,
        // the text form must stay readable when a detector fires everywhere.
        const MAX_IDS: usize = 10;
        let mut out = String::new();
        let m = &self.macro_;
        // `write!` into a String cannot fail, so its results are ignored.
        let _ = writeln!(
            out,
            "{} cases, {} detections, {} detected cases",
            m.cases, m.detections, m.detected_cases
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>11} {:>9}",
            "level", "precision", "recall", "granularity", "plagdet"
        );
        for (name, x) in [
            ("character macro", &self.macro_),
            ("character micro", &self.micro),
        ] {
            let _ = writeln!(
                out,
                "{:<16} {:>9.4} {:>9.4} {:>11.4} {:>9.4}",
                name, x.precision, x.recall, x.granularity, x.plagdet
            );
        }
        for (name, x) in [
            ("case", &self.case_level),
            ("document", &self.document_level),
        ] {
            let _ = writeln!(
                out,
                "{:<16} {:>9.4} {:>9.4} {:>11} {:>9}",
                name, x.precision, x.recall, "-", "-"
            );
        }
        if !self.by_obfuscation.is_empty() {
            let width = self
                .by_obfuscation
                .keys()
                .map(|k| k.chars().count())
                .max()
                .unwrap_or(0)
                .max("obfuscation".len());
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{:<width$} {:>6} {:>10} {:>9} {:>9} {:>11} {:>9}",
                "obfuscation",
                "cases",
                "detections",
                "precision",
                "recall",
                "granularity",
                "plagdet"
            );
            for (name, x) in &self.by_obfuscation {
                let _ = writeln!(
                    out,
                    "{:<width$} {:>6} {:>10} {:>9.4} {:>9.4} {:>11.4} {:>9.4}",
                    name, x.cases, x.detections, x.precision, x.recall, x.granularity, x.plagdet
                );
            }
        }
        let _ = writeln!(out);
        let n = &self.negatives;
        let _ = write!(
            out,
            "negatives: {} queries without reuse, {} with detections",
            n.queries, n.with_detections
        );
        if !n.ids_with_detections.is_empty() {
            let shown: Vec<&str> = n
                .ids_with_detections
                .iter()
                .take(MAX_IDS)
                .map(String::as_str)
                .collect();
            let _ = write!(out, ": {}", shown.join(", "));
            if n.ids_with_detections.len() > MAX_IDS {
                let _ = write!(out, " and {} more", n.ids_with_detections.len() - MAX_IDS);
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "source attribution: {:.4}", self.source_attribution);
        out
    }
}

/// Errors of the gold and detection readers and writers.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or directory could not be read or written.
    #[error("i/o error on {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file does not have the expected content.
    #[error("malformed {}: {detail}", location(path, *line))]
    Malformed {
        /// The offending file.
        path: PathBuf,
        /// 1-based line number, when the problem is tied to one line.
        line: Option<u64>,
        /// What is wrong.
        detail: String,
    },
    /// A directory is in neither gold-standard layout.
    #[error(
        "unknown gold-standard layout in {}: expected truth.jsonl (reuse-dev layout), a pairs file (pan 2012-2015 text-alignment layout) or source-documents/ and suspicious-documents/ folders (pan 2009-2011 layout)",
        path.display()
    )]
    UnknownLayout {
        /// The directory.
        path: PathBuf,
    },
}

/// Reads the gold standard in `dir`, recognising the layout: a `truth.jsonl`
/// file means the reuse-dev layout (it wins if several are present), a
/// `pairs` file the PAN 2012–2015 text-alignment layout, `source-documents/`
/// and `suspicious-documents/` folders the PAN 2009–2011 layout.
pub fn read_gold(dir: &Path) -> Result<Gold, EvalError> {
    let meta = std::fs::metadata(dir).map_err(|e| EvalError::io(dir, e))?;
    if !meta.is_dir() {
        return Err(EvalError::UnknownLayout {
            path: dir.to_path_buf(),
        });
    }
    if dir.join(gold::TRUTH).is_file() {
        gold::read_jsonl_gold(dir)
    } else if dir.join(pan::PAIRS).is_file() {
        pan::read_pan_gold(dir)
    } else if pan09::is_pan09(dir) {
        pan09::read_pan09_gold(dir)
    } else {
        Err(EvalError::UnknownLayout {
            path: dir.to_path_buf(),
        })
    }
}

/// `file` or `file, line N`, for error messages.
fn location(path: &Path, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("{}, line {line}", path.display()),
        None => path.display().to_string(),
    }
}

impl EvalError {
    /// Shorthand for an I/O error on `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Shorthand for a content error in `path`.
    pub(crate) fn malformed(path: &Path, line: Option<u64>, detail: impl Into<String>) -> Self {
        Self::Malformed {
            path: path.to_path_buf(),
            line,
            detail: detail.into(),
        }
    }
}

/// Shared by the tests of the submodules.
#[cfg(test)]
pub(crate) mod testdata {
    use std::path::PathBuf;

    /// The reuse-dev data set of the project's shared data, relative to this crate.
    const REUSE_DEV: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/reuse-dev"
    );

    /// The reuse-dev directory; panics with a clear message if it is missing,
    /// because a test that silently skips would hide a broken setup.
    pub(crate) fn reuse_dev() -> PathBuf {
        let dir = PathBuf::from(REUSE_DEV);
        assert!(
            dir.join("truth.jsonl").is_file(),
            "reuse-dev data not found at {} (expected the shared data directory next to the workspace)",
            dir.display()
        );
        dir
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::{EvalError, Evaluation, Measures, Negatives, PrecRec};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn measures(p: f64, r: f64, g: f64, pd: f64) -> Measures {
        Measures {
            precision: p,
            recall: r,
            granularity: g,
            plagdet: pd,
            cases: 3,
            detections: 4,
            detected_cases: 2,
        }
    }

    fn sample() -> Evaluation {
        let mut by = BTreeMap::new();
        by.insert("none".to_string(), measures(1.0, 1.0, 1.0, 1.0));
        by.insert("random".to_string(), measures(0.5, 0.25, 2.0, 0.2103));
        Evaluation {
            macro_: measures(0.75, 0.5, 1.5, 0.45),
            micro: measures(0.7, 0.6, 1.5, 0.49),
            case_level: PrecRec {
                precision: 0.5,
                recall: 0.25,
            },
            document_level: PrecRec {
                precision: 1.0,
                recall: 0.5,
            },
            by_obfuscation: by,
            negatives: Negatives {
                queries: 12,
                with_detections: 11,
                ids_with_detections: (0..11).map(|i| format!("n{i:02}")).collect(),
            },
            source_attribution: 0.875,
        }
    }

    #[test]
    fn text_report_has_every_part() {
        let text = sample().to_text();
        for needle in [
            "3 cases, 4 detections, 2 detected cases",
            "character macro     0.7500    0.5000      1.5000    0.4500",
            "character micro",
            "case                0.5000    0.2500",
            "document            1.0000    0.5000",
            "random           3          4    0.5000    0.2500      2.0000    0.2103",
            "negatives: 12 queries without reuse, 11 with detections: n00, n01",
            "n09 and 1 more",
            "source attribution: 0.8750",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn json_report_names_macro_without_underscore() {
        let json = serde_json::to_value(sample()).expect("serialisable");
        assert!(json.get("macro").is_some());
        assert!(json.get("macro_").is_none());
        assert_eq!(json["by_obfuscation"]["random"]["granularity"], 2.0);
        assert_eq!(json["negatives"]["with_detections"], 11);
    }

    #[test]
    fn error_messages_name_file_and_line() {
        let e = EvalError::malformed(&PathBuf::from("d/dets.jsonl"), Some(7), "missing field");
        assert_eq!(
            e.to_string(),
            "malformed d/dets.jsonl, line 7: missing field"
        );
        let e = EvalError::malformed(&PathBuf::from("d/pairs"), None, "empty");
        assert_eq!(e.to_string(), "malformed d/pairs: empty");
        let e = EvalError::UnknownLayout {
            path: PathBuf::from("x"),
        };
        assert!(
            e.to_string()
                .starts_with("unknown gold-standard layout in x:")
        );
    }
}
