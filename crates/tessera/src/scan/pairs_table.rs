//! The `pairs` table: each checkpointed pair rendered as a JSON Lines row
//! (the trace detection's fields, both outlets, dates and near-duplicate
//! clusters, the delay, then the edits) and as a Parquet row. Rendering
//! runs on all cores, a chunk of checkpoints at a time; it also measures
//! what the spin tables need, so that each edit is read once.

use std::path::Path;

use serde::Serialize;

use super::docs::Docs;
use arrow_schema::{DataType, Field};

use super::output::{TableWriter, list_of, nullable, required};
use super::pairs::PairRow;
use super::{ScanSummary, spin};
use crate::error::{Error, Result};

/// The pairs of one checkpoint, parsed and rendered.
pub(super) struct Rendered {
    pub(super) rows: Vec<PairRow>,
    /// The JSON Lines of the rows; row `k` is `lines[line_ends[k]..line_ends[k + 1]]`.
    lines: Vec<u8>,
    line_ends: Vec<usize>,
    /// Each row's aligned and substituted words.
    pub(super) spin: Vec<(u64, u64)>,
    /// Spin substitutions (source, copy) by row.
    pub(super) patterns: Vec<(usize, (String, String))>,
}

/// A pair as written to `pairs.jsonl` (the edits follow).
#[derive(Serialize)]
struct PairOut<'a> {
    query_id: &'a str,
    query_offset: u64,
    query_length: u64,
    source_id: &'a str,
    source_offset: u64,
    source_length: u64,
    score: f64,
    matched_words: u32,
    evidence: f64,
    kind: &'static str,
    reordered: bool,
    query_outlet: Option<&'a str>,
    source_outlet: Option<&'a str>,
    query_date: Option<&'a str>,
    source_date: Option<&'a str>,
    delay_seconds: Option<i64>,
    query_neardup_cluster: Option<u32>,
    source_neardup_cluster: Option<u32>,
}

fn kind(row: &PairRow) -> &'static str {
    if row.syndication {
        "syndication"
    } else {
        "reuse"
    }
}

/// Renders the rows of a checkpoint (`path`, for errors).
pub(super) fn render(
    docs: &Docs,
    cluster_of: &[Option<u32>],
    rows: Vec<PairRow>,
    path: &Path,
) -> Result<Rendered> {
    let mut r = Rendered {
        rows: Vec::with_capacity(rows.len()),
        lines: Vec::new(),
        line_ends: vec![0],
        spin: Vec::new(),
        patterns: Vec::new(),
    };
    for row in rows {
        let (q, s, d) = (row.q, row.s, &row.d);
        let (qd, sd) = (&docs.docs[q as usize], &docs.docs[s as usize]);
        let edits = serde_json::to_string(&d.edits).map_err(|e| Error::io(path, e.into()))?;
        let head = PairOut {
            query_id: &d.query_id,
            query_offset: d.query_offset,
            query_length: d.query_length,
            source_id: &d.source_id,
            source_offset: d.source_offset,
            source_length: d.source_length,
            score: d.score,
            matched_words: d.matched_words,
            evidence: d.evidence,
            kind: kind(&row),
            reordered: d.reordered,
            query_outlet: docs.outlet_name(q),
            source_outlet: docs.outlet_name(s),
            query_date: qd.date.as_deref(),
            source_date: sd.date.as_deref(),
            delay_seconds: docs.delay(q, s),
            query_neardup_cluster: cluster_of[q as usize],
            source_neardup_cluster: cluster_of[s as usize],
        };
        serde_json::to_writer(&mut r.lines, &head).map_err(|e| Error::io(path, e.into()))?;
        // `{...}` becomes `{...,"edits":[...]}`.
        r.lines.pop();
        r.lines.extend_from_slice(b",\"edits\":");
        r.lines.extend_from_slice(edits.as_bytes());
        r.lines.extend_from_slice(b"}\n");
        r.line_ends.push(r.lines.len());
        let k = r.rows.len();
        let (words, patterns) = spin::measure(d);
        r.spin.push(words);
        r.patterns.extend(patterns.into_iter().map(|p| (k, p)));
        r.rows.push(row);
    }
    Ok(r)
}

/// The columns of `pairs`: a trace detection's, then the scan's.
fn columns() -> Vec<Field> {
    use DataType::{Boolean, Float64, Int64, Utf8};
    let edit = list_of(vec![
        required("op", Utf8),
        required("query", Utf8),
        required("source", Utf8),
        required("query_offset", Int64),
        required("source_offset", Int64),
        required("query_length", Int64),
        required("source_length", Int64),
    ]);
    vec![
        required("query_id", Utf8),
        required("query_offset", Int64),
        required("query_length", Int64),
        required("source_id", Utf8),
        required("source_offset", Int64),
        required("source_length", Int64),
        required("score", Float64),
        required("matched_words", Int64),
        required("evidence", Float64),
        required("kind", Utf8),
        required("reordered", Boolean),
        nullable("query_outlet", Utf8),
        nullable("source_outlet", Utf8),
        nullable("query_date", Utf8),
        nullable("source_date", Utf8),
        nullable("delay_seconds", Int64),
        nullable("query_neardup_cluster", Int64),
        nullable("source_neardup_cluster", Int64),
        required("edits", edit),
    ]
}

/// The `pairs` table being written, and the counts of the summary.
pub(super) struct PairsTable {
    out: TableWriter,
    pairs: u64,
    syndication: u64,
    /// Documents in at least one pair.
    reused: Vec<bool>,
}

impl PairsTable {
    pub(super) fn new(out: &Path, documents: usize) -> Result<PairsTable> {
        Ok(PairsTable {
            out: TableWriter::new(out, "pairs", columns())?,
            pairs: 0,
            syndication: 0,
            reused: vec![false; documents],
        })
    }

    /// Writes row `k` of a rendered checkpoint.
    pub(super) fn push(&mut self, r: &Rendered, k: usize) -> Result<()> {
        let row = &r.rows[k];
        self.out
            .push_line(&r.lines[r.line_ends[k]..r.line_ends[k + 1]])?;
        self.reused[row.q as usize] = true;
        self.reused[row.s as usize] = true;
        self.pairs += 1;
        if row.syndication {
            self.syndication += 1;
        }
        Ok(())
    }

    /// Closes the table and counts pairs and documents with reuse.
    pub(super) fn finish(self, summary: &mut ScanSummary) -> Result<()> {
        summary.pairs = self.pairs;
        summary.syndication_pairs += self.syndication;
        summary.documents_with_reuse = self.reused.iter().filter(|&&r| r).count() as u64;
        self.out.finish()?;
        Ok(())
    }
}
