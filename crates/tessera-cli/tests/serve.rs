//! `tessera serve`, tested against the real server on a loopback port:
//! every endpoint, bad requests, the token, the limits, reads during
//! writes, and the OpenAPI document checked against the real responses.

// A scenario test reads best as one script from start to end.
#![allow(clippy::too_many_lines)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

const WIRE: &str = "On the second and final day of his visit to Moscow, Kerry called for stepping up \
cooperation between the United States and Russia to thwart jihadist groups and revive the stalled Syria \
peace process, hours after at least 84 people were killed in an attack in Nice. Officials said the talks \
would continue next week in Geneva with experts from both sides.";

const SPUN: &str = "The weather was fine in Moscow on Friday. On the second and final day of his visit to \
Moscow, Kerry called for stepping up cooperation between the United States and Russian Federation to thwart \
jihadist groups and revive the stalled Syria peace process, hours after at least 84 people were killed in an \
attack in Nice. Nobody else commented on the matter at all.";

const OIL: &str = "Shares of oil companies rose sharply on Tuesday after the cartel agreed to cut \
production by a million barrels a day, traders in London and New York said.";

/// A running server, killed when dropped (also if the test panics).
struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(index: &Path, args: &[&str]) -> Server {
        Server::start_with_env(index, args, &[])
    }

    fn start_with_env(index: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--index"])
            .arg(index)
            .args(["--addr", "127.0.0.1:0", "--shutdown-after", "300s"])
            .args(args)
            .env_remove("TESSERA_TOKEN")
            .env_remove("RUST_LOG")
            .env_remove("TESSERA_FAILPOINT")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tessera serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("read the address line");
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let mut stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Server { child, base, log }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The log once it holds `needle`: stderr is read by a thread, so a
    /// line the server wrote before answering may not be here yet when the
    /// answer is. Gives the log as it is after 10 s without the line.
    fn log_with(&self, needle: &str) -> String {
        eventually(|| self.log().contains(needle));
        self.log()
    }
}

/// Whether `pred` holds within 10 s, asked every 50 ms: for what a server
/// does after it answers, or a commit it picks up on an interval.
fn eventually(mut pred: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if pred() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Sends a request; returns the status and the body parsed as JSON.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, Value) {
    let a = agent();
    let mut resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.call()
        }
        ("DELETE", _) => {
            let mut r = a.delete(url);
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.call()
        }
        (_, b) => {
            let mut r = a.post(url).header("Content-Type", "application/json");
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.send(b.unwrap_or(""))
        }
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn index_with(docs: &[Value]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("docs.jsonl");
    let body: String = docs.iter().map(|d| format!("{d}\n")).collect();
    std::fs::write(&input, body).expect("write");
    let index = dir.path().join("idx");
    let out = Command::new(BIN)
        .args(["index", "add"])
        .arg(&input)
        .arg("--index")
        .arg(&index)
        .arg("-q")
        .output()
        .expect("index add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, index)
}

fn corpus() -> Vec<Value> {
    vec![
        json!({"id": "afp-1", "text": WIRE, "title": "Kerry in Moscow", "outlet": "AFP", "date": "2016-07-15T14:00:00Z"}),
        json!({"id": "copy-2", "text": WIRE, "outlet": "Aggregator", "date": "2016-07-16"}),
        json!({"id": "oil-3", "text": OIL, "date": "1987-03-01"}),
    ]
}

/// Validates responses against the schemas of the served OpenAPI document.
struct Spec {
    doc: Value,
}

impl Spec {
    fn fetch(server: &Server) -> Spec {
        let (status, doc) = call("GET", &server.url("/v1/openapi.json"), None, None);
        assert_eq!(status, 200);
        assert_eq!(doc["openapi"], "3.1.0");
        Spec { doc }
    }

    /// Asserts that `value` matches component schema `name`.
    fn check(&self, name: &str, value: &Value) {
        assert!(
            self.doc["components"]["schemas"].get(name).is_some(),
            "no schema {name} in the OpenAPI document"
        );
        let mut schema = json!({"components": self.doc["components"].clone()});
        schema["$ref"] = json!(format!("#/components/schemas/{name}"));
        let validator = jsonschema::validator_for(&schema).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "response does not match schema {name}: {errors:#?}\n{value:#}"
        );
    }

    /// Asserts that the document lists this status for this operation.
    fn documents(&self, path: &str, method: &str, status: u16) {
        let responses = &self.doc["paths"][path][method]["responses"];
        assert!(
            responses.get(status.to_string()).is_some(),
            "the OpenAPI document does not list {status} for {method} {path}"
        );
    }
}

