//! Rule-based sentence boundaries between tokens.
//!
//! tessera needs boundaries only to snap passage ends to whole sentences and
//! to include a sentence's closing punctuation, so a light rule set is
//! enough: a terminator followed by white space and a capital, a digit or an
//! opening quote; a CJK terminator; or a paragraph break (a blank line, or a
//! line break followed by an indent as in wire copy). Periods after initials
//! and common titles do not end sentences.

/// State of the gap between two tokens.
#[derive(Debug, Default)]
pub(crate) struct Segmenter {
    terminator: Option<char>,
    space_after_terminator: bool,
    opening_after_space: bool,
    newline: bool,
    spaces_after_newline: u32,
    paragraph: bool,
    cjk_terminator: bool,
}

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "gov", "sen", "rep", "lt", "col",
    "capt", "sgt", "vs", "etc", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "fig", "approx", "dept", "mt", "ft",
];

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn is_cjk_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '｡')
}

pub(crate) fn is_opening(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '‘'
            | '«'
            | '‹'
            | '„'
            | '('
            | '['
            | '<'
            | '¿'
            | '¡'
            | '「'
            | '『'
            | '（'
    )
}

pub(crate) fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']' | '>' | '」' | '』' | '）'
    ) || is_terminator(c)
        || is_cjk_terminator(c)
}

impl Segmenter {
    pub(crate) fn reset(&mut self) {
        *self = Segmenter::default();
    }

    /// Feeds one character of the gap.
    pub(crate) fn gap_char(&mut self, c: char) {
        if c == '\n' {
            if self.newline {
                self.paragraph = true;
            }
            self.newline = true;
            self.spaces_after_newline = 0;
            if self.terminator.is_some() {
                self.space_after_terminator = true;
            }
            return;
        }
        if c == '\r' {
            return;
        }
        if c.is_whitespace() {
            if self.newline {
                self.spaces_after_newline += if c == '\t' { 4 } else { 1 };
                if self.spaces_after_newline >= 2 {
                    self.paragraph = true;
                }
            }
            if self.terminator.is_some() {
                self.space_after_terminator = true;
            }
            return;
        }
        self.newline = false;
        if is_cjk_terminator(c) {
            self.cjk_terminator = true;
        } else if is_terminator(c) {
            if !self.space_after_terminator {
                self.terminator = Some(c);
            }
        } else if is_opening(c) && self.space_after_terminator {
            self.opening_after_space = true;
        }
    }

    /// Whether a sentence boundary lies between the previous token
    /// (`prev`: its raw text and length in code points) and a token starting
    /// with `first`.
    pub(crate) fn boundary_before(&self, first: char, prev: Option<(&str, u32)>) -> bool {
        let Some((prev_raw, prev_len)) = prev else {
            return true;
        };
        if self.paragraph || self.cjk_terminator {
            return true;
        }
        let Some(term) = self.terminator else {
            return false;
        };
        if !self.space_after_terminator {
            return false;
        }
        if term == '.' {
            let single_letter = prev_len == 1 && prev_raw.chars().all(char::is_alphabetic);
            if single_letter {
                return false;
            }
            if prev_raw.len() <= 6 {
                let lower = prev_raw.to_ascii_lowercase();
                if ABBREVIATIONS.contains(&lower.as_str()) {
                    return false;
                }
            }
        }
        // A lower-case word after a period is an abbreviation or a typo far
        // more often than a new sentence; capitals, digits and caseless
        // scripts start one.
        self.opening_after_space || !first.is_lowercase()
    }
}

/// Code points of closing punctuation (terminators, closing quotes and
/// brackets) that directly follow byte offset `byte_end` of `text`, and
/// their length in bytes. At most four characters are taken.
pub fn trailing_closing_punct(text: &str, byte_end: usize) -> (u32, u32) {
    let mut chars = 0;
    let mut bytes = 0;
    for c in text[byte_end..].chars().take(4) {
        if !is_closing(c) {
            break;
        }
        chars += 1;
        bytes += c.len_utf8() as u32;
    }
    (chars, bytes)
}

/// Code points of opening quotes and brackets that directly precede byte
/// offset `byte_start` of `text`, and their length in bytes. At most two
/// characters are taken.
pub fn leading_opening_punct(text: &str, byte_start: usize) -> (u32, u32) {
    let mut chars = 0;
    let mut bytes = 0;
    for c in text[..byte_start].chars().rev().take(2) {
        if !is_opening(c) {
            break;
        }
        chars += 1;
        bytes += c.len_utf8() as u32;
    }
    (chars, bytes)
}
