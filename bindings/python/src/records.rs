//! Python records (dicts, or the columns of an Arrow table) turned into
//! the library's records, with the GIL held; the library judges them
//! (missing id, empty text, size limit, …) exactly as it judges JSON Lines.
//!
//! The Python layer hands records over in chunks: a list of dicts, or a
//! tuple `(names, columns)` of column lists of equal length.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use tessera::ingest::{IngestOptions, Item, Location, Skipped, record_to_item};

/// Nesting deeper than this is a bad record, not a stack overflow.
const MAX_DEPTH: u32 = 64;

/// A Python value as JSON: `str`, `int`, `float`, `bool`, `None`, lists,
/// tuples and dicts as themselves, dates and times as ISO 8601 strings,
/// `bytes` as UTF-8 text, NumPy scalars through `.item()`, anything else
/// through `str()`.
pub fn to_value(obj: &Bound<'_, PyAny>, depth: u32) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("value nested too deeply".into());
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_str()
            .map(|s| Value::String(s.to_owned()))
            .map_err(|_| "string is not valid Unicode (lone surrogate)".to_string());
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(i.into());
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(u.into());
        }
        return Ok(Value::String(
            obj.str().map_err(|e| e.to_string())?.to_string(),
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_str().map_err(|e| e.to_string())?.to_owned(),
                Err(_) => k.str().map_err(|e| e.to_string())?.to_string(),
            };
            map.insert(key, to_value(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l.iter().map(|v| to_value(&v, depth + 1)).collect();
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().map(|v| to_value(&v, depth + 1)).collect();
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(|s| Value::String(s.to_owned()))
            .map_err(|e| format!("invalid UTF-8: {e}"));
    }
    for method in ["isoformat", "item"] {
        if obj.hasattr(method).unwrap_or(false)
            && let Ok(v) = obj.call_method0(method)
        {
            return to_value(&v, depth + 1);
        }
    }
    Ok(Value::String(
        obj.str().map_err(|e| e.to_string())?.to_string(),
    ))
}

/// Numbers records as the library does (`records:k`, 1-based) across
/// the chunks of one call.
pub struct Records<'o> {
    opts: &'o IngestOptions,
    next: u64,
}

impl<'o> Records<'o> {
    /// Starts numbering at record 1.
    pub fn new(opts: &'o IngestOptions) -> Records<'o> {
        Records { opts, next: 1 }
    }

    fn item(&mut self, value: Result<Value, String>) -> Item {
        let location = Location {
            file: "records".into(),
            line: Some(self.next),
        };
        self.next += 1;
        match value {
            Ok(v) => record_to_item(v, location, self.opts),
            Err(reason) => Item::Skipped(Skipped {
                location,
                id: None,
                reason,
            }),
        }
    }

    /// The records of one chunk.
    pub fn chunk(&mut self, chunk: &Bound<'_, PyAny>) -> PyResult<Vec<Item>> {
        if let Ok(t) = chunk.cast::<PyTuple>() {
            let (names, columns): (Vec<String>, Vec<Bound<'_, PyList>>) = t.extract()?;
            return Ok(self.columns(&names, &columns));
        }
        let rows = chunk.cast::<PyList>()?;
        Ok(rows
            .iter()
            .map(|r| {
                let v = if r.cast::<PyDict>().is_ok() {
                    to_value(&r, 0)
                } else {
                    Err("not a dict (a record is a mapping of field names to values)".into())
                };
                self.item(v)
            })
            .collect())
    }

    fn columns(&mut self, names: &[String], columns: &[Bound<'_, PyList>]) -> Vec<Item> {
        let rows = columns.first().map_or(0, |c| c.len());
        (0..rows)
            .map(|i| {
                let mut map = Map::new();
                let mut bad = None;
                for (name, col) in names.iter().zip(columns) {
                    let cell = col.get_item(i).map_err(|e| e.to_string());
                    match cell.and_then(|c| to_value(&c, 1)) {
                        Ok(Value::Null) => {}
                        Ok(v) => {
                            map.insert(name.clone(), v);
                        }
                        Err(e) => {
                            bad.get_or_insert(format!("field {name:?}: {e}"));
                        }
                    }
                }
                self.item(match bad {
                    Some(reason) => Err(reason),
                    None => Ok(Value::Object(map)),
                })
            })
            .collect()
    }
}
