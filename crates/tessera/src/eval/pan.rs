//! The PAN text-alignment layout (PAN 2012–2015 corpora, e.g. the PAN 2013
//! text-alignment training corpus).
//!
//! A corpus directory holds
//!
//! * `pairs`: one `suspicious-document.txt source-document.txt` pair per line;
//!   the suspicious documents named there are the queries;
//! * `susp/` and `src/` ([`PAN_SUSP_DIR`], [`PAN_SRC_DIR`]): the texts;
//! * one or more other subdirectories (`01-no-plagiarism`,
//!   `02-no-obfuscation`, `03-random-obfuscation`, ...) holding XML truth
//!   files, one `<document reference="suspicious-...txt">` element each, with
//!   one `<feature name="plagiarism" this_offset=.. this_length=..
//!   source_reference=.. source_offset=.. source_length=.. />` per case.
//!
//! Features of any other name are ignored. The obfuscation type of a case is
//! its `obfuscation` attribute, else its `type` attribute, else the name of
//! its subdirectory without the numeric prefix (`03-random-obfuscation` →
//! `random-obfuscation`). A query id is a suspicious-document name and a
//! source id a source-document name, both as written (with `.txt`).
//!
//! Detections are a directory of XML files of the same form whose features
//! are named `detected-plagiarism` (features of other names are ignored, as
//! PAN's evaluation does); every `*.xml` file directly in the directory is
//! read, whatever its name. Every problem is reported with the file and, for
//! XML content, the 1-based line number.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use quick_xml::escape::escape;

use crate::eval::lines::for_each_line;
use crate::eval::xml::{is_xml_file, read_features, sorted_entries};
use crate::eval::{Case, Det, EvalError, Gold, Layout};

/// Subdirectory of a PAN corpus holding the suspicious (query) documents.
pub const PAN_SUSP_DIR: &str = "susp";
/// Subdirectory of a PAN corpus holding the source documents.
pub const PAN_SRC_DIR: &str = "src";

/// The pair list of a PAN corpus.
pub(crate) const PAIRS: &str = "pairs";
/// Feature name of a truth case.
const TRUTH_FEATURE: &str = "plagiarism";
/// Feature name of a detection.
const DETECTION_FEATURE: &str = "detected-plagiarism";

/// The obfuscation type a truth subdirectory stands for: its name without a
/// numeric prefix (`02-no-obfuscation` → `no-obfuscation`).
fn kind_of_dir(name: &str) -> &str {
    let rest = name.trim_start_matches(|c: char| c.is_ascii_digit());
    if rest.len() == name.len() {
        return name;
    }
    match rest.strip_prefix(['-', '_']).unwrap_or(rest) {
        "" => name,
        kind => kind,
    }
}

/// Reads the `pairs` file: sorted, unique `(suspicious, source)` names.
fn read_pairs(path: &Path) -> Result<Vec<(String, String)>, EvalError> {
    let mut pairs = BTreeSet::new();
    for_each_line(path, |number, text| {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let &[susp, src] = fields.as_slice() else {
            return Err(EvalError::malformed(
                path,
                Some(number),
                format!("expected two document names, found {} fields", fields.len()),
            ));
        };
        pairs.insert((susp.to_owned(), src.to_owned()));
        Ok(())
    })?;
    Ok(pairs.into_iter().collect())
}

