//! Tests: determinism, truth offsets that point at the reused text, dates,
//! and the text helpers. The generator tests run on a small Reuters-like
//! input built here; one runs on the real Reuters-21578 file.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use serde_json::Value;

use crate::model::{Config, format_date};
use crate::reuters::{Reuters, paragraphs, split_sentences, title_case};
use crate::rng::Rng;
use crate::text::{Builder, Mutation, Spinner, Vocab, mutate_original, ocr, wrap};

/// A Reuters-like JSON Lines file: indented paragraphs, wrapped lines,
/// tables, empty bodies, names with diacritics, words the spinner knows.
fn synthetic_reuters() -> String {
    const SUBJECTS: &[&str] = &[
        "The U.S. Treasury",
        "Russia",
        "The EC Commission",
        "Britain's central bank",
        "Müller Holding AG of Zürich",
        "A spokesman for Société Générale",
        "Dvořák Industries",
        "The company",
        "West Germany",
        "Analysts in São Paulo",
    ];
    const VERBS: &[&str] = &[
        "said it expected profits to rise about",
        "said after a meeting that output would fall by",
        "reported a big increase in sales of",
        "told reporters the government would buy back",
        "said talks on the new agreement could show gains of",
        "expected the total loss to reach",
    ];
    const TAILS: &[&str] = &[
        "pct in the first quarter of 1987.",
        "mln dlrs over the next two years.",
        "pct, according to officials in Frankfurt.",
        "mln tonnes, the ministry said on Tuesday.",
        "cts a share, up from a year earlier.",
    ];
    let mut rng = Rng::derive(99, 0);
    let mut out = String::new();
    for id in 1..=60u32 {
        let mut text = String::new();
        if id % 13 == 0 {
            // An empty body (skipped) and a table-only body (no prose).
            let rec = serde_json::json!({"id": id, "title": "EMPTY", "text": "", "topics": []});
            out.push_str(&rec.to_string());
            out.push('\n');
            continue;
        }
        if id % 17 == 0 {
            text.push_str(
                "Shr 12 cts vs 10 cts\n    Net 1.2 mln vs 900,000\n    Revs 15.6 mln vs 13.1 mln\n",
            );
        } else {
            for p in 0..rng.range(2, 6) {
                if p > 0 {
                    text.push_str("\n    ");
                }
                for k in 0..rng.range(1, 3) {
                    if k > 0 {
                        text.push(' ');
                    }
                    let sentence = format!(
                        "{} {} {} {}",
                        rng.pick_str(SUBJECTS),
                        rng.pick_str(VERBS),
                        rng.range(2, 900),
                        rng.pick_str(TAILS)
                    );
                    // Wrap at about 65 columns, as Reuters does.
                    text.push_str(&wrap(&sentence, 65));
                }
            }
        }
        let topic = ["trade", "grain", "money-fx", "earn"][id as usize % 4];
        let rec = serde_json::json!({
            "id": id,
            "title": format!("STORY NUMBER {id} ON {}", topic.to_uppercase()),
            "text": text,
            "topics": if id % 5 == 0 { vec![] } else { vec![topic] },
            "places": ["usa"],
        });
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    out
}

struct Generated {
    corpus: Vec<u8>,
    truth: Vec<u8>,
    clusters: Vec<u8>,
}

fn generate(input: &str, articles: u64, seed: u64) -> Generated {
    let reuters =
        Reuters::read(Cursor::new(input.as_bytes())).expect("read the Reuters-like input");
    let cfg = Config {
        articles,
        seed,
        days: 730.0,
        outlets: 200,
        scramble: 0.0,
    };
    let mut g = Generated {
        corpus: Vec::new(),
        truth: Vec::new(),
        clusters: Vec::new(),
    };
    let s = crate::run(
        reuters,
        &cfg,
        &mut g.corpus,
        Some(&mut g.truth),
        Some(&mut g.clusters),
        false,
    )
    .expect("generate");
    assert_eq!(s.articles, articles);
    assert_eq!(s.bytes, g.corpus.len() as u64);
    g
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    std::str::from_utf8(bytes)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Python's `re.findall(r"\w+", s)`, near enough: runs of letters, digits
/// and underscores.
fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Code-point slice, as Python's `text[off:off + len]`.
fn slice(text: &str, off: u64, len: u64) -> Option<String> {
    let n = text.chars().count() as u64;
    (off + len <= n).then(|| text.chars().skip(off as usize).take(len as usize).collect())
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("field {k} is not a string in {v}"))
}

fn u64_of(v: &Value, k: &str) -> u64 {
    v[k].as_u64()
        .unwrap_or_else(|| panic!("field {k} is not a number in {v}"))
}

/// Checks everything the truth promises; returns counts by (kind, spun).
fn check_truth(g: &Generated) -> HashMap<(String, bool), usize> {
    let docs = lines(&g.corpus);
    let mut by_id: HashMap<&str, &Value> = HashMap::new();
    let mut last_date = String::new();
    for d in &docs {
        for k in ["id", "title", "text", "outlet", "date"] {
            assert!(d[k].is_string(), "field {k} missing in {d}");
        }
        let date = str_of(d, "date");
        assert_eq!(date.len(), 20, "ISO 8601 date {date}");
        assert!(date > last_date.as_str(), "dates increase along the file");
        last_date = date.to_string();
        assert!(by_id.insert(str_of(d, "id"), d).is_none(), "duplicate id");
        assert!(!str_of(d, "text").is_empty());
    }
    let mut counts = HashMap::new();
    let mut non_ascii_offsets = 0;
    for t in lines(&g.truth) {
        let q = by_id[str_of(&t, "query_id")];
        let s = by_id[str_of(&t, "source_id")];
        assert!(
            str_of(q, "date") > str_of(s, "date"),
            "copy dated after its source: {t}"
        );
        let (qt, st) = (str_of(q, "text"), str_of(s, "text"));
        let (qo, ql) = (u64_of(&t, "query_offset"), u64_of(&t, "query_length"));
        let (so, sl) = (u64_of(&t, "source_offset"), u64_of(&t, "source_length"));
        let qs = slice(qt, qo, ql).unwrap_or_else(|| panic!("query span out of the text: {t}"));
        let ss = slice(st, so, sl).unwrap_or_else(|| panic!("source span out of the text: {t}"));
        assert!(ql > 0 && sl > 0);
        // Spans start and end on words (not in the middle of one).
        for (text, span) in [(&qs, &qs), (&ss, &ss)] {
            assert!(
                !text.starts_with(char::is_whitespace) && !span.ends_with(char::is_whitespace),
                "{t}"
            );
        }
        // Code-point offsets differ from byte offsets when something
        // non-ASCII comes before the span: count that such cases were seen.
        if qt.chars().take(qo as usize).any(|c| !c.is_ascii())
            || st.chars().take(so as usize).any(|c| !c.is_ascii())
        {
            non_ascii_offsets += 1;
        }
        let kind = str_of(&t, "kind").to_string();
        assert!(["syndication", "stitch", "boilerplate"].contains(&kind.as_str()));
        let spun = t["spun"].as_bool().expect("spun is a boolean");
        let (qw, sw) = (words(&qs), words(&ss));
        if spun {
            // Spun text still shares most of its words with the source.
            let a: HashSet<&str> = qw.iter().copied().collect();
            let b: HashSet<&str> = sw.iter().copied().collect();
            let jaccard = a.intersection(&b).count() as f64 / a.union(&b).count() as f64;
            assert!(
                jaccard >= 0.3,
                "spun passage too far from its source ({jaccard:.2}): {t}\n{qs}\n---\n{ss}"
            );
            assert_ne!(qw, sw, "spun but identical words: {t}");
        } else {
            assert_eq!(qw, sw, "verbatim passage differs from its source: {t}");
        }
        if kind == "boilerplate" {
            // Character for character, but for line breaks where an outlet
            // re-flows its text.
            assert_eq!(
                qs.replace('\n', " "),
                ss.replace('\n', " "),
                "boilerplate differs: {t}"
            );
            assert_eq!(str_of(q, "outlet"), str_of(s, "outlet"));
        }
        *counts.entry((kind, spun)).or_insert(0) += 1;
    }
    assert!(
        non_ascii_offsets > 0,
        "no truth line had non-ASCII text before its offsets"
    );
    for c in lines(&g.clusters) {
        let ids: Vec<&str> = c["cluster"]
            .as_array()
            .expect("cluster is an array")
            .iter()
            .map(|v| v.as_str().expect("an id"))
            .collect();
        assert!(ids.len() >= 2);
        let root = str_of(by_id[ids[0]], "date");
        for id in &ids[1..] {
            assert!(
                str_of(by_id[id], "date") > root,
                "republication dated after the wire original"
            );
        }
    }
    counts
}

#[test]
fn same_seed_same_files_other_seed_other_files() {
    let input = synthetic_reuters();
    let a = generate(&input, 1500, 7);
    let b = generate(&input, 1500, 7);
    assert!(
        a.corpus == b.corpus,
        "corpus differs between two runs with one seed"
    );
    assert!(
        a.truth == b.truth,
        "truth differs between two runs with one seed"
    );
    assert!(
        a.clusters == b.clusters,
        "clusters differ between two runs with one seed"
    );
    let c = generate(&input, 1500, 8);
    assert!(a.corpus != c.corpus, "another seed gives the same corpus");
}

#[test]
fn truth_offsets_point_at_the_reused_text() {
    let input = synthetic_reuters();
    let g = generate(&input, 3000, 42);
    let counts = check_truth(&g);
    for kind in ["syndication", "stitch", "boilerplate"] {
        assert!(
            counts.iter().any(|((k, _), n)| k == kind && *n > 0),
            "no {kind} passage in {counts:?}"
        );
    }
    assert!(
        counts
            .get(&("stitch".to_string(), true))
            .copied()
            .unwrap_or(0)
            > 0
    );
    assert!(
        counts
            .get(&("stitch".to_string(), false))
            .copied()
            .unwrap_or(0)
            > 0
    );
    assert!(
        counts
            .get(&("syndication".to_string(), false))
            .copied()
            .unwrap_or(0)
            > 0
    );
    assert!(!lines(&g.clusters).is_empty());
}

#[test]
fn outlets_and_dates() {
    let input = synthetic_reuters();
    let g = generate(&input, 2000, 3);
    let docs = lines(&g.corpus);
    let outlets: HashSet<&str> = docs.iter().map(|d| str_of(d, "outlet")).collect();
    assert!(outlets.len() > 100, "{} outlets used", outlets.len());
    assert!(
        outlets
            .iter()
            .all(|o| o.starts_with("outlet-") && o.len() == 10)
    );
    assert_eq!(str_of(&docs[0], "id"), "doc-0000001");
    // About two years.
    let first = str_of(&docs[0], "date");
    let last = str_of(&docs[docs.len() - 1], "date");
    assert!(first.starts_with("2023-01-01"), "{first}");
    assert!(last > "2024-09-01" && last < "2025-06-01", "{last}");
}

/// The real Reuters-21578 file (from the shared data directory).
#[test]
fn real_reuters_2000_articles() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/reuters21578/reuters21578.jsonl"
    );
    let input = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (the shared data directory is needed)"));
    let reuters = Reuters::read(Cursor::new(input.as_bytes())).expect("read Reuters");
    assert_eq!(reuters.with_text, 19_043);
    assert!(
        reuters.sentences.len() > 80_000,
        "{} prose sentences",
        reuters.sentences.len()
    );
    let g = generate(&input, 2000, 42);
    let counts = check_truth(&g);
    let total: usize = counts.values().sum();
    assert!(total > 1000, "{counts:?}");
    let docs = lines(&g.corpus);
    let mean = docs.iter().map(|d| str_of(d, "text").len()).sum::<usize>() / docs.len();
    assert!((1500..6000).contains(&mean), "mean text length {mean}");
}

