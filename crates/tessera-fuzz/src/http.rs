//! Arbitrary bytes sent to a real `tessera serve` on 127.0.0.1.
//!
//! One server per process, started on first use over an empty index in a
//! temporary folder, with short timeouts. Each input is sent on a new
//! connection whose write side is then closed; the answer is read to the
//! end. The target fails when the server does not close the connection in
//! time (a hang), answers 500, or panics in any of its threads (tokio
//! would otherwise hide a panic in a handler behind a dropped connection).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub(crate) const WORDS: &[&[u8]] = &[
    b"POST /v1/trace HTTP/1.1\r\n",
    b"POST /v1/documents HTTP/1.1\r\n",
    b"GET /v1/documents/a HTTP/1.1\r\n",
    b"DELETE /v1/documents/a HTTP/1.1\r\n",
    b"GET /v1/health HTTP/1.1\r\n",
    b"GET /v1/stats HTTP/1.1\r\n",
    b"GET /metrics HTTP/1.1\r\n",
    b"GET /v1/openapi.json HTTP/1.1\r\n",
    b"Host: 127.0.0.1\r\n",
    b"Content-Type: application/json\r\n",
    b"Content-Type: application/x-ndjson\r\n",
    b"Content-Length: 0\r\n",
    b"Content-Length: 18446744073709551615\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"0\r\n\r\n",
    b"ffffffff\r\n",
    b"Origin: https://example.com\r\n",
    b"Authorization: Bearer x\r\n",
    b"Expect: 100-continue\r\n",
    b"Connection: keep-alive\r\n",
    b"\r\n",
    b"{\"text\": \"Kerry met Putin in Moscow.\"}",
    b"{\"document_id\": \"a\"}",
    b"%00",
    b"%2F..%2F",
    b"?",
];

/// Longest wait for the server to answer and close an input's connection.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

static SERVER_PANICS: AtomicUsize = AtomicUsize::new(0);
const SERVER_THREAD: &str = "tessera-fuzz-server";

fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(start)
}

fn start() -> SocketAddr {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with(SERVER_THREAD))
        {
            SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
        }
        previous(info);
    }));
    // The folder lives as long as the process: the server never stops
    // before it.
    let dir = tempfile::tempdir().expect("a temporary folder for the index");
    let mut cfg = tessera_server::Config::new(dir.keep().join("index"));
    cfg.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    cfg.max_body_bytes = 256 << 10;
    cfg.max_query_bytes = 64 << 10;
    cfg.request_timeout = Duration::from_secs(2);
    cfg.header_timeout = Duration::from_secs(2);
    cfg.body_timeout = Duration::from_secs(2);
    cfg.max_concurrent_traces = 2;
    cfg.refresh_interval = Duration::from_millis(200);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(SERVER_THREAD.into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name(SERVER_THREAD)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            let served = rt.block_on(tessera_server::serve(cfg, |addr| {
                let _ = tx.send(addr);
            }));
            if let Err(e) = served {
                panic!("the fuzzed server stopped: {e}");
            }
        })
        .expect("the server thread");
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the server to listen")
}

pub(crate) fn http(data: &[u8]) {
    let addr = server();
    let before = SERVER_PANICS.load(Ordering::SeqCst);
    let mut s = TcpStream::connect(addr).expect("connect to the fuzzed server");
    let _ = s.set_read_timeout(Some(ANSWER_WITHIN));
    let _ = s.set_write_timeout(Some(ANSWER_WITHIN));
    // The server may answer and close before reading everything.
    let _ = s.write_all(data);
    let _ = s.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    let read = s.read_to_end(&mut answer);
    if let Err(e) = &read {
        assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the server kept the connection open for {ANSWER_WITHIN:?}"
        );
    }
    // Several answers may come back on one connection.
    assert!(
        !answer.windows(12).any(|w| w == b"HTTP/1.1 500"),
        "the server answered 500: {}",
        String::from_utf8_lossy(&answer[..answer.len().min(2000)])
    );
    assert_eq!(
        SERVER_PANICS.load(Ordering::SeqCst),
        before,
        "the server panicked"
    );
}

/// Whether the server of this process has answered at all (for tests).
#[doc(hidden)]
pub fn answer_of(data: &[u8]) -> Vec<u8> {
    let addr = server();
    let Ok(mut s) = TcpStream::connect(addr) else {
        return Vec::new();
    };
    let _ = s.set_read_timeout(Some(ANSWER_WITHIN));
    let _ = s.write_all(data);
    let _ = s.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    answer
}
