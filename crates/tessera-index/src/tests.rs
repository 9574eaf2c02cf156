use std::path::Path;

use proptest::prelude::*;

use super::*;

fn doc(id: &str, text: &str) -> Document {
    Document {
        meta: DocMeta {
            id: id.into(),
            title: Some(format!("title of {id}")),
            timestamp: Some(1_000 + id.len() as i64),
            ..Default::default()
        },
        text: text.into(),
    }
}

fn add(w: &mut IndexWriter, id: &str, text: &str) -> AddOutcome {
    let d = doc(id, text);
    let p = w.analyzer().prepare(&d).expect("prepare");
    w.add(p).expect("add")
}

fn writer(dir: &Path, opts: WriterOptions) -> IndexWriter {
    IndexWriter::open_or_create(dir, IndexSettings::default(), opts).expect("writer")
}

const LONG: &str = "the quick brown fox jumps over the lazy dog near the river bank today";

#[test]
fn documents_round_trip_with_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "a", "Zürich café: „Grüße“ and 中文 text");
    add(&mut w, "b", LONG);
    w.commit().expect("commit");
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.num_docs(), 2);
    let a = index.find("a").expect("a");
    assert_eq!(
        index.text(a).expect("text"),
        "Zürich café: „Grüße“ and 中文 text"
    );
    let meta = index.meta(a).expect("meta");
    assert_eq!(meta.title.as_deref(), Some("title of a"));
    assert_eq!(index.timestamp(a), Some(1001));
    assert_eq!(index.id(a), "a");
    assert!(index.find("zzz").is_none());
    let stats = index.stats();
    assert_eq!(stats.documents, 2);
    assert_eq!(stats.generation, 1);
    assert!(stats.bytes_on_disk > 0);
    assert_eq!(stats.date_range, Some((1001, 1001)));
}

#[test]
fn postings_find_documents_sharing_a_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "one", LONG);
    add(&mut w, "two", &format!("prefix words here {LONG} and more"));
    add(
        &mut w,
        "three",
        "completely unrelated words about gardening tomatoes",
    );
    w.commit().expect("commit");
    let index = Index::open(dir.path()).expect("open");
    let an = index.analyzer();
    let toks = an.tokenize(LONG);
    let grams = an.fingerprinter().all_ngrams(&toks.hashes());
    let mut hits = std::collections::BTreeMap::new();
    for g in grams {
        let mut out = Vec::new();
        index.postings(g, &mut out).expect("postings");
        for a in out {
            *hits.entry(index.id(a).to_string()).or_insert(0) += 1;
        }
    }
    assert!(hits["one"] > 3 && hits["two"] > 3, "{hits:?}");
    assert!(!hits.contains_key("three"));
    let the = tessera_text::hash_norm("the");
    assert_eq!(index.token_df(the), 2);
    assert!(index.frequent_tokens(2).contains_key(&the));
}

#[test]
fn duplicate_ids_follow_the_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    assert_eq!(add(&mut w, "x", "first version"), AddOutcome::Added);
    assert_eq!(add(&mut w, "x", "second version"), AddOutcome::Replaced);
    w.commit().expect("commit");
    assert_eq!(add(&mut w, "x", "third version"), AddOutcome::Replaced);
    w.commit().expect("commit");
    assert_eq!(w.stats().replaced, 2);
    drop(w);
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.num_docs(), 1);
    assert_eq!(
        index.text(index.find("x").expect("x")).expect("text"),
        "third version"
    );
    drop(index);

    let opts = WriterOptions {
        duplicates: DuplicatePolicy::Reject,
        ..Default::default()
    };
    let mut w = IndexWriter::open(dir.path(), opts).expect("writer");
    assert_eq!(
        add(&mut w, "x", "fourth version"),
        AddOutcome::RejectedDuplicate
    );
    assert_eq!(add(&mut w, "y", "new"), AddOutcome::Added);
    assert_eq!(add(&mut w, "y", "newer"), AddOutcome::RejectedDuplicate);
    w.commit().expect("commit");
    assert_eq!(w.stats().rejected_duplicates, 2);
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(
        index.text(index.find("x").expect("x")).expect("text"),
        "third version"
    );
    assert_eq!(
        index.text(index.find("y").expect("y")).expect("text"),
        "new"
    );
}

