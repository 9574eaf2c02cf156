//! Criterion benchmarks of each stage on real text: tokenisation,
//! analysis (tokens, fingerprints, vocabulary), preparation for the index
//! (analysis, compression, metadata), and tracing against an index of the
//! Reuters-21578 bodies.
//!
//! Run with `cargo bench -p tessera --bench pipeline`. The corpora are read
//! from `../shared/data` (override with `TESSERA_DATA`).

use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tessera::index::{Analyzer, IndexSettings, IndexWriter, WriterOptions};
use tessera::ingest::{IngestOptions, Item, expand_inputs, read_input};
use tessera::{Engine, Query};

fn data_dir() -> PathBuf {
    std::env::var_os("TESSERA_DATA").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
        PathBuf::from,
    )
}

fn read_docs(path: PathBuf) -> Vec<tessera::index::Document> {
    let (files, _) = expand_inputs(&[path], None).expect("data file");
    let mut docs = Vec::new();
    read_input(&files[0], &IngestOptions::default(), &|_| {}, &mut |item| {
        if let Item::Doc { doc, .. } = item {
            docs.push(doc);
        }
        Ok(())
    })
    .expect("read");
    docs
}

fn stages(c: &mut Criterion) {
    let docs = read_docs(data_dir().join("reuters21578/reuters21578.jsonl"));
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let analyzer = Analyzer::new(&IndexSettings::default());
    let mut g = c.benchmark_group("index-stages");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("tokenize/reuters-19k", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| analyzer.tokenize(&d.text).len())
                .sum::<usize>()
        })
    });
    g.bench_function("token-hashes/reuters-19k", |b| {
        let opts = tessera_text::NormalizeOptions::default();
        let mut out = Vec::new();
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    out.clear();
                    tessera_text::token_hashes(&d.text, &opts, &mut out);
                    out.len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("analyze/reuters-19k", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| analyzer.analyze(&d.text).fingerprints.len())
                .sum::<usize>()
        })
    });
    g.bench_function("prepare/reuters-19k", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| analyzer.prepare(d).expect("prepare").text_bytes())
                .sum::<u64>()
        })
    });
    g.finish();
}

fn trace(c: &mut Criterion) {
    let data = data_dir();
    let docs = read_docs(data.join("reuters21578/reuters21578.jsonl"));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = IndexWriter::open_or_create(
        dir.path(),
        IndexSettings::default(),
        WriterOptions::default(),
    )
    .expect("writer");
    for d in &docs {
        let p = w.analyzer().prepare(d).expect("prepare");
        w.add(p).expect("add");
    }
    w.commit().expect("commit");
    let engine = Engine::open(dir.path()).expect("engine");
    let queries = read_docs(data.join("reuse-dev/queries.jsonl"));
    let seed = std::fs::read_to_string(data.join("seed/article.txt")).expect("seed");
    let mut g = c.benchmark_group("trace");
    g.bench_function(BenchmarkId::new("reuters-19k", "seed-article"), |b| {
        b.iter(|| {
            engine
                .trace(&Query {
                    id: "seed",
                    title: None,
                    text: &seed,
                    date: None,
                    exclude: None,
                })
                .expect("trace")
                .passages
                .len()
        })
    });
    let mut k = 0;
    g.bench_function(BenchmarkId::new("reuters-19k", "reuse-dev-queries"), |b| {
        b.iter(|| {
            let q = &queries[k % queries.len()];
            k += 1;
            engine
                .trace(&Query {
                    id: &q.meta.id,
                    title: None,
                    text: &q.text,
                    date: None,
                    exclude: None,
                })
                .expect("trace")
                .passages
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, stages, trace);
criterion_main!(benches);
