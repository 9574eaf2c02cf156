//! Building article texts with exact offsets, and the text transformations:
//! the spinner, the light mutation of "original" sentences, OCR noise and
//! line re-flowing.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::rng::Rng;

/// One sentence (or boilerplate paragraph) of a built text: byte and
/// Unicode code-point spans.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    pub b0: u32,
    pub b1: u32,
    pub c0: u32,
    pub c1: u32,
    /// Part of the article's story (not a boilerplate line or paragraph).
    pub content: bool,
    /// Starts a paragraph.
    pub para_start: bool,
}

/// Appends pieces to a text and records where each sentence lands.
#[derive(Debug, Default)]
pub struct Builder {
    pub text: String,
    chars: u32,
    pub sents: Vec<Sent>,
}

impl Builder {
    pub fn with_capacity(n: usize) -> Self {
        Builder {
            text: String::with_capacity(n),
            chars: 0,
            sents: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Appends text that belongs to no sentence (separators, bylines).
    pub fn raw(&mut self, s: &str) {
        self.text.push_str(s);
        self.chars += char_len(s);
    }

    /// Appends `sep` (unless the text is still empty) and then a sentence;
    /// returns the sentence's index.
    pub fn push(&mut self, sep: &str, s: &str, content: bool, para_start: bool) -> usize {
        if !self.text.is_empty() {
            self.raw(sep);
        }
        let (b0, c0) = (self.text.len() as u32, self.chars);
        self.raw(s);
        self.sents.push(Sent {
            b0,
            b1: self.text.len() as u32,
            c0,
            c1: self.chars,
            content,
            para_start,
        });
        self.sents.len() - 1
    }
}

/// Whether two texts hold the same sequence of words (runs of letters,
/// digits and underscores, as Python's `\w+`), whatever lies between them.
pub fn same_words(a: &str, b: &str) -> bool {
    let is_w = |c: char| c.is_alphanumeric() || c == '_';
    let mut x = a.split(|c: char| !is_w(c)).filter(|w| !w.is_empty());
    let mut y = b.split(|c: char| !is_w(c)).filter(|w| !w.is_empty());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

pub fn char_len(s: &str) -> u32 {
    if s.is_ascii() {
        s.len() as u32
    } else {
        s.chars().count() as u32
    }
}

/// Bytes that are part of a word for the scanners below: ASCII letters and
/// digits, and every byte of a non-ASCII character (so that a scanner never
/// cuts one).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// FNV-1a, for the small string-keyed tables (no extra dependency; the
/// tables are built by this program, not from untrusted keys).
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
type FnvSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

// ---------------------------------------------------------------------------
// The spinner.

/// Entity renamings an article spinner applies (key, alternatives). An outlet
/// picks one alternative per key. Matching is case-sensitive and on word
/// boundaries; keys may span words and contain full stops.
pub const ALIASES: &[(&str, &[&str])] = &[
    ("U.S.", &["USA", "United States", "US", "America"]),
    ("United States", &["USA", "U.S.", "America"]),
    ("Russia", &["Russian Federation"]),
    ("Soviet Union", &["USSR", "Soviet Russia"]),
    ("Soviet", &["USSR"]),
    ("EC", &["European Community", "E.C."]),
    ("European Community", &["EC", "Common Market"]),
    ("Britain", &["United Kingdom", "UK", "Great Britain"]),
    ("British", &["UK"]),
    ("U.K.", &["UK", "United Kingdom"]),
    ("West Germany", &["Federal Republic of Germany", "FRG"]),
    (
        "OPEC",
        &[
            "Organisation of Petroleum Exporting Countries",
            "the oil cartel",
        ],
    ),
    ("Fed", &["Federal Reserve", "U.S. central bank"]),
    ("Federal Reserve", &["Fed", "US central bank"]),
    ("GATT", &["General Agreement on Tariffs and Trade"]),
    ("IMF", &["International Monetary Fund"]),
    ("International Monetary Fund", &["IMF"]),
    ("Treasury", &["Treasury Department", "Finance Ministry"]),
    ("New York", &["NYC", "New York City"]),
    ("Wall Street", &["the Street"]),
    ("Reagan", &["President Reagan"]),
    ("mln", &["million", "mn"]),
    ("bln", &["billion", "bn"]),
    ("dlrs", &["dollars", "USD"]),
    ("pct", &["percent", "per cent", "%"]),
    ("cts", &["cents"]),
];

/// Common-word synonyms (lower case; the capitalised form is derived).
pub const SYNONYMS: &[(&str, &[&str])] = &[
    ("said", &["stated", "reported", "noted", "declared"]),
    ("says", &["states", "notes"]),
    ("about", &["approximately", "around", "roughly"]),
    ("after", &["following"]),
    ("big", &["large"]),
    ("buy", &["purchase", "acquire"]),
    ("bought", &["purchased", "acquired"]),
    ("sell", &["offload"]),
    ("sold", &["offloaded"]),
    ("rise", &["increase", "climb"]),
    ("rose", &["climbed", "increased", "rallied"]),
    ("fell", &["dropped", "declined", "slipped"]),
    ("fall", &["drop", "decline"]),
    ("company", &["firm", "business", "corporation"]),
    ("companies", &["firms", "businesses"]),
    ("expected", &["anticipated", "forecast"]),
    ("also", &["additionally", "likewise"]),
    ("help", &["assist", "aid"]),
    ("show", &["demonstrate", "reveal"]),
    ("showed", &["demonstrated", "revealed"]),
    ("start", &["begin", "commence"]),
    ("began", &["commenced"]),
    ("need", &["require"]),
    ("needed", &["required"]),
    ("government", &["administration", "authorities"]),
    ("officials", &["authorities", "functionaries"]),
    ("increase", &["boost", "rise"]),
    ("plan", &["scheme", "proposal"]),
    ("major", &["significant", "key"]),
    ("new", &["fresh"]),
    ("agreed", &["consented"]),
    ("agreement", &["accord", "deal"]),
    ("total", &["aggregate"]),
    ("profit", &["earnings", "gain"]),
    ("loss", &["deficit"]),
    ("shares", &["stock"]),
    ("prices", &["costs"]),
    ("however", &["nevertheless"]),
    ("because", &["since"]),
    ("very", &["highly"]),
    ("important", &["crucial"]),
    ("told", &["informed"]),
    ("week", &["seven days"]),
    ("talks", &["negotiations"]),
];

#[derive(Debug, Clone)]
struct Rule {
    key: String,
    rep: String,
    /// Probability of applying the rule at one occurrence.
    p: f64,
}

/// A word-level rewriter: an alias table and a synonym table, each rule
/// with its own probability.
#[derive(Debug, Clone, Default)]
pub struct Spinner {
    rules: Vec<Rule>,
    /// Rules by the first word of their key, longest key first.
    index: FnvMap<String, Vec<u16>>,
}

/// A match of a rule in a text: byte span and rule (callers keep a
/// `Vec<Match>` as scratch space between calls).
#[derive(Debug, Clone, Copy)]
pub struct Match {
    start: usize,
    end: usize,
    rule: u16,
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Spinner {
    /// A spinner with the habits of one outlet: each alias is used with
    /// probability `alias_share` (one alternative, applied with a
    /// probability in `alias_p`), each synonym with `syn_share`.
    pub fn for_outlet(
        rng: &mut Rng,
        alias_share: f64,
        alias_p: (f64, f64),
        syn_share: f64,
        syn_p: (f64, f64),
    ) -> Spinner {
        let mut rules = Vec::new();
        for (key, alts) in ALIASES {
            if rng.chance(alias_share) {
                let rep = rng.pick_str(alts).to_string();
                let p = rng.uniform(alias_p.0, alias_p.1);
                rules.push(Rule {
                    key: (*key).to_string(),
                    rep,
                    p,
                });
            }
        }
        for (key, alts) in SYNONYMS {
            if rng.chance(syn_share) {
                let rep = rng.pick_str(alts);
                let p = rng.uniform(syn_p.0, syn_p.1);
                rules.push(Rule {
                    key: (*key).to_string(),
                    rep: rep.to_string(),
                    p,
                });
                rules.push(Rule {
                    key: capitalise(key),
                    rep: capitalise(rep),
                    p,
                });
            }
        }
        Spinner::from_rules(rules)
    }

    /// Every synonym and alias with every alternative (a syndicator's "few
    /// words changed" pick one match of this at random).
    pub fn everything() -> Spinner {
        let mut rules = Vec::new();
        for (key, alts) in ALIASES.iter().chain(SYNONYMS) {
            for alt in *alts {
                rules.push(Rule {
                    key: (*key).to_string(),
                    rep: (*alt).to_string(),
                    p: 1.0,
                });
                if key.starts_with(|c: char| c.is_ascii_lowercase()) {
                    rules.push(Rule {
                        key: capitalise(key),
                        rep: capitalise(alt),
                        p: 1.0,
                    });
                }
            }
        }
        Spinner::from_rules(rules)
    }

    fn from_rules(rules: Vec<Rule>) -> Spinner {
        let mut index: FnvMap<String, Vec<u16>> = FnvMap::default();
        for (i, r) in rules.iter().enumerate() {
            let first: String = r
                .key
                .bytes()
                .take_while(|&b| is_word_byte(b))
                .map(char::from)
                .collect();
            index.entry(first).or_default().push(i as u16);
        }
        for v in index.values_mut() {
            v.sort_by_key(|&i| std::cmp::Reverse(rules[i as usize].key.len()));
        }
        Spinner { rules, index }
    }

    /// Every non-overlapping match, left to right, longest key first; with
    /// several rules for the same key, `pick` chooses among them.
    fn matches(&self, s: &str, rng: &mut Rng, out: &mut Vec<Match>) {
        out.clear();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if !is_word_byte(b[i]) || (i > 0 && (is_word_byte(b[i - 1]) || b[i - 1] == b'.')) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < b.len() && is_word_byte(b[j]) {
                j += 1;
            }
            let mut matched = None;
            if let Some(cands) = self.index.get(&s[i..j]) {
                // Candidates are sorted longest key first; among rules with
                // the same key (several alternatives), take one at random.
                let mut best: Option<(usize, usize)> = None; // (key len, count)
                for &r in cands {
                    let key = &self.rules[r as usize].key;
                    let end = i + key.len();
                    let fits = b[i..].starts_with(key.as_bytes())
                        && (end == b.len() || !is_word_byte(b[end]));
                    if !fits {
                        continue;
                    }
                    match best {
                        None => {
                            best = Some((key.len(), 1));
                            matched = Some(Match {
                                start: i,
                                end,
                                rule: r,
                            });
                        }
                        Some((len, n)) if len == key.len() => {
                            best = Some((len, n + 1));
                            if rng.below(n + 1) == 0 {
                                matched = Some(Match {
                                    start: i,
                                    end,
                                    rule: r,
                                });
                            }
                        }
                        Some(_) => break,
                    }
                }
            }
            match matched {
                Some(m) => {
                    out.push(m);
                    i = m.end;
                }
                None => i = j,
            }
        }
    }

    /// Applies each matching rule with its probability; appends the result
    /// to `out` and returns the number of replacements.
    pub fn apply(
        &self,
        s: &str,
        rng: &mut Rng,
        scratch: &mut Vec<Match>,
        out: &mut String,
    ) -> usize {
        if self.rules.is_empty() {
            out.push_str(s);
            return 0;
        }
        self.matches(s, rng, scratch);
        let mut last = 0;
        let mut n = 0;
        for m in scratch.iter() {
            let rule = &self.rules[m.rule as usize];
            if rng.chance(rule.p) {
                out.push_str(&s[last..m.start]);
                out.push_str(&rule.rep);
                last = m.end;
                n += 1;
            }
        }
        out.push_str(&s[last..]);
        n
    }

    /// Replaces one match chosen at random (if any); appends the result to
    /// `out` and returns whether something was replaced.
    pub fn apply_one(
        &self,
        s: &str,
        rng: &mut Rng,
        scratch: &mut Vec<Match>,
        out: &mut String,
    ) -> bool {
        self.matches(s, rng, scratch);
        match rng.pick(scratch) {
            Some(m) => {
                out.push_str(&s[..m.start]);
                out.push_str(&self.rules[m.rule as usize].rep);
                out.push_str(&s[m.end..]);
                true
            }
            None => {
                out.push_str(s);
                false
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Light mutation of "original" sentences.

/// Surnames swapped for each other (and for other capitalised words).
pub const SURNAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Brown",
    "Miller",
    "Wilson",
    "Baker",
    "Walker",
    "Clark",
    "Lewis",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Cooper",
    "Peterson",
    "Reed",
    "Bailey",
    "Bell",
    "Kelly",
    "Howard",
    "Ward",
    "Cox",
    "Richardson",
    "Wood",
    "Watson",
    "Brooks",
    "Bennett",
    "Gray",
    "Hughes",
    "Price",
    "Sanders",
    "Müller",
    "Nakamura",
    "Dubois",
    "García",
    "Kowalski",
    "Núñez",
    "Søndergaard",
    "Dvořák",
    "Öztürk",
    "Nguyễn",
    "Schröder",
    "Fernández",
    "Okafor",
    "Tanaka",
    "Rossi",
    "Yamamoto",
    "Haddad",
    "Johansson",
    "Lindqvist",
    "O'Brien",
    "MacLeod",
    "Van Dijk",
];

/// Places swapped for each other.
pub const PLACES: &[&str] = &[
    "Tokyo",
    "London",
    "Paris",
    "Frankfurt",
    "Zurich",
    "Chicago",
    "Toronto",
    "Sydney",
    "Singapore",
    "Brussels",
    "Madrid",
    "Milan",
    "Amsterdam",
    "Stockholm",
    "Oslo",
    "Geneva",
    "Houston",
    "Dallas",
    "Boston",
    "Atlanta",
    "Montreal",
    "Seoul",
    "Manila",
    "Jakarta",
    "Bangkok",
    "Cairo",
    "Lagos",
    "Nairobi",
    "Lima",
    "Bogotá",
    "Santiago",
    "Caracas",
    "Ottawa",
    "Vienna",
    "Lisbon",
    "Athens",
    "Warsaw",
    "Prague",
    "Zürich",
    "Kraków",
    "Malmö",
    "Québec",
    "Düsseldorf",
    "Reykjavík",
    "Wellington",
    "Melbourne",
    "Vancouver",
    "Denver",
    "Detroit",
    "Pittsburgh",
];

/// Capitalised words never swapped for a surname.
const KEEP: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "The",
    "This",
    "That",
    "It",
    "In",
    "A",
    "An",
    "He",
    "She",
    "They",
    "We",
    "But",
    "And",
    "Reuters",
    "Reuter",
    "Inc",
    "Corp",
    "Co",
    "Ltd",
    "Bank",
    "Department",
    "Ministry",
    "Minister",
    "President",
    "Treasury",
    "Federal",
    "Reserve",
    "National",
    "International",
    "American",
    "Exchange",
    "Commission",
    "Board",
    "Group",
    "Securities",
    "Trust",
    "Congress",
    "Senate",
    "House",
    "White",
    "Government",
    "Street",
    "Wall",
    "New",
    "York",
    "United",
    "States",
    "Kingdom",
    "Soviet",
    "Union",
    "Russia",
    "Britain",
    "British",
    "West",
    "Germany",
    "German",
    "Japan",
    "Japanese",
    "European",
    "Community",
    "Fed",
    "Reagan",
    "Monetary",
    "Fund",
    "China",
    "France",
    "French",
    "Canada",
    "Canadian",
    "Chinese",
    "Dutch",
    "Swiss",
    "Italian",
    "Spanish",
    "Brazilian",
    "Mexican",
    "Australian",
    "Belgian",
    "Swedish",
    "Norwegian",
    "Danish",
    "Indian",
    "Korean",
    "Taiwan",
    "Taiwanese",
    "Argentine",
    "Saudi",
    "Arab",
    "Iranian",
    "Iraqi",
    "Kuwaiti",
    "Egyptian",
    "Israeli",
    "Turkish",
    "Greek",
    "Polish",
    "Austrian",
    "Irish",
    "Scottish",
    "European",
    "Asian",
    "African",
    "Latin",
    "Middle",
    "East",
    "North",
    "South",
    "Gulf",
    "Pacific",
    "Atlantic",
    "Europe",
    "Asia",
    "Africa",
    "America",
    "Americans",
    "Christmas",
    "Easter",
    "Congressional",
    "Democrats",
    "Republicans",
    "Democratic",
    "Republican",
    "Senator",
    "Chairman",
    "Secretary",
    "Chancellor",
    "Prime",
];

fn keep_set() -> &'static FnvSet<&'static str> {
    static SET: OnceLock<FnvSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| KEEP.iter().copied().collect())
}

fn name_sets() -> &'static (FnvSet<&'static str>, FnvSet<&'static str>) {
    static SETS: OnceLock<(FnvSet<&'static str>, FnvSet<&'static str>)> = OnceLock::new();
    SETS.get_or_init(|| {
        (
            SURNAMES.iter().copied().collect(),
            PLACES.iter().copied().collect(),
        )
    })
}

/// Function words, never replaced by `--scramble`.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "that", "with", "was", "were", "are", "has", "have", "had", "not", "but",
    "its", "his", "her", "their", "they", "this", "these", "those", "from", "which", "who", "whom",
    "will", "would", "could", "should", "may", "might", "can", "been", "being", "into", "than",
    "then", "there", "also", "about", "after", "before", "said", "says", "some", "any", "all",
    "our", "out", "over", "under", "per", "one", "two", "three", "more", "most", "less", "such",
    "other", "only", "when", "where", "while", "what", "because", "both", "each", "between",
    "against", "during", "since", "until", "upon", "very", "him", "she", "you", "yet", "nor",
    "off",
];

/// Lower-case words of the Reuters sentences, drawn by frequency: what
/// `--scramble` puts in place of a word.
#[derive(Debug, Default)]
pub struct Vocab {
    words: Vec<String>,
    /// One entry (an index into `words`) per occurrence.
    draws: Vec<u32>,
}

fn never_scrambled() -> &'static FnvSet<&'static str> {
    static SET: OnceLock<FnvSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        STOPWORDS
            .iter()
            .copied()
            .chain(SYNONYMS.iter().map(|(k, _)| *k))
            .chain(ALIASES.iter().map(|(k, _)| *k))
            .collect()
    })
}

