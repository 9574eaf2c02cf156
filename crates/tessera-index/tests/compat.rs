//! Compatibility with indexes written by earlier tessera builds: a tiny
//! index of format version 1 is committed under `tests/fixtures/v1/` and
//! must keep opening, reading and accepting writes.
//!
//! The fixture holds three commits: two segments, one of them with a
//! document replaced inside its own batch, a replacement of an older
//! document and a deletion, so every file kind is there (`MANIFEST`,
//! `.tseg`, `.tdel`), and texts both stored raw and zstd-compressed. Texts,
//! titles, outlets and one id are not ASCII.
//!
//! **A later format change must make these tests fail**, loudly: when
//! `FORMAT_VERSION` moves past 1, the fixture no longer opens. Keep a reader
//! for version 1 (and keep this test passing with it), or decide explicitly
//! that version-1 indexes are no longer read, say so in the README's
//! "Compatibility" section and in the release notes, and only then retire
//! this fixture. Never regenerate it to make this test pass: a fixture
//! written by a newer writer tests nothing about old indexes.
//!
//! To regenerate it (only while the writer still writes version 1, for
//! example after a deliberate change of the fixture's documents):
//!
//! ```text
//! TESSERA_WRITE_V1_FIXTURE=1 cargo test -p tessera-index --test compat -- --ignored write_v1_fixture
//! ```
//!
//! That ignored test never runs by default, and without the variable it
//! writes nothing. The fixture does not depend on the process that writes
//! it (no clock, no randomness, no paths): `fixture_is_deterministic`
//! checks that two writes give the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tessera_index::{
    AddOutcome, DocAddr, DocMeta, Document, FORMAT_VERSION, Index, IndexSettings, IndexWriter,
    WriterOptions,
};

/// Where the committed fixture lives.
fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1")
}

fn meta(
    id: &str,
    title: &str,
    outlet: &str,
    date: Option<(&str, i64)>,
    url: Option<&str>,
) -> DocMeta {
    DocMeta {
        id: id.into(),
        title: Some(title.into()),
        outlet: Some(outlet.into()),
        url: url.map(Into::into),
        date: date.map(|d| d.0.into()),
        timestamp: date.map(|d| d.1),
        extra: serde_json::Map::new(),
    }
}

fn doc(meta: DocMeta, text: &str) -> Document {
    Document {
        meta,
        text: text.into(),
    }
}

/// A Dutch agency text long and repetitive enough to be stored
/// zstd-compressed; the shorter texts are stored raw.
fn long_dutch_text() -> String {
    let para = "De Tweede Kamer heeft dinsdag in Den Haag gedebatteerd over de \
                financiële steun aan gemeenten die getroffen zijn door de \
                overstromingen. Één fractie vroeg om een onafhankelijk onderzoek \
                naar de coördinatie van de hulpdiensten. ";
    para.repeat(12)
}

/// The documents of each commit of the fixture, in the order they are
/// added.
fn commit_1() -> Vec<Document> {
    let mut afp = meta(
        "afp-001",
        "Rencontre à Genève : « une étape décisive »",
        "Agence France-Presse",
        Some(("2024-03-05T10:00:00Z", 1_709_632_800)),
        Some("https://example.org/afp/001"),
    );
    afp.extra
        .insert("lang".into(), serde_json::Value::String("fr".into()));
    vec![
        doc(
            afp,
            "Le président a rencontré jeudi à Genève les ministres des Affaires \
             étrangères ; « c'est une étape décisive », a-t-il déclaré à la presse \
             après trois heures de négociations.",
        ),
        doc(
            meta(
                "dpa-002",
                "Beratungen über Hochwasserschutz",
                "Deutsche Presse-Agentur",
                Some(("2024-03-06T08:30:00+01:00", 1_709_710_200)),
                None,
            ),
            "Die Bundesregierung hat am Donnerstag in Berlin über Maßnahmen gegen \
             Überschwemmungen beraten. Größere Schäden wurden aus Süddeutschland \
             gemeldet, die Länder fordern schnelle Hilfe.",
        ),
        doc(
            meta(
                "efe-003",
                "Acuerdo con los sindicatos",
                "Agencia EFE",
                Some(("2024-03-06T17:45:00Z", 1_709_747_100)),
                None,
            ),
            "El Gobierno español anunció el miércoles en Madrid un acuerdo con los \
             sindicatos. «Es un día histórico», dijo la ministra.",
        ),
        doc(
            meta(
                "anp-006-één",
                "Kamerdebat over overstromingen",
                "Algemeen Nederlands Persbureau",
                None,
                None,
            ),
            &long_dutch_text(),
        ),
    ]
}

