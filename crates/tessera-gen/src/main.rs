//! `tessera-gen`: a synthetic news corpus with known reuse, for evaluating
//! and benchmarking corpus-wide reuse detection (`tessera scan`).
//!
//! ```sh
//! tessera-gen --reuters ../shared/data/reuters21578/reuters21578.jsonl \
//!     --articles 1000000 --seed 42 --out corpus.jsonl \
//!     [--truth truth.jsonl] [--clusters clusters.jsonl]
//! ```
//!
//! # Output
//!
//! * `--out`: JSON Lines, one article a line, `{"id", "title", "text",
//!   "outlet", "date"}`; ids `doc-0000001`…, outlets `outlet-001`…, dates ISO
//!   8601 in UTC (`2023-03-14T08:21:05Z`). Articles come in date order.
//! * `--truth`: one line per reused passage, `{"query_id", "query_offset",
//!   "query_length", "source_id", "source_offset", "source_length", "kind",
//!   "spun"}`. Offsets and lengths count **Unicode code points** of the
//!   `text` strings (as Python indexes them: `text[off:off + len]`). `kind` is
//!   `syndication`, `stitch` or `boilerplate`. `spun` is true when the copied
//!   words were altered (spinner, a syndicator's word changes, OCR noise);
//!   when false, both spans hold the same sequence of words and differ at
//!   most in white space and line breaks. The source is the article the
//!   text was taken from directly: a farm that stitches from a syndicated
//!   copy or from another farm names that copy, not the wire original
//!   behind it (follow the truth lines for the chain).
//! * `--clusters`: one line per syndication group, `{"cluster": [ids]}`,
//!   the wire original first, then its republications in date order.
//!
//! The same `--seed` (and the same other options and input) gives
//! byte-identical files, on any machine: the generator is single-threaded
//! with its own PRNG (`rng.rs`; serialisation runs on a second thread but
//! in order).
//!
//! # The model
//!
//! Texts come from the Reuters-21578 bodies (records with a non-empty
//! `text`, 19,043). Each body is cut into paragraphs (its indented lines)
//! and sentences (`reuters.rs`, a rule-based splitter that knows common
//! abbreviations); only prose sentences are kept (six words or more, ending
//! with a full stop, not table rows): 100,007 sentences from 17,062 bodies.
//!
//! There are `--outlets` outlets (200), each of one kind, with its own
//! volume (Zipf-like) and habits drawn from the seed:
//!
//! * **Wires** (4%, 30% of the articles) publish originals only. They are
//!   what syndicators republish.
//! * **Regular outlets** (31%, 22% of the articles) publish originals.
//! * **Syndicators** (35%, 28% of the articles): 85% of their articles
//!   republish a whole wire original, dated 2 minutes to 4 days later
//!   (log-uniform), with a new headline (same, `UPDATE 1-…`, `… - outlet`,
//!   from the lede, or upper case), a byline before and/or a copyright line
//!   after, 0–4 words changed (a synonym or alias), sometimes the last one
//!   or two paragraphs dropped, and the line breaks re-flowed (paragraphs as
//!   in the source, single line breaks, wrapped at 60–80 columns, or one
//!   paragraph). A few add OCR noise (a scanned print edition).
//! * **Content farms** (30%, 20% of the articles): 90% of their articles
//!   stitch 2–6 passages of 1–4 consecutive sentences from 1–4 earlier
//!   articles (60% from recent wire originals, otherwise any of the 8,192
//!   most recent articles, copies and farm articles included), in random
//!   order, interleaved with sentences of their own. The whole article goes
//!   through the farm's spinner: an alias table of entity renamings
//!   (Russia → Russian Federation, U.S. → USA, EC → European Community,
//!   Britain → United Kingdom, pct → percent, mln → million, …) and a
//!   synonym table for common words (said → stated, about → approximately,
//!   after → following, big → large, …). Each farm uses its own subset of
//!   both tables, its own choice of alternative for each entry and its own
//!   eagerness per entry. Half the farms sometimes shuffle the sentences of
//!   a passage (the truth then has one line per run still in source order);
//!   a fifth add OCR-like noise (rn→m, l→1, dropped or doubled letters,
//!   words run together).
//! * **Boilerplate**: about a sixth of the non-wire outlets have a fixed
//!   disclaimer paragraph they put at the start or end of 50–95% of their
//!   articles. Each such paragraph after the outlet's first is a
//!   `boilerplate` truth line whose source is that first article.
//!
//! The rest of the syndicators' and farms' articles are originals of their
//! own (a farm's through its spinner), as are the sentences a farm puts
//! between its stolen passages.
//!
//! **Originals** are made by recombining Reuters sentences: 2–8 sentences
//! from the start of one body (its lede), then runs of 1–4 consecutive
//! sentences from other bodies (on the same topic, or else place, 60% of
//! the time; any body otherwise) until a length drawn per article (500 bytes
//! plus an exponential with an outlet-dependent mean of about 2 KB), in
//! paragraphs of 1–3 sentences; and by lightly mutating them: numbers
//! re-drawn (not fractions or days of months; years moved so that 1987
//! becomes the article's year), names and places swapped from lists (some
//! with diacritics, so byte and code-point offsets differ), other
//! mid-sentence capitalised words now and then replaced by a surname.
//!
//! **Limitation.** Reuters-21578 has only 17,062 bodies with prose and
//! 100,007 prose sentences, while a million articles hold some ten million
//! original sentences: every Reuters sentence appears in about a hundred
//! unrelated originals. The mutation changes numbers and names but leaves
//! most words of a sentence alone, so unrelated originals *do* share
//! sentence-length runs of words that no truth line accounts for. Measured
//! on the first 20,000 articles of `--seed 42`: 97% of the originals share
//! at least one word 8-gram with an earlier original, and the median
//! original shares 47% of its distinct 8-grams. Use the truth for recall
//! (every labelled passage should be found) and for precision only at the
//! level of whole-article clusters or passages longer than a few sentences,
//! or measure the background rate on pairs of originals. `--scramble P`
//! cuts the background reuse by also replacing each lower-case content word
//! of an original (not a function word, not a word the spinner knows) by a
//! random Reuters word (drawn by frequency) with probability `P`, at the
//! cost of less readable originals: with `--scramble 0.35` the median share
//! falls to 8% (94% still share some 8-gram: numbers, names, "mln dlrs" and
//! the like). Copies copy the scrambled text, so the truth stays exact. The
//! natural near-duplicates within Reuters itself (796 pairs of bodies with
//! word 5-gram Jaccard >= 0.5) add to the background too.
//!
//! Dates: the first article is dated 2023-01-01T00:00:00Z; the gaps
//! between consecutive articles are exponential with a mean of
//! `--days` (730) × 86,400 s / `--articles`, at least one second, so dates
//! strictly increase along the file and a copy is always dated after its
//! sources.
//!
//! Memory: the Reuters sentences, the 8,192 most recent articles and the
//! 4,096 most recent wire originals (with their open syndication groups).
//! Output is streamed.
//!
//! Speed, on the 2-core development machine (shared with other work):
//! 100,000 articles (329 MB of JSON Lines, 3.1 KB of text an article on
//! average) in 5.5 s, about 18,000 articles/s and 60 MB/s, with 96 MB peak
//! memory; a million articles (about 3.3 GB) take about a minute.

