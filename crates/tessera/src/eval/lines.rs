//! Helpers shared by the readers of both gold-standard layouts: numbered
//! lines of a file and checked spans, each error naming the file and line.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::eval::{EvalError, Span};

/// Calls `each` with the 1-based number and the text of every non-blank line
/// of the file at `path`.
pub(crate) fn for_each_line(
    path: &Path,
    mut each: impl FnMut(u64, &str) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let file = File::open(path).map_err(|e| EvalError::io(path, e))?;
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut number: u64 = 0;
    loop {
        line.clear();
        number += 1;
        match reader.read_line(&mut line) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            // Bad UTF-8 is a content problem of one line, not an I/O failure.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(EvalError::malformed(path, Some(number), "not valid utf-8"));
            }
            Err(e) => return Err(EvalError::io(path, e)),
        }
        // A byte-order mark is not content.
        let text = if number == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            &line
        };
        if !text.trim().is_empty() {
            each(number, text)?;
        }
    }
}

/// Builds a span, refusing one whose end does not fit in a `u64`.
pub(crate) fn checked_span(
    path: &Path,
    line: Option<u64>,
    what: &str,
    offset: u64,
    length: u64,
) -> Result<Span, EvalError> {
    match offset.checked_add(length) {
        Some(_) => Ok(Span::new(offset, length)),
        None => Err(EvalError::malformed(
            path,
            line,
            format!("{what} offset {offset} + length {length} overflows"),
        )),
    }
}

/// Builds a case span: as [`checked_span`], and not empty, since an empty
/// case could never be detected and would only drag recall down.
pub(crate) fn case_span(
    path: &Path,
    line: Option<u64>,
    what: &str,
    offset: u64,
    length: u64,
) -> Result<Span, EvalError> {
    if length == 0 {
        return Err(EvalError::malformed(
            path,
            line,
            format!("{what} span of a case is empty"),
        ));
    }
    checked_span(path, line, what, offset, length)
}
