//! `tessera trace`, `tessera align` and `tessera demo`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use tessera::index::{Document, IndexSettings};
use tessera::ingest::{IngestOptions, Item, Skipped, expand_inputs, read_input};
use tessera::report::TraceReport;
use tessera::{Engine, Query, Weights, align_pair};

use crate::ColorWhen;
use crate::args::{IndexArg, InputArgs, TuningArgs};
use crate::{Global, Outcome, progress, render};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    /// A readable report (coloured at a terminal).
    Text,
    /// One JSON report per article (pretty for one article, one line each for many).
    Json,
    /// One JSON detection per line (the fields of a gold standard's truth.jsonl first).
    Jsonl,
    /// PAN XML detection files, one per article and source, in --out.
    Pan,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Text)]
    format: OutFormat,
    /// Directory for --format pan.
    #[arg(long, value_name = "DIR", required_if_eq("format", "pan"))]
    out: Option<PathBuf>,
    /// Show whole passages in the text report (default: at most 12 lines each).
    #[arg(long)]
    full: bool,
    /// When to colour the text report (`auto`: on a terminal, unless
    /// `NO_COLOR` is set). Without colour, edits are marked in brackets:
    /// `[substituted]`, `{+inserted+}`, `[-deleted-]`.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The article: a text or HTML file, or `-` for standard input.
    #[arg(value_name = "ARTICLE", required_unless_present_any = ["id", "jsonl"])]
    article: Option<PathBuf>,
    #[command(flatten)]
    index: IndexArg,
    /// Trace the indexed document with this id (it is excluded from its own sources).
    #[arg(long, conflicts_with_all = ["article", "jsonl"])]
    id: Option<String>,
    /// Trace every article of a JSON Lines (or Parquet) file (its `id` becomes `query_id`; an indexed document with the same id is excluded from its sources).
    #[arg(long, value_name = "FILE", conflicts_with = "article")]
    jsonl: Option<PathBuf>,
    /// The query id reported for ARTICLE (default: its file name, or "stdin").
    #[arg(long)]
    query_id: Option<String>,
    /// ARTICLE's date (ISO 8601, e.g. 2016-07-15 or 2016-07-15T09:30:00Z):
    /// documents dated after it are listed as later copies, never as its
    /// sources. `--id` and `--jsonl` use each document's own `date`.
    #[arg(long, value_name = "DATE", conflicts_with_all = ["id", "jsonl"], value_parser = parse_date)]
    date: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    tuning: TuningArgs,
}

/// A `--date`: checked here, kept as given.
fn parse_date(s: &str) -> std::result::Result<String, String> {
    match tessera::date::parse_timestamp(s) {
        Some(_) => Ok(s.to_string()),
        None => Err(format!(
            "{s:?} is not an ISO 8601 date (YYYY-MM-DD, optionally followed by a time such as T09:30:00Z)"
        )),
    }
}

/// Reads one article from a file or stdin.
pub fn read_article(path: &Path, opts: &IngestOptions) -> Result<Document> {
    let (files, _) = expand_inputs(&[path.to_path_buf()], opts.format)?;
    let Some(f) = files.first() else {
        bail!("{}: no article found", path.display());
    };
    let mut opts = opts.clone();
    if f.path.is_none() && opts.format.is_none() {
        // Standard input holds one article as plain text.
        opts.format = Some(tessera::ingest::InputFormat::Text);
    }
    let mut docs = Vec::new();
    let mut skipped: Option<Skipped> = None;
    read_input(f, &opts, &|_| {}, &mut |item| {
        match item {
            Item::Doc { doc, .. } => docs.push(doc),
            Item::Skipped(s) => {
                skipped.get_or_insert(s);
            }
        }
        Ok(())
    })?;
    if let Some(s) = skipped {
        use tessera::ingest::InputFormat::{Jsonl, Parquet};
        let format = opts
            .format
            .or_else(|| f.path.as_deref().and_then(tessera::ingest::format_of));
        if matches!(format, Some(Jsonl | Parquet)) {
            bail!(
                "{s}\n(ARTICLE is one article; to trace every record of a JSON Lines or Parquet file, use --jsonl {})",
                f.display()
            );
        }
        bail!("{s}");
    }
    match docs.len() {
        0 => bail!("{}: no article found", f.display()),
        1 => Ok(docs.remove(0)),
        n => bail!(
            "{} holds {n} articles; use --jsonl to trace them all",
            f.display()
        ),
    }
}

struct Printer<'a> {
    out: Box<dyn Write + 'a>,
    format: OutFormat,
    full: bool,
    pan: Vec<tessera::eval::Det>,
    many: bool,
    color: anstream::ColorChoice,
}