#[test]
fn every_endpoint_answers_as_documented() {
    let (_dir, index) = index_with(&corpus());
    let token = "s3cret-token-value";
    let server = Server::start(&index, &["--token", token]);
    let spec = Spec::fetch(&server);

    let (s, health) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(s, 200);
    spec.check("Health", &health);
    assert_eq!(health["documents"], 3);

    let (s, stats) = call("GET", &server.url("/v1/stats"), None, None);
    assert_eq!(s, 200);
    spec.check("IndexStats", &stats);

    // Trace an article.
    let body = json!({"text": SPUN, "id": "q1", "title": "Kerry meets Putin"}).to_string();
    let (s, report) = call("POST", &server.url("/v1/trace"), None, Some(&body));
    assert_eq!(s, 200, "{report}");
    spec.check("TraceReport", &report);
    assert_eq!(report["query_id"], "q1");
    let p = &report["passages"][0];
    assert_eq!(p["source_id"], "afp-1");
    assert_eq!(p["alternatives"][0]["source_id"], "copy-2");
    assert_eq!(p["edits"][0]["source"], "Russia");
    assert_eq!(p["edits"][0]["query"], "Russian Federation");

    // With its date, a later document is a later copy, never a source.
    let body = json!({"text": SPUN, "date": "2016-07-15T20:00:00Z"}).to_string();
    let (s, report) = call("POST", &server.url("/v1/trace"), None, Some(&body));
    assert_eq!(s, 200, "{report}");
    spec.check("TraceReport", &report);
    assert_eq!(report["query_date"], "2016-07-15T20:00:00Z");
    assert_eq!(report["passages"][0]["source_id"], "afp-1");
    assert_eq!(report["passages"][0]["alternatives"], json!([]));
    assert_eq!(report["later_copies"][0]["source_id"], "copy-2");
    let body = json!({"text": SPUN, "date": "15 July 2016"}).to_string();
    let (s, e) = call("POST", &server.url("/v1/trace"), None, Some(&body));
    assert_eq!(s, 400, "{e}");
    spec.check("Error", &e);

    // Trace an indexed document: it is not its own source, and its date is
    // its indexed one.
    let (s, report) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(r#"{"document_id": "copy-2"}"#),
    );
    assert_eq!(s, 200);
    assert_eq!(report["query_date"], "2016-07-16");
    assert_eq!(report["passages"][0]["source_id"], "afp-1");

    // One document.
    let (s, doc) = call("GET", &server.url("/v1/documents/afp-1"), None, None);
    assert_eq!(s, 200);
    spec.check("Document", &doc);
    assert_eq!(doc["text"], WIRE);
    assert_eq!(doc["outlet"], "AFP");

    // Writes need the token.
    let batch = format!(
        "{}\n{{\"id\": \"broken\"\n{}\n",
        json!({"id": "new-4", "text": "A brand new article about the harvest of apples in Normandy, where farmers expect a record year after a wet spring and a warm summer."}),
        json!({"id": "oil-3", "text": OIL, "outlet": "Wire"})
    );
    for (t, want) in [(None, 401), (Some("wrong"), 401)] {
        let (s, e) = call("POST", &server.url("/v1/documents"), t, Some(&batch));
        assert_eq!(s, want);
        spec.check("Error", &e);
        spec.documents("/v1/documents", "post", s);
        assert_eq!(e["error"]["code"], "unauthorized");
    }
    let (s, w) = call(
        "POST",
        &server.url("/v1/documents"),
        Some(token),
        Some(&batch),
    );
    assert_eq!(s, 200, "{w}");
    spec.check("WriteResponse", &w);
    assert_eq!(w["added"], 1);
    assert_eq!(w["replaced"], 1);
    assert_eq!(w["skipped"], 1);
    assert_eq!(w["skipped_records"][0]["location"]["line"], 2);
    assert_eq!(w["documents"], 4);
    // Read after write.
    let (_, doc) = call("GET", &server.url("/v1/documents/oil-3"), None, None);
    assert_eq!(doc["outlet"], "Wire");
    let (_, health) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(health["generation"], 2);

    // strict: a bad record refuses the whole batch.
    let (s, e) = call(
        "POST",
        &server.url("/v1/documents?strict=true"),
        Some(token),
        Some(&batch),
    );
    assert_eq!(s, 422);
    spec.check("Error", &e);
    spec.documents("/v1/documents", "post", 422);
    let (_, health) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(health["generation"], 2, "nothing was committed");

    // Delete.
    let (s, e) = call("DELETE", &server.url("/v1/documents/new-4"), None, None);
    assert_eq!(s, 401);
    spec.check("Error", &e);
    let (s, w) = call(
        "DELETE",
        &server.url("/v1/documents/new-4"),
        Some(token),
        None,
    );
    assert_eq!(s, 200);
    spec.check("WriteResponse", &w);
    assert_eq!(w["deleted"], 1);
    let (s, e) = call("GET", &server.url("/v1/documents/new-4"), None, None);
    assert_eq!(s, 404);
    spec.check("Error", &e);
    spec.documents("/v1/documents/{id}", "get", 404);
    let (s, e) = call(
        "DELETE",
        &server.url("/v1/documents/new-4"),
        Some(token),
        None,
    );
    assert_eq!(s, 404);
    spec.documents("/v1/documents/{id}", "delete", 404);
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("new-4")),
        "{e}"
    );

    // Bad requests.
    for (body, what) in [
        ("{bad", "malformed JSON"),
        (r#"{"text": "a", "document_id": "b"}"#, "exactly one"),
        (r#"{"texte": "typo"}"#, "unknown field"),
        (r#"{"text": "   "}"#, "empty"),
    ] {
        let (s, e) = call("POST", &server.url("/v1/trace"), None, Some(body));
        assert_eq!(s, 400, "{body}: {e}");
        spec.check("Error", &e);
        assert!(
            e["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(what)),
            "{body}: {e}"
        );
    }
    spec.documents("/v1/trace", "post", 400);
    let (s, e) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(r#"{"document_id": "nope"}"#),
    );
    assert_eq!(s, 404);
    spec.check("Error", &e);
    spec.documents("/v1/trace", "post", 404);
    let (s, e) = call(
        "POST",
        &server.url("/v1/documents"),
        Some(token),
        Some("\n\n"),
    );
    assert_eq!(s, 400);
    spec.check("Error", &e);
    let (s, e) = call("GET", &server.url("/v1/no/such/thing"), None, None);
    assert_eq!(s, 404);
    spec.check("Error", &e);

    // Metrics and the page.
    let (s, m) = call("GET", &server.url("/metrics"), None, None);
    assert_eq!(s, 200);
    let m = m.as_str().expect("text").to_string();
    assert!(
        m.contains(
            r#"tessera_http_requests_total{method="POST",route="/v1/trace",status="200"} 3"#
        ),
        "{m}"
    );
    assert!(
        m.contains("tessera_http_request_duration_seconds_bucket"),
        "{m}"
    );
    assert!(m.contains("tessera_index_documents 3"), "{m}");
    let (s, page) = call("GET", &server.url("/"), None, None);
    assert_eq!(s, 200);
    assert!(page.as_str().is_some_and(|p| p.contains("<html")), "{page}");

    // Every documented operation was exercised above with a documented status.
    for (path, method, status) in [
        ("/v1/health", "get", 200),
        ("/v1/stats", "get", 200),
        ("/v1/trace", "post", 200),
        ("/v1/documents", "post", 200),
        ("/v1/documents/{id}", "get", 200),
        ("/v1/documents/{id}", "delete", 200),
    ] {
        spec.documents(path, method, status);
    }

    // The token is never logged.
    let log = server.log_with("route=/v1/documents");
    assert!(log.contains("route=/v1/documents"), "{log}");
    assert!(
        !log.contains(token),
        "the token leaked into the log:\n{log}"
    );
}

#[test]
fn limits_give_clear_errors() {
    let (_dir, index) = index_with(&corpus());
    let server = Server::start(&index, &["--max-body", "2KB"]);
    let spec = Spec::fetch(&server);
    let big = json!({"text": "word ".repeat(1000)}).to_string();
    let (s, e) = call("POST", &server.url("/v1/trace"), None, Some(&big));
    assert_eq!(s, 413, "{e}");
    spec.check("Error", &e);
    spec.documents("/v1/trace", "post", 413);
    assert_eq!(e["error"]["code"], "payload_too_large");
    let (s, e) = call("POST", &server.url("/v1/documents"), None, Some(&big));
    assert_eq!(s, 413, "{e}");
    // A long article cannot be traced within a millisecond.
    drop(server);
    let server = Server::start(&index, &["--timeout", "1ms"]);
    let long: String = std::iter::repeat_n(SPUN, 800).collect::<Vec<_>>().join(" ");
    let (s, e) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": long}).to_string()),
    );
    assert!(s == 504 || s == 503, "{s} {e}");
    spec.check("Error", &e);
    spec.documents("/v1/trace", "post", s);
}

#[test]
fn reads_continue_while_a_large_batch_is_written() {
    let (_dir, index) = index_with(&corpus());
    let token = "t";
    let server = Server::start(&index, &["--token", token]);
    let batch: String = (0..4000)
        .map(|k| {
            format!(
                "{}\n",
                json!({"id": format!("bulk-{k}"), "text": format!("Bulk article {k}: {OIL} Figures for batch {k} were {} and {}.", k * 7, k * 13)})
            )
        })
        .collect();
    let url = server.url("/v1/documents");
    let writer = std::thread::spawn(move || call("POST", &url, Some(token), Some(&batch)));
    let body = json!({"text": SPUN}).to_string();
    let mut reads = 0;
    while !writer.is_finished() || reads < 5 {
        let (s, r) = call("POST", &server.url("/v1/trace"), None, Some(&body));
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["passages"][0]["source_id"], "afp-1");
        reads += 1;
    }
    let (s, w) = writer.join().expect("writer thread");
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["added"], 4000);
    let (_, health) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(health["documents"], 4003);
}

