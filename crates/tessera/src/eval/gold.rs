//! The reuse-dev gold-standard layout, and detections as JSON Lines.
//!
//! The reuse-dev layout is a directory with
//!
//! * `truth.jsonl`: one object per reused passage with `query_id`,
//!   `query_offset`, `query_length`, `source_id`, `source_offset`,
//!   `source_length` and `obfuscation`, a non-empty list of strings whose first
//!   element is the obfuscation type;
//! * `queries.jsonl`: one object per query with at least `id` — every query,
//!   including the negative ones that have no truth line;
//! * `sources.jsonl`: the source corpus. It is not needed for scoring and is
//!   not read here.
//!
//! Offsets and lengths count Unicode code points. A detections file is JSON
//! Lines with the same six span fields (anything else on a line is ignored;
//! blank lines are skipped). Every problem is reported with the file and the
//! 1-based line number; nothing is skipped silently.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use crate::eval::lines::{case_span, checked_span, for_each_line};
use crate::eval::{Case, Det, EvalError, Gold, Layout};

/// Name of the truth file of the reuse-dev layout.
pub(crate) const TRUTH: &str = "truth.jsonl";
/// Name of the query list of the reuse-dev layout.
const QUERIES: &str = "queries.jsonl";

/// Parses one JSON line into `T`, with the file and line in the error.
fn parse_line<'a, T: serde::Deserialize<'a>>(
    path: &Path,
    number: u64,
    text: &'a str,
) -> Result<T, EvalError> {
    serde_json::from_str(text).map_err(|e| EvalError::malformed(path, Some(number), e.to_string()))
}

#[derive(serde::Deserialize)]
struct QueryLine {
    id: String,
}

#[derive(serde::Deserialize)]
struct TruthLine {
    query_id: String,
    query_offset: u64,
    query_length: u64,
    source_id: String,
    source_offset: u64,
    source_length: u64,
    obfuscation: Vec<String>,
}

/// The six span fields of a detection line; the same field names and order
/// are used for writing.
#[derive(serde::Deserialize, serde::Serialize)]
struct DetLine<'a> {
    #[serde(borrow)]
    query_id: std::borrow::Cow<'a, str>,
    query_offset: u64,
    query_length: u64,
    #[serde(borrow)]
    source_id: std::borrow::Cow<'a, str>,
    source_offset: u64,
    source_length: u64,
}

/// Reads the reuse-dev layout in `dir`.
pub(crate) fn read_jsonl_gold(dir: &Path) -> Result<Gold, EvalError> {
    let queries_path = dir.join(QUERIES);
    let mut queries = BTreeSet::new();
    for_each_line(&queries_path, |number, text| {
        let q: QueryLine = parse_line(&queries_path, number, text)?;
        if !queries.insert(q.id.clone()) {
            return Err(EvalError::malformed(
                &queries_path,
                Some(number),
                format!("query id {:?} appears twice", q.id),
            ));
        }
        Ok(())
    })?;

    let truth_path = dir.join(TRUTH);
    let mut cases = Vec::new();
    for_each_line(&truth_path, |number, text| {
        let t: TruthLine = parse_line(&truth_path, number, text)?;
        let line = Some(number);
        let Some(kind) = t.obfuscation.into_iter().next() else {
            return Err(EvalError::malformed(
                &truth_path,
                line,
                "obfuscation list is empty",
            ));
        };
        // A case in a query the query list does not know would make the
        // negative count wrong, so the inconsistency is an error.
        if !queries.contains(&t.query_id) {
            return Err(EvalError::malformed(
                &truth_path,
                line,
                format!("query id {:?} is not in {QUERIES}", t.query_id),
            ));
        }
        cases.push(Case {
            query: case_span(&truth_path, line, "query", t.query_offset, t.query_length)?,
            source: case_span(
                &truth_path,
                line,
                "source",
                t.source_offset,
                t.source_length,
            )?,
            query_id: t.query_id,
            source_id: t.source_id,
            obfuscation: kind,
        });
        Ok(())
    })?;
    cases.sort();
    Ok(Gold {
        cases,
        queries: queries.into_iter().collect(),
        layout: Layout::Jsonl,
        pan_pairs: Vec::new(),
        warnings: Vec::new(),
    })
}

/// Reads a JSON Lines detections file, in file order. Each non-blank line
/// must be an object with `query_id`, `query_offset`, `query_length`,
/// `source_id`, `source_offset` and `source_length`; other fields are ignored.
pub fn read_jsonl_detections(path: &Path) -> Result<Vec<Det>, EvalError> {
    let mut dets = Vec::new();
    for_each_line(path, |number, text| {
        let d: DetLine<'_> = parse_line(path, number, text)?;
        let line = Some(number);
        dets.push(Det {
            query: checked_span(path, line, "query", d.query_offset, d.query_length)?,
            source: checked_span(path, line, "source", d.source_offset, d.source_length)?,
            query_id: d.query_id.into_owned(),
            source_id: d.source_id.into_owned(),
        });
        Ok(())
    })?;
    Ok(dets)
}

