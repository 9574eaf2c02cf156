use super::*;
use proptest::prelude::*;
use tessera_text::{NormalizeOptions, tokenize};

fn run(q: &str, s: &str) -> (Tokens, Tokens, Vec<Passage>) {
    let opts = NormalizeOptions::default();
    let (qt, st) = (tokenize(q, &opts), tokenize(s, &opts));
    let (wq, ws) = (prior(&qt), prior(&st));
    let p = align(
        Side::new(&qt, &wq),
        Side::new(&st, &ws),
        &AlignConfig::default(),
    );
    (qt, st, p)
}

fn prior(t: &Tokens) -> Vec<f32> {
    (0..t.len())
        .map(|i| {
            if tessera_text::is_stopword(t.norm(i)) {
                0.1
            } else {
                1.0
            }
        })
        .collect()
}

fn slice<'a>(text: &'a str, t: &Tokens, r: &Range<u32>) -> &'a str {
    let a = t.tokens[r.start as usize].byte_start as usize;
    let b = t.tokens[r.end as usize - 1].byte_end as usize;
    &text[a..b]
}

const SRC: &str = "The central bank raised its key lending rate by half a point on Tuesday. \
    Analysts had expected the move after inflation climbed for a fifth month. \
    Separately, the finance ministry said tax receipts rose sharply in March. \
    Officials declined to comment on the budget outlook for next year.";

#[test]
fn verbatim_copy_is_one_passage_with_no_edits() {
    let q = "Markets were calm. Analysts had expected the move after inflation climbed for a fifth month. \
             Weather was fine.";
    let (qt, st, p) = run(q, SRC);
    assert_eq!(p.len(), 1);
    assert_eq!(
        slice(q, &qt, &p[0].q),
        "Analysts had expected the move after inflation climbed for a fifth month"
    );
    assert_eq!(slice(SRC, &st, &p[0].s), slice(q, &qt, &p[0].q));
    assert!(p[0].edits().is_empty());
    assert!(p[0].score > 0.99);
}

#[test]
fn nothing_shared_gives_nothing() {
    let q = "A completely different story about football clubs and their summer transfers, \
             written with other words entirely and no overlap at all.";
    let (_, _, p) = run(q, SRC);
    assert!(p.is_empty());
}

#[test]
fn spun_names_become_substitutions() {
    let s = "On the second day of his visit, Kerry called for cooperation between the United States \
             and Russia to thwart jihadist groups and revive the stalled peace process.";
    let q = "On the second day of his visit, Kerry called for cooperation between the USA \
             and Russian Federation to thwart jihadist groups and revive the stalled peace process.";
    let (qt, st, p) = run(q, s);
    assert_eq!(p.len(), 1);
    let edits = p[0].edits();
    let pairs: Vec<(String, String)> = edits
        .iter()
        .map(|e| {
            let qs = if e.q_tokens.is_empty() {
                String::new()
            } else {
                slice(q, &qt, &e.q_tokens).to_string()
            };
            let ss = if e.s_tokens.is_empty() {
                String::new()
            } else {
                slice(s, &st, &e.s_tokens).to_string()
            };
            (qs, ss)
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("USA".to_string(), "United States".to_string()),
            ("Russian Federation".to_string(), "Russia".to_string())
        ]
    );
    assert!(edits.iter().all(|e| e.kind == EditKind::Sub));
}

#[test]
fn reordered_sentences_form_one_reordered_passage() {
    let q = "Introductory words here. Separately, the finance ministry said tax receipts rose sharply in March. \
             Analysts had expected the move after inflation climbed for a fifth month.";
    let (_, st, p) = run(q, SRC);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].reordered);
    assert!(p[0].blocks.len() >= 2);
    assert_eq!(
        slice(SRC, &st, &p[0].s),
        "Analysts had expected the move after inflation climbed for a fifth month. \
         Separately, the finance ministry said tax receipts rose sharply in March"
    );
}

#[test]
fn distant_passages_stay_separate() {
    let filler = "Completely unrelated sentences about gardening fill this space, \
        tomatoes and cucumbers and lettuce grow in raised beds all summer long, \
        while the neighbours discuss compost heaps, watering cans and garden gnomes at length. ";
    let q = format!(
        "Officials declined to comment on the budget outlook for next year. {filler}{filler}\
         The central bank raised its key lending rate by half a point on Tuesday."
    );
    let (_, _, p) = run(&q, SRC);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].s.start > p[1].s.start,
        "found independently, in query order"
    );
}

#[test]
fn ocr_noise_is_bridged() {
    let s = "National Semiconductor Corp, which earlier reported a profitable fiscal fourth quarter \
             after a year ago loss, said it expects improved financial performance.";
    let q = "Natiorial SemiCondutor Corp, which earlier reported a pofitable fiscalfourth quarter \
             after a year ago loss, said it expects irnproved financial performance.";
    let (qt, _, p) = run(q, s);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].q.start, 0);
    assert_eq!(p[0].q.end as usize, qt.len());
    assert!(p[0].score > 0.7, "{}", p[0].score);
}