#[test]
fn a_cli_writer_holding_the_index_gives_409() {
    let (dir, index) = index_with(&corpus());
    let server = Server::start(&index, &[]);
    // `index add -` holds the writer lock while it reads standard input.
    let mut cli = Command::new(BIN)
        .args(["index", "add", "-", "--index"])
        .arg(&index)
        .arg("-q")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cli writer");
    let mut stdin = cli.stdin.take().expect("stdin");
    // Writing more than a pipe buffer means the CLI is reading, so it holds the lock.
    let line = format!("{}\n", json!({"id": "from-cli", "text": OIL}));
    let mut sent = 0;
    while sent < (1 << 20) {
        stdin.write_all(line.as_bytes()).expect("feed the cli");
        sent += line.len();
    }
    let body = format!("{}\n", json!({"id": "from-api", "text": OIL}));
    let (s, e) = call("POST", &server.url("/v1/documents"), None, Some(&body));
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "index_locked");
    drop(stdin);
    let out = cli.wait_with_output().expect("cli");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Once the CLI is done, the server's next write succeeds and sees its commit.
    let (s, w) = call("POST", &server.url("/v1/documents"), None, Some(&body));
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["documents"], 5);
    drop(dir);
}

#[test]
fn a_new_directory_becomes_an_empty_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&dir.path().join("fresh"), &[]);
    let (s, h) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(s, 200);
    assert_eq!(h["documents"], 0);
    let body: String = corpus().iter().map(|d| format!("{d}\n")).collect();
    let (s, w) = call("POST", &server.url("/v1/documents"), None, Some(&body));
    assert_eq!(s, 200, "{w}");
    let (s, r) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": SPUN}).to_string()),
    );
    assert_eq!(s, 200);
    assert_eq!(r["passages"][0]["source_id"], "afp-1");
}

