//! Reading articles from JSON Lines, text and HTML files, compressed or not,
//! folders of them, and standard input.
//!
//! Readers stream: one record at a time reaches the caller's sink, so a
//! corpus larger than memory can be ingested. A bad record never stops the
//! reading; it reaches the sink as [`Item::Skipped`] with the file, line and
//! reason, so the caller can count and report it. Only an input that cannot
//! be opened at all is an error.
//!
//! | input | how it is read |
//! |---|---|
//! | `.jsonl`, `.ndjson` | one JSON object per line |
//! | `.json` | a JSON array of objects, or JSON Lines |
//! | `.txt`, `.text` | one document per file; id = path relative to the folder given |
//! | `.html`, `.htm`, `.xhtml` | main text extracted ([`html`]) |
//! | `.gz`, `.zst` | decompressed, then by the inner extension |
//! | `-` | standard input, JSON Lines unless a format is forced |

pub mod html;
mod indexer;
mod parquet;
mod run;

pub use indexer::{Indexer, IngestReport, MAX_SKIPPED_KEPT, reason_kind};
pub use run::{ingest_files, ingest_jsonl, ingest_paths};

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use tessera_index::{DocMeta, Document};

use crate::date::parse_timestamp;
use crate::error::{Error, Result};

/// Names of the JSON fields that carry each part of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNames {
    /// Unique id (a string or a number).
    pub id: String,
    /// The text.
    pub text: String,
    /// Headline.
    pub title: String,
    /// Outlet.
    pub outlet: String,
    /// Address.
    pub url: String,
    /// Publication date (ISO 8601).
    pub date: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            id: "id".into(),
            text: "text".into(),
            title: "title".into(),
            outlet: "outlet".into(),
            url: "url".into(),
            date: "date".into(),
        }
    }
}

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON object per line (or a JSON array of objects).
    Jsonl,
    /// The whole file is one document.
    Text,
    /// An HTML page; its main text is one document.
    Html,
    /// A Parquet file of records with the fields of JSON Lines (read a
    /// batch of rows at a time).
    Parquet,
}

/// How input bytes are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 only; anything else is a skipped record.
    #[default]
    Utf8,
    /// Windows-1252 (a superset of Latin-1), for legacy text files.
    Windows1252,
    /// UTF-8 when the bytes are valid UTF-8, Windows-1252 otherwise (the
    /// documents decoded so are counted in the report).
    Auto,
}

/// Options for reading inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOptions {
    /// JSON field names.
    pub fields: FieldNames,
    /// Largest accepted text, in bytes; larger documents are skipped.
    pub max_doc_bytes: usize,
    /// Read every file in this format instead of guessing from its name.
    pub format: Option<InputFormat>,
    /// How bytes are decoded.
    pub encoding: Encoding,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            fields: FieldNames::default(),
            max_doc_bytes: 16 << 20,
            format: None,
            encoding: Encoding::Utf8,
        }
    }
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The file (`<stdin>` for standard input).
    pub file: String,
    /// The line of JSON Lines, the row (from 1) of Parquet.
    pub line: Option<u64>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

/// A record that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Where it is.
    pub location: Location,
    /// Its id, when it could be read.
    pub id: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}: document {id:?}: {}", self.location, self.reason),
            None => write!(f, "{}: {}", self.location, self.reason),
        }
    }
}

/// One record read from an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A usable document.
    Doc {
        /// The document.
        doc: Document,
        /// Where it came from.
        location: Location,
        /// The legacy encoding it was decoded from, when not UTF-8.
        decoded_from: Option<&'static str>,
    },
    /// A record that cannot be used.
    Skipped(Skipped),
}

/// One input to read: a file (with the id base for text and HTML files) or
/// standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file, or `None` for standard input.
    pub path: Option<PathBuf>,
    /// Document id of a text or HTML file: its path relative to the folder
    /// that was named, or its file name.
    pub id: String,
    /// Size in bytes, when known.
    pub size: Option<u64>,
}

impl InputFile {
    /// How the file is shown in messages.
    pub fn display(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "<stdin>".into(),
        }
    }
}

const COMPRESSED: &[&str] = &["gz", "zst", "zstd"];

