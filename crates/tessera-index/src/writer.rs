//! The writing side of an index: [`IndexWriter`] adds and deletes
//! documents, commits atomically (segments first, then the manifest by
//! rename) and compacts; [`WriterOptions`], [`DuplicatePolicy`],
//! [`AddOutcome`] and [`WriteStats`] go with it. One writer at a time holds
//! the [`LOCK`] file.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::deletes::Deletes;
use crate::doc::{Analyzer, Document, IndexSettings};
use crate::error::{Error, IoContext, Result};
use crate::manifest::{MANIFEST, Manifest, SegmentEntry};
use crate::reader::{DocAddr, Index};
use crate::segment::{PreparedDoc, Segment, SegmentBuilder};
use crate::{fsutil, recover};

/// Name of the writer lock file.
pub const LOCK: &str = "LOCK";

/// What to do when a document arrives whose id is already indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicatePolicy {
    /// The new document replaces the old one (the old one is deleted in the
    /// same commit).
    #[default]
    Replace,
    /// The new document is refused; the indexed one stays.
    Reject,
}

/// Options of an [`IndexWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Policy for ids that are already indexed.
    pub duplicates: DuplicatePolicy,
    /// Uncompressed text bytes after which a segment is written out.
    pub segment_bytes: u64,
    /// Estimated memory of the segment being built (its postings, token
    /// frequencies and ids) after which it is written out, so that adding
    /// any number of documents holds at most this much. A smaller budget
    /// makes more, smaller segments (`compact` merges them).
    pub memory_bytes: u64,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            duplicates: DuplicatePolicy::Replace,
            segment_bytes: 256 << 20,
            memory_bytes: 512 << 20,
        }
    }
}

/// The outcome of [`IndexWriter::add`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new id.
    Added,
    /// The id was indexed; the old document is deleted.
    Replaced,
    /// The id was indexed and the policy is [`DuplicatePolicy::Reject`].
    RejectedDuplicate,
}

/// Counters of one writer session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteStats {
    /// Documents added under a new id.
    pub added: u64,
    /// Documents that replaced one with the same id.
    pub replaced: u64,
    /// Documents refused because their id was taken.
    pub rejected_duplicates: u64,
    /// Documents deleted by id.
    pub deleted: u64,
}

/// A segment this session has written but not committed. Its ids are
/// looked up in the file (mapped, its pages given back after each use), so
/// that the writer's memory does not grow with the segments it writes.
#[derive(Debug)]
struct Flushed {
    entry: SegmentEntry,
    deletes: Deletes,
    segment: Segment,
}

/// Adds and deletes documents; changes become visible at [`commit`].
///
/// [`commit`]: IndexWriter::commit
#[derive(Debug)]
pub struct IndexWriter {
    dir: PathBuf,
    _lock: File,
    base: Index,
    opts: WriterOptions,
    base_deletes: Vec<Deletes>,
    base_changed: Vec<bool>,
    pending: Option<SegmentBuilder>,
    flushed: Vec<Flushed>,
    next_segment: u64,
    /// Ids of the segment being built, to their ordinals in it.
    ids: HashMap<String, u32>,
    stats: WriteStats,
}

fn segment_name(n: u64) -> String {
    format!("seg-{n:06}.tseg")
}

fn is_index_file(name: &str) -> bool {
    (name.starts_with("seg-")
        && (name.ends_with(".tseg") || name.ends_with(".tdel") || name.ends_with(".tmp")))
        || name == "MANIFEST.tmp"
}

