//! The corpus model: outlets and their habits, and the generator that
//! writes one article after another with its ground truth.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use crate::reuters::Reuters;
use crate::rng::{Rng, pick_weighted};
use crate::text::{
    Builder, Match, Mutation, Sent, Spinner, mutate_original, ocr, same_words, unwrap_sentence,
    wrap,
};

/// 2023-01-01T00:00:00Z, the first article's time.
pub const START: i64 = 1_672_531_200;
/// Recent articles a farm may stitch from.
const POOL: usize = 8192;
/// Recent wire originals a syndicator may republish (and the syndication
/// groups still open).
const WIRE_POOL: usize = 4096;

#[derive(Debug, Clone)]
pub struct Config {
    pub articles: u64,
    pub seed: u64,
    /// The span of the corpus's dates, in days.
    pub days: f64,
    pub outlets: usize,
    /// Share of the content words of originals replaced by random Reuters
    /// words (0: only numbers and names change).
    pub scramble: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutletKind {
    Wire,
    Regular,
    Syndicator,
    Farm,
}

const KINDS: [OutletKind; 4] = [
    OutletKind::Wire,
    OutletKind::Regular,
    OutletKind::Syndicator,
    OutletKind::Farm,
];
/// Share of the articles published by each kind of outlet.
const KIND_SHARE: [f64; 4] = [0.30, 0.22, 0.28, 0.20];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtKind {
    Original,
    Syndicated,
    Stitched,
}

/// A generated article, kept in the pools while later ones may copy it.
#[derive(Debug)]
pub struct Article {
    pub idx: u64,
    pub id: String,
    pub title: String,
    pub text: String,
    pub outlet: u32,
    /// Seconds since the Unix epoch.
    pub time: i64,
    pub sents: Vec<Sent>,
}

/// One reused passage: code-point offsets into the `text` of both articles.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Truth {
    pub query_id: String,
    pub query_offset: u32,
    pub query_length: u32,
    pub source_id: String,
    pub source_offset: u32,
    pub source_length: u32,
    /// `syndication`, `stitch` or `boilerplate`.
    pub kind: &'static str,
    /// The copied words were altered (spinner, a syndicator's word changes,
    /// OCR noise). When false, both spans hold the same sequence of words;
    /// white space and line breaks may differ.
    pub spun: bool,
}

/// What `Generator::next` produced: the article, its truth lines and any
/// syndication groups that closed.
#[derive(Debug)]
pub struct Produced {
    pub article: Arc<Article>,
    pub truth: Vec<Truth>,
    pub clusters: Vec<Vec<String>>,
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub originals: u64,
    pub syndicated: u64,
    pub stitched: u64,
    pub with_boilerplate: u64,
    pub truth_syndication: u64,
    pub truth_stitch: u64,
    pub truth_boilerplate: u64,
    pub truth_spun: u64,
    pub clusters: u64,
    pub cluster_members: u64,
}

