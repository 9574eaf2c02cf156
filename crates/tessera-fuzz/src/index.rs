//! Opening an index folder one of whose files is hostile.
//!
//! The folder starts as the committed version-1 fixture of tessera-index
//! (two segments, two deletion files, a manifest; about 7 KB). The first
//! byte of the input picks the file the rest replaces, and whether the
//! checksums that would reveal the change are recomputed, so that the
//! checks behind them are reached too.

use std::path::Path;

use tessera::Collection;
use tessera_index::{Index, IndexWriter, WriterOptions, recover};

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tessera-index/tests/fixtures/v1/",
                $name
            )) as &[u8],
        )
    };
}

/// The fixture's files; the input replaces one of them.
pub(crate) const FILES: [(&str, &[u8]); 5] = [
    fixture!("MANIFEST"),
    fixture!("seg-000001.tseg"),
    fixture!("seg-000002.tseg"),
    fixture!("seg-000001.g000003.tdel"),
    fixture!("seg-000002.g000002.tdel"),
];

pub(crate) const WORDS: &[&[u8]] = &[
    b"TESSERA\0",
    b"SEGM",
    b"DELS",
    b"TSEGEND\0",
    b"TDELEND\0",
    b"\"../seg-000001.tseg\"",
    b"\"ngram\": 0",
    b"\"window\": 0",
    b"\"docs\": 4294967295",
    b"\"deleted\": 4294967295",
    b"4294967295",
    b"-1",
    b"null",
];

/// Bits of the first byte: bits 0–2 the file replaced (5–7: an extra,
/// unlisted segment file `seg-000003.tseg`), bit 3 recompute checksums,
/// bit 4 remove the manifest.
const FIX_CHECKSUMS: u8 = 8;
const NO_MANIFEST: u8 = 16;

pub(crate) fn index_open(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(tmp) = tempfile::tempdir() else {
        return;
    };
    // Nested, so that a manifest naming `../x` still points inside the
    // temporary folder.
    let dir = tmp.path().join("a").join("b").join("index");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let which = usize::from(mode & 7);
    let mut files: Vec<(String, Vec<u8>)> = FILES
        .iter()
        .map(|(n, b)| ((*n).to_string(), b.to_vec()))
        .collect();
    if which < files.len() {
        files[which].1 = rest.to_vec();
    } else {
        files.push(("seg-000003.tseg".into(), rest.to_vec()));
    }
    if mode & FIX_CHECKSUMS != 0 {
        fix_checksums(&mut files, which);
    }
    for (name, bytes) in &files {
        if name == "MANIFEST" && mode & NO_MANIFEST != 0 {
            continue;
        }
        if std::fs::write(dir.join(name), bytes).is_err() {
            return;
        }
    }
    read_everything(&dir);
    if let Ok(mut w) = IndexWriter::open(&dir, WriterOptions::default()) {
        let _ = w.delete(&["de-1".to_string()]);
        let _ = w.compact();
    }
    let _ = recover(&dir);
    read_everything(&dir);
}

/// Every read an index offers, on every live document; then a trace.
fn read_everything(dir: &Path) {
    let Ok(index) = Index::open(dir) else {
        return;
    };
    let _ = index.stats();
    let _ = index.frequent_tokens(1);
    let mut first = None;
    for addr in index.live_docs() {
        let id = index.id(addr).to_string();
        let _ = index.find(&id);
        let _ = index.text(addr);
        let _ = index.meta(addr);
        let _ = index.timestamp(addr);
        let _ = index.doc_sizes(addr);
        first.get_or_insert(id);
    }
    let mut hashes = Vec::new();
    let _ = index.for_each_fingerprint(|h, _| hashes.push(h));
    let mut out = Vec::new();
    for h in hashes.iter().take(64) {
        out.clear();
        let _ = index.postings(*h, &mut out);
        let _ = index.postings_capped(*h, 2, &mut out);
        let _ = index.fingerprint_df(*h);
        let _ = index.token_df(*h);
    }
    let _ = index.for_each_fingerprint_merged(4, |_, _, _| {});
    drop(index);
    if let (Some(id), Ok(c)) = (first, Collection::open(dir)) {
        let _ = c.trace_id(&id);
        let _ = c.trace_text("q", None, "Kerry met Putin in Moscow on Thursday.", None);
    }
}

/// Recomputes what would reveal a change to file `which`: the trailer
/// checksum of a segment or deletion file and the manifest's record of it,
/// or the manifest's own header.
fn fix_checksums(files: &mut [(String, Vec<u8>)], which: usize) {
    const TRAILER: usize = 16;
    if which != 0
        && let Some((name, b)) = files.get_mut(which)
        && b.len() >= TRAILER
    {
        let at = b.len() - TRAILER;
        let crc = crc32fast::hash(&b[..at]);
        b[at..at + 4].copy_from_slice(&crc.to_le_bytes());
        let (name, len) = (name.clone(), b.len());
        update_manifest(&mut files[0].1, &name, crc, len as u64);
    }
    let m = &mut files[0].1;
    if let Some(nl) = m.iter().position(|&b| b == b'\n') {
        let body = m[nl + 1..].to_vec();
        let head = String::from_utf8_lossy(&m[..nl]).into_owned();
        let words: Vec<&str> = head.split(' ').collect();
        let version = words.get(1).copied().unwrap_or("1");
        let mut out = format!(
            "tessera-index {version} {:08x} {}\n",
            crc32fast::hash(&body),
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        *m = out;
    }
}

/// Sets the checksum and size the manifest records for segment `name`.
fn update_manifest(manifest: &mut Vec<u8>, name: &str, crc: u32, len: u64) {
    let Some(nl) = manifest.iter().position(|&b| b == b'\n') else {
        return;
    };
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&manifest[nl + 1..]) else {
        return;
    };
    if let Some(segs) = v.get_mut("segments").and_then(|s| s.as_array_mut()) {
        for s in segs {
            if s.get("name").and_then(|n| n.as_str()) == Some(name) {
                s["crc32"] = crc.into();
                s["bytes"] = len.into();
            }
        }
    }
    if let Ok(body) = serde_json::to_vec_pretty(&v) {
        manifest.truncate(nl + 1);
        manifest.extend_from_slice(&body);
    }
}