/// Reads the PAN text-alignment corpus in `dir`.
pub(crate) fn read_pan_gold(dir: &Path) -> Result<Gold, EvalError> {
    let pairs = read_pairs(&dir.join(PAIRS))?;
    let queries: BTreeSet<String> = pairs.iter().map(|(susp, _)| susp.clone()).collect();
    let truth_dirs = sorted_entries(dir, |p| {
        p.is_dir()
            && p.file_name()
                .is_some_and(|n| n != PAN_SUSP_DIR && n != PAN_SRC_DIR)
    })?;
    let mut cases = Vec::new();
    let mut warnings = Vec::new();
    let mut truth_files = 0usize;
    for truth_dir in &truth_dirs {
        let dir_name = truth_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir_kind = kind_of_dir(&dir_name);
        for file in sorted_entries(truth_dir, is_xml_file)? {
            truth_files += 1;
            for f in read_features(&file, &mut warnings)? {
                if f.name() != Some(TRUTH_FEATURE) {
                    continue;
                }
                let line = Some(f.line);
                // Same rule as the JSON Lines layout: a case must sit in a
                // known query or the negatives would be miscounted.
                if !queries.contains(&f.document) {
                    return Err(EvalError::malformed(
                        &file,
                        line,
                        format!(
                            "suspicious document {:?} is not listed in pairs",
                            f.document
                        ),
                    ));
                }
                let kind = f
                    .non_empty("obfuscation")
                    .or_else(|| f.non_empty("type"))
                    .unwrap_or(dir_kind)
                    .to_owned();
                let (query, source) = f.spans(&file, true)?;
                cases.push(Case {
                    source_id: f.require(&file, "source_reference")?.to_owned(),
                    query,
                    source,
                    obfuscation: kind,
                    query_id: f.document,
                });
            }
        }
    }
    // Without a single truth file this is a bare corpus, not a gold standard.
    if truth_files == 0 {
        return Err(EvalError::malformed(
            dir,
            None,
            "no xml truth files in any subdirectory besides susp/ and src/",
        ));
    }
    cases.sort();
    Ok(Gold {
        cases,
        queries: queries.into_iter().collect(),
        layout: Layout::Pan,
        pan_pairs: pairs,
        warnings,
    })
}

/// Reads every `*.xml` file directly in `dir` as PAN detections
/// (`detected-plagiarism` features), files in name order, features in
/// document order.
pub fn read_pan_detections(dir: &Path) -> Result<Vec<Det>, EvalError> {
    let mut dets = Vec::new();
    for file in sorted_entries(dir, is_xml_file)? {
        for f in read_features(&file, &mut Vec::new())? {
            if f.name() != Some(DETECTION_FEATURE) {
                continue;
            }
            let (query, source) = f.spans(&file, false)?;
            dets.push(Det {
                source_id: f.require(&file, "source_reference")?.to_owned(),
                query,
                source,
                query_id: f.document,
            });
        }
    }
    Ok(dets)
}

/// A document name without `.txt`, refused if it cannot be part of a file name.
fn stem<'a>(dir: &Path, what: &str, name: &'a str) -> Result<&'a str, EvalError> {
    let stem = name.strip_suffix(".txt").unwrap_or(name);
    let unsafe_name =
        stem.is_empty() || stem == "." || stem == ".." || stem.contains(['/', '\\', '\0']);
    if unsafe_name {
        return Err(EvalError::malformed(
            dir,
            None,
            format!("{what} id {name:?} cannot be used in a file name"),
        ));
    }
    Ok(stem)
}