#[derive(Debug)]
struct Boiler {
    text: String,
    /// Share of the outlet's articles that carry it.
    p: f64,
    at_end: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Paragraphs as in the source, blank lines between them.
    Same,
    /// One line break between paragraphs.
    SingleBreak,
    /// Lines wrapped at this many characters.
    Wrapped(usize),
    /// Everything in one paragraph.
    OneParagraph,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Headline {
    Same,
    Update,
    Suffix,
    Lede,
    Upper,
}

#[derive(Debug)]
struct SyndStyle {
    before: Option<String>,
    after: Option<String>,
    layout: Layout,
    max_changes: usize,
    truncate: f64,
    headline: Headline,
}

/// An outlet and its habits.
#[derive(Debug)]
pub struct Outlet {
    pub name: String,
    pub kind: OutletKind,
    boiler: Option<Boiler>,
    /// A farm's spinner (empty for other outlets).
    spinner: Spinner,
    /// Probability that a farm reorders the sentences of a passage.
    reorder: f64,
    /// OCR noise: probability that a word is garbled.
    ocr: f64,
    synd: SyndStyle,
    /// Mean length of the outlet's originals beyond 500 bytes.
    length: f64,
}

const DISCLAIMER_A: &[&str] = &[
    "Disclaimer: ",
    "Important notice: ",
    "Editor's note: ",
    "Legal notice — ",
];
const DISCLAIMER_B: &[&str] = &[
    "The content of this article is provided by {name} for general information only and does not constitute investment, legal or tax advice.",
    "This story was produced by {name} from wire reports and other sources, and {name} accepts no liability for errors or omissions in it.",
    "{name} publishes this material for information purposes only; it is not an offer or a solicitation to buy or sell any security.",
    "Articles published by {name} may contain forward-looking statements that involve risks and uncertainties beyond our control.",
];
const DISCLAIMER_C: &[&str] = &[
    "Readers should seek independent professional advice before acting on any information contained in it.",
    "The views expressed are those of the authors and not necessarily those of the publisher or its partners.",
    "© {year} {name}. All rights reserved; reproduction in whole or in part without written permission is prohibited.",
    "📰 Subscribe to the {name} newsletter for the day's top stories, delivered to your inbox every morning.",
];
const DISCLAIMER_D: &[&str] = &[
    "Prices quoted may be delayed by up to 20 minutes.",
    "Some material may have been supplied by third parties and has not been independently verified.",
    "Corrections can be sent to the newsroom at any time.",
    "",
];
const BYLINE_BEFORE: &[&str] = &[
    "From {name} wire services",
    "{name} staff and wire reports",
    "Published by {name} via syndication",
    "By the {name} newsroom",
    "({name}) —",
];
const LINE_AFTER: &[&str] = &[
    "Copyright © {year} {name}. Distributed by syndication partners.",
    "This article originally appeared on a partner wire and is republished by {name}.",
    "Follow {name} for more business news.",
    "(Reporting by wire staff; editing by the {name} desk)",
];

fn fill(template: &str, name: &str, year: i32) -> String {
    template
        .replace("{name}", name)
        .replace("{year}", &year.to_string())
}

fn make_outlets(n: usize, rng: &mut Rng) -> Vec<Outlet> {
    let n = n.max(8);
    let wires = (n * 4 / 100).max(2);
    let farms = (n * 30 / 100).max(2);
    let synd = (n * 35 / 100).max(2);
    let regular = n - wires - farms - synd;
    let mut kinds = Vec::with_capacity(n);
    for (kind, count) in KINDS.iter().zip([wires, regular, synd, farms]) {
        kinds.extend(std::iter::repeat_n(*kind, count));
    }
    rng.shuffle(&mut kinds);
    let width = n.to_string().len().max(3);
    let year = year_of(START);
    let mut out = Vec::with_capacity(n);
    for (i, kind) in kinds.into_iter().enumerate() {
        let name = format!("outlet-{:0width$}", i + 1);
        let boiler_share = match kind {
            OutletKind::Wire => 0.0,
            OutletKind::Regular => 0.25,
            OutletKind::Syndicator => 0.10,
            OutletKind::Farm => 0.15,
        };
        let boiler = rng.chance(boiler_share).then(|| {
            let mut text = String::new();
            text.push_str(rng.pick_str(DISCLAIMER_A));
            text.push_str(&fill(rng.pick_str(DISCLAIMER_B), &name, year));
            text.push(' ');
            text.push_str(&fill(rng.pick_str(DISCLAIMER_C), &name, year));
            let d = rng.pick_str(DISCLAIMER_D);
            if !d.is_empty() {
                text.push(' ');
                text.push_str(d);
            }
            Boiler {
                text,
                p: rng.uniform(0.5, 0.95),
                at_end: rng.chance(0.8),
            }
        });
        let farm = kind == OutletKind::Farm;
        let spinner = if farm {
            // Spin habits: how many aliases and synonyms, and how eagerly.
            let alias_share = rng.uniform(0.4, 0.9);
            let syn_share = rng.uniform(0.15, 0.6);
            Spinner::for_outlet(rng, alias_share, (0.6, 1.0), syn_share, (0.2, 0.9))
        } else {
            Spinner::default()
        };
        let reorder = if farm && rng.chance(0.5) {
            rng.uniform(0.1, 0.5)
        } else {
            0.0
        };
        let ocr = match kind {
            OutletKind::Farm if rng.chance(0.2) => rng.uniform(0.01, 0.04),
            OutletKind::Syndicator if rng.chance(0.05) => rng.uniform(0.005, 0.02),
            _ => 0.0,
        };
        let layout = match rng.below(4) {
            0 => Layout::Same,
            1 => Layout::SingleBreak,
            2 => Layout::Wrapped(rng.range(60, 80)),
            _ => Layout::OneParagraph,
        };
        let headline = match rng.below(5) {
            0 => Headline::Same,
            1 => Headline::Update,
            2 => Headline::Suffix,
            3 => Headline::Lede,
            _ => Headline::Upper,
        };
        let synd = SyndStyle {
            before: rng
                .chance(0.5)
                .then(|| fill(rng.pick_str(BYLINE_BEFORE), &name, year)),
            after: rng
                .chance(0.6)
                .then(|| fill(rng.pick_str(LINE_AFTER), &name, year)),
            layout,
            max_changes: rng.range(0, 4),
            truncate: if rng.chance(0.3) { 0.3 } else { 0.0 },
            headline,
        };
        let length = match kind {
            OutletKind::Wire => 2800.0,
            OutletKind::Regular => 2200.0,
            OutletKind::Syndicator => 1800.0,
            OutletKind::Farm => 1500.0,
        } * rng.uniform(0.7, 1.3);
        out.push(Outlet {
            name,
            kind,
            boiler,
            spinner,
            reorder,
            ocr,
            synd,
            length,
        });
    }
    out
}

/// The generator: deterministic for a seed; holds the Reuters sentences and
/// bounded pools of recent articles, never the whole corpus.
#[derive(Debug)]
pub struct Generator {
    rng: Rng,
    reuters: Reuters,
    outlets: Arc<Vec<Outlet>>,
    /// Outlets of each kind and their cumulative weights.
    by_kind: [Vec<usize>; 4],
    by_kind_cum: [Vec<f64>; 4],
    kind_cum: Vec<f64>,
    clock: i64,
    mean_step: f64,
    next_idx: u64,
    id_width: usize,
    pool: VecDeque<Arc<Article>>,
    wires: VecDeque<Arc<Article>>,
    /// Per outlet: the first article that carried its boilerplate
    /// (id, code-point offset, length).
    boiler_ref: Vec<Option<(String, u32, u32)>>,
    /// Open syndication groups: root article index -> ids, root first.
    clusters: BTreeMap<u64, Vec<String>>,
    /// Every synonym and alias: a syndicator's word changes.
    all_rules: Spinner,
    scratch: Vec<Match>,
    scramble: f64,
    pub stats: Stats,
}

impl Generator {
    pub fn new(reuters: Reuters, cfg: &Config) -> Generator {
        let mut orng = Rng::derive(cfg.seed, 1);
        let outlets = make_outlets(cfg.outlets, &mut orng);
        let mut by_kind: [Vec<usize>; 4] = Default::default();
        let mut by_kind_cum: [Vec<f64>; 4] = Default::default();
        for (k, kind) in KINDS.iter().enumerate() {
            by_kind[k] = (0..outlets.len())
                .filter(|&i| outlets[i].kind == *kind)
                .collect();
            // Zipf-like volumes: a few big outlets, many small ones.
            let mut ranks: Vec<usize> = (1..=by_kind[k].len()).collect();
            orng.shuffle(&mut ranks);
            let mut acc = 0.0;
            by_kind_cum[k] = ranks
                .iter()
                .map(|&r| {
                    acc += 1.0 / (r as f64).powf(0.9);
                    acc
                })
                .collect();
        }
        let mut acc = 0.0;
        let kind_cum = KIND_SHARE
            .iter()
            .map(|s| {
                acc += s;
                acc
            })
            .collect();
        let n_outlets = outlets.len();
        Generator {
            rng: Rng::derive(cfg.seed, 2),
            reuters,
            outlets: Arc::new(outlets),
            by_kind,
            by_kind_cum,
            kind_cum,
            clock: START,
            mean_step: (cfg.days * 86_400.0 / cfg.articles.max(1) as f64).max(1.0),
            next_idx: 0,
            id_width: cfg.articles.to_string().len().max(7),
            pool: VecDeque::with_capacity(POOL + 1),
            wires: VecDeque::with_capacity(WIRE_POOL + 1),
            boiler_ref: vec![None; n_outlets],
            clusters: BTreeMap::new(),
            all_rules: Spinner::everything(),
            scratch: Vec::new(),
            scramble: cfg.scramble,
            stats: Stats::default(),
        }
    }

