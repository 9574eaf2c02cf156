use super::*;
use std::io::Write;

fn collect(input: &InputFile, opts: &IngestOptions) -> Vec<Item> {
    let mut items = Vec::new();
    read_input(input, opts, &|_| {}, &mut |i| {
        items.push(i);
        Ok(())
    })
    .expect("read");
    items
}

fn file(dir: &Path, name: &str, bytes: &[u8]) -> InputFile {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    let (files, _) = expand_inputs(&[p], None).expect("expand");
    files.into_iter().next().expect("one file")
}

fn reasons(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Skipped(s) => Some(s.to_string()),
            Item::Doc { .. } => None,
        })
        .collect()
}

#[test]
fn jsonl_records_and_every_kind_of_bad_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(br#"{"id": 7, "text": "Oil rose.", "title": "T", "outlet": "wire", "date": "1987-02-26T15:01:01.790", "topics": ["crude"]}"#);
    bytes.extend_from_slice(b"\n\n");
    bytes.extend_from_slice(b"{not json\n");
    bytes.extend_from_slice(br#"{"text": "no id"}"#);
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(br#"{"id": "e", "text": "   "}"#);
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(br#"{"id": "n", "text": "nul\u0000byte"}"#);
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(b"{\"id\": \"u\", \"text\": \"bad \xff utf8\"}\n");
    bytes.extend_from_slice(br#"{"id": "d", "text": "Undated text.", "date": "yesterday"}"#);
    bytes.extend_from_slice(b"\n[1, 2]\n");
    let input = file(dir.path(), "a.jsonl", &bytes);
    let items = collect(&input, &IngestOptions::default());
    let docs: Vec<&Document> = items
        .iter()
        .filter_map(|i| match i {
            Item::Doc { doc, .. } => Some(doc),
            Item::Skipped(_) => None,
        })
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].meta.id, "7");
    assert_eq!(docs[0].meta.title.as_deref(), Some("T"));
    assert_eq!(docs[0].meta.timestamp, Some(541_350_061));
    assert_eq!(docs[0].meta.extra["topics"][0], "crude");
    assert_eq!(docs[1].meta.timestamp, None);
    let r = reasons(&items);
    let name = input.display();
    assert_eq!(
        r,
        vec![
            format!("{name}:3: malformed JSON: key must be a string at line 1 column 2"),
            format!("{name}:4: missing id (field \"id\")"),
            format!("{name}:5: document \"e\": empty text"),
            format!("{name}:6: document \"n\": text contains NUL characters (binary data?)"),
            format!("{name}:7: invalid UTF-8 at byte 26 of the line (see --input-encoding)"),
            format!("{name}:9: not a JSON object"),
        ]
    );
}

#[test]
fn configurable_fields_and_size_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = "x".repeat(300);
    let body = format!(
        "{{\"key\": \"a\", \"body\": \"short text\"}}\n{{\"key\": \"b\", \"body\": \"{big}\"}}\n"
    );
    let input = file(dir.path(), "b.ndjson", body.as_bytes());
    let opts = IngestOptions {
        fields: FieldNames {
            id: "key".into(),
            text: "body".into(),
            ..Default::default()
        },
        max_doc_bytes: 100,
        format: None,
        encoding: Encoding::Utf8,
    };
    let items = collect(&input, &opts);
    assert!(matches!(&items[0], Item::Doc { doc, .. } if doc.meta.id == "a"));
    let r = reasons(&items);
    assert_eq!(r.len(), 1);
    assert!(
        r[0].contains("document \"b\": text of 300 bytes is larger than the limit of 100 bytes"),
        "{r:?}"
    );
}

#[test]
fn overlong_lines_are_consumed_without_being_kept() {
    let text = format!("{}\nshort\n{}", "y".repeat(5000), "z".repeat(10));
    let mut r = std::io::BufReader::with_capacity(64, text.as_bytes());
    let mut buf = Vec::new();
    assert!(matches!(
        read_line_limited(&mut r, &mut buf, 100).expect("read"),
        Line::TooLong(5001)
    ));
    assert!(buf.is_empty());
    assert!(matches!(
        read_line_limited(&mut r, &mut buf, 100).expect("read"),
        Line::Complete
    ));
    assert_eq!(buf, b"short\n");
    assert!(matches!(
        read_line_limited(&mut r, &mut buf, 100).expect("read"),
        Line::Complete
    ));
    assert_eq!(buf, b"zzzzzzzzzz");
    assert!(matches!(
        read_line_limited(&mut r, &mut buf, 100).expect("read"),
        Line::Eof
    ));
}

#[test]
fn compressed_inputs_and_json_arrays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = b"{\"id\": \"z\", \"text\": \"zipped text\"}\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(line).expect("gz");
    let input = file(dir.path(), "d.jsonl.gz", &gz.finish().expect("gz"));
    assert!(
        matches!(&collect(&input, &IngestOptions::default())[0], Item::Doc { doc, .. } if doc.text == "zipped text")
    );
    let zst = zstd::encode_all(&b"A plain text article.\nSecond line."[..], 3).expect("zstd");
    let input = file(dir.path(), "e.txt.zst", &zst);
    assert_eq!(input.id, "e.txt");
    let items = collect(&input, &IngestOptions::default());
    assert!(
        matches!(&items[0], Item::Doc { doc, .. } if doc.meta.id == "e.txt" && doc.meta.title.as_deref() == Some("A plain text article."))
    );
    let input = file(
        dir.path(),
        "f.json",
        br#"[{"id": "a1", "text": "one"}, {"id": "a2"}]"#,
    );
    let items = collect(&input, &IngestOptions::default());
    assert!(matches!(&items[0], Item::Doc { doc, .. } if doc.meta.id == "a1"));
    assert!(
        reasons(&items)[0].contains("[element 2]: document \"a2\": missing text"),
        "{:?}",
        reasons(&items)
    );
}

