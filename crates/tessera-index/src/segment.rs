//! Immutable segment files: building and reading.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::doc::{Analysis, DocMeta, Document};
use crate::error::{Error, IoContext, Result};
use crate::format::*;

/// Sections of a segment, in file order. Texts and metadata come first so
/// that a segment can be written while documents arrive.
pub(crate) const SECTIONS: usize = 7;
const S_STORE: usize = 0;
const S_DOCS: usize = 1;
const S_IDS: usize = 2;
const S_ID_ORDER: usize = 3;
const S_FP_DICT: usize = 4;
const S_POSTINGS: usize = 5;
const S_VOCAB: usize = 6;

pub(crate) const DOC_RECORD: usize = 64;
const ID_ORDER_RECORD: usize = 4;
const FP_RECORD: usize = 16;
const VOCAB_RECORD: usize = 12;
const FOOTER_LEN: usize = SECTIONS * 16 + 8;

const FLAG_ZSTD: u32 = 1;
const FLAG_TIMESTAMP: u32 = 2;

/// zstd level for stored texts: fast to write, decompresses in
/// microseconds per article.
const ZSTD_LEVEL: i32 = 1;

thread_local! {
    // Creating a zstd context costs more than compressing a news article:
    // keep one per thread.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

fn zstd_compress(raw: &[u8]) -> Option<Vec<u8>> {
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = zstd::bulk::Compressor::new(ZSTD_LEVEL).ok();
        }
        c.as_mut()?.compress(raw).ok()
    })
}

/// The postings of a segment being built: (fingerprint, ordinal) pairs in
/// buckets by the hash's top byte, so that sorting each bucket sorts them
/// all.
///
/// A bucket is a list of fixed-size byte chunks, each pair packed as the
/// 7 low bytes of its hash and the varint gap to the bucket's previous
/// ordinal (pairs arrive in ordinal order): about 8 bytes a pair instead
/// of 16, and chunks never move or grow. These are the bulk of what a
/// segment builder holds, so their size is what indexing pays in fresh
/// memory.
#[derive(Debug, Default)]
struct Pairs {
    /// Per bucket, its chunks but the last.
    full: Vec<Vec<Vec<u8>>>,
    /// Per bucket, the chunk being filled (side by side, so that finding
    /// where a pair goes touches one small table).
    tails: Vec<Vec<u8>>,
    /// Per bucket, the ordinal of its last pair.
    last: Vec<u32>,
    len: usize,
    /// Chunks allocated so far (full ones and tails).
    chunks: usize,
}

impl Pairs {
    const BUCKETS: usize = 256;
    /// Bytes per chunk.
    const CHUNK: usize = 16 << 10;
    /// The longest packed pair.
    const MAX_PAIR: usize = 7 + 5;

    fn push(&mut self, hash: u64, ord: u32) {
        if self.tails.is_empty() {
            self.full = vec![Vec::new(); Self::BUCKETS];
            self.tails = vec![Vec::new(); Self::BUCKETS];
            self.last = vec![0; Self::BUCKETS];
        }
        let b = (hash >> 56) as usize;
        let tail = &mut self.tails[b];
        if tail.len() + Self::MAX_PAIR > tail.capacity() {
            let full = std::mem::replace(tail, Vec::with_capacity(Self::CHUNK));
            self.chunks += 1;
            if !full.is_empty() {
                self.full[b].push(full);
            }
        }
        tail.extend_from_slice(&hash.to_le_bytes()[..7]);
        put_varint(tail, ord - self.last[b]);
        self.last[b] = ord;
        self.len += 1;
    }

    /// Bytes held: the chunks and the three per-bucket tables.
    fn heap_bytes(&self) -> usize {
        self.chunks * Self::CHUNK + Self::BUCKETS * (2 * size_of::<Vec<u8>>() + 4)
    }

    /// The pairs of every bucket, in bucket order: `each(pairs)` with the
    /// bucket's pairs in arrival order.
    fn for_each_bucket(
        self,
        mut each: impl FnMut(&mut Vec<(u64, u32)>) -> Result<()>,
    ) -> Result<()> {
        let mut pairs = Vec::new();
        for (b, (chunks, tail)) in self.full.into_iter().zip(self.tails).enumerate() {
            pairs.clear();
            let top = (b as u64) << 56;
            let mut ord = 0u32;
            for chunk in chunks.iter().chain(std::iter::once(&tail)) {
                let mut pos = 0;
                while pos < chunk.len() {
                    let mut low = [0u8; 8];
                    low[..7].copy_from_slice(&chunk[pos..pos + 7]);
                    pos += 7;
                    ord += get_varint(chunk, &mut pos).expect("a pair written by push");
                    pairs.push((top | u64::from_le_bytes(low), ord));
                }
            }
            each(&mut pairs)?;
        }
        Ok(())
    }
}

/// Sorts the pairs of one bucket (their hashes share the top byte) into
/// `out`: a counting sort on the next byte, then a sort of each run, a
/// few dozen pairs on average, instead of one sort of thousands.
fn sort_bucket(pairs: &[(u64, u32)], out: &mut Vec<(u64, u32)>) {
    let digit = |h: u64| ((h >> 48) & 0xff) as usize;
    let mut starts = [0usize; 257];
    for p in pairs {
        starts[digit(p.0) + 1] += 1;
    }
    for d in 0..256 {
        starts[d + 1] += starts[d];
    }
    out.clear();
    out.resize(pairs.len(), (0, 0));
    let mut next = starts;
    for &p in pairs {
        let d = digit(p.0);
        out[next[d]] = p;
        next[d] += 1;
    }
    for d in 0..256 {
        out[starts[d]..starts[d + 1]].sort_unstable();
    }
}

