//! Tuning of a trace: how candidates are found and passages aligned.

use tessera_align::AlignConfig;

/// Tuning of a trace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// An n-gram found in more than this many documents (and at most the
    /// cap above) counts only for documents that share a rarer n-gram with
    /// the article: it adds to their evidence but makes no candidate on
    /// its own. This keeps a trace's work nearly flat as the index grows.
    #[serde(default = "default_full_df_cap")]
    pub full_df_cap: u32,
    /// When not 0, a candidate needs `min_shared_ngrams` hits within some
    /// window of this many query tokens (not just in all).
    pub hit_window: u32,
    /// A passage whose query span overlaps a better passage by at least
    /// this share of its length is an alternative of that passage.
    pub alternative_overlap: f64,
    /// When the query's date is known, documents dated after it are never
    /// its sources; up to this many of them that share passages with it
    /// are aligned and listed apart as later copies (0: none).
    #[serde(default = "default_max_later_copies")]
    pub max_later_copies: usize,
}

fn default_max_later_copies() -> usize {
    10
}

fn default_full_df_cap() -> u32 {
    1000
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            align: AlignConfig::default(),
            max_candidates: 40,
            min_shared_ngrams: 2,
            max_df_ratio: 0.01,
            min_df_cap: 50,
            full_df_cap: default_full_df_cap(),
            hit_window: 24,
            alternative_overlap: 0.5,
            max_later_copies: default_max_later_copies(),
        }
    }
}

impl TraceConfig {
    /// Sets one parameter by name (`max_candidates`, or any field of
    /// [`AlignConfig`] such as `min_score`), for experiments and tuning.
    /// The value is read as the parameter's type; an unknown name is
    /// refused with the list of known ones.
    pub fn set(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        let mut tree = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
        let slot = match tree.get(key) {
            Some(v) if !v.is_object() => tree.get_mut(key),
            _ => tree.get_mut("align").and_then(|a| a.get_mut(key)),
        };
        let Some(slot) = slot else {
            return Err(format!(
                "unknown parameter {key:?} (known: {})",
                TraceConfig::keys().join(", ")
            ));
        };
        let parsed: serde_json::Value =
            serde_json::from_str(value).map_err(|_| format!("{key}: cannot use {value:?}"))?;
        *slot = parsed;
        *self = serde_json::from_value(tree).map_err(|_| format!("{key}: cannot use {value:?}"))?;
        Ok(())
    }

    /// The names [`TraceConfig::set`] accepts.
    pub fn keys() -> Vec<String> {
        let tree = serde_json::to_value(TraceConfig::default()).unwrap_or_default();
        let mut keys = Vec::new();
        if let Some(top) = tree.as_object() {
            for (k, v) in top {
                match v.as_object() {
                    Some(inner) => keys.extend(inner.keys().cloned()),
                    None => keys.push(k.clone()),
                }
            }
        }
        keys.sort();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_set_by_name() {
        let mut c = TraceConfig::default();
        c.set("max_candidates", "80").expect("set");
        c.set("min_score", "0.5").expect("set");
        c.set("fuzzy_min_len", "6").expect("set");
        assert_eq!(c.max_candidates, 80);
        assert_eq!(c.align.min_score, 0.5);
        assert_eq!(c.align.fuzzy_min_len, 6);
        let e = c.set("min_scor", "0.5").expect_err("unknown");
        assert!(
            e.contains("min_score") && e.contains("max_candidates"),
            "{e}"
        );
        let e = c.set("max_candidates", "many").expect_err("not a number");
        assert!(e.contains("max_candidates"), "{e}");
        let e = c.set("max_candidates", "-3").expect_err("negative");
        assert!(e.contains("max_candidates"), "{e}");
        // Every key listed can be set to its own value.
        let d = TraceConfig::default();
        let tree = serde_json::to_value(&d).expect("json");
        for k in TraceConfig::keys() {
            let v = tree.get(&k).or_else(|| tree["align"].get(&k)).expect("key");
            let mut c = TraceConfig::default();
            c.set(&k, &v.to_string()).expect("set");
            assert_eq!(c, d, "{k}");
        }
        assert!(TraceConfig::keys().len() >= 30);
    }
}