#[test]
fn a_server_killed_during_a_write_loses_nothing_committed() {
    let (_dir, index) = index_with(&corpus());
    let server = Server::start(&index, &[]);
    let batch: String = (0..20_000)
        .map(|k| format!("{}\n", json!({"id": format!("big-{k}"), "text": format!("{OIL} Entry {k} of a long batch, {} barrels.", k * 3)})))
        .collect();
    let url = server.url("/v1/documents");
    let writer = std::thread::spawn(move || {
        // The connection breaks when the server dies; that is expected.
        let _ = agent().post(&url).send(&batch);
    });
    // Kill the server while it is reading or writing the batch.
    std::thread::sleep(Duration::from_millis(300));
    drop(server);
    let _ = writer.join();
    // The index opens, in its last committed state or with the whole batch.
    let out = Command::new(BIN)
        .args(["index", "stats", "--json", "--index"])
        .arg(&index)
        .output()
        .expect("stats");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: Value = serde_json::from_slice(&out.stdout).expect("json");
    let docs = stats["documents"].as_u64().expect("count");
    assert!(docs == 3 || docs == 20_003, "documents: {docs}");
    // And a restarted server serves it and accepts writes.
    let server = Server::start(&index, &[]);
    let (s, r) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": SPUN}).to_string()),
    );
    assert_eq!(s, 200);
    assert_eq!(r["passages"][0]["source_id"], "afp-1");
    let (s, w) = call(
        "POST",
        &server.url("/v1/documents"),
        None,
        Some(&format!("{}\n", json!({"id": "after", "text": WIRE}))),
    );
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["documents"].as_u64(), Some(docs + 1));
}

/// Sends a raw request and returns the status line's code and the body.
fn raw(base: &str, request: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let code = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (code, body)
}

