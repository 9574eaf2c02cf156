//! The `tessera` command line.
//!
//! Only glue lives here: arguments are parsed into the library's options,
//! the library does the work, and results are printed as a coloured report
//! or as JSON for machines. Exit status: 0 on success, 1 on error, 2 on a
//! usage error, 3 when a batch completed but skipped records (they are
//! listed on standard error).

/// A message on standard error. Unlike `eprintln!`, which panics when it
/// cannot write, a closed or full stderr is ignored: the message is lost,
/// the work and the exit status are not.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod cmd_eval;
mod cmd_index;
mod cmd_scan;
mod cmd_serve;
mod cmd_trace;
mod ingest;
mod progress;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// tessera allocates many small, short-lived buffers per document; mimalloc
// handles that pattern markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Find where every passage of a news article came from: index a corpus,
/// trace an article, scan or deduplicate a whole corpus, score against a
/// gold standard, serve it all over HTTP.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, long_about = None, propagate_version = true)]
struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// No progress bars or summaries on standard error.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Exit with status 0, not 3, when records were skipped (they are still
    /// counted and listed on standard error): for `set -e` scripts on
    /// corpora known to hold empty or broken records.
    #[arg(long, global = true, env = "TESSERA_ALLOW_SKIPPED", value_parser = clap::builder::FalseyValueParser::new())]
    allow_skipped: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

/// When to colour the text report of `trace`, `align` and `demo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Build and maintain an index: add, stats, delete, compact.
    #[command(subcommand)]
    Index(cmd_index::IndexCmd),
    /// Find the sources of an article (or of every article of a JSON Lines file).
    Trace(cmd_trace::TraceArgs),
    /// Align two texts with each other, without an index.
    Align(cmd_trace::AlignArgs),
    /// Score detections, or tessera itself, against a gold standard (PAN measures).
    Eval(cmd_eval::EvalArgs),
    /// Trace the seed article against stand-in sources (builds a demo index).
    Demo(cmd_trace::DemoArgs),
    /// Serve the HTTP API and the web page over an index.
    Serve(cmd_serve::ServeArgs),
    /// Find all reuse in a corpus: passage pairs, clusters, copy graph, spin statistics.
    Scan(cmd_scan::ScanArgs),
    /// Write a corpus without its near-duplicate copies (or annotate them).
    Dedup(cmd_scan::DedupArgs),
}

/// Settings every command may need.
#[derive(Debug, Clone, Copy)]
pub struct Global {
    pub quiet: bool,
}

/// A command's outcome: success, or success with skipped records.
#[derive(Debug)]
pub enum Outcome {
    Done,
    Skipped,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
    {
        note!("tessera: cannot set up {n} threads: {e}");
        return ExitCode::FAILURE;
    }
    let g = Global { quiet: cli.quiet };
    let result = match cli.cmd {
        Cmd::Index(c) => cmd_index::run(c, g),
        Cmd::Trace(a) => cmd_trace::trace(a, g),
        Cmd::Align(a) => cmd_trace::align(a, g),
        Cmd::Eval(a) => cmd_eval::run(a, g),
        Cmd::Demo(a) => cmd_trace::demo(a, g),
        Cmd::Serve(a) => cmd_serve::run(a, g),
        Cmd::Scan(a) => cmd_scan::scan(a, g),
        Cmd::Dedup(a) => cmd_scan::dedup(a, g),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Skipped) if cli.allow_skipped => ExitCode::SUCCESS,
        Ok(Outcome::Skipped) => ExitCode::from(3),
        Err(e) => {
            // A closed pipe (`tessera ... | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let _ = std::io::stdout().flush();
            let mut said = e.to_string();
            note!("tessera: error: {said}");
            // A cause that the message already quotes (an I/O error under
            // the file it concerns) is not said twice.
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !said.contains(&cause) {
                    note!("  caused by: {cause}");
                    said = cause;
                }
            }
            ExitCode::FAILURE
        }
    }
}
