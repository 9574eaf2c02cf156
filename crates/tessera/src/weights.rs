//! How much evidence of copying each token carries.
//!
//! Two sources of knowledge are combined. A prior: English function words
//! weigh 0.1, numbers 0.6, everything else 1. And what the index knows:
//! once it holds enough documents, a token found in a large share of them
//! (boilerplate, or the function words of any language) weighs
//! `ln(N / df) / ln(RARE)` — 1 for tokens in at most 1/`RARE` of the
//! documents, falling towards 0.05 for tokens in almost all. A smaller
//! corpus (20 to 199 documents) still teaches the function words of its
//! language: the tokens in at least 30% of its documents get the same
//! formula (at most ln(1/0.3)/ln(200) = 0.23, below an anchor's weight).
//! A token's weight is the smaller of the two.

use nohash_hasher::IntMap;
use tessera_index::Index;
use tessera_text::{NUMERIC, Tokens, is_stopword_hash};

/// Documents needed before frequencies are trusted over the prior.
const MIN_DOCS: u64 = 200;
/// A token in at most one document in `RARE` weighs fully.
const RARE: f64 = 200.0;
const FLOOR: f32 = 0.05;
/// Documents needed before the tokens found in a large share of them are
/// taken for function words (of any language) ...
const MIN_SMALL_DOCS: u64 = 20;
/// ... that is, the tokens in at least this share of them.
const SMALL_SHARE: f64 = 0.3;

/// Token weights for one index.
#[derive(Debug, Clone, Default)]
pub struct Weights {
    /// Learned weights of the frequent tokens (all others weigh 1).
    learned: IntMap<u64, f32>,
}

impl Weights {
    /// Weights from the prior only (no index, or a tiny one).
    pub fn prior_only() -> Weights {
        Weights::default()
    }

    /// Learns the frequent tokens of an index.
    pub fn from_index(index: &Index) -> Weights {
        let docs = index.num_docs();
        match Weights::frequent_min_df(docs) {
            Some(min_df) => Weights::from_frequent(docs, index.frequent_tokens(min_df)),
            None => Weights::prior_only(),
        }
    }

    /// The least document frequency of a token for its weight to be
    /// learned in a corpus of `docs` documents, or `None` when the corpus
    /// is too small for frequencies to be trusted.
    pub fn frequent_min_df(docs: u64) -> Option<u32> {
        if docs >= MIN_DOCS {
            Some(((docs as f64 / RARE).ceil() as u32).max(2))
        } else if docs >= MIN_SMALL_DOCS {
            // A small corpus still shows its language's function words:
            // the tokens found in a large share of its documents.
            Some((docs as f64 * SMALL_SHARE).ceil() as u32)
        } else {
            None
        }
    }

    /// Weights from the frequent tokens of a corpus of `docs` documents
    /// (token hash, document frequency; those of at least
    /// [`Weights::frequent_min_df`] documents), counted elsewhere (by a
    /// Spark job, say).
    pub fn from_frequent(docs: u64, frequent: impl IntoIterator<Item = (u64, u32)>) -> Weights {
        let learned = frequent
            .into_iter()
            .map(|(h, df)| {
                let idf = (docs as f64 / f64::from(df.max(1))).ln() / RARE.ln();
                (h, (idf as f32).clamp(FLOOR, 1.0))
            })
            .collect();
        Weights { learned }
    }

    /// Number of frequent tokens known.
    pub fn frequent_len(&self) -> usize {
        self.learned.len()
    }