/// Waits until the server closes `s` (EOF or reset), reading whatever it
/// sends; false if it is still open after `limit`.
fn closed_within(s: &mut std::net::TcpStream, limit: Duration) -> bool {
    let start = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut buf = [0u8; 1024];
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn slow_and_silent_clients_are_cut_off_while_health_and_traces_answer() {
    let (_dir, index) = index_with(&corpus());
    let server = Server::start(
        &index,
        &[
            "--header-timeout",
            "2s",
            "--body-timeout",
            "2s",
            "--max-connections",
            "600",
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_string();
    // 500 slow clients: half send nothing, half start a request head and stall.
    let mut slow: Vec<std::net::TcpStream> = (0..500)
        .map(|k| {
            let mut s = std::net::TcpStream::connect(&addr).expect("connect");
            if k % 2 == 1 {
                s.write_all(b"POST /v1/trace HTTP/1.1\r\nHost: x\r\n")
                    .expect("half a head");
            }
            s
        })
        .collect();
    // Health and traces answer while they hold their sockets.
    let (s, h) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(s, 200, "{h}");
    let (s, r) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": SPUN}).to_string()),
    );
    assert_eq!(s, 200, "{r}");
    // A body that never completes gets a 408.
    let mut stalled = std::net::TcpStream::connect(&addr).expect("connect");
    stalled
        .write_all(b"POST /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":")
        .expect("part of a body");
    // An idle kept-alive connection after a complete request.
    let mut idle = std::net::TcpStream::connect(&addr).expect("connect");
    idle.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    // Every one of them is closed by the server (bounded: header timeout
    // 2 s, generous margin for a loaded machine).
    let limit = Duration::from_secs(20);
    let open = slow
        .iter_mut()
        .map(|s| closed_within(s, limit))
        .filter(|closed| !closed)
        .count();
    assert_eq!(open, 0, "slow clients still connected");
    let mut answer = String::new();
    stalled.set_read_timeout(Some(limit)).expect("timeout");
    let _ = stalled.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(
        closed_within(&mut idle, limit),
        "idle keep-alive connection"
    );
    // The cap: with 4 connections at most, a fifth waits until a slot frees.
    drop(server);
    let server = Server::start(
        &index,
        &["--header-timeout", "1s", "--max-connections", "4"],
    );
    let addr = server.base.trim_start_matches("http://").to_string();
    let _held: Vec<std::net::TcpStream> = (0..8)
        .map(|_| std::net::TcpStream::connect(&addr).expect("connect"))
        .collect();
    let (s, m) = call("GET", &server.url("/metrics"), None, None);
    assert_eq!(s, 200);
    let m = m.as_str().expect("text").to_string();
    let open: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("tessera_http_connections "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no connection gauge in {m}"));
    assert!(
        (1..=4).contains(&open),
        "{open} connections open with a cap of 4"
    );
}

#[test]
fn commits_of_the_cli_are_served_within_the_refresh_interval() {
    let (dir, index) = index_with(&corpus());
    let server = Server::start(&index, &["--refresh-interval", "100ms"]);
    let (_, h) = call("GET", &server.url("/v1/health"), None, None);
    let first = h["generation"].as_u64().expect("generation");
    let more = dir.path().join("more.jsonl");
    std::fs::write(&more, format!("{}\n", json!({"id": "cli-9", "text": OIL}))).expect("write");
    let cli = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .arg("--index")
            .arg(&index)
            .arg("-q")
            .output()
            .expect("cli");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cli(&["index", "add", more.to_str().expect("path")]);
    assert!(
        eventually(|| call("GET", &server.url("/v1/documents/cli-9"), None, None).0 == 200),
        "the document added by the CLI is served"
    );
    let (_, h) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(h["documents"], 4);
    assert!(h["generation"].as_u64() > Some(first));
    cli(&["index", "delete", "afp-1"]);
    cli(&["index", "compact"]);
    assert!(
        eventually(|| call("GET", &server.url("/v1/documents/afp-1"), None, None).0 == 404),
        "the document deleted by the CLI is gone"
    );
    let (s, r) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": SPUN}).to_string()),
    );
    assert_eq!(s, 200);
    assert_eq!(r["passages"][0]["source_id"], "copy-2");
    let (_, m) = call("GET", &server.url("/metrics"), None, None);
    assert!(
        m.as_str()
            .is_some_and(|m| m.contains("tessera_index_documents 3")),
        "{m}"
    );
}

#[test]
fn cross_site_and_form_encoded_writes_are_refused() {
    let (_dir, index) = index_with(&corpus());
    let server = Server::start(&index, &[]);
    let doc = format!("{}\n", json!({"id": "evil", "text": OIL}));
    let post = |headers: &[(&str, &str)]| {
        let mut r = agent().post(&server.url("/v1/documents"));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let mut resp = r.send(&doc).expect("send");
        let status = resp.status().as_u16();
        let body: Value = serde_json::from_str(&resp.body_mut().read_to_string().expect("body"))
            .expect("a JSON error");
        (status, body)
    };
    // What a page of another site can send without a preflight.
    let (s, e) = post(&[("Content-Type", "text/plain")]);
    assert_eq!(s, 415, "{e}");
    assert_eq!(e["error"]["code"], "unsupported_media_type");
    let (s, e) = post(&[("Content-Type", "application/x-www-form-urlencoded")]);
    assert_eq!(s, 415, "{e}");
    let (s, e) = post(&[
        ("Content-Type", "application/x-ndjson"),
        ("Origin", "https://evil.example"),
    ]);
    assert_eq!(s, 403, "{e}");
    assert_eq!(e["error"]["code"], "cross_origin");
    let (s, _) = post(&[
        ("Content-Type", "application/x-ndjson"),
        ("Sec-Fetch-Site", "cross-site"),
    ]);
    assert_eq!(s, 403);
    let (s, e) = call("DELETE", &server.url("/v1/documents/afp-1"), None, None);
    assert_eq!(
        s, 200,
        "no Origin: not a browser, allowed without a token: {e}"
    );
    assert_eq!(
        call("GET", &server.url("/v1/documents/evil"), None, None).0,
        404
    );
    // The server's own page (same origin) and JSON Lines clients may write.
    let origin = server.base.clone();
    let (s, w) = post(&[
        ("Content-Type", "application/x-ndjson; charset=utf-8"),
        ("Origin", &origin),
    ]);
    assert_eq!(s, 200, "{w}");
}

#[test]
fn a_trace_past_the_timeout_is_cancelled_and_long_queries_get_413() {
    let (_dir, index) = index_with(&corpus());
    let server = Server::start(&index, &["--timeout", "1ms", "--max-query", "4MiB"]);
    let long: String = std::iter::repeat_n(SPUN, 3000)
        .collect::<Vec<_>>()
        .join(" ");
    let (s, e) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": long}).to_string()),
    );
    assert_eq!(s, 504, "{e}");
    // The work stopped at the deadline (counted), and the in-flight gauge
    // goes back to 0 only when it has.
    let mut m = String::new();
    eventually(|| {
        let (_, v) = call("GET", &server.url("/metrics"), None, None);
        m = v.as_str().unwrap_or_default().to_string();
        m.contains("tessera_traces_cancelled_total 1") && m.contains("tessera_traces_in_flight 0")
    });
    assert!(m.contains("tessera_traces_cancelled_total 1"), "{m}");
    assert!(m.contains("tessera_traces_in_flight 0"), "{m}");
    drop(server);
    let server = Server::start(&index, &["--max-query", "1KiB"]);
    let spec = Spec::fetch(&server);
    let (s, e) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": "word ".repeat(400)}).to_string()),
    );
    assert_eq!(s, 413, "{e}");
    spec.check("Error", &e);
    assert_eq!(e["error"]["code"], "query_too_large");
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1024")),
        "{e}"
    );
}

