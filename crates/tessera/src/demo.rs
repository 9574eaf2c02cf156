//! The demo: the seed article traced against stand-in sources.
//!
//! The seed article (`seed/article.txt` in the data directory) is a mosaic
//! of wire and broadcast copy passed through an article spinner. Its real
//! sources are copyrighted and not available, so the demo builds
//! **stand-ins** at run time: for six imagined outlets, some of the seed's
//! own sentences with the spin undone ("Russian Federation" back to
//! "Russia", "USA" back to "US"), embedded in the middle of an unrelated
//! Reuters-21578 article so that the passages sit at realistic offsets.
//! The index holds these stand-ins among all 19,043 Reuters bodies. One
//! stand-in, a later "aggregator", repeats the AFP sentence, so the trace
//! shows an alternative source and picks the earliest one.
//!
//! Nothing here claims that the stand-ins are the real sources: their ids,
//! titles and outlets say "stand-in".

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera_index::{DocMeta, Document, IndexSettings, IndexWriter, WriterOptions};

use crate::date::parse_timestamp;
use crate::error::{Error, Result};
use crate::ingest::{Indexer, IngestReport, Item, Location};

/// One stand-in source: metadata and the seed sentences it carries, each
/// given by its first and last words in the seed.
struct StandIn {
    id: &'static str,
    outlet: &'static str,
    title: &'static str,
    date: &'static str,
    sentences: &'static [(&'static str, &'static str)],
}

const STAND_INS: &[StandIn] = &[
    StandIn {
        id: "standin-ani",
        outlet: "Business Standard, ANI copy (stand-in)",
        title: "Kerry, Putin hold talks on Syria (stand-in)",
        date: "2016-07-15T06:30:00Z",
        sentences: &[
            ("According to the State Department", "in further detail."),
            ("Soon after flying in to Moscow", "the conflict in Syria."),
        ],
    },
    StandIn {
        id: "standin-afp",
        outlet: "AFP (stand-in)",
        title: "Kerry urges cooperation with Moscow after Nice attack (stand-in)",
        date: "2016-07-15T14:00:00Z",
        sentences: &[
            ("On the second and final day", "an attack in Nice."),
            ("The extent of coordination", "five-year-old civil war."),
        ],
    },
    StandIn {
        id: "standin-reuters",
        outlet: "Reuters (stand-in)",
        title: "U.S. offers Moscow military partnership in Syria (stand-in)",
        date: "2016-07-14T20:00:00Z",
        sentences: &[
            ("At the start of the meetings", "air force."),
            ("The plan would create", "are terrorists."),
            ("Russian Federation would confine", "areas”."),
            ("The Russians would gain", "are operating."),
        ],
    },
    StandIn {
        id: "standin-nbc",
        outlet: "NBC News (stand-in)",
        title: "Assad interview (stand-in)",
        date: "2016-07-14T23:00:00Z",
        sentences: &[("Speaking to NBC News", "political transition.")],
    },
    StandIn {
        id: "standin-whitehouse",
        outlet: "White House briefing (stand-in)",
        title: "Press briefing by the press secretary (stand-in)",
        date: "2016-07-14T18:00:00Z",
        sentences: &[
            ("The proposal was discussed", "demands in Syria."),
            ("“They have to decide", "can’t do both”."),
        ],
    },
    StandIn {
        id: "standin-aggregator",
        outlet: "News aggregator (stand-in)",
        title: "Kerry in Moscow (stand-in, republished AFP copy)",
        date: "2016-07-16T09:00:00Z",
        sentences: &[("On the second and final day", "an attack in Nice.")],
    },
];

/// Paths of the demo inputs inside a data directory.
pub fn seed_path(data: &Path) -> PathBuf {
    data.join("seed").join("article.txt")
}

/// Path of the Reuters-21578 JSON Lines file inside a data directory.
pub fn reuters_path(data: &Path) -> PathBuf {
    data.join("reuters21578").join("reuters21578.jsonl")
}

