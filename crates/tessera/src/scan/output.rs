//! Writing scan results: every table both as JSON Lines and as Parquet
//! (the copy graph's CSV and GraphML are written by `graph.rs`).
//!
//! Rows are JSON objects. The JSON Lines file gets them whole; the Parquet
//! file gets one flat column per schema field (nested values, such as a
//! pair's edits, as a JSON string column). Files are written under
//! temporary names and renamed when complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use serde_json::Value;

use crate::error::{Error, Result};

/// The type of a Parquet column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColType {
    Str,
    OptStr,
    I64,
    OptI64,
    F64,
    Bool,
    /// Any JSON value, stored as its JSON text.
    Json,
}

#[derive(Debug)]
enum Col {
    Bytes(Vec<ByteArray>, Vec<i16>),
    I64(Vec<i64>, Vec<i16>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
}

const ROW_GROUP: usize = 64 * 1024;

/// A value of one column of a row given by [`TableWriter::push_typed`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Str(&'a str),
    OptStr(Option<&'a str>),
    I64(i64),
    OptI64(Option<i64>),
    F64(f64),
    Bool(bool),
}

/// One table written as `name.jsonl` and `name.parquet`.
pub(crate) struct TableWriter {
    jsonl: BufWriter<File>,
    parquet: SerializedFileWriter<File>,
    schema: Vec<(&'static str, ColType)>,
    cols: Vec<Col>,
    buffered: usize,
    rows: u64,
    renames: Vec<(PathBuf, PathBuf)>,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter")
            .field("rows", &self.rows)
            .finish()
    }
}

fn parquet_err(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

impl TableWriter {
    pub(crate) fn new(
        dir: &Path,
        name: &str,
        schema: &[(&'static str, ColType)],
    ) -> Result<TableWriter> {
        let jsonl_path = dir.join(format!("{name}.jsonl"));
        let parquet_path = dir.join(format!("{name}.parquet"));
        let jsonl_tmp = dir.join(format!("{name}.jsonl.tmp"));
        let parquet_tmp = dir.join(format!("{name}.parquet.tmp"));
        let jf = File::create(&jsonl_tmp).map_err(|e| Error::io(&jsonl_tmp, e))?;
        let pf = File::create(&parquet_tmp).map_err(|e| Error::io(&parquet_tmp, e))?;
        let mut message = format!("message {name} {{\n");
        for (col, t) in schema {
            let field = match t {
                ColType::Str | ColType::Json => format!("REQUIRED BYTE_ARRAY {col} (UTF8);"),
                ColType::OptStr => format!("OPTIONAL BYTE_ARRAY {col} (UTF8);"),
                ColType::I64 => format!("REQUIRED INT64 {col};"),
                ColType::OptI64 => format!("OPTIONAL INT64 {col};"),
                ColType::F64 => format!("REQUIRED DOUBLE {col};"),
                ColType::Bool => format!("REQUIRED BOOLEAN {col};"),
            };
            message.push_str(&field);
            message.push('\n');
        }
        message.push('}');
        let schema_type = Arc::new(
            parquet::schema::parser::parse_message_type(&message)
                .map_err(|e| parquet_err(&parquet_tmp, e))?,
        );
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build(),
        );
        let parquet = SerializedFileWriter::new(pf, schema_type, props)
            .map_err(|e| parquet_err(&parquet_tmp, e))?;
        let cols = schema
            .iter()
            .map(|(_, t)| match t {
                ColType::Str | ColType::OptStr | ColType::Json => {
                    Col::Bytes(Vec::new(), Vec::new())
                }
                ColType::I64 | ColType::OptI64 => Col::I64(Vec::new(), Vec::new()),
                ColType::F64 => Col::F64(Vec::new()),
                ColType::Bool => Col::Bool(Vec::new()),
            })
            .collect();
        Ok(TableWriter {
            jsonl: BufWriter::with_capacity(1 << 20, jf),
            parquet,
            schema: schema.to_vec(),
            cols,
            buffered: 0,
            rows: 0,
            renames: vec![(jsonl_tmp, jsonl_path), (parquet_tmp, parquet_path)],
        })
    }

    /// Adds a row (a JSON object holding at least the schema's fields).
    pub(crate) fn push(&mut self, row: &Value) -> Result<()> {
        let path = self.renames[0].0.clone();
        serde_json::to_writer(&mut self.jsonl, row).map_err(|e| Error::io(&path, e.into()))?;
        self.jsonl
            .write_all(b"\n")
            .map_err(|e| Error::io(&path, e))?;
        for ((name, t), col) in self.schema.iter().zip(self.cols.iter_mut()) {
            let v = &row[*name];
            match (t, col) {
                (ColType::Str, Col::Bytes(vals, _)) => vals.push(ByteArray::from(
                    v.as_str().unwrap_or("").as_bytes().to_vec(),
                )),
                (ColType::Json, Col::Bytes(vals, _)) => {
                    vals.push(ByteArray::from(v.to_string().into_bytes()))
                }
                (ColType::OptStr, Col::Bytes(vals, defs)) => match v.as_str() {
                    Some(s) => {
                        vals.push(ByteArray::from(s.as_bytes().to_vec()));
                        defs.push(1);
                    }
                    None => defs.push(0),
                },
                (ColType::I64, Col::I64(vals, _)) => vals.push(v.as_i64().unwrap_or(0)),
                (ColType::OptI64, Col::I64(vals, defs)) => match v.as_i64() {
                    Some(x) => {
                        vals.push(x);
                        defs.push(1);
                    }
                    None => defs.push(0),
                },
                (ColType::F64, Col::F64(vals)) => vals.push(v.as_f64().unwrap_or(0.0)),
                (ColType::Bool, Col::Bool(vals)) => vals.push(v.as_bool().unwrap_or(false)),
                _ => {}
            }
        }
        self.buffered += 1;
        self.rows += 1;
        if self.buffered >= ROW_GROUP {
            self.flush_group()?;
        }
        Ok(())
    }

    /// Adds a row already rendered as a JSON line (`line`, with its line
    /// break) and its Parquet values, one per schema field in order (a
    /// `Json` field takes its JSON text as a `Str`).
    pub(crate) fn push_typed(&mut self, line: &[u8], cells: &[Cell<'_>]) -> Result<()> {
        let path = self.renames[0].0.clone();
        self.jsonl
            .write_all(line)
            .map_err(|e| Error::io(&path, e))?;
        debug_assert_eq!(cells.len(), self.cols.len());
        for (cell, col) in cells.iter().zip(self.cols.iter_mut()) {
            match (*cell, col) {
                (Cell::Str(s), Col::Bytes(vals, _)) => {
                    vals.push(ByteArray::from(s.as_bytes().to_vec()))
                }
                (Cell::OptStr(v), Col::Bytes(vals, defs)) => match v {
                    Some(s) => {
                        vals.push(ByteArray::from(s.as_bytes().to_vec()));
                        defs.push(1);
                    }
                    None => defs.push(0),
                },
                (Cell::I64(x), Col::I64(vals, _)) => vals.push(x),
                (Cell::OptI64(v), Col::I64(vals, defs)) => match v {
                    Some(x) => {
                        vals.push(x);
                        defs.push(1);
                    }
                    None => defs.push(0),
                },
                (Cell::F64(x), Col::F64(vals)) => vals.push(x),
                (Cell::Bool(b), Col::Bool(vals)) => vals.push(b),
                _ => {
                    return Err(Error::io(
                        &path,
                        std::io::Error::other("a value does not match its column type"),
                    ));
                }
            }
        }
        self.buffered += 1;
        self.rows += 1;
        if self.buffered >= ROW_GROUP {
            self.flush_group()?;
        }
        Ok(())
    }

    fn flush_group(&mut self) -> Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let path = self.renames[1].0.clone();
        let err = |e| parquet_err(&path, e);
        let mut rg = self.parquet.next_row_group().map_err(err)?;
        for ((_, t), col) in self.schema.iter().zip(self.cols.iter_mut()) {
            let Some(mut cw) = rg.next_column().map_err(err)? else {
                break;
            };
            let optional = matches!(t, ColType::OptStr | ColType::OptI64);
            match col {
                Col::Bytes(vals, defs) => {
                    cw.typed::<ByteArrayType>()
                        .write_batch(vals, optional.then_some(defs.as_slice()), None)
                        .map_err(err)?;
                    vals.clear();
                    defs.clear();
                }
                Col::I64(vals, defs) => {
                    cw.typed::<Int64Type>()
                        .write_batch(vals, optional.then_some(defs.as_slice()), None)
                        .map_err(err)?;
                    vals.clear();
                    defs.clear();
                }
                Col::F64(vals) => {
                    cw.typed::<DoubleType>()
                        .write_batch(vals, None, None)
                        .map_err(err)?;
                    vals.clear();
                }
                Col::Bool(vals) => {
                    cw.typed::<BoolType>()
                        .write_batch(vals, None, None)
                        .map_err(err)?;
                    vals.clear();
                }
            }
            cw.close().map_err(err)?;
        }
        rg.close().map_err(err)?;
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

    #[test]
    fn tables_round_trip_through_parquet() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let dir = tempfile::tempdir().expect("tempdir");
        let mut t = TableWriter::new(
            dir.path(),
            "t",
            &[
                ("id", ColType::Str),
                ("n", ColType::I64),
                ("o", ColType::OptStr),
                ("x", ColType::Json),
            ],
        )
        .expect("writer");
        for k in 0..10 {
            let o = if k % 2 == 0 {
                Value::String(format!("o{k}"))
            } else {
                Value::Null
            };
            t.push(&serde_json::json!({"id": format!("d{k}"), "n": k, "o": o, "x": [k, "a"]}))
                .expect("push");
        }
        assert_eq!(t.finish().expect("finish"), 10);
        let f = File::open(dir.path().join("t.parquet")).expect("parquet");
        let r = SerializedFileReader::new(f).expect("reader");
        assert_eq!(r.metadata().file_metadata().num_rows(), 10);
        let rows: Vec<String> = r
            .get_row_iter(None)
            .expect("rows")
            .map(|row| row.expect("row").to_string())
            .collect();
        assert!(rows[0].contains("d0") && rows[0].contains("o0"), "{rows:?}");
        assert!(rows[1].contains("null"), "{rows:?}");
        let jsonl = std::fs::read_to_string(dir.path().join("t.jsonl")).expect("jsonl");
        assert_eq!(jsonl.lines().count(), 10);
        assert!(!dir.path().join("t.parquet.tmp").exists());
    }
}
