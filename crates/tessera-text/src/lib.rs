//! Unicode-aware tokenisation that keeps character spans.
//!
//! Every later stage of tessera (fingerprints, alignment, reports) works on
//! the [`Token`]s produced here. A token is a normalised word together with
//! where it sits in the original text, both in bytes (to slice the `&str`)
//! and in Unicode code points (the offsets tessera reports, as Python string
//! indexing counts them).
//!
//! Normalisation is NFKC, lower-casing and, optionally, removal of the
//! diacritics of Latin, Greek and Cyrillic letters. Scripts written without
//! spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar,
//! Tibetan) yield one token per character, so they can still be matched
//! without a dictionary-based word segmenter.
//!
//! The tokenizer also marks sentence boundaries, which the aligner uses to
//! snap passages to the sentences a copier took.
//!
//! ```
//! use tessera_text::{tokenize, NormalizeOptions};
//!
//! let text = "Café owners met in Moscow. Они встретились!";
//! let toks = tokenize(text, &NormalizeOptions::default());
//! assert_eq!(toks.norm(0), "cafe");
//! assert_eq!(toks.len(), 7);
//! // Offsets count code points, not bytes.
//! let t = toks.tokens[5];
//! assert_eq!((t.start, t.end), (27, 30));
//! assert_eq!(&text[t.byte_start as usize..t.byte_end as usize], "Они");
//! assert!(toks.tokens[5].is_sentence_start());
//! ```

#![warn(missing_docs)]

mod sentence;
mod stopwords;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub use sentence::{leading_opening_punct, trailing_closing_punct};
pub use stopwords::{is_stopword, is_stopword_hash};

/// How tokens are normalised before they are hashed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NormalizeOptions {
    /// Remove diacritics from Latin, Greek and Cyrillic letters
    /// (`café` matches `cafe`). On by default: copiers and OCR drop accents
    /// far more often than two different words differ only by one.
    pub fold_diacritics: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            fold_diacritics: true,
        }
    }
}

/// The token starts a sentence (or the text).
pub const SENT_START: u8 = 1;
/// The token ends a sentence (or the text).
pub const SENT_END: u8 = 2;
/// The token is one character of a script written without spaces.
pub const NO_SPACE_SCRIPT: u8 = 4;
/// The token is made of digits only.
pub const NUMERIC: u8 = 8;
/// The token holds at least one digit (a figure, a code such as `A300`).
pub const HAS_DIGIT: u8 = 16;
/// The token starts with an upper-case letter (a name, when not at a
/// sentence start, in languages that capitalise names).
pub const CAPITALIZED: u8 = 32;

/// One normalised word with its place in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// xxh3 hash of the normalised form.
    pub hash: u64,
    /// First code point of the token in the original text.
    pub start: u32,
    /// One past the last code point.
    pub end: u32,
    /// First byte of the token in the original text.
    pub byte_start: u32,
    /// One past the last byte.
    pub byte_end: u32,
    norm_start: u32,
    norm_end: u32,
    /// Bit set of [`SENT_START`], [`SENT_END`], [`NO_SPACE_SCRIPT`], [`NUMERIC`], [`HAS_DIGIT`],
    /// [`CAPITALIZED`].
    pub flags: u8,
}

impl Token {
    /// Whether a sentence starts at this token.
    pub fn is_sentence_start(&self) -> bool {
        self.flags & SENT_START != 0
    }
    /// Whether a sentence ends at this token.
    pub fn is_sentence_end(&self) -> bool {
        self.flags & SENT_END != 0
    }
    /// Length in code points.
    pub fn char_len(&self) -> u32 {
        self.end - self.start
    }
}

/// The tokens of one text and their normalised forms.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    /// Tokens in text order; spans never overlap.
    pub tokens: Vec<Token>,
    norm: String,
    /// Length of the whole text in code points.
    pub char_len: u32,
}

impl Tokens {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    /// Whether the text holds no token at all.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
    /// The normalised form of token `i`.
    pub fn norm(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        &self.norm[t.norm_start as usize..t.norm_end as usize]
    }
    /// The hashes of all tokens, in order.
    pub fn hashes(&self) -> Vec<u64> {
        self.tokens.iter().map(|t| t.hash).collect()
    }
}

