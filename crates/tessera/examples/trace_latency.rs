//! Per-query trace latency against an existing index.
//!
//! Opens the index (timing the open), then traces every article of a JSON
//! Lines file one at a time, in order, timing each trace with
//! [`std::time::Instant`]. Each trace may still use the rayon pool
//! internally; `--threads` sets that pool's size. Prints the number of
//! timed traces, the p50, p90, p99, max and mean latency, queries per
//! second and the process's peak resident set size (`VmHWM`).
//!
//! ```text
//! cargo run --release -p tessera --example trace_latency -- \
//!     --index DIR --queries FILE.jsonl [--repeat N] [--warmup N] [--threads N] [--json]
//! ```
//!
//! `--repeat N` times N passes over the queries (default 1); `--warmup N`
//! first traces N queries untimed (default 10, cycling through the file).
//! The index is memory-mapped, so peak RSS counts the pages that were
//! touched, not the whole index. This program uses the system allocator;
//! the `tessera` binary uses mimalloc, so its figures may differ somewhat.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use tessera::ingest::{IngestOptions, Item, expand_inputs, read_input};
use tessera::{Engine, Query};

const USAGE: &str = "usage: trace_latency --index DIR --queries FILE.jsonl \
                     [--repeat N] [--warmup N] [--threads N] [--json]";

#[derive(Debug)]
struct Args {
    index: PathBuf,
    queries: PathBuf,
    repeat: usize,
    warmup: usize,
    threads: Option<usize>,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut index = None;
    let mut queries = None;
    let mut repeat = 1;
    let mut warmup = 10;
    let mut threads = None;
    let mut json = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        match a.as_str() {
            "--index" => index = Some(PathBuf::from(value("--index")?)),
            "--queries" => queries = Some(PathBuf::from(value("--queries")?)),
            "--repeat" => repeat = number("--repeat", value("--repeat")?)?,
            "--warmup" => warmup = number("--warmup", value("--warmup")?)?,
            "--threads" => threads = Some(number("--threads", value("--threads")?)?),
            "--json" => json = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Args {
        index: index.ok_or("--index is required")?,
        queries: queries.ok_or("--queries is required")?,
        repeat: repeat.max(1),
        warmup,
        threads,
        json,
    })
}

/// (id, text) of every usable record of a JSON Lines (or text/HTML) input.
fn read_queries(path: &Path) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let (files, _) = expand_inputs(&[path.to_path_buf()], None)?;
    let mut out = Vec::new();
    for f in &files {
        read_input(f, &IngestOptions::default(), &|_| {}, &mut |item| {
            if let Item::Doc { doc, .. } = item {
                out.push((doc.meta.id, doc.text));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Peak resident set size of this process in bytes (`VmHWM`), if known.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()?;
    }
    let queries = read_queries(&a.queries)?;
    if queries.is_empty() {
        return Err(format!("no queries in {}", a.queries.display()).into());
    }

    let t = Instant::now();
    let engine = Engine::open(&a.index)?;
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    let documents = engine.index().stats().documents;

    let trace = |(id, text): &(String, String)| {
        engine.trace(&Query {
            id,
            title: None,
            text,
            date: None,
            exclude: None,
        })
    };
    for q in queries.iter().cycle().take(a.warmup) {
        trace(q)?;
    }

    let mut lat_ms = Vec::with_capacity(queries.len() * a.repeat);
    let mut passages = 0usize;
    let all = Instant::now();
    for _ in 0..a.repeat {
        for q in &queries {
            let t = Instant::now();
            let report = trace(q)?;
            lat_ms.push(t.elapsed().as_secs_f64() * 1e3);
            passages += report.passages.len();
        }
    }
    let total_s = all.elapsed().as_secs_f64();
    lat_ms.sort_by(f64::total_cmp);

    let n = lat_ms.len();
    let mean = lat_ms.iter().sum::<f64>() / n as f64;
    let (p50, p90, p99) = (
        percentile(&lat_ms, 50.0),
        percentile(&lat_ms, 90.0),
        percentile(&lat_ms, 99.0),
    );
    let max = lat_ms[n - 1];
    let qps = n as f64 / total_s;
    let threads = rayon::current_num_threads();
    let rss = peak_rss_bytes();
    let rss_mib = rss.map(|b| b as f64 / (1024.0 * 1024.0));

    if a.json {
        let v = serde_json::json!({
            "index_documents": documents,
            "queries": n,
            "distinct_queries": queries.len(),
            "repeat": a.repeat,
            "warmup": a.warmup,
            "threads": threads,
            "open_ms": open_ms,
            "p50_ms": p50,
            "p90_ms": p90,
            "p99_ms": p99,
            "max_ms": max,
            "mean_ms": mean,
            "total_s": total_s,
            "qps": qps,
            "passages": passages,
            "peak_rss_bytes": rss,
        });
        println!("{v}");
    } else {
        println!("index_documents: {documents}");
        println!(
            "queries: {n} ({} distinct x {} repeat, {} warm-up)",
            queries.len(),
            a.repeat,
            a.warmup
        );
        println!("threads: {threads}");
        println!("open_ms: {open_ms:.1}");
        println!("p50_ms: {p50:.2}");
        println!("p90_ms: {p90:.2}");
        println!("p99_ms: {p99:.2}");
        println!("max_ms: {max:.2}");
        println!("mean_ms: {mean:.2}");
        println!("total_s: {total_s:.2}");
        println!("qps: {qps:.1}");
        println!("passages: {passages}");
        match rss_mib {
            Some(mib) => println!("peak_rss_mib: {mib:.1}"),
            None => println!("peak_rss_mib: unknown"),
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("trace_latency: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace_latency: error: {e}");
            ExitCode::FAILURE
        }
    }
}
