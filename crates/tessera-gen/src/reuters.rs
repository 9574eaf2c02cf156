//! Reading Reuters-21578 (JSON Lines) and cutting its bodies into sentences.

use std::collections::BTreeMap;
use std::io::BufRead;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::text::Vocab;

/// The prose sentences of the Reuters bodies, kept for the whole run.
#[derive(Debug, Default)]
pub struct Reuters {
    /// Every prose sentence, body after body, in body order.
    pub sentences: Vec<String>,
    /// Bodies with at least one prose sentence.
    pub bodies: Vec<Body>,
    /// Bodies by topic (the first topic of a body, else its first place),
    /// for coherent originals.
    pub by_topic: Vec<Vec<u32>>,
    /// Their lower-case words, for `--scramble`.
    pub vocab: Vocab,
    /// Records read, records with a non-empty text.
    pub records: usize,
    pub with_text: usize,
}

#[derive(Debug)]
pub struct Body {
    /// Title in title case ("BAHIA COCOA REVIEW" -> "Bahia Cocoa Review").
    pub title: String,
    /// Range into `Reuters::sentences`.
    pub start: u32,
    pub end: u32,
    /// Index into `Reuters::by_topic`, if the body has a topic.
    pub topic: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct Record {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    topics: Option<Vec<String>>,
    #[serde(default)]
    places: Option<Vec<String>>,
}

impl Reuters {
    /// Reads Reuters-21578 as JSON Lines (fields `text`, `title`, `topics`);
    /// records with an empty or missing `text` are skipped.
    pub fn read(input: impl BufRead) -> Result<Reuters> {
        let mut r = Reuters::default();
        let mut topics: BTreeMap<String, u32> = BTreeMap::new();
        for (n, line) in input.lines().enumerate() {
            let line = line.with_context(|| format!("reading line {}", n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let rec: Record = serde_json::from_str(&line).with_context(|| {
                format!("line {}: not a JSON object of the expected shape", n + 1)
            })?;
            r.records += 1;
            let Some(text) = rec.text.filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            r.with_text += 1;
            let start = r.sentences.len() as u32;
            for para in paragraphs(&text) {
                for s in split_sentences(&para) {
                    if is_prose(s) {
                        r.sentences.push(s.to_string());
                    }
                }
            }
            let end = r.sentences.len() as u32;
            if end == start {
                continue;
            }
            // The first topic, else the first place, groups related bodies.
            let first_topic = rec.topics.and_then(|t| t.into_iter().next());
            let first_place = rec
                .places
                .and_then(|p| p.into_iter().next())
                .map(|p| format!("place:{p}"));
            let topic = first_topic.or(first_place).map(|t| {
                let next = topics.len() as u32;
                *topics.entry(t).or_insert(next)
            });
            let title = title_case(rec.title.as_deref().unwrap_or(""));
            r.bodies.push(Body {
                title,
                start,
                end,
                topic,
            });
        }
        if r.bodies.is_empty() {
            bail!(
                "no usable body: {} records, {} with a text, none with a prose sentence",
                r.records,
                r.with_text
            );
        }
        r.vocab = Vocab::from_sentences(&r.sentences);
        r.by_topic = vec![Vec::new(); topics.len()];
        for (i, b) in r.bodies.iter().enumerate() {
            if let Some(t) = b.topic {
                r.by_topic[t as usize].push(i as u32);
            }
        }
        Ok(r)
    }

    pub fn body_sentences(&self, b: &Body) -> &[String] {
        &self.sentences[b.start as usize..b.end as usize]
    }
}

/// Paragraphs of a Reuters body: a line that starts with white space (the
/// body's paragraph indent) or follows a blank line starts a paragraph;
/// lines are joined with one space; control characters become spaces; runs
/// of white space become one space.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let line = line.trim_start_matches(|c: char| c.is_control() && c != '\t');
        let starts_new = line.starts_with([' ', '\t']) || line.trim().is_empty();
        if starts_new && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        for word in line.split(|c: char| c.is_whitespace() || c.is_control()) {
            if word.is_empty() {
                continue;
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "St", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
    "Oct", "Nov", "Dec", "Inc", "Corp", "Co", "Cos", "Ltd", "No", "Gov", "Sen", "Rep", "Gen", "Lt",
    "Col", "Jr", "Sr", "vs", "Bros", "Mt", "Ft", "Pty", "Dept", "Prof", "Fig", "approx", "Ave",
];

/// Cuts a paragraph (single spaces) into sentences: after `.`, `?` or `!`
/// (and any closing quotes or brackets) followed by a space and an upper
/// case letter, a digit or an opening quote — unless the word before the
/// full stop is a known abbreviation, a single letter or has inner full
/// stops (U.S., N.V.).
pub fn split_sentences(para: &str) -> Vec<&str> {
    let bytes = para.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'.' || c == b'?' || c == b'!' {
            let mut j = i + 1;
            while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b')' | b']') {
                j += 1;
            }
            if j + 1 < bytes.len() && bytes[j] == b' ' {
                let next = bytes[j + 1];
                let opens = next.is_ascii_uppercase()
                    || next.is_ascii_digit()
                    || next == b'"'
                    || next == b'<';
                if opens && (c != b'.' || !is_abbreviation(&para[start..i])) {
                    out.push(para[start..j].trim());
                    start = j + 1;
                    i = j + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    let rest = para[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Whether the word ending `before` (the text before a full stop) is an
/// abbreviation rather than the end of a sentence.
fn is_abbreviation(before: &str) -> bool {
    let word = before.rsplit(' ').next().unwrap_or("");
    let word = word.trim_start_matches(['"', '(', '\'']);
    if word.len() == 1 && word.bytes().all(|b| b.is_ascii_uppercase()) {
        return true;
    }
    word.contains('.') || ABBREVIATIONS.contains(&word)
}

/// A sentence of running text, not a table row or a heading: at least six
/// words, ends with terminal punctuation, mostly letters, not too long.
pub fn is_prose(s: &str) -> bool {
    let words = s
        .split(' ')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    if !(6..=90).contains(&words) || s.len() > 700 {
        return false;
    }
    let end = s.trim_end_matches(['"', '\'', ')', ']']);
    if !end.ends_with(['.', '?', '!']) {
        return false;
    }
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    letters >= 20 && digits * 4 < letters && !s.contains("  ") && !s.contains("--")
}

/// Acronyms kept in upper case in titles.
const ACRONYMS: &[&str] = &[
    "EC", "US", "UK", "IMF", "GATT", "OPEC", "USSR", "FED", "USDA", "OECD", "EEC",
];

/// "BAHIA COCOA REVIEW" -> "Bahia Cocoa Review"; acronyms (a table of
/// them, and dotted ones like U.S.) are kept.
pub fn title_case(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for (k, w) in t.split_whitespace().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        if ACRONYMS.contains(&w)
            || (w.contains('.') && w.chars().filter(|c| c.is_alphabetic()).count() <= 3)
        {
            out.push_str(w);
            continue;
        }
        let mut first = true;
        for c in w.chars() {
            if first && c.is_alphabetic() {
                out.extend(c.to_uppercase());
                first = false;
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}
