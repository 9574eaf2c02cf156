//! External sorting of fixed-size records: sorted runs spilled to disk when
//! the in-memory buffer reaches its budget, merged back in order.
//!
//! The scan uses it wherever the number of records grows with the corpus
//! (LSH band keys, passage endpoints), so a corpus larger than memory still
//! completes. Written here because the record types are tiny and fixed:
//! a general-purpose external-sort crate would add a dependency for forty
//! lines of merging.

use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A record that sorts by its natural order and encodes in `SIZE` bytes.
pub(crate) trait Record: Ord + Copy + Send {
    const SIZE: usize;
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(b: &[u8]) -> Self;
}

/// Collects records, spilling sorted runs to `dir` beyond `budget` records.
#[derive(Debug)]
pub(crate) struct Sorter<R: Record> {
    dir: PathBuf,
    name: String,
    budget: usize,
    buf: Vec<R>,
    runs: Vec<PathBuf>,
    total: u64,
}

impl<R: Record> Sorter<R> {
    /// `budget_bytes` of memory for the buffer; runs go to `dir/name-N.run`.
    pub(crate) fn new(dir: &Path, name: &str, budget_bytes: usize) -> Sorter<R> {
        let budget = (budget_bytes / std::mem::size_of::<R>().max(1)).max(1024);
        Sorter {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            budget,
            buf: Vec::new(),
            runs: Vec::new(),
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, r: R) -> Result<()> {
        self.buf.push(r);
        self.total += 1;
        if self.buf.len() >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Number of runs written so far.
    pub(crate) fn spills(&self) -> usize {
        self.runs.len()
    }

    fn spill(&mut self) -> Result<()> {
        self.buf.sort_unstable();
        let path = self
            .dir
            .join(format!("{}-{:04}.run", self.name, self.runs.len()));
        let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        let mut bytes = Vec::with_capacity(R::SIZE);
        for r in &self.buf {
            bytes.clear();
            r.encode(&mut bytes);
            w.write_all(&bytes).map_err(|e| Error::io(&path, e))?;
        }
        w.flush().map_err(|e| Error::io(&path, e))?;
        self.buf.clear();
        self.runs.push(path);
        Ok(())
    }

    /// All records in order.
    pub(crate) fn finish(mut self) -> Result<Merged<R>> {
        if self.runs.is_empty() {
            self.buf.sort_unstable();
            return Ok(Merged {
                memory: std::mem::take(&mut self.buf).into_iter(),
                readers: Vec::new(),
                heap: BinaryHeap::new(),
                runs: Vec::new(),
            });
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (k, p) in self.runs.iter().enumerate() {
            let f = File::open(p).map_err(|e| Error::io(p, e))?;
            let mut r = RunReader {
                path: p.clone(),
                inner: BufReader::with_capacity(1 << 18, f),
                bytes: vec![0; R::SIZE],
            };
            if let Some(rec) = r.next_record::<R>()? {
                heap.push(std::cmp::Reverse((rec, k)));
            }
            readers.push(r);
        }
        Ok(Merged {
            memory: Vec::new().into_iter(),
            readers,
            heap,
            runs: std::mem::take(&mut self.runs),
        })
    }
}

#[derive(Debug)]
struct RunReader {
    path: PathBuf,
    inner: BufReader<File>,
    bytes: Vec<u8>,
}

impl RunReader {
    fn next_record<R: Record>(&mut self) -> Result<Option<R>> {
        match self.inner.read_exact(&mut self.bytes) {
            Ok(()) => Ok(Some(R::decode(&self.bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(Error::io(&self.path, e)),
        }
    }
}

/// Records in order, from memory or merged from runs (deleted when done).
#[derive(Debug)]
pub(crate) struct Merged<R: Record> {
    memory: std::vec::IntoIter<R>,
    readers: Vec<RunReader>,
    heap: BinaryHeap<std::cmp::Reverse<(R, usize)>>,
    runs: Vec<PathBuf>,
}

impl<R: Record> Merged<R> {
    pub(crate) fn next_record(&mut self) -> Result<Option<R>> {
        if self.readers.is_empty() {
            return Ok(self.memory.next());
        }
        let Some(std::cmp::Reverse((rec, k))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(next) = self.readers[k].next_record::<R>()? {
            self.heap.push(std::cmp::Reverse((next, k)));
        }
        Ok(Some(rec))
    }
}

impl<R: Record> Drop for Merged<R> {
    fn drop(&mut self) {
        for p in &self.runs {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A `u64` key with a `u32` payload (band key and document, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct KeyDoc {
    pub key: u64,
    pub doc: u32,
}

impl Record for KeyDoc {
    const SIZE: usize = 12;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key.to_le_bytes());
        out.extend_from_slice(&self.doc.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        let mut k = [0u8; 8];
        k.copy_from_slice(&b[..8]);
        let mut d = [0u8; 4];
        d.copy_from_slice(&b[8..12]);
        KeyDoc {
            key: u64::from_le_bytes(k),
            doc: u32::from_le_bytes(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted(records: &[KeyDoc], budget: usize) -> (Vec<KeyDoc>, usize) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = Sorter::new(dir.path(), "t", budget);
        for &r in records {
            s.push(r).expect("push");
        }
        let spills = s.spills();
        let mut m = s.finish().expect("finish");
        let mut out = Vec::new();
        while let Some(r) = m.next_record().expect("next") {
            out.push(r);
        }
        drop(m);
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("ls").count(),
            0,
            "runs are removed"
        );
        (out, spills)
    }

    proptest! {
        #[test]
        fn spilled_and_in_memory_sorts_agree(keys in prop::collection::vec((0u64..50, 0u32..1000), 0..5000)) {
            let records: Vec<KeyDoc> = keys.iter().map(|&(key, doc)| KeyDoc { key, doc }).collect();
            let mut want = records.clone();
            want.sort_unstable();
            let (mem, _) = sorted(&records, 1 << 30);
            let (disk, spills) = sorted(&records, 1);
            prop_assert_eq!(&mem, &want);
            prop_assert_eq!(&disk, &want);
            if records.len() > 1024 {
                prop_assert!(spills > 0);
            }
        }
    }
}