#[test]
fn delete_is_all_or_nothing_and_compaction_drops_the_dead() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    for k in 0..20 {
        add(&mut w, &format!("d{k}"), &format!("{LONG} number {k}"));
    }
    w.commit().expect("commit");
    let e = w
        .delete(&["d1".into(), "nope".into()])
        .expect_err("missing id");
    assert!(
        matches!(&e, Error::NotFound { ids } if ids == &["nope".to_string()]),
        "{e}"
    );
    assert!(!w.has_changes());
    assert_eq!(w.delete(&["d1".into(), "d2".into()]).expect("delete"), 2);
    w.commit().expect("commit");
    let before = Index::open(dir.path()).expect("open");
    assert_eq!(before.num_docs(), 18);
    assert!(before.find("d1").is_none());
    assert_eq!(before.stats().deleted, 2);
    assert_eq!(before.token_df(tessera_text::hash_norm("fox")), 20);
    w.compact().expect("compact");
    let after = Index::open(dir.path()).expect("open");
    assert_eq!(after.num_docs(), 18);
    assert_eq!(after.stats().deleted, 0);
    assert_eq!(after.token_df(tessera_text::hash_norm("fox")), 18);
    // A reader opened before compaction keeps working on its snapshot.
    let d5 = before.find("d5").expect("d5");
    assert!(before.text(d5).expect("text").ends_with("number 5"));
    // Only the files of the last commit remain.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["LOCK", "MANIFEST", "seg-000002.tseg"]);
}

#[test]
fn small_segments_and_uncommitted_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = WriterOptions {
        segment_bytes: 200,
        ..Default::default()
    };
    let mut w = writer(dir.path(), opts);
    for k in 0..10 {
        add(&mut w, &format!("d{k}"), LONG);
    }
    // Flushed segments are not visible before the commit.
    assert_eq!(Index::open(dir.path()).expect("open").num_docs(), 0);
    add(&mut w, "d3", "replaced after its segment was flushed");
    // Ids of segments written out but not committed are still known: a
    // second replacement, a deletion and a rejected duplicate all find
    // them.
    add(&mut w, "d3", "replaced twice, across two written segments");
    assert_eq!(w.delete(&["d5".to_string()]).expect("delete"), 1);
    let e = w.delete(&["d5".to_string()]).expect_err("deleted already");
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    w.commit().expect("commit");
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.num_docs(), 9);
    assert!(index.num_segments() > 2);
    assert!(index.find("d5").is_none());
    assert_eq!(
        index.text(index.find("d3").expect("d3")).expect("text"),
        "replaced twice, across two written segments"
    );
    drop(index);
    drop(w);
    let mut w = writer(
        dir.path(),
        WriterOptions {
            segment_bytes: 200,
            duplicates: DuplicatePolicy::Reject,
            ..Default::default()
        },
    );
    for k in 10..14 {
        add(&mut w, &format!("d{k}"), LONG);
    }
    assert_eq!(add(&mut w, "d11", "again"), AddOutcome::RejectedDuplicate);
    assert_eq!(add(&mut w, "d2", "again"), AddOutcome::RejectedDuplicate);
    w.commit().expect("commit");
    assert_eq!(Index::open(dir.path()).expect("open").num_docs(), 13);
}

#[test]
fn frequent_tokens_do_not_depend_on_the_segments() {
    let texts = [
        LONG,
        "the river bank was quiet today",
        "a fox and a dog met near the bank",
        "nothing in common here",
    ];
    let build = |segment_bytes: u64| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = writer(
            dir.path(),
            WriterOptions {
                segment_bytes,
                ..Default::default()
            },
        );
        for (k, t) in texts.iter().enumerate() {
            add(&mut w, &format!("t{k}"), t);
        }
        w.commit().expect("commit");
        let index = Index::open(dir.path()).expect("open");
        let mut all: Vec<(u32, Vec<(u64, u32)>)> = (1..=4)
            .map(|min_df| {
                let mut v: Vec<(u64, u32)> = index.frequent_tokens(min_df).into_iter().collect();
                v.sort_unstable();
                (min_df, v)
            })
            .collect();
        all.push((0, vec![(index.num_segments() as u64, 0)]));
        all
    };
    let one = build(1 << 30);
    // One document a segment: every segment's share of `min_df` is one
    // document.
    let many = build(1);
    assert_eq!(one.last(), Some(&(0, vec![(1, 0)])));
    assert_eq!(many.last(), Some(&(0, vec![(4, 0)])));
    assert_eq!(one[..4], many[..4]);
    assert!(!one[1].1.is_empty(), "some token is in two documents");
}

