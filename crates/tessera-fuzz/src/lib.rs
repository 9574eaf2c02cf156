//! Fuzz targets of tessera that run on the stable toolchain.
//!
//! Each target is a `fn(&[u8])` that feeds arbitrary bytes to one part of
//! tessera that reads untrusted input. A target may return errors (that is
//! what bad input is for) but must never panic, hang or crash:
//!
//! | target | what the bytes become |
//! |---|---|
//! | `jsonl` | a JSON Lines body read by [`tessera::ingest::read_jsonl_reader`] |
//! | `html` | an HTML page given to [`tessera::ingest::html::extract`] |
//! | `compressed` | a file read by [`tessera::ingest::read_input`]: gzip, zstd or plain, as JSON Lines, HTML or text |
//! | `index_open` | one file of a small committed index replaced (checksums optionally recomputed), then opened, read, recovered and traced |
//! | `http` | the bytes a client sends to a real `tessera serve` on 127.0.0.1 |
//!
//! The committed corpus (`corpus/<target>/`) holds the seeds and every
//! input that once failed. `cargo test -p tessera-fuzz` runs all of it plus
//! a bounded number of mutations (the short run); the `tessera-fuzz` binary
//! mutates the corpus for as long as it is asked to and saves any input
//! that panics or hangs into the corpus (the long run):
//!
//! ```sh
//! cargo run --release -p tessera-fuzz -- all --seconds 600
//! ```

mod http;
mod index;
mod mutate;
mod readers;

use std::path::PathBuf;

pub use http::answer_of;
pub use mutate::{MAX_LEN, Rng, mutate};

/// A fuzz target: bytes in, nothing out; it must not panic or hang.
pub type Target = fn(&[u8]);

/// Every target, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("jsonl", readers::jsonl),
    ("html", readers::html),
    ("compressed", readers::compressed),
    ("index_open", index::index_open),
    ("http", http::http),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Words the mutator inserts for a target, beside random bytes.
pub fn dictionary(name: &str) -> &'static [&'static [u8]] {
    match name {
        "jsonl" => readers::JSON_WORDS,
        "html" => readers::HTML_WORDS,
        "compressed" => readers::JSON_WORDS,
        "index_open" => index::WORDS,
        "http" => http::WORDS,
        _ => &[],
    }
}

/// The committed corpus folder of a target.
pub fn corpus_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name)
}

/// The inputs of a target's corpus, in name order.
pub fn corpus(name: &str) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(corpus_dir(name))? {
        let e = e?;
        if e.file_type()?.is_file() {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path())?,
            ));
        }
    }
    out.sort();
    Ok(out)
}

/// A name for an input that does not depend on where it was found.
pub fn input_name(prefix: &str, data: &[u8]) -> String {
    format!("{prefix}-{:08x}-{}", crc32fast::hash(data), data.len())
}