/// Writes detections as PAN XML: one file `{query_stem}-{source_stem}.xml`
/// per (query, source) pair, where a stem is the name without `.txt`, holding
/// `<document reference="{query}">` and one `detected-plagiarism` feature per
/// detection, in the order given. Creates `dir` if needed; files already in it
/// are left alone (and would be read back by [`read_pan_detections`]). Should
/// two pairs map to the same file name (ids with dashes), that file gets one
/// `<document>` element per query, which [`read_pan_detections`] reads back.
pub fn write_pan_detections(dir: &Path, dets: &[Det]) -> Result<(), EvalError> {
    let mut files: BTreeMap<String, BTreeMap<&str, Vec<&Det>>> = BTreeMap::new();
    for d in dets {
        let name = format!(
            "{}-{}.xml",
            stem(dir, "query", &d.query_id)?,
            stem(dir, "source", &d.source_id)?
        );
        files
            .entry(name)
            .or_default()
            .entry(d.query_id.as_str())
            .or_default()
            .push(d);
    }
    std::fs::create_dir_all(dir).map_err(|e| EvalError::io(dir, e))?;
    for (name, documents) in files {
        let mut xml = String::new();
        for (query, dets) in documents {
            // Writing into a String cannot fail.
            let _ = writeln!(xml, "<document reference=\"{}\">", escape(query));
            for d in dets {
                let _ = writeln!(
                    xml,
                    "<feature name=\"{DETECTION_FEATURE}\" this_offset=\"{}\" this_length=\"{}\" source_reference=\"{}\" source_offset=\"{}\" source_length=\"{}\" />",
                    d.query.offset,
                    d.query.length,
                    escape(d.source_id.as_str()),
                    d.source.offset,
                    d.source.length
                );
            }
            xml.push_str("</document>\n");
        }
        let path = dir.join(name);
        std::fs::write(&path, xml).map_err(|e| EvalError::io(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
// A scenario test reads best as one script from start to end.
#[allow(clippy::too_many_lines)]
mod tests {
    use super::*;
    use crate::eval::{Evaluation, Span, evaluate, testdata};
    use crate::eval::{read_gold, read_jsonl_detections, write_jsonl_detections};
    use std::fs;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create test dir");
        }
        fs::write(path, text).expect("write test file");
    }

    fn det(q: &str, s: &str, qs: (u64, u64), ss: (u64, u64)) -> Det {
        Det {
            query_id: q.into(),
            source_id: s.into(),
            query: Span::new(qs.0, qs.1),
            source: Span::new(ss.0, ss.1),
        }
    }

    /// A truth feature line; `extra` holds optional attributes.
    fn truth_feature(src: &str, q: (u64, u64), s: (u64, u64), extra: &str) -> String {
        format!(
            "<feature name=\"plagiarism\" {extra} source_language=\"en\" source_length=\"{}\" source_offset=\"{}\" source_reference=\"{src}\" this_language=\"en\" this_length=\"{}\" this_offset=\"{}\" />\n",
            s.1, s.0, q.1, q.0
        )
    }

    fn truth_file(susp: &str, features: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<document reference=\"{susp}\">\n{features}</document>\n"
        )
    }

    const S1: &str = "suspicious-document00001.txt";
    const S2: &str = "suspicious-document00002.txt";
    const S3: &str = "suspicious-document00003.txt";
    const R1: &str = "source-document00001.txt";
    const R2: &str = "source-document00002.txt";
    const R3: &str = "source-document00003.txt";

    /// A tiny corpus: S1 reuses R1 (no obfuscation) and R2 (random, typed by
    /// its directory only), S2 reuses R1 (type from the `type` attribute),
    /// S3 is a negative pair.
    fn tiny_corpus(root: &Path) {
        write(
            &root.join(PAIRS),
            &format!("{S1} {R1}\n{S1} {R2}\n\n{S2} {R1}\n{S3} {R3}\n{S1} {R1}\n"),
        );
        for name in [S1, S2, S3] {
            write(&root.join(PAN_SUSP_DIR).join(name), &"x".repeat(500));
        }
        for name in [R1, R2, R3] {
            write(&root.join(PAN_SRC_DIR).join(name), &"y".repeat(500));
        }
        let none = root.join("02-no-obfuscation");
        write(
            &none.join("suspicious-document00001-source-document00001.xml"),
            &truth_file(
                S1,
                &(truth_feature(
                    R1,
                    (10, 100),
                    (0, 100),
                    "obfuscation=\"none\" type=\"artificial\"",
                ) + "<feature name=\"about\" authors=\"someone\" />\n"),
            ),
        );
        write(
            &none.join("suspicious-document00002-source-document00001.xml"),
            &truth_file(
                S2,
                &truth_feature(R1, (0, 50), (300, 60), "type=\"translation\""),
            ),
        );
        write(&none.join("README.txt"), "not xml, not read");
        let random = root.join("03-random-obfuscation");
        write(
            &random.join("suspicious-document00001-source-document00002.xml"),
            &truth_file(
                S1,
                &(truth_feature(R2, (200, 80), (40, 90), "")
                    + &truth_feature(R2, (300, 20), (400, 20), "obfuscation=\"\"")),
            ),
        );
        write(
            &root
                .join("01-no-plagiarism")
                .join("suspicious-document00003-source-document00003.xml"),
            &format!("<document reference=\"{S3}\">\n</document>\n"),
        );
    }

    #[test]
    fn reads_a_tiny_pan_corpus() {
        let tmp = tempfile::tempdir().expect("tempdir");
        tiny_corpus(tmp.path());
        let gold = read_gold(tmp.path()).expect("pan gold");
        assert_eq!(gold.layout, Layout::Pan);
        assert_eq!(gold.queries, vec![S1, S2, S3]);
        assert_eq!(gold.pan_pairs.len(), 4);
        assert_eq!(gold.pan_pairs[0], (S1.to_string(), R1.to_string()));
        let got: Vec<(&str, &str, Span, Span, &str)> = gold
            .cases
            .iter()
            .map(|c| {
                (
                    c.query_id.as_str(),
                    c.source_id.as_str(),
                    c.query,
                    c.source,
                    c.obfuscation.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (S1, R1, Span::new(10, 100), Span::new(0, 100), "none"),
                (
                    S1,
                    R2,
                    Span::new(200, 80),
                    Span::new(40, 90),
                    "random-obfuscation"
                ),
                (
                    S1,
                    R2,
                    Span::new(300, 20),
                    Span::new(400, 20),
                    "random-obfuscation"
                ),
                (S2, R1, Span::new(0, 50), Span::new(300, 60), "translation"),
            ]
        );
    }

    #[test]
    fn pan_detections_round_trip() {
        let tmp = tempfile::tempdir().expect("tempdir");
        tiny_corpus(tmp.path());
        let gold = read_gold(tmp.path()).expect("pan gold");
        let dets = vec![
            det(S1, R1, (10, 100), (0, 100)),
            det(S1, R2, (200, 40), (40, 45)),
            det(S1, R2, (240, 40), (85, 45)),
            det(S1, R3, (300, 20), (400, 20)),
            det(S2, R1, (0, 60), (290, 80)),
            det(S3, R3, (0, 10), (0, 10)),
        ];
        let out = tmp.path().join("detections");
        write_pan_detections(&out, &dets).expect("write");
        let files = sorted_entries(&out, is_xml_file).expect("list");
        assert_eq!(files.len(), 5);
        let first = fs::read_to_string(&files[0]).expect("read");
        assert_eq!(
            files[0].file_name().and_then(|n| n.to_str()),
            Some("suspicious-document00001-source-document00001.xml")
        );
        assert_eq!(
            first,
            format!(
                "<document reference=\"{S1}\">\n<feature name=\"detected-plagiarism\" this_offset=\"10\" this_length=\"100\" source_reference=\"{R1}\" source_offset=\"0\" source_length=\"100\" />\n</document>\n"
            )
        );
        let mut back = read_pan_detections(&out).expect("read back");
        let mut want = dets.clone();
        back.sort();
        want.sort();
        assert_eq!(back, want);
        let e = evaluate(&gold, &dets);
        assert_eq!(evaluate(&gold, &back), e);
        assert_eq!(e.macro_.cases, 4);
        assert_eq!(e.macro_.detected_cases, 3);
        assert_eq!(e.negatives.ids_with_detections, vec![S3.to_string()]);
        assert_eq!(e.by_obfuscation["random-obfuscation"].detections, 2);
        assert_eq!(e.by_obfuscation["random-obfuscation"].granularity, 2.0);
        assert_eq!(e.source_attribution, 0.75);
    }

    #[test]
    fn colliding_file_names_keep_every_detection() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dets = vec![
            det("a-b", "c", (0, 1), (0, 1)),
            det("a", "b-c", (2, 3), (4, 5)),
        ];
        write_pan_detections(tmp.path(), &dets).expect("write");
        assert_eq!(
            sorted_entries(tmp.path(), is_xml_file).expect("list").len(),
            1
        );
        let mut back = read_pan_detections(tmp.path()).expect("read");
        back.sort();
        let mut want = dets;
        want.sort();
        assert_eq!(back, want);
    }

    #[test]
    fn ids_that_cannot_name_files_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for bad in ["../x", ".txt", "a/b.txt", ".."] {
            let err = write_pan_detections(tmp.path(), &[det(bad, "s", (0, 1), (0, 1))])
                .expect_err("must refuse");
            assert!(
                err.to_string().contains("cannot be used in a file name"),
                "{err}"
            );
        }
    }

    #[test]
    fn xml_special_characters_are_escaped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dets = vec![det("q&\"<1>", "s'2", (0, 1), (0, 1))];
        write_pan_detections(tmp.path(), &dets).expect("write");
        assert_eq!(read_pan_detections(tmp.path()).expect("read"), dets);
    }

    #[test]
    fn malformed_pan_files_name_file_and_line() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let f = |q: &str| format!("<feature name=\"detected-plagiarism\" {q} />\n");
        let full = "this_offset=\"1\" this_length=\"2\" source_reference=\"s\" source_offset=\"3\" source_length=\"4\"";
        let bad = [
            (
                format!(
                    "<document reference=\"q\">\n{}{}</document>\n",
                    f(full),
                    f(&full.replace(" this_length=\"2\"", ""))
                ),
                "line 3: <feature> lacks the this_length attribute",
            ),
            (
                format!(
                    "<document reference=\"q\">\n\n{}</document>\n",
                    f(&full.replace("\"3\"", "\"-3\""))
                ),
                "line 3: attribute source_offset=\"-3\" is not a non-negative integer",
            ),
            (
                format!("{}<document reference=\"q\"/>\n", f(full)),
                "line 1: <feature> outside a <document> element",
            ),
            (
                "<document>\n</document>\n".to_string(),
                "line 1: <document> lacks the reference attribute",
            ),
            (
                format!("<document reference=\"q\">\n{}</documnt>\n", f(full)),
                "line 3: invalid xml",
            ),
            ("<other/>\n".to_string(), "no <document> element"),
        ];
        for (text, needle) in bad {
            let dir = tmp.path().join("d");
            let _ = fs::remove_dir_all(&dir);
            write(&dir.join("x.xml"), &text);
            let msg = read_pan_detections(&dir).expect_err(needle).to_string();
            assert!(msg.contains("x.xml"), "{msg}");
            assert!(msg.contains(needle), "want {needle:?} in {msg}");
        }
        let err = read_pan_detections(&tmp.path().join("absent")).expect_err("missing dir");
        assert!(matches!(err, EvalError::Io { .. }));
    }

    #[test]
    fn malformed_pan_gold_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        tiny_corpus(tmp.path());
        write(&tmp.path().join(PAIRS), &format!("{S1} {R1}\n{S2}\n"));
        let msg = read_gold(tmp.path()).expect_err("bad pairs").to_string();
        assert!(
            msg.contains("pairs, line 2: expected two document names"),
            "{msg}"
        );

        write(
            &tmp.path().join(PAIRS),
            &format!("{S1} {R1}\n{S1} {R2}\n{S3} {R3}\n"),
        );
        let msg = read_gold(tmp.path())
            .expect_err("unlisted query")
            .to_string();
        assert!(msg.contains("is not listed in pairs"), "{msg}");
        assert!(
            msg.contains("suspicious-document00002-source-document00001.xml, line 3"),
            "{msg}"
        );

        let bare = tempfile::tempdir().expect("tempdir");
        write(&bare.path().join(PAIRS), &format!("{S1} {R1}\n"));
        write(&bare.path().join(PAN_SUSP_DIR).join(S1), "x");
        let msg = read_gold(bare.path()).expect_err("no truth").to_string();
        assert!(msg.contains("no xml truth files"), "{msg}");
    }

    #[test]
    fn directory_names_give_obfuscation_types() {
        assert_eq!(kind_of_dir("02-no-obfuscation"), "no-obfuscation");
        assert_eq!(kind_of_dir("05_summary-obfuscation"), "summary-obfuscation");
        assert_eq!(kind_of_dir("random"), "random");
        assert_eq!(kind_of_dir("2013"), "2013");
        assert_eq!(kind_of_dir("-x"), "-x");
    }

    /// Deterministic, varied detections for a set of cases: exact, shifted,
    /// split, wrong source, missed; plus false alarms in some negatives.
    fn perturbed(cases: &[Case], negatives: &[String], other_source: &str) -> Vec<Det> {
        let mut dets = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            let d = Det {
                query_id: c.query_id.clone(),
                source_id: c.source_id.clone(),
                query: c.query,
                source: c.source,
            };
            match i % 5 {
                0 => dets.push(d),
                1 => dets.push(Det {
                    query: Span::new(c.query.offset + 10, c.query.length.saturating_sub(5)),
                    source: Span::new(c.source.offset.saturating_sub(7), c.source.length + 30),
                    ..d
                }),
                2 => {
                    let (qh, sh) = (c.query.length / 2, c.source.length / 2);
                    dets.push(Det {
                        query: Span::new(c.query.offset, qh),
                        source: Span::new(c.source.offset, sh),
                        ..d.clone()
                    });
                    dets.push(Det {
                        query: Span::new(c.query.offset + qh, c.query.length - qh),
                        source: Span::new(c.source.offset + sh, c.source.length - sh),
                        ..d
                    });
                }
                3 => dets.push(Det {
                    source_id: other_source.to_owned(),
                    ..d
                }),
                _ => {}
            }
        }
        for q in negatives.iter().step_by(3) {
            dets.push(det(q, other_source, (5, 120), (0, 100)));
        }
        dets
    }

    /// JSON string of `text` for hand-written JSON lines.
    fn json(text: &str) -> String {
        serde_json::to_string(text).expect("string to json")
    }

    #[test]
    fn reuse_dev_slice_scores_the_same_in_both_layouts() {
        let full = read_gold(&testdata::reuse_dev()).expect("reuse-dev gold");
        // The first 60 queries in id order: positives and negatives alike.
        let queries: Vec<String> = full.queries.iter().take(60).cloned().collect();
        let keep: BTreeSet<&str> = queries.iter().map(String::as_str).collect();
        let cases: Vec<Case> = full
            .cases
            .iter()
            .filter(|c| keep.contains(c.query_id.as_str()))
            .cloned()
            .collect();
        let positive: BTreeSet<&str> = cases.iter().map(|c| c.query_id.as_str()).collect();
        let negatives: Vec<String> = queries
            .iter()
            .filter(|q| !positive.contains(q.as_str()))
            .cloned()
            .collect();
        assert!(cases.len() > 50 && negatives.len() > 5, "slice too thin");
        let other_source = full.cases[full.cases.len() - 1].source_id.clone();
        let dets = perturbed(&cases, &negatives, &other_source);

        // JSON Lines layout.
        let tmp = tempfile::tempdir().expect("tempdir");
        let jsonl = tmp.path().join("jsonl");
        fs::create_dir_all(&jsonl).expect("mkdir");
        let mut truth = String::new();
        for c in &cases {
            let _ = writeln!(
                truth,
                "{{\"query_id\":{},\"query_offset\":{},\"query_length\":{},\"source_id\":{},\"source_offset\":{},\"source_length\":{},\"obfuscation\":[{}]}}",
                json(&c.query_id),
                c.query.offset,
                c.query.length,
                json(&c.source_id),
                c.source.offset,
                c.source.length,
                json(&c.obfuscation)
            );
        }
        write(&jsonl.join("truth.jsonl"), &truth);
        let query_lines: String = queries
            .iter()
            .map(|q| format!("{{\"id\":{},\"text\":\"\"}}\n", json(q)))
            .collect();
        write(&jsonl.join("queries.jsonl"), &query_lines);
        write(&jsonl.join("sources.jsonl"), "");
        let mut det_lines = Vec::new();
        write_jsonl_detections(&mut det_lines, &dets).expect("jsonl detections");
        let det_path = tmp.path().join("dets.jsonl");
        fs::write(&det_path, det_lines).expect("write detections");
        let jsonl_gold = read_gold(&jsonl).expect("jsonl slice");
        assert_eq!(jsonl_gold.cases, cases);
        let jsonl_eval = evaluate(
            &jsonl_gold,
            &read_jsonl_detections(&det_path).expect("dets"),
        );
        assert_eq!(jsonl_eval, evaluate(&jsonl_gold, &dets));

        // PAN layout: documents are named `{id}.txt`; each pair's truth file
        // goes to the directory of the type of its first case, and negative
        // queries get an empty truth file paired with some source.
        let pan = tmp.path().join("pan");
        let txt = |id: &str| format!("{id}.txt");
        let mut by_pair: BTreeMap<(&str, &str), Vec<&Case>> = BTreeMap::new();
        for c in &cases {
            by_pair
                .entry((c.query_id.as_str(), c.source_id.as_str()))
                .or_default()
                .push(c);
        }
        let mut pairs = String::new();
        for ((q, s), group) in &by_pair {
            let _ = writeln!(pairs, "{} {}", txt(q), txt(s));
            let features: String = group
                .iter()
                .map(|c| {
                    truth_feature(
                        &txt(s),
                        (c.query.offset, c.query.length),
                        (c.source.offset, c.source.length),
                        &format!("obfuscation=\"{}\" type=\"artificial\"", c.obfuscation),
                    )
                })
                .collect();
            let sub = format!("02-{}", group[0].obfuscation);
            write(
                &pan.join(sub).join(format!("{q}-{s}.xml")),
                &truth_file(&txt(q), &features),
            );
        }
        for q in &negatives {
            let _ = writeln!(pairs, "{} {}", txt(q), txt(&other_source));
            write(
                &pan.join("01-no-plagiarism")
                    .join(format!("{q}-{other_source}.xml")),
                &format!("<document reference=\"{}\">\n</document>\n", txt(q)),
            );
        }
        write(&pan.join(PAIRS), &pairs);
        fs::create_dir_all(pan.join(PAN_SUSP_DIR)).expect("mkdir susp");
        fs::create_dir_all(pan.join(PAN_SRC_DIR)).expect("mkdir src");
        let pan_dets: Vec<Det> = dets
            .iter()
            .map(|d| Det {
                query_id: txt(&d.query_id),
                source_id: txt(&d.source_id),
                ..d.clone()
            })
            .collect();
        let pan_det_dir = tmp.path().join("pan-detections");
        write_pan_detections(&pan_det_dir, &pan_dets).expect("pan detections");
        let pan_gold = read_gold(&pan).expect("pan slice");
        assert_eq!(pan_gold.cases.len(), cases.len());
        assert_eq!(pan_gold.queries.len(), queries.len());
        let pan_eval = evaluate(&pan_gold, &read_pan_detections(&pan_det_dir).expect("dets"));

        // Same figures; only the negative ids differ, by their `.txt`.
        let unsuffixed = Evaluation {
            negatives: crate::eval::Negatives {
                ids_with_detections: pan_eval
                    .negatives
                    .ids_with_detections
                    .iter()
                    .map(|q| q.trim_end_matches(".txt").to_owned())
                    .collect(),
                ..pan_eval.negatives.clone()
            },
            ..pan_eval.clone()
        };
        assert_eq!(unsuffixed, jsonl_eval);
        assert!(jsonl_eval.macro_.plagdet > 0.2 && jsonl_eval.macro_.plagdet < 0.9);
        assert!(jsonl_eval.negatives.with_detections > 0);
    }
}
