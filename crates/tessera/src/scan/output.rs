//! Writing scan results: every table both as JSON Lines and as Parquet
//! (the copy graph's CSV and GraphML are written by `graph.rs`).
//!
//! Rows are JSON objects. The JSON Lines file gets them whole; the Parquet
//! file gets the same lines decoded against the table's Arrow schema, so
//! it holds exactly the JSON Lines data, with typed columns: nested values
//! such as a pair's edits are lists of structs, not JSON text. A required
//! column that a row leaves null is an error, not a silent default. Files
//! are written under temporary names and renamed when complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_json::reader::{Decoder, ReaderBuilder};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use crate::error::{Error, Result};

/// Rows per Parquet row group (and per decoded batch).
const ROW_GROUP: usize = 64 * 1024;

/// A column that is never null.
pub(crate) fn required(name: &str, t: DataType) -> Field {
    Field::new(name, t, false)
}

/// A column that may be null.
pub(crate) fn nullable(name: &str, t: DataType) -> Field {
    Field::new(name, t, true)
}

/// A list of structs with these fields (`list<struct<...>>`).
pub(crate) fn list_of(fields: Vec<Field>) -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(fields.into()),
        true,
    )))
}

/// One table written as `name.jsonl` and `name.parquet`.
pub(crate) struct TableWriter {
    jsonl: BufWriter<File>,
    parquet: ArrowWriter<File>,
    /// Rows since the last row group, decoded from their JSON lines.
    decoder: Decoder,
    buffered: usize,
    rows: u64,
    line: Vec<u8>,
    renames: Vec<(PathBuf, PathBuf)>,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter")
            .field("rows", &self.rows)
            .finish()
    }
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

impl TableWriter {
    /// A table of these columns, in this order.
    pub(crate) fn new(dir: &Path, name: &str, columns: Vec<Field>) -> Result<TableWriter> {
        let jsonl_path = dir.join(format!("{name}.jsonl"));
        let parquet_path = dir.join(format!("{name}.parquet"));
        let jsonl_tmp = dir.join(format!("{name}.jsonl.tmp"));
        let parquet_tmp = dir.join(format!("{name}.parquet.tmp"));
        let jf = File::create(&jsonl_tmp).map_err(|e| Error::io(&jsonl_tmp, e))?;
        let pf = File::create(&parquet_tmp).map_err(|e| Error::io(&parquet_tmp, e))?;
        let schema = Arc::new(Schema::new(columns));
        let err = |e: ArrowError| parquet_err(&parquet_tmp, e);
        // Unknown fields are an error: the schema names every column.
        let decoder = ReaderBuilder::new(schema.clone())
            .with_batch_size(ROW_GROUP)
            .with_strict_mode(true)
            .build_decoder()
            .map_err(err)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .build();
        let parquet = ArrowWriter::try_new(pf, schema, Some(props))
            .map_err(|e| parquet_err(&parquet_tmp, e))?;
        Ok(TableWriter {
            jsonl: BufWriter::with_capacity(1 << 20, jf),
            parquet,
            decoder,
            buffered: 0,
            rows: 0,
            line: Vec::new(),
            renames: vec![(jsonl_tmp, jsonl_path), (parquet_tmp, parquet_path)],
        })
    }

    /// Adds a row (a JSON object of the schema's fields).
    pub(crate) fn push(&mut self, row: &Value) -> Result<()> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let path = &self.renames[0].0;
        serde_json::to_writer(&mut line, row).map_err(|e| Error::io(path, e.into()))?;
        line.push(b'\n');
        let r = self.push_line(&line);
        self.line = line;
        r
    }

    /// Adds a row already rendered as a JSON line (with its line break).
    pub(crate) fn push_line(&mut self, line: &[u8]) -> Result<()> {
        let path = &self.renames[0].0;
        self.jsonl.write_all(line).map_err(|e| Error::io(path, e))?;
        let mut rest = line;
        while !rest.is_empty() {
            let used = self
                .decoder
                .decode(rest)
                .map_err(|e| parquet_err(&self.renames[1].0, e))?;
            if used == 0 {
                // The decoder holds a full batch.
                self.flush_group()?;
            }
            rest = &rest[used..];
        }
        self.buffered += 1;
        self.rows += 1;
        if self.buffered >= ROW_GROUP {
            self.flush_group()?;
        }
        Ok(())
    }

    fn flush_group(&mut self) -> Result<()> {
        let path = self.renames[1].0.clone();
        if let Some(batch) = self.decoder.flush().map_err(|e| parquet_err(&path, e))? {
            self.parquet
                .write(&batch)
                .map_err(|e| parquet_err(&path, e))?;
        }
        self.buffered = 0;
        Ok(())
    }

    /// Completes both files; returns the number of rows.
    pub(crate) fn finish(mut self) -> Result<u64> {
        self.flush_group()?;
        let ppath = self.renames[1].0.clone();
        self.parquet.close().map_err(|e| parquet_err(&ppath, e))?;
        let jpath = self.renames[0].0.clone();
        self.jsonl.flush().map_err(|e| Error::io(&jpath, e))?;
        for (tmp, fin) in &self.renames {
            std::fs::rename(tmp, fin).map_err(|e| Error::io(fin, e))?;
        }
        Ok(self.rows)
    }
}

/// Writes a file under a temporary name and renames it.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn columns() -> Vec<Field> {
        vec![
            required("id", DataType::Utf8),
            required("n", DataType::Int64),
            nullable("o", DataType::Utf8),
            required(
                "x",
                list_of(vec![
                    required("k", DataType::Int64),
                    nullable("a", DataType::Utf8),
                ]),
            ),
        ]
    }

    #[test]
    fn tables_round_trip_through_parquet() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut t = TableWriter::new(dir.path(), "t", columns()).expect("writer");
        for k in 0..10 {
            let o = if k % 2 == 0 {
                Value::String(format!("o{k}"))
            } else {
                Value::Null
            };
            t.push(&serde_json::json!({"id": format!("d{k}"), "n": k, "o": o, "x": [{"k": k, "a": "a"}, {"k": 0, "a": null}]}))
                .expect("push");
        }
        assert_eq!(t.finish().expect("finish"), 10);
        let f = File::open(dir.path().join("t.parquet")).expect("parquet");
        let r = ParquetRecordBatchReaderBuilder::try_new(f)
            .expect("reader")
            .build()
            .expect("batches");
        let batches: Vec<_> = r.map(|b| b.expect("batch")).collect();
        let b = &batches[0];
        assert_eq!(b.num_rows(), 10);
        assert_eq!(b.column(0).as_string::<i32>().value(0), "d0");
        assert!(b.column(2).is_null(1));
        let x = b.column(3).as_list::<i32>().value(3);
        let k = x.as_struct().column(0).as_primitive::<Int64Type>();
        assert_eq!((k.value(0), x.len()), (3, 2));
        let jsonl = std::fs::read_to_string(dir.path().join("t.jsonl")).expect("jsonl");
        assert_eq!(jsonl.lines().count(), 10);
        assert!(!dir.path().join("t.parquet.tmp").exists());
    }

    #[test]
    fn a_null_in_a_required_column_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut t = TableWriter::new(dir.path(), "t", columns()).expect("writer");
        let pushed = t.push(&serde_json::json!({"id": null, "n": 1, "o": null, "x": []}));
        assert!(pushed.is_err() || t.finish().is_err());
    }
}