/// Writes detections as JSON Lines, one object with the six span fields per
/// detection, in the order given.
pub fn write_jsonl_detections(w: &mut impl Write, dets: &[Det]) -> std::io::Result<()> {
    for d in dets {
        let line = DetLine {
            query_id: d.query_id.as_str().into(),
            query_offset: d.query.offset,
            query_length: d.query.length,
            source_id: d.source_id.as_str().into(),
            source_offset: d.source.offset,
            source_length: d.source.length,
        };
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Span, evaluate, read_gold, testdata};
    use std::collections::BTreeMap;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("write test file");
    }

    #[test]
    fn reads_the_real_reuse_dev_gold() {
        let dir = testdata::reuse_dev();
        let gold = read_gold(&dir).expect("reuse-dev gold");
        assert_eq!(gold.layout, Layout::Jsonl);
        assert_eq!(gold.cases.len(), 1331);
        assert_eq!(gold.queries.len(), 600);
        assert!(gold.pan_pairs.is_empty());
        let positive: BTreeSet<&str> = gold.cases.iter().map(|c| c.query_id.as_str()).collect();
        assert_eq!(gold.queries.len() - positive.len(), 120);
        let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &gold.cases {
            *by_type.entry(c.obfuscation.as_str()).or_default() += 1;
        }
        let want = [
            ("mixed", 345),
            ("none", 99),
            ("ocr", 89),
            ("paraphrase", 84),
            ("random", 137),
            ("reorder", 45),
            ("restructure", 109),
            ("spin", 83),
            ("syndication", 36),
            ("synonym", 304),
        ];
        assert_eq!(by_type, want.into_iter().collect::<BTreeMap<_, _>>());
    }

    #[test]
    fn the_truth_scored_as_detections_is_perfect() {
        let dir = testdata::reuse_dev();
        let gold = read_gold(&dir).expect("reuse-dev gold");
        let dets = read_jsonl_detections(&dir.join(TRUTH)).expect("truth as detections");
        assert_eq!(dets.len(), 1331);
        let e = evaluate(&gold, &dets);
        assert_eq!(e.macro_.plagdet, 1.0);
        assert_eq!(e.micro.plagdet, 1.0);
        assert_eq!(e.macro_.granularity, 1.0);
        assert_eq!(e.macro_.detected_cases, 1331);
        assert_eq!((e.case_level.precision, e.case_level.recall), (1.0, 1.0));
        assert_eq!(
            (e.document_level.precision, e.document_level.recall),
            (1.0, 1.0)
        );
        assert_eq!(e.source_attribution, 1.0);
        assert_eq!(e.negatives.queries, 120);
        assert_eq!(e.negatives.with_detections, 0);
        assert_eq!(e.by_obfuscation.len(), 10);
        assert!(e.by_obfuscation.values().all(|m| m.plagdet == 1.0));
        assert_eq!(e.by_obfuscation["synonym"].cases, 304);
    }

    #[test]
    fn detections_round_trip_through_jsonl() {
        let dets = vec![
            Det {
                query_id: "q \"1\"".into(),
                source_id: "s1".into(),
                query: Span::new(3, 4),
                source: Span::new(0, 0),
            },
            Det {
                query_id: "q2".into(),
                source_id: "sé".into(),
                query: Span::new(u64::MAX - 1, 1),
                source: Span::new(7, 9),
            },
        ];
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("dets.jsonl");
        let mut buf = Vec::new();
        write_jsonl_detections(&mut buf, &dets).expect("write");
        let text = String::from_utf8(buf).expect("utf-8");
        assert!(text.starts_with(
            "{\"query_id\":\"q \\\"1\\\"\",\"query_offset\":3,\"query_length\":4,\"source_id\":\"s1\","
        ));
        assert_eq!(text.lines().count(), 2);
        // Blank lines and extra fields are fine.
        let with_extras = text.replace("}\n{", ",\"score\":0.5}\n\n{");
        write(tmp.path(), "dets.jsonl", &format!("\n{with_extras}\n"));
        assert_eq!(read_jsonl_detections(&path).expect("read"), dets);
    }

    #[test]
    fn malformed_detections_name_file_and_line() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("dets.jsonl");
        let good = r#"{"query_id":"q","query_offset":0,"query_length":1,"source_id":"s","source_offset":0,"source_length":1}"#;
        let cases = [
            (
                r#"{"query_id":"q","query_offset":0,"query_length":1,"source_id":"s","source_offset":0}"#,
                "source_length",
            ),
            (
                r#"{"query_id":"q","query_offset":-1,"query_length":1,"source_id":"s","source_offset":0,"source_length":1}"#,
                "invalid value",
            ),
            ("not json", "expected"),
            (
                r#"{"query_id":"q","query_offset":18446744073709551615,"query_length":1,"source_id":"s","source_offset":0,"source_length":1}"#,
                "overflows",
            ),
        ];
        for (bad, needle) in cases {
            write(
                tmp.path(),
                "dets.jsonl",
                &format!("{good}\n\n{bad}\n{good}\n"),
            );
            let err = read_jsonl_detections(&path).expect_err("must fail");
            let msg = err.to_string();
            assert!(
                matches!(err, EvalError::Malformed { line: Some(3), .. }),
                "{msg}"
            );
            assert!(msg.contains("dets.jsonl, line 3"), "{msg}");
            assert!(msg.contains(needle), "{msg}");
        }
        std::fs::write(&path, b"\xff\xfe\n").expect("write");
        let msg = read_jsonl_detections(&path)
            .expect_err("bad utf-8")
            .to_string();
        assert!(msg.contains("line 1: not valid utf-8"), "{msg}");
        let missing = tmp.path().join("absent.jsonl");
        let err = read_jsonl_detections(&missing).expect_err("missing file");
        assert!(matches!(err, EvalError::Io { .. }));
        assert!(err.to_string().contains("absent.jsonl"));
    }

    fn tiny_jsonl_gold(dir: &Path, truth: &str) {
        write(
            dir,
            QUERIES,
            "{\"id\":\"q2\",\"text\":\"...\"}\n{\"id\":\"q1\",\"text\":\"...\"}\n{\"id\":\"n1\"}\n",
        );
        write(dir, "sources.jsonl", "{\"id\":\"s1\",\"text\":\"...\"}\n");
        write(dir, TRUTH, truth);
    }

    #[test]
    fn reads_a_small_jsonl_gold() {
        let tmp = tempfile::tempdir().expect("tempdir");
        tiny_jsonl_gold(
            tmp.path(),
            concat!(
                "{\"query_id\":\"q2\",\"query_offset\":5,\"query_length\":3,\"source_id\":\"s1\",",
                "\"source_offset\":1,\"source_length\":2,\"obfuscation\":[\"restructure\",\"split\"]}\n",
                "\n",
                "{\"query_id\":\"q1\",\"query_offset\":0,\"query_length\":3,\"source_id\":\"s1\",",
                "\"source_offset\":1,\"source_length\":2,\"obfuscation\":[\"none\"]}\n",
            ),
        );
        let gold = read_gold(tmp.path()).expect("gold");
        assert_eq!(gold.queries, vec!["n1", "q1", "q2"]);
        assert_eq!(gold.cases.len(), 2);
        assert_eq!(gold.cases[0].query_id, "q1");
        assert_eq!(gold.cases[1].obfuscation, "restructure");
        assert_eq!(gold.cases[1].query, Span::new(5, 3));
    }

    #[test]
    fn inconsistent_jsonl_gold_is_refused() {
        let line = |q: &str, ql: u64, obf: &str| {
            format!(
                "{{\"query_id\":\"{q}\",\"query_offset\":0,\"query_length\":{ql},\"source_id\":\"s1\",\"source_offset\":0,\"source_length\":4,\"obfuscation\":{obf}}}\n"
            )
        };
        let bad = [
            (
                line("q9", 3, "[\"none\"]"),
                "\"q9\" is not in queries.jsonl",
            ),
            (line("q1", 0, "[\"none\"]"), "query span of a case is empty"),
            (line("q1", 3, "[]"), "obfuscation list is empty"),
            (line("q1", 3, "\"none\""), "expected a sequence"),
        ];
        for (truth, needle) in bad {
            let tmp = tempfile::tempdir().expect("tempdir");
            tiny_jsonl_gold(
                tmp.path(),
                &format!("{}{truth}", line("q1", 3, "[\"none\"]")),
            );
            let msg = read_gold(tmp.path()).expect_err("must fail").to_string();
            assert!(msg.contains("truth.jsonl, line 2"), "{msg}");
            assert!(msg.contains(needle), "{msg}");
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        tiny_jsonl_gold(tmp.path(), "");
        write(tmp.path(), QUERIES, "{\"id\":\"q1\"}\n{\"id\":\"q1\"}\n");
        let msg = read_gold(tmp.path()).expect_err("duplicate").to_string();
        assert!(msg.contains("queries.jsonl, line 2"), "{msg}");
    }

    #[test]
    fn unknown_layout_is_a_clear_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = read_gold(tmp.path()).expect_err("empty dir");
        assert!(matches!(err, EvalError::UnknownLayout { .. }));
        assert!(err.to_string().contains("truth.jsonl"));
        let err = read_gold(&tmp.path().join("nope")).expect_err("missing dir");
        assert!(matches!(err, EvalError::Io { .. }));
    }
}
