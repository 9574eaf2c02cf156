//! The embedded on-disk index of tessera.
//!
//! An index is a directory: a `MANIFEST` naming the committed segment files,
//! immutable segment files (`seg-NNNNNN.tseg`) holding documents, their
//! fingerprint postings and token document frequencies, and deletion files
//! (`seg-NNNNNN.gNNNNNN.tdel`). The format is specified in this crate's
//! `README.md`.
//!
//! * [`Index`] is a read-only, consistent view of the last commit. Opening
//!   one verifies every file's version and checksum. Any number of readers
//!   may run while a writer works.
//! * [`IndexWriter`] adds and deletes documents and commits atomically: new
//!   segment files are written and synced first, then a new manifest
//!   replaces the old one by rename. A process killed at any point leaves the
//!   index in its last committed state; leftovers are removed by the next
//!   writer. One writer at a time (a lock file enforces it).
//!
//! ```
//! use tessera_index::{Analyzer, Document, DocMeta, Index, IndexSettings, IndexWriter, PreparedDoc, WriterOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let mut w = IndexWriter::open_or_create(dir.path(), IndexSettings::default(), WriterOptions::default())?;
//! let doc = Document {
//!     meta: DocMeta { id: "wire-1".into(), ..Default::default() },
//!     text: "Kerry met Putin in Moscow on Thursday.".into(),
//! };
//! let prepared = w.analyzer().prepare(&doc)?;
//! w.add(prepared)?;
//! w.commit()?;
//!
//! let index = Index::open(dir.path())?;
//! assert_eq!(index.num_docs(), 1);
//! let addr = index.find("wire-1").expect("indexed");
//! assert_eq!(index.text(addr)?, doc.text);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod deletes;
mod doc;
mod error;
mod format;
mod keyed;
mod manifest;
mod recover;
mod segment;

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use deletes::Deletes;
pub use doc::{Analysis, Analyzer, DocMeta, Document, IndexSettings};
pub use error::{Error, Result};
pub use format::FORMAT_VERSION;
pub use manifest::{MANIFEST, Manifest, SegmentEntry};
pub use recover::{DAMAGED_MANIFEST, QUARANTINE, Recovery, recover};
pub use segment::{PreparedDoc, Segment};

use error::IoContext;
use segment::SegmentBuilder;

/// Name of the writer lock file.
pub const LOCK: &str = "LOCK";

/// Aborts the process when the environment variable `TESSERA_FAILPOINT`
/// names this point. Crash tests use it to kill a writer at each step of a
/// commit; it costs one cached lookup otherwise.
pub(crate) fn failpoint(name: &str) {
    static POINT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let point = POINT.get_or_init(|| std::env::var("TESSERA_FAILPOINT").ok());
    if point.as_deref() == Some(name) {
        eprintln!("tessera: failpoint {name} reached, aborting");
        std::process::abort();
    }
}

/// Writes `bytes` to `path` through a synced temporary file and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).at(&tmp)?;
    f.write_all(bytes).at(&tmp)?;
    f.sync_all().at(&tmp)?;
    drop(f);
    std::fs::rename(&tmp, path).at(path)
}

/// Makes renames inside `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

/// Address of a document: its segment's position in the index and its
/// ordinal inside the segment. Ordered by insertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocAddr {
    /// Position of the segment in the manifest.
    pub segment: u32,
    /// Ordinal inside the segment.
    pub ord: u32,
}

#[derive(Debug)]
struct SegmentView {
    entry: SegmentEntry,
    segment: Arc<Segment>,
    deletes: Deletes,
}

/// A consistent, read-only view of an index's last commit.
#[derive(Debug)]
pub struct Index {
    dir: PathBuf,
    manifest: Manifest,
    segments: Vec<SegmentView>,
    live: u64,
    analyzer: Analyzer,
}