#[test]
fn every_error_is_json_and_documented() {
    let (_dir, index) = index_with(&corpus());
    let token = "Tok3n";
    let server = Server::start(&index, &["--token", token]);
    let spec = Spec::fetch(&server);
    let jsonl = format!("{}\n", json!({"id": "n1", "text": OIL}));
    // Unknown or invalid query parameters.
    for q in ["?bogus=1", "?strict=maybe", "?on_duplicate=merge"] {
        let (s, e) = call(
            "POST",
            &server.url(&format!("/v1/documents{q}")),
            Some(token),
            Some(&jsonl),
        );
        assert_eq!(s, 400, "{q}: {e}");
        spec.check("Error", &e);
    }
    // A method the path does not have.
    let (s, body) = raw(
        &server.base,
        "PUT /v1/trace HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(s, 405);
    let e: Value = serde_json::from_str(&body).expect("a JSON 405");
    spec.check("Error", &e);
    // `{}` and nulls: 400, and the spec says so.
    for body in [
        "{}",
        r#"{"text": null, "document_id": "copy-2"}"#,
        r#"{"document_id": "copy-2", "title": null}"#,
        "[]",
    ] {
        let (s, e) = call("POST", &server.url("/v1/trace"), None, Some(body));
        assert_eq!(s, 400, "{body}: {e}");
        spec.check("Error", &e);
    }
    let req = &spec.doc["components"]["schemas"]["TraceRequest"];
    let validator = jsonschema::validator_for(req).expect("schema");
    assert!(!validator.is_valid(&json!({})), "the spec must refuse {{}}");
    assert!(!validator.is_valid(&json!({"text": null, "document_id": "2"})));
    assert!(validator.is_valid(&json!({"document_id": "2"})));
    // The bearer scheme is case-insensitive.
    for scheme in ["bearer", "BEARER"] {
        let resp = agent()
            .post(&server.url("/v1/documents"))
            .header("Content-Type", "application/x-ndjson")
            .header("Authorization", &format!("{scheme} {token}"))
            .send(&jsonl)
            .expect("send");
        assert_eq!(resp.status().as_u16(), 200, "{scheme}");
    }
    // A write on a full disk (injected: the test build of the binary has
    // the index's failpoints): 507, no server path in the message, the
    // cause in the log, no partial file left.
    drop(server);
    let server = Server::start_with_env(
        &index,
        &["--token", token],
        &[("TESSERA_FAILPOINT", "segment-disk-full")],
    );
    let (s, e) = call(
        "POST",
        &server.url("/v1/documents"),
        Some(token),
        Some(&jsonl),
    );
    assert_eq!(s, 507, "{e}");
    spec.check("Error", &e);
    spec.documents("/v1/documents", "post", 507);
    let message = e["error"]["message"].as_str().expect("message");
    let dir_name = index.to_string_lossy().to_string();
    assert!(
        !message.contains(&dir_name) && !message.contains("seg-"),
        "{message}"
    );
    let log = server.log_with("No space left on device");
    assert!(log.contains("No space left on device"), "{log}");
    let leftovers: Vec<_> = std::fs::read_dir(&index)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
    let (_, h) = call("GET", &server.url("/v1/health"), None, None);
    assert_eq!(h["documents"], 4, "the failed write changed nothing");
}

/// Every page of `GET /v1/documents` from `query` on, following `next`.
fn list_all(server: &Server, spec: &Spec, query: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut after: Option<String> = None;
    loop {
        let cursor = after
            .as_deref()
            .map(|a| format!("&after={}", urlencode(a)))
            .unwrap_or_default();
        let (s, page) = call(
            "GET",
            &server.url(&format!("/v1/documents?{query}{cursor}")),
            None,
            None,
        );
        assert_eq!(s, 200, "{query}{cursor}: {page}");
        spec.check("DocumentListing", &page);
        pages += 1;
        for d in page["documents"].as_array().expect("documents") {
            ids.push(d["id"].as_str().expect("id").to_string());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => {
                assert!(page["next"].is_null(), "{page}");
                return (ids, pages);
            }
        }
        assert!(pages < 100, "paging does not end");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn documents_are_listed_by_id_a_page_at_a_time() {
    // Two segments (the CLI's, then a write over HTTP), a replaced id and a
    // deleted one: the listing is the live ids, in id order, once each.
    let mut docs = corpus();
    for k in 0..23 {
        docs.push(json!({"id": format!("wire/{k:02}"), "text": format!("{OIL} Item {k}."), "title": format!("Wire story {k}")}));
    }
    let (_dir, index) = index_with(&docs);
    let server = Server::start(&index, &[]);
    let spec = Spec::fetch(&server);
    let more = [
        json!({"id": "wire/05", "text": format!("{OIL} Replaced."), "title": "Replaced story"}),
        json!({"id": "wire/99", "text": format!("{OIL} Added later."), "outlet": "Later"}),
        json!({"id": "Zebra", "text": OIL}),
    ];
    let batch: String = more.iter().map(|d| format!("{d}\n")).collect();
    let (s, e) = call("POST", &server.url("/v1/documents"), None, Some(&batch));
    assert_eq!(s, 200, "{e}");
    let (s, e) = call("DELETE", &server.url("/v1/documents/wire%2F07"), None, None);
    assert_eq!((s, e["deleted"].as_u64()), (200, Some(1)), "{e}");

    let mut want: Vec<String> = docs
        .iter()
        .chain(&more)
        .map(|d| d["id"].as_str().expect("id").to_string())
        .filter(|id| id != "wire/07")
        .collect();
    want.sort();
    want.dedup();
    assert_eq!(want.len(), 27);

    // All of it, by pages of 5 (the last one short) and of the default.
    let (all, pages) = list_all(&server, &spec, "limit=5");
    assert_eq!(all, want);
    assert_eq!(pages, 6);
    let (all, pages) = list_all(&server, &spec, "");
    assert_eq!((all, pages), (want.clone(), 1));
    // Exactly a page's worth: no empty page after it.
    let (all, pages) = list_all(&server, &spec, "limit=27");
    assert_eq!((all.len(), pages), (27, 1));

    // A prefix, paged; `after` before the prefix starts at the prefix.
    let wires: Vec<String> = want
        .iter()
        .filter(|i| i.starts_with("wire/"))
        .cloned()
        .collect();
    assert_eq!(wires.len(), 23);
    let (got, pages) = list_all(&server, &spec, "prefix=wire%2F&limit=10");
    assert_eq!((got, pages), (wires.clone(), 3));
    let (s, page) = call(
        "GET",
        &server.url("/v1/documents?prefix=wire%2F1&after=afp-1&limit=3"),
        None,
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(page["documents"][0]["id"], "wire/10");
    assert_eq!(page["next"], "wire/12");
    let (s, page) = call(
        "GET",
        &server.url("/v1/documents?prefix=nothing"),
        None,
        None,
    );
    assert_eq!(
        (s, page["documents"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    assert!(page["next"].is_null());

    // Titles, outlets and dates come along; the replacement's title wins.
    let (_, page) = call(
        "GET",
        &server.url("/v1/documents?after=wire%2F04&limit=2"),
        None,
        None,
    );
    assert_eq!(
        page,
        json!({"documents": [
            {"id": "wire/05", "title": "Replaced story"},
            {"id": "wire/06", "title": "Wire story 6"},
        ], "next": "wire/06"})
    );
    let (_, page) = call("GET", &server.url("/v1/documents?limit=1"), None, None);
    assert_eq!(
        page["documents"][0],
        json!({"id": "Zebra"}),
        "byte order: capitals first"
    );
    let (_, page) = call("GET", &server.url("/v1/documents?prefix=afp"), None, None);
    assert_eq!(
        page["documents"][0],
        json!({"id": "afp-1", "title": "Kerry in Moscow", "outlet": "AFP", "date": "2016-07-15T14:00:00Z"})
    );

    // Bad parameters: 400, the JSON error shape, and the spec says so.
    for q in ["limit=0", "limit=1001", "limit=ten", "limit=-1", "bogus=1"] {
        let (s, e) = call(
            "GET",
            &server.url(&format!("/v1/documents?{q}")),
            None,
            None,
        );
        assert_eq!(s, 400, "{q}: {e}");
        spec.check("Error", &e);
        assert_eq!(e["error"]["code"], "bad_request", "{q}");
    }
    spec.documents("/v1/documents", "get", 400);
    // A search in ids and titles, any case, paged like the rest.
    let story1: Vec<String> = std::iter::once("wire/01".to_string())
        .chain((10..20).map(|k| format!("wire/{k}")))
        .collect();
    let (got, pages) = list_all(&server, &spec, "q=STORY%201&limit=5");
    assert_eq!((got, pages), (story1.clone(), 3));
    let (got, _) = list_all(&server, &spec, "q=story%201&prefix=wire%2F1");
    assert_eq!(got, story1[1..].to_vec());
    let (got, _) = list_all(&server, &spec, "q=zeB");
    assert_eq!(got, vec!["Zebra".to_string()]);
    let (got, _) = list_all(&server, &spec, "q=replaced");
    assert_eq!(got, vec!["wire/05".to_string()]);
    let (s, page) = call("GET", &server.url("/v1/documents?limit=1000"), None, None);
    assert_eq!(
        (s, page["documents"].as_array().map(Vec::len)),
        (200, Some(27))
    );
}

const PAGE: &str = r#"<!doctype html>
<html><head><title>Kerry in Moscow | Daily Paper</title>
<meta property="article:published_time" content="2016-07-17T08:00:00Z">
<script>var tracking = "On the second and final day";</script></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Kerry presses for cooperation</h1>
<p>The weather was fine in Moscow on Friday.</p>
<p>On the second and final day of his visit to Moscow, Kerry called for stepping up
cooperation between the United States and Russia to thwart jihadist groups and revive
the stalled Syria peace process, hours after at least 84 people were killed in an attack
in Nice. Officials said the talks would continue next week in Geneva with experts from
both sides.</p>
<p class="share">Share this story on every network</p></article>
<footer>All rights reserved</footer></body></html>"#;

#[test]
fn an_html_page_is_traced_with_the_extractor_of_the_cli() {
    let (dir, index) = index_with(&corpus());
    let page = dir.path().join("page.html");
    std::fs::write(&page, PAGE).expect("write the page");
    // The CLI's report of the page.
    let out = Command::new(BIN)
        .arg("trace")
        .arg(&page)
        .arg("--index")
        .arg(&index)
        .args(["--query-id", "page", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("tessera trace");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).expect("the CLI's JSON report");

    let server = Server::start(&index, &[]);
    let spec = Spec::fetch(&server);
    let body = json!({"html": PAGE, "id": "page"}).to_string();
    let (s, mut api) = call("POST", &server.url("/v1/trace"), None, Some(&body));
    assert_eq!(s, 200, "{api}");
    spec.check("TraceReport", &api);
    let text = api["query_text"].as_str().expect("query_text").to_string();
    // Boilerplate out, the article in.
    assert!(
        text.starts_with("Kerry presses for cooperation\n\n"),
        "{text}"
    );
    assert!(text.contains("84 people were killed in an attack in Nice."));
    for gone in ["Home", "tracking", "Share this story", "All rights"] {
        assert!(!text.contains(gone), "{gone:?} in {text:?}");
    }
    assert_eq!(api["query_length"], text.chars().count());
    // The page's title and date are used: afp-1 (dated before) is a source.
    assert_eq!(api["query_title"], "Kerry in Moscow | Daily Paper");
    assert_eq!(api["query_date"], "2016-07-17T08:00:00Z");
    assert!(api["passages"].as_array().is_some_and(|p| !p.is_empty()));
    // The same report as the CLI's: same text, same offsets.
    api.as_object_mut().expect("object").remove("query_text");
    assert_eq!(api, cli);

    // The request's title and date win over the page's.
    let body = json!({"html": PAGE, "title": "Mine", "date": "2016-07-15"}).to_string();
    let (s, r) = call("POST", &server.url("/v1/trace"), None, Some(&body));
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["query_title"].as_str(), r["query_date"].as_str()),
        (Some("Mine"), Some("2016-07-15"))
    );
    assert!(
        r["later_copies"]
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["source_id"] == "copy-2")),
        "{r}"
    );

    // Exactly one of text, html and document_id; a page without text: 422.
    for bad in [
        json!({"html": PAGE, "text": WIRE}),
        json!({"html": PAGE, "document_id": "afp-1"}),
        json!({"html": PAGE, "text": WIRE, "document_id": "afp-1"}),
        json!({"html": null}),
    ] {
        let (s, e) = call(
            "POST",
            &server.url("/v1/trace"),
            None,
            Some(&bad.to_string()),
        );
        assert_eq!(s, 400, "{bad}: {e}");
        spec.check("Error", &e);
    }
    let empty = json!({"html": "<html><head><script>x()</script></head><body><nav>Menu</nav></body></html>"});
    let (s, e) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&empty.to_string()),
    );
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("no_text")),
        "{e}"
    );
    spec.check("Error", &e);
    spec.documents("/v1/trace", "post", 422);
    // A text trace carries no query_text.
    let (s, r) = call(
        "POST",
        &server.url("/v1/trace"),
        None,
        Some(&json!({"text": SPUN}).to_string()),
    );
    assert_eq!(s, 200);
    assert!(r.get("query_text").is_none());
    // The spec's oneOf agrees with the server.
    let req = &spec.doc["components"]["schemas"]["TraceRequest"];
    let validator = jsonschema::validator_for(req).expect("schema");
    assert!(validator.is_valid(&json!({"html": "<p>x</p>"})));
    assert!(validator.is_valid(&json!({"html": "<p>x</p>", "date": "2016-07-15"})));
    assert!(!validator.is_valid(&json!({"html": "<p>x</p>", "text": "x"})));
    assert!(!validator.is_valid(&json!({"html": "<p>x</p>", "document_id": "x"})));
    assert!(
        !validator.is_valid(&json!({"document_id": "x", "html": "<p>x</p>", "date": "2016-07-15"}))
    );
}