/// Hash of a normalised token, as stored in [`Token::hash`].
pub fn hash_norm(norm: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(norm.as_bytes())
}

/// Whether `c` belongs to a script written without spaces between words.
pub fn is_no_space_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x0F00..=0x0FFF    // Tibetan
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x2FA1F) // CJK extensions B-F, compatibility supplement
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Splits `text` into normalised tokens with their spans.
///
/// A token is a maximal run of letters and digits (with the combining marks
/// that follow them), or a single character of a script written without
/// spaces. Everything else separates tokens. Works on any `&str`; an empty
/// or punctuation-only text yields no tokens.
pub fn tokenize(text: &str, opts: &NormalizeOptions) -> Tokens {
    let mut sink = TokensSink {
        out: Tokens {
            tokens: Vec::with_capacity(text.len() / 6 + 1),
            norm: String::with_capacity(text.len()),
            char_len: 0,
        },
        seg: sentence::Segmenter::default(),
        opts: *opts,
    };
    let chars = scan(text, &mut sink);
    let mut out = sink.out;
    if let Some(last) = out.tokens.last_mut() {
        last.flags |= SENT_END;
    }
    out.char_len = chars;
    out
}

/// Appends to `out` the hash of every token of `text`, in order, and
/// returns the text's length in code points: the same hashes as
/// `tokenize(text, opts).hashes()` and the same length as its `char_len`,
/// without building spans, normalised strings or sentence boundaries
/// (what indexing needs, at several times the speed).
pub fn token_hashes(text: &str, opts: &NormalizeOptions, out: &mut Vec<u64>) -> u32 {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut sink = HashSink {
        out,
        scratch: String::new(),
        opts: *opts,
    };
    // ASCII words are found and lower-cased here, eight bytes at a time; a
    // stretch holding other characters goes to `scan`, cut at an ASCII
    // separator (where `scan` closes any token), so both agree on every
    // token.
    // 32 bytes hold the words hashed from here; 8 more take the last
    // eight-byte store of a word that turns out longer.
    let mut buf = [0u8; 40];
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if b >= 0x80 {
            i = sink.general(text, i);
            continue;
        }
        if ASCII_LOWER[b as usize] == 0 {
            i += 1;
            continue;
        }
        let start = i;
        // Eight bytes at a time while they last, then one at a time.
        while let Some(chunk) = bytes.get(i..i + 8) {
            let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let (letters, alnum) = ascii_classes(x);
            let off = i - start;
            if off <= 32 {
                buf[off..off + 8].copy_from_slice(&(x | (letters >> 2)).to_le_bytes());
            }
            let stop = !alnum & HIGH_BITS;
            if stop != 0 {
                i += (stop.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        if n < i + 8 {
            while i < n {
                let low = ASCII_LOWER[bytes[i] as usize];
                if low == 0 {
                    break;
                }
                if let Some(slot) = buf.get_mut(i - start) {
                    *slot = low;
                }
                i += 1;
            }
        }
        if i < n && bytes[i] >= 0x80 {
            // The word may go on with a letter or a mark.
            i = sink.general(text, start);
            continue;
        }
        let len = i - start;
        if len <= 32 {
            sink.out.push(xxhash_rust::xxh3::xxh3_64(&buf[..len]));
        } else {
            sink.token(
                text,
                RawToken {
                    byte_start: start,
                    byte_end: i,
                    char_start: 0,
                    char_end: 0,
                    no_space: false,
                    ascii: true,
                    digits: false,
                },
            );
        }
    }
    // Code points: every byte but UTF-8 continuation bytes.
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32
}

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// `b` in every byte.
const fn bytes_of(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The ASCII letters and the ASCII letters or digits among the eight bytes
/// of `x`, as 0x80 in their bytes (what [`ASCII_LOWER`] tells a byte at a
/// time). Bytes at or above 0x80 are neither. Each test adds a constant to
/// bytes below 0x80, which sets a byte's high bit exactly when it is at or
/// above a bound and never carries into the next byte.
#[inline]
fn ascii_classes(x: u64) -> (u64, u64) {
    let high = x & HIGH_BITS;
    let x7 = x & !HIGH_BITS;
    let folded = x7 | bytes_of(0x20);
    let at_least = |v: u64, bound: u8| v + bytes_of(0x80 - bound);
    let letters = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
    let digits = at_least(x7, b'0') & !at_least(x7, b'9' + 1);
    let letters = letters & HIGH_BITS & !high;
    (letters, (letters | digits) & HIGH_BITS & !high)
}

/// ASCII letters and digits lower-cased; 0 for every other byte.
static ASCII_LOWER: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// A token as [`scan`] finds it, before normalisation.
#[derive(Debug, Clone, Copy)]
struct RawToken {
    byte_start: usize,
    byte_end: usize,
    char_start: u32,
    char_end: u32,
    /// One character of a script written without spaces.
    no_space: bool,
    /// Only ASCII characters.
    ascii: bool,
    /// Only ASCII digits.
    digits: bool,
}

/// What [`scan`] reports, in text order.
trait Sink {
    /// Whether [`Sink::gap`] needs to see the characters between tokens.
    const GAPS: bool;
    /// One character between tokens.
    fn gap(&mut self, c: char);
    /// One token.
    fn token(&mut self, text: &str, t: RawToken);
}

/// The splitting rule of [`tokenize`], shared by every way of reading
/// tokens so that they all agree. Returns the text's length in code points.
#[inline(always)]
fn scan<S: Sink>(text: &str, sink: &mut S) -> u32 {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0usize;
    let mut chars = 0u32;
    let mut cur: Option<RawToken> = None;
    let open = |i: usize, chars: u32, no_space: bool, c: char| RawToken {
        byte_start: i,
        byte_end: i,
        char_start: chars,
        char_end: chars,
        no_space,
        ascii: c.is_ascii(),
        digits: c.is_ascii_digit(),
    };
    while i < n {
        let b = bytes[i];
        let (c, len, word, no_space, mark) = if b < 0x80 {
            (char::from(b), 1, b.is_ascii_alphanumeric(), false, false)
        } else {
            let c = text[i..].chars().next().expect("at a char boundary");
            let word = is_word_char(c);
            (
                c,
                c.len_utf8(),
                word,
                word && is_no_space_script(c),
                !word && is_combining_mark(c),
            )
        };
        match cur.as_mut() {
            // Combining marks stay with the token they follow.
            Some(t) if mark => {
                t.ascii = false;
                t.digits = false;
            }
            Some(t) if word && !no_space && !t.no_space => {
                t.ascii &= c.is_ascii();
                t.digits &= c.is_ascii_digit();
            }
            Some(t) => {
                let mut done = *t;
                done.byte_end = i;
                done.char_end = chars;
                sink.token(text, done);
                cur = None;
                if word {
                    cur = Some(open(i, chars, no_space, c));
                } else {
                    sink.gap(c);
                }
            }
            None => {
                if word {
                    cur = Some(open(i, chars, no_space, c));
                } else {
                    sink.gap(c);
                }
            }
        }
        i += len;
        chars += 1;
        // The rest of an ASCII word, a byte at a time: what the general
        // rule above would do, without decoding characters.
        if let Some(t) = cur.as_mut()
            && !t.no_space
        {
            while i < n && bytes[i].is_ascii_alphanumeric() {
                t.digits &= bytes[i].is_ascii_digit();
                i += 1;
                chars += 1;
            }
        } else if !S::GAPS && cur.is_none() {
            // Likewise the rest of an ASCII gap, when nobody looks at it.
            while i < n && bytes[i] < 0x80 && !bytes[i].is_ascii_alphanumeric() {
                i += 1;
                chars += 1;
            }
        }
    }
    if let Some(mut t) = cur {
        t.byte_end = n;
        t.char_end = chars;
        sink.token(text, t);
    }
    chars
}

/// Appends the normalised form of a raw token to `out`.
#[inline]
fn normalize_token(raw: &str, ascii: bool, opts: &NormalizeOptions, out: &mut String) {
    let start = out.len();
    if ascii {
        out.push_str(raw);
        out[start..].make_ascii_lowercase();
    } else {
        normalize_into(raw, opts, out);
        if out.len() == start {
            // NFKC can in principle map a word to nothing; keep the raw form
            // so the token still has an identity.
            out.push_str(raw);
        }
    }
}

/// Builds [`Tokens`] with spans, flags and sentence boundaries.
struct TokensSink {
    out: Tokens,
    seg: sentence::Segmenter,
    opts: NormalizeOptions,
}

impl Sink for TokensSink {
    const GAPS: bool = true;

    fn gap(&mut self, c: char) {
        self.seg.gap_char(c);
    }

    fn token(&mut self, text: &str, t: RawToken) {
        let out = &mut self.out;
        let raw = &text[t.byte_start..t.byte_end];
        let norm_start = out.norm.len();
        normalize_token(raw, t.ascii, &self.opts, &mut out.norm);
        let hash = hash_norm(&out.norm[norm_start..]);
        let first = raw.chars().next().unwrap_or(' ');
        let boundary = self.seg.boundary_before(
            first,
            out.tokens.last().map(|p| {
                let prev_raw = &text[p.byte_start as usize..p.byte_end as usize];
                (prev_raw, p.char_len())
            }),
        );
        if boundary && let Some(prev) = out.tokens.last_mut() {
            prev.flags |= SENT_END;
        }
        let mut flags = 0;
        if boundary || out.tokens.is_empty() {
            flags |= SENT_START;
        }
        if t.no_space {
            flags |= NO_SPACE_SCRIPT;
        }
        if t.digits {
            flags |= NUMERIC;
        }
        if raw.bytes().any(|b| b.is_ascii_digit())
            || (!t.ascii && raw.chars().any(char::is_numeric))
        {
            flags |= HAS_DIGIT;
        }
        if first.is_uppercase() {
            flags |= CAPITALIZED;
        }
        out.tokens.push(Token {
            hash,
            start: t.char_start,
            end: t.char_end,
            byte_start: t.byte_start as u32,
            byte_end: t.byte_end as u32,
            norm_start: norm_start as u32,
            norm_end: out.norm.len() as u32,
            flags,
        });
        self.seg.reset();
    }
}

/// Collects token hashes only.
struct HashSink<'a> {
    out: &'a mut Vec<u64>,
    scratch: String,
    opts: NormalizeOptions,
}

impl HashSink<'_> {
    /// Runs `scan` from `start` (where no token is open) to the next ASCII
    /// separator; returns where it stopped.
    fn general(&mut self, text: &str, start: usize) -> usize {
        let bytes = text.as_bytes();
        let end = bytes[start..]
            .iter()
            .position(|&b| b < 0x80 && !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |k| start + k);
        scan(&text[start..end], self);
        end
    }
}

impl Sink for HashSink<'_> {
    const GAPS: bool = false;

    #[inline(always)]
    fn gap(&mut self, _c: char) {}

    #[inline]
    fn token(&mut self, text: &str, t: RawToken) {
        let raw = &text[t.byte_start..t.byte_end];
        self.scratch.clear();
        normalize_token(raw, t.ascii, &self.opts, &mut self.scratch);
        self.out.push(hash_norm(&self.scratch));
    }
}