impl Printer<'_> {
    fn print(
        &mut self,
        r: &TraceReport,
        text: &str,
        source_text: &dyn Fn(&str) -> Option<String>,
    ) -> Result<()> {
        match self.format {
            OutFormat::Text => {
                let mut buf = anstream::AutoStream::new(Vec::new(), self.color);
                render::report(
                    &mut buf,
                    r,
                    text,
                    source_text,
                    render::width(),
                    (!self.full).then_some(12),
                    self.color == anstream::ColorChoice::Never,
                )?;
                if self.many {
                    writeln!(buf)?;
                }
                self.out.write_all(&buf.into_inner())?;
            }
            OutFormat::Json => {
                if self.many {
                    serde_json::to_writer(&mut self.out, r)?;
                } else {
                    serde_json::to_writer_pretty(&mut self.out, r)?;
                }
                writeln!(self.out)?;
            }
            OutFormat::Jsonl => {
                for d in &r.passages {
                    serde_json::to_writer(&mut self.out, d)?;
                    writeln!(self.out)?;
                }
            }
            OutFormat::Pan => self
                .pan
                .extend(r.passages.iter().map(|d| tessera::eval::Det {
                    query_id: d.query_id.clone(),
                    source_id: d.source_id.clone(),
                    query: tessera::eval::Span {
                        offset: d.query_offset,
                        length: d.query_length,
                    },
                    source: tessera::eval::Span {
                        offset: d.source_offset,
                        length: d.source_length,
                    },
                })),
        }
        Ok(())
    }

    fn finish(mut self, out_dir: Option<&Path>) -> Result<()> {
        self.out.flush()?;
        if self.format == OutFormat::Pan {
            let dir = out_dir.context("--format pan needs --out DIR")?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            tessera::eval::write_pan_detections(dir, &self.pan)?;
        }
        Ok(())
    }
}

fn printer<'a>(o: &OutputArgs, many: bool) -> Printer<'a> {
    Printer {
        out: Box::new(BufWriter::new(std::io::stdout().lock())),
        format: o.format,
        full: o.full,
        pan: Vec::new(),
        many,
        color: match o.color {
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
            ColorWhen::Auto => anstream::AutoStream::choice(&std::io::stdout()),
        },
    }
}

fn source_text_fn(engine: &Engine) -> impl Fn(&str) -> Option<String> + '_ {
    |id: &str| {
        engine
            .index()
            .find(id)
            .and_then(|a| engine.index().text(a).ok())
    }
}

pub fn trace(a: TraceArgs, g: Global) -> Result<Outcome> {
    let index = tessera::index::Index::open(&a.index.index)?;
    let engine = Engine::new(index, a.tuning.config()?);
    if let Some(path) = &a.jsonl {
        return trace_many(&engine, path, &a, g);
    }
    let mut p = printer(&a.output, false);
    let (report, text) = if let Some(id) = &a.id {
        let addr = engine
            .index()
            .find(id)
            .with_context(|| format!("document {id:?} is not in the index"))?;
        (engine.trace_id(id)?, engine.index().text(addr)?)
    } else {
        let path = a
            .article
            .as_deref()
            .context("give an ARTICLE, --id or --jsonl")?;
        let doc = read_article(path, &a.input.options())?;
        let qid = a.query_id.clone().unwrap_or_else(|| {
            if path.as_os_str() == "-" {
                "stdin".to_string()
            } else {
                doc.meta.id.clone()
            }
        });
        let r = engine.trace(&Query {
            id: &qid,
            title: doc.meta.title.as_deref(),
            text: &doc.text,
            date: a.date.as_deref().or(doc.meta.date.as_deref()),
            exclude: None,
        })?;
        (r, doc.text)
    };
    p.print(&report, &text, &source_text_fn(&engine))?;
    p.finish(a.output.out.as_deref())?;
    Ok(Outcome::Done)
}

fn trace_many(engine: &Engine, path: &Path, a: &TraceArgs, g: Global) -> Result<Outcome> {
    let opts = a.input.options();
    let (files, _) = expand_inputs(
        &[path.to_path_buf()],
        Some(tessera::ingest::InputFormat::Jsonl),
    )?;
    let mut docs = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        read_input(f, &opts, &|_| {}, &mut |item| {
            match item {
                Item::Doc { doc, .. } => docs.push(doc),
                Item::Skipped(s) => skipped.push(s),
            }
            Ok(())
        })?;
    }
    let start = Instant::now();
    let mut p = printer(&a.output, true);
    let source_text = source_text_fn(engine);
    let mut passages = 0usize;
    let bars = progress::Bars::new(g.quiet);
    engine.trace_each(&docs, &bars, &mut |d, r| {
        passages += r.passages.len();
        p.print(&r, &d.text, &source_text)
    })?;
    p.finish(a.output.out.as_deref())?;
    if !g.quiet {
        let secs = start.elapsed().as_secs_f64();
        note!(
            "traced {} articles in {:.2} s ({:.1} ms each on average), {passages} passages found",
            docs.len(),
            secs,
            if docs.is_empty() {
                0.0
            } else {
                secs * 1000.0 / docs.len() as f64
            }
        );
        report_skipped(&skipped);
    }
    Ok(if skipped.is_empty() {
        Outcome::Done
    } else {
        Outcome::Skipped
    })
}

