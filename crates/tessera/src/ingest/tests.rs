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

fn documents(items: &[Item]) -> Vec<&Document> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Doc { doc, .. } => Some(doc),
            Item::Skipped(_) => None,
        })
        .collect()
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
    let docs = documents(&items);
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

/// A Parquet file as a data engineer's tools write it: string, nullable,
/// list, integer-id and timestamp columns, in two row groups.
fn write_parquet(path: &Path, rows: usize, empty_at: Option<usize>) {
    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampSecondArray};
    use std::sync::Arc;
    let ids = Int64Array::from_iter_values((0..rows).map(|k| k as i64 + 100));
    let texts = StringArray::from_iter_values((0..rows).map(|k| {
        if Some(k) == empty_at {
            String::new()
        } else {
            format!("Article number {k} says the harvest was good.\nSecond line.")
        }
    }));
    let titles: StringArray = (0..rows)
        .map(|k| (k % 2 == 0).then(|| format!("Title {k}")))
        .collect();
    let dates = TimestampSecondArray::from_iter_values((0..rows).map(|k| 541_350_061 + k as i64))
        .with_timezone("UTC");
    let mut topics = ListBuilder::new(StringBuilder::new());
    for k in 0..rows {
        topics.values().append_value(format!("t{k}"));
        topics.append(true);
    }
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(ids) as ArrayRef),
        ("text", Arc::new(texts) as ArrayRef),
        ("title", Arc::new(titles) as ArrayRef),
        ("date", Arc::new(dates) as ArrayRef),
        ("topics", Arc::new(topics.finish()) as ArrayRef),
    ])
    .expect("batch");
    let props = ::parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows.div_ceil(2).max(1)))
        .build();
    let f = std::fs::File::create(path).expect("create");
    let mut w =
        ::parquet::arrow::ArrowWriter::try_new(f, batch.schema(), Some(props)).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

#[test]
fn parquet_rows_are_records_like_json_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("news.parquet");
    write_parquet(&path, 600, Some(3));
    let (files, _) = expand_inputs(std::slice::from_ref(&path), None).expect("expand");
    let progress = std::sync::atomic::AtomicU64::new(0);
    let mut items = Vec::new();
    read_input(
        &files[0],
        &IngestOptions::default(),
        &|n| {
            progress.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        },
        &mut |i| {
            items.push(i);
            Ok(())
        },
    )
    .expect("read");
    let size = std::fs::metadata(&path).expect("meta").len();
    assert_eq!(
        progress.into_inner(),
        size,
        "progress covers the whole file"
    );
    let docs = documents(&items);
    assert_eq!(docs.len(), 599);
    assert_eq!(docs[0].meta.id, "100");
    assert_eq!(
        docs[0].text,
        "Article number 0 says the harvest was good.\nSecond line."
    );
    assert_eq!(docs[0].meta.title.as_deref(), Some("Title 0"));
    assert_eq!(docs[1].meta.title, None, "a null is a missing field");
    assert_eq!(docs[0].meta.timestamp, Some(541_350_061));
    assert_eq!(docs[0].meta.extra["topics"][0], "t0");
    // Rows keep their order across batches and row groups.
    assert_eq!(docs[598].meta.id, "699");
    assert_eq!(reasons(&items).len(), 1);
    let r = &reasons(&items)[0];
    assert!(r.contains("news.parquet:4") && r.contains("103"), "{r}");
}

#[test]
fn a_folder_of_part_files_is_read_in_order_without_its_markers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    write_parquet(&out.join("part-00001.parquet"), 3, None);
    write_parquet(&out.join("part-00000.parquet"), 2, None);
    std::fs::write(out.join("_SUCCESS"), b"").expect("marker");
    std::fs::write(out.join(".part-00000.parquet.crc"), b"crc").expect("crc");
    let (files, unusable) = expand_inputs(&[out], None).expect("expand");
    assert!(unusable.is_empty(), "{unusable:?}");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].id, "part-00000.parquet");
    let items = collect(&files[1], &IngestOptions::default());
    assert_eq!(items.len(), 3);
}

#[test]
fn parquet_without_the_text_column_or_from_stdin_is_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("news.parquet");
    write_parquet(&path, 2, None);
    let opts = IngestOptions {
        fields: FieldNames {
            text: "body".into(),
            ..FieldNames::default()
        },
        ..IngestOptions::default()
    };
    let (files, _) = expand_inputs(&[path], None).expect("expand");
    let err = read_input(&files[0], &opts, &|_| {}, &mut |_| Ok(()))
        .expect_err("no body column")
        .to_string();
    assert!(
        err.contains("news.parquet") && err.contains("\"body\"") && err.contains("id, text"),
        "{err}"
    );
    // Renamed fields work as for JSON Lines.
    let opts = IngestOptions {
        fields: FieldNames {
            title: "text".into(),
            text: "title".into(),
            ..FieldNames::default()
        },
        ..IngestOptions::default()
    };
    let items = collect(&files[0], &opts);
    assert!(matches!(&items[0], Item::Doc { doc, .. } if doc.text == "Title 0"));
    // A file with an unknown extension is recognised by its magic number.
    let odd = dir.path().join("news.bin");
    std::fs::copy(dir.path().join("news.parquet"), &odd).expect("copy");
    let (files, _) = expand_inputs(&[odd], None).expect("expand");
    assert_eq!(collect(&files[0], &IngestOptions::default()).len(), 2);
    let stdin = InputFile {
        path: None,
        id: "stdin".into(),
        size: None,
    };
    let opts = IngestOptions {
        format: Some(InputFormat::Parquet),
        ..IngestOptions::default()
    };
    let err = read_input(&stdin, &opts, &|_| {}, &mut |_| Ok(()))
        .expect_err("stdin")
        .to_string();
    assert!(err.contains("standard input"), "{err}");
}