impl IndexWriter {
    /// Opens the index in `dir` for writing, creating it (with `settings`)
    /// if the directory does not exist or is empty. A directory that holds
    /// other files but no index is refused.
    pub fn open_or_create(
        dir: &Path,
        settings: IndexSettings,
        opts: WriterOptions,
    ) -> Result<IndexWriter> {
        if !dir.join(MANIFEST).exists() {
            if dir.exists() {
                if !dir.is_dir() {
                    return Err(Error::NotAnIndex {
                        path: dir.to_path_buf(),
                        reason: "it is not a directory".into(),
                    });
                }
                // Without a MANIFEST, segment files are an index whose
                // manifest was lost, never leftovers: creating an index here
                // would delete them as unreferenced.
                let segments = recover::segment_files(dir);
                if segments > 0 {
                    return Err(Error::MissingManifest {
                        path: dir.to_path_buf(),
                        segments,
                    });
                }
                let foreign = std::fs::read_dir(dir)
                    .at(dir)?
                    .filter_map(|e| e.ok())
                    .any(|e| {
                        let n = e.file_name();
                        let n = n.to_string_lossy();
                        n != LOCK && n != "MANIFEST.tmp"
                    });
                if foreign {
                    return Err(Error::NotAnIndex {
                        path: dir.to_path_buf(),
                        reason: "the directory holds other files; use an empty or new directory for a new index".into(),
                    });
                }
            } else {
                std::fs::create_dir_all(dir).at(dir)?;
            }
            let lock = Self::lock(dir)?;
            if !dir.join(MANIFEST).exists() {
                Manifest::new(settings).write(dir)?;
            }
            return Self::start(dir, lock, opts, None);
        }
        Self::open(dir, opts)
    }

    /// Opens an existing index for writing.
    pub fn open(dir: &Path, opts: WriterOptions) -> Result<IndexWriter> {
        Manifest::read(dir)?;
        let lock = Self::lock(dir)?;
        Self::start(dir, lock, opts, None)
    }

    /// Opens the index of an open [`Index`] for writing, reusing the
    /// segments it has already verified (a long-running server writes
    /// without re-reading the whole index each time).
    pub fn open_from(index: &Index, opts: WriterOptions) -> Result<IndexWriter> {
        let lock = Self::lock(index.dir())?;
        Self::start(index.dir(), lock, opts, Some(index))
    }

    /// Takes the writer lock of the index in `dir` (also held by a
    /// recovery).
    pub(crate) fn lock(dir: &Path) -> Result<File> {
        let path = dir.join(LOCK);
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .at(&path)?;
        match f.try_lock() {
            Ok(()) => Ok(f),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked { path }),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    fn start(
        dir: &Path,
        lock: File,
        opts: WriterOptions,
        previous: Option<&Index>,
    ) -> Result<IndexWriter> {
        // Read the manifest again under the lock: another writer may have
        // committed since `previous` was opened.
        let base = Index::open_reusing(dir, previous, &[])?;
        // Remove what a killed writer may have left behind.
        let referenced: std::collections::HashSet<&str> = base
            .manifest
            .segments
            .iter()
            .flat_map(|s| std::iter::once(s.name.as_str()).chain(s.deletes.as_deref()))
            .collect();
        for e in std::fs::read_dir(dir).at(dir)?.filter_map(|e| e.ok()) {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if is_index_file(&name) && !referenced.contains(name.as_ref()) {
                let p = e.path();
                std::fs::remove_file(&p).at(&p)?;
            }
        }
        let base_deletes = base.segments.iter().map(|v| v.deletes.clone()).collect();
        let n = base.segments.len();
        Ok(IndexWriter {
            dir: dir.to_path_buf(),
            _lock: lock,
            next_segment: base.manifest.next_segment,
            base,
            opts,
            base_deletes,
            base_changed: vec![false; n],
            pending: None,
            flushed: Vec::new(),
            ids: HashMap::new(),
            stats: WriteStats::default(),
        })
    }

    /// The committed state this writer builds on.
    pub fn index(&self) -> &Index {
        &self.base
    }
    /// The analyzer documents must be analysed with.
    pub fn analyzer(&self) -> &Analyzer {
        self.base.analyzer()
    }
    /// Counters since the writer was opened.
    pub fn stats(&self) -> WriteStats {
        self.stats
    }
    /// Whether there are changes to commit.
    pub fn has_changes(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| p.len() > 0)
            || !self.flushed.is_empty()
            || self.base_changed.iter().any(|c| *c)
    }

    /// Deletes the live document `id` wherever it is; returns whether there
    /// was one.
    fn remove(&mut self, id: &str) -> bool {
        if let Some(ord) = self.ids.remove(id) {
            if let Some(p) = self.pending.as_mut() {
                p.kill(ord);
            }
            return true;
        }
        for f in self.flushed.iter_mut().rev() {
            if let Some(ord) = f.segment.find_id(id)
                && f.deletes.insert(ord)
            {
                return true;
            }
        }
        for (k, v) in self.base.segments.iter().enumerate().rev() {
            if let Some(ord) = v.segment.find_id(id)
                && self.base_deletes[k].insert(ord)
            {
                self.base_changed[k] = true;
                return true;
            }
        }
        false
    }