/// A word `--scramble` may replace (and may put in): all lower-case ASCII
/// letters, three or more, not a function word or a spinner key.
fn scramblable(w: &str) -> bool {
    w.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()) && !never_scrambled().contains(w)
}

impl Vocab {
    pub fn from_sentences(sentences: &[String]) -> Vocab {
        let mut ids: FnvMap<&str, u32> = FnvMap::default();
        let mut v = Vocab::default();
        for s in sentences {
            for w in s.split(|c: char| !c.is_ascii_alphabetic()) {
                if scramblable(w) {
                    let id = *ids.entry(w).or_insert_with(|| {
                        v.words.push(w.to_string());
                        (v.words.len() - 1) as u32
                    });
                    v.draws.push(id);
                }
            }
        }
        v
    }

    fn draw(&self, rng: &mut Rng) -> Option<&str> {
        let id = *rng.pick(&self.draws)?;
        self.words.get(id as usize).map(String::as_str)
    }
}

/// How `mutate_original` mutates.
#[derive(Debug, Clone, Copy)]
pub struct Mutation<'a> {
    /// The article's year (1987 becomes this year).
    pub year: i32,
    /// Probability of replacing a lower-case content word by a random
    /// Reuters word (0 by default).
    pub scramble: f64,
    pub vocab: &'a Vocab,
}