fn report_skipped(skipped: &[Skipped]) {
    if !skipped.is_empty() {
        note!("skipped {} records:", skipped.len());
        let mut counts = std::collections::BTreeMap::new();
        for s in skipped {
            *counts
                .entry(tessera::ingest::reason_kind(&s.reason))
                .or_insert(0) += 1;
        }
        crate::ingest::print_skipped(skipped, &counts);
    }
}

#[derive(Debug, Args)]
pub struct AlignArgs {
    /// The article (text or HTML file, `-` for stdin).
    query: PathBuf,
    /// The source (text or HTML file).
    source: PathBuf,
    /// Weigh words by their document frequencies in this index (default: a built-in list of function words).
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    tuning: TuningArgs,
    #[command(flatten)]
    input: InputArgs,
}

pub fn align(a: AlignArgs, _g: Global) -> Result<Outcome> {
    let opts = a.input.options();
    let q = read_article(&a.query, &opts)?;
    let s = read_article(&a.source, &opts)?;
    let (weights, settings) = match &a.index {
        Some(dir) => {
            let index = tessera::index::Index::open(dir)?;
            (Weights::from_index(&index), *index.settings())
        }
        None => (Weights::prior_only(), IndexSettings::default()),
    };
    let report = align_pair(
        &Query {
            id: &q.meta.id,
            title: q.meta.title.as_deref(),
            text: &q.text,
            date: None,
            exclude: None,
        },
        &s.meta,
        &s.text,
        &settings,
        &weights,
        &a.tuning.config()?,
    );
    let mut p = printer(&a.output, false);
    let src = s.text.clone();
    p.print(&report, &q.text, &move |_| Some(src.clone()))?;
    p.finish(a.output.out.as_deref())?;
    Ok(Outcome::Done)
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The shared data directory (holds seed/ and reuters21578/).
    #[arg(long, default_value = "../shared/data", value_name = "DIR")]
    data: PathBuf,
    /// Keep the demo index in this directory (reused if it already exists).
    #[arg(long, value_name = "DIR")]
    index: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn demo(a: DemoArgs, g: Global) -> Result<Outcome> {
    let seed = tessera::demo::seed_article(&a.data).with_context(|| {
        format!(
            "the demo needs the shared data directory (seed/ and reuters21578/); pass --data DIR (looked in {})",
            a.data.display()
        )
    })?;
    let tmp;
    let dir = match &a.index {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
            tmp.path().join("demo-index")
        }
    };
    if !dir.join(tessera::index::MANIFEST).exists() {
        let size = std::fs::metadata(tessera::demo::reuters_path(&a.data))
            .ok()
            .map(|m| m.len());
        let bar = progress::bytes(size, g.quiet, "indexing");
        let start = Instant::now();
        let report = tessera::demo::build_index(&a.data, &dir, &|n| bar.inc(n))?;
        bar.finish_and_clear();
        if !g.quiet {
            note!(
                "demo index: 6 stand-in sources (the seed's own sentences with the spin undone, inside unrelated Reuters articles) \
                 among {} Reuters-21578 bodies, indexed in {:.2} s; {} Reuters items without a body were skipped",
                report.added.saturating_sub(6),
                start.elapsed().as_secs_f64(),
                report.skipped
            );
            note!(
                "the stand-ins are NOT the real sources of the seed article, which are not available\n"
            );
        }
    }
    let engine = Engine::open(&dir)?;
    let start = Instant::now();
    let report = engine.trace(&Query {
        id: "seed/article.txt",
        title: seed.lines().map(str::trim).find(|l| !l.is_empty()),
        text: &seed,
        date: None,
        exclude: None,
    })?;
    let took = start.elapsed();
    let mut p = printer(&a.output, false);
    p.print(&report, &seed, &source_text_fn(&engine))?;
    p.finish(a.output.out.as_deref())?;
    if !g.quiet {
        note!(
            "\ntraced in {:.1} ms against {} documents",
            took.as_secs_f64() * 1000.0,
            engine.index().num_docs()
        );
    }
    Ok(Outcome::Done)
}
