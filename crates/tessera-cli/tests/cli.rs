//! The `tessera` binary, driven the way a user drives it: real files in
//! temporary directories, real indexes on disk, real data from
//! `../shared/data` where a test needs a corpus.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;

mod common;
use common::{T, data_dir, stderr};

const WIRE: &str = "On the second and final day of his visit to Moscow, Kerry called for stepping up \
cooperation between the United States and Russia to thwart jihadist groups and revive the stalled Syria \
peace process, hours after at least 84 people were killed in an attack in Nice. Officials said the talks \
would continue next week in Geneva with experts from both sides.";

const SPUN: &str = "Kerry meets Putin\n\nThe weather was fine in Moscow on Friday. On the second and final day \
of his visit to Moscow, Kerry called for stepping up cooperation between the United States and Russian \
Federation to thwart jihadist groups and revive the stalled Syria peace process, hours after at least 84 \
people were killed in an attack in Nice. Nobody else commented on the matter at all.";

const DISTRACTOR: &str = "Shares of oil companies rose sharply on Tuesday after the cartel agreed to cut \
production by a million barrels a day, traders in London and New York said.";

fn corpus(t: &T) -> PathBuf {
    let lines = [
        serde_json::json!({"id": "afp-1", "text": WIRE, "title": "Kerry in Moscow", "outlet": "AFP", "date": "2016-07-15T14:00:00Z", "topics": ["diplomacy"]}),
        serde_json::json!({"id": "copy-2", "text": WIRE, "outlet": "Aggregator", "date": "2016-07-16"}),
        serde_json::json!({"id": "oil-3", "text": DISTRACTOR, "date": "1987-03-01"}),
    ];
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    t.write("corpus.jsonl", body)
}