/// A document ready to be written: compressed text, serialized metadata and
/// its analysis.
#[derive(Debug, Clone)]
pub struct PreparedDoc {
    pub(crate) id: String,
    pub(crate) meta_json: Vec<u8>,
    pub(crate) stored_text: Vec<u8>,
    pub(crate) compressed: bool,
    pub(crate) text_bytes: u32,
    pub(crate) text_crc: u32,
    pub(crate) timestamp: Option<i64>,
    pub(crate) analysis: Analysis,
}

impl PreparedDoc {
    /// Serializes (and, if `compress`, compresses) a document with its
    /// analysis. [`Analyzer::prepare`](crate::Analyzer::prepare) does it with
    /// the index's settings.
    pub fn new(doc: &Document, analysis: Analysis, compress: bool) -> Result<PreparedDoc> {
        Self::build(&doc.meta, doc.text.as_bytes().to_vec(), analysis, compress)
    }

    /// Like [`PreparedDoc::new`], taking the document's text without a copy.
    pub fn from_owned(doc: Document, analysis: Analysis, compress: bool) -> Result<PreparedDoc> {
        let Document { meta, text } = doc;
        Self::build(&meta, text.into_bytes(), analysis, compress)
    }

    fn build(
        meta: &DocMeta,
        raw: Vec<u8>,
        analysis: Analysis,
        compress: bool,
    ) -> Result<PreparedDoc> {
        if raw.len() > u32::MAX as usize / 2 {
            return Err(Error::InvalidDocument {
                id: meta.id.clone(),
                reason: format!("text of {} bytes is too large to index", raw.len()),
            });
        }
        let meta_json = serde_json::to_vec(meta).map_err(|e| Error::InvalidDocument {
            id: meta.id.clone(),
            reason: format!("metadata cannot be serialized: {e}"),
        })?;
        let text_bytes = raw.len() as u32;
        let text_crc = crc32fast::hash(&raw);
        let packed = if compress { zstd_compress(&raw) } else { None };
        let (stored_text, compressed) = match packed {
            Some(c) if c.len() < raw.len() => (c, true),
            _ => (raw, false),
        };
        Ok(PreparedDoc {
            id: meta.id.clone(),
            meta_json,
            stored_text,
            compressed,
            text_bytes,
            text_crc,
            timestamp: meta.timestamp,
            analysis,
        })
    }
    /// The document id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Bytes of text (uncompressed).
    pub fn text_bytes(&self) -> u64 {
        u64::from(self.text_bytes)
    }
}

/// One document's entry in the documents table.
#[derive(Debug, Clone, Copy)]
struct RecordOut {
    text_off: u64,
    meta_off: u64,
    timestamp: Option<i64>,
    stored_len: u32,
    text_bytes: u32,
    text_chars: u32,
    text_crc: u32,
    meta_len: u32,
    token_count: u32,
    compressed: bool,
}

/// Writes one segment while documents arrive: texts and metadata go to the
/// file at once, and only the documents table, the ids, the postings and
/// the token frequencies are kept in memory until [`write`].
///
/// [`write`]: SegmentBuilder::write
#[derive(Debug)]
pub(crate) struct SegmentBuilder {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<SegmentOut>,
    records: Vec<RecordOut>,
    ids: Vec<String>,
    dead: Vec<bool>,
    pairs: Pairs,
    /// Token document frequencies.
    df: crate::keyed::Counts,
    text_bytes: u64,
    /// Bytes of the ids.
    id_bytes: usize,
    /// Set once the file is renamed into place; until then, dropping the
    /// builder (an error, a writer dropped without commit) removes the
    /// temporary file.
    renamed: bool,
}

impl Drop for SegmentBuilder {
    fn drop(&mut self) {
        if !self.renamed {
            drop(self.out.take());
            match std::fs::remove_file(&self.tmp) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    warn_left_behind(&self.tmp, &e);
                }
                _ => {}
            }
        }
    }
}

/// A temporary file that cannot be removed is left for `recover` and the
/// next writer to see; nothing else can be done from a destructor.
fn warn_left_behind(path: &Path, e: &std::io::Error) {
    eprintln!(
        "tessera: cannot remove the temporary segment {}: {e}",
        path.display()
    );
}