#[test]
fn a_memory_budget_makes_more_segments_not_more_memory() {
    let text = |k: usize| {
        (0..400)
            .map(|j| format!("w{}", (k * 7919 + j * 104_729) % 100_003))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let build = |memory_bytes: u64| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = writer(
            dir.path(),
            WriterOptions {
                memory_bytes,
                ..Default::default()
            },
        );
        for k in 0..600 {
            add(&mut w, &format!("m{k}"), &text(k));
        }
        w.commit().expect("commit");
        let index = Index::open(dir.path()).expect("open");
        let found: Vec<_> = (0..600)
            .map(|k| {
                index
                    .text(index.find(&format!("m{k}")).expect("id"))
                    .expect("text")
            })
            .collect();
        (index.num_segments(), index.num_docs(), found)
    };
    let (roomy_segments, roomy_docs, roomy_texts) = build(512 << 20);
    let (tight_segments, tight_docs, tight_texts) = build(2 << 20);
    assert_eq!(roomy_segments, 1);
    // The builder's fixed write buffer alone is 1 MiB: a 2 MiB budget
    // holds a fraction of the 600 documents' postings.
    assert!(tight_segments > 2, "{tight_segments} segments");
    assert_eq!((roomy_docs, tight_docs), (600, 600));
    assert_eq!(roomy_texts, tight_texts);
}

#[test]
fn one_writer_at_a_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _w = writer(dir.path(), WriterOptions::default());
    let e = IndexWriter::open(dir.path(), WriterOptions::default()).expect_err("locked");
    assert!(matches!(e, Error::Locked { .. }), "{e}");
}

#[test]
fn foreign_and_damaged_directories_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let e = IndexWriter::open_or_create(
        dir.path(),
        IndexSettings::default(),
        WriterOptions::default(),
    )
    .expect_err("foreign");
    assert!(e.to_string().contains("holds other files"), "{e}");
    let e = Index::open(dir.path()).expect_err("not an index");
    assert!(e.to_string().contains("no MANIFEST"), "{e}");

    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "a", LONG);
    w.commit().expect("commit");
    drop(w);
    let seg = dir.path().join("seg-000001.tseg");
    let mut b = std::fs::read(&seg).expect("read");
    b[40] ^= 0xff;
    std::fs::write(&seg, &b).expect("damage");
    let e = Index::open(dir.path()).expect_err("corrupt");
    assert!(matches!(e, Error::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("seg-000001.tseg"), "{e}");
    std::fs::write(&seg, &b[..100]).expect("truncate");
    let e = Index::open(dir.path()).expect_err("truncated");
    assert!(e.to_string().contains("seg-000001.tseg"), "{e}");
}

#[test]
fn leftovers_of_a_killed_writer_are_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "a", LONG);
    w.commit().expect("commit");
    drop(w);
    std::fs::write(dir.path().join("seg-000009.tseg"), "half written").expect("orphan");
    std::fs::write(dir.path().join("MANIFEST.tmp"), "half written").expect("orphan");
    let w = IndexWriter::open(dir.path(), WriterOptions::default()).expect("writer");
    assert!(!dir.path().join("seg-000009.tseg").exists());
    assert!(!dir.path().join("MANIFEST.tmp").exists());
    assert_eq!(w.index().num_docs(), 1);
}

