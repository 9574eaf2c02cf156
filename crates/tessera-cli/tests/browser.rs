//! The web page in headless Chromium, end to end: builds the demo index,
//! starts `tessera serve` on a loopback port and runs
//! `crates/tessera-server/e2e/page.mjs` (playwright-core driving Debian's
//! chromium), which traces the seed article through the page and checks
//! what it shows. The full-page screenshot is kept at
//! `target/e2e/seed-article.png`.
//!
//! Needs node (20 or later), `npm ci` in `crates/tessera-server/e2e` and a
//! Chromium executable (`CHROMIUM`, default `/usr/bin/chromium`). When one
//! is missing the test fails and says what to install: it never skips.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
/// Longest the page test may run before it is killed (a hang guard, not a
/// timing assertion: page.mjs has its own limits well below this).
const NODE_LIMIT: Duration = Duration::from_secs(300);

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn e2e_dir() -> PathBuf {
    workspace_root().join("crates/tessera-server/e2e")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Everything the test needs from outside cargo; fails with what to install.
fn check_prerequisites() {
    let mut missing = Vec::new();
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {
            let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let major: u32 = v
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            if major < 20 {
                missing.push(format!(
                    "node {v} is too old (playwright-core needs 20 or later): install a newer nodejs"
                ));
            }
        }
        _ => missing
            .push("node is not installed: apt-get install -y chromium nodejs npm".to_string()),
    }
    if !e2e_dir()
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        missing.push(format!(
            "playwright-core is not installed in {}: cd crates/tessera-server/e2e && npm ci",
            e2e_dir().display()
        ));
    }
    let chrome = chromium();
    if !chrome.is_file() {
        missing.push(format!(
            "no Chromium at {}: apt-get install -y chromium nodejs npm (or set CHROMIUM to a Chromium executable)",
            chrome.display()
        ));
    }
    assert!(
        missing.is_empty(),
        "the browser test cannot run:\n  - {}",
        missing.join("\n  - ")
    );
}

/// Collects a child's output stream on a thread (so a full pipe never blocks it).
fn drain(mut r: impl Read + Send + 'static, sink: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut s) = sink.lock() {
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    })
}

fn text(s: &Arc<Mutex<String>>) -> String {
    s.lock().map(|s| s.clone()).unwrap_or_default()
}

/// `tessera serve` on a free loopback port, killed when dropped (also when
/// the test panics).
struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(index: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--index"])
            .arg(index)
            .args(["--addr", "127.0.0.1:0", "--shutdown-after", "300s"])
            .env_remove("TESSERA_TOKEN")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tessera serve");
        let log = Arc::new(Mutex::new(String::new()));
        drain(child.stderr.take().expect("stderr"), Arc::clone(&log));
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        let read = stdout.read_line(&mut first);
        let mut server = Server {
            child,
            base: String::new(),
            log,
        };
        read.expect("read the first line of tessera serve");
        server.base = match first.trim().strip_prefix("listening on ") {
            Some(url) => url.to_string(),
            None => {
                let _ = server.child.kill();
                let _ = server.child.wait();
                panic!(
                    "tessera serve printed {first:?} instead of `listening on URL`; its log:\n{}",
                    text(&server.log)
                );
            }
        };
        drain(stdout, Arc::new(Mutex::new(String::new())));
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a command to its end, killing it after `limit`; returns its status
/// (None when killed), standard output and standard error.
fn run_limited(mut cmd: Command, limit: Duration) -> (Option<ExitStatus>, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let (out, err) = (
        Arc::new(Mutex::new(String::new())),
        Arc::new(Mutex::new(String::new())),
    );
    let readers = [
        drain(child.stdout.take().expect("stdout"), Arc::clone(&out)),
        drain(child.stderr.take().expect("stderr"), Arc::clone(&err)),
    ];
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    for r in readers {
        let _ = r.join();
    }
    (status, text(&out), text(&err))
}

#[test]
fn the_page_traces_the_seed_article_in_chromium() {
    check_prerequisites();
    let started = Instant::now();
    let data = Path::new(DATA);
    let seed = data.join("seed/article.txt");
    assert!(
        seed.is_file(),
        "the shared data directory is missing: {} not found",
        seed.display()
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let index = tmp.path().join("demo.idx");
    let demo = Command::new(BIN)
        .arg("demo")
        .arg("--data")
        .arg(data)
        .arg("--index")
        .arg(&index)
        .arg("-q")
        .env_remove("TESSERA_INDEX")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run tessera demo");
    assert!(
        demo.status.success(),
        "tessera demo failed ({}):\n{}",
        demo.status,
        String::from_utf8_lossy(&demo.stderr)
    );
    let indexed = started.elapsed();

    let server = Server::start(&index);
    let shot = workspace_root().join("target/e2e/seed-article.png");
    std::fs::create_dir_all(shot.parent().expect("screenshot folder")).expect("create target/e2e");
    let _ = std::fs::remove_file(&shot);

    let mut node = Command::new("node");
    node.current_dir(e2e_dir())
        .arg("page.mjs")
        .arg(&server.base)
        .arg(&seed)
        .arg(&shot)
        .env("CHROMIUM", chromium());
    let browser_started = Instant::now();
    let (status, stdout, stderr) = run_limited(node, NODE_LIMIT);
    let ran = browser_started.elapsed();
    let report = format!(
        "--- page.mjs stdout\n{stdout}\n--- page.mjs stderr\n{stderr}\n--- tessera serve log (last 4000 bytes)\n{}",
        {
            let log = text(&server.log);
            let cut = log.len().saturating_sub(4000);
            let cut = (cut..log.len())
                .find(|&i| log.is_char_boundary(i))
                .unwrap_or(log.len());
            log[cut..].to_string()
        }
    );
    drop(server);
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("the page test failed ({s}):\n{report}"),
        None => panic!(
            "the page test did not finish within {} s and was killed:\n{report}",
            NODE_LIMIT.as_secs()
        ),
    }
    assert!(
        shot.is_file(),
        "page.mjs passed but wrote no screenshot at {}",
        shot.display()
    );
    println!("{stdout}");
    println!(
        "demo index {:.1} s, browser test {:.1} s; screenshot {}",
        indexed.as_secs_f64(),
        ran.as_secs_f64(),
        shot.display()
    );
}