fn commit_2() -> Vec<Document> {
    let tass = |text: &str| {
        doc(
            meta(
                "tass-004",
                "Встреча с губернаторами",
                "ТАСС",
                Some(("2024-03-07T09:15:00+03:00", 1_709_792_100)),
                None,
            ),
            text,
        )
    };
    vec![
        // Replaced by its corrected version later in the same batch.
        tass("Москва, 7 марта. Президент провёл встречу с губернаторами северных регионов."),
        doc(
            meta(
                "xinhua-005",
                "全国人民代表大会开幕",
                "新华社",
                Some(("2024-03-05T02:00:00Z", 1_709_604_000)),
                None,
            ),
            "新华社北京3月5日电 第十四届全国人民代表大会第二次会议今天上午在人民大会堂开幕。",
        ),
        // Replaces the version of commit 1.
        doc(
            meta(
                "efe-003",
                "Acuerdo con los sindicatos (ampliación)",
                "Agencia EFE",
                Some(("2024-03-06T17:45:00Z", 1_709_747_100)),
                None,
            ),
            "El Gobierno español anunció el miércoles en Madrid un acuerdo con los \
             sindicatos sobre el salario mínimo. «Es un día histórico», dijo la \
             ministra de Trabajo.",
        ),
        tass(
            "Москва, 7 марта. Президент провёл в Кремле встречу с губернаторами \
             северных и дальневосточных регионов.",
        ),
    ]
}

/// Ids deleted by commit 3.
const COMMIT_3_DELETES: &[&str] = &["dpa-002"];

fn settings() -> IndexSettings {
    IndexSettings {
        compress_text: true,
        ..IndexSettings::default()
    }
}

/// Writes the fixture index into the empty or missing directory `dir`
/// (without the writer's `LOCK` file, which is not part of an index).
fn write_v1(dir: &Path) {
    let mut w = IndexWriter::open_or_create(dir, settings(), WriterOptions::default())
        .expect("create the fixture index");
    for batch in [commit_1(), commit_2()] {
        for d in batch {
            let p = w.analyzer().prepare(&d).expect("prepare");
            w.add(p).expect("add");
        }
        w.commit().expect("commit");
    }
    let ids: Vec<String> = COMMIT_3_DELETES.iter().map(|s| s.to_string()).collect();
    w.delete(&ids).expect("delete");
    w.commit().expect("commit");
    drop(w);
    std::fs::remove_file(dir.join(tessera_index::LOCK)).expect("remove LOCK");
}

/// Name → bytes of every file in `dir` (flat: an index has no
/// subdirectories).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            let e = e.expect("directory entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read a fixture file"))
        })
        .collect()
}

/// A temporary copy of the committed fixture.
fn copy_of_fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in files(&fixture_dir()) {
        std::fs::write(tmp.path().join(name), bytes).expect("copy a fixture file");
    }
    tmp
}

/// Opens a copy of the fixture, failing with an explanation when this
/// build cannot read version 1 any more.
fn open(dir: &Path) -> Index {
    Index::open(dir).unwrap_or_else(|e| {
        panic!(
            "the committed format-version-1 fixture no longer opens: {e}\n\
             This build writes format version {FORMAT_VERSION}. Indexes written by earlier \
             tessera builds must stay readable: keep a reader for version 1 (see \
             crates/tessera-index/README.md, \"Compatibility\"); do not regenerate the fixture."
        )
    })
}

/// The live documents: id → (address, text, metadata).
fn live(index: &Index) -> BTreeMap<String, (DocAddr, String, DocMeta)> {
    index
        .live_docs()
        .map(|a| {
            let id = index.id(a).to_string();
            let text = index.text(a).expect("text");
            let meta = index.meta(a).expect("meta");
            (id, (a, text, meta))
        })
        .collect()
}

/// The documents the fixture must hold, by id.
fn expected() -> BTreeMap<String, Document> {
    let mut want = BTreeMap::new();
    for d in commit_1().into_iter().chain(commit_2()) {
        want.insert(d.meta.id.clone(), d);
    }
    for id in COMMIT_3_DELETES {
        want.remove(*id);
    }
    want
}

