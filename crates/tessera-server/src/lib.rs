//! The HTTP API and web page of tessera.
//!
//! [`serve`] runs a server over one embedded index:
//!
//! | method and path | what it does |
//! |---|---|
//! | `POST /v1/trace` | traces an article (`{"text": …}`), an HTML page (`{"html": …}`, its main text extracted as the CLI does) or an indexed document (`{"document_id": …}`) |
//! | `GET /v1/documents` | lists ids and titles in id order, a page at a time (`prefix`, `q`, `after`, `limit`) |
//! | `POST /v1/documents` | adds a batch of documents (JSON Lines body); token-protected |
//! | `GET /v1/documents/{id}` | one document, text and metadata |
//! | `DELETE /v1/documents/{id}` | deletes a document; token-protected |
//! | `GET /v1/stats` | index statistics |
//! | `GET /v1/health` | liveness and the committed generation |
//! | `GET /v1/openapi.json` | the OpenAPI 3.1 description of the above |
//! | `GET /metrics` | Prometheus metrics |
//! | `GET /` | the web page |
//!
//! Reads never wait for writes: every request takes the last committed
//! snapshot of the index, and a write swaps in a new snapshot after its
//! commit. Writes are serialized (and also exclude a `tessera index`
//! command running on the same index, through the index's writer lock).
//! Commits made by other processes (`tessera index add`, `delete`,
//! `compact`) are picked up within [`Config::refresh_interval`].
//! Limits: request body size, query size, request timeout (the trace
//! itself stops at its deadline), concurrent traces, open connections,
//! time to send the request head (also the idle time of a kept-alive
//! connection) and the body, time for the client to read an answer.
//! Writes need a JSON Lines or JSON content type and are refused when they
//! come from another origin. Errors
//! are JSON objects `{"error": {"code": …, "message": …}}` with the matching
//! status code. The bearer token, when set, is compared in constant time and
//! never logged.
//!
//! This is the only crate of tessera with an async runtime; tracing itself
//! runs on blocking threads.

#![warn(missing_docs)]

mod api;
mod conn;
mod error;
mod metrics;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tessera::{Collection, Engine, TraceConfig};

pub use error::ApiError;

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The index directory (created, empty, if it does not exist).
    pub index: PathBuf,
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Bearer token required by the write endpoints, if any.
    pub token: Option<String>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a trace may take, and longest a write waits for its turn.
    pub request_timeout: Duration,
    /// Traces running at once; further ones wait (up to the timeout).
    pub max_concurrent_traces: usize,
    /// Trace settings.
    pub trace: TraceConfig,
    /// Stop by itself after this long (for tests and demos).
    pub shutdown_after: Option<Duration>,
    /// Longest wait for a request's head, on a new connection or between
    /// the requests of a kept-alive one (then the connection is closed).
    pub header_timeout: Duration,
    /// Longest time to receive a request body (then 408).
    pub body_timeout: Duration,
    /// Longest an answer waits for the client to read it (then the
    /// connection is closed).
    pub send_timeout: Duration,
    /// Connections served at once; further ones wait in the listen queue.
    pub max_connections: usize,
    /// Largest article `POST /v1/trace` accepts, in bytes of text (413),
    /// pasted or indexed (`document_id`).
    pub max_query_bytes: usize,
    /// How often the index directory is checked for commits of other
    /// processes.
    pub refresh_interval: Duration,
}

