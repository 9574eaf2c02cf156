use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use tessera_index::{DocMeta, Document, IndexSettings, IndexWriter, WriterOptions};

const WIRE: &str = "On the second and final day of his visit to Moscow, Kerry called for stepping up \
cooperation between the United States and Russia to thwart jihadist groups and revive the stalled Syria \
peace process, hours after at least 84 people were killed in an attack in Nice. Officials said the talks \
would continue next week in Geneva with experts from both sides, and that a joint group could be set up \
within a month if both governments agreed to the plan.";

const OTHER: &str = "Shares of oil companies rose sharply on Tuesday after the cartel agreed to cut \
production by a million barrels a day, traders in London and New York said. Analysts expected prices to \
stay firm through the winter as stocks in the United States fell for a third week.";

const BOILER: &str = "This article is distributed under licence; reproduction without written permission \
of the publisher is prohibited and will be prosecuted under the applicable copyright laws of each country.";

fn doc(id: &str, outlet: &str, date: &str, text: &str) -> Document {
    Document {
        meta: DocMeta {
            id: id.into(),
            outlet: Some(outlet.into()),
            date: Some(date.into()),
            timestamp: crate::date::parse_timestamp(date),
            ..Default::default()
        },
        text: text.into(),
    }
}

fn corpus() -> Vec<Document> {
    let farm = format!(
        "Local news first: the town fair opens on Saturday with music and food stalls for families. {} \
         Nobody else commented on the matter at all today.",
        WIRE.replace("Russia", "Russian Federation")
            .split(". Officials")
            .next()
            .unwrap_or("")
    );
    let synd = format!("Kerry urges cooperation\n\n{WIRE}\n\n(c) Syndicate 2016");
    vec![
        // Inserted in an order different from the dates on purpose.
        doc("farm-1", "farm", "2016-07-17", &farm),
        doc("wire-1", "wire", "2016-07-15T10:00:00Z", WIRE),
        doc("synd-1", "syndicator", "2016-07-15T12:00:00Z", &synd),
        doc("oil-1", "wire", "2016-07-01", OTHER),
        doc(
            "p-1",
            "paper",
            "2016-07-02",
            &format!(
                "The mayor opened a new library on the river bank on Monday, with four thousand books, a reading room for children and a small cafe run by volunteers from the neighbourhood association, which raised most of the money over three years. {BOILER}"
            ),
        ),
        doc(
            "p-2",
            "paper",
            "2016-07-03",
            &format!(
                "Rain is expected over the weekend in the north of the region, forecasters said, with storms likely on Saturday afternoon and temperatures falling by ten degrees before a dry and sunny start to the following week in most valleys. {BOILER}"
            ),
        ),
        doc(
            "p-3",
            "paper",
            "2016-07-04",
            &format!(
                "The local team won its third match in a row on Sunday night, beating the league leaders by two goals after a late penalty, and moved into fourth place with eight games left to play before the summer break. {BOILER}"
            ),
        ),
    ]
}

fn build(dir: &Path, docs: &[Document]) -> PathBuf {
    let idx = dir.join("idx");
    let mut w =
        IndexWriter::open_or_create(&idx, IndexSettings::default(), WriterOptions::default())
            .expect("writer");
    for d in docs {
        let p = w.analyzer().prepare(d).expect("prepare");
        w.add(p).expect("add");
    }
    w.commit().expect("commit");
    idx
}

fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(&p).expect("read"),
            )
        })
        .filter(|(n, _)| n != "summary.json")
        .collect();
    files.sort();
    files
}