mod model;
mod reuters;
mod rng;
mod text;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use serde::Serialize;

use model::{Config, Generator, Produced, Stats, format_date};
use reuters::Reuters;

/// Writes a synthetic news corpus with known reuse (syndication, stitched
/// and spun passages, boilerplate) built from Reuters-21578, and its ground
/// truth.
#[derive(Parser, Debug)]
#[command(name = "tessera-gen", version)]
struct Args {
    /// Reuters-21578 as JSON Lines (records with `text`, `title`, `topics`).
    #[arg(long, value_name = "FILE")]
    reuters: PathBuf,
    /// Number of articles to write.
    #[arg(long, default_value_t = 1_000_000)]
    articles: u64,
    /// Seed: the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The corpus (JSON Lines); `-` for standard output.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// One line per reused passage (code-point offsets).
    #[arg(long, value_name = "FILE")]
    truth: Option<PathBuf>,
    /// One line per syndication group.
    #[arg(long, value_name = "FILE")]
    clusters: Option<PathBuf>,
    /// Number of outlets (at least 8).
    #[arg(long, default_value_t = 200)]
    outlets: usize,
    /// Days the dates span.
    #[arg(long, default_value_t = 730.0)]
    days: f64,
    /// Share (0-1) of the lower-case content words of originals replaced by
    /// random Reuters words, to cut the reuse between unrelated originals
    /// (see the crate documentation). 0: only numbers and names change.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    scramble: f64,
    /// No progress lines or summary on standard error.
    #[arg(short, long)]
    quiet: bool,
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub articles: u64,
    pub bytes: u64,
    pub stats: Stats,
    pub elapsed: Duration,
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    title: &'a str,
    text: &'a str,
    outlet: &'a str,
    date: String,
}