#[derive(Debug, Clone)]
enum Step {
    Add(u8, u8),
    Delete(u8),
    Commit,
    Compact,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0u8..12, 0u8..4).prop_map(|(i, v)| Step::Add(i, v)),
        2 => (0u8..12).prop_map(Step::Delete),
        2 => Just(Step::Commit),
        1 => Just(Step::Compact),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn index_matches_a_model(steps in prop::collection::vec(step(), 1..40)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = WriterOptions { segment_bytes: 150, ..Default::default() };
        let mut w = writer(dir.path(), opts);
        let mut committed: std::collections::BTreeMap<String, String> = Default::default();
        let mut pending = committed.clone();
        for s in steps {
            match s {
                Step::Add(i, v) => {
                    let (id, text) = (format!("id{i}"), format!("{LONG} version {v} of {i}"));
                    add(&mut w, &id, &text);
                    pending.insert(id, text);
                }
                Step::Delete(i) => {
                    let id = format!("id{i}");
                    let r = w.delete(std::slice::from_ref(&id));
                    prop_assert_eq!(r.is_ok(), pending.remove(&id).is_some());
                }
                Step::Commit => {
                    w.commit().expect("commit");
                    committed = pending.clone();
                }
                Step::Compact => {
                    w.compact().expect("compact");
                    committed = pending.clone();
                }
            }
            let index = Index::open(dir.path()).expect("open");
            prop_assert_eq!(index.num_docs(), committed.len() as u64);
            for (id, text) in &committed {
                let a = index.find(id).expect("committed id");
                prop_assert_eq!(&index.text(a).expect("text"), text);
            }
            // In id order, from the start, from an id and after it.
            use std::ops::Bound;
            let listed = |from: Bound<&str>| -> Vec<String> {
                index.live_docs_by_id(from).map(|a| index.id(a).to_string()).collect()
            };
            let all: Vec<String> = committed.keys().cloned().collect();
            prop_assert_eq!(listed(Bound::Unbounded), all.clone());
            for probe in ["id1", "id5", "id50", "", "z"] {
                let from: Vec<String> = all.iter().filter(|k| k.as_str() >= probe).cloned().collect();
                let after: Vec<String> = all.iter().filter(|k| k.as_str() > probe).cloned().collect();
                prop_assert_eq!(listed(Bound::Included(probe)), from);
                prop_assert_eq!(listed(Bound::Excluded(probe)), after);
            }
        }
    }
}

/// Postings of a segment large enough that its builder keeps several
/// chunks per bucket, with documents replaced while it was built: every
/// live document is listed under each of its fingerprints, in order, and
/// nothing else is.
#[test]
fn postings_of_a_large_segment_match_the_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    let words: Vec<String> = (0..400).map(|k| format!("w{k}")).collect();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut texts = std::collections::BTreeMap::new();
    for k in 0..5200 {
        // Ids 0..200 come twice: the second text replaces the first.
        let id = format!("d{}", if k >= 5000 { k - 5000 } else { k });
        let text: Vec<&str> = (0..120)
            .map(|_| words[(next() % words.len() as u64) as usize].as_str())
            .collect();
        let text = text.join(" ");
        add(&mut w, &id, &text);
        texts.insert(id, text);
    }
    w.commit().expect("commit");
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.num_docs(), 5000);
    let an = index.analyzer();
    let mut want: std::collections::BTreeMap<u64, Vec<DocAddr>> = Default::default();
    for (id, text) in &texts {
        let addr = index.find(id).expect("indexed");
        for h in an.analyze(text).fingerprints {
            want.entry(h).or_default().push(addr);
        }
    }
    let pairs: usize = want.values().map(Vec::len).sum();
    assert!(
        pairs > 256 * 1024,
        "{pairs} pairs fill more than one chunk per bucket"
    );
    for (h, mut addrs) in want {
        addrs.sort();
        let mut got = Vec::new();
        index.postings(h, &mut got).expect("postings");
        assert_eq!(got, addrs, "postings of {h:#x}");
    }
}