impl SegmentBuilder {
    /// A builder for the segment file `path` (written under a temporary
    /// name until [`SegmentBuilder::write`]).
    pub(crate) fn new(path: PathBuf) -> SegmentBuilder {
        SegmentBuilder {
            tmp: path.with_extension("tseg.tmp"),
            path,
            out: None,
            records: Vec::new(),
            ids: Vec::new(),
            dead: Vec::new(),
            pairs: Pairs::default(),
            df: crate::keyed::Counts::default(),
            text_bytes: 0,
            id_bytes: 0,
            renamed: false,
        }
    }
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }
    pub(crate) fn live(&self) -> usize {
        self.dead.iter().filter(|d| !**d).count()
    }
    pub(crate) fn text_bytes(&self) -> u64 {
        self.text_bytes
    }
    /// An estimate of the memory the builder holds: its postings, token
    /// frequencies, documents table, ids and write buffer. A writer
    /// writes the segment out when this reaches its memory budget, so that
    /// indexing a corpus of any size holds at most one such segment.
    pub(crate) fn heap_bytes(&self) -> usize {
        const WRITE_BUFFER: usize = 1 << 20;
        self.pairs.heap_bytes()
            + self.df.heap_bytes()
            + self.records.capacity() * size_of::<RecordOut>()
            + self.ids.capacity() * size_of::<String>()
            + self.id_bytes
            + self.dead.capacity()
            + WRITE_BUFFER
    }
    /// The segment's file name.
    pub(crate) fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn writer(&mut self) -> Result<&mut SegmentOut> {
        if self.out.is_none() {
            let file = File::create(&self.tmp).at(&self.tmp)?;
            let mut w = CrcWriter::new(BufWriter::with_capacity(1 << 20, file));
            let mut head = Vec::new();
            put_header(&mut head, KIND_SEGMENT);
            w.write(&head).at(&self.tmp)?;
            self.out = Some(w);
        }
        Ok(self.out.as_mut().expect("just created"))
    }

    /// Adds a document; returns its ordinal.
    pub(crate) fn push(&mut self, doc: PreparedDoc) -> Result<u32> {
        let ord = self.records.len() as u32;
        let tmp = self.tmp.clone();
        let w = self.writer()?;
        let start = w.pos - HEADER_LEN as u64;
        w.write(&doc.stored_text).at(&tmp)?;
        w.write(&doc.meta_json).at(&tmp)?;
        self.records.push(RecordOut {
            text_off: start,
            meta_off: start + doc.stored_text.len() as u64,
            timestamp: doc.timestamp,
            stored_len: doc.stored_text.len() as u32,
            text_bytes: doc.text_bytes,
            text_chars: doc.analysis.char_len,
            text_crc: doc.text_crc,
            meta_len: doc.meta_json.len() as u32,
            token_count: doc.analysis.token_count,
            compressed: doc.compressed,
        });
        for &h in &doc.analysis.fingerprints {
            self.pairs.push(h, ord);
        }
        self.df.add_set(&doc.analysis.vocab);
        self.id_bytes += doc.id.len();
        self.ids.push(doc.id);
        self.dead.push(false);
        self.text_bytes += u64::from(doc.text_bytes);
        Ok(ord)
    }
    /// Marks a document added earlier as replaced. It stays in the file and
    /// is listed as deleted when the segment is committed; its postings are
    /// left out (token frequencies still count it until compaction).
    pub(crate) fn kill(&mut self, ord: u32) {
        self.dead[ord as usize] = true;
    }

    /// Discards the segment (nothing live was added); dropping the builder
    /// removes its temporary file.
    pub(crate) fn abandon(self) {}

    /// Finishes the file and renames it into place. Returns the number of
    /// documents, the file size, its checksum and the ordinals of the
    /// documents that were replaced while the segment was built.
    pub(crate) fn write(mut self) -> Result<(u32, u64, u32, Vec<u32>)> {
        let tmp = self.tmp.clone();
        let n = self.records.len();
        let mut sections = [(0u64, 0u64); SECTIONS];
        let mut w = match self.out.take() {
            Some(w) => w,
            None => {
                self.writer()?;
                self.out.take().expect("writer created")
            }
        };
        sections[S_STORE] = (HEADER_LEN as u64, w.pos - HEADER_LEN as u64);
        sections[S_DOCS] = self.write_records(&mut w)?;
        sections[S_IDS] = self.write_ids(&mut w)?;
        sections[S_ID_ORDER] = self.write_id_order(&mut w)?;
        (sections[S_FP_DICT], sections[S_POSTINGS]) = self.write_postings(&mut w)?;
        sections[S_VOCAB] = self.write_vocab(&mut w)?;
        crate::fsutil::failpoint_io("segment-disk-full").at(&tmp)?;
        let (size, crc) = finish(w, &tmp, &sections, n as u32)?;
        crate::fsutil::failpoint("segment-before-rename");
        std::fs::rename(&tmp, &self.path).at(&self.path)?;
        self.renamed = true;
        let dead = (0..n as u32).filter(|&o| self.dead[o as usize]).collect();
        Ok((n as u32, size, crc, dead))
    }

    /// Section 1, the documents table; returns its (offset, length).
    fn write_records(&self, w: &mut SegmentOut) -> Result<(u64, u64)> {
        let start = w.pos;
        let mut rec = Vec::with_capacity(self.records.len() * DOC_RECORD);
        let mut id_off = 0u64;
        for (r, id) in self.records.iter().zip(&self.ids) {
            put_u64(&mut rec, r.text_off);
            put_u64(&mut rec, r.meta_off);
            put_i64(&mut rec, r.timestamp.unwrap_or(0));
            put_u32(&mut rec, r.stored_len);
            put_u32(&mut rec, r.text_bytes);
            put_u32(&mut rec, r.text_chars);
            put_u32(&mut rec, r.text_crc);
            put_u32(&mut rec, r.meta_len);
            put_u32(&mut rec, r.token_count);
            put_u32(&mut rec, id_off as u32);
            put_u32(&mut rec, id.len() as u32);
            let mut flags = 0;
            if r.compressed {
                flags |= FLAG_ZSTD;
            }
            if r.timestamp.is_some() {
                flags |= FLAG_TIMESTAMP;
            }
            put_u32(&mut rec, flags);
            put_u32(&mut rec, 0);
            id_off += id.len() as u64;
        }
        if id_off > u64::from(u32::MAX) {
            return Err(Error::InvalidDocument {
                id: self.ids[0].clone(),
                reason: "ids of one segment exceed 4 GiB".into(),
            });
        }
        w.write(&rec).at(&self.tmp)?;
        Ok((start, w.pos - start))
    }

    /// Section 2, the ids concatenated.
    fn write_ids(&self, w: &mut SegmentOut) -> Result<(u64, u64)> {
        let start = w.pos;
        for id in &self.ids {
            w.write(id.as_bytes()).at(&self.tmp)?;
        }
        Ok((start, w.pos - start))
    }

    /// Section 3: ordinals sorted by id, for binary search; equal ids (a
    /// document replaced while the segment was built) by ordinal (a stable
    /// sort).
    fn write_id_order(&self, w: &mut SegmentOut) -> Result<(u64, u64)> {
        let mut order: Vec<u32> = (0..self.ids.len() as u32).collect();
        order.sort_by(|&a, &b| self.ids[a as usize].cmp(&self.ids[b as usize]));
        let start = w.pos;
        let mut buf = Vec::with_capacity(order.len() * ID_ORDER_RECORD);
        for o in order {
            put_u32(&mut buf, o);
        }
        w.write(&buf).at(&self.tmp)?;
        Ok((start, w.pos - start))
    }

    /// Sections 4 and 5, the fingerprint dictionary and postings:
    /// (hash, ordinal) pairs sorted by hash, the replaced documents left
    /// out. The dictionary goes to the file as it is made, the postings
    /// (a few bytes per pair) are kept until it is complete.
    fn write_postings(&mut self, w: &mut SegmentOut) -> Result<((u64, u64), (u64, u64))> {
        let tmp = &self.tmp;
        let buckets = std::mem::take(&mut self.pairs);
        let mut post = Vec::with_capacity(buckets.len * 2);
        let mut dict = Vec::with_capacity(64 << 10);
        let mut pairs = Vec::new();
        let dict_start = w.pos;
        let dead = &self.dead;
        let too_large = || Error::InvalidDocument {
            id: self.ids.first().cloned().unwrap_or_default(),
            reason: "postings of one segment exceed 4 GiB".into(),
        };
        buckets.for_each_bucket(|gathered| {
            gathered.retain(|p| !dead[p.1 as usize]);
            sort_bucket(gathered, &mut pairs);
            let mut k = 0;
            while k < pairs.len() {
                let h = pairs[k].0;
                let off = u32::try_from(post.len()).map_err(|_| too_large())?;
                let mut prev = 0u32;
                let mut count = 0u32;
                while k < pairs.len() && pairs[k].0 == h {
                    put_varint(&mut post, pairs[k].1 - prev);
                    prev = pairs[k].1;
                    count += 1;
                    k += 1;
                }
                put_u64(&mut dict, h);
                put_u32(&mut dict, off);
                put_u32(&mut dict, count);
                if dict.len() >= 64 << 10 {
                    w.write(&dict).at(tmp)?;
                    dict.clear();
                }
            }
            Ok(())
        })?;
        w.write(&dict).at(tmp)?;
        let dict_section = (dict_start, w.pos - dict_start);
        drop((dict, pairs));
        if post.len() > u32::MAX as usize {
            return Err(too_large());
        }
        let start = w.pos;
        w.write(&post).at(tmp)?;
        Ok((dict_section, (start, w.pos - start)))
    }

    /// Section 6, the token document frequencies.
    fn write_vocab(&mut self, w: &mut SegmentOut) -> Result<(u64, u64)> {
        let vocab = std::mem::take(&mut self.df).into_sorted();
        let mut buf = Vec::with_capacity(vocab.len() * VOCAB_RECORD);
        for (h, df) in vocab {
            put_u64(&mut buf, h);
            put_u32(&mut buf, df);
        }
        let start = w.pos;
        w.write(&buf).at(&self.tmp)?;
        Ok((start, w.pos - start))
    }
}

