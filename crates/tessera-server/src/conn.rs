//! The accept loop: one HTTP/1 connection per task, with a bounded time to
//! receive each request head (which also closes idle kept-alive
//! connections), a cap on open connections, and a graceful shutdown that
//! lets requests in progress finish.
//!
//! `axum::serve` offers none of these settings; hyper does, and hyper and
//! hyper-util are already in the tree through axum.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{Semaphore, watch};

use crate::Config;
use crate::metrics::Metrics;

/// File descriptors kept for the index files, the listener and the
/// process's own needs when the connection cap is derived from the
/// open-file limit.
const RESERVED_FDS: usize = 128;

/// The connection cap by default: 1024, or fewer when the open-file limit
/// would not leave room for them (a server that runs out of descriptors
/// cannot accept even its health checks).
pub(crate) fn default_max_connections() -> usize {
    let limit = open_file_limit().unwrap_or(1024);
    limit.saturating_sub(RESERVED_FDS).clamp(16, 1024)
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None`
/// elsewhere or when unlimited.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The connection settings of a server.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) header_timeout: Duration,
    pub(crate) send_timeout: Duration,
    pub(crate) max_connections: usize,
    /// How long a shutdown waits for requests in progress.
    pub(crate) grace: Duration,
}

impl Limits {
    pub(crate) fn of(cfg: &Config) -> Limits {
        Limits {
            header_timeout: cfg.header_timeout,
            send_timeout: cfg.send_timeout,
            max_connections: cfg.max_connections.max(1),
            grace: cfg.request_timeout.max(cfg.body_timeout) + Duration::from_secs(1),
        }
    }
}

/// Accepts connections until `shutdown` completes, then waits (at most
/// `limits.grace`) for the connections in progress to finish their
/// current request.
pub(crate) async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: &Limits,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        // A free slot first: beyond the cap, connections wait in the
        // kernel's listen queue instead of using descriptors.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, _peer) = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was
                    // accepted: wait a little instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop_rx.clone();
        let header_timeout = limits.header_timeout;
        let send_timeout = limits.send_timeout;
        let open = metrics.connections.clone();
        open.inc();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                // A client that shuts its sending side down after the
                // request (`nc -N`, some HTTP/1.0 clients) still gets the
                // answer; the connection closes once it is written.
                .half_close(true)
                .keep_alive(true);
            let io = SendDeadline::new(stream, send_timeout);
            let conn = builder.serve_connection(TokioIo::new(io), service);
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.as_mut().await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection closed");
            }
            open.dec();
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.grace, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("connections still open at shutdown were dropped");
    }
}

/// A connection whose writes fail (and so close it) once they have waited
/// `limit` for the client to read: a client that sends requests and never
/// reads the answers would otherwise hold its connection, and the task
/// serving it, for ever. The header timeout only bounds reading.
struct SendDeadline<T> {
    inner: T,
    limit: Duration,
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> SendDeadline<T> {
    fn new(inner: T, limit: Duration) -> Self {
        SendDeadline {
            inner,
            limit,
            waiting: None,
        }
    }

    /// Maps a write's poll: the clock starts at the first `Pending` and
    /// stops at the next progress.
    fn deadline<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<std::io::Result<R>>,
    ) -> Poll<std::io::Result<R>> {
        if poll.is_ready() {
            self.waiting = None;
            return poll;
        }
        let limit = self.limit;
        let sleep = self
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client did not read the answer in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for SendDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for SendDeadline<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.deadline(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.deadline(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.deadline(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