/// Issue 9, finding 1: a folder of segments without a MANIFEST was taken
/// for an empty directory, and the writer deleted every segment as a
/// leftover.
#[test]
fn a_missing_manifest_is_refused_and_nothing_is_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "a", LONG);
    add(
        &mut w,
        "b",
        "an entirely different text about rivers and boats",
    );
    w.commit().expect("commit");
    drop(w);
    std::fs::remove_file(dir.path().join(MANIFEST)).expect("remove manifest");
    let before = std::fs::read(dir.path().join("seg-000001.tseg")).expect("segment");

    let e = IndexWriter::open_or_create(
        dir.path(),
        IndexSettings::default(),
        WriterOptions::default(),
    )
    .expect_err("must refuse");
    assert!(
        matches!(e, Error::MissingManifest { segments: 1, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("tessera index recover"), "{e}");
    let e = Index::open(dir.path()).expect_err("must refuse");
    assert!(matches!(e, Error::MissingManifest { .. }), "{e}");
    let e = IndexWriter::open(dir.path(), WriterOptions::default()).expect_err("must refuse");
    assert!(matches!(e, Error::MissingManifest { .. }), "{e}");
    assert_eq!(
        std::fs::read(dir.path().join("seg-000001.tseg")).expect("segment kept"),
        before
    );
    assert!(!dir.path().join(MANIFEST).exists());
}

#[test]
fn recover_rebuilds_the_manifest_from_verified_segments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "a", LONG);
    add(
        &mut w,
        "b",
        "an entirely different text about rivers and boats",
    );
    add(
        &mut w,
        "d",
        "the fourth text speaks of mountains and snow fields",
    );
    w.commit().expect("commit");
    add(
        &mut w,
        "c",
        "a third document about gardens and flowers in spring",
    );
    add(
        &mut w,
        "a",
        "the replacement of a with other words entirely now",
    );
    w.commit().expect("commit");
    w.delete(&["b".to_string()]).expect("delete");
    w.commit().expect("commit");
    drop(w);
    let expected = Index::open(dir.path()).expect("open");
    let ids = |ix: &Index| {
        let mut v: Vec<(String, String)> = ix
            .live_docs()
            .map(|a| (ix.id(a).to_string(), ix.text(a).expect("text")))
            .collect();
        v.sort();
        v
    };
    let want = ids(&expected);
    let generation = expected.manifest().generation;
    drop(expected);

    // A readable manifest is left alone.
    let r = recover(dir.path()).expect("recover");
    assert!(r.manifest_was_valid);

    // Lost manifest: rebuilt with the same live documents.
    std::fs::remove_file(dir.path().join(MANIFEST)).expect("remove");
    let r = recover(dir.path()).expect("recover");
    assert_eq!(r.documents, 3);
    assert_eq!(r.segments.len(), 2);
    assert!(r.generation > generation);
    let got = Index::open(dir.path()).expect("open recovered");
    assert_eq!(ids(&got), want);
    drop(got);

    // Lost manifest and lost deletion files: the newest copy of an id wins,
    // a damaged segment is quarantined, a damaged manifest is kept.
    for e in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        if e.file_name().to_string_lossy().ends_with(".tdel") {
            std::fs::remove_file(e.path()).expect("remove tdel");
        }
    }
    std::fs::write(dir.path().join(MANIFEST), "tessera-index 1 00000000 2\n{}").expect("damage");
    std::fs::write(dir.path().join("seg-000007.tseg"), "not a segment").expect("junk");
    let r = recover(dir.path()).expect("recover");
    assert!(r.damaged_manifest_kept);
    assert_eq!(r.superseded, 1);
    assert_eq!(r.quarantined.len(), 1);
    assert!(dir.path().join("quarantine/seg-000007.tseg").exists());
    assert!(dir.path().join("MANIFEST.damaged").exists());
    let got = Index::open(dir.path()).expect("open recovered");
    // b's deletion was lost with its file: b is back, a is the replacement.
    let texts = ids(&got);
    assert_eq!(texts.len(), 4);
    assert!(texts.contains(&want[0]), "{texts:?}");
    drop(got);
    // The next writer keeps everything the recovered manifest names.
    let w = IndexWriter::open(dir.path(), WriterOptions::default()).expect("writer");
    assert_eq!(w.index().num_docs(), 4);
}

fn tmp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_failed_or_abandoned_write_leaves_no_temporary_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "a", LONG);
    w.commit().expect("commit");
    drop(w);
    // A writer dropped before its commit (an error in the caller).
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "b", LONG);
    assert_eq!(
        tmp_files(dir.path()).len(),
        1,
        "the segment is being written"
    );
    drop(w);
    assert_eq!(tmp_files(dir.path()), Vec::<String>::new());
    // A commit that fails while writing the segment: a directory stands
    // where the new segment file must be renamed to.
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "c", LONG);
    let tmp = tmp_files(dir.path());
    let target = dir.path().join(tmp[0].trim_end_matches(".tmp"));
    std::fs::create_dir(&target).expect("block the rename");
    std::fs::write(target.join("keep"), b"x").expect("non-empty");
    w.commit().expect_err("the rename fails");
    drop(w);
    assert_eq!(tmp_files(dir.path()), Vec::<String>::new());
    std::fs::remove_dir_all(&target).expect("unblock");
    let index = Index::open(dir.path()).expect("open");
    assert_eq!(index.num_docs(), 1, "the last commit is intact");
}

