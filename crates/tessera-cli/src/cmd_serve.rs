//! `tessera serve`: the HTTP API and web page over an index.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use crate::args::{IndexArg, TuningArgs, parse_duration, parse_size};
use crate::{Global, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event.
    Json,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    index: IndexArg,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
    /// Bearer token required to add or delete documents (never logged).
    #[arg(long, env = "TESSERA_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Largest request body.
    #[arg(long, default_value = "16MiB", value_parser = parse_size, value_name = "SIZE")]
    max_body: usize,
    /// Longest a trace may run, and a write may wait for its turn (e.g. 30s, 500ms, 2m).
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    timeout: Duration,
    /// Traces running at once (default: twice the cores).
    #[arg(long, value_name = "N")]
    max_concurrent_traces: Option<usize>,
    /// Largest article a trace accepts, pasted or indexed (`document_id`);
    /// the body limit applies to batches.
    #[arg(long, default_value = "2MiB", value_parser = parse_size, value_name = "SIZE")]
    max_query: usize,
    /// Longest wait for a request's head, also between the requests of a
    /// kept-alive connection (then it is closed).
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    header_timeout: Duration,
    /// Longest time to receive a request body (408).
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    body_timeout: Duration,
    /// Longest an answer waits for the client to read it (then the
    /// connection is closed).
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    send_timeout: Duration,
    /// Connections served at once; more wait to be accepted (default: 1024,
    /// fewer when the open-file limit is low).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// How often to look for commits made by other processes (`tessera index ...`).
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    refresh_interval: Duration,
    /// Log format (logs go to standard error; RUST_LOG filters them).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Stop by itself after this long (for tests and demos).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    shutdown_after: Option<Duration>,
    #[command(flatten)]
    tuning: TuningArgs,
}

pub fn run(a: ServeArgs, g: Global) -> Result<Outcome> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if g.quiet { "warn" } else { "info" })
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match a.log_format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    let mut cfg = tessera_server::Config::new(a.index.index.clone());
    cfg.addr = a.addr;
    cfg.token = a.token.filter(|t| !t.is_empty());
    cfg.max_body_bytes = a.max_body;
    cfg.request_timeout = a.timeout;
    if let Some(n) = a.max_concurrent_traces {
        cfg.max_concurrent_traces = n.max(1);
    }
    cfg.trace = a.tuning.config()?;
    cfg.shutdown_after = a.shutdown_after;
    cfg.max_query_bytes = a.max_query;
    cfg.header_timeout = a.header_timeout;
    cfg.body_timeout = a.body_timeout;
    cfg.send_timeout = a.send_timeout;
    if let Some(n) = a.max_connections {
        cfg.max_connections = n.max(1);
    }
    cfg.refresh_interval = a.refresh_interval;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let protected = cfg.token.is_some();
    runtime.block_on(tessera_server::serve(cfg, |addr| {
        // The first line on standard output says where to connect (tests and
        // scripts read it).
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
        if let Some(warning) = tessera_server::exposure_warning(addr, protected) {
            tracing::warn!("{warning}");
        }
    }))?;
    Ok(Outcome::Done)
}
