//! Crash safety of the on-disk index, tested through the real `tessera`
//! binary: "a process killed in the middle of `index add` leaves an index
//! that opens in its last committed state".
//!
//! * The failpoint tests abort a writer (`TESSERA_FAILPOINT`) at each step
//!   of a commit of `index add`, `index delete` and `index compact`, then
//!   check that the index opens in exactly the last committed state, that
//!   the next writer removes what the killed one left behind and that
//!   normal work resumes.
//! * The SIGKILL test kills `index add` of a large input at points spread
//!   over its run and checks that the index is always in the previous or
//!   the new state, never in between.
//! * The lock test checks that a second writer is refused while one runs.
//!
//! A "state" is checked in full: the live document count (`index stats`),
//! a sample of ids traced with `trace --id` (title and length of the right
//! version), and every live document probed by its exact text with
//! `trace --jsonl` (it must be found under its id, with its title, covering
//! the whole probe), while texts that must not be live (not yet committed,
//! replaced or deleted versions) must not be found.

// A scenario test reads best as one script from start to end.
#![allow(clippy::too_many_lines)]
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

/// Longest a command may take before a test gives up on it as hung (a
/// guard against a hanging test, not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------------------
// Harness

/// A temporary directory holding inputs and indexes, and a way to run
/// `tessera` in it.
struct Harness {
    tmp: tempfile::TempDir,
}

impl Harness {
    fn new() -> Harness {
        Harness {
            tmp: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// A `tessera` command (quiet) running in the temporary
    /// directory, untouched by the caller's `TESSERA_*` variables.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(["--quiet"])
            .args(args)
            .current_dir(self.tmp.path())
            .env_remove("TESSERA_FAILPOINT")
            .env_remove("TESSERA_INDEX")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tessera {args:?}: {e}"))
    }

    fn run_ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tessera {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs `args` with `TESSERA_FAILPOINT=point` and checks that the process
    /// aborted there.
    fn run_crashing(&self, point: &str, args: &[&str]) -> Output {
        let out = self
            .command(args)
            .env("TESSERA_FAILPOINT", point)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tessera {args:?}: {e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "tessera {args:?} with failpoint {point} exited successfully:\n{stderr}"
        );
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGABRT),
            "tessera {args:?} with failpoint {point} should have aborted, but {}:\n{stderr}",
            out.status
        );
        assert!(
            stderr.contains(&format!("failpoint {point} reached")),
            "tessera {args:?} died without reaching failpoint {point}:\n{stderr}"
        );
        out
    }

    fn add(&self, index: &Path, input: &Path) {
        self.run_ok(&[
            "index",
            "add",
            s(input),
            "--index",
            s(index),
            "--on-duplicate",
            "replace",
        ]);
    }

    fn stats(&self, index: &Path) -> Stats {
        let out = self.run_ok(&["index", "stats", "--index", s(index), "--json"]);
        let v: Value = serde_json::from_slice(&out.stdout).expect("stats --json prints JSON");
        let num = |k: &str| {
            v[k].as_u64()
                .unwrap_or_else(|| panic!("stats --json lacks {k}: {v}"))
        };
        Stats {
            documents: num("documents"),
            deleted: num("deleted"),
            segments: num("segments"),
            generation: num("generation"),
        }
    }

