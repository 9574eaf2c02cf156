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
    /// Bit set of [`SENT_START`], [`SENT_END`], [`NO_SPACE_SCRIPT`], [`NUMERIC`], [`HAS_DIGIT`].
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
    let mut out = Tokens {
        tokens: Vec::with_capacity(text.len() / 6 + 1),
        norm: String::with_capacity(text.len()),
        char_len: 0,
    };
    let mut seg = sentence::Segmenter::default();
    let mut chars = 0u32;
    // Current token being built: (byte_start, char_start, is_no_space, all_ascii, all_digits).
    let mut cur: Option<(usize, u32, bool, bool, bool)> = None;
    for (b, c) in text.char_indices() {
        let (word, nospace, mark) = if c.is_ascii() {
            (c.is_ascii_alphanumeric(), false, false)
        } else {
            let word = is_word_char(c);
            (
                word,
                word && is_no_space_script(c),
                !word && is_combining_mark(c),
            )
        };
        match cur {
            Some((bs, cs, ns, ascii, digits)) => {
                if mark {
                    // Combining marks stay with the token they follow.
                    cur = Some((bs, cs, ns, false, false));
                } else if word && !nospace && !ns {
                    cur = Some((
                        bs,
                        cs,
                        false,
                        ascii && c.is_ascii(),
                        digits && c.is_ascii_digit(),
                    ));
                } else {
                    push_token(
                        &mut out, text, &mut seg, bs, b, cs, chars, ns, ascii, digits, opts,
                    );
                    cur = None;
                    if word {
                        cur = Some((b, chars, nospace, c.is_ascii(), c.is_ascii_digit()));
                    } else {
                        seg.gap_char(c);
                    }
                }
            }
            None => {
                if word {
                    cur = Some((b, chars, nospace, c.is_ascii(), c.is_ascii_digit()));
                } else {
                    seg.gap_char(c);
                }
            }
        }
        chars += 1;
    }
    if let Some((bs, cs, ns, ascii, digits)) = cur {
        push_token(
            &mut out,
            text,
            &mut seg,
            bs,
            text.len(),
            cs,
            chars,
            ns,
            ascii,
            digits,
            opts,
        );
    }
    if let Some(last) = out.tokens.last_mut() {
        last.flags |= SENT_END;
    }
    out.char_len = chars;
    out
}

#[allow(clippy::too_many_arguments)]
fn push_token(
    out: &mut Tokens,
    text: &str,
    seg: &mut sentence::Segmenter,
    byte_start: usize,
    byte_end: usize,
    char_start: u32,
    char_end: u32,
    no_space: bool,
    ascii: bool,
    digits: bool,
    opts: &NormalizeOptions,
) {
    let raw = &text[byte_start..byte_end];
    let norm_start = out.norm.len();
    if ascii {
        out.norm.push_str(raw);
        out.norm[norm_start..].make_ascii_lowercase();
    } else {
        normalize_into(raw, opts, &mut out.norm);
        if out.norm.len() == norm_start {
            // NFKC can in principle map a word to nothing; keep the raw form
            // so the token still has an identity.
            out.norm.push_str(raw);
        }
    }
    let norm = &out.norm[norm_start..];
    let hash = hash_norm(norm);
    let first = raw.chars().next().unwrap_or(' ');
    let boundary = seg.boundary_before(
        first,
        out.tokens.last().map(|t| {
            let prev_raw = &text[t.byte_start as usize..t.byte_end as usize];
            (prev_raw, t.char_len())
        }),
    );
    if boundary && let Some(prev) = out.tokens.last_mut() {
        prev.flags |= SENT_END;
    }
    let mut flags = 0;
    if boundary || out.tokens.is_empty() {
        flags |= SENT_START;
    }
    if no_space {
        flags |= NO_SPACE_SCRIPT;
    }
    if digits {
        flags |= NUMERIC;
    }
    if raw.bytes().any(|b| b.is_ascii_digit()) || (!ascii && raw.chars().any(char::is_numeric)) {
        flags |= HAS_DIGIT;
    }
    out.tokens.push(Token {
        hash,
        start: char_start,
        end: char_end,
        byte_start: byte_start as u32,
        byte_end: byte_end as u32,
        norm_start: norm_start as u32,
        norm_end: out.norm.len() as u32,
        flags,
    });
    seg.reset();
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

/// Code-point length of `s` (what Python's `len` returns).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests;