#[test]
fn a_small_corpus_yields_every_kind_of_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = build(dir.path(), &corpus());
    let out = dir.path().join("out");
    let s = scan(&idx, &out, &ScanConfig::default(), &Quiet).expect("scan");
    assert_eq!(s.documents, 7);
    assert_eq!(s.neardup_clusters, 1, "{s:?}");
    let nd = read_jsonl(&out.join("neardup_clusters.jsonl"));
    assert_eq!(nd[0]["representative_id"], "wire-1");
    assert_eq!(nd[0]["members"][1]["id"], "synd-1");

    let pairs = read_jsonl(&out.join("pairs.jsonl"));
    let find = |q: &str, s: &str| {
        pairs
            .iter()
            .find(|p| p["query_id"] == q && p["source_id"] == s)
            .cloned()
    };
    let synd = find("synd-1", "wire-1").expect("syndication pair");
    assert_eq!(synd["kind"], "syndication");
    assert_eq!(synd["delay_seconds"], 7200);
    let farm = find("farm-1", "wire-1").expect("the farm copied the wire, not the syndicated copy");
    assert_eq!(farm["kind"], "reuse");
    assert!(find("farm-1", "synd-1").is_none());
    assert_eq!(farm["edits"][0]["source"], "Russia");
    assert_eq!(farm["edits"][0]["query"], "Russian Federation");
    assert!(find("oil-1", "wire-1").is_none() && find("wire-1", "oil-1").is_none());
    // Later documents copy earlier ones, never the reverse.
    assert!(pairs.iter().all(|p| p["query_id"] != "wire-1"));

    let clusters = read_jsonl(&out.join("reuse_clusters.jsonl"));
    let boiler = clusters
        .iter()
        .find(|c| c["boilerplate"] == true)
        .expect("boilerplate cluster");
    assert_eq!(boiler["size"], 3);
    assert_eq!(boiler["dominant_outlet"], "paper");
    assert_eq!(boiler["origin_id"], "p-1");
    let wire = clusters
        .iter()
        .find(|c| c["origin_id"] == "wire-1")
        .expect("wire cluster");
    assert_eq!(wire["size"], 3);
    assert_eq!(wire["boilerplate"], false);

    let graph = std::fs::read_to_string(out.join("copy_graph.csv")).expect("csv");
    assert!(graph.contains("wire,farm,1,"), "{graph}");
    assert!(graph.contains("wire,syndicator,1,"), "{graph}");
    assert!(graph.contains("paper,paper,"), "{graph}");
    let spins = read_jsonl(&out.join("spin_scores.jsonl"));
    let farm_spin = spins
        .iter()
        .find(|s| s["id"] == "farm-1")
        .expect("farm spin score");
    assert!(farm_spin["spin_score"].as_f64().expect("score") > 0.0);
    let summary: ScanSummary =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary.pairs, pairs.len() as u64);
}

#[test]
fn results_do_not_depend_on_threads_or_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut docs = corpus();
    for k in 0..300 {
        docs.push(doc(
            &format!("filler-{k}"),
            "filler",
            "2016-06-01",
            &format!("Filler story number {k} reports that {} apples and {} pears were sold at the market of town {}.", k * 3, k * 7, k % 17),
        ));
    }
    let idx = build(dir.path(), &docs);
    let run = |threads: usize, memory: usize, name: &str| {
        let out = dir.path().join(name);
        let cfg = ScanConfig {
            memory_budget: memory,
            chunk_docs: 64,
            ..ScanConfig::default()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let s = pool
            .install(|| scan(&idx, &out, &cfg, &Quiet))
            .expect("scan");
        (outputs(&out), s)
    };
    let (one, s1) = run(1, 512 << 20, "one");
    let (two, _) = run(2, 512 << 20, "two");
    let (tiny, s3) = run(2, 1, "tiny");
    assert_eq!(s1.spilled_runs, 0);
    assert!(s3.spilled_runs > 0, "a 1-byte budget spills");
    for ((name, a), (_, b)) in one.iter().zip(&two) {
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
    for ((name, a), (_, b)) in one.iter().zip(&tiny) {
        assert!(a == b, "{name} differs when sorting spills to disk");
    }
}

#[test]
fn an_interrupted_scan_resumes_without_redoing_stages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut docs = corpus();
    for k in 0..200 {
        docs.push(doc(
            &format!("f-{k}"),
            "filler",
            "2016-01-01",
            &format!(
                "Story {k}: {}",
                OTHER.replace("Tuesday", &format!("day {k}"))
            ),
        ));
    }
    let idx = build(dir.path(), &docs);
    let out = dir.path().join("out");
    // A finished scan removes its checkpoints unless asked to keep them.
    let cfg = ScanConfig {
        chunk_docs: 50,
        ..ScanConfig::default()
    };
    scan(&idx, &out, &cfg, &Quiet).expect("scan");
    assert!(!out.join(".scan").exists());
    let cfg = ScanConfig {
        keep_checkpoints: true,
        ..cfg
    };
    let first = scan(&idx, &out, &cfg, &Quiet).expect("scan");
    assert!(first.resumed.is_empty());
    let before = outputs(&out);
    // Lose the last chunk and the outputs, as if the run had been killed.
    let chunks: Vec<PathBuf> = std::fs::read_dir(out.join(".scan"))
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("pairs-"))
        })
        .collect();
    assert!(chunks.len() >= 3);
    let mut last = chunks.clone();
    last.sort();
    std::fs::remove_file(last.last().expect("a chunk")).expect("rm");
    std::fs::remove_file(out.join("pairs.jsonl")).expect("rm");
    let second = scan(&idx, &out, &cfg, &Quiet).expect("scan");
    assert!(
        second.resumed.iter().any(|r| r == "near-duplicates"),
        "{:?}",
        second.resumed
    );
    assert!(
        second.resumed.iter().any(|r| r.starts_with("pairs (")),
        "{:?}",
        second.resumed
    );
    assert_eq!(outputs(&out), before);
    // Another configuration starts over.
    let mut other = cfg.clone();
    other.trace.min_shared_ngrams = 4;
    let third = scan(&idx, &out, &other, &Quiet).expect("scan");
    assert!(third.resumed.is_empty(), "{:?}", third.resumed);
}