#[test]
fn fixture_is_format_version_1_with_every_file_kind() {
    let names: Vec<String> = files(&fixture_dir()).into_keys().collect();
    assert_eq!(
        names,
        [
            "MANIFEST",
            "seg-000001.g000003.tdel",
            "seg-000001.tseg",
            "seg-000002.g000002.tdel",
            "seg-000002.tseg",
        ],
        "files of the committed fixture"
    );
    let files = files(&fixture_dir());
    let total: usize = files.values().map(Vec::len).sum();
    assert!(total < 50 << 10, "the fixture is {total} bytes");
    // Texts are stored both ways: the long Dutch text zstd-compressed (it
    // does not appear verbatim), the Chinese one raw (it does not shrink).
    let holds = |file: &str, text: &str| {
        files[file]
            .windows(text.len())
            .any(|w| w == text.as_bytes())
    };
    assert!(!holds("seg-000001.tseg", &long_dutch_text()));
    assert!(holds("seg-000002.tseg", &commit_2()[1].text));
    let manifest = std::fs::read_to_string(fixture_dir().join("MANIFEST")).expect("MANIFEST");
    assert!(
        manifest.starts_with("tessera-index 1 "),
        "the fixture's MANIFEST header: {}",
        manifest.lines().next().unwrap_or_default()
    );
}

#[test]
fn fixture_opens_read_only_with_its_documents() {
    let copy = copy_of_fixture();
    let index = open(copy.path());

    let m = index.manifest();
    assert_eq!(m.format_version, 1);
    assert_eq!(m.generation, 3);
    assert_eq!(m.next_segment, 3);
    assert_eq!(*index.settings(), settings());
    assert_eq!(index.num_segments(), 2);
    let stats = index.stats();
    assert_eq!(stats.format_version, 1);
    assert_eq!(stats.documents, 5);
    // efe-003's first version and dpa-002 in segment 1; tass-004's first
    // version in segment 2.
    assert_eq!(stats.deleted, 3);
    assert_eq!(stats.undated, 1);
    assert_eq!(stats.date_range, Some((1_709_604_000, 1_709_792_100)));
    assert_eq!(
        m.segments
            .iter()
            .map(|s| (s.name.as_str(), s.docs, s.deletes.as_deref(), s.deleted))
            .collect::<Vec<_>>(),
        [
            ("seg-000001.tseg", 4, Some("seg-000001.g000003.tdel"), 2),
            ("seg-000002.tseg", 4, Some("seg-000002.g000002.tdel"), 1),
        ]
    );

    // Ids, texts and metadata.
    let got = live(&index);
    let want = expected();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "live ids"
    );
    for (id, d) in &want {
        let (addr, text, meta) = &got[id];
        assert_eq!(text, &d.text, "text of {id}");
        assert_eq!(meta, &d.meta, "metadata of {id}");
        assert_eq!(index.find(id), Some(*addr), "find({id})");
        assert_eq!(
            index.timestamp(*addr),
            d.meta.timestamp,
            "timestamp of {id}"
        );
        let chars = d.text.chars().count() as u32;
        let (c, b, _tokens) = index.doc_sizes(*addr);
        assert_eq!((c, b), (chars, d.text.len() as u32), "sizes of {id}");
    }
    assert_eq!(
        index.live_docs().collect::<Vec<_>>(),
        [(0, 0), (0, 3), (1, 1), (1, 2), (1, 3)].map(|(segment, ord)| DocAddr { segment, ord }),
        "live addresses"
    );

    // Deleted and replaced documents are not live, and are not found.
    for (segment, ord) in [(0, 1), (0, 2), (1, 0)] {
        assert!(!index.is_live(DocAddr { segment, ord }), "{segment}/{ord}");
    }
    assert_eq!(index.find("dpa-002"), None);
    assert_eq!(index.find("efe-003"), Some(DocAddr { segment: 1, ord: 2 }));
    drop(index);

    // Reading changed nothing.
    let after = files(copy.path());
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        files(&fixture_dir()).keys().collect::<Vec<_>>(),
        "files after reading"
    );
    for (name, bytes) in files(&fixture_dir()) {
        assert!(after[&name] == bytes, "reading changed {name}");
    }
}

