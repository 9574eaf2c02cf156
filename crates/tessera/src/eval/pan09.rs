//! The PAN external plagiarism detection layout of the PAN 2009–2011
//! corpora (PAN-PC-09, PAN-PC-10, PAN-PC-11).
//!
//! A corpus directory holds
//!
//! * `source-documents/` ([`PAN09_SRC_DIR`]): the source texts, directly or
//!   in `part*` subfolders (`source-document00042.txt`);
//! * `suspicious-documents/` ([`PAN09_SUSP_DIR`]): the suspicious texts
//!   (the queries), likewise, each with its truth beside it: an XML file of
//!   the same stem holding `<document reference="suspicious-document00001.txt">`
//!   and one `<feature name="plagiarism" ... this_offset this_length
//!   source_reference source_offset source_length />` per case.
//!
//! There is no list of pairs: finding the sources is part of the task, so
//! tessera indexes the sources and traces every suspicious document. Every
//! suspicious text is a query, with or without cases. A case's obfuscation
//! type is its `obfuscation` attribute, else its `type`, else the feature
//! name (PAN-PC-09 names cases `artificial-plagiarism`). Features without a
//! `source_reference` (the intrinsic cases of these corpora, which no
//! external detector can find) are left out and counted in a warning.
//! Query and source ids are file names (`suspicious-document00001.txt`), as
//! the references in the XML files write them.
//!
//! Detections are written as one XML file per suspicious document,
//! `suspicious-document00001.xml`, the form PAN's evaluator reads.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quick_xml::escape::escape;

use crate::eval::xml::{read_features, sorted_entries};
use crate::eval::{Case, Det, EvalError, Gold, Layout};

/// Subdirectory of a PAN 2009–2011 corpus holding the source documents.
pub const PAN09_SRC_DIR: &str = "source-documents";
/// Subdirectory of a PAN 2009–2011 corpus holding the suspicious documents.
pub const PAN09_SUSP_DIR: &str = "suspicious-documents";

/// Feature names of cases in the PAN 2009–2011 corpora.
const CASE_FEATURES: [&str; 4] = [
    "plagiarism",
    "artificial-plagiarism",
    "simulated-plagiarism",
    "translated-plagiarism",
];

/// Whether `dir` looks like a PAN 2009–2011 corpus.
pub(crate) fn is_pan09(dir: &Path) -> bool {
    dir.join(PAN09_SRC_DIR).is_dir() && dir.join(PAN09_SUSP_DIR).is_dir()
}

/// The `.txt` files of `sub` (directly or one level of `part*` folders
/// down), as (file name, path), sorted by name. Two files of one name are
/// refused: ids are file names.
pub fn documents(dir: &Path, sub: &str) -> Result<Vec<(String, PathBuf)>, EvalError> {
    let root = dir.join(sub);
    let mut out: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut add = |p: PathBuf| -> Result<(), EvalError> {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(first) = out.insert(name.clone(), p.clone()) {
            return Err(EvalError::malformed(
                &p,
                None,
                format!("{name} also stands at {}", first.display()),
            ));
        }
        Ok(())
    };
    for entry in sorted_entries(&root, |_| true)? {
        if entry.is_dir() {
            for p in sorted_entries(&entry, is_txt)? {
                add(p)?;
            }
        } else if is_txt(&entry) {
            add(entry)?;
        }
    }
    Ok(out.into_iter().collect())
}