/// Lightly mutates a Reuters sentence for an "original" article: numbers
/// re-drawn (60% of them, not fractions or days of months; years always
/// moved to the article's time, 1987 becoming the article's year), names and places swapped from
/// lists, other mid-sentence capitalised words now and then replaced by a
/// surname; with `scramble`, content words replaced by random Reuters
/// words. Appends to `out`.
pub fn mutate_original(s: &str, rng: &mut Rng, m: &Mutation, out: &mut String) {
    let year = m.year;
    let b = s.as_bytes();
    let (surnames, places) = name_sets();
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        if !is_word_byte(b[i]) || (i > 0 && is_word_byte(b[i - 1])) {
            i += 1;
            continue;
        }
        let mut j = i;
        if b[i].is_ascii_digit() {
            // A number: digits with inner separators (155,221; 5.93).
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || ((b[j] == b',' || b[j] == b'.')
                        && j + 1 < b.len()
                        && b[j + 1].is_ascii_digit()))
            {
                j += 1;
            }
            if j < b.len() && is_word_byte(b[j]) {
                // 1st, 3-for-1 ... leave alone.
                while j < b.len() && is_word_byte(b[j]) {
                    j += 1;
                }
                i = j;
                continue;
            }
            let tok = &s[i..j];
            // Leave fractions (8-1/2) and days of months (April 6) alone.
            let fraction = (i > 0 && b[i - 1] == b'/') || b.get(j) == Some(&b'/');
            let prev = s[..i].trim_end_matches(' ');
            let prev = &prev[prev
                .rfind(|c: char| !c.is_ascii_alphabetic())
                .map_or(0, |p| p + 1)..];
            let day = tok.len() <= 2 && is_month(prev);
            if fraction || day {
                i = j;
                continue;
            }
            if is_year(tok) || rng.chance(0.6) {
                out.push_str(&s[last..i]);
                redraw_number(tok, rng, year, out);
                last = j;
            }
            i = j;
            continue;
        }
        while j < b.len() && is_word_byte(b[j]) {
            j += 1;
        }
        let tok = &s[i..j];
        if m.scramble > 0.0
            && scramblable(tok)
            && rng.chance(m.scramble)
            && let Some(w) = m.vocab.draw(rng)
        {
            out.push_str(&s[last..i]);
            out.push_str(w);
            last = j;
            i = j;
            continue;
        }
        let capitalised = tok.starts_with(|c: char| c.is_uppercase())
            && tok.chars().skip(1).any(char::is_lowercase);
        if capitalised {
            let rep = if surnames.contains(tok) {
                rng.chance(0.7).then(|| rng.pick_str(SURNAMES))
            } else if places.contains(tok) {
                rng.chance(0.7).then(|| rng.pick_str(PLACES))
            } else if i > 0 && tok.len() >= 3 && !keep_set().contains(tok) && rng.chance(0.1) {
                Some(rng.pick_str(SURNAMES))
            } else {
                None
            };
            if let Some(rep) = rep {
                out.push_str(&s[last..i]);
                out.push_str(rep);
                last = j;
            }
        }
        i = j;
    }
    out.push_str(&s[last..]);
}

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
];