#[test]
fn synonyms_keep_the_passage_together() {
    let s = "He told reporters the country deserved a higher quota in compensation for the five months \
             it was forced to suspend oil production when its main pipeline was destroyed.";
    let q = "He informed journalists the nation deserved a higher quota in compensation for the five months \
             it was compelled to suspend oil output when its principal pipeline was wrecked.";
    let (qt, _, p) = run(q, s);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].q, 0..qt.len() as u32);
}

const LONG_SRC: &str = "The commission published its annual report on the state of the fishing fleet on Monday morning. \
    It found that the number of trawlers operating in northern waters had fallen by a third since the quotas were introduced. \
    Smaller harbours along the western coast have suffered most, losing their processing plants and many of the young crews. \
    The report recommends a fund to modernise the remaining vessels and to train apprentices in the coastal towns. \
    Ministers are expected to respond to the recommendations before the summer recess begins in July.";

fn run_with(q: &str, s: &str, cfg: &AlignConfig) -> Vec<Passage> {
    let opts = NormalizeOptions::default();
    let (qt, st) = (tokenize(q, &opts), tokenize(s, &opts));
    let (wq, ws) = (prior(&qt), prior(&st));
    align(Side::new(&qt, &wq), Side::new(&st, &ws), cfg)
}

#[test]
fn a_passage_rewritten_in_the_middle_comes_back_whole() {
    // The first, fourth and fifth sentences lightly edited; the second and
    // third rewritten by a person: words moved, some replaced.
    let q = "Weather report follows later. The commission published its yearly report on the state of the fishing fleet on Monday morning. \
        Since the quotas came in, a third of the trawlers that worked the northern waters are gone, the commission found. \
        Harbours on the western coast, the smaller ones, suffered the most: processing plants closed and young crews left. \
        The report recommends a fund to modernise the remaining boats and to train apprentices in the coastal towns. \
        Ministers are expected to respond to the recommendations before the summer recess begins in July.";
    let joined = run_with(q, LONG_SRC, &AlignConfig::default());
    assert_eq!(joined.len(), 1, "{joined:?}");
    let apart = run_with(
        q,
        LONG_SRC,
        &AlignConfig {
            join_max_gap: 0,
            ..AlignConfig::default()
        },
    );
    assert!(
        apart.len() >= 2 || apart.iter().all(|p| p.q != joined[0].q),
        "without joining it comes in pieces, or in part: {apart:?}"
    );
    let (qt, st) = (
        tokenize(q, &NormalizeOptions::default()),
        tokenize(LONG_SRC, &NormalizeOptions::default()),
    );
    assert!(slice(q, &qt, &joined[0].q).starts_with("The commission published"));
    assert!(slice(q, &qt, &joined[0].q).ends_with("begins in July"));
    assert_eq!(joined[0].s, 0..st.len() as u32, "the whole source passage");
}

#[test]
fn a_sentence_stitched_in_from_elsewhere_is_not_joined() {
    let q = "The commission published its annual report on the state of the fishing fleet on Monday morning. \
        It found that the number of trawlers operating in northern waters had fallen by a third since the quotas were introduced. \
        Meanwhile a football club in the capital signed a young striker from Brazil for a record transfer fee after long talks. \
        Smaller harbours along the western coast have suffered most, losing their processing plants and many of the young crews. \
        The report recommends a fund to modernise the remaining vessels and to train apprentices in the coastal towns.";
    let (qt, _, p) = run(q, LONG_SRC);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(slice(q, &qt, &p[0].q).ends_with("quotas were introduced"));
    assert!(slice(q, &qt, &p[1].q).starts_with("Smaller harbours"));
}

#[test]
fn pieces_in_opposite_orders_are_not_joined() {
    // Two passages of one source copied in the reverse order, far apart
    // in the source: two copies, not one rewritten passage.
    let q = "Ministers are expected to respond to the recommendations before the summer recess begins in July. \
        The commission published its annual report on the state of the fishing fleet on Monday morning. \
        It found that the number of trawlers operating in northern waters had fallen by a third since the quotas were introduced.";
    let (_, _, p) = run(q, LONG_SRC);
    assert_eq!(p.len(), 2, "{p:?}");
}

#[test]
fn a_formula_filled_in_about_another_company_is_not_a_copy() {
    let s = "Torchmark Corp said its board has authorized the purchase from time to time of up to \
             two mln of its common shares in the open market or in privately negotiated transactions.";
    let q = "HCC Industries Inc said its board has authorized the purchase from time to time of up to \
             500,000 of its common shares in the open market or in privately negotiated transactions.";
    let (_, _, p) = run(q, s);
    assert!(p.is_empty(), "{p:?}");
    // The same formula about the same company with a new amount is an
    // update of that story, and a copy.
    let q = "Torchmark Corp said its board has authorized the purchase from time to time of up to \
             500,000 of its common shares in the open market or in privately negotiated transactions.";
    let (_, _, p) = run(q, s);
    assert_eq!(p.len(), 1, "{p:?}");
}