#[test]
fn fixture_postings_find_the_live_documents() {
    let copy = copy_of_fixture();
    let index = open(copy.path());
    let got = live(&index);

    // Every fingerprint of every live text finds its document, and the
    // postings of every stored text (deleted ones included) list only live
    // documents.
    let an = *index.analyzer();
    let live_addrs: Vec<DocAddr> = index.live_docs().collect();
    for (id, (addr, text, _)) in &got {
        let fps = an.analyze(text).fingerprints;
        assert!(fps.len() >= 3, "{id} has {} fingerprints", fps.len());
        for h in fps {
            let mut out = Vec::new();
            index.postings(h, &mut out).expect("postings");
            assert!(out.contains(addr), "postings of {h:#x} lack {id}: {out:?}");
            let mut capped = Vec::new();
            let df = index
                .postings_capped(h, 100, &mut capped)
                .expect("postings");
            assert_eq!(capped, out, "capped postings of {h:#x}");
            assert!(df as usize >= out.len());
            assert_eq!(index.fingerprint_df(h), df);
        }
    }
    for d in commit_1().iter().chain(&commit_2()) {
        for h in an.analyze(&d.text).fingerprints {
            let mut out = Vec::new();
            index.postings(h, &mut out).expect("postings");
            assert!(out.iter().all(|a| live_addrs.contains(a)), "{out:?}");
        }
    }
    let mut merged = 0;
    index
        .for_each_fingerprint_merged(u32::MAX, |_, df, addrs| {
            merged += 1;
            assert!(addrs.iter().all(|a| live_addrs.contains(a)));
            assert!(df as usize >= addrs.len());
        })
        .expect("merged dictionaries");
    assert!(merged > 50, "{merged} distinct fingerprints");
    // Token document frequencies count the stored documents of each
    // segment, deleted ones included.
    let token = |word: &str| an.tokenize(word).hashes()[0];
    assert_eq!(index.token_df(token("sindicatos")), 2);
    assert_eq!(index.token_df(token("Überschwemmungen")), 1);
    assert_eq!(index.token_df(token("губернаторами")), 2);
    // The deleted document's fingerprints (shared with no other text) find
    // nothing.
    for h in an.analyze(&commit_1()[1].text).fingerprints {
        let mut out = Vec::new();
        index.postings(h, &mut out).expect("postings");
        assert!(out.is_empty(), "dpa-002 is deleted, found {out:?}");
    }
}

#[test]
fn writer_opens_a_copy_of_the_fixture_and_adds_to_it() {
    let copy = copy_of_fixture();
    let mut w = IndexWriter::open(copy.path(), WriterOptions::default())
        .unwrap_or_else(|e| panic!("a writer cannot open the format-version-1 fixture: {e}"));
    assert_eq!(w.index().num_docs(), 5);
    let ansa = doc(
        meta(
            "ansa-007",
            "Città in festa",
            "ANSA",
            Some(("2024-03-08T12:00:00Z", 1_709_899_200)),
            None,
        ),
        "A Napoli la città è scesa in piazza per festeggiare la vittoria; \
         perché la squadra non vinceva da trentatré anni.",
    );
    let mut afp = commit_1().remove(0);
    afp.text
        .push_str(" Une nouvelle réunion est prévue en avril.");
    let mut want = expected();
    for (d, outcome) in [(&ansa, AddOutcome::Added), (&afp, AddOutcome::Replaced)] {
        let p = w.analyzer().prepare(d).expect("prepare");
        assert_eq!(w.add(p).expect("add"), outcome, "{}", d.meta.id);
        want.insert(d.meta.id.clone(), d.clone());
    }
    assert_eq!(w.delete(&["xinhua-005".to_string()]).expect("delete"), 1);
    want.remove("xinhua-005");
    w.commit().expect("commit");
    drop(w);

    let check = |label: &str| {
        let index = open(copy.path());
        let got = live(&index);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{label}: live ids"
        );
        for (id, d) in &want {
            assert_eq!(got[id].1, d.text, "{label}: text of {id}");
            assert_eq!(got[id].2, d.meta, "{label}: metadata of {id}");
        }
        index
    };
    let index = check("after adding");
    assert_eq!(index.manifest().generation, 4);
    assert_eq!(index.num_segments(), 3);
    drop(index);

    // Compaction rewrites the version-1 segments.
    let mut w = IndexWriter::open(copy.path(), WriterOptions::default()).expect("writer");
    w.compact().expect("compact");
    drop(w);
    let index = check("after compaction");
    assert_eq!(index.stats().deleted, 0);
    assert_eq!(index.num_segments(), 1);
}

#[test]
fn fixture_is_deterministic() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    write_v1(&a.path().join("v1"));
    write_v1(&b.path().join("v1"));
    let (fa, fb) = (files(&a.path().join("v1")), files(&b.path().join("v1")));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{name} differs between two writes");
    }
}

/// Rewrites `tests/fixtures/v1/` (see the top of this file). Ignored, and
/// a no-op without `TESSERA_WRITE_V1_FIXTURE=1`.
#[test]
#[ignore = "rewrites the committed fixture; see the top of tests/compat.rs"]
fn write_v1_fixture() {
    if std::env::var_os("TESSERA_WRITE_V1_FIXTURE").is_none_or(|v| v != "1") {
        eprintln!("TESSERA_WRITE_V1_FIXTURE=1 is not set: the fixture is left as it is");
        return;
    }
    assert_eq!(
        FORMAT_VERSION, 1,
        "this build writes format version {FORMAT_VERSION}: the version-1 fixture can only be \
         written by a version-1 writer (add a fixture for the new version instead)"
    );
    let dir = fixture_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove the old fixture");
    }
    write_v1(&dir);
    eprintln!("wrote {}", dir.display());
}