/// Figures about an index.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndexStats {
    /// Live documents.
    pub documents: u64,
    /// Deleted documents still stored (until compaction).
    pub deleted: u64,
    /// Segment files.
    pub segments: usize,
    /// Commit generation.
    pub generation: u64,
    /// On-disk format version.
    pub format_version: u32,
    /// Bytes of all index files.
    pub bytes_on_disk: u64,
    /// Bytes of live text (uncompressed UTF-8).
    pub text_bytes: u64,
    /// Code points of live text.
    pub text_chars: u64,
    /// Tokens of live text.
    pub tokens: u64,
    /// Distinct fingerprints, summed over segments.
    pub fingerprints: u64,
    /// Distinct tokens, summed over segments.
    pub vocabulary: u64,
    /// Earliest and latest dated live document (Unix seconds).
    pub date_range: Option<(i64, i64)>,
    /// Live documents without a readable date.
    pub undated: u64,
    /// Analysis settings.
    pub settings: IndexSettings,
}

impl Index {
    /// Opens the last commit of the index in `dir`.
    pub fn open(dir: &Path) -> Result<Index> {
        Index::open_reusing(dir, None, &[])
    }

    /// Opens the last commit, reusing the already verified segments of
    /// `previous` (cheap reopening after a commit).
    pub fn reopen(&self) -> Result<Index> {
        Index::open_reusing(&self.dir, Some(self), &[])
    }