    pub fn outlets(&self) -> &[Outlet] {
        &self.outlets
    }

    /// The next article, its truth lines and the syndication groups that
    /// can no longer grow.
    pub fn next_article(&mut self) -> Produced {
        let idx = self.next_idx;
        self.next_idx += 1;
        // Dates strictly increase along the file, so whatever an article
        // copies (always an earlier article) is dated before it.
        let step = self.rng.exp(self.mean_step).round().max(1.0) as i64;
        self.clock += step;
        let id = format!("doc-{:0w$}", idx + 1, w = self.id_width);
        let k = pick_weighted(&mut self.rng, &self.kind_cum);
        let o = self.by_kind[k][pick_weighted(&mut self.rng, &self.by_kind_cum[k])];
        let outlets = Arc::clone(&self.outlets);
        let outlet = &outlets[o];

        let mut b = Builder::with_capacity(4096);
        let mut truth = Vec::new();
        let boiler = match &outlet.boiler {
            Some(bp) if self.rng.chance(bp.p) => Some(bp),
            _ => None,
        };
        let mut boiler_sent = None;
        if let Some(bp) = boiler
            && !bp.at_end
        {
            boiler_sent = Some(b.push("\n\n", &bp.text, false, true));
        }

        let mut made = None;
        match outlet.kind {
            OutletKind::Syndicator if self.rng.chance(0.85) => {
                made = self
                    .syndicate(&mut b, outlet, &id, &mut truth)
                    .map(|t| (ArtKind::Syndicated, t));
            }
            OutletKind::Farm if self.rng.chance(0.9) => {
                made = self
                    .stitch(&mut b, outlet, &id, &mut truth)
                    .map(|t| (ArtKind::Stitched, t));
            }
            _ => {}
        }
        let (kind, title) = match made {
            Some(m) => m,
            None => (ArtKind::Original, self.original(&mut b, outlet)),
        };

        if let Some(bp) = boiler
            && bp.at_end
        {
            boiler_sent = Some(b.push("\n\n", &bp.text, false, true));
        }
        if let Some(si) = boiler_sent {
            self.stats.with_boilerplate += 1;
            let s = b.sents[si];
            match &self.boiler_ref[o] {
                Some((src, off, len)) => truth.push(Truth {
                    query_id: id.clone(),
                    query_offset: s.c0,
                    query_length: s.c1 - s.c0,
                    source_id: src.clone(),
                    source_offset: *off,
                    source_length: *len,
                    kind: "boilerplate",
                    spun: false,
                }),
                None => self.boiler_ref[o] = Some((id.clone(), s.c0, s.c1 - s.c0)),
            }
        }
        if kind == ArtKind::Syndicated
            && let Layout::Wrapped(w) = outlet.synd.layout
        {
            b.text = wrap(&b.text, w);
        }

        match kind {
            ArtKind::Original => self.stats.originals += 1,
            ArtKind::Syndicated => self.stats.syndicated += 1,
            ArtKind::Stitched => self.stats.stitched += 1,
        }
        for t in &truth {
            match t.kind {
                "syndication" => self.stats.truth_syndication += 1,
                "stitch" => self.stats.truth_stitch += 1,
                _ => self.stats.truth_boilerplate += 1,
            }
            self.stats.truth_spun += u64::from(t.spun);
        }

        let article = Arc::new(Article {
            idx,
            id,
            title,
            text: b.text,
            outlet: o as u32,
            time: self.clock,
            sents: b.sents,
        });
        let mut closed = Vec::new();
        self.pool.push_back(Arc::clone(&article));
        if self.pool.len() > POOL {
            self.pool.pop_front();
        }
        if kind == ArtKind::Original && outlet.kind == OutletKind::Wire {
            self.wires.push_back(Arc::clone(&article));
            if self.wires.len() > WIRE_POOL
                && let Some(old) = self.wires.pop_front()
                && let Some(c) = self.clusters.remove(&old.idx)
            {
                self.count_cluster(&c);
                closed.push(c);
            }
        }
        Produced {
            article,
            truth,
            clusters: closed,
        }
    }