/// The format a file name implies (looking through `.gz`/`.zst`).
pub fn format_of(path: &Path) -> Option<InputFormat> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let mut parts: Vec<&str> = name.split('.').collect();
    if parts.len() < 2 {
        return None;
    }
    if COMPRESSED.contains(parts.last()?) {
        parts.pop();
        if parts.len() < 2 {
            return None;
        }
    }
    match *parts.last()? {
        "jsonl" | "ndjson" | "json" => Some(InputFormat::Jsonl),
        "txt" | "text" => Some(InputFormat::Text),
        "html" | "htm" | "xhtml" => Some(InputFormat::Html),
        "parquet" | "parq" => Some(InputFormat::Parquet),
        _ => None,
    }
}

fn strip_compression(name: &str) -> &str {
    for ext in COMPRESSED {
        if let Some(stem) = name.strip_suffix(&format!(".{ext}")) {
            return stem;
        }
    }
    name
}

/// Expands the named paths (`-` is standard input) into input files:
/// folders are walked recursively in name order, leaving out names that
/// start with `.` or `_` (Spark's `_SUCCESS` and checksum files). Files in folders whose
/// format is unknown are returned in the second list (to be reported as
/// skipped). A named path that does not exist is an error.
pub fn expand_inputs(
    paths: &[PathBuf],
    forced: Option<InputFormat>,
) -> Result<(Vec<InputFile>, Vec<Skipped>)> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(InputFile {
                path: None,
                id: "stdin".into(),
                size: None,
            });
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            walk(p, p, forced, &mut files, &mut skipped)?;
        } else {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(InputFile {
                path: Some(p.clone()),
                id: strip_compression(&name).to_string(),
                size: Some(meta.len()),
            });
        }
    }
    Ok((files, skipped))
}

fn walk(
    root: &Path,
    dir: &Path,
    forced: Option<InputFormat>,
    files: &mut Vec<InputFile>,
    skipped: &mut Vec<Skipped>,
) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        // Names starting with `.` or `_` are not data, by the convention
        // Spark and Hadoop follow (`_SUCCESS`, `.part-0.parquet.crc`,
        // `_temporary/`, `.git/`).
        if e.file_name().to_string_lossy().starts_with(['.', '_']) {
            continue;
        }
        let path = e.path();
        let ft = e.file_type().map_err(|err| Error::io(&path, err))?;
        if ft.is_dir() {
            walk(root, &path, forced, files, skipped)?;
            continue;
        }
        if forced.is_none() && format_of(&path).is_none() {
            skipped.push(Skipped {
                location: Location {
                    file: path.display().to_string(),
                    line: None,
                },
                id: None,
                reason:
                    "not a .jsonl, .json, .txt, .html or .parquet file (or one of the first four compressed)"
                        .into(),
            });
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let id = strip_compression(&rel.join("/")).to_string();
        let size = std::fs::metadata(&path).ok().map(|m| m.len());
        files.push(InputFile {
            path: Some(path),
            id,
            size,
        });
    }
    Ok(())
}

/// Counts bytes as they are read, for progress reports.
struct Counting<'a, R> {
    inner: R,
    progress: &'a dyn Fn(u64),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// Opens an input, decompressing gzip and zstd (recognised by their magic
/// numbers, whatever the file name). `progress` receives the number of raw
/// bytes read.
fn open<'a>(input: &InputFile, progress: &'a dyn Fn(u64)) -> Result<Box<dyn BufRead + 'a>> {
    let raw: Box<dyn Read> = match &input.path {
        Some(p) => Box::new(File::open(p).map_err(|e| Error::io(p, e))?),
        None => Box::new(std::io::stdin()),
    };
    let mut buffered = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: raw,
            progress,
        },
    );
    let head = buffered
        .fill_buf()
        .map_err(|e| Error::io(input.display(), e))?;
    let out: Box<dyn BufRead + 'a> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(buffered),
        ))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let d = zstd::stream::read::Decoder::with_buffer(buffered)
            .map_err(|e| Error::io(input.display(), e))?;
        Box::new(BufReader::with_capacity(1 << 16, d))
    } else {
        Box::new(buffered)
    };
    Ok(out)
}