/// Reads the seed article.
pub fn seed_article(data: &Path) -> Result<String> {
    let p = seed_path(data);
    std::fs::read_to_string(&p).map_err(|e| Error::io(p, e))
}

/// Undoes the spinner's renaming.
fn unspin(s: &str) -> String {
    s.replace("Russian Federation", "Russia")
        .replace("USA", "US")
}

fn sentence<'a>(seed: &'a str, first: &str, last: &str) -> Result<&'a str> {
    let a = seed.find(first).ok_or_else(|| Error::Input {
        location: "seed/article.txt".into(),
        reason: format!("the seed article no longer contains {first:?}"),
    })?;
    let b = seed[a..].find(last).ok_or_else(|| Error::Input {
        location: "seed/article.txt".into(),
        reason: format!("the seed article no longer contains {last:?} after {first:?}"),
    })?;
    Ok(&seed[a..a + b + last.len()])
}

/// Reuters bodies long enough to host a stand-in, in file order.
fn hosts(reuters: &Path, n: usize) -> Result<Vec<String>> {
    let f = std::fs::File::open(reuters).map_err(|e| Error::io(reuters, e))?;
    let mut out = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(|e| Error::io(reuters, e))?;
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if let Some(t) = v.get("text").and_then(Value::as_str)
            && t.len() >= 1200
            && t.matches("\n    ").count() >= 4
        {
            out.push(t.to_string());
            if out.len() == n {
                break;
            }
        }
    }
    Ok(out)
}

/// The stand-in documents, built from the seed article and Reuters hosts.
pub fn stand_ins(data: &Path) -> Result<Vec<Document>> {
    let seed = seed_article(data)?;
    let hosts = hosts(&reuters_path(data), STAND_INS.len())?;
    let mut out = Vec::new();
    for (k, s) in STAND_INS.iter().enumerate() {
        let host = hosts.get(k).map(String::as_str).unwrap_or("");
        // Split the host at a paragraph break near its middle.
        let mid = host
            .match_indices("\n    ")
            .map(|(i, _)| i)
            .min_by_key(|&i| i.abs_diff(host.len() / 2))
            .unwrap_or(host.len());
        let mut body = String::new();
        for (first, last) in s.sentences {
            body.push_str("\n    ");
            body.push_str(&unspin(sentence(&seed, first, last)?));
        }
        let text = format!("{}{}{}", &host[..mid], body, &host[mid..]);
        out.push(Document {
            meta: DocMeta {
                id: s.id.into(),
                title: Some(s.title.into()),
                outlet: Some(s.outlet.into()),
                url: None,
                date: Some(s.date.into()),
                timestamp: parse_timestamp(s.date),
                extra: Default::default(),
            },
            text: text.trim_start().to_string(),
        });
    }
    Ok(out)
}

/// Builds the demo index in `dir`: the stand-ins and every Reuters body.
/// `progress` receives bytes of Reuters input read.
pub fn build_index(data: &Path, dir: &Path, progress: &dyn Fn(u64)) -> Result<IngestReport> {
    let mut writer =
        IndexWriter::open_or_create(dir, IndexSettings::default(), WriterOptions::default())?;
    let mut indexer = Indexer::new(&mut writer);
    for doc in stand_ins(data)? {
        indexer.push(Item::Doc {
            doc,
            location: Location {
                file: "stand-ins".into(),
                line: None,
            },
            decoded_from: None,
        })?;
    }
    let reuters = reuters_path(data);
    let (files, _) = crate::ingest::expand_inputs(std::slice::from_ref(&reuters), None)?;
    let opts = crate::ingest::IngestOptions::default();
    for f in &files {
        // Headline-only and unprocessed Reuters items have no body; they
        // are counted as skipped in the report.
        crate::ingest::read_input(f, &opts, progress, &mut |item| indexer.push(item))?;
    }
    let report = indexer.finish()?;
    writer.commit()?;
    Ok(report)
}