/// Normalises one word: NFKC, lower case, optional diacritic folding.
pub fn normalize_word(word: &str, opts: &NormalizeOptions) -> String {
    let mut s = String::with_capacity(word.len());
    normalize_into(word, opts, &mut s);
    s
}

fn normalize_into(raw: &str, opts: &NormalizeOptions, out: &mut String) {
    let lowered: String = raw.nfkc().flat_map(char::to_lowercase).collect();
    if !opts.fold_diacritics {
        out.push_str(&lowered);
        return;
    }
    let mut folded = String::with_capacity(lowered.len());
    let mut base_foldable = false;
    let mut kept_mark = false;
    for c in lowered.nfd() {
        if is_combining_mark(c) {
            if !base_foldable {
                folded.push(c);
                kept_mark = true;
            }
        } else {
            // Latin, Greek and Cyrillic end below U+0530; marks on other
            // scripts (Thai tone marks, Japanese voicing) change the letter.
            base_foldable = (c as u32) < 0x0530;
            folded.push(c);
        }
    }
    if kept_mark {
        // Recompose what was kept so equal words hash equally.
        out.extend(folded.nfc());
    } else {
        out.push_str(&folded);
    }
}

/// `s` with every run of white space replaced by one blank and none at
/// either end: how edits and substitutions are shown and counted.
///
/// ```
/// assert_eq!(tessera_text::collapse_whitespace(" Russian\n  Federation "), "Russian Federation");
/// ```
pub fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Code-point length of `s` (what Python's `len` returns).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests;