    /// The syndication groups still open at the end of the run.
    pub fn finish(&mut self) -> Vec<Vec<String>> {
        let rest: Vec<Vec<String>> = std::mem::take(&mut self.clusters).into_values().collect();
        for c in &rest {
            self.count_cluster(c);
        }
        rest
    }

    fn count_cluster(&mut self, c: &[String]) {
        self.stats.clusters += 1;
        self.stats.cluster_members += c.len() as u64;
    }

    /// An "original": runs of Reuters sentences from several bodies (most
    /// on the first body's topic), lightly mutated; spun and OCR-noised
    /// too when a farm writes it. Returns the title.
    fn original(&mut self, b: &mut Builder, outlet: &Outlet) -> String {
        let year = year_of(self.clock);
        let target = b.len() + (500.0 + self.rng.exp(outlet.length)).min(16_000.0) as usize;
        let r = &self.reuters;
        let rng = &mut self.rng;
        let body0 = rng.below(r.bodies.len());
        let mut title = String::new();
        let m = Mutation {
            year,
            scramble: self.scramble,
            vocab: &r.vocab,
        };
        mutate_original(&r.bodies[body0].title, rng, &m, &mut title);
        if title.is_empty() {
            title = lede(&r.sentences[r.bodies[body0].start as usize], rng);
        }
        let title = self_spin(&outlet.spinner, &title, rng, &mut self.scratch);
        let mut first = true;
        let mut left_in_para = 0;
        let mut buf = String::new();
        while b.len() < target {
            let body = if first {
                body0
            } else {
                related_body(r, body0, rng)
            };
            let sents = r.body_sentences(&r.bodies[body]);
            // The first body's lede and a few sentences after it, then
            // runs of 1-4 sentences from related bodies.
            let (start, run) = if first {
                (0, rng.range(2, 8))
            } else {
                (rng.below(sents.len()), rng.range(1, 4))
            };
            for s in sents[start..].iter().take(run) {
                buf.clear();
                mutate_original(s, rng, &m, &mut buf);
                let (text, _) = farm_transform(outlet, &buf, rng, &mut self.scratch);
                let new_para = left_in_para == 0;
                if new_para {
                    left_in_para = rng.range(1, 3);
                }
                left_in_para -= 1;
                b.push(if new_para { "\n\n" } else { " " }, &text, true, new_para);
            }
            first = false;
        }
        title
    }

