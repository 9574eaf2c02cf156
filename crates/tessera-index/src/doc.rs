//! Documents, their metadata, and the analysis stored with them.

use serde::{Deserialize, Serialize};
use tessera_fingerprint::Fingerprinter;

use crate::keyed::{KeyedMix, dedup_in_order};
use tessera_text::{NormalizeOptions, Tokens, token_hashes, tokenize};

/// Everything about a document but its text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocMeta {
    /// Unique id within the index.
    pub id: String,
    /// Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Publishing outlet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// Address of the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication date as given (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The date as Unix seconds (UTC), when it could be read; orders
    /// sources by age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// Any other fields of the input record.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A document to index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Metadata, id included.
    pub meta: DocMeta,
    /// The full text; offsets refer to it.
    pub text: String,
}

/// Settings fixed when an index is created: how text is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSettings {
    /// Length of the fingerprinted word n-grams.
    pub ngram: u32,
    /// Winnowing window.
    pub window: u32,
    /// Whether diacritics are removed before hashing.
    pub fold_diacritics: bool,
    /// Whether texts are stored zstd-compressed: about 35% smaller on news
    /// articles, but indexing runs about half as fast.
    #[serde(default)]
    pub compress_text: bool,
}

impl Default for IndexSettings {
    fn default() -> Self {
        IndexSettings {
            ngram: 2,
            window: 3,
            fold_diacritics: true,
            compress_text: false,
        }
    }
}

/// What the index stores about a text besides the text itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// Distinct winnowed fingerprints, in the order they are first
    /// selected.
    pub fingerprints: Vec<u64>,
    /// The token hashes of the text, in order, repeats included (a segment
    /// counts each distinct token once per document).
    pub vocab: Vec<u64>,
    /// Number of tokens.
    pub token_count: u32,
    /// Length of the text in code points.
    pub char_len: u32,
}

/// Buffers an analysis reuses.
#[derive(Debug, Default)]
struct Scratch {
    fps: Vec<u64>,
    table: Vec<u64>,
    mix: KeyedMix,
}

/// Turns texts into tokens and fingerprints, consistently for one index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analyzer {
    opts: NormalizeOptions,
    fp: Fingerprinter,
    compress: bool,
}

impl Analyzer {
    /// The analyzer of an index with these settings.
    pub fn new(settings: &IndexSettings) -> Self {
        Analyzer {
            opts: NormalizeOptions {
                fold_diacritics: settings.fold_diacritics,
            },
            fp: Fingerprinter::new(
                settings.ngram.max(1) as usize,
                settings.window.max(1) as usize,
            ),
            compress: settings.compress_text,
        }
    }
    /// Tokenizes a text.
    pub fn tokenize(&self, text: &str) -> Tokens {
        tokenize(text, &self.opts)
    }
    /// The fingerprinter.
    pub fn fingerprinter(&self) -> &Fingerprinter {
        &self.fp
    }
    /// Analyses a tokenized text.
    pub fn analyze_tokens(&self, tokens: &Tokens) -> Analysis {
        self.analysis_of(&tokens.hashes(), &mut Scratch::default(), tokens.char_len)
    }
    /// Analyses a text (the same result as tokenizing it and calling
    /// [`Analyzer::analyze_tokens`], faster: only token hashes are made, in
    /// buffers kept by the thread).
    pub fn analyze(&self, text: &str) -> Analysis {
        thread_local! {
            static SCRATCH: std::cell::RefCell<(Vec<u64>, Scratch)> =
                std::cell::RefCell::new((Vec::new(), Scratch::default()));
        }
        SCRATCH.with(|s| {
            let (hashes, scratch) = &mut *s.borrow_mut();
            hashes.clear();
            let char_len = token_hashes(text, &self.opts, hashes);
            self.analysis_of(hashes, scratch, char_len)
        })
    }
    /// The analysis of a text's token hashes.
    fn analysis_of(&self, hashes: &[u64], s: &mut Scratch, char_len: u32) -> Analysis {
        self.fp.winnowed_into(hashes, &mut s.fps);
        let token_count = hashes.len() as u32;
        dedup_in_order(&mut s.fps, &mut s.table, &s.mix);
        Analysis {
            fingerprints: s.fps.clone(),
            vocab: hashes.to_vec(),
            token_count,
            char_len,
        }
    }
    /// Analyses a document and readies it for an index writer (pure CPU
    /// work, safe to run on many threads).
    pub fn prepare(&self, doc: &Document) -> crate::Result<crate::PreparedDoc> {
        crate::PreparedDoc::new(doc, self.analyze(&doc.text), self.compress)
    }
    /// Like [`Analyzer::prepare`], consuming the document (no copy of its
    /// text).
    pub fn prepare_owned(&self, doc: Document) -> crate::Result<crate::PreparedDoc> {
        let analysis = self.analyze(&doc.text);
        crate::PreparedDoc::from_owned(doc, analysis, self.compress)
    }
}