    /// Opens the last commit, reusing the segments of `previous`; the
    /// segments of `written` (just written by this process, with their
    /// checksums) are not hashed again.
    fn open_reusing(
        dir: &Path,
        previous: Option<&Index>,
        written: &[SegmentEntry],
    ) -> Result<Index> {
        // A concurrent compaction may remove files between reading the
        // manifest and opening them: read the manifest again then.
        let mut attempt = 0;
        loop {
            let manifest = Manifest::read(dir)?;
            match Index::open_manifest(dir, manifest, previous, written) {
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound && attempt < 3 =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn open_manifest(
        dir: &Path,
        manifest: Manifest,
        previous: Option<&Index>,
        written: &[SegmentEntry],
    ) -> Result<Index> {
        let mut segments = Vec::with_capacity(manifest.segments.len());
        let mut live = 0u64;
        for entry in &manifest.segments {
            let path = dir.join(&entry.name);
            let reused = previous.and_then(|p| {
                p.segments
                    .iter()
                    .find(|v| v.entry.name == entry.name && v.entry.crc32 == entry.crc32)
                    .map(|v| Arc::clone(&v.segment))
            });
            let segment = match reused {
                Some(s) => s,
                None => {
                    let known = written
                        .iter()
                        .any(|w| w.name == entry.name && w.crc32 == entry.crc32)
                        .then_some(entry.crc32);
                    Arc::new(Segment::open_known(&path, known)?)
                }
            };
            if segment.doc_count() != entry.docs || segment.file_len() != entry.bytes {
                return Err(Error::corrupt(
                    &path,
                    "size or document count differs from the manifest",
                ));
            }
            let deletes = match &entry.deletes {
                Some(name) => Deletes::read(&dir.join(name), entry.docs)?,
                None => Deletes::new(entry.docs),
            };
            if deletes.len() != entry.deleted {
                return Err(Error::corrupt(
                    dir.join(MANIFEST),
                    format!("deletion count of {} differs from its file", entry.name),
                ));
            }
            live += u64::from(entry.docs - deletes.len());
            segments.push(SegmentView {
                entry: entry.clone(),
                segment,
                deletes,
            });
        }
        Ok(Index {
            dir: dir.to_path_buf(),
            analyzer: Analyzer::new(&manifest.settings),
            manifest,
            segments,
            live,
        })
    }

    /// The directory of the index.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// Drops the mapped pages of every segment from the resident set (see
    /// [`Segment::release_pages`]); reads afterwards work as before.
    pub fn release_pages(&self) {
        for s in &self.segments {
            s.segment.release_pages();
        }
    }

    /// The committed manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    /// Analysis settings.
    pub fn settings(&self) -> &IndexSettings {
        &self.manifest.settings
    }
    /// The analyzer matching this index.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }
    /// Number of live documents.
    pub fn num_docs(&self) -> u64 {
        self.live
    }
    /// Number of segments.
    pub fn num_segments(&self) -> usize {
        self.segments.len()
    }

    fn seg(&self, addr: DocAddr) -> &Segment {
        &self.segments[addr.segment as usize].segment
    }

    /// Whether `addr` is a live document.
    pub fn is_live(&self, addr: DocAddr) -> bool {
        self.segments
            .get(addr.segment as usize)
            .is_some_and(|v| addr.ord < v.entry.docs && !v.deletes.contains(addr.ord))
    }

    /// The live document with this id.
    pub fn find(&self, id: &str) -> Option<DocAddr> {
        for (k, v) in self.segments.iter().enumerate().rev() {
            if let Some(ord) = v.segment.find_id(id)
                && !v.deletes.contains(ord)
            {
                return Some(DocAddr {
                    segment: k as u32,
                    ord,
                });
            }
        }
        None
    }

    /// The id of a document.
    pub fn id(&self, addr: DocAddr) -> &str {
        self.seg(addr).id(addr.ord)
    }
    /// The text of a document.
    pub fn text(&self, addr: DocAddr) -> Result<String> {
        self.seg(addr).text(addr.ord)
    }
    /// The metadata of a document.
    pub fn meta(&self, addr: DocAddr) -> Result<DocMeta> {
        self.seg(addr).meta(addr.ord)
    }
    /// The timestamp of a document, if dated.
    pub fn timestamp(&self, addr: DocAddr) -> Option<i64> {
        self.seg(addr).timestamp(addr.ord)
    }
    /// Length of a document in code points, bytes and tokens.
    pub fn doc_sizes(&self, addr: DocAddr) -> (u32, u32, u32) {
        self.seg(addr).doc_sizes(addr.ord)
    }

    /// Live documents holding fingerprint `hash`, appended to `out` in
    /// address order.
    pub fn postings(&self, hash: u64, out: &mut Vec<DocAddr>) -> Result<()> {
        let mut buf = Vec::new();
        for (k, v) in self.segments.iter().enumerate() {
            buf.clear();
            v.segment.postings(hash, &mut buf)?;
            out.extend(
                buf.iter()
                    .filter(|&&o| !v.deletes.contains(o))
                    .map(|&ord| DocAddr {
                        segment: k as u32,
                        ord,
                    }),
            );
        }
        Ok(())
    }

    /// The document frequency of fingerprint `hash` (deleted documents not
    /// yet compacted away included) and, when it is at most `cap`, its live
    /// postings appended to `out`. One dictionary search per segment.
    pub fn postings_capped(&self, hash: u64, cap: u32, out: &mut Vec<DocAddr>) -> Result<u32> {
        let mut found: [(usize, (u32, u32)); 8] = [(0, (0, 0)); 8];
        let mut many = Vec::new();
        let mut n = 0;
        let mut df = 0u32;
        for (k, v) in self.segments.iter().enumerate() {
            if let Some(at) = v.segment.lookup(hash) {
                df = df.saturating_add(at.1);
                if n < found.len() {
                    found[n] = (k, at);
                } else {
                    many.push((k, at));
                }
                n += 1;
            }
        }
        if df == 0 || df > cap {
            return Ok(df);
        }
        let mut buf = Vec::new();
        for &(k, at) in found[..n.min(found.len())].iter().chain(&many) {
            let v = &self.segments[k];
            buf.clear();
            v.segment.postings_at(at, &mut buf)?;
            out.extend(
                buf.iter()
                    .filter(|&&o| !v.deletes.contains(o))
                    .map(|&ord| DocAddr {
                        segment: k as u32,
                        ord,
                    }),
            );
        }
        Ok(df)
    }

    /// Documents holding fingerprint `hash` (deleted ones not yet compacted
    /// away included).
    pub fn fingerprint_df(&self, hash: u64) -> u32 {
        self.segments
            .iter()
            .map(|v| v.segment.fingerprint_df(hash))
            .sum()
    }

    /// Documents holding token `hash` (deleted ones not yet compacted away
    /// included).
    pub fn token_df(&self, hash: u64) -> u32 {
        self.segments.iter().map(|v| v.segment.token_df(hash)).sum()
    }

    /// Tokens whose document frequency is at least `min_df`, with it.
    ///
    /// A token qualifies when some segment holds it in at least its
    /// proportional share of `min_df` documents; its frequency is then
    /// summed over all segments.
    pub fn frequent_tokens(&self, min_df: u32) -> HashMap<u64, u32> {
        let total: u64 = self.segments.iter().map(|v| u64::from(v.entry.docs)).sum();
        let mut out: HashMap<u64, u32> = HashMap::new();
        for v in &self.segments {
            let share = (u64::from(min_df) * u64::from(v.entry.docs)).div_ceil(total.max(1)) as u32;
            v.segment.for_each_token(share.max(2), |h, _| {
                out.entry(h).or_insert(0);
            });
        }
        for (h, df) in out.iter_mut() {
            *df = self.token_df(*h);
        }
        out.retain(|_, df| *df >= min_df);
        out
    }

    /// Every live document, in address (insertion) order.
    pub fn live_docs(&self) -> impl Iterator<Item = DocAddr> + '_ {
        self.segments.iter().enumerate().flat_map(|(k, v)| {
            (0..v.entry.docs)
                .filter(move |&o| !v.deletes.contains(o))
                .map(move |ord| DocAddr {
                    segment: k as u32,
                    ord,
                })
        })
    }

    /// Calls `f` once per distinct fingerprint of the index, in hash
    /// order, with its document frequency summed over the segments
    /// (deleted documents not yet compacted away included) and, when that
    /// is at most `cap`, its live postings in address order (otherwise an
    /// empty slice; such postings are not decoded). A sequential merge of
    /// the segments' dictionaries: no search per fingerprint.
    pub fn for_each_fingerprint_merged(
        &self,
        cap: u32,
        mut f: impl FnMut(u64, u32, &[DocAddr]),
    ) -> Result<()> {
        let mut next: Vec<usize> = vec![0; self.segments.len()];
        let counts: Vec<usize> = self
            .segments
            .iter()
            .map(|v| v.segment.fingerprint_count())
            .collect();
        let mut here: Vec<(usize, (u32, u32))> = Vec::new();
        let mut addrs = Vec::new();
        let mut buf = Vec::new();
        loop {
            // The smallest hash at the segments' cursors.
            let mut min: Option<u64> = None;
            for (k, v) in self.segments.iter().enumerate() {
                if next[k] < counts[k] {
                    let h = v.segment.fingerprint_entry(next[k]).0;
                    min = Some(min.map_or(h, |m: u64| m.min(h)));
                }
            }
            let Some(hash) = min else {
                return Ok(());
            };
            here.clear();
            let mut df = 0u32;
            for (k, v) in self.segments.iter().enumerate() {
                if next[k] < counts[k] {
                    let (h, at) = v.segment.fingerprint_entry(next[k]);
                    if h == hash {
                        df = df.saturating_add(at.1);
                        here.push((k, at));
                        next[k] += 1;
                    }
                }
            }
            addrs.clear();
            if df <= cap {
                for &(k, at) in &here {
                    let v = &self.segments[k];
                    buf.clear();
                    v.segment.postings_at(at, &mut buf)?;
                    addrs.extend(buf.iter().filter(|&&o| !v.deletes.contains(o)).map(|&ord| {
                        DocAddr {
                            segment: k as u32,
                            ord,
                        }
                    }));
                }
            }
            f(hash, df, &addrs);
        }
    }

    /// Calls `f` with every fingerprint of every segment and its live
    /// postings.
    pub fn for_each_fingerprint(&self, mut f: impl FnMut(u64, &[DocAddr])) -> Result<()> {
        let mut addrs = Vec::new();
        for (k, v) in self.segments.iter().enumerate() {
            v.segment.for_each_fingerprint(|h, ords| {
                addrs.clear();
                addrs.extend(
                    ords.iter()
                        .filter(|&&o| !v.deletes.contains(o))
                        .map(|&ord| DocAddr {
                            segment: k as u32,
                            ord,
                        }),
                );
                f(h, &addrs);
            })?;
        }
        Ok(())
    }

    /// Figures about the index.
    pub fn stats(&self) -> IndexStats {
        let mut s = IndexStats {
            documents: self.live,
            deleted: 0,
            segments: self.segments.len(),
            generation: self.manifest.generation,
            format_version: self.manifest.format_version,
            bytes_on_disk: 0,
            text_bytes: 0,
            text_chars: 0,
            tokens: 0,
            fingerprints: 0,
            vocabulary: 0,
            date_range: None,
            undated: 0,
            settings: self.manifest.settings,
        };
        if let Ok(m) = std::fs::metadata(self.dir.join(MANIFEST)) {
            s.bytes_on_disk += m.len();
        }
        for v in &self.segments {
            s.deleted += u64::from(v.deletes.len());
            s.bytes_on_disk += v.entry.bytes;
            if let Some(d) = &v.entry.deletes {
                s.bytes_on_disk += std::fs::metadata(self.dir.join(d)).map_or(0, |m| m.len());
            }
            s.fingerprints += v.segment.fingerprint_count() as u64;
            s.vocabulary += v.segment.vocab_len() as u64;
        }
        for addr in self.live_docs() {
            let (chars, bytes, tokens) = self.doc_sizes(addr);
            s.text_chars += u64::from(chars);
            s.text_bytes += u64::from(bytes);
            s.tokens += u64::from(tokens);
            match self.timestamp(addr) {
                Some(t) => {
                    let r = s.date_range.get_or_insert((t, t));
                    r.0 = r.0.min(t);
                    r.1 = r.1.max(t);
                }
                None => s.undated += 1,
            }
        }
        s
    }
}

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
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            duplicates: DuplicatePolicy::Replace,
            segment_bytes: 256 << 20,
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

#[derive(Debug, Clone, Copy)]
enum Loc {
    Pending(u32),
    Flushed(usize, u32),
}

#[derive(Debug)]
struct Flushed {
    entry: SegmentEntry,
    deletes: Deletes,
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
    ids: HashMap<String, Loc>,
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

    fn lock(dir: &Path) -> Result<File> {
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
        if let Some(loc) = self.ids.remove(id) {
            match loc {
                Loc::Pending(ord) => {
                    if let Some(p) = self.pending.as_mut() {
                        p.kill(ord);
                    }
                }
                Loc::Flushed(k, ord) => {
                    self.flushed[k].deletes.insert(ord);
                }
            }
            return true;
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
        self.base.segments.iter().enumerate().any(|(k, v)| {
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
        self.ids.insert(id, Loc::Pending(ord));
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.text_bytes() >= self.opts.segment_bytes)
        {
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
        let k = self.flushed.len();
        for loc in self.ids.values_mut() {
            if let Loc::Pending(ord) = *loc {
                *loc = Loc::Flushed(k, ord);
            }
        }
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
        });
        crate::failpoint("after-segment-flush");
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
        crate::failpoint("before-manifest");
        manifest.write(&self.dir)?;
        crate::failpoint("after-manifest");
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
                if self
                    .pending
                    .as_ref()
                    .is_some_and(|b| b.text_bytes() >= self.opts.segment_bytes)
                {
                    self.flush()?;
                }
            }
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

#[cfg(test)]
mod tests;