fn is_month(w: &str) -> bool {
    MONTHS.contains(&w)
}

/// A year in Reuters-21578 (1987) terms: 1950 to 2010.
fn is_year(tok: &str) -> bool {
    tok.len() == 4 && tok.parse::<i32>().is_ok_and(|n| (1950..=2010).contains(&n))
}

/// A number with new digits (same length and separators), or a year moved
/// to the same distance from `year` as it had from 1987.
fn redraw_number(tok: &str, rng: &mut Rng, year: i32, out: &mut String) {
    if is_year(tok)
        && let Ok(n) = tok.parse::<i32>()
    {
        out.push_str(&(year - (1987 - n)).to_string());
        return;
    }
    let mut first = true;
    for c in tok.chars() {
        if let Some(d) = c.to_digit(10) {
            let nd = if first && d != 0 {
                1 + rng.below(9)
            } else {
                rng.below(10)
            };
            out.push(char::from(b'0' + nd as u8));
            first = false;
        } else {
            out.push(c);
        }
    }
}

// ---------------------------------------------------------------------------
// OCR noise.

const CONFUSIONS: &[(&str, &str)] = &[
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("li", "h"),
    ("l", "1"),
    ("I", "l"),
    ("O", "0"),
    ("o", "0"),
    ("e", "c"),
    ("a", "o"),
    ("S", "5"),
    ("B", "8"),
    ("h", "b"),
    ("u", "v"),
    ("t", "f"),
    ("i", "1"),
];