#[test]
fn paragraphs_and_sentences() {
    let body = "Showers continued in\nthe Bahia zone, Comissaria Smith said.\n    The U.S. Agriculture Dept. said\nit was \"late.\" Prices rose 1.5 pct. Mr. J. Smith\ndisagreed.\n\x7f   Shr 12 cts vs 10 cts";
    let ps = paragraphs(body);
    assert_eq!(ps.len(), 3, "{ps:?}");
    assert_eq!(
        ps[0],
        "Showers continued in the Bahia zone, Comissaria Smith said."
    );
    let s = split_sentences(&ps[1]);
    assert_eq!(
        s,
        vec![
            "The U.S. Agriculture Dept. said it was \"late.\"",
            "Prices rose 1.5 pct.",
            "Mr. J. Smith disagreed."
        ]
    );
    assert_eq!(ps[2], "Shr 12 cts vs 10 cts");
    assert!(!crate::reuters::is_prose(&ps[2]));
    assert_eq!(title_case("BAHIA COCOA REVIEW"), "Bahia Cocoa Review");
    assert_eq!(title_case("U.S. SAYS EC TRADE"), "U.S. Says EC Trade");
}

#[test]
fn builder_records_code_point_spans() {
    let mut b = Builder::default();
    let i = b.push("\n\n", "Zürich said 📰 so.", true, true);
    let j = b.push(" ", "Then more.", true, false);
    let (s, t) = (b.sents[i], b.sents[j]);
    assert_eq!((s.c0, s.c1), (0, 17));
    assert_eq!((s.b0, s.b1), (0, 21));
    assert_eq!((t.c0, t.c1), (18, 28));
    let copied: String = b
        .text
        .chars()
        .skip(t.c0 as usize)
        .take((t.c1 - t.c0) as usize)
        .collect();
    assert_eq!(copied, "Then more.");
}