/// The temporary file of a segment being written.
type SegmentOut = CrcWriter<BufWriter<File>>;

/// Writes the footer (the `sections` and the document count `n`) and the
/// trailer, flushes and syncs the file; returns its size and checksum.
fn finish(
    mut w: SegmentOut,
    tmp: &Path,
    sections: &[(u64, u64); SECTIONS],
    n: u32,
) -> Result<(u64, u32)> {
    let mut foot = Vec::with_capacity(FOOTER_LEN);
    for &(off, len) in sections {
        put_u64(&mut foot, off);
        put_u64(&mut foot, len);
    }
    put_u32(&mut foot, n);
    put_u32(&mut foot, 0);
    w.write(&foot).at(tmp)?;
    let crc = w.hasher.clone().finalize();
    let mut trailer = Vec::with_capacity(TRAILER_LEN);
    put_u32(&mut trailer, crc);
    put_u32(&mut trailer, FORMAT_VERSION);
    trailer.extend_from_slice(SEGMENT_END);
    w.write(&trailer).at(tmp)?;
    let size = w.pos;
    let file = w
        .inner
        .into_inner()
        .map_err(|e| Error::io(tmp, e.into_error()))?;
    file.sync_all().at(tmp)?;
    drop(file);
    Ok((size, crc))
}

/// A writer that tracks its position and the crc32 of what went through.
#[derive(Debug)]
struct CrcWriter<W: Write> {
    inner: W,
    hasher: crc32fast::Hasher,
    pos: u64,
}

impl<W: Write> CrcWriter<W> {
    fn new(inner: W) -> Self {
        CrcWriter {
            inner,
            hasher: crc32fast::Hasher::new(),
            pos: 0,
        }
    }
    fn write(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.hasher.update(b);
        self.pos += b.len() as u64;
        self.inner.write_all(b)
    }
}

/// A memory-mapped, verified segment file.
#[derive(Debug)]
pub struct Segment {
    path: PathBuf,
    map: Mmap,
    docs: u32,
    sections: [(usize, usize); SECTIONS],
}

