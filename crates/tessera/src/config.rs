//! Tuning of a trace: how candidates are found and passages aligned.

use tessera_align::AlignConfig;

/// Tuning of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceConfig {
    /// The aligner's settings.
    pub align: AlignConfig,
    /// Candidate sources aligned per article.
    pub max_candidates: usize,
    /// Least number of distinct n-grams a candidate must share.
    pub min_shared_ngrams: u32,
    /// N-grams found in more than this share of documents are ignored.
    pub max_df_ratio: f64,
    /// ... but never when found in at most this many documents.
    pub min_df_cap: u32,
    /// When not 0, a candidate needs `min_shared_ngrams` hits within some
    /// window of this many query tokens (not just in all).
    pub hit_window: u32,
    /// A passage whose query span overlaps a better passage by at least
    /// this share of its length is an alternative of that passage.
    pub alternative_overlap: f64,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            align: AlignConfig::default(),
            max_candidates: 40,
            min_shared_ngrams: 2,
            max_df_ratio: 0.01,
            min_df_cap: 50,
            hit_window: 24,
            alternative_overlap: 0.5,
        }
    }
}

impl TraceConfig {
    /// Sets one parameter by name (`max_candidates`, or any field of
    /// [`AlignConfig`] such as `min_score`), for experiments and tuning.
    pub fn set(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        fn p<T: std::str::FromStr>(key: &str, v: &str) -> std::result::Result<T, String> {
            v.parse().map_err(|_| format!("{key}: cannot use {v:?}"))
        }
        let a = &mut self.align;
        match key {
            "max_candidates" => self.max_candidates = p(key, value)?,
            "min_shared_ngrams" => self.min_shared_ngrams = p(key, value)?,
            "max_df_ratio" => self.max_df_ratio = p(key, value)?,
            "min_df_cap" => self.min_df_cap = p(key, value)?,
            "alternative_overlap" => self.alternative_overlap = p(key, value)?,
            "hit_window" => self.hit_window = p(key, value)?,
            "anchor_min_weight" => a.anchor_min_weight = p(key, value)?,
            "anchor_max_occurrences" => a.anchor_max_occurrences = p(key, value)?,
            "max_gap" => a.max_gap = p(key, value)?,
            "chain_skew_cost" => a.chain_skew_cost = p(key, value)?,
            "chain_gap_cost" => a.chain_gap_cost = p(key, value)?,
            "min_chain_weight" => a.min_chain_weight = p(key, value)?,
            "sub_cost" => a.sub_cost = p(key, value)?,
            "gap_open" => a.gap_open = p(key, value)?,
            "gap_extend" => a.gap_extend = p(key, value)?,
            "fuzzy_min_len" => a.fuzzy_min_len = p(key, value)?,
            "fuzzy_min_similarity" => a.fuzzy_min_similarity = p(key, value)?,
            "fuzzy_factor" => a.fuzzy_factor = p(key, value)?,
            "max_extension" => a.max_extension = p(key, value)?,
            "boundary_bonus" => a.boundary_bonus = p(key, value)?,
            "merge_gap" => a.merge_gap = p(key, value)?,
            "snap_tokens" => a.snap_tokens = p(key, value)?,
            "min_passage_weight" => a.min_passage_weight = p(key, value)?,
            "min_passage_tokens" => a.min_passage_tokens = p(key, value)?,
            "min_score" => a.min_score = p(key, value)?,
            "number_sub_penalty" => a.number_sub_penalty = p(key, value)?,
            "min_skeleton" => a.min_skeleton = p(key, value)?,
            "skeleton_exempt_score" => a.skeleton_exempt_score = p(key, value)?,
            "min_exact_trigrams" => a.min_exact_trigrams = p(key, value)?,
            "template_min_figures" => a.template_min_figures = p(key, value)?,
            "template_mismatch_share" => a.template_mismatch_share = p(key, value)?,
            _ => return Err(format!("unknown parameter {key:?}")),
        }
        Ok(())
    }
}
