//! Parquet input: a file of records with the same fields as JSON Lines
//! (`id`, `text`, optional `title`, `outlet`, `url`, `date`, any other
//! column kept as metadata), read a batch of rows at a time so that memory
//! stays bounded whatever the file's size.
//!
//! Each batch is turned into JSON rows by `arrow-json` (nested, list, date
//! and timestamp columns included) and every row goes through
//! [`record_to_item`], the JSON Lines path: one place decides what a
//! document is and why a record is skipped. A skipped row is located as
//! `file:ROW` (1-based).

use std::fs::File;

use std::sync::Arc;

use arrow_array::{Array, RecordBatch, make_array};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;

use super::{IngestOptions, InputFile, Item, Location, record_to_item};
use crate::error::{Error, Result};

/// Rows decoded together. Small enough that a batch of long articles stays
/// a few megabytes, large enough to keep the decoder efficient.
const BATCH_ROWS: usize = 256;

/// The magic number that opens (and closes) every Parquet file.
pub(super) const MAGIC: &[u8; 4] = b"PAR1";

/// Reads a Parquet file, passing every row to `sink` in order.
/// `progress` receives the file's bytes in proportion to the rows read.
pub(super) fn read_parquet(
    input: &InputFile,
    opts: &IngestOptions,
    progress: &dyn Fn(u64),
    sink: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    let name = input.display();
    let bad = |reason: String| Error::Input {
        location: name.clone(),
        reason,
    };
    let Some(path) = &input.path else {
        return Err(bad(
            "Parquet cannot be read from standard input (its index is at the end of the file): name the file"
                .into(),
        ));
    };
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let total_rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let fields = &opts.fields;
    let schema = builder.schema().clone();
    for (what, column) in [("id", &fields.id), ("text", &fields.text)] {
        if schema.field_with_name(column).is_err() {
            let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(bad(format!(
                "no column {column:?} for the {what} (columns: {}; see --{what}-field)",
                columns.join(", ")
            )));
        }
    }
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut row = 0u64;
    let mut reported = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("cannot read the rows after row {row}: {e}")))?;
        let first = row + 1;
        row += batch.num_rows() as u64;
        let lines = json_rows(&batch).map_err(|e| bad(format!("rows {first}..{row}: {e}")))?;
        let items: Vec<Item> = lines
            .into_par_iter()
            .enumerate()
            .map(|(k, line)| {
                let location = Location {
                    file: name.clone(),
                    line: Some(first + k as u64),
                };
                match serde_json::from_slice(&line) {
                    Ok(value) => record_to_item(value, location, opts),
                    Err(e) => Item::Skipped(super::Skipped {
                        location,
                        id: None,
                        reason: format!("row cannot be read as a record: {e}"),
                    }),
                }
            })
            .collect();
        for item in items {
            sink(item)?;
        }
        if total_rows > 0 {
            let done = (size as u128 * row as u128 / total_rows as u128) as u64;
            progress(done.saturating_sub(reported));
            reported = done;
        }
    }
    progress(size.saturating_sub(reported));
    Ok(())
}

/// Timestamps with a named time zone (`UTC`, as pandas and Spark write
/// them, or `Europe/Paris`) as the same instants in UTC: the values are
/// UTC already, and the JSON encoder only knows offsets (`+00:00`).
fn utc_timestamps(batch: &RecordBatch) -> std::result::Result<RecordBatch, String> {
    let named = |dt: &DataType| matches!(dt, DataType::Timestamp(_, Some(tz)) if !tz.starts_with(['+', '-']));
    if !batch.schema().fields().iter().any(|f| named(f.data_type())) {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        match field.data_type() {
            DataType::Timestamp(unit, Some(_)) if named(field.data_type()) => {
                let utc = DataType::Timestamp(*unit, Some("+00:00".into()));
                let data = column
                    .to_data()
                    .into_builder()
                    .data_type(utc.clone())
                    .build()
                    .map_err(|e| e.to_string())?;
                fields.push(field.as_ref().clone().with_data_type(utc));
                columns.push(make_array(data));
            }
            _ => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}

/// The rows of a batch as JSON objects, one byte string each (null values
/// left out, as a JSON Lines record would leave them out).
fn json_rows(batch: &RecordBatch) -> std::result::Result<Vec<Vec<u8>>, String> {
    let batch = utc_timestamps(batch)?;
    let mut out = Vec::new();
    let mut w = arrow_json::LineDelimitedWriter::new(&mut out);
    w.write(&batch).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    drop(w);
    Ok(out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect())
}