fn mmap(path: &Path) -> Result<Mmap> {
    let file = File::open(path).at(path)?;
    // SAFETY: segment files are written once under a temporary name and
    // renamed into place; tessera never modifies them afterwards (compaction
    // writes new files and unlinks old ones, which leaves existing mappings
    // intact). Every read from the map is bounds-checked.
    #[allow(unsafe_code)]
    let map = unsafe { Mmap::map(&file) }.at(path)?;
    Ok(map)
}

/// The checksum of a mapped file's body (all but the trailer), hashed a
/// piece at a time, each piece's pages given back once hashed: opening an
/// index of many gigabytes then holds a few megabytes of it, not all of
/// it. `None` for a file too short to have a trailer (the format check
/// reports it).
fn hash_releasing(map: &Mmap) -> Option<u32> {
    const PIECE: usize = 8 << 20;
    if map.len() < HEADER_LEN + TRAILER_LEN {
        return None;
    }
    let t = map.len() - TRAILER_LEN;
    let mut h = crc32fast::Hasher::new();
    let mut at = 0;
    while at < t {
        let end = (at + PIECE).min(t);
        h.update(&map[at..end]);
        // SAFETY: as in `Segment::release_pages`: dropping the page table
        // entries of a read-only shared file mapping; the bytes fault in
        // again from the unchanged file on the next read.
        #[allow(unsafe_code)]
        let _ =
            unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at, end - at) };
        at = end;
    }
    Some(h.finalize())
}

impl Segment {
    /// Gives the pages of the mapped file back: they leave this process's
    /// resident set and stay in the page cache, from which the next read
    /// maps them again. A long scan that reads every text calls this between
    /// stages, so that its memory is what it allocates, not the whole index.
    pub fn release_pages(&self) {
        // SAFETY: MADV_DONTNEED on a read-only shared file mapping only
        // drops the page table entries; the next access faults the same
        // bytes in from the file (which tessera never modifies, see
        // `mmap`). Borrowed slices of the map stay valid.
        #[allow(unsafe_code)]
        let _ = unsafe {
            self.map
                .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
        };
    }

    /// Maps and verifies a segment file (header, checksum, section bounds,
    /// document records).
    pub fn open(path: &Path) -> Result<Segment> {
        Segment::open_known(path, None)
    }

    /// Like [`Segment::open`]; with `known_crc`, for a segment this process
    /// has just written, the body is not hashed again (see
    /// [`check_file_known`]).
    pub(crate) fn open_known(path: &Path, known_crc: Option<u32>) -> Result<Segment> {
        let map = mmap(path)?;
        let b: &[u8] = &map;
        let crc = known_crc.or_else(|| hash_releasing(&map));
        check_file_known(path, b, KIND_SEGMENT, SEGMENT_END, crc)?;
        let body_end = b.len() - TRAILER_LEN;
        if body_end < HEADER_LEN + FOOTER_LEN {
            return Err(Error::corrupt(path, "footer missing"));
        }
        let foot = body_end - FOOTER_LEN;
        let mut sections = [(0usize, 0usize); SECTIONS];
        let mut prev_end = HEADER_LEN;
        for (k, s) in sections.iter_mut().enumerate() {
            let off = get_u64(b, foot + k * 16) as usize;
            let len = get_u64(b, foot + k * 16 + 8) as usize;
            if off < prev_end || off.checked_add(len).is_none_or(|e| e > foot) {
                return Err(Error::corrupt(
                    path,
                    format!("section {k} lies outside the file"),
                ));
            }
            prev_end = off + len;
            *s = (off, len);
        }
        let docs = get_u32(b, foot + SECTIONS * 16);
        let seg = Segment {
            path: path.to_path_buf(),
            map,
            docs,
            sections,
        };
        seg.validate()?;
        // A segment this process has just written has the structure its
        // writer gave it: checking it would check nothing but the writer.
        if known_crc.is_none() {
            seg.check_structure()?;
        }
        seg.release_pages();
        Ok(seg)
    }