    /// The weight of every token of `t`.
    pub fn of(&self, t: &Tokens) -> Vec<f32> {
        (0..t.len())
            .map(|i| {
                let tok = &t.tokens[i];
                let prior: f32 = if is_stopword_hash(tok.hash) {
                    0.1
                } else if tok.flags & NUMERIC != 0 {
                    0.6
                } else {
                    1.0
                };
                prior.min(self.learned.get(&tok.hash).copied().unwrap_or(1.0))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use tessera_text::{NormalizeOptions, tokenize};

    use super::Weights;
    use crate::{AddOptions, Collection};

    /// Nouns filling the frames of the small German corpus below.
    const NOUNS: [&str; 24] = [
        "Bürgermeister",
        "Hafen",
        "Bahnhof",
        "Gemeinderat",
        "Schule",
        "Brücke",
        "Museum",
        "Krankenhaus",
        "Feuerwehr",
        "Bibliothek",
        "Stadtwerke",
        "Kirche",
        "Marktplatz",
        "Polizei",
        "Verein",
        "Theater",
        "Flughafen",
        "Rathaus",
        "Bauern",
        "Händler",
        "Studenten",
        "Fischer",
        "Lehrer",
        "Ärzte",
    ];

    fn document(k: usize) -> String {
        let n = |i: usize| NOUNS[(k * 7 + i * 5) % NOUNS.len()];
        format!(
            "Der {} und die {} haben sich am Montag in der Stadt getroffen. \
             Es ging um die Zukunft von dem {} und um das Geld für die {}. \
             Nach dem Treffen sagte ein Sprecher, dass die {} mit dem Ergebnis zufrieden sei. \
             Die Gespräche mit den {} sollen im Herbst weitergehen.",
            n(0),
            n(1),
            n(2),
            n(3),
            n(4),
            n(5)
        )
    }

    const ORIGINAL: &str = "Die alte Seilbahn auf den Hausberg wird nach vierzig Jahren stillgelegt. \
        Der Betreiber begründete den Schritt mit den hohen Kosten für die Wartung der Kabinen und der Masten. \
        Eine neue Bahn soll frühestens in fünf Jahren gebaut werden, wenn das Land einen Zuschuss gewährt. \
        Wanderer müssen den Gipfel bis dahin zu Fuß erreichen, was etwa drei Stunden dauert. \
        Die Gastwirte auf dem Berg befürchten deshalb deutlich weniger Gäste im kommenden Sommer.";

    /// A small German corpus: the function words of a language tessera has
    /// no list for are learned from the documents, and a passage rewritten
    /// in the middle is found whole.
    #[test]
    fn a_small_corpus_teaches_its_function_words_and_a_rewritten_passage_is_found_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Collection::open_or_create(&dir.path().join("idx")).expect("collection");
        let mut records: Vec<serde_json::Value> = (0..40)
            .map(|k| serde_json::json!({"id": format!("d{k}"), "text": document(k)}))
            .collect();
        records.push(serde_json::json!({"id": "seilbahn", "text": ORIGINAL}));
        c.add_records(records, &AddOptions::default()).expect("add");
        let engine = c.engine();

        let w = Weights::from_index(engine.index());
        let t = tokenize("und die der Seilbahn", &NormalizeOptions::default());
        let weights = w.of(&t);
        assert!(
            weights[..3].iter().all(|&x| x < 0.3),
            "function words: {weights:?}"
        );
        assert_eq!(weights[3], 1.0, "a rare word keeps its full weight");

        // The first and the last two sentences lightly edited, the second
        // and third rewritten.
        let query = "Aus der Region. Die alte Seilbahn auf den Hausberg wird nach vierzig Jahren eingestellt. \
            Wegen der hohen Kosten für die Wartung von Masten und Kabinen gibt der Betreiber auf, hieß es. \
            Erst in fünf Jahren könnte eine neue Bahn entstehen, und nur mit einem Zuschuss vom Land. \
            Wanderer müssen den Gipfel bis dahin zu Fuß erreichen, was etwa drei Stunden dauert. \
            Die Gastwirte auf dem Berg befürchten deshalb deutlich weniger Gäste im kommenden Sommer.";
        let r = c.trace_text("q", None, query, None).expect("trace");
        assert_eq!(r.passages.len(), 1, "{:#?}", r.passages);
        let p = &r.passages[0];
        assert_eq!(p.source_id, "seilbahn");
        let found: String = query
            .chars()
            .skip(p.query_offset as usize)
            .take(p.query_length as usize)
            .collect();
        assert!(found.starts_with("Die alte Seilbahn"), "{found}");
        assert!(found.ends_with("im kommenden Sommer."), "{found}");
    }
}