    /// A sentence an original-writing farm adds between stolen passages.
    fn filler_sentence(&mut self, outlet: &Outlet) -> String {
        let year = year_of(self.clock);
        let r = &self.reuters;
        let body = &r.bodies[self.rng.below(r.bodies.len())];
        let sents = r.body_sentences(body);
        let s = &sents[self.rng.below(sents.len())];
        let mut buf = String::new();
        let m = Mutation {
            year,
            scramble: self.scramble,
            vocab: &r.vocab,
        };
        mutate_original(s, &mut self.rng, &m, &mut buf);
        farm_transform(outlet, &buf, &mut self.rng, &mut self.scratch).0
    }

    /// A whole wire original republished: returns the headline, or `None`
    /// when there is no wire article to copy yet.
    fn syndicate(
        &mut self,
        b: &mut Builder,
        outlet: &Outlet,
        id: &str,
        truth: &mut Vec<Truth>,
    ) -> Option<String> {
        if self.wires.is_empty() {
            return None;
        }
        // The delay after the source: log-uniform from 2 minutes to 4 days
        // (the newest wire article at least that old, or the oldest kept).
        let (lo, hi) = (120f64.ln(), (4.0 * 86_400f64).ln());
        let delay = self.rng.uniform(lo, hi).exp() as i64;
        let target = self.clock - delay;
        let k = self.wires.partition_point(|a| a.time <= target);
        let src = Arc::clone(&self.wires[k.saturating_sub(1)]);
        let content: Vec<usize> = (0..src.sents.len())
            .filter(|&i| src.sents[i].content)
            .collect();
        if content.is_empty() {
            return None;
        }
        let style = &outlet.synd;
        let rng = &mut self.rng;
        let mut end = content.len();
        if rng.chance(style.truncate) {
            let para_starts: Vec<usize> = (1..content.len())
                .filter(|&k| src.sents[content[k]].para_start)
                .collect();
            if para_starts.len() >= 2 {
                let drop = rng.range(1, 2).min(para_starts.len() - 1);
                end = para_starts[para_starts.len() - drop];
            }
        }
        let copied = &content[..end];
        let changes: Vec<usize> = (0..rng.range(0, style.max_changes))
            .map(|_| rng.below(copied.len()))
            .collect();
        if let Some(before) = &style.before {
            b.push("\n\n", before, false, true);
        }
        let mut spun = false;
        let mut first_q = 0;
        let mut last_q = 0;
        let mut buf = String::new();
        for (k, &si) in copied.iter().enumerate() {
            let s = src.sents[si];
            let raw = unwrap_sentence(&src.text[s.b0 as usize..s.b1 as usize]);
            buf.clear();
            let mut changed = false;
            if changes.contains(&k) {
                changed |= self
                    .all_rules
                    .apply_one(&raw, rng, &mut self.scratch, &mut buf);
            } else {
                buf.push_str(&raw);
            }
            let text = if outlet.ocr > 0.0 {
                let mut o = String::with_capacity(buf.len() + 8);
                changed |= ocr(&buf, outlet.ocr, rng, &mut o) > 0;
                o
            } else {
                std::mem::take(&mut buf)
            };
            // A change between words only (an OCR slip on a comma) is no
            // change of words.
            spun |= changed && !same_words(&raw, &text);
            let para = k == 0 || s.para_start;
            let sep = match (k, style.layout) {
                (0, _) => "\n\n",
                (_, Layout::Same | Layout::Wrapped(_)) if para => "\n\n",
                (_, Layout::SingleBreak) if para => "\n",
                _ => " ",
            };
            let qi = b.push(sep, &text, true, para);
            if k == 0 {
                first_q = qi;
            }
            last_q = qi;
        }
        if let Some(after) = &style.after {
            b.push("\n\n", after, false, true);
        }
        let (q0, q1) = (b.sents[first_q].c0, b.sents[last_q].c1);
        let (s0, s1) = (
            src.sents[copied[0]].c0,
            src.sents[copied[copied.len() - 1]].c1,
        );
        truth.push(Truth {
            query_id: id.to_string(),
            query_offset: q0,
            query_length: q1 - q0,
            source_id: src.id.clone(),
            source_offset: s0,
            source_length: s1 - s0,
            kind: "syndication",
            spun,
        });
        self.clusters
            .entry(src.idx)
            .or_insert_with(|| vec![src.id.clone()])
            .push(id.to_string());

        let mut headline = style.headline;
        if rng.chance(0.25) {
            headline = match rng.below(5) {
                0 => Headline::Same,
                1 => Headline::Update,
                2 => Headline::Suffix,
                3 => Headline::Lede,
                _ => Headline::Upper,
            };
        }
        let title = match headline {
            Headline::Same => src.title.clone(),
            Headline::Update => format!("UPDATE {}-{}", rng.range(1, 3), src.title),
            Headline::Suffix => format!("{} - {}", src.title, outlet.name),
            Headline::Lede => {
                let s = src.sents[content[0]];
                lede(
                    &unwrap_sentence(&src.text[s.b0 as usize..s.b1 as usize]),
                    rng,
                )
            }
            Headline::Upper => src.title.to_uppercase(),
        };
        Some(title)
    }

