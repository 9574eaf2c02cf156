//! The ingest readers: JSON Lines, HTML, and files that may be compressed.

use std::cell::RefCell;
use std::io::Write;

use tessera::ingest::{self, Encoding, IngestOptions, InputFile, InputFormat, Item};

pub(crate) const JSON_WORDS: &[&[u8]] = &[
    b"{\"id\": \"a\", \"text\": \"Kerry met Putin in Moscow.\"}\n",
    b"\"id\":",
    b"\"text\":",
    b"\"title\":",
    b"\"date\":",
    b"\"url\":",
    b"\"2014-03-01T10:00:00Z\"",
    b"null",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\\u0000",
    b"\\ud800",
    b"\xEF\xBB\xBF",
    b"1e999",
    b"\r\n",
];

pub(crate) const HTML_WORDS: &[&[u8]] = &[
    b"<article>",
    b"</article>",
    b"<p>",
    b"</p>",
    b"<script type=\"application/ld+json\">{\"datePublished\": \"2014-03-01\"}</script>",
    b"<meta property=\"og:title\" content=\"x\">",
    b"<meta name=\"date\" content=\"2014-03-01\">",
    b"<link rel=\"canonical\" href=\"https://example.com/a\">",
    b"<div class=\"nav menu\">",
    b"</div>",
    b"<h1>",
    b"<br>",
    b"<!--",
    b"-->",
    b"&amp;",
    b"&#x0;",
    b"<![CDATA[",
    b"<template>",
    b"<svg>",
];

/// Small limits, so that the skip paths are reached by small inputs.
fn options(encoding: Encoding, format: Option<InputFormat>) -> IngestOptions {
    IngestOptions {
        max_doc_bytes: 4096,
        format,
        encoding,
        ..IngestOptions::default()
    }
}

fn check(item: &Item) {
    if let Item::Doc { doc, .. } = item {
        // What reaches the index must be what the reader promised.
        assert!(!doc.meta.id.is_empty(), "a document without an id");
    }
}

/// JSON Lines (or a JSON array) from a byte buffer, in every encoding.
pub(crate) fn jsonl(data: &[u8]) {
    for encoding in [Encoding::Utf8, Encoding::Auto] {
        let opts = options(encoding, None);
        let mut sink = |item: Item| {
            check(&item);
            Ok(())
        };
        let _ = ingest::read_jsonl_reader("fuzz", data, &opts, &mut sink);
    }
}

/// The main text and metadata of an HTML page.
pub(crate) fn html(data: &[u8]) {
    let page = String::from_utf8_lossy(data);
    let _ = ingest::html::extract(&page);
}

thread_local! {
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// A file read by `read_input`. The first byte says how the rest is
/// stored and read:
///
/// * bits 0–2: 0 as is, 1 gzip-compressed, 2 zstd-compressed, 3 gzip magic
///   put in front, 4 zstd magic put in front, else as is;
/// * bits 3–4: 0 JSON Lines, 1 HTML, 2 text, 3 guessed from the content;
/// * bit 5: Windows-1252 fallback.
pub(crate) fn compressed(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = match mode & 7 {
        1 => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let _ = e.write_all(rest);
            e.finish().unwrap_or_default()
        }
        2 => zstd::encode_all(rest, 1).unwrap_or_default(),
        3 => [&[0x1f, 0x8b][..], rest].concat(),
        4 => [&[0x28, 0xb5, 0x2f, 0xfd][..], rest].concat(),
        _ => rest.to_vec(),
    };
    let format = match (mode >> 3) & 3 {
        0 => Some(InputFormat::Jsonl),
        1 => Some(InputFormat::Html),
        2 => Some(InputFormat::Text),
        _ => None,
    };
    let encoding = if mode & 32 != 0 {
        Encoding::Auto
    } else {
        Encoding::Utf8
    };
    DIR.with(|d| {
        let mut d = d.borrow_mut();
        if d.is_none() {
            *d = tempfile::tempdir().ok();
        }
        let Some(dir) = d.as_ref() else {
            return;
        };
        // No known extension: the format is forced or guessed, the
        // compression recognised by its magic number.
        let path = dir.path().join("input.bin");
        if std::fs::write(&path, &bytes).is_err() {
            return;
        }
        let input = InputFile {
            path: Some(path),
            id: "input".into(),
            size: Some(bytes.len() as u64),
        };
        let opts = options(encoding, format);
        let mut sink = |item: Item| {
            check(&item);
            Ok(())
        };
        let _ = ingest::read_input(&input, &opts, &|_| {}, &mut sink);
    });
}