/// Reads one input, passing every record to `sink` in order.
pub fn read_input(
    input: &InputFile,
    opts: &IngestOptions,
    progress: &dyn Fn(u64),
    sink: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    let format = opts
        .format
        .or_else(|| input.path.as_deref().and_then(format_of));
    let format = match (format, &input.path) {
        (Some(f), _) => f,
        (None, None) => InputFormat::Jsonl,
        (None, Some(_)) => sniff(input)?,
    };
    if format == InputFormat::Parquet {
        return parquet::read_parquet(input, opts, progress, sink);
    }
    let reader = open(input, progress)?;
    match format {
        InputFormat::Jsonl => read_jsonl(input, reader, opts, sink),
        InputFormat::Text | InputFormat::Html => read_whole(input, reader, format, opts, sink),
        InputFormat::Parquet => unreachable!("read above"),
    }
}

/// Reads JSON Lines from any reader (an HTTP request body, a buffer);
/// `name` stands for the input in locations of skipped records.
pub fn read_jsonl_reader(
    name: &str,
    reader: impl BufRead,
    opts: &IngestOptions,
    sink: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    read_jsonl_named(name.to_string(), Box::new(reader), opts, sink)
}

/// Guesses the format of a file with an unknown extension from its first
/// bytes: `PAR1` is Parquet, `{` or `[` is JSON, `<` is HTML, anything
/// else text.
fn sniff(input: &InputFile) -> Result<InputFormat> {
    let noop = |_: u64| {};
    let mut r = open(input, &noop)?;
    let head = r.fill_buf().map_err(|e| Error::io(input.display(), e))?;
    if head.starts_with(parquet::MAGIC) {
        return Ok(InputFormat::Parquet);
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    Ok(match first {
        Some(b'{') | Some(b'[') => InputFormat::Jsonl,
        Some(b'<') => InputFormat::Html,
        _ => InputFormat::Text,
    })
}

enum Line {
    Eof,
    Complete,
    TooLong(usize),
}

/// Reads a line into `buf` unless it is longer than `limit` bytes, in which
/// case the line is consumed and only its length reported.
fn read_line_limited(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Line> {
    buf.clear();
    let mut total = 0usize;
    let mut too_long = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(if total == 0 {
                Line::Eof
            } else if too_long {
                Line::TooLong(total)
            } else {
                Line::Complete
            });
        }
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        total += take;
        if !too_long {
            if buf.len() + take > limit {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        r.consume(take);
        if done {
            return Ok(if too_long {
                Line::TooLong(total)
            } else {
                Line::Complete
            });
        }
    }
}

/// A line as read, before parsing.
enum RawLine {
    Bytes(Vec<u8>),
    TooLong(usize),
}

/// Parses one line of JSON Lines into an item (`None` for a blank line).
fn parse_line(raw: RawLine, location: Location, opts: &IngestOptions) -> Option<Item> {
    let skip = |reason: String| {
        Some(Item::Skipped(Skipped {
            location: location.clone(),
            id: None,
            reason,
        }))
    };
    let bytes = match raw {
        RawLine::TooLong(n) => {
            return skip(format!(
                "line of {} is larger than the limit of {} per document",
                human(n as u64),
                human(opts.max_doc_bytes as u64)
            ));
        }
        RawLine::Bytes(b) => b,
    };
    let (decoded, legacy) = match decode(bytes, opts.encoding) {
        Ok(d) => d,
        Err((_, at)) => {
            return skip(format!(
                "invalid UTF-8 at byte {} of the line (see --input-encoding)",
                at + 1
            ));
        }
    };
    let line = decoded.trim();
    if line.is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(line) {
        Ok(v) => Some(match record_to_item(v, location, opts) {
            Item::Doc { doc, location, .. } => Item::Doc {
                doc,
                location,
                decoded_from: legacy,
            },
            skipped => skipped,
        }),
        Err(e) => skip(format!("malformed JSON: {e}")),
    }
}

/// Lines parsed together on all cores; items still reach the sink in order.
const PARSE_BATCH_LINES: usize = 128;
const PARSE_BATCH_BYTES: usize = 1 << 20;

fn read_jsonl(
    input: &InputFile,
    reader: Box<dyn BufRead + '_>,
    opts: &IngestOptions,
    sink: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    read_jsonl_named(input.display(), reader, opts, sink)
}

fn read_jsonl_named(
    file: String,
    mut reader: Box<dyn BufRead + '_>,
    opts: &IngestOptions,
    sink: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    use rayon::prelude::*;
    // JSON escapes can double a text's size; allow for that and metadata.
    let limit = opts.max_doc_bytes.saturating_mul(2).saturating_add(1 << 20);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut first_seen = false;
    let mut batch: Vec<(u64, RawLine)> = Vec::new();
    let mut batch_bytes = 0usize;
    let flush =
        |batch: &mut Vec<(u64, RawLine)>, sink: &mut dyn FnMut(Item) -> Result<()>| -> Result<()> {
            let items: Vec<Option<Item>> = std::mem::take(batch)
                .into_par_iter()
                .map(|(n, raw)| {
                    let location = Location {
                        file: file.clone(),
                        line: Some(n),
                    };
                    parse_line(raw, location, opts)
                })
                .collect();
            for item in items.into_iter().flatten() {
                sink(item)?;
            }
            Ok(())
        };
    loop {
        let read =
            read_line_limited(&mut *reader, &mut buf, limit).map_err(|e| Error::io(&file, e))?;
        line_no += 1;
        let raw = match read {
            Line::Eof => break,
            Line::TooLong(n) => RawLine::TooLong(n),
            Line::Complete => {
                // A byte-order mark opening the input is not part of the JSON.
                if line_no == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                    buf.drain(..3);
                }
                if !first_seen && !buf.iter().all(u8::is_ascii_whitespace) {
                    first_seen = true;
                    if buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                        // A JSON array: read the rest of the input and parse it whole.
                        let mut rest = std::mem::take(&mut buf);
                        reader
                            .read_to_end(&mut rest)
                            .map_err(|e| Error::io(&file, e))?;
                        return read_json_array(&file, &rest, opts, sink);
                    }
                }
                batch_bytes += buf.len();
                RawLine::Bytes(std::mem::take(&mut buf))
            }
        };
        batch.push((line_no, raw));
        if batch.len() >= PARSE_BATCH_LINES || batch_bytes >= PARSE_BATCH_BYTES {
            flush(&mut batch, sink)?;
            batch_bytes = 0;
        }
    }
    flush(&mut batch, sink)
}

