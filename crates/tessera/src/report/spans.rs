//! From token ranges to what a report shows: code-point spans in both
//! texts (with the punctuation a sentence keeps) and word-level edits.

use tessera_align::{EditKind, Passage};
use tessera_text::{Tokens, leading_opening_punct, trailing_closing_punct};

use crate::prepared::Prepared;
use crate::report::{Edit, EditOp};

fn bracket_pair(c: char) -> Option<(char, char)> {
    match c {
        '(' | ')' => Some(('(', ')')),
        '[' | ']' => Some(('[', ']')),
        '<' | '>' => Some(('<', '>')),
        _ => None,
    }
}

/// Code-point span of tokens `start..end` of one side of a passage.
///
/// Opening quotes and brackets before the first token are included when
/// the passage starts a sentence (`lead`) or when the bracket closes inside
/// the span; closing ones after the last token when the passage ends a
/// sentence (`trail`, which also takes the sentence's final punctuation) or
/// when the bracket opened inside the span.
fn side_span(text: &str, t: &Tokens, start: u32, end: u32, lead: bool, trail: bool) -> (u64, u64) {
    let first = t.tokens[start as usize];
    let last = t.tokens[end as usize - 1];
    let inner = &text[first.byte_start as usize..last.byte_end as usize];
    let mut a = u64::from(first.start);
    if lead {
        a -= u64::from(leading_opening_punct(text, first.byte_start as usize).0);
    } else if let Some(c) = text[..first.byte_start as usize].chars().next_back()
        && bracket_pair(c).is_some_and(|(o, cl)| c == o && inner.contains(cl))
    {
        a -= 1;
    }
    let mut b = u64::from(last.end);
    if trail {
        b += u64::from(trailing_closing_punct(text, last.byte_end as usize).0);
    } else if let Some(c) = text[last.byte_end as usize..].chars().next()
        && bracket_pair(c).is_some_and(|(o, cl)| c == cl && inner.contains(o))
    {
        b += 1;
    }
    (a, b)
}

/// Code-point spans of a passage in the query and the source. The source
/// keeps the punctuation of the sentences it starts or ends; the query
/// only where the source does too (a copier who cut a sentence short
/// often closes it with a full stop of their own).
pub(crate) fn char_spans(
    q: &Prepared<'_>,
    s: &Prepared<'_>,
    p: &Passage,
) -> ((u64, u64), (u64, u64)) {
    let (qf, ql) = (
        q.tokens.tokens[p.q.start as usize],
        q.tokens.tokens[p.q.end as usize - 1],
    );
    let (sf, sl) = (
        s.tokens.tokens[p.s.start as usize],
        s.tokens.tokens[p.s.end as usize - 1],
    );
    let s_lead = sf.is_sentence_start();
    let s_trail = sl.is_sentence_end();
    (
        side_span(
            q.text,
            &q.tokens,
            p.q.start,
            p.q.end,
            qf.is_sentence_start() && s_lead,
            ql.is_sentence_end() && s_trail,
        ),
        side_span(s.text, &s.tokens, p.s.start, p.s.end, s_lead, s_trail),
    )
}

fn token_text<'a>(p: &Prepared<'a>, r: &std::ops::Range<u32>) -> &'a str {
    if r.is_empty() {
        return "";
    }
    let a = p.tokens.tokens[r.start as usize].byte_start as usize;
    let b = p.tokens.tokens[r.end as usize - 1].byte_end as usize;
    &p.text[a..b]
}

/// Code-point offset where token `i` starts, or where the text's tokens
/// end when `i` is past the last.
fn token_offset(t: &Tokens, i: u32) -> u64 {
    match t.tokens.get(i as usize) {
        Some(tok) => u64::from(tok.start),
        None => t.tokens.last().map_or(0, |tok| u64::from(tok.end)),
    }
}

pub(crate) fn edits(q: &Prepared<'_>, s: &Prepared<'_>, p: &Passage) -> Vec<Edit> {
    p.edits()
        .into_iter()
        .map(|e| {
            let query = token_text(q, &e.q_tokens).to_string();
            let source = token_text(s, &e.s_tokens).to_string();
            Edit {
                op: match e.kind {
                    EditKind::Sub => EditOp::Sub,
                    EditKind::Ins => EditOp::Ins,
                    EditKind::Del => EditOp::Del,
                },
                query_offset: token_offset(&q.tokens, e.q_tokens.start),
                source_offset: token_offset(&s.tokens, e.s_tokens.start),
                query_length: query.chars().count() as u64,
                source_length: source.chars().count() as u64,
                query,
                source,
            }
        })
        .collect()
}