    /// A content farm's article: 2–6 passages of 1–4 sentences from 1–4
    /// earlier articles, between sentences of its own, all through the
    /// farm's spinner (and OCR noise). Returns the title, or `None` when
    /// there is nothing to copy yet.
    fn stitch(
        &mut self,
        b: &mut Builder,
        outlet: &Outlet,
        id: &str,
        truth: &mut Vec<Truth>,
    ) -> Option<String> {
        let srcs = self.stitch_sources();
        if srcs.is_empty() {
            return None;
        }
        let mut passages = self.stitch_passages(&srcs);
        if passages.is_empty() {
            return None;
        }
        self.rng.shuffle(&mut passages);

        for k in 0..self.rng.range(1, 2) {
            let s = self.filler_sentence(outlet);
            b.push(if k == 0 { "\n\n" } else { " " }, &s, true, k == 0);
        }
        for (si, idxs) in &passages {
            self.place_passage(b, outlet, id, &srcs[*si], idxs, truth);
        }
        let title = self.farm_title(outlet, &srcs);
        Some(if title.is_empty() {
            lede(&b.text, &mut self.rng)
        } else {
            title
        })
    }

    /// 1 to 3 earlier articles with content to copy, mostly wires.
    fn stitch_sources(&mut self) -> Vec<Arc<Article>> {
        let n_src = self.rng.range(1, 4);
        let mut srcs: Vec<Arc<Article>> = Vec::new();
        for _ in 0..n_src * 4 {
            if srcs.len() == n_src {
                break;
            }
            let cand = if !self.wires.is_empty() && self.rng.chance(0.6) {
                let n = self.wires.len().min(1500);
                &self.wires[self.wires.len() - 1 - self.rng.below(n)]
            } else if !self.pool.is_empty() {
                &self.pool[self.pool.len() - 1 - self.rng.below(self.pool.len())]
            } else {
                break;
            };
            if cand.sents.iter().any(|s| s.content) && srcs.iter().all(|s| s.idx != cand.idx) {
                srcs.push(Arc::clone(cand));
            }
        }
        srcs
    }