    /// Checks what a checksum cannot (a file rewritten with a recomputed
    /// checksum): the id order is a permutation sorted by id, the
    /// fingerprint dictionary and the vocabulary are strictly sorted by
    /// hash, and every posting list decodes to strictly ascending ordinals
    /// of this segment, as many as its dictionary entry says. One pass over
    /// the tables and the postings; the texts and metadata are checked when
    /// they are read (their own checksum, UTF-8, JSON). [`Segment::open`]
    /// runs it; public to measure its cost.
    pub fn check_structure(&self) -> Result<()> {
        let corrupt = |what: &str| Err(Error::corrupt(&self.path, what.to_string()));
        let n = self.docs as usize;
        let order = self.section(S_ID_ORDER);
        let mut seen = vec![false; n];
        let mut prev: Option<(&[u8], u32)> = None;
        for k in 0..n {
            let ord = get_u32(order, k * ID_ORDER_RECORD);
            let Some(slot) = seen.get_mut(ord as usize) else {
                return corrupt("id order points past the last document");
            };
            if std::mem::replace(slot, true) {
                return corrupt("id order lists a document twice");
            }
            let id = self.id_bytes(&self.record(ord));
            if let Some((p, pord)) = prev
                && (p > id || (p == id && pord > ord))
            {
                return corrupt("id order is not sorted");
            }
            prev = Some((id, ord));
        }
        let dict = self.section(S_FP_DICT);
        let post = self.section(S_POSTINGS);
        let mut last_hash = None;
        for k in 0..dict.len() / FP_RECORD {
            let at = k * FP_RECORD;
            let hash = get_u64(dict, at);
            if last_hash.is_some_and(|h| h >= hash) {
                return corrupt("fingerprint dictionary is not sorted");
            }
            last_hash = Some(hash);
            let (mut pos, count) = (get_u32(dict, at + 8) as usize, get_u32(dict, at + 12));
            let mut ord: Option<u32> = None;
            for _ in 0..count {
                let Some(delta) = get_varint(post, &mut pos) else {
                    return corrupt("truncated postings");
                };
                let next = match ord {
                    None => Some(delta),
                    Some(o) if delta > 0 => o.checked_add(delta),
                    Some(_) => None,
                };
                match next.filter(|&o| o < self.docs) {
                    Some(o) => ord = Some(o),
                    None => return corrupt("postings are not ascending ordinals of the segment"),
                }
            }
        }
        let vocab = self.section(S_VOCAB);
        for k in 1..vocab.len() / VOCAB_RECORD {
            if get_u64(vocab, (k - 1) * VOCAB_RECORD) >= get_u64(vocab, k * VOCAB_RECORD) {
                return corrupt("vocabulary is not sorted");
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        let n = self.docs as usize;
        let expect = |k: usize, rec: usize, what: &str| -> Result<()> {
            let len = self.sections[k].1;
            if !len.is_multiple_of(rec) {
                return Err(Error::corrupt(
                    &self.path,
                    format!("{what} table has a partial record"),
                ));
            }
            Ok(())
        };
        if self.sections[S_DOCS].1 != n * DOC_RECORD
            || self.sections[S_ID_ORDER].1 != n * ID_ORDER_RECORD
        {
            return Err(Error::corrupt(
                &self.path,
                "document count does not match its tables",
            ));
        }
        expect(S_FP_DICT, FP_RECORD, "fingerprint")?;
        expect(S_VOCAB, VOCAB_RECORD, "vocabulary")?;
        let (text_len, meta_len, ids_len) = (
            self.sections[S_STORE].1 as u64,
            self.sections[S_STORE].1 as u64,
            self.sections[S_IDS].1 as u64,
        );
        for ord in 0..self.docs {
            let r = self.record(ord);
            let ok = r
                .text_off
                .checked_add(u64::from(r.stored_len))
                .is_some_and(|e| e <= text_len)
                && r.meta_off
                    .checked_add(u64::from(r.meta_len))
                    .is_some_and(|e| e <= meta_len)
                && u64::from(r.id_off) + u64::from(r.id_len) <= ids_len
                && std::str::from_utf8(self.id_bytes(&r)).is_ok();
            if !ok {
                return Err(Error::corrupt(
                    &self.path,
                    format!("document record {ord} is out of bounds"),
                ));
            }
        }
        let post_len = self.sections[S_POSTINGS].1 as u64;
        let dict = self.section(S_FP_DICT);
        for k in 0..dict.len() / FP_RECORD {
            let off = u64::from(get_u32(dict, k * FP_RECORD + 8));
            if off >= post_len.max(1) {
                return Err(Error::corrupt(
                    &self.path,
                    "fingerprint postings out of bounds",
                ));
            }
        }
        Ok(())
    }

    fn section(&self, k: usize) -> &[u8] {
        let (off, len) = self.sections[k];
        &self.map[off..off + len]
    }

    fn record(&self, ord: u32) -> Record {
        let b = &self.section(S_DOCS)[ord as usize * DOC_RECORD..(ord as usize + 1) * DOC_RECORD];
        let flags = get_u32(b, 56);
        Record {
            text_off: get_u64(b, 0),
            meta_off: get_u64(b, 8),
            timestamp: (flags & FLAG_TIMESTAMP != 0).then(|| get_i64(b, 16)),
            stored_len: get_u32(b, 24),
            text_bytes: get_u32(b, 28),
            text_chars: get_u32(b, 32),
            text_crc: get_u32(b, 36),
            meta_len: get_u32(b, 40),
            token_count: get_u32(b, 44),
            id_off: get_u32(b, 48),
            id_len: get_u32(b, 52),
            compressed: flags & FLAG_ZSTD != 0,
        }
    }

    fn id_bytes(&self, r: &Record) -> &[u8] {
        &self.section(S_IDS)[r.id_off as usize..(r.id_off + r.id_len) as usize]
    }

    /// The file this segment was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Number of documents stored (deleted ones included).
    pub fn doc_count(&self) -> u32 {
        self.docs
    }
    /// The checksum stored in the file's trailer (what the manifest records).
    pub fn crc32(&self) -> u32 {
        let t = self.map.len() - crate::format::TRAILER_LEN;
        crate::format::get_u32(&self.map, t)
    }
    /// Size of the file in bytes.
    pub fn file_len(&self) -> u64 {
        self.map.len() as u64
    }

    /// The id of document `ord`.
    pub fn id(&self, ord: u32) -> &str {
        let r = self.record(ord);
        // Checked to be UTF-8 when the segment was opened.
        std::str::from_utf8(self.id_bytes(&r)).unwrap_or("")
    }

    /// Length of document `ord`'s text in code points, bytes, and tokens.
    pub fn doc_sizes(&self, ord: u32) -> (u32, u32, u32) {
        let r = self.record(ord);
        (r.text_chars, r.text_bytes, r.token_count)
    }

    /// The timestamp of document `ord`, if it has a date.
    pub fn timestamp(&self, ord: u32) -> Option<i64> {
        self.record(ord).timestamp
    }

    /// Bytes document `ord` occupies on disk (text and metadata).
    pub fn stored_len(&self, ord: u32) -> u64 {
        let r = self.record(ord);
        u64::from(r.stored_len) + u64::from(r.meta_len)
    }

    /// The text of document `ord`, checked against its checksum.
    pub fn text(&self, ord: u32) -> Result<String> {
        let r = self.record(ord);
        let stored = &self.section(S_STORE)
            [r.text_off as usize..(r.text_off + u64::from(r.stored_len)) as usize];
        let bytes = if r.compressed {
            zstd::bulk::decompress(stored, r.text_bytes as usize).map_err(|e| {
                Error::corrupt(
                    &self.path,
                    format!("text of {:?} does not decompress: {e}", self.id(ord)),
                )
            })?
        } else {
            stored.to_vec()
        };
        if bytes.len() != r.text_bytes as usize || crc32fast::hash(&bytes) != r.text_crc {
            return Err(Error::corrupt(
                &self.path,
                format!("text of {:?} fails its checksum", self.id(ord)),
            ));
        }
        String::from_utf8(bytes).map_err(|_| {
            Error::corrupt(
                &self.path,
                format!("text of {:?} is not UTF-8", self.id(ord)),
            )
        })
    }

    /// The metadata of document `ord`.
    pub fn meta(&self, ord: u32) -> Result<DocMeta> {
        let r = self.record(ord);
        let b = &self.section(S_STORE)
            [r.meta_off as usize..(r.meta_off + u64::from(r.meta_len)) as usize];
        serde_json::from_slice(b)
            .map_err(|e| Error::corrupt(&self.path, format!("metadata of {:?}: {e}", self.id(ord))))
    }

    /// The number of documents whose id sorts before `from` (byte order;
    /// `Excluded` also counts the ids equal to it): where a walk in id
    /// order starting at `from` begins.
    pub(crate) fn id_rank(&self, from: std::ops::Bound<&str>) -> usize {
        use std::ops::Bound;
        let order = self.section(S_ID_ORDER);
        let (mut lo, mut hi) = (0usize, self.docs as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let ord = get_u32(order, mid * ID_ORDER_RECORD);
            if ord >= self.docs {
                return self.docs as usize;
            }
            let id = self.id(ord);
            let before = match from {
                Bound::Unbounded => false,
                Bound::Included(f) => id < f,
                Bound::Excluded(f) => id <= f,
            };
            if before {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The ordinal of the document at position `rank` in id order (None
    /// past the end).
    pub(crate) fn ord_by_id(&self, rank: usize) -> Option<u32> {
        if rank >= self.docs as usize {
            return None;
        }
        let ord = get_u32(self.section(S_ID_ORDER), rank * ID_ORDER_RECORD);
        (ord < self.docs).then_some(ord)
    }

    /// The ordinal of the document with this id (deleted or not).
    pub fn find_id(&self, id: &str) -> Option<u32> {
        let order = self.section(S_ID_ORDER);
        let (mut lo, mut hi) = (0usize, self.docs as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let ord = get_u32(order, mid * ID_ORDER_RECORD);
            if ord >= self.docs {
                return None;
            }
            match self.id(ord).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    // A document replaced while its segment was built stays
                    // in it under the same id, listed as deleted. Equal ids
                    // are ordered by ordinal: the last is the newest, the
                    // only one that can be live.
                    let mut m = mid;
                    let mut newest = ord;
                    while m + 1 < self.docs as usize {
                        let next = get_u32(order, (m + 1) * ID_ORDER_RECORD);
                        if next >= self.docs || self.id(next) != id {
                            break;
                        }
                        newest = next;
                        m += 1;
                    }
                    return Some(newest);
                }
            }
        }
        None
    }

    fn find_record(section: &[u8], rec: usize, hash: u64) -> Option<usize> {
        let n = section.len() / rec;
        if n == 0 {
            return None;
        }
        // Keys are hashes, spread evenly over u64: interpolation search
        // finds one in a few probes (each a likely cache miss) where binary
        // search needs log2(n). A few rounds, then binary search for safety.
        let key = |i: usize| get_u64(section, i * rec);
        let (mut lo, mut hi) = (0usize, n - 1);
        let (mut klo, mut khi) = (key(lo), key(hi));
        for _ in 0..4 {
            if hash < klo || hash > khi {
                return None;
            }
            if khi == klo {
                break;
            }
            let span = u128::from(khi - klo);
            let guess = lo + ((u128::from(hash - klo) * (hi - lo) as u128) / span) as usize;
            let kg = key(guess);
            match kg.cmp(&hash) {
                std::cmp::Ordering::Equal => return Some(guess * rec),
                std::cmp::Ordering::Less => {
                    lo = guess + 1;
                    if lo > hi {
                        return None;
                    }
                    klo = key(lo);
                }
                std::cmp::Ordering::Greater => {
                    if guess == 0 {
                        return None;
                    }
                    hi = guess - 1;
                    if hi < lo {
                        return None;
                    }
                    khi = key(hi);
                }
            }
        }
        let (mut lo, mut hi) = (lo, hi + 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match key(mid).cmp(&hash) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid * rec),
            }
        }
        None
    }

    /// Number of documents holding fingerprint `hash`.
    pub fn fingerprint_df(&self, hash: u64) -> u32 {
        let dict = self.section(S_FP_DICT);
        Self::find_record(dict, FP_RECORD, hash).map_or(0, |at| get_u32(dict, at + 12))
    }

    /// Where the postings of fingerprint `hash` are: offset and count.
    pub fn lookup(&self, hash: u64) -> Option<(u32, u32)> {
        let dict = self.section(S_FP_DICT);
        Self::find_record(dict, FP_RECORD, hash)
            .map(|at| (get_u32(dict, at + 8), get_u32(dict, at + 12)))
    }

    /// Decodes postings found by [`Segment::lookup`], appending ordinals to
    /// `out`.
    pub fn postings_at(&self, at: (u32, u32), out: &mut Vec<u32>) -> Result<()> {
        self.decode_postings(at.0 as usize, at.1, out)
    }

    /// The ordinals of the documents holding fingerprint `hash`, appended
    /// to `out`.
    pub fn postings(&self, hash: u64, out: &mut Vec<u32>) -> Result<()> {
        let dict = self.section(S_FP_DICT);
        let Some(at) = Self::find_record(dict, FP_RECORD, hash) else {
            return Ok(());
        };
        self.decode_postings(get_u32(dict, at + 8) as usize, get_u32(dict, at + 12), out)
    }

    fn decode_postings(&self, off: usize, count: u32, out: &mut Vec<u32>) -> Result<()> {
        let post = self.section(S_POSTINGS);
        let mut pos = off;
        let mut ord = 0u32;
        for _ in 0..count {
            let delta = get_varint(post, &mut pos)
                .ok_or_else(|| Error::corrupt(&self.path, "truncated postings"))?;
            ord = ord
                .checked_add(delta)
                .filter(|&o| o < self.docs)
                .ok_or_else(|| {
                    Error::corrupt(&self.path, "postings point past the last document")
                })?;
            out.push(ord);
        }
        Ok(())
    }

    /// Number of fingerprint entries (distinct fingerprints of the segment).
    pub fn fingerprint_count(&self) -> usize {
        self.section(S_FP_DICT).len() / FP_RECORD
    }

    /// The `k`-th fingerprint of the dictionary (hash order) and where
    /// its postings are (see [`Segment::postings_at`]).
    pub fn fingerprint_entry(&self, k: usize) -> (u64, (u32, u32)) {
        let dict = self.section(S_FP_DICT);
        let at = k * FP_RECORD;
        (
            get_u64(dict, at),
            (get_u32(dict, at + 8), get_u32(dict, at + 12)),
        )
    }

    /// All fingerprints with their postings, in hash order.
    pub fn for_each_fingerprint(&self, mut f: impl FnMut(u64, &[u32])) -> Result<()> {
        let dict = self.section(S_FP_DICT);
        let mut buf = Vec::new();
        for k in 0..dict.len() / FP_RECORD {
            let at = k * FP_RECORD;
            buf.clear();
            self.decode_postings(
                get_u32(dict, at + 8) as usize,
                get_u32(dict, at + 12),
                &mut buf,
            )?;
            f(get_u64(dict, at), &buf);
        }
        Ok(())
    }

    /// Number of documents of this segment holding token `hash`.
    pub fn token_df(&self, hash: u64) -> u32 {
        let v = self.section(S_VOCAB);
        Self::find_record(v, VOCAB_RECORD, hash).map_or(0, |at| get_u32(v, at + 8))
    }

    /// Number of distinct tokens.
    pub fn vocab_len(&self) -> usize {
        self.section(S_VOCAB).len() / VOCAB_RECORD
    }

    /// All tokens with document frequency at least `min_df`.
    pub fn for_each_token(&self, min_df: u32, mut f: impl FnMut(u64, u32)) {
        let v = self.section(S_VOCAB);
        for k in 0..v.len() / VOCAB_RECORD {
            let df = get_u32(v, k * VOCAB_RECORD + 8);
            if df >= min_df {
                f(get_u64(v, k * VOCAB_RECORD), df);
            }
        }
    }
}

struct Record {
    text_off: u64,
    meta_off: u64,
    timestamp: Option<i64>,
    stored_len: u32,
    text_bytes: u32,
    text_chars: u32,
    text_crc: u32,
    meta_len: u32,
    token_count: u32,
    id_off: u32,
    id_len: u32,
    compressed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn interpolation_search_finds_exactly_the_stored_keys(
            mut keys in prop::collection::vec(any::<u64>(), 0..300),
            probes in prop::collection::vec(any::<u64>(), 0..50),
            skew in 0u32..3,
        ) {
            // Skewed keys (all small, or all large) exercise the fallback.
            for k in keys.iter_mut() {
                *k = match skew { 0 => *k, 1 => *k >> 40, _ => u64::MAX - (*k >> 40) };
            }
            keys.sort_unstable();
            keys.dedup();
            let mut section = Vec::new();
            for &k in &keys {
                put_u64(&mut section, k);
                put_u64(&mut section, 0);
            }
            for (i, &k) in keys.iter().enumerate() {
                prop_assert_eq!(Segment::find_record(&section, 16, k), Some(i * 16));
            }
            for p in probes {
                let want = keys.binary_search(&p).ok().map(|i| i * 16);
                prop_assert_eq!(Segment::find_record(&section, 16, p), want);
            }
        }
    }

    proptest! {
        #[test]
        fn sort_bucket_sorts(pairs in prop::collection::vec((0u64..1 << 20, 0u32..50), 0..400), top in any::<u8>(), shift in 28u32..37) {
            // One bucket: the top byte shared, the rest spread over a few bits.
            let pairs: Vec<(u64, u32)> = pairs
                .into_iter()
                .map(|(h, o)| ((u64::from(top) << 56) | (h << shift), o))
                .collect();
            let mut want = pairs.clone();
            want.sort_unstable();
            let mut out = vec![(1, 1)];
            sort_bucket(&pairs, &mut out);
            prop_assert_eq!(out, want);
        }
    }
}