fn read_json_array(
    file: &str,
    bytes: &[u8],
    opts: &IngestOptions,
    sink: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    let values: Vec<Value> = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return sink(Item::Skipped(Skipped {
                location: Location {
                    file: file.to_string(),
                    line: Some(e.line() as u64),
                },
                id: None,
                reason: format!("malformed JSON array: {e}"),
            }));
        }
    };
    for (k, v) in values.into_iter().enumerate() {
        let location = Location {
            file: format!("{file} [element {}]", k + 1),
            line: None,
        };
        sink(record_to_item(v, location, opts))?;
    }
    Ok(())
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks a text against the limits every document must meet.
fn check_text(text: &str, opts: &IngestOptions) -> Option<String> {
    if text.len() > opts.max_doc_bytes {
        return Some(format!(
            "text of {} is larger than the limit of {} per document",
            human(text.len() as u64),
            human(opts.max_doc_bytes as u64)
        ));
    }
    if text.contains('\0') {
        return Some("text contains NUL characters (binary data?)".into());
    }
    if text.trim().is_empty() {
        return Some("empty text".into());
    }
    None
}

/// Decoded text and the legacy encoding it came from, if any.
type Decoded = (String, Option<&'static str>);

/// Decodes input bytes as the options say, or returns them with the
/// position of the first invalid byte.
fn decode(bytes: Vec<u8>, encoding: Encoding) -> std::result::Result<Decoded, (Vec<u8>, usize)> {
    let legacy = |b: &[u8]| {
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(b);
        text.into_owned()
    };
    match encoding {
        Encoding::Windows1252 => Ok((legacy(&bytes), Some("windows-1252"))),
        Encoding::Utf8 | Encoding::Auto => match String::from_utf8(bytes) {
            Ok(s) => Ok((s, None)),
            Err(e) if encoding == Encoding::Auto => {
                Ok((legacy(e.as_bytes()), Some("windows-1252")))
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                Err((e.into_bytes(), at))
            }
        },
    }
}

/// Turns one JSON record into a document, or the reason it cannot be one.
pub fn record_to_item(value: Value, location: Location, opts: &IngestOptions) -> Item {
    let f = &opts.fields;
    let skip = |reason: String, id: Option<String>| {
        Item::Skipped(Skipped {
            location: location.clone(),
            id,
            reason,
        })
    };
    let Value::Object(mut obj) = value else {
        return skip("not a JSON object".into(), None);
    };
    let id = match obj.remove(&f.id) {
        None | Some(Value::Null) => return skip(format!("missing id (field {:?})", f.id), None),
        Some(v) => match scalar_string(&v) {
            Some(s) if !s.trim().is_empty() => s,
            Some(_) => return skip("empty id".into(), None),
            None => {
                return skip(
                    format!("id (field {:?}) is not a string or number", f.id),
                    None,
                );
            }
        },
    };
    let text = match obj.remove(&f.text) {
        None | Some(Value::Null) => {
            return skip(format!("missing text (field {:?})", f.text), Some(id));
        }
        Some(Value::String(s)) => s,
        Some(_) => {
            return skip(
                format!("text (field {:?}) is not a string", f.text),
                Some(id),
            );
        }
    };
    if let Some(reason) = check_text(&text, opts) {
        return skip(reason, Some(id));
    }
    let take = |name: &str, obj: &mut Map<String, Value>| {
        obj.remove(name).as_ref().and_then(scalar_string)
    };
    let title = take(&f.title, &mut obj);
    let outlet = take(&f.outlet, &mut obj);
    let url = take(&f.url, &mut obj);
    let date = take(&f.date, &mut obj);
    let timestamp = date.as_deref().and_then(parse_timestamp);
    Item::Doc {
        doc: Document {
            meta: DocMeta {
                id,
                title,
                outlet,
                url,
                date,
                timestamp,
                extra: obj,
            },
            text,
        },
        location,
        decoded_from: None,
    }
}

fn read_whole(
    input: &InputFile,
    mut reader: Box<dyn BufRead + '_>,
    format: InputFormat,
    opts: &IngestOptions,
    sink: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    let file = input.display();
    let location = Location {
        file: file.clone(),
        line: None,
    };
    let skip = |reason: String| {
        Item::Skipped(Skipped {
            location: location.clone(),
            id: Some(input.id.clone()),
            reason,
        })
    };
    // HTML carries markup around the text: allow for it.
    let limit = match format {
        InputFormat::Html => opts.max_doc_bytes.saturating_mul(4),
        _ => opts.max_doc_bytes,
    };
    let mut bytes = Vec::new();
    (&mut reader)
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(&file, e))?;
    if bytes.len() > limit {
        let mut rest = 0u64;
        let total =
            std::io::copy(&mut reader, &mut std::io::sink()).map(|n| n + bytes.len() as u64);
        if let Ok(t) = total {
            rest = t;
        }
        return sink(skip(format!(
            "file of {} is larger than the limit of {} per document",
            human(rest),
            human(limit as u64)
        )));
    }
    let (text, legacy) = match decode(bytes, opts.encoding) {
        Ok(d) => d,
        Err((bytes, at)) => {
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            return sink(skip(format!(
                "invalid UTF-8 on line {line} (byte {}; see --input-encoding)",
                at + 1
            )));
        }
    };
    let (text, title, url, date, outlet) = match format {
        InputFormat::Html => {
            let h = html::extract(&text);
            (h.text, h.title, h.url, h.date, h.outlet)
        }
        _ => {
            let title = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .filter(|l| l.chars().count() <= 200)
                .map(str::to_string);
            (text, title, None, None, None)
        }
    };
    if let Some(reason) = check_text(&text, opts) {
        return sink(skip(reason));
    }
    let timestamp = date.as_deref().and_then(parse_timestamp);
    sink(Item::Doc {
        doc: Document {
            meta: DocMeta {
                id: input.id.clone(),
                title,
                outlet,
                url,
                date,
                timestamp,
                extra: Map::new(),
            },
            text,
        },
        location,
        decoded_from: legacy,
    })
}

#[cfg(test)]
mod tests;
