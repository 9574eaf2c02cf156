//! The settings of a scan: the trace's settings it aligns and searches
//! candidates with (one [`TraceConfig`], not a copy of its fields), and the
//! settings only a scan has (near-duplicates, clusters, memory, chunks).
//! [`ScanConfig::validated`] is the one place where settings a scan cannot
//! use are brought back into range.

use crate::engine::TraceConfig;

/// Tuning of a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanConfig {
    /// The aligner's and the candidate search's settings. In a scan,
    /// `min_df_cap` is the largest number of documents an n-gram may be
    /// found in to pair documents (bigrams found in more are boilerplate;
    /// syndicated copies are handled as near-duplicates), `max_df_ratio`
    /// is 0 (the cap does not grow with the corpus), `min_shared_ngrams`
    /// shared n-grams are needed within `hit_window` tokens of the later
    /// document, and `max_candidates` are aligned per document. Every
    /// source aligned with a passage is a pair of its own:
    /// `alternative_overlap` is infinite.
    pub trace: TraceConfig,
    /// A candidate is not aligned when all the n-grams it shares with the
    /// document lie in this many passages found with better candidates.
    pub max_sources_per_passage: u8,
    /// MinHash bands and rows per band.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Least exact Jaccard similarity of word 5-gram sets for a
    /// near-duplicate pair.
    pub neardup_jaccard: f64,
    /// Least number of documents of a reported reuse cluster.
    pub min_cluster_size: usize,
    /// A reuse cluster is boilerplate when at least this share of its
    /// documents comes from one outlet.
    pub boilerplate_share: f64,
    /// Memory for in-memory sorting before runs are spilled to disk.
    pub memory_budget: usize,
    /// Documents per checkpointed chunk of the pair stage.
    pub chunk_docs: usize,
    /// Keep the checkpoints (`out/.scan`) after a scan that finished; by
    /// default they are removed then (an interrupted scan always keeps
    /// them, to resume). Not part of the configuration's identity.
    pub keep_checkpoints: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            trace: TraceConfig {
                max_candidates: 20,
                min_shared_ngrams: 3,
                max_df_ratio: 0.0,
                min_df_cap: 64,
                hit_window: 32,
                alternative_overlap: f64::INFINITY,
                ..TraceConfig::default()
            },
            max_sources_per_passage: 3,
            bands: 42,
            rows: 3,
            neardup_jaccard: 0.5,
            min_cluster_size: 3,
            boilerplate_share: 0.8,
            memory_budget: 512 << 20,
            chunk_docs: 4096,
            keep_checkpoints: false,
        }
    }
}

impl ScanConfig {
    /// The settings as a scan uses them: the n-gram cap at least 2 (an
    /// n-gram of one document pairs nothing), at least one shared n-gram,
    /// one candidate, one document per chunk and reuse clusters of two
    /// documents; an absolute n-gram cap and no alternatives (see
    /// [`ScanConfig::trace`]).
    pub fn validated(&self) -> ScanConfig {
        let mut c = self.clone();
        let t = &mut c.trace;
        t.min_df_cap = t.min_df_cap.max(2);
        t.min_shared_ngrams = t.min_shared_ngrams.max(1);
        t.max_candidates = t.max_candidates.max(1);
        t.max_df_ratio = 0.0;
        t.alternative_overlap = f64::INFINITY;
        c.min_cluster_size = c.min_cluster_size.max(2);
        c.chunk_docs = c.chunk_docs.max(1);
        c
    }

    /// A fingerprint of the settings that change results, and of the
    /// tessera version (a checkpoint of another configuration or of
    /// another release is not reused).
    pub(super) fn key(&self) -> String {
        format!(
            "{}|{:?}|{}|{}|{}|{}|{}|{}|{}",
            env!("CARGO_PKG_VERSION"),
            self.trace,
            self.max_sources_per_passage,
            self.bands,
            self.rows,
            self.neardup_jaccard,
            self.min_cluster_size,
            self.boilerplate_share,
            self.chunk_docs
        )
    }
}