impl Config {
    /// Defaults for an index directory: 127.0.0.1:7878, 16 MiB bodies, 2 MiB
    /// queries, 30 s per request, 10 s for a request head, 30 s for a body,
    /// 30 s for the client to read an answer,
    /// twice as many concurrent traces as cores, 1024 connections (fewer
    /// when the open-file limit is low), a refresh every second.
    pub fn new(index: PathBuf) -> Config {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Config {
            index,
            addr: SocketAddr::from(([127, 0, 0, 1], 7878)),
            token: None,
            max_body_bytes: 16 << 20,
            request_timeout: Duration::from_secs(30),
            max_concurrent_traces: 2 * cores,
            trace: TraceConfig::default(),
            shutdown_after: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            send_timeout: Duration::from_secs(30),
            max_connections: conn::default_max_connections(),
            max_query_bytes: 2 << 20,
            refresh_interval: Duration::from_secs(1),
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) cfg: Config,
    pub(crate) collection: Collection,
    pub(crate) writes: Arc<tokio::sync::Mutex<()>>,
    pub(crate) traces: Arc<tokio::sync::Semaphore>,
    pub(crate) metrics: metrics::Metrics,
}

impl AppState {
    /// The last committed snapshot.
    pub(crate) fn engine(&self) -> Arc<Engine> {
        self.collection.engine()
    }
}

/// Errors starting a server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The index cannot be opened or created.
    #[error("cannot open the index: {0}")]
    Index(#[from] tessera::Error),
    /// The address cannot be bound, or the server failed.
    #[error("{addr}: {source}")]
    Io {
        /// The listen address.
        addr: SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Opens (or creates) the index and builds the shared state.
fn state(cfg: Config) -> Result<Arc<AppState>, ServeError> {
    // A new, empty index when the folder does not exist: documents can be
    // added to it over HTTP.
    let collection = Collection::open_or_create_with(&cfg.index, cfg.trace.clone())?;
    let metrics = metrics::Metrics::new();
    metrics.documents.set(collection.len() as i64);
    Ok(Arc::new(AppState {
        traces: Arc::new(tokio::sync::Semaphore::new(
            cfg.max_concurrent_traces.max(1),
        )),
        cfg,
        collection,
        writes: Arc::new(tokio::sync::Mutex::new(())),
        metrics,
    }))
}

/// The router of a server over the index of `cfg` (for embedding tessera in
/// another axum application, or for tests).
pub fn router(cfg: Config) -> Result<axum::Router, ServeError> {
    Ok(api::router(state(cfg)?))
}

/// Binds `cfg.addr` and serves until Ctrl-C, SIGTERM or `shutdown_after`.
/// `on_ready` receives the bound address (useful with port 0).
pub async fn serve(cfg: Config, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let addr = cfg.addr;
    let shutdown_after = cfg.shutdown_after;
    let limits = conn::Limits::of(&cfg);
    let st = state(cfg)?;
    let app = api::router(Arc::clone(&st));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Io { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Io { addr, source })?;
    on_ready(bound);
    tracing::info!(addr = %bound, max_connections = limits.max_connections, "listening");
    let refresher = tokio::spawn(refresh_loop(Arc::clone(&st)));
    conn::accept_loop(
        listener,
        app,
        &limits,
        &st.metrics,
        shutdown_signal(shutdown_after),
    )
    .await;
    refresher.abort();
    tracing::info!("stopped");
    Ok(())
}

/// The start-up warning of a server without a token that listens beyond
/// the loopback interface: anyone who can reach it can add and delete
/// documents. `None` with a token, or on a loopback address (only this
/// machine's programs can connect; pages of other sites are refused by the
/// origin check).
pub fn exposure_warning(addr: SocketAddr, has_token: bool) -> Option<String> {
    if has_token || addr.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "listening on {addr} without a token: anyone who can reach this address can add and \
         delete documents (set --token or TESSERA_TOKEN, or listen on 127.0.0.1)"
    ))
}

/// Picks up the commits of other processes on the served index.
async fn refresh_loop(st: Arc<AppState>) {
    let mut tick = tokio::time::interval(st.cfg.refresh_interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let st2 = Arc::clone(&st);
        let done = tokio::task::spawn_blocking(move || {
            let changed = st2.collection.refresh();
            if let Ok(true) = changed {
                st2.metrics.documents.set(st2.collection.len() as i64);
            }
            changed
        })
        .await;
        match done {
            Ok(Ok(true)) => tracing::info!(
                generation = st.engine().index().manifest().generation,
                "picked up a commit made by another process"
            ),
            Ok(Ok(false)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot refresh the index"),
            Err(e) => tracing::warn!(error = %e, "the refresh task failed"),
        }
    }
}

async fn shutdown_signal(after: Option<Duration>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let timer = async {
        match after {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("interrupted"),
        () = term => tracing::info!("terminated"),
        () = timer => tracing::info!("shutdown-after elapsed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server on 127.0.0.1 over a new index, stopping by itself.
    fn start(dir: &std::path::Path, tune: impl FnOnce(&mut Config)) -> SocketAddr {
        let mut cfg = Config::new(dir.join("index"));
        cfg.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        cfg.shutdown_after = Some(Duration::from_secs(30));
        tune(&mut cfg);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            let _ = rt.block_on(serve(cfg, |a| {
                let _ = tx.send(a);
            }));
        });
        rx.recv_timeout(Duration::from_secs(30)).expect("listening")
    }

    /// Sends `request` on a new connection, shuts the sending side down
    /// and returns the whole answer.
    fn exchange(addr: SocketAddr, request: &str) -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        s.write_all(request.as_bytes()).expect("send");
        s.shutdown(std::net::Shutdown::Write).expect("half-close");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
    }

    fn post(path: &str, content_type: &str, body: &str) -> String {
        format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    #[test]
    fn a_client_that_closes_its_sending_side_still_gets_its_answer() {
        // `printf 'POST …' | nc -N`, and HTTP/1.0 clients, send the request
        // and then shut their side down while they wait. A write takes a
        // while (a commit): the end of the input arrives before the answer
        // is ready.
        let dir = tempfile::tempdir().expect("tempdir");
        let addr = start(dir.path(), |_| {});
        let body = r#"{"id": "a", "text": "Kerry met Putin in Moscow on Thursday."}"#;
        let answer = exchange(addr, &post("/v1/documents", "application/x-ndjson", body));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    }

    /// The `http_connections` gauge of `/metrics`.
    fn open_connections(addr: SocketAddr) -> u64 {
        let m = exchange(addr, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        m.lines()
            .find_map(|l| l.strip_prefix("tessera_http_connections "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no http_connections in {m}"))
    }

    #[test]
    fn a_client_that_does_not_read_its_answers_is_cut_off() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let addr = start(dir.path(), |c| c.send_timeout = Duration::from_secs(1));
        // Pipelined requests whose answers (tens of MB) fill the socket
        // buffers: the server's writes wait for a reader that never comes.
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        let one = "GET /v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        s.write_all(one.repeat(2000).as_bytes()).expect("send");
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(open_connections(addr), 2, "the stuck one and this one");
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(open_connections(addr), 1, "only this one");
        drop(s);
    }

    #[test]
    fn the_query_limit_applies_to_traces_by_document_id_too() {
        // The limit bounds the work of one trace; an indexed document
        // larger than it is refused the same way as a pasted one.
        let dir = tempfile::tempdir().expect("tempdir");
        let addr = start(dir.path(), |c| c.max_query_bytes = 100);
        let long = "Kerry met Putin in Moscow on Thursday for talks. ".repeat(5);
        let docs = format!(
            "{}\n{}\n",
            serde_json::json!({"id": "long", "text": long}),
            serde_json::json!({"id": "short", "text": "Kerry met Putin in Moscow."})
        );
        let added = exchange(addr, &post("/v1/documents", "application/x-ndjson", &docs));
        assert!(added.starts_with("HTTP/1.1 200"), "{added}");
        let by_id = |id: &str| {
            let body = serde_json::json!({ "document_id": id }).to_string();
            exchange(addr, &post("/v1/trace", "application/json", &body))
        };
        let refused = by_id("long");
        assert!(refused.starts_with("HTTP/1.1 413"), "{refused}");
        assert!(refused.contains("query_too_large"), "{refused}");
        assert!(by_id("short").starts_with("HTTP/1.1 200"));
        assert!(by_id("missing").starts_with("HTTP/1.1 404"));
    }

    #[test]
    fn a_server_beyond_loopback_without_a_token_is_warned_about() {
        let public: SocketAddr = "0.0.0.0:7878".parse().expect("addr");
        let lan: SocketAddr = "192.168.1.20:80".parse().expect("addr");
        let local: SocketAddr = "127.0.0.1:7878".parse().expect("addr");
        let local6: SocketAddr = "[::1]:7878".parse().expect("addr");
        assert!(exposure_warning(public, false).is_some_and(|w| w.contains("without a token")));
        assert!(exposure_warning(lan, false).is_some());
        assert_eq!(exposure_warning(public, true), None);
        assert_eq!(exposure_warning(local, false), None);
        assert_eq!(exposure_warning(local6, false), None);
    }
}
