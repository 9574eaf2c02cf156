//! The read-only side of an index: [`Index`], a consistent view of the
//! last commit, its figures ([`IndexStats`]) and document addresses
//! ([`DocAddr`]). Opening verifies every file the manifest names; segments
//! already verified by a previous view are reused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::deletes::Deletes;
use crate::doc::{Analyzer, DocMeta, IndexSettings};
use crate::error::{Error, Result};
use crate::manifest::{MANIFEST, Manifest, SegmentEntry};
use crate::segment::Segment;

/// Address of a document: its segment's position in the index and its
/// ordinal inside the segment. Ordered by insertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocAddr {
    /// Position of the segment in the manifest.
    pub segment: u32,
    /// Ordinal inside the segment.
    pub ord: u32,
}

/// A committed segment with its deletions, as a view holds it.
#[derive(Debug)]
pub(crate) struct SegmentView {
    pub(crate) entry: SegmentEntry,
    pub(crate) segment: Arc<Segment>,
    pub(crate) deletes: Deletes,
}

/// A consistent, read-only view of an index's last commit.
#[derive(Debug)]
pub struct Index {
    dir: PathBuf,
    pub(crate) manifest: Manifest,
    pub(crate) segments: Vec<SegmentView>,
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
    pub(crate) fn open_reusing(
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
    /// proportional share of `min_df` documents (one that is frequent
    /// overall is, in some segment); its frequency is then summed over all
    /// segments. A segment whose share is one document lists its whole
    /// vocabulary, so the result does not depend on how the documents
    /// were split into segments.
    pub fn frequent_tokens(&self, min_df: u32) -> HashMap<u64, u32> {
        let total: u64 = self.segments.iter().map(|v| u64::from(v.entry.docs)).sum();
        let mut out: HashMap<u64, u32> = HashMap::new();
        for v in &self.segments {
            let share = (u64::from(min_df) * u64::from(v.entry.docs)).div_ceil(total.max(1)) as u32;
            v.segment.for_each_token(share.max(1), |h, _| {
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

    /// Every live document in id order (byte order of the ids), from
    /// `from` on: `Included(prefix)` starts at the first id not below
    /// `prefix`, `Excluded(after)` right after `after` (a paging cursor).
    /// A merge of the segments' id tables: a page costs a binary search
    /// per segment and a step per document, whatever the index's size.
    pub fn live_docs_by_id(&self, from: std::ops::Bound<&str>) -> LiveDocsById<'_> {
        let cursors = self
            .segments
            .iter()
            .map(|v| v.segment.id_rank(from))
            .collect::<Vec<_>>();
        let mut it = LiveDocsById {
            index: self,
            cursors,
            heads: std::collections::BinaryHeap::with_capacity(self.segments.len()),
            last: None,
        };
        for k in 0..self.segments.len() {
            if let Some(head) = it.next_live(k) {
                it.heads.push(head);
            }
        }
        it
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

/// The live documents of an index in id order; see
/// [`Index::live_docs_by_id`].
#[derive(Debug)]
pub struct LiveDocsById<'a> {
    index: &'a Index,
    /// Per segment, the position in its id order of the next document to
    /// look at.
    cursors: Vec<usize>,
    /// The next live document of each segment that has one, smallest id on
    /// top.
    heads: std::collections::BinaryHeap<std::cmp::Reverse<(&'a str, u32, u32)>>,
    /// The id returned last (an id is live in one segment only; this keeps
    /// the order strict even if it were not).
    last: Option<&'a str>,
}

impl<'a> LiveDocsById<'a> {
    /// The next live document of segment `k`, advancing its cursor.
    fn next_live(&mut self, k: usize) -> Option<std::cmp::Reverse<(&'a str, u32, u32)>> {
        let index: &'a Index = self.index;
        let v = &index.segments[k];
        loop {
            let ord = v.segment.ord_by_id(self.cursors[k])?;
            self.cursors[k] += 1;
            if !v.deletes.contains(ord) {
                return Some(std::cmp::Reverse((v.segment.id(ord), k as u32, ord)));
            }
        }
    }
}

impl Iterator for LiveDocsById<'_> {
    type Item = DocAddr;

    fn next(&mut self) -> Option<DocAddr> {
        loop {
            let std::cmp::Reverse((id, segment, ord)) = self.heads.pop()?;
            if let Some(head) = self.next_live(segment as usize) {
                self.heads.push(head);
            }
            if self.last.is_some_and(|l| l >= id) {
                continue;
            }
            self.last = Some(id);
            return Some(DocAddr { segment, ord });
        }
    }
}