/// Run by `failpoints_are_compiled_out_of_ordinary_builds` in a child
/// process; on its own it is an ordinary commit.
#[test]
#[ignore = "run by failpoints_are_compiled_out_of_ordinary_builds"]
fn commit_through_every_failpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut w = writer(dir.path(), WriterOptions::default());
    add(&mut w, "a", LONG);
    w.commit().expect("commit");
    w.delete(&["a".to_string()]).expect("delete");
    w.commit().expect("commit");
}

/// `TESSERA_FAILPOINT` must not abort a program built without the
/// `failpoints` feature (a user's binary).
#[cfg(not(feature = "failpoints"))]
#[test]
fn failpoints_are_compiled_out_of_ordinary_builds() {
    let exe = std::env::current_exe().expect("test binary");
    for point in [
        "segment-before-rename",
        "after-segment-flush",
        "before-manifest",
        "after-manifest",
    ] {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "tests::commit_through_every_failpoint",
                "--ignored",
                "--test-threads=1",
            ])
            .env("TESSERA_FAILPOINT", point)
            .output()
            .expect("run the test binary");
        assert!(
            out.status.success(),
            "{point}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Rewrites a committed segment with `mutate`, then recomputes its
/// checksum and the manifest's record of it, as a hostile or careless tool
/// would: only the structure can reveal the change.
fn mutate_with_valid_checksums(dir: &Path, mutate: impl Fn(&mut [u8], &[(usize, usize)])) {
    let mut m = Manifest::read(dir).expect("manifest");
    let path = dir.join(&m.segments[0].name);
    let mut b = std::fs::read(&path).expect("segment");
    let foot = b.len() - 16 - (7 * 16 + 8);
    let sections: Vec<(usize, usize)> = (0..7)
        .map(|k| {
            let at = foot + k * 16;
            let word =
                |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8")) as usize;
            (word(at), word(at + 8))
        })
        .collect();
    mutate(&mut b, &sections);
    let t = b.len() - 16;
    let crc = crc32fast::hash(&b[..t]);
    b[t..t + 4].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&path, &b).expect("write segment");
    m.segments[0].crc32 = crc;
    m.write(dir).expect("manifest");
}

#[test]
fn a_segment_mutated_behind_a_recomputed_checksum_is_corrupt() {
    fn swap(b: &mut [u8], (off, len): (usize, usize), rec: usize) {
        assert!(len >= 2 * rec, "two records to swap");
        let (x, y) = b[off..off + 2 * rec].split_at_mut(rec);
        x.swap_with_slice(y);
    }
    type Mutation = fn(&mut [u8], &[(usize, usize)]);
    let cases: [(&str, Mutation); 4] = [
        ("id order", |b, s| swap(b, s[3], 4)),
        ("fingerprint", |b, s| swap(b, s[4], 16)),
        ("vocabulary", |b, s| swap(b, s[6], 12)),
        ("postings", |b, s| {
            // A first posting that points past the last document.
            let first_dict = s[4].0;
            let off = u32::from_le_bytes(b[first_dict + 8..first_dict + 12].try_into().expect("4"));
            b[s[5].0 + off as usize] = 0x7f;
        }),
    ];
    for (what, mutation) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = writer(dir.path(), WriterOptions::default());
        add(&mut w, "b", LONG);
        add(
            &mut w,
            "a",
            "Kerry met Putin in Moscow on Thursday for four hours of talks",
        );
        add(
            &mut w,
            "c",
            "oil prices rose sharply in London and New York on Tuesday",
        );
        w.commit().expect("commit");
        drop(w);
        Index::open(dir.path()).expect("intact");
        mutate_with_valid_checksums(dir.path(), mutation);
        let e = Index::open(dir.path()).expect_err(what);
        assert!(matches!(e, Error::Corrupt { .. }), "{what}: {e}");
        assert!(e.to_string().contains("seg-000001.tseg"), "{what}: {e}");
    }
}