#[test]
fn wrap_keeps_every_character_in_place() {
    let text = "One two three four five six seven eight nine ten eleven twelve.\n\nA new paragraph with Zürich and more words to wrap.";
    let w = wrap(text, 20);
    assert_eq!(w.len(), text.len());
    assert_eq!(w.chars().count(), text.chars().count());
    for (a, b) in text.chars().zip(w.chars()) {
        assert!(a == b || (a == ' ' && b == '\n'));
    }
    assert!(
        w.lines()
            .all(|l| l.chars().count() <= 20 || !l.contains(' '))
    );
}

#[test]
fn spinner_renames_entities_and_words() {
    let mut rng = Rng::derive(1, 1);
    let all = Spinner::everything();
    let mut scratch = Vec::new();
    // Every key is replaced (all rules apply with probability 1).
    let s = "The U.S. and Britain said Russia bought 5 mln dlrs, about 3 pct.";
    let mut seen = HashSet::new();
    for _ in 0..200 {
        let mut out = String::new();
        all.apply(s, &mut rng, &mut scratch, &mut out);
        assert!(
            !out.contains("U.S.") || out.contains("U.S. central"),
            "{out}"
        );
        assert!(
            !out.contains("and Britain ") && !out.contains(" Russia ") && !out.contains(" said "),
            "{out}"
        );
        seen.insert(out);
    }
    assert!(seen.len() > 20, "alternatives vary: {}", seen.len());
    // Keys match whole words only, case-sensitively for aliases.
    let mut out = String::new();
    all.apply("Saidou ECB unsaid russia", &mut rng, &mut scratch, &mut out);
    assert_eq!(out, "Saidou ECB unsaid russia");
    // Capitalised synonyms keep their capital.
    let mut out = String::new();
    all.apply("Said nothing.", &mut rng, &mut scratch, &mut out);
    assert!(
        out.starts_with(char::is_uppercase) && !out.starts_with("Said"),
        "{out}"
    );
    // apply_one changes exactly one place.
    let mut out = String::new();
    assert!(all.apply_one(
        "He said it rose after all.",
        &mut rng,
        &mut scratch,
        &mut out
    ));
    let changed = words("He said it rose after all.")
        .iter()
        .zip(words(&out).iter())
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed >= 1, "{out}");
}