    fn exists(&self, id: &str) -> bool {
        if self.ids.contains_key(id) {
            return true;
        }
        let in_flushed = self.flushed.iter().any(|f| {
            f.segment
                .find_id(id)
                .is_some_and(|ord| !f.deletes.contains(ord))
        });
        in_flushed
            || self.base.segments.iter().enumerate().any(|(k, v)| {
                v.segment
                    .find_id(id)
                    .is_some_and(|ord| !self.base_deletes[k].contains(ord))
            })
    }

    /// Adds a prepared document, applying the duplicate policy.
    pub fn add(&mut self, doc: PreparedDoc) -> Result<AddOutcome> {
        if doc.id().is_empty() {
            return Err(Error::InvalidDocument {
                id: String::new(),
                reason: "empty id".into(),
            });
        }
        let outcome = if self.exists(doc.id()) {
            match self.opts.duplicates {
                DuplicatePolicy::Reject => {
                    self.stats.rejected_duplicates += 1;
                    return Ok(AddOutcome::RejectedDuplicate);
                }
                DuplicatePolicy::Replace => {
                    self.remove(doc.id());
                    self.stats.replaced += 1;
                    AddOutcome::Replaced
                }
            }
        } else {
            self.stats.added += 1;
            AddOutcome::Added
        };
        let id = doc.id().to_string();
        let ord = self.pending_builder().push(doc)?;
        self.ids.insert(id, ord);
        if self.segment_full() {
            self.flush()?;
        }
        Ok(outcome)
    }

    /// Deletes documents by id. If any id is not indexed, nothing is
    /// deleted and [`Error::NotFound`] lists the missing ids.
    pub fn delete(&mut self, ids: &[String]) -> Result<u64> {
        let missing: Vec<String> = ids.iter().filter(|id| !self.exists(id)).cloned().collect();
        if !missing.is_empty() {
            return Err(Error::NotFound { ids: missing });
        }
        let mut n = 0;
        for id in ids {
            if self.remove(id) {
                n += 1;
            }
        }
        self.stats.deleted += n;
        Ok(n)
    }