proptest! {
    #[test]
    fn passages_are_in_bounds_and_disjoint_in_query(
        words in prop::collection::vec("[a-e]{1,3}", 0..80),
        other in prop::collection::vec("[a-e]{1,3}", 0..80),
    ) {
        let q = words.join(" ");
        let s = other.join(" ");
        let (qt, st, p) = run(&q, &s);
        for x in &p {
            prop_assert!(x.q.start < x.q.end && x.q.end as usize <= qt.len());
            prop_assert!(x.s.start < x.s.end && x.s.end as usize <= st.len());
            prop_assert!((0.0..=1.0).contains(&x.score));
            for b in &x.blocks {
                let (dq, ds) = b.ops.iter().fold((0, 0), |acc, op| {
                    let (a, c) = op.lengths();
                    (acc.0 + a, acc.1 + c)
                });
                prop_assert_eq!(dq, b.q.end - b.q.start);
                prop_assert_eq!(ds, b.s.end - b.s.start);
            }
        }
        for w in p.windows(2) {
            prop_assert!(w[0].q.end <= w[1].q.start);
        }
    }

    #[test]
    fn kept_sorted_hashes_change_nothing(
        words in prop::collection::vec("[a-e]{1,3}", 0..80),
        other in prop::collection::vec("[a-e]{1,3}", 0..80),
    ) {
        let opts = NormalizeOptions::default();
        let (qt, st) = (tokenize(&words.join(" "), &opts), tokenize(&other.join(" "), &opts));
        let (wq, ws) = (prior(&qt), prior(&st));
        let (hq, hs) = (by_hash(&qt), by_hash(&st));
        let cfg = AlignConfig::default();
        let plain = align(Side::new(&qt, &wq), Side::new(&st, &ws), &cfg);
        let kept = align(
            Side::new(&qt, &wq).with_by_hash(&hq),
            Side::new(&st, &ws).with_by_hash(&hs),
            &cfg,
        );
        prop_assert_eq!(format!("{plain:?}"), format!("{kept:?}"));
    }

    #[test]
    fn early_exit_on_few_trigrams_changes_nothing(
        words in prop::collection::vec("[a-d]{1,2}", 0..80),
        other in prop::collection::vec("[a-d]{1,2}", 0..80),
        min_exact_trigrams in 0u32..8,
    ) {
        let opts = NormalizeOptions::default();
        let (qt, st) = (tokenize(&words.join(" "), &opts), tokenize(&other.join(" "), &opts));
        let (wq, ws) = (prior(&qt), prior(&st));
        let cfg = AlignConfig { min_exact_trigrams, ..AlignConfig::default() };
        let side = || (Side::new(&qt, &wq), Side::new(&st, &ws));
        let (q, s) = side();
        let fast = align_with(q, s, &cfg, true);
        let (q, s) = side();
        let full = align_with(q, s, &cfg, false);
        prop_assert_eq!(format!("{fast:?}"), format!("{full:?}"));
    }

    #[test]
    fn a_foreign_stretch_is_never_joined_into_a_passage(
        words in prop::collection::btree_set("[a-i]{5,9}", 24..80),
        split in 0.3f64..0.7,
        foreign in prop::collection::vec("[r-z]{5,8}", 12..60),
    ) {
        // Distinct words (A and B share none), and foreign words of other
        // letters (not even a fuzzy match).
        let words: Vec<String> = words.into_iter().collect();
        let (a, b) = words.split_at((words.len() as f64 * split) as usize);
        // The source holds A then B; the query stitches a stretch of words
        // the source never has between them, longer than a chain may skip
        // (`max_gap`). When that stretch is at least a fifth as long as A
        // and B together, no passage may span it.
        let s = format!("{} {}", a.join(" "), b.join(" "));
        let q = format!("{} {} {}", a.join(" "), foreign.join(" "), b.join(" "));
        let (qt, _, p) = run(&q, &s);
        let f = a.len() as u32..(a.len() + foreign.len()) as u32;
        prop_assert_eq!(qt.len(), a.len() + foreign.len() + b.len());
        if foreign.len() * 5 >= a.len() + b.len() {
            for x in &p {
                prop_assert!(!(x.q.start <= f.start && f.end <= x.q.end), "{:?} spans {:?}", x.q, f);
            }
        }
    }

    #[test]
    fn copy_inside_noise_is_found(
        pre in prop::collection::vec("[a-z]{4,8}", 0..30),
        post in prop::collection::vec("[a-z]{4,8}", 0..30),
        copied in prop::collection::vec("[a-z]{5,9}", 12..40),
    ) {
        let s = copied.join(" ");
        let q = format!("{} {} {}", pre.join(" "), s, post.join(" "));
        let (_, st, p) = run(&q, &s);
        prop_assert!(!p.is_empty());
        let covered: u32 = p.iter().map(|x| x.s.end - x.s.start).sum();
        prop_assert!(covered as usize >= st.len() * 9 / 10);
    }
}