#[test]
fn mutation_and_ocr_change_little() {
    let mut rng = Rng::derive(5, 5);
    let s = "Smith said in London that 1987 output rose 12.5 pct to 1,234 tonnes due April 6, 1993 at 8-1/2 pct.";
    let vocab = Vocab::from_sentences(&[
        "The shipment of coffee beans arrived in harbour yesterday.".to_string(),
    ]);
    let m = Mutation {
        year: 2024,
        scramble: 0.0,
        vocab: &vocab,
    };
    let mut changed = 0;
    for _ in 0..50 {
        let mut out = String::new();
        mutate_original(s, &mut rng, &m, &mut out);
        // Same words but for a two-word name (Van Dijk, O'Brien).
        assert!(words(&out).len().abs_diff(words(s).len()) <= 1, "{out}");
        assert!(
            out.contains(" said in ")
                && out.contains(" tonnes due April 6, 2030 at ")
                && out.ends_with("-1/2 pct."),
            "{out}"
        );
        assert!(
            out.contains("2024 output"),
            "years move to the article's year: {out}"
        );
        changed += usize::from(out != s);
        let mut noisy = String::new();
        let n = ocr(&out, 0.2, &mut rng, &mut noisy);
        assert_eq!(n == 0, noisy == out);
    }
    assert!(changed > 40);
    // Scrambling replaces content words only, by Reuters words.
    let m = Mutation { scramble: 1.0, ..m };
    let mut out = String::new();
    mutate_original(s, &mut rng, &m, &mut out);
    let w = words(&out);
    assert_eq!(w.len(), words(s).len(), "{out}");
    assert_eq!((w[1], w[2], w[4]), ("said", "in", "that"), "{out}");
    for k in [6, 14] {
        assert!(
            [
                "shipment",
                "coffee",
                "beans",
                "arrived",
                "harbour",
                "yesterday"
            ]
            .contains(&w[k]),
            "{out}"
        );
    }
}

#[test]
fn dates_are_iso_8601() {
    assert_eq!(format_date(0), "1970-01-01T00:00:00Z");
    assert_eq!(format_date(crate::model::START), "2023-01-01T00:00:00Z");
    assert_eq!(format_date(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    assert_eq!(format_date(1_735_689_599), "2024-12-31T23:59:59Z");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(Reuters::read(Cursor::new(b"{\"text\": \"x\"}\nnot json\n".as_slice())).is_err());
    assert!(Reuters::read(Cursor::new(b"".as_slice())).is_err());
    assert!(Reuters::read(Cursor::new(b"{\"id\": 1, \"text\": \"\"}\n".as_slice())).is_err());
}