    /// Passages: (source, source sentence indices), no sentence twice.
    fn stitch_passages(&mut self, srcs: &[Arc<Article>]) -> Vec<(usize, Vec<usize>)> {
        let n_pass = self.rng.range(2, 6).max(srcs.len());
        let mut used: Vec<Vec<bool>> = srcs.iter().map(|s| vec![false; s.sents.len()]).collect();
        let mut passages: Vec<(usize, Vec<usize>)> = Vec::new();
        for p in 0..n_pass {
            let si = if p < srcs.len() {
                p
            } else {
                self.rng.below(srcs.len())
            };
            let src = &srcs[si];
            let content: Vec<usize> = (0..src.sents.len())
                .filter(|&i| src.sents[i].content)
                .collect();
            for _ in 0..4 {
                let start = content[self.rng.below(content.len())];
                if used[si][start] {
                    continue;
                }
                let len = self.rng.range(1, 4);
                let mut idxs = Vec::with_capacity(len);
                let mut i = start;
                while idxs.len() < len
                    && i < src.sents.len()
                    && src.sents[i].content
                    && !used[si][i]
                {
                    idxs.push(i);
                    used[si][i] = true;
                    i += 1;
                }
                passages.push((si, idxs));
                break;
            }
        }
        passages
    }

    /// Writes one passage of `src` (its sentences `idxs`, perhaps
    /// reordered) through the farm's spinner, with its truth lines and
    /// filler sentences after it.
    fn place_passage(
        &mut self,
        b: &mut Builder,
        outlet: &Outlet,
        id: &str,
        src: &Article,
        idxs: &[usize],
        truth: &mut Vec<Truth>,
    ) {
        let mut order = idxs.to_vec();
        if order.len() >= 2 && self.rng.chance(outlet.reorder) {
            self.rng.shuffle(&mut order);
        }
        // (source sentence, query sentence, changed)
        let mut placed: Vec<(usize, usize, bool)> = Vec::with_capacity(order.len());
        for (k, &i) in order.iter().enumerate() {
            let s = src.sents[i];
            let raw = unwrap_sentence(&src.text[s.b0 as usize..s.b1 as usize]);
            let (text, changed) = farm_transform(outlet, &raw, &mut self.rng, &mut self.scratch);
            let qi = b.push(if k == 0 { "\n\n" } else { " " }, &text, true, k == 0);
            placed.push((i, qi, changed));
        }
        // One truth line per run still in source order.
        let mut start = 0;
        for k in 1..=placed.len() {
            if k == placed.len() || placed[k].0 != placed[k - 1].0 + 1 {
                let run = &placed[start..k];
                let (first, last) = (run[0], run[run.len() - 1]);
                let (q0, q1) = (b.sents[first.1].c0, b.sents[last.1].c1);
                let (s0, s1) = (src.sents[first.0].c0, src.sents[last.0].c1);
                truth.push(Truth {
                    query_id: id.to_string(),
                    query_offset: q0,
                    query_length: q1 - q0,
                    source_id: src.id.clone(),
                    source_offset: s0,
                    source_length: s1 - s0,
                    kind: "stitch",
                    spun: run.iter().any(|p| p.2),
                });
                start = k;
            }
        }
        let fillers = self.rng.range(0, 2);
        for k in 0..fillers {
            let s = self.filler_sentence(outlet);
            b.push(if k == 0 { "\n\n" } else { " " }, &s, true, k == 0);
        }
    }