    /// Whether the segment being built has reached its size or its memory
    /// budget (the id table counted in).
    fn segment_full(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| {
            let ids = self.ids.capacity() * (size_of::<(String, u32)>() + 1);
            p.text_bytes() >= self.opts.segment_bytes
                || (p.heap_bytes() + ids) as u64 >= self.opts.memory_bytes
        })
    }

    /// The builder of the next segment, started on first use.
    fn pending_builder(&mut self) -> &mut SegmentBuilder {
        if self.pending.is_none() {
            let name = segment_name(self.next_segment);
            self.next_segment += 1;
            self.pending = Some(SegmentBuilder::new(self.dir.join(name)));
        }
        self.pending.as_mut().expect("just started")
    }

    /// Writes the pending documents to a new (not yet committed) segment.
    fn flush(&mut self) -> Result<()> {
        let Some(builder) = self.pending.take() else {
            return Ok(());
        };
        if builder.live() == 0 {
            builder.abandon();
            return Ok(());
        }
        let name = builder.name();
        let (docs, bytes, crc32, replaced) = builder.write()?;
        self.ids = HashMap::new();
        let segment = Segment::open_known(&self.dir.join(&name), Some(crc32))?;
        let mut deletes = Deletes::new(docs);
        for ord in replaced {
            deletes.insert(ord);
        }
        self.flushed.push(Flushed {
            entry: SegmentEntry {
                name,
                docs,
                bytes,
                crc32,
                deletes: None,
                deleted: 0,
            },
            deletes,
            segment,
        });
        fsutil::failpoint("after-segment-flush");
        Ok(())
    }

    /// Makes all changes durable and visible, atomically.
    pub fn commit(&mut self) -> Result<()> {
        self.flush()?;
        if !self.has_changes() {
            return Ok(());
        }
        let generation = self.base.manifest.generation + 1;
        let mut manifest = self.base.manifest.clone();
        manifest.generation = generation;
        manifest.written_by = concat!("tessera ", env!("CARGO_PKG_VERSION")).to_string();
        manifest.next_segment = self.next_segment;
        manifest.segments.clear();
        let with_deletes = |entry: &SegmentEntry,
                            deletes: &Deletes,
                            changed: bool|
         -> Result<Option<SegmentEntry>> {
            let mut e = entry.clone();
            if deletes.len() == e.docs {
                return Ok(None);
            }
            if changed && !deletes.is_empty() {
                let stem = e.name.trim_end_matches(".tseg");
                let name = format!("{stem}.g{generation:06}.tdel");
                deletes.write(&self.dir.join(&name))?;
                e.deletes = Some(name);
                e.deleted = deletes.len();
            }
            Ok(Some(e))
        };
        for (k, v) in self.base.segments.iter().enumerate() {
            if let Some(e) = with_deletes(&v.entry, &self.base_deletes[k], self.base_changed[k])? {
                manifest.segments.push(e);
            }
        }
        for f in &self.flushed {
            if let Some(e) = with_deletes(&f.entry, &f.deletes, true)? {
                manifest.segments.push(e);
            }
        }
        self.install(&manifest)
    }

    /// Commits `manifest` and moves the writer onto the index it names
    /// (the segments this session wrote are not hashed again).
    fn install(&mut self, manifest: &Manifest) -> Result<()> {
        fsutil::failpoint("before-manifest");
        manifest.write(&self.dir)?;
        fsutil::failpoint("after-manifest");
        let written: Vec<SegmentEntry> = self.flushed.iter().map(|f| f.entry.clone()).collect();
        let new = Index::open_reusing(&self.dir, Some(&self.base), &written)?;
        let old = std::mem::replace(&mut self.base, new);
        self.reset_session();
        self.remove_unreferenced(&old)?;
        Ok(())
    }

    fn reset_session(&mut self) {
        self.base_deletes = self
            .base
            .segments
            .iter()
            .map(|v| v.deletes.clone())
            .collect();
        self.base_changed = vec![false; self.base.segments.len()];
        self.flushed.clear();
        self.ids.clear();
    }

    /// Removes files of `old` that the current manifest no longer names.
    fn remove_unreferenced(&self, old: &Index) -> Result<()> {
        let now: std::collections::HashSet<&str> = self
            .base
            .manifest
            .segments
            .iter()
            .flat_map(|s| std::iter::once(s.name.as_str()).chain(s.deletes.as_deref()))
            .collect();
        for s in &old.manifest.segments {
            for name in std::iter::once(s.name.as_str()).chain(s.deletes.as_deref()) {
                if !now.contains(name) {
                    let p = self.dir.join(name);
                    match std::fs::remove_file(&p) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(Error::io(&p, e)),
                    }
                }
            }
        }
        Ok(())
    }

    /// Rewrites all live documents into fresh segments, dropping deleted
    /// ones and recomputing document frequencies. Uncommitted changes are
    /// committed first.
    pub fn compact(&mut self) -> Result<()> {
        self.commit()?;
        if self.base.segments.is_empty() {
            return Ok(());
        }
        let addrs: Vec<DocAddr> = self.base.live_docs().collect();
        let analyzer = *self.base.analyzer();
        for chunk in addrs.chunks(4096) {
            use rayon::prelude::*;
            let prepared: Vec<Result<PreparedDoc>> = chunk
                .par_iter()
                .map(|&a| {
                    let doc = Document {
                        meta: self.base.meta(a)?,
                        text: self.base.text(a)?,
                    };
                    analyzer.prepare(&doc)
                })
                .collect();
            for p in prepared {
                let p = p?;
                self.pending_builder().push(p)?;
                if self.segment_full() {
                    self.flush()?;
                }
            }
            // The texts just read stay in the page cache, not in this
            // process's memory.
            self.base.release_pages();
        }
        self.flush()?;
        let generation = self.base.manifest.generation + 1;
        let mut manifest = self.base.manifest.clone();
        manifest.generation = generation;
        manifest.next_segment = self.next_segment;
        manifest.segments = self.flushed.iter().map(|f| f.entry.clone()).collect();
        self.install(&manifest)
    }
}