#[derive(Serialize)]
struct ClusterLine<'a> {
    cluster: &'a [String],
}

enum Msg {
    Article(Produced),
    Clusters(Vec<Vec<String>>),
}

struct Counting<'a> {
    inner: &'a mut (dyn Write + Send),
    bytes: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Generates `cfg.articles` articles into `out` (and the truth and clusters
/// files, if given). Generation runs on this thread, serialisation and
/// writing on another, in order.
pub fn run(
    reuters: Reuters,
    cfg: &Config,
    out: &mut (dyn Write + Send),
    truth: Option<&mut (dyn Write + Send)>,
    clusters: Option<&mut (dyn Write + Send)>,
    progress: bool,
) -> Result<Summary> {
    let started = Instant::now();
    let mut generator = Generator::new(reuters, cfg);
    let names: Vec<String> = generator.outlets().iter().map(|o| o.name.clone()).collect();
    let (tx, rx) = mpsc::sync_channel::<Msg>(256);
    let written = std::thread::scope(|scope| -> Result<(u64, u64)> {
        let writer = scope.spawn(move || -> Result<(u64, u64)> {
            let mut out = Counting { inner: out, bytes: 0 };
            let mut truth = truth;
            let mut clusters = clusters;
            let mut n = 0u64;
            let write_clusters = |w: &mut Option<&mut (dyn Write + Send)>, cs: &[Vec<String>]| -> Result<()> {
                if let Some(w) = w {
                    for c in cs {
                        serde_json::to_writer(&mut *w, &ClusterLine { cluster: c })?;
                        w.write_all(b"\n")?;
                    }
                }
                Ok(())
            };
            for msg in rx {
                match msg {
                    Msg::Article(p) => {
                        let a = &p.article;
                        let line = Line {
                            id: &a.id,
                            title: &a.title,
                            text: &a.text,
                            outlet: names.get(a.outlet as usize).map_or("", String::as_str),
                            date: format_date(a.time),
                        };
                        serde_json::to_writer(&mut out, &line).context("writing the corpus")?;
                        out.write_all(b"\n").context("writing the corpus")?;
                        if let Some(w) = &mut truth {
                            for t in &p.truth {
                                serde_json::to_writer(&mut **w, t).context("writing the truth")?;
                                w.write_all(b"\n").context("writing the truth")?;
                            }
                        }
                        write_clusters(&mut clusters, &p.clusters).context("writing the clusters")?;
                        n += 1;
                        if progress && n.is_multiple_of(100_000) {
                            let secs = started.elapsed().as_secs_f64();
                            eprintln!(
                                "tessera-gen: {n} articles, {:.1} MB, {secs:.1} s ({:.0} articles/s, {:.1} MB/s)",
                                out.bytes as f64 / 1e6,
                                n as f64 / secs,
                                out.bytes as f64 / 1e6 / secs
                            );
                        }
                    }
                    Msg::Clusters(cs) => write_clusters(&mut clusters, &cs).context("writing the clusters")?,
                }
            }
            out.flush().context("writing the corpus")?;
            if let Some(w) = &mut truth {
                w.flush().context("writing the truth")?;
            }
            if let Some(w) = &mut clusters {
                w.flush().context("writing the clusters")?;
            }
            Ok((n, out.bytes))
        });
        for _ in 0..cfg.articles {
            // A send fails only when the writer stopped on an error; its
            // result below says which.
            if tx.send(Msg::Article(generator.next_article())).is_err() {
                break;
            }
        }
        let _ = tx.send(Msg::Clusters(generator.finish()));
        drop(tx);
        writer
            .join()
            .map_err(|_| anyhow!("the writer thread panicked"))?
    })?;
    Ok(Summary {
        articles: written.0,
        bytes: written.1,
        stats: generator.stats.clone(),
        elapsed: started.elapsed(),
    })
}

fn create(path: &Path) -> Result<Box<dyn Write + Send>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufWriter::with_capacity(1 << 20, io::stdout())));
    }
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(Box::new(BufWriter::with_capacity(1 << 20, f)))
}