/// OCR-like noise: each word is garbled with probability `rate` (a
/// character confusion such as rn→m or l→1, a dropped or doubled letter, or
/// two words run together). Appends to `out`; returns the number of changes.
pub fn ocr(s: &str, rate: f64, rng: &mut Rng, out: &mut String) -> usize {
    if rate <= 0.0 {
        out.push_str(s);
        return 0;
    }
    let mut n = 0;
    let mut join_next = false;
    for (k, w) in s.split(' ').enumerate() {
        if k > 0 && !join_next {
            out.push(' ');
        }
        join_next = false;
        if w.len() < 3 || !w.is_ascii() || !rng.chance(rate) {
            out.push_str(w);
            continue;
        }
        n += 1;
        match rng.below(10) {
            0 => {
                // Run this word into the next one.
                out.push_str(w);
                join_next = true;
            }
            1 => {
                // Drop a letter.
                let at = rng.below(w.len());
                out.push_str(&w[..at]);
                out.push_str(&w[at + 1..]);
            }
            2 => {
                // Double a letter.
                let at = rng.below(w.len());
                out.push_str(&w[..=at]);
                out.push_str(&w[at..]);
            }
            _ => {
                let start = rng.below(CONFUSIONS.len());
                let hit = (0..CONFUSIONS.len())
                    .map(|k| CONFUSIONS[(start + k) % CONFUSIONS.len()])
                    .find_map(|(from, to)| w.find(from).map(|at| (at, from, to)));
                match hit {
                    Some((at, from, to)) => {
                        out.push_str(&w[..at]);
                        out.push_str(to);
                        out.push_str(&w[at + from.len()..]);
                    }
                    None => {
                        out.push_str(&w[1..]);
                    }
                }
            }
        }
    }
    n
}

// ---------------------------------------------------------------------------
// Re-flowing.

/// Wraps lines at `width` characters by turning spaces into line breaks.
/// Every character keeps its place (a space and a line break are one byte
/// and one code point each), so offsets recorded before stay valid.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut col = 0usize;
    for (i, piece) in text.split(' ').enumerate() {
        let first_line = piece.find('\n').map_or(piece, |p| &piece[..p]);
        let first_len = first_line.chars().count();
        if i > 0 {
            if col > 0 && col + 1 + first_len > width {
                out.push('\n');
                col = 0;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(piece);
        match piece.rfind('\n') {
            Some(p) => col = piece[p + 1..].chars().count(),
            None => col += first_len,
        }
    }
    out
}

/// A sentence copied out of a built text, its line breaks turned back into
/// spaces (one for one).
pub fn unwrap_sentence(s: &str) -> String {
    s.replace('\n', " ")
}