#[test]
fn index_add_stats_delete_compact() {
    let t = T::new();
    let c = corpus(&t);
    t.write("txt/a.txt", "Alpha article text about gardens and flowers.");
    t.write("txt/sub/b.txt", "Beta article text about rivers and boats.");
    t.ok(&[
        "index",
        "add",
        c.to_str().expect("path"),
        "txt",
        "--index",
        "idx",
    ]);
    let s = t.json(&["index", "stats", "--index", "idx", "--json"]);
    assert_eq!(s["documents"], 5);
    assert_eq!(s["format_version"], 1);
    // Re-adding replaces by default: still five documents, one more generation.
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    let s = t.json(&["index", "stats", "--index", "idx", "--json"]);
    assert_eq!(s["documents"], 5);
    assert_eq!(s["deleted"], 3);
    // Deleting an unknown id deletes nothing and names the id.
    let out = t.run(&["index", "delete", "oil-3", "nope", "--index", "idx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
    t.ok(&["index", "delete", "oil-3", "sub/b.txt", "--index", "idx"]);
    t.ok(&["index", "compact", "--index", "idx"]);
    let s = t.json(&["index", "stats", "--index", "idx", "--json"]);
    assert_eq!(s["documents"], 3);
    assert_eq!(s["deleted"], 0);
    assert_eq!(s["segments"], 1);
    let text = t.ok(&["index", "stats", "--index", "idx"]);
    assert!(text.contains("3 live"), "{text}");
}

#[test]
fn duplicate_policy_reject_is_counted() {
    let t = T::new();
    let c = corpus(&t);
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    let out = t.run(&[
        "index",
        "add",
        c.to_str().expect("path"),
        "--index",
        "idx",
        "--on-duplicate",
        "reject",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["rejected_duplicates"], 3);
    assert_eq!(report["added"], 0);
    assert!(
        stderr(&out).contains("duplicate policy: reject"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn trace_reports_spun_passage_in_every_format() {
    let t = T::new();
    let c = corpus(&t);
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    t.write("article.txt", SPUN);

    let r = t.json(&["trace", "article.txt", "--index", "idx", "--format", "json"]);
    assert_eq!(r["query_id"], "article.txt");
    assert_eq!(r["query_title"], "Kerry meets Putin");
    let passages = r["passages"].as_array().expect("passages");
    assert_eq!(passages.len(), 1, "{r:#}");
    let p = &passages[0];
    // Both copies align equally well; the earlier one is the source.
    assert_eq!(p["source_id"], "afp-1");
    assert_eq!(p["earliest"]["source_id"], "afp-1");
    assert_eq!(p["alternatives"][0]["source_id"], "copy-2");
    assert_eq!(p["source_offset"], 0);
    let chars: Vec<char> = SPUN.chars().collect();
    let q0 = p["query_offset"].as_u64().expect("offset") as usize;
    let ql = p["query_length"].as_u64().expect("length") as usize;
    let quoted: String = chars[q0..q0 + ql].iter().collect();
    assert!(
        quoted.starts_with("On the second and final day"),
        "{quoted}"
    );
    assert!(quoted.ends_with("an attack in Nice."), "{quoted}");
    let edits = p["edits"].as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["op"], "sub");
    assert_eq!(edits[0]["source"], "Russia");
    assert_eq!(edits[0]["query"], "Russian Federation");
    let eo = edits[0]["query_offset"].as_u64().expect("edit offset") as usize;
    assert_eq!(
        chars[eo..eo + 18].iter().collect::<String>(),
        "Russian Federation"
    );
    assert_eq!(r["substitutions"][0]["count"], 1);
    assert!(r["coverage"].as_f64().expect("coverage") > 0.5);
    assert!(!r["original"].as_array().expect("original").is_empty());

    let lines = t.ok(&[
        "trace",
        "article.txt",
        "--index",
        "idx",
        "--format",
        "jsonl",
    ]);
    let first = lines.lines().next().expect("a detection");
    assert!(
        first.starts_with(r#"{"query_id":"article.txt","query_offset":"#),
        "the six truth fields come first: {first}"
    );

    let text = t.ok(&["trace", "article.txt", "--index", "idx"]);
    assert!(text.contains("Russia -> Russian Federation"), "{text}");
    // Not a terminal, so no colour: the edit is marked in both columns.
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(
        text.contains("[Russian") && text.contains("[Russia]"),
        "{text}"
    );
    let coloured = t.ok(&[
        "trace",
        "article.txt",
        "--index",
        "idx",
        "--color",
        "always",
    ]);
    assert!(
        coloured.contains('\u{1b}') && !coloured.contains("[Russia]"),
        "{coloured}"
    );
    assert!(text.contains("also in: copy-2"), "{text}");
    assert!(text.contains("Original remainder"), "{text}");

    t.ok(&[
        "trace",
        "article.txt",
        "--index",
        "idx",
        "--format",
        "pan",
        "--out",
        "pan",
    ]);
    let xml = std::fs::read_to_string(t.path("pan/article-afp-1.xml")).expect("pan xml");
    assert!(xml.contains(r#"name="detected-plagiarism""#), "{xml}");
}

#[test]
fn original_articles_get_no_passages() {
    let t = T::new();
    let c = corpus(&t);
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    t.write(
        "own.txt",
        "A local council approved a new bicycle lane along the river on Monday, after residents \
         complained for years about traffic on the old bridge and the lack of safe crossings.",
    );
    let r = t.json(&["trace", "own.txt", "--index", "idx", "--format", "json"]);
    assert_eq!(r["passages"].as_array().map(Vec::len), Some(0));
    assert_eq!(r["original_share"], 1.0);
}

#[test]
fn trace_by_id_jsonl_and_stdin() {
    let t = T::new();
    let c = corpus(&t);
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    // An indexed document is not its own source, and is traced with its
    // own date: the aggregator's copy, a day later, is a later copy of the
    // wire story, and the wire story the aggregator's source.
    let r = t.json(&[
        "trace", "--id", "afp-1", "--index", "idx", "--format", "json",
    ]);
    assert_eq!(r["passages"].as_array().map(Vec::len), Some(0));
    assert_eq!(r["later_copies"][0]["source_id"], "copy-2");
    let r = t.json(&[
        "trace", "--id", "copy-2", "--index", "idx", "--format", "json",
    ]);
    let sources: Vec<&str> = r["passages"]
        .as_array()
        .expect("passages")
        .iter()
        .map(|p| p["source_id"].as_str().expect("id"))
        .collect();
    assert_eq!(sources, vec!["afp-1"]);
    // Every article of a JSON Lines file, ids as query ids, in input order.
    let q = t.write(
        "queries.jsonl",
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "q-b", "text": SPUN}),
            serde_json::json!({"id": "q-a", "text": DISTRACTOR})
        ),
    );
    let out = t.ok(&[
        "trace",
        "--jsonl",
        q.to_str().expect("path"),
        "--index",
        "idx",
        "--format",
        "json",
        "-q",
    ]);
    let ids: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("report")["query_id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    assert_eq!(ids, vec!["q-b", "q-a"]);
    // Standard input.
    let out = t.run_stdin(
        &["trace", "-", "--index", "idx", "--format", "json"],
        SPUN.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["query_id"], "stdin");
    assert_eq!(r["passages"].as_array().map(Vec::len), Some(1));
    // Documents from standard input (JSON Lines).
    let line = format!(
        "{}\n",
        serde_json::json!({"id": "piped", "text": DISTRACTOR})
    );
    let out = t.run_stdin(&["index", "add", "-", "--index", "idx"], line.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        t.json(&["index", "stats", "--index", "idx", "--json"])["documents"],
        4
    );
}

#[test]
fn bad_records_are_skipped_counted_and_located() {
    let t = T::new();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(
        format!("{}\n", serde_json::json!({"id": "good-1", "text": WIRE})).as_bytes(),
    );
    bytes.extend_from_slice(b"{\"id\": \"bad-utf8\", \"text\": \"caf\xe9\"}\n");
    bytes.extend_from_slice(b"{\"id\": \"nul\", \"text\": \"a\\u0000b\"}\n");
    bytes.extend_from_slice(b"{\"id\": \"empty\", \"text\": \"\"}\n");
    bytes.extend_from_slice(b"{\"id\": \"broken\", \"text\": \n");
    bytes.extend_from_slice(b"{\"text\": \"no id here\"}\n");
    bytes.extend_from_slice(
        format!(
            "{}\n",
            serde_json::json!({"id": "good-2", "text": DISTRACTOR})
        )
        .as_bytes(),
    );
    let f = t.write("mixed.jsonl", bytes);
    let out = t.run(&[
        "index",
        "add",
        f.to_str().expect("path"),
        "--index",
        "idx",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "exit 3 means: done, with skipped records"
    );
    let err = stderr(&out);
    for needle in [
        "mixed.jsonl:2: invalid UTF-8",
        "mixed.jsonl:3: document \"nul\": text contains NUL characters",
        "mixed.jsonl:4: document \"empty\": empty text",
        "mixed.jsonl:5: malformed JSON",
        "mixed.jsonl:6: missing id",
        "skipped 5 of 7 records",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(report["added"], 2);
    assert_eq!(report["skipped"], 5);
    assert_eq!(
        t.json(&["index", "stats", "--index", "idx", "--json"])["documents"],
        2
    );

    // --allow-skipped: the same records skipped and listed, exit status 0.
    let path = f.to_str().expect("path");
    for args in [
        &["index", "add", path, "--index", "allow", "--allow-skipped"][..],
        &[
            "--allow-skipped",
            "trace",
            "--jsonl",
            path,
            "--index",
            "idx",
        ][..],
    ] {
        let out = t.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("mixed.jsonl:4: document \"empty\": empty text"));
    }
    let out = t
        .cmd()
        .args(["index", "add", path, "--index", "allow-env"])
        .env("TESSERA_ALLOW_SKIPPED", "1")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // --strict stops at the first bad record and commits nothing.
    let out = t.run(&[
        "index",
        "add",
        f.to_str().expect("path"),
        "--index",
        "strict",
        "--strict",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("mixed.jsonl:2"), "{}", stderr(&out));
    assert_eq!(
        t.json(&["index", "stats", "--index", "strict", "--json"])["documents"],
        0
    );
}

#[test]
fn a_hundred_megabyte_document_is_refused_clearly() {
    let t = T::new();
    let big = "word ".repeat(20 << 20);
    let line = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "huge", "text": big}),
        serde_json::json!({"id": "ok", "text": WIRE})
    );
    let f = t.write("big.jsonl", line);
    t.write("big/huge.txt", &big);
    let out = t.run(&[
        "index",
        "add",
        f.to_str().expect("path"),
        "big",
        "--index",
        "idx",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "big.jsonl:1: line of 100.0 MiB is larger than the limit of 16.0 MiB per document"
        ),
        "{err}"
    );
    assert!(err.contains("huge.txt: document \"huge.txt\": file of 100.0 MiB is larger than the limit of 16.0 MiB"), "{err}");
    assert_eq!(
        t.json(&["index", "stats", "--index", "idx", "--json"])["documents"],
        1
    );
    // The limit is a setting.
    let out = t.run(&[
        "index",
        "add",
        "big",
        "--index",
        "idx2",
        "--max-doc-size",
        "200MiB",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn missing_and_unreadable_inputs_are_named() {
    let t = T::new();
    let out = t.run(&["index", "add", "nowhere.jsonl", "--index", "idx"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("nowhere.jsonl"), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "said once: {err}");
    t.write("in/good.txt", WIRE);
    std::os::unix::fs::symlink(t.path("in/vanished.txt"), t.path("in/link.txt")).expect("symlink");
    let out = t.run(&["index", "add", "in", "--index", "idx"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("link.txt") && err.contains("unreadable"),
        "{err}"
    );
    assert_eq!(
        t.json(&["index", "stats", "--index", "idx", "--json"])["documents"],
        1
    );
}

#[test]
fn damaged_foreign_and_future_indexes_give_clear_errors() {
    let t = T::new();
    let c = corpus(&t);
    t.write("article.txt", SPUN);
    // A directory that is not an index.
    t.write("notes/readme.txt", "mine");
    let out = t.run(&["trace", "article.txt", "--index", "notes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a tessera index"),
        "{}",
        stderr(&out)
    );
    let out = t.run(&[
        "index",
        "add",
        c.to_str().expect("path"),
        "--index",
        "notes",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("holds other files"),
        "{}",
        stderr(&out)
    );
    // A damaged segment.
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    let seg = std::fs::read_dir(t.path("idx"))
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "tseg"))
        .expect("a segment");
    let mut b = std::fs::read(&seg).expect("read");
    let mid = b.len() / 2;
    b[mid] ^= 0x55;
    std::fs::write(&seg, &b).expect("damage");
    let out = t.run(&["trace", "article.txt", "--index", "idx"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("corrupt") && err.contains(".tseg"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // A manifest from a future version.
    let m = t.path("idx/MANIFEST");
    let text = std::fs::read_to_string(&m).expect("manifest");
    std::fs::write(
        &m,
        text.replacen("tessera-index 1 ", "tessera-index 99 ", 1),
    )
    .expect("write");
    let out = t.run(&["index", "stats", "--index", "idx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("format version 99 is not supported"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn html_pages_and_compressed_files_are_ingested() {
    let t = T::new();
    let page = format!(
        "<html><head><title>Kerry in Moscow</title><meta property=\"og:site_name\" content=\"Wire\">\
         <meta property=\"article:published_time\" content=\"2016-07-15T10:00:00Z\"></head>\
         <body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>\
         <article><h1>Kerry in Moscow</h1><p>{WIRE}</p></article><footer>Copyright</footer></body></html>"
    );
    t.write("pages/kerry.html", page);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("{}\n", serde_json::json!({"id": "oil", "text": DISTRACTOR})).as_bytes())
        .expect("gz");
    t.write("more.jsonl.gz", gz.finish().expect("gz"));
    t.ok(&["index", "add", "pages", "more.jsonl.gz", "--index", "idx"]);
    t.write("article.txt", SPUN);
    let r = t.json(&["trace", "article.txt", "--index", "idx", "--format", "json"]);
    let p = &r["passages"][0];
    assert_eq!(p["source_id"], "kerry.html");
    assert_eq!(p["source_outlet"], "Wire");
    assert_eq!(p["source_date"], "2016-07-15T10:00:00Z");
    assert_eq!(
        t.json(&["index", "stats", "--index", "idx", "--json"])["documents"],
        2
    );
}

#[test]
fn scripts_without_spaces_are_matched() {
    let t = T::new();
    let zh = "国务院新闻办公室今天发表白皮书，全面介绍了中国在减少贫困方面取得的成就，并表示将继续推进乡村振兴战略。";
    let th = "รัฐบาลไทยประกาศมาตรการใหม่เพื่อกระตุ้นเศรษฐกิจและช่วยเหลือเกษตรกรที่ได้รับผลกระทบจากภัยแล้งในปีนี้";
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "zh", "text": zh}),
        serde_json::json!({"id": "th", "text": th})
    );
    let c = t.write("asia.jsonl", lines);
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    t.write("zh.txt", format!("今天天气很好。{zh}"));
    t.write("th.txt", format!("ข่าวอื่นๆ วันนี้ {th}"));
    for (file, id) in [("zh.txt", "zh"), ("th.txt", "th")] {
        let r = t.json(&["trace", file, "--index", "idx", "--format", "json"]);
        assert_eq!(r["passages"][0]["source_id"], id, "{r:#}");
        assert!(r["coverage"].as_f64().expect("coverage") > 0.7, "{r:#}");
    }
}

#[test]
fn align_two_files_without_an_index() {
    let t = T::new();
    t.write("a.txt", SPUN);
    t.write("b.txt", WIRE);
    let r = t.json(&["align", "a.txt", "b.txt", "--format", "json"]);
    assert_eq!(r["passages"][0]["source_id"], "b.txt");
    assert_eq!(r["substitutions"][0]["source"], "Russia");
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let t = T::new();
    let data = data_dir();
    let sources = data.join("reuse-dev/sources.jsonl");
    let queries = data.join("reuse-dev/queries.jsonl");
    t.ok(&[
        "index",
        "add",
        sources.to_str().expect("path"),
        "--index",
        "one",
        "--threads",
        "1",
        "-q",
    ]);
    t.ok(&[
        "index",
        "add",
        sources.to_str().expect("path"),
        "--index",
        "two",
        "--threads",
        "2",
        "-q",
    ]);
    for name in ["MANIFEST", "seg-000001.tseg"] {
        let a = std::fs::read(t.path("one").join(name)).expect("one");
        let b = std::fs::read(t.path("two").join(name)).expect("two");
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
    let q = queries.to_str().expect("path");
    let a = t.ok(&[
        "trace",
        "--jsonl",
        q,
        "--index",
        "one",
        "--format",
        "jsonl",
        "--threads",
        "1",
        "-q",
    ]);
    let b = t.ok(&[
        "trace",
        "--jsonl",
        q,
        "--index",
        "one",
        "--format",
        "jsonl",
        "--threads",
        "2",
        "-q",
    ]);
    assert!(a == b, "trace output differs between 1 and 2 threads");
    assert!(a.lines().count() > 1000);
}

#[test]
fn eval_on_reuse_dev_meets_the_accuracy_floor() {
    let t = T::new();
    let gold = data_dir().join("reuse-dev");
    let e = t.json(&[
        "eval",
        "--gold",
        gold.to_str().expect("path"),
        "--format",
        "json",
        "--write-detections",
        "det.jsonl",
        "-q",
    ]);
    let plagdet = |path: &[&str]| -> f64 {
        let mut v = &e;
        for k in path {
            v = &v[*k];
        }
        v.as_f64()
            .unwrap_or_else(|| panic!("no figure at {path:?} in {e:#}"))
    };
    // The targets of the product, with the figures measured when this test
    // was written noted for comparison (see README).
    assert!(plagdet(&["macro", "plagdet"]) >= 0.93, "{e:#}");
    assert!(
        plagdet(&["by_obfuscation", "none", "plagdet"]) >= 0.98,
        "{e:#}"
    );
    assert!(
        plagdet(&["by_obfuscation", "spin", "plagdet"]) >= 0.95,
        "{e:#}"
    );
    assert!(
        plagdet(&["by_obfuscation", "synonym", "plagdet"]) >= 0.88,
        "{e:#}"
    );
    assert!(
        plagdet(&["by_obfuscation", "random", "plagdet"]) >= 0.88,
        "{e:#}"
    );
    assert!(
        plagdet(&["by_obfuscation", "reorder", "plagdet"]) >= 0.93,
        "{e:#}"
    );
    assert!(
        plagdet(&["by_obfuscation", "ocr", "plagdet"]) >= 0.90,
        "{e:#}"
    );
    let negatives = &e["negatives"];
    assert!(
        negatives["with_detections"].as_u64().expect("count") * 50
            <= negatives["queries"].as_u64().expect("count"),
        "detections on more than 2% of the negative queries: {negatives:#}"
    );
    // Scoring the detections it wrote gives the same figures.
    let again = t.json(&[
        "eval",
        "--gold",
        gold.to_str().expect("path"),
        "--detections",
        "det.jsonl",
        "--format",
        "json",
    ]);
    assert_eq!(again["macro"], e["macro"]);
}

/// Writes a slice of reuse-dev in the PAN text-alignment layout.
fn write_pan_corpus(t: &T, queries: usize) -> PathBuf {
    let data = data_dir().join("reuse-dev");
    let read = |name: &str| -> Vec<Value> {
        std::fs::read_to_string(data.join(name))
            .expect("read")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    let qs = read("queries.jsonl");
    let truth = read("truth.jsonl");
    let srcs = read("sources.jsonl");
    let root = t.path("pan");
    let mut pairs = String::new();
    for q in qs.iter().take(queries) {
        let qid = q["id"].as_str().expect("id");
        let cases: Vec<&Value> = truth.iter().filter(|c| c["query_id"] == qid).collect();
        t.write(
            &format!("pan/susp/{qid}.txt"),
            q["text"].as_str().expect("text"),
        );
        let mut sources: Vec<&str> = cases
            .iter()
            .map(|c| c["source_id"].as_str().expect("sid"))
            .collect();
        sources.sort_unstable();
        sources.dedup();
        if sources.is_empty() {
            // A pair without reuse: the query against the first source.
            sources.push(srcs[0]["id"].as_str().expect("sid"));
        }
        for sid in sources {
            let s = srcs.iter().find(|s| s["id"] == sid).expect("source");
            t.write(
                &format!("pan/src/{sid}.txt"),
                s["text"].as_str().expect("text"),
            );
            pairs.push_str(&format!("{qid}.txt {sid}.txt\n"));
            let mut xml = format!("<document reference=\"{qid}.txt\">\n");
            for c in cases.iter().filter(|c| c["source_id"] == sid) {
                xml.push_str(&format!(
                    "<feature name=\"plagiarism\" obfuscation=\"{}\" this_offset=\"{}\" this_length=\"{}\" source_reference=\"{sid}.txt\" source_offset=\"{}\" source_length=\"{}\" />\n",
                    c["obfuscation"][0].as_str().expect("type"),
                    c["query_offset"], c["query_length"], c["source_offset"], c["source_length"]
                ));
            }
            xml.push_str("</document>\n");
            t.write(&format!("pan/01-truth/{qid}-{sid}.xml"), xml);
        }
    }
    t.write("pan/pairs", pairs);
    root
}

#[test]
fn eval_reads_and_writes_the_pan_layout() {
    let t = T::new();
    let root = write_pan_corpus(&t, 80);
    let gold = root.to_str().expect("path");
    let e = t.json(&[
        "eval",
        "--gold",
        gold,
        "--format",
        "json",
        "--write-detections",
        "pan-out",
        "-q",
    ]);
    assert!(
        e["macro"]["plagdet"].as_f64().expect("plagdet") > 0.85,
        "{e:#}"
    );
    let again = t.json(&[
        "eval",
        "--gold",
        gold,
        "--detections",
        "pan-out",
        "--format",
        "json",
    ]);
    assert_eq!(again["macro"], e["macro"]);
    let text = t.ok(&["eval", "--gold", gold, "--detections", "pan-out"]);
    assert!(text.contains("plagdet"), "{text}");
}

#[test]
fn demo_traces_the_seed_article_against_stand_ins() {
    let t = T::new();
    let data = data_dir();
    let out = t.run(&[
        "demo",
        "--data",
        data.to_str().expect("path"),
        "--index",
        "demo",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).expect("utf-8");
    for needle in [
        "Russia -> Russian Federation  x4",
        "US -> USA  x1",
        "standin-afp",
        "also in: standin-aggregator",
        "Original remainder",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(
        stderr(&out).contains("stand-in"),
        "the demo says its sources are stand-ins"
    );
    // The kept index is reused and gives the same report.
    let again = t.run(&[
        "demo",
        "--data",
        data.to_str().expect("path"),
        "--index",
        "demo",
        "--format",
        "json",
    ]);
    let r: Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(r["substitutions"][0]["source"], "Russia");
    assert_eq!(r["substitutions"][0]["query"], "Russian Federation");
    assert_eq!(r["substitutions"][0]["count"], 4);
}

/// Issue 9, finding 1: `index add` and `serve` on an index folder whose
/// MANIFEST is gone deleted every segment; they must refuse, and
/// `index recover` must bring the documents back.
#[test]
fn a_folder_without_manifest_is_refused_then_recovered() {
    let t = T::new();
    let c = corpus(&t);
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    std::fs::remove_file(t.path("idx/MANIFEST")).expect("remove manifest");
    let files = |t: &T| {
        let mut v: Vec<String> = std::fs::read_dir(t.path("idx"))
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("seg-"))
            .collect();
        v.sort();
        v
    };
    let before = files(&t);
    assert!(!before.is_empty());

    let more = t.write(
        "more.jsonl",
        "{\"id\": \"x\", \"text\": \"one more text\"}\n",
    );
    let out = t.run(&[
        "index",
        "add",
        more.to_str().expect("path"),
        "--index",
        "idx",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no MANIFEST"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tessera index recover"),
        "{}",
        stderr(&out)
    );
    assert_eq!(files(&t), before);

    let out = t.run(&["serve", "--index", "idx", "--addr", "127.0.0.1:0"]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("no MANIFEST"), "{}", stderr(&out));
    assert_eq!(files(&t), before);

    let out = t.run(&["index", "stats", "--index", "idx"]);
    assert!(
        stderr(&out).contains("tessera index recover"),
        "{}",
        stderr(&out)
    );

    let r = t.json(&["index", "recover", "--index", "idx", "--json", "-q"]);
    assert_eq!(r["documents"], 3);
    let s = t.json(&["index", "stats", "--index", "idx", "--json"]);
    assert_eq!(s["documents"], 3);
    let again = t.ok(&["index", "recover", "--index", "idx"]);
    assert!(again.is_empty());
}

/// Issue 13: `tessera eval` read the PAN 2012-2015 layout only; the PAN
/// 2009-2011 corpora (source-documents/, suspicious-documents/ with the
/// XML truth beside each text) gave "unknown gold-standard layout", and a
/// misspelt feature lost its case without a word.
#[test]
fn eval_reads_and_writes_the_pan_2009_2011_layout() {
    let t = T::new();
    let intro = "Nothing in this opening sentence comes from anywhere else at all. ";
    let susp = format!("{intro}{WIRE} The rest is the writer's own.");
    let off = intro.chars().count();
    let len = WIRE.chars().count();
    t.write("pan/source-documents/part1/source-document00001.txt", WIRE);
    t.write(
        "pan/source-documents/part1/source-document00002.txt",
        DISTRACTOR,
    );
    t.write(
        "pan/suspicious-documents/part1/suspicious-document00001.txt",
        &susp,
    );
    t.write(
        "pan/suspicious-documents/part1/suspicious-document00001.xml",
        format!(
            "<document reference=\"suspicious-document00001.txt\">\n\
             <feature name=\"plagiarism\" type=\"artificial\" obfuscation=\"none\" this_offset=\"{off}\" this_length=\"{len}\" \
             source_reference=\"source-document00001.txt\" source_offset=\"0\" source_length=\"{len}\" />\n\
             <feature name=\"plagiarsm\" this_offset=\"0\" this_length=\"5\" source_reference=\"source-document00002.txt\" source_offset=\"0\" source_length=\"5\" />\n\
             </document>\n"
        ),
    );
    t.write(
        "pan/suspicious-documents/part1/suspicious-document00002.txt",
        "An article of its own about gardens, roses and the weather in spring.",
    );
    let out = t.run(&[
        "eval",
        "--gold",
        "pan",
        "--format",
        "json",
        "--write-detections",
        "dets",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("suspicious-document00001.xml, line 3")
            && stderr(&out).contains("plagiarsm"),
        "{}",
        stderr(&out)
    );
    let e: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        e["macro"]["plagdet"].as_f64().expect("plagdet") > 0.9,
        "{e}"
    );
    assert!(t.path("dets/suspicious-document00001.xml").is_file());
    // The written detections score the same when read back.
    let again = t.json(&[
        "eval",
        "--gold",
        "pan",
        "--detections",
        "dets",
        "--format",
        "json",
    ]);
    assert_eq!(again["macro"], e["macro"]);
}

/// `tessera … | head -1`: standard output closed before anything is written
/// (the reading end of the pipe is gone), so the first write fails with
/// EPIPE every time. Every command exits quietly with status 0.
#[test]
fn messages_to_a_closed_standard_error_do_not_panic() {
    // `tessera index add … 2>&1 | head -1`, or a supervisor that closed
    // the pipe: the summary on stderr cannot be written, the work is done.
    let t = T::new();
    let c = corpus(&t);
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = t
        .cmd()
        .args(["index", "add", c.to_str().expect("path"), "--index", "idx"])
        .stderr(writer)
        .output()
        .expect("run tessera");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    t.ok(&["index", "stats", "--index", "idx"]);
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let t = T::new();
    let c = corpus(&t);
    t.ok(&[
        "index",
        "add",
        c.to_str().expect("path"),
        "--index",
        "idx",
        "-q",
    ]);
    t.write("q.txt", SPUN);
    let gold = data_dir().join("reuse-dev");
    let gold = gold.to_str().expect("path");
    let runs: [&[&str]; 6] = [
        &["index", "stats", "--index", "idx"],
        &["index", "stats", "--index", "idx", "--json"],
        &[
            "index",
            "add",
            c.to_str().expect("path"),
            "--index",
            "idx",
            "--json",
            "-q",
        ],
        &["trace", "q.txt", "--index", "idx", "--format", "json"],
        &["trace", "q.txt", "--index", "idx"],
        &["eval", "--gold", gold, "--detections", "/dev/null", "-q"],
    ];
    for args in runs {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = t
            .cmd()
            .args(args)
            .stdout(writer)
            .output()
            .expect("run tessera");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "tessera {args:?}: {err}");
        assert!(!err.contains("panicked"), "tessera {args:?}: {err}");
    }
}

/// The date of a report's source, alternative or earliest source, as given.
fn dates_named(report: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut push = |id: &Value, date: &Value| {
        if let (Some(id), Some(d)) = (id.as_str(), date.as_str()) {
            out.push((id.to_string(), d.to_string()));
        }
    };
    for p in report["passages"].as_array().expect("passages") {
        push(&p["source_id"], &p["source_date"]);
        for a in p["alternatives"].as_array().expect("alternatives") {
            push(&a["source_id"], &a["source_date"]);
        }
        push(&p["earliest"]["source_id"], &p["earliest"]["date"]);
    }
    for s in report["sources"].as_array().expect("sources") {
        push(&s["source_id"], &s["date"]);
    }
    out
}

#[test]
fn trace_never_names_a_source_dated_after_its_query() {
    let t = T::new();
    let reuters = data_dir().join("reuters21578/reuters21578.jsonl");
    let all = std::fs::read_to_string(&reuters).expect("reuters");
    // Exit status 3: Reuters' empty bodies are skipped (and counted).
    let added = t.run(&[
        "index",
        "add",
        reuters.to_str().expect("path"),
        "--index",
        "idx",
        "-q",
    ]);
    assert_eq!(added.status.code(), Some(3), "{}", stderr(&added));
    // The first 400 stories with a body, traced against all of them with
    // their own dates.
    let head: String = all
        .lines()
        .filter(|l| !l.contains("\"text\": \"\""))
        .take(400)
        .map(|l| format!("{l}\n"))
        .collect();
    let q = t.write("head.jsonl", head);
    let out = t.ok(&[
        "trace",
        "--jsonl",
        q.to_str().expect("path"),
        "--index",
        "idx",
        "--format",
        "json",
        "-q",
    ]);
    let (mut reports, mut later) = (0, 0);
    for line in out.lines() {
        let r: Value = serde_json::from_str(line).expect("report");
        let qdate = r["query_date"].as_str().expect("every story is dated");
        // Reuters' dates share one format: the strings order as the dates.
        for (id, d) in dates_named(&r) {
            assert!(
                d.as_str() <= qdate,
                "{} names {id} ({d}) as a source",
                r["query_id"]
            );
        }
        for c in r["later_copies"].as_array().into_iter().flatten() {
            assert!(c["date"].as_str().expect("dated") > qdate);
            later += 1;
        }
        reports += 1;
    }
    assert!(
        reports > 300 && later > 20,
        "{reports} reports, {later} later copies"
    );
    // Story 3's passage is in story 8538, dated almost a month later: a
    // later copy, not its source.
    let r = t.json(&["trace", "--id", "3", "--index", "idx", "--format", "json"]);
    assert_eq!(r["passages"].as_array().map(Vec::len), Some(0));
    assert_eq!(r["later_copies"][0]["source_id"], "8538");
    // An article traced from a file takes --date; a date that does not
    // parse is refused.
    let text = all.lines().nth(2).expect("story 3");
    let story: Value = serde_json::from_str(text).expect("json");
    let f = t.write("story3.txt", story["text"].as_str().expect("text"));
    let f = f.to_str().expect("path");
    let base = ["trace", f, "--index", "idx", "--format", "json"];
    let undated = t.json(&base);
    assert_eq!(undated["passages"][0]["source_id"], "3");
    let r = t.json(&[&base[..], &["--date", "1987-02-27"]].concat());
    assert_eq!(r["query_date"], "1987-02-27");
    assert_eq!(r["passages"][0]["source_id"], "3");
    assert!(
        dates_named(&r)
            .iter()
            .all(|(_, d)| d.as_str() <= "1987-02-27")
    );
    let r = t.json(&[&base[..], &["--date", "1987-02-26T12:00:00Z"]].concat());
    assert_eq!(r["passages"].as_array().map(Vec::len), Some(0));
    let later: Vec<&str> = r["later_copies"]
        .as_array()
        .expect("later copies")
        .iter()
        .map(|c| c["source_id"].as_str().expect("id"))
        .collect();
    assert!(later.contains(&"3") && later.contains(&"8538"), "{later:?}");
    let bad = t.run(&[&base[..], &["--date", "26/02/1987"]].concat());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not an ISO 8601 date"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn top_level_help_describes_the_whole_tool() {
    let t = T::new();
    let help = t.ok(&["--help"]);
    let first = help.lines().next().expect("a description");
    for word in [
        "index",
        "trace",
        "scan",
        "deduplicate",
        "gold standard",
        "HTTP",
    ] {
        assert!(first.contains(word), "{word:?} missing from {first:?}");
    }
}

#[test]
fn options_are_offered_only_where_they_act() {
    let t = T::new();
    for cmd in ["trace", "align", "demo"] {
        assert!(t.ok(&[cmd, "--help"]).contains("--color"), "{cmd}");
    }
    for cmd in [
        &["index", "add"][..],
        &["scan"],
        &["dedup"],
        &["serve"],
        &["eval"],
    ] {
        let help = t.ok(&[cmd, &["--help"]].concat());
        assert!(!help.contains("--color"), "{cmd:?} offers --color");
    }
    let out = t.run(&["scan", "x", "--out", "o", "--color", "never"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let dedup = t.ok(&["dedup", "--help"]);
    for scan_only in [
        "--max-df",
        "--min-shared",
        "--max-candidates",
        "--min-cluster-size",
        "--set",
    ] {
        assert!(!dedup.contains(scan_only), "dedup offers {scan_only}");
    }
    for own in ["--neardup-jaccard", "--memory", "--annotate"] {
        assert!(dedup.contains(own), "dedup lacks {own}");
    }
    let scan = t.ok(&["scan", "--help"]);
    for opt in ["--max-df", "--neardup-jaccard", "--memory", "--set"] {
        assert!(scan.contains(opt), "scan lacks {opt}");
    }
}

#[test]
fn tracing_a_json_lines_file_as_one_article_suggests_jsonl() {
    let t = T::new();
    let c = corpus(&t);
    t.ok(&["index", "add", c.to_str().expect("path"), "--index", "idx"]);
    t.write(
        "queries.jsonl",
        "{\"id\": \"q1\", \"text\": \"\"}\n{\"id\": \"q2\", \"text\": \"Some text.\"}\n",
    );
    let out = t.run(&["trace", "queries.jsonl", "--index", "idx"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("--jsonl queries.jsonl"), "{err}");
}

#[test]
fn dedup_times_its_indexing() {
    let t = T::new();
    let c = corpus(&t);
    let mut body = std::fs::read_to_string(&c).expect("corpus");
    body.push_str("{\"id\": \"empty\", \"text\": \"\"}\n");
    t.write("corpus.jsonl", body);
    let out = t.run(&["dedup", "corpus.jsonl", "--out", "kept.jsonl"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("indexed 3 documents"), "{err}");
    assert!(!err.contains("in 0.00 s (0.0 MB/s)"), "{err}");
}