fn main_inner(args: Args) -> Result<()> {
    if args.outlets < 8 {
        bail!("--outlets must be at least 8");
    }
    if !(args.days > 0.0 && args.days.is_finite()) {
        bail!("--days must be a positive number");
    }
    if !(0.0..=1.0).contains(&args.scramble) {
        bail!("--scramble must be between 0 and 1");
    }
    let file =
        File::open(&args.reuters).with_context(|| format!("opening {}", args.reuters.display()))?;
    let reuters = Reuters::read(BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("reading {}", args.reuters.display()))?;
    if !args.quiet {
        eprintln!(
            "tessera-gen: {} Reuters records, {} with a text, {} usable bodies, {} prose sentences",
            reuters.records,
            reuters.with_text,
            reuters.bodies.len(),
            reuters.sentences.len()
        );
    }
    let cfg = Config {
        articles: args.articles,
        seed: args.seed,
        days: args.days,
        outlets: args.outlets,
        scramble: args.scramble,
    };
    let mut out = create(&args.out)?;
    let mut truth = args.truth.as_deref().map(create).transpose()?;
    let mut clusters = args.clusters.as_deref().map(create).transpose()?;
    let s = run(
        reuters,
        &cfg,
        &mut *out,
        truth.as_deref_mut().map(|w| w as &mut (dyn Write + Send)),
        clusters
            .as_deref_mut()
            .map(|w| w as &mut (dyn Write + Send)),
        !args.quiet,
    )?;
    if !args.quiet {
        let secs = s.elapsed.as_secs_f64();
        let st = &s.stats;
        eprintln!(
            "tessera-gen: {} articles, {:.1} MB in {secs:.1} s ({:.0} articles/s, {:.1} MB/s)",
            s.articles,
            s.bytes as f64 / 1e6,
            s.articles as f64 / secs,
            s.bytes as f64 / 1e6 / secs
        );
        eprintln!(
            "  articles: {} originals, {} syndicated, {} stitched; {} carry a boilerplate paragraph",
            st.originals, st.syndicated, st.stitched, st.with_boilerplate
        );
        eprintln!(
            "  reused passages: {} syndication, {} stitch, {} boilerplate ({} spun)",
            st.truth_syndication, st.truth_stitch, st.truth_boilerplate, st.truth_spun
        );
        eprintln!(
            "  syndication groups: {} ({} articles)",
            st.clusters, st.cluster_members
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match main_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera-gen: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
