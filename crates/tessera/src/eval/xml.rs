//! Reading the XML files of PAN corpora (truth and detections, in either
//! PAN layout): `<document reference=..>` elements holding `<feature>`
//! elements, each error and warning naming the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::eval::lines::{case_span, checked_span};
use crate::eval::{EvalError, Span};

/// One `<feature>` element with the reference of its enclosing `<document>`.
#[derive(Debug)]
pub(crate) struct Feature {
    pub(crate) document: String,
    pub(crate) line: u64,
    pub(crate) attrs: BTreeMap<String, String>,
}

impl Feature {
    pub(crate) fn name(&self) -> Option<&str> {
        self.attrs.get("name").map(String::as_str)
    }

    /// The value of `key` if present and not blank.
    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.attrs
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn require(&self, path: &Path, key: &str) -> Result<&str, EvalError> {
        self.non_empty(key).ok_or_else(|| {
            EvalError::malformed(
                path,
                Some(self.line),
                format!("<feature> lacks the {key} attribute"),
            )
        })
    }

    pub(crate) fn number(&self, path: &Path, key: &str) -> Result<u64, EvalError> {
        let text = self.require(path, key)?;
        text.parse().map_err(|_| {
            EvalError::malformed(
                path,
                Some(self.line),
                format!("attribute {key}={text:?} is not a non-negative integer"),
            )
        })
    }

    /// The query span (`this_offset`, `this_length`) and the source span
    /// (`source_offset`, `source_length`) of the feature. A case's spans
    /// may not be empty (`case`); a detection's may.
    pub(crate) fn spans(&self, path: &Path, case: bool) -> Result<(Span, Span), EvalError> {
        let make = if case { case_span } else { checked_span };
        let line = Some(self.line);
        Ok((
            make(
                path,
                line,
                "query",
                self.number(path, "this_offset")?,
                self.number(path, "this_length")?,
            )?,
            make(
                path,
                line,
                "source",
                self.number(path, "source_offset")?,
                self.number(path, "source_length")?,
            )?,
        ))
    }
}

/// Turns byte positions of a text into 1-based line numbers; positions must
/// be asked for in non-decreasing order, so a whole file costs one pass.
#[derive(Debug)]
struct Lines<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn at(&mut self, pos: u64) -> u64 {
        let pos = usize::try_from(pos).map_or(self.text.len(), |p| p.min(self.text.len()));
        if pos > self.pos {
            self.line += self.text[self.pos..pos]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.pos = pos;
        }
        self.line
    }
}

/// The attributes of an element, unescaped.
fn attributes(
    path: &Path,
    line: u64,
    tag: &BytesStart<'_>,
) -> Result<BTreeMap<String, String>, EvalError> {
    let mut attrs = BTreeMap::new();
    for attr in tag.attributes() {
        let attr = attr.map_err(|e| {
            EvalError::malformed(path, Some(line), format!("invalid attribute: {e}"))
        })?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| {
                EvalError::malformed(path, Some(line), format!("invalid attribute value: {e}"))
            })?;
        attrs.insert(attr.key.into_inner().to_owned(), value.into_owned());
    }
    Ok(attrs)
}

/// Reads a whole file as UTF-8; bad UTF-8 is reported as content, not I/O.
fn read_text(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            EvalError::malformed(path, None, "not valid utf-8")
        } else {
            EvalError::io(path, e)
        }
    })
}

/// Names of features that are cases or detections in some PAN corpus.
const CASE_NAMES: [&str; 5] = [
    "plagiarism",
    "detected-plagiarism",
    "artificial-plagiarism",
    "simulated-plagiarism",
    "translated-plagiarism",
];

/// All `<feature>` elements of a PAN XML file, in document order. What
/// looks like a case but cannot be one (another element than `<feature>`
/// inside a `<document>`, a feature without a name, a feature name that
/// looks like a misspelt case) is named in `warnings` with its file and
/// line: a misspelt element would otherwise lose its case silently.
pub(crate) fn read_features(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<Feature>, EvalError> {
    let content = read_text(path)?;
    let text = content.strip_prefix('\u{feff}').unwrap_or(&content);
    let mut reader = Reader::from_str(text);
    let mut lines = Lines::new(text);
    let mut document: Option<String> = None;
    let mut documents = 0usize;
    let mut features = Vec::new();
    loop {
        let start = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let line = lines.at(reader.error_position());
                return Err(EvalError::malformed(
                    path,
                    Some(line),
                    format!("invalid xml: {e}"),
                ));
            }
        };
        let (tag, opens) = match &event {
            Event::Start(tag) => (tag, true),
            Event::Empty(tag) => (tag, false),
            Event::End(tag) if tag.name().into_inner() == "document" => {
                document = None;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let line = lines.at(start);
        match tag.name().into_inner() {
            "document" => {
                let mut attrs = attributes(path, line, tag)?;
                let reference = attrs
                    .remove("reference")
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| {
                        EvalError::malformed(
                            path,
                            Some(line),
                            "<document> lacks the reference attribute",
                        )
                    })?;
                documents += 1;
                // `<document ... />` holds no feature.
                document = opens.then_some(reference);
            }
            "feature" => {
                let Some(doc) = &document else {
                    return Err(EvalError::malformed(
                        path,
                        Some(line),
                        "<feature> outside a <document> element",
                    ));
                };
                let attrs = attributes(path, line, tag)?;
                match attrs.get("name").map(String::as_str) {
                    None => warnings.push(format!(
                        "{}, line {line}: <feature> without a name attribute; ignored",
                        path.display()
                    )),
                    Some(n) if n.contains("plag") && !CASE_NAMES.contains(&n) => {
                        warnings.push(format!(
                            "{}, line {line}: feature name {n:?} is not one of {}; ignored",
                            path.display(),
                            CASE_NAMES.join(", ")
                        ));
                    }
                    Some(_) => {}
                }
                features.push(Feature {
                    document: doc.clone(),
                    line,
                    attrs,
                });
            }
            other if document.is_some() => warnings.push(format!(
                "{}, line {line}: <{}> inside a <document> is not a <feature> element; ignored",
                path.display(),
                other
            )),
            _ => {}
        }
    }
    if documents == 0 {
        return Err(EvalError::malformed(path, None, "no <document> element"));
    }
    Ok(features)
}

/// Entries of `dir`, sorted by name; `keep` filters them.
pub(crate) fn sorted_entries(
    dir: &Path,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, EvalError> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))? {
        let path = entry.map_err(|e| EvalError::io(dir, e))?.path();
        if keep(&path) {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

pub(crate) fn is_xml_file(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("xml"))
}