    /// A farm article's headline: its first source's, spun, or a mutated
    /// Reuters headline.
    fn farm_title(&mut self, outlet: &Outlet, srcs: &[Arc<Article>]) -> String {
        if self.rng.chance(0.6) {
            self_spin(
                &outlet.spinner,
                &srcs[0].title,
                &mut self.rng,
                &mut self.scratch,
            )
        } else {
            let r = &self.reuters;
            let body = &r.bodies[self.rng.below(r.bodies.len())];
            let mut t = String::new();
            let m = Mutation {
                year: year_of(self.clock),
                scramble: self.scramble,
                vocab: &r.vocab,
            };
            mutate_original(&body.title, &mut self.rng, &m, &mut t);
            self_spin(&outlet.spinner, &t, &mut self.rng, &mut self.scratch)
        }
    }
}

/// Spins a farm's text and adds its OCR noise; returns the text and whether
/// its words changed.
fn farm_transform(
    outlet: &Outlet,
    s: &str,
    rng: &mut Rng,
    scratch: &mut Vec<Match>,
) -> (String, bool) {
    let mut spun = String::with_capacity(s.len() + 16);
    let n = outlet.spinner.apply(s, rng, scratch, &mut spun);
    let (text, n) = if outlet.ocr > 0.0 {
        let mut noisy = String::with_capacity(spun.len() + 8);
        let m = ocr(&spun, outlet.ocr, rng, &mut noisy);
        (noisy, n + m)
    } else {
        (spun, n)
    };
    // Whether the words changed (not only what lies between them).
    let changed = n > 0 && !same_words(s, &text);
    (text, changed)
}

fn self_spin(spinner: &Spinner, s: &str, rng: &mut Rng, scratch: &mut Vec<Match>) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    spinner.apply(s, rng, scratch, &mut out);
    out
}

/// Another body for an original: on the same topic as `body0` with
/// probability 0.6 when it has one, otherwise any.
fn related_body(r: &Reuters, body0: usize, rng: &mut Rng) -> usize {
    if let Some(t) = r.bodies[body0].topic
        && rng.chance(0.6)
        && let Some(&b) = rng.pick(&r.by_topic[t as usize])
    {
        return b as usize;
    }
    rng.below(r.bodies.len())
}

/// A headline from the first 6–12 words of a sentence.
fn lede(s: &str, rng: &mut Rng) -> String {
    let n = rng.range(6, 12);
    let words: Vec<&str> = s.split_whitespace().take(n).collect();
    words
        .join(" ")
        .trim_end_matches([',', '.', ';', ':'])
        .to_string()
}

/// The year (UTC) of a time in seconds since the epoch.
pub fn year_of(t: i64) -> i32 {
    civil_from_days(t.div_euclid(86_400)).0 as i32
}

/// ISO 8601 in UTC, to the second: `2023-01-01T08:21:05Z`.
pub fn format_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