#[test]
fn folders_are_walked_in_order_and_odd_files_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("b.txt"), "Bee text.").expect("write");
    std::fs::write(dir.path().join("sub/a.txt"), "Ay text.").expect("write");
    std::fs::write(dir.path().join("image.png"), [0u8, 1, 2]).expect("write");
    std::fs::write(dir.path().join("bad.txt"), b"caf\xe9\nline").expect("write");
    let (files, skipped) = expand_inputs(&[dir.path().to_path_buf()], None).expect("expand");
    let ids: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["b.txt", "bad.txt", "sub/a.txt"]);
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].to_string().contains("image.png"));
    let items = collect(&files[1], &IngestOptions::default());
    assert!(
        reasons(&items)[0].contains("invalid UTF-8 on line 1 (byte 4; see --input-encoding)"),
        "{:?}",
        reasons(&items)
    );
    let e = expand_inputs(&[dir.path().join("missing.jsonl")], None).expect_err("missing");
    assert!(e.to_string().contains("missing.jsonl"), "{e}");
}

#[test]
fn unknown_extensions_are_sniffed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = file(
        dir.path(),
        "data.dump",
        b"{\"id\": \"s\", \"text\": \"sniffed\"}\n",
    );
    assert!(
        matches!(&collect(&input, &IngestOptions::default())[0], Item::Doc { doc, .. } if doc.meta.id == "s")
    );
    let input = file(dir.path(), "notes", b"Just words.");
    assert!(
        matches!(&collect(&input, &IngestOptions::default())[0], Item::Doc { doc, .. } if doc.text == "Just words.")
    );
}

#[test]
fn legacy_encodings_are_decoded_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = file(dir.path(), "w.txt", b"It\x92s a \x93quoted\x94 word");
    let strict = collect(&input, &IngestOptions::default());
    assert!(
        reasons(&strict)[0].contains("invalid UTF-8 on line 1 (byte 3; see --input-encoding)"),
        "{:?}",
        reasons(&strict)
    );
    for encoding in [Encoding::Auto, Encoding::Windows1252] {
        let opts = IngestOptions {
            encoding,
            ..Default::default()
        };
        let items = collect(&input, &opts);
        assert!(
            matches!(&items[0], Item::Doc { doc, decoded_from: Some("windows-1252"), .. } if doc.text == "It\u{2019}s a \u{201c}quoted\u{201d} word"),
            "{items:?}"
        );
    }
    // Valid UTF-8 is left alone by `auto`.
    let input = file(dir.path(), "u.txt", "caf\u{e9}".as_bytes());
    let items = collect(
        &input,
        &IngestOptions {
            encoding: Encoding::Auto,
            ..Default::default()
        },
    );
    assert!(
        matches!(&items[0], Item::Doc { doc, decoded_from: None, .. } if doc.text == "caf\u{e9}")
    );
}

#[test]
fn a_byte_order_mark_opening_json_lines_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        b"{\"id\": \"a\", \"text\": \"Oil rose.\"}\n{\"id\": \"b\", \"text\": \"Gold fell.\"}\n",
    );
    let items = collect(
        &file(dir.path(), "bom.jsonl", &bytes),
        &IngestOptions::default(),
    );
    assert!(reasons(&items).is_empty(), "{:?}", reasons(&items));
    assert_eq!(items.len(), 2);
    let mut array = b"\xEF\xBB\xBF".to_vec();
    array.extend_from_slice(b"[{\"id\": \"a\", \"text\": \"Oil rose.\"}]");
    let items = collect(
        &file(dir.path(), "bom.json", &array),
        &IngestOptions::default(),
    );
    assert!(reasons(&items).is_empty(), "{:?}", reasons(&items));
    assert_eq!(items.len(), 1);
}