    /// `trace --id` as JSON.
    fn trace_id(&self, index: &Path, id: &str) -> Value {
        let out = self.run_ok(&["trace", "--id", id, "--index", s(index), "--format", "json"]);
        serde_json::from_slice(&out.stdout).expect("trace --format json prints JSON")
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stats {
    documents: u64,
    deleted: u64,
    segments: u64,
    generation: u64,
}

// ---------------------------------------------------------------------------
// Synthetic articles

/// splitmix64: a tiny seeded generator, so inputs are the same every run.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

const SYLLABLES: [&str; 32] = [
    "ka", "lo", "mi", "ne", "tu", "ra", "si", "ve", "do", "pa", "le", "ri", "zo", "mu", "ga", "te",
    "bi", "no", "sa", "fu", "ber", "tal", "gon", "mir", "sel", "dra", "kin", "vor", "lem", "pas",
    "hul", "rin",
];

/// Generates articles of random words from a fixed vocabulary (words of
/// two to four syllables): every text is unique, so each one can be found
/// again by its exact content.
struct Corpus {
    vocab: Vec<String>,
    rng: Rng,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Doc {
    id: String,
    title: String,
    text: String,
}

impl Corpus {
    fn new(seed: u64) -> Corpus {
        let mut rng = Rng(0x7e55_e7a0);
        let vocab = (0..4000)
            .map(|_| {
                let n = 2 + rng.below(3);
                (0..n)
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                    .collect()
            })
            .collect();
        Corpus {
            vocab,
            rng: Rng(seed),
        }
    }

    fn text(&mut self, words: usize) -> String {
        let mut t = String::with_capacity(words * 8);
        let mut sentence = 0;
        for k in 0..words {
            if k > 0 {
                t.push(' ');
            }
            t.push_str(&self.vocab[self.rng.below(self.vocab.len())]);
            sentence += 1;
            if sentence >= 8 + self.rng.below(12) || k + 1 == words {
                t.push('.');
                sentence = 0;
            }
        }
        t
    }

    /// Article `id`, version `version`, of about `words` words.
    fn doc(&mut self, id: &str, version: u32, words: usize) -> Doc {
        let words = words - words / 4 + self.rng.below(words / 2 + 1);
        Doc {
            id: id.to_string(),
            title: format!("{id} version {version}"),
            text: self.text(words),
        }
    }

    fn docs(&mut self, prefix: &str, range: std::ops::Range<usize>, words: usize) -> Vec<Doc> {
        range
            .map(|i| self.doc(&format!("{prefix}-{i:05}"), 1, words))
            .collect()
    }
}

fn jsonl(docs: &[Doc]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in docs {
        let line = serde_json::json!({
            "id": d.id,
            "title": d.title,
            "text": d.text,
            "date": "2024-03-05T10:00:00Z",
        });
        serde_json::to_writer(&mut out, &line).expect("serialize a record");
        out.push(b'\n');
    }
    out
}

fn write_jsonl(path: &Path, docs: &[Doc]) {
    std::fs::write(path, jsonl(docs))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

// ---------------------------------------------------------------------------
// Expected states

/// The documents an index should hold, by id.
type State = BTreeMap<String, Doc>;

fn with(state: &State, docs: &[Doc]) -> State {
    let mut s = state.clone();
    for d in docs {
        s.insert(d.id.clone(), d.clone());
    }
    s
}

fn without(state: &State, ids: &[String]) -> State {
    let mut s = state.clone();
    for id in ids {
        s.remove(id);
    }
    s
}

/// Checks that the index in `index` holds exactly `state`: the document
/// count, a sample of ids by `trace --id`, and (every `stride`-th of) the
/// live texts by probing them with `trace --jsonl`, while the other texts of
/// `universe` (versions that must not be live) must not be found.
fn check_state(
    h: &Harness,
    index: &Path,
    state: &State,
    universe: &[Doc],
    stride: usize,
    label: &str,
) {
    let stats = h.stats(index);
    assert_eq!(
        stats.documents,
        state.len() as u64,
        "{label}: live documents of the index ({stats:?})"
    );

    // A sample of ids by `trace --id`: the right version of each.
    let live: Vec<&Doc> = state.values().collect();
    let mut sample: Vec<&Doc> = Vec::new();
    if !live.is_empty() {
        sample.extend([live[0], live[live.len() / 2], live[live.len() - 1]]);
    }
    sample.extend(
        live.iter()
            .filter(|d| !d.title.ends_with("version 1"))
            .take(2)
            .copied(),
    );
    for d in sample {
        let r = h.trace_id(index, &d.id);
        assert_eq!(r["query_id"], d.id.as_str(), "{label}: trace --id {}", d.id);
        assert_eq!(
            r["query_title"],
            d.title.as_str(),
            "{label}: trace --id {} found another version",
            d.id
        );
        assert_eq!(
            r["query_length"],
            d.text.chars().count() as u64,
            "{label}: trace --id {} found a text of another length",
            d.id
        );
    }
    let absent: BTreeSet<&str> = universe
        .iter()
        .map(|d| d.id.as_str())
        .filter(|id| !state.contains_key(*id))
        .collect();
    for id in absent.iter().take(2) {
        let out = h.run(&["trace", "--id", id, "--index", s(index), "--format", "json"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{label}: trace --id {id} (not in this state) should fail cleanly:\n{err}"
        );
        assert!(
            err.contains("not in the index"),
            "{label}: trace --id {id}: unexpected error:\n{err}"
        );
    }

    // Every live text is found under its id; no other version is.
    let ghosts: Vec<&Doc> = universe
        .iter()
        .filter(|d| state.get(&d.id) != Some(*d))
        .step_by(stride)
        .collect();
    let live: Vec<&Doc> = live.into_iter().step_by(stride).collect();
    let mut probes = Vec::new();
    for (kind, docs) in [("live", &live), ("ghost", &ghosts)] {
        for (k, d) in docs.iter().enumerate() {
            probes.push(Doc {
                id: format!("probe/{kind}/{k}"),
                title: String::new(),
                text: d.text.clone(),
            });
        }
    }
    if probes.is_empty() {
        return;
    }
    let stem: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let file = h.path(&format!("probes-{stem}.jsonl"));
    let lines: Vec<u8> = probes
        .iter()
        .flat_map(|p| {
            let mut l = serde_json::to_vec(&serde_json::json!({"id": p.id, "text": p.text}))
                .expect("serialize a probe");
            l.push(b'\n');
            l
        })
        .collect();
    std::fs::write(&file, lines).expect("write probes");
    let out = h.run_ok(&[
        "trace",
        "--jsonl",
        s(&file),
        "--index",
        s(index),
        "--format",
        "json",
    ]);
    let reports: BTreeMap<String, Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("one JSON report per line");
            (v["query_id"].as_str().unwrap_or_default().to_string(), v)
        })
        .collect();
    assert_eq!(reports.len(), probes.len(), "{label}: one report per probe");
    for (k, d) in live.iter().enumerate() {
        let r = &reports[&format!("probe/live/{k}")];
        let top = &r["passages"][0];
        let coverage = r["coverage"].as_f64().unwrap_or(0.0);
        assert!(
            top["source_id"] == d.id.as_str() && coverage > 0.99,
            "{label}: the text of {} is not found as a live document (top passage {top}, coverage {coverage})",
            d.id
        );
        assert_eq!(
            top["source_title"],
            d.title.as_str(),
            "{label}: {} found with the wrong title",
            d.id
        );
    }
    for (k, d) in ghosts.iter().enumerate() {
        let r = &reports[&format!("probe/ghost/{k}")];
        let coverage = r["coverage"].as_f64().unwrap_or(1.0);
        assert!(
            coverage < 0.5,
            "{label}: a text of {} ({}) that must not be live is found: {}",
            d.id,
            d.title,
            r["sources"]
        );
    }
}

// ---------------------------------------------------------------------------
// Index directory

/// The files the committed MANIFEST names (segments and deletion files).
fn manifest_files(index: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(index.join("MANIFEST")).expect("read MANIFEST");
    let nl = bytes
        .iter()
        .position(|&b| b == b'\n')
        .expect("MANIFEST has a header line");
    let head = std::str::from_utf8(&bytes[..nl]).expect("MANIFEST header is UTF-8");
    let words: Vec<&str> = head.split(' ').collect();
    assert_eq!(words.len(), 4, "MANIFEST header {head:?}");
    assert_eq!(words[0], "tessera-index", "MANIFEST header {head:?}");
    let body = &bytes[nl + 1..];
    assert_eq!(
        words[3].parse::<usize>().ok(),
        Some(body.len()),
        "MANIFEST header {head:?} gives the body length"
    );
    let m: Value = serde_json::from_slice(body).expect("MANIFEST body is JSON");
    let mut names = BTreeSet::new();
    for seg in m["segments"].as_array().expect("MANIFEST lists segments") {
        names.insert(
            seg["name"]
                .as_str()
                .expect("a segment has a name")
                .to_string(),
        );
        if let Some(d) = seg.get("deletes").and_then(Value::as_str) {
            names.insert(d.to_string());
        }
    }
    names
}

fn dir_files(index: &Path) -> BTreeSet<String> {
    std::fs::read_dir(index)
        .expect("list the index directory")
        .map(|e| {
            e.expect("read a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Files of the directory that the MANIFEST does not name.
fn leftovers(index: &Path) -> Vec<String> {
    let named = manifest_files(index);
    dir_files(index)
        .into_iter()
        .filter(|n| n != "MANIFEST" && n != "LOCK" && !named.contains(n))
        .collect()
}

/// The directory holds MANIFEST, LOCK and exactly the segment and deletion
/// files the MANIFEST names.
fn assert_clean(index: &Path, label: &str) {
    let named = manifest_files(index);
    let files = dir_files(index);
    for n in &named {
        assert!(
            (n.starts_with("seg-") && (n.ends_with(".tseg") || n.ends_with(".tdel"))),
            "{label}: MANIFEST names an unexpected file {n}"
        );
        assert!(
            files.contains(n),
            "{label}: MANIFEST names {n}, which is missing"
        );
    }
    assert!(files.contains("MANIFEST"), "{label}: no MANIFEST");
    let stray = leftovers(index);
    assert!(
        stray.is_empty(),
        "{label}: files left over in the index directory: {stray:?} (all files: {files:?})"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for e in std::fs::read_dir(from).expect("list a directory") {
        let e = e.expect("read a directory entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy an index file");
    }
}

// ---------------------------------------------------------------------------
// Failpoints: a writer aborted at each step of a commit

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Delete,
    Compact,
}

/// Whether the failpoint comes after the new MANIFEST is in place.
fn commits(point: &str) -> bool {
    point == "after-manifest"
}

/// Builds a committed state (batch A, then a deletion, so that a deletion
/// file exists), runs `op` with `TESSERA_FAILPOINT=point`, and checks the
/// state after the crash, after a normal `index add` of batch B, and (for
/// delete and compact) after running the interrupted command again.
fn crash_case(op: Op, point: &str) {
    let label = format!("{op:?} at {point}");
    let h = Harness::new();
    let index = h.path("index");
    let mut corpus = Corpus::new(0xC0FFEE);

    let a = corpus.docs("a", 0..1500, 120);
    let pre_deleted: Vec<String> = (0..1500)
        .filter(|i| i % 75 == 3)
        .map(|i| a[i].id.clone())
        .collect();
    let to_delete: Vec<String> = (0..1500)
        .filter(|i| i % 50 == 7)
        .map(|i| a[i].id.clone())
        .collect();
    // B: new documents, and new versions of some of A's.
    let mut b = corpus.docs("b", 0..900, 120);
    b.extend(
        (0..1500)
            .filter(|i| i % 15 == 1)
            .map(|i| corpus.doc(&a[i].id, 2, 120)),
    );
    let universe: Vec<Doc> = a.iter().chain(&b).cloned().collect();
    let (a_file, b_file) = (h.path("a.jsonl"), h.path("b.jsonl"));
    write_jsonl(&a_file, &a);
    write_jsonl(&b_file, &b);

    // The last committed state: A minus a few documents (generation 2).
    h.add(&index, &a_file);
    let mut del_args = vec!["index", "delete", "--index", s(&index)];
    del_args.extend(pre_deleted.iter().map(String::as_str));
    h.run_ok(&del_args);
    let committed = without(&with(&State::new(), &a), &pre_deleted);
    let before = h.stats(&index);
    assert_eq!(before.generation, 2, "{label}: setup");
    assert_eq!(before.documents, committed.len() as u64, "{label}: setup");
    assert_clean(&index, &format!("{label}: setup"));

    // The crash.
    let (args, new_state): (Vec<&str>, State) = match op {
        Op::Add => (
            vec![
                "index",
                "add",
                s(&b_file),
                "--index",
                s(&index),
                "--on-duplicate",
                "replace",
            ],
            with(&committed, &b),
        ),
        Op::Delete => {
            let mut v = vec!["index", "delete", "--index", s(&index)];
            v.extend(to_delete.iter().map(String::as_str));
            (v, without(&committed, &to_delete))
        }
        Op::Compact => (
            vec!["index", "compact", "--index", s(&index)],
            committed.clone(),
        ),
    };
    h.run_crashing(point, &args);
    let after_crash = if commits(point) {
        new_state
    } else {
        committed.clone()
    };
    let stats = h.stats(&index);
    let expect_generation = if commits(point) { 3 } else { 2 };
    assert_eq!(
        stats.generation, expect_generation,
        "{label}: generation after the crash"
    );
    // The crash happened mid-commit: something is left for the next writer.
    let stray = leftovers(&index);
    assert!(
        !stray.is_empty(),
        "{label}: the aborted writer left no file behind ({:?}); did it stop where expected?",
        dir_files(&index)
    );
    check_state(
        &h,
        &index,
        &after_crash,
        &universe,
        1,
        &format!("{label}: after the crash"),
    );
    // Reading does not repair anything: the leftovers are still there.
    assert_eq!(
        leftovers(&index),
        stray,
        "{label}: readers changed the directory"
    );

    // The next writer cleans up and works.
    h.add(&index, &b_file);
    let recovered = with(&after_crash, &b);
    check_state(
        &h,
        &index,
        &recovered,
        &universe,
        1,
        &format!("{label}: after adding B again"),
    );
    assert_clean(&index, &format!("{label}: after adding B again"));
    assert_eq!(
        h.stats(&index).generation,
        expect_generation + 1,
        "{label}: one commit by the recovering add"
    );

    // The interrupted command itself works now.
    match op {
        Op::Add => {}
        Op::Delete => {
            let mut v = vec!["index", "delete", "--ignore-missing", "--index", s(&index)];
            v.extend(to_delete.iter().map(String::as_str));
            h.run_ok(&v);
            let done = without(&recovered, &to_delete);
            check_state(
                &h,
                &index,
                &done,
                &universe,
                1,
                &format!("{label}: after deleting again"),
            );
            assert_clean(&index, &format!("{label}: after deleting again"));
        }
        Op::Compact => {
            h.run_ok(&["index", "compact", "--index", s(&index)]);
            let stats = h.stats(&index);
            assert_eq!(
                (stats.deleted, stats.segments),
                (0, 1),
                "{label}: compacted index {stats:?}"
            );
            check_state(
                &h,
                &index,
                &recovered,
                &universe,
                1,
                &format!("{label}: after compacting again"),
            );
            assert_clean(&index, &format!("{label}: after compacting again"));
        }
    }
}

#[test]
fn add_aborted_before_segment_rename_keeps_last_commit() {
    crash_case(Op::Add, "segment-before-rename");
}

#[test]
fn add_aborted_after_segment_flush_keeps_last_commit() {
    crash_case(Op::Add, "after-segment-flush");
}

#[test]
fn add_aborted_before_manifest_keeps_last_commit() {
    crash_case(Op::Add, "before-manifest");
}

#[test]
fn add_aborted_after_manifest_keeps_new_commit() {
    crash_case(Op::Add, "after-manifest");
}

#[test]
fn delete_aborted_before_manifest_keeps_last_commit() {
    crash_case(Op::Delete, "before-manifest");
}

#[test]
fn delete_aborted_after_manifest_keeps_new_commit() {
    crash_case(Op::Delete, "after-manifest");
}

#[test]
fn compact_aborted_before_segment_rename_keeps_last_commit() {
    crash_case(Op::Compact, "segment-before-rename");
}

#[test]
fn compact_aborted_after_segment_flush_keeps_last_commit() {
    crash_case(Op::Compact, "after-segment-flush");
}

#[test]
fn compact_aborted_before_manifest_keeps_last_commit() {
    crash_case(Op::Compact, "before-manifest");
}

// ---------------------------------------------------------------------------
// SIGKILL at points spread over a real run

/// When to kill the writer.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// This long after it started.
    Delay(Duration),
    /// As soon as a segment is being written (its temporary file exists).
    SegmentWriting,
    /// As soon as a new segment file is in place (before the MANIFEST names
    /// it, if the kill is quick enough).
    SegmentRenamed,
}

/// Waits for `child` until `done` holds (checked every millisecond) or the
/// child exits; returns its exit status if it exited.
fn wait_until(child: &mut Child, mut done: impl FnMut() -> bool) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the writer") {
            return Some(status);
        }
        if done() {
            return None;
        }
        assert!(start.elapsed() < HANG_GUARD, "the writer seems to hang");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits for `child` to exit.
fn wait_guarded(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll a child") {
            return status;
        }
        assert!(start.elapsed() < HANG_GUARD, "tessera seems to hang");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn sigkill_during_add_leaves_previous_or_new_state() {
    let h = Harness::new();
    let mut corpus = Corpus::new(0x5161_1111);
    let a = corpus.docs("a", 0..1000, 150);
    // B: about 30 MB of text, new versions of some of A's documents first.
    let mut b: Vec<Doc> = (0..1000)
        .filter(|i| i % 20 == 0)
        .map(|i| corpus.doc(&a[i].id, 2, 150))
        .collect();
    b.extend(corpus.docs("b", 0..16_000, 270));
    let c = corpus.docs("c", 0..50, 100);
    let universe: Vec<Doc> = a.iter().chain(&b).chain(&c).cloned().collect();
    let (a_file, b_file, c_file) = (h.path("a.jsonl"), h.path("b.jsonl"), h.path("c.jsonl"));
    write_jsonl(&a_file, &a);
    write_jsonl(&b_file, &b);
    write_jsonl(&c_file, &c);

    let state_a = with(&State::new(), &a);
    let state_ab = with(&state_a, &b);
    let pristine = h.path("pristine");
    h.add(&pristine, &a_file);
    let base_generation = h.stats(&pristine).generation;
    let base_files = dir_files(&pristine);
    let add_b = |index: &Path| -> Child {
        let err = File::create(index.with_extension("stderr")).expect("create a stderr file");
        h.command(&[
            "index",
            "add",
            s(&b_file),
            "--index",
            s(index),
            "--on-duplicate",
            "replace",
        ])
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("start tessera index add")
    };

    // One run to the end, to know how long a run takes.
    let timed = h.path("timed");
    copy_dir(&pristine, &timed);
    let start = Instant::now();
    let status = add_b(&timed).wait().expect("wait for the writer");
    let full = start.elapsed();
    assert!(status.success(), "the unkilled run failed: {status}");
    check_state(&h, &timed, &state_ab, &universe, 25, "unkilled run");
    std::fs::remove_dir_all(&timed).expect("remove an index");

    let mut points: Vec<KillAt> = [0.1, 0.3, 0.5, 0.7, 0.9]
        .iter()
        .map(|f| KillAt::Delay(full.mul_f64(*f)))
        .collect();
    points.extend([KillAt::SegmentWriting, KillAt::SegmentRenamed]);
    let mut outcomes = Vec::new();
    for (k, point) in points.into_iter().enumerate() {
        let label = format!("kill {k} ({point:?})");
        let index = h.path(&format!("killed-{k}"));
        copy_dir(&pristine, &index);
        let mut child = add_b(&index);
        let started = Instant::now();
        let exited = match point {
            KillAt::Delay(d) => wait_until(&mut child, || started.elapsed() >= d),
            KillAt::SegmentWriting => wait_until(&mut child, || {
                dir_files(&index).iter().any(|n| n.ends_with(".tseg.tmp"))
            }),
            KillAt::SegmentRenamed => wait_until(&mut child, || {
                dir_files(&index)
                    .iter()
                    .any(|n| n.ends_with(".tseg") && !base_files.contains(n))
            }),
        };
        let status = match exited {
            Some(status) => status,
            None => {
                // `Child::kill` sends SIGKILL on Unix.
                child.kill().expect("send SIGKILL to the writer");
                child.wait().expect("wait for the killed writer")
            }
        };
        let stderr = std::fs::read_to_string(index.with_extension("stderr")).unwrap_or_default();
        assert!(
            status.success() || status.signal() == Some(libc::SIGKILL),
            "{label}: the writer failed on its own ({status}):\n{stderr}"
        );

        // The index opens in the previous or the new state, nothing else.
        let stats = h.stats(&index);
        let (state, name) = if stats.generation == base_generation {
            (&state_a, "previous")
        } else if stats.generation == base_generation + 1 {
            (&state_ab, "new")
        } else {
            panic!("{label}: unexpected generation after the kill: {stats:?}")
        };
        if status.success() {
            assert_eq!(name, "new", "{label}: the run completed but left {stats:?}");
        }
        outcomes.push(format!(
            "{label}: {} after {:.2} s, {name} state, leftovers {:?}",
            if status.success() {
                "completed"
            } else {
                "killed"
            },
            started.elapsed().as_secs_f64(),
            leftovers(&index)
        ));
        check_state(&h, &index, state, &universe, 25, &label);

        // A following add works and cleans up.
        h.add(&index, &c_file);
        check_state(
            &h,
            &index,
            &with(state, &c),
            &universe,
            25,
            &format!("{label}: then adding C"),
        );
        assert_clean(&index, &format!("{label}: then adding C"));
        std::fs::remove_dir_all(&index).expect("remove an index");
    }
    eprintln!(
        "unkilled run: {:.2} s\n{}",
        full.as_secs_f64(),
        outcomes.join("\n")
    );
}

// ---------------------------------------------------------------------------
// One writer at a time

#[test]
fn second_writer_is_refused_while_first_runs() {
    let h = Harness::new();
    let index = h.path("index");
    let mut corpus = Corpus::new(0x10C4);
    let a = corpus.docs("a", 0..300, 120);
    let b = corpus.docs("b", 0..3000, 150);
    let other = corpus.docs("other", 0..100, 120);
    let universe: Vec<Doc> = a.iter().chain(&b).chain(&other).cloned().collect();
    let (a_file, other_file) = (h.path("a.jsonl"), h.path("other.jsonl"));
    write_jsonl(&a_file, &a);
    write_jsonl(&other_file, &other);
    h.add(&index, &a_file);
    let state_a = with(&State::new(), &a);

    // The first writer reads B from a pipe: it holds the lock from the start
    // and keeps it until its input ends.
    let first_err = h.path("first.stderr");
    let mut first = h
        .command(&["index", "add", "-", "--index", s(&index)])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(File::create(&first_err).expect("create a stderr file"))
        .spawn()
        .expect("start the first writer");
    let mut input = first.stdin.take().expect("the first writer's stdin");
    let data = jsonl(&b);
    let half = data.len() / 2;
    let half = half + data[half..].iter().position(|&c| c == b'\n').unwrap_or(0) + 1;
    // More than a pipe buffer: once written, the writer is reading its input,
    // so it has opened the index and holds the lock.
    assert!(half > 1 << 20, "the first half must exceed a pipe buffer");
    input.write_all(&data[..half]).unwrap_or_else(|e| {
        panic!(
            "the first writer stopped reading: {e}\n{}",
            std::fs::read_to_string(&first_err).unwrap_or_default()
        )
    });

    // Other writers are refused with a clear error, and do not wait.
    let refused = |args: &[&str], what: &str| {
        let mut child = h
            .command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the second writer");
        let status = wait_guarded(&mut child);
        let out = child.wait_with_output().expect("collect the second writer");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            status.code(),
            Some(1),
            "{what} while another writer runs should fail with an error:\n{err}"
        );
        assert!(
            err.contains("locked"),
            "{what}: the error should say that the index is locked:\n{err}"
        );
        assert!(
            !err.contains("panicked"),
            "{what}: a panic instead of an error:\n{err}"
        );
    };
    refused(
        &["index", "add", s(&other_file), "--index", s(&index)],
        "index add",
    );
    refused(
        &["index", "delete", "a-00001", "--index", s(&index)],
        "index delete",
    );
    refused(&["index", "compact", "--index", s(&index)], "index compact");
    // Readers see the last commit meanwhile.
    check_state(
        &h,
        &index,
        &state_a,
        &universe,
        10,
        "while the first writer runs",
    );

    // The first writer completes.
    input
        .write_all(&data[half..])
        .expect("feed the first writer");
    drop(input);
    let status = wait_guarded(&mut first);
    assert!(
        status.success(),
        "the first writer failed ({status}):\n{}",
        std::fs::read_to_string(&first_err).unwrap_or_default()
    );
    check_state(
        &h,
        &index,
        &with(&state_a, &b),
        &universe,
        1,
        "after the first writer",
    );
    assert_clean(&index, "after the first writer");
}