fn is_txt(p: &Path) -> bool {
    p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// Reads the PAN 2009–2011 corpus in `dir`.
pub(crate) fn read_pan09_gold(dir: &Path) -> Result<Gold, EvalError> {
    let suspicious = documents(dir, PAN09_SUSP_DIR)?;
    if suspicious.is_empty() {
        return Err(EvalError::malformed(
            &dir.join(PAN09_SUSP_DIR),
            None,
            "no suspicious-document .txt files",
        ));
    }
    let queries: BTreeSet<String> = suspicious.iter().map(|(n, _)| n.clone()).collect();
    let mut cases = Vec::new();
    let mut warnings = Vec::new();
    let mut intrinsic = 0u64;
    let mut missing_truth = 0u64;
    for (name, path) in &suspicious {
        let truth = path.with_extension("xml");
        if !truth.is_file() {
            missing_truth += 1;
            continue;
        }
        for f in read_features(&truth, &mut warnings)? {
            if !f.name().is_some_and(|n| CASE_FEATURES.contains(&n)) {
                continue;
            }
            if f.non_empty("source_reference").is_none() {
                intrinsic += 1;
                continue;
            }
            if f.document != *name {
                warnings.push(format!(
                    "{}, line {}: the document reference {:?} is not the file's own name {name:?}; the case is read for {:?}",
                    truth.display(),
                    f.line,
                    f.document,
                    f.document
                ));
            }
            let obfuscation = f
                .non_empty("obfuscation")
                .or_else(|| f.non_empty("type"))
                .or_else(|| f.name())
                .unwrap_or("plagiarism")
                .to_owned();
            let (query, source) = f.spans(&truth, true)?;
            cases.push(Case {
                source_id: f.require(&truth, "source_reference")?.to_owned(),
                query,
                source,
                obfuscation,
                query_id: f.document.clone(),
            });
        }
    }
    if intrinsic > 0 {
        warnings.push(format!(
            "{intrinsic} cases without a source_reference (intrinsic plagiarism) were left out: an external detector cannot find them"
        ));
    }
    if missing_truth > 0 {
        warnings.push(format!(
            "{missing_truth} suspicious documents have no XML truth file beside them; they count as holding no case"
        ));
    }
    cases.sort();
    Ok(Gold {
        cases,
        queries: queries.into_iter().collect(),
        layout: Layout::Pan09,
        pan_pairs: Vec::new(),
        warnings,
    })
}

/// Writes detections in the PAN 2009–2011 form: one file per suspicious
/// document, `{stem}.xml` (the name without `.txt`), holding
/// `<document reference="{query}">` and one `detected-plagiarism` feature
/// per detection, in the order given. Creates `dir` if needed.
pub fn write_pan09_detections(dir: &Path, dets: &[Det]) -> Result<(), EvalError> {
    let mut files: BTreeMap<&str, Vec<&Det>> = BTreeMap::new();
    for d in dets {
        files.entry(d.query_id.as_str()).or_default().push(d);
    }
    std::fs::create_dir_all(dir).map_err(|e| EvalError::io(dir, e))?;
    for (query, dets) in files {
        let stem = query.strip_suffix(".txt").unwrap_or(query);
        if stem.is_empty() || stem == "." || stem == ".." || stem.contains(['/', '\\', '\0']) {
            return Err(EvalError::malformed(
                dir,
                None,
                format!("query id {query:?} cannot be used in a file name"),
            ));
        }
        let mut xml = String::new();
        // Writing into a String cannot fail.
        let _ = writeln!(xml, "<document reference=\"{}\">", escape(query));
        for d in dets {
            let _ = writeln!(
                xml,
                "<feature name=\"detected-plagiarism\" this_offset=\"{}\" this_length=\"{}\" source_reference=\"{}\" source_offset=\"{}\" source_length=\"{}\" />",
                d.query.offset,
                d.query.length,
                escape(d.source_id.as_str()),
                d.source.offset,
                d.source.length
            );
        }
        xml.push_str("</document>\n");
        let path = dir.join(format!("{stem}.xml"));
        std::fs::write(&path, xml).map_err(|e| EvalError::io(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Span, evaluate, read_gold, read_pan_detections};

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create test dir");
        }
        std::fs::write(path, text).expect("write test file");
    }

    /// A tiny corpus in the PAN 2009–2011 layout: two parts, one case with
    /// a source, one intrinsic case, a misspelt feature, a negative query.
    fn corpus(root: &Path) {
        write(
            &root.join("source-documents/part1/source-document00001.txt"),
            "the source text",
        );
        write(
            &root.join("source-documents/part2/source-document00002.txt"),
            "another source",
        );
        write(
            &root.join("suspicious-documents/part1/suspicious-document00001.txt"),
            "a suspicious text",
        );
        write(
            &root.join("suspicious-documents/part1/suspicious-document00001.xml"),
            r#"<?xml version="1.0" encoding="UTF-8"?>
<document reference="suspicious-document00001.txt">
<feature name="language" value="en" />
<feature name="artificial-plagiarism" obfuscation="high" this_offset="2" this_length="10" source_reference="source-document00001.txt" source_offset="0" source_length="10" />
<feature name="artificial-plagiarism" this_offset="12" this_length="5" />
<featur name="plagiarism" this_offset="0" this_length="2" source_reference="source-document00002.txt" source_offset="0" source_length="2" />
<feature name="plagarism" this_offset="0" this_length="2" source_reference="source-document00002.txt" source_offset="0" source_length="2" />
</document>
"#,
        );
        write(
            &root.join("suspicious-documents/part2/suspicious-document00002.txt"),
            "an original text",
        );
        write(
            &root.join("suspicious-documents/part2/suspicious-document00002.xml"),
            "<document reference=\"suspicious-document00002.txt\">\n</document>\n",
        );
    }

    #[test]
    fn reads_the_layout_with_warnings_for_what_it_leaves_out() {
        let tmp = tempfile::tempdir().expect("tempdir");
        corpus(tmp.path());
        let gold = read_gold(tmp.path()).expect("gold");
        assert_eq!(gold.layout, Layout::Pan09);
        assert_eq!(
            gold.queries,
            [
                "suspicious-document00001.txt",
                "suspicious-document00002.txt"
            ]
        );
        assert_eq!(gold.cases.len(), 1);
        let c = &gold.cases[0];
        assert_eq!(c.obfuscation, "high");
        assert_eq!(c.source_id, "source-document00001.txt");
        assert_eq!((c.query, c.source), (Span::new(2, 10), Span::new(0, 10)));
        let w = gold.warnings.join("\n");
        assert!(w.contains("line 6") && w.contains("<featur>"), "{w}");
        assert!(w.contains("line 7") && w.contains("plagarism"), "{w}");
        assert!(w.contains("1 cases without a source_reference"), "{w}");
        let sources = documents(tmp.path(), PAN09_SRC_DIR).expect("sources");
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[1].0, "source-document00002.txt");
    }

    #[test]
    fn detections_round_trip_and_score() {
        let tmp = tempfile::tempdir().expect("tempdir");
        corpus(tmp.path());
        let gold = read_gold(tmp.path()).expect("gold");
        let dets = vec![Det {
            query_id: "suspicious-document00001.txt".into(),
            source_id: "source-document00001.txt".into(),
            query: Span::new(2, 10),
            source: Span::new(0, 10),
        }];
        let out = tmp.path().join("detections");
        write_pan09_detections(&out, &dets).expect("write");
        assert!(out.join("suspicious-document00001.xml").is_file());
        let back = read_pan_detections(&out).expect("read back");
        assert_eq!(back, dets);
        assert_eq!(evaluate(&gold, &back).macro_.plagdet, 1.0);
    }
}