#[test]
fn parquet_tables_have_typed_nested_columns_and_the_jsonl_rows() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = build(dir.path(), &corpus());
    let out = dir.path().join("out");
    scan(&idx, &out, &ScanConfig::default(), &Quiet).expect("scan");
    let read = |name: &str| {
        let f = std::fs::File::open(out.join(format!("{name}.parquet"))).expect("parquet");
        let b = ParquetRecordBatchReaderBuilder::try_new(f).expect("reader");
        let schema = b.schema().clone();
        let rows: usize = b
            .build()
            .expect("batches")
            .map(|batch| batch.expect("batch").num_rows())
            .sum();
        (schema, rows)
    };
    let field_type = |schema: &arrow_schema::Schema, col: &str| {
        schema
            .field_with_name(col)
            .expect("column")
            .data_type()
            .to_string()
    };
    let (pairs, n) = read("pairs");
    assert_eq!(n, read_jsonl(&out.join("pairs.jsonl")).len());
    assert!(n > 0);
    let edits = field_type(&pairs, "edits");
    assert!(edits.starts_with("List("), "{edits}");
    for f in [
        "\"op\": non-null Utf8",
        "\"query\": non-null Utf8",
        "\"source\": non-null Utf8",
        "\"query_offset\": non-null Int64",
    ] {
        assert!(edits.contains(f), "{f} not in {edits}");
    }
    assert_eq!(field_type(&pairs, "score"), "Float64");
    assert_eq!(field_type(&pairs, "delay_seconds"), "Int64");
    let (clusters, n) = read("reuse_clusters");
    assert_eq!(n, read_jsonl(&out.join("reuse_clusters.jsonl")).len());
    let members = field_type(&clusters, "members");
    assert!(
        members.contains("\"offset\": non-null Int64") && members.contains("\"outlet\": Utf8"),
        "{members}"
    );
    let (nd, _) = read("neardup_clusters");
    assert!(field_type(&nd, "members").contains("\"representative\": non-null Boolean"));
    let (spin, _) = read("spin_patterns");
    assert!(field_type(&spin, "top_outlets").contains("\"count\": non-null Int64"));
    let (graph, n) = read("copy_graph");
    assert_eq!(n, read_jsonl(&out.join("copy_graph.jsonl")).len());
    assert_eq!(field_type(&graph, "passages"), "Int64");
}

/// A text of `n` made-up words drawn from `seed`: filler that shares no
/// phrase with other filler.
fn filler(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let words: Vec<String> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (0..3 + x % 5)
                .map(|k| (b'a' + ((x >> (8 * k)) % 26) as u8) as char)
                .collect()
        })
        .collect();
    format!("{}.", words.join(" "))
}

/// An outlet's boilerplate pairs with its first appearance, even when
/// that was under a syndicated copy of a wire story (a copy is otherwise
/// never a source: its cluster's representative is).
#[test]
fn boilerplate_pairs_with_its_first_appearance_even_in_a_syndicated_copy() {
    let mut docs = vec![
        doc("wire-1", "wire", "2016-07-15T10:00:00Z", WIRE),
        doc(
            "paper-copy",
            "paper",
            "2016-07-15T12:00:00Z",
            &format!("{WIRE}\n\n{BOILER}"),
        ),
    ];
    for k in 0..3 {
        docs.push(doc(
            &format!("paper-{k}"),
            "paper",
            &format!("2016-07-2{k}"),
            &format!("{} {BOILER}", filler(k, 40)),
        ));
    }
    // Other outlets, so that the paper's share of the boilerplate stands out.
    for k in 0..12 {
        docs.push(doc(
            &format!("other-{k}"),
            &format!("outlet-{k}"),
            "2016-07-10",
            &filler(100 + k, 60),
        ));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = build(dir.path(), &docs);
    let out = dir.path().join("out");
    let mut cfg = ScanConfig::default();
    cfg.trace.min_df_cap = 2;
    scan(&idx, &out, &cfg, &Quiet).expect("scan");
    let nd = read_jsonl(&out.join("neardup_clusters.jsonl"));
    assert_eq!(nd.len(), 1);
    assert_eq!(nd[0]["members"][1]["id"], "paper-copy");
    let pairs = read_jsonl(&out.join("pairs.jsonl"));
    for k in 0..3 {
        let q = format!("paper-{k}");
        let sources: Vec<&Value> = pairs
            .iter()
            .filter(|p| p["query_id"] == q.as_str())
            .map(|p| &p["source_id"])
            .collect();
        assert_eq!(sources, ["paper-copy"], "{q}: {pairs:?}");
    }
}
