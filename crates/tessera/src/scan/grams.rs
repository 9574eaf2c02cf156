//! The candidate table of a scan.
//!
//! Every fingerprint of the index found in 2 to `max_df` documents, with
//! the scan's documents that hold it (syndicated copies left out: they are
//! never sources, unless one is where an outlet's boilerplate first
//! appeared), and the boilerplate of outlets (see
//! [`GramTable::build`]). It is built by one sequential merge of the segments'
//! dictionaries, so looking up a document's n-grams costs one probe of one
//! table, however many segments the index has (a trace searches every
//! segment's dictionary).
//!
//! Layout: the fingerprints sorted (compressed-sparse-row postings beside
//! them) and a directory over the top bits of the hash, whose buckets hold
//! a couple of keys each: a lookup reads one directory entry and one short
//! run of keys. Hashes are uniform, so the buckets stay short.

use tessera_index::Index;

use crate::error::Result;

/// Least number of an outlet's documents holding a frequent fingerprint for
/// it to be that outlet's boilerplate.
pub(super) const MIN_BOILERPLATE_DOCS: u64 = 3;
/// How much more often than in the corpus a frequent fingerprint must occur
/// in an outlet's documents to be that outlet's boilerplate.
pub(super) const BOILERPLATE_RATIO: u64 = 5;
/// A fingerprint of up to this many times `max_df` documents that is no
/// outlet's boilerplate is a popular passage, kept with its earliest
/// [`POPULAR_SOURCES`] documents.
pub(super) const POPULAR_FACTOR: u32 = 4;
/// Documents kept for a popular passage's fingerprint.
pub(super) const POPULAR_SOURCES: usize = 3;

/// Fingerprints of 2..=`max_df` documents and their documents.
#[derive(Debug, Default)]
pub(super) struct GramTable {
    keys: Vec<u64>,
    df: Vec<u32>,
    /// `docs[starts[k]..starts[k + 1]]` hold key `k`.
    starts: Vec<u64>,
    docs: Vec<u32>,
    /// Whether key `k` is boilerplate (its documents: one per outlet).
    boilerplate: Vec<bool>,
    /// `dir[p]`: the first key whose top `bits` bits are at least `p`.
    dir: Vec<u32>,
    bits: u32,
}

impl GramTable {
    /// Builds the table of `index`. `doc_of` maps a posting to the scan's
    /// document number, or `None` for a document that is never a source;
    /// `outlet` and `rank` give a document's outlet (0: none) and its
    /// place in publication order; `outlet_docs` the number of documents
    /// of each outlet.
    ///
    /// A fingerprint of more than `max_df` documents is common words, a
    /// popular passage or boilerplate. For each outlet in which it is
    /// concentrated (found in
    /// at least [`MIN_BOILERPLATE_DOCS`] of its documents and in a share of
    /// them at least [`BOILERPLATE_RATIO`] times its share of the corpus:
    /// a disclaimer, a byline, a template), it is kept with that outlet's
    /// earliest document holding it, marked as boilerplate: the outlet's
    /// later articles pair their boilerplate with its first appearance,
    /// and reuse clusters can flag it. That document may be a syndicated
    /// copy (`any_doc_of` maps every document): an outlet that ran a wire
    /// story first ran its boilerplate under it. Otherwise, up to
    /// [`POPULAR_FACTOR`] times `max_df` documents, it is kept with its
    /// earliest [`POPULAR_SOURCES`] documents: a passage copied a hundred
    /// times pairs each later copy with its probable origins rather than
    /// with all of them, or with none. Common words stay out.
    pub(super) fn build(
        index: &Index,
        max_df: u32,
        doc_of: impl Fn(tessera_index::DocAddr) -> Option<u32>,
        any_doc_of: impl Fn(tessera_index::DocAddr) -> Option<u32>,
        outlet: impl Fn(u32) -> u32,
        rank: impl Fn(u32) -> u32,
        outlet_docs: &[u32],
    ) -> Result<GramTable> {
        let mut t = GramTable {
            starts: vec![0],
            ..GramTable::default()
        };
        let total: u64 = outlet_docs.iter().map(|&n| u64::from(n)).sum();
        let mut mapped: Vec<u32> = Vec::new();
        let mut count = vec![0u32; outlet_docs.len()];
        let mut first = vec![(u32::MAX, 0u32); outlet_docs.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut by_rank: Vec<(u32, u32)> = Vec::new();
        index.for_each_fingerprint_merged(u32::MAX, |hash, df, addrs| {
            if df < 2 {
                return;
            }
            mapped.clear();
            mapped.extend(addrs.iter().filter_map(|&a| doc_of(a)));
            // Frequencies count the documents that can be sources: a wire
            // story republished by fifty outlets is one source, and its
            // words stay below the cap.
            let df = mapped.len() as u32;
            if df < 2 {
                return;
            }
            let boilerplate = df > max_df;
            if !boilerplate {
                t.docs.extend_from_slice(&mapped);
            } else {
                for &b in &mapped {
                    let o = outlet(b) as usize;
                    if o == 0 || o >= count.len() {
                        continue;
                    }
                    if count[o] == 0 {
                        touched.push(o as u32);
                    }
                    count[o] += 1;
                }
                // The outlets whose boilerplate it is: concentrated there,
                // n / outlet_docs >= RATIO * df / total (in integers).
                touched.retain(|&o| {
                    let o = o as usize;
                    let n = u64::from(count[o]);
                    let concentrated = n >= MIN_BOILERPLATE_DOCS
                        && n * total
                            >= BOILERPLATE_RATIO * u64::from(df) * u64::from(outlet_docs[o]);
                    if !concentrated {
                        count[o] = 0;
                    }
                    concentrated
                });
                // Each one's first appearance, which may be in a syndicated
                // copy the outlet ran with its boilerplate added.
                if !touched.is_empty() {
                    for b in addrs.iter().filter_map(|&a| any_doc_of(a)) {
                        let o = outlet(b) as usize;
                        if o == 0 || o >= count.len() || count[o] == 0 {
                            continue;
                        }
                        let r = rank(b);
                        if r < first[o].0 {
                            first[o] = (r, b);
                        }
                    }
                }
                touched.sort_unstable();
                let before = t.docs.len();
                for &o in &touched {
                    let o = o as usize;
                    t.docs.push(first[o].1);
                    count[o] = 0;
                    first[o] = (u32::MAX, 0);
                }
                touched.clear();
                if t.docs.len() == before {
                    if df > POPULAR_FACTOR * max_df {
                        return;
                    }
                    // A popular passage, not one outlet's boilerplate:
                    // later documents pair with its earliest holders, the
                    // probable origins.
                    by_rank.clear();
                    by_rank.extend(mapped.iter().map(|&b| (rank(b), b)));
                    by_rank.sort_unstable();
                    t.docs
                        .extend(by_rank.iter().take(POPULAR_SOURCES).map(|&(_, b)| b));
                    t.keys.push(hash);
                    t.df.push(df);
                    t.boilerplate.push(false);
                    t.starts.push(t.docs.len() as u64);
                    return;
                }
            }
            t.keys.push(hash);
            t.df.push(df);
            t.boilerplate.push(boilerplate);
            t.starts.push(t.docs.len() as u64);
        })?;
        t.keys.shrink_to_fit();
        t.df.shrink_to_fit();
        t.starts.shrink_to_fit();
        t.docs.shrink_to_fit();
        t.boilerplate.shrink_to_fit();
        // About two keys per bucket.
        let n = t.keys.len().max(2);
        t.bits = (usize::BITS - n.leading_zeros() - 1).clamp(1, 31);
        let buckets = 1usize << t.bits;
        t.dir = Vec::with_capacity(buckets + 1);
        let mut k = 0usize;
        for p in 0..=buckets as u64 {
            while k < t.keys.len() && (t.keys[k] >> (64 - t.bits)) < p {
                k += 1;
            }
            t.dir.push(k as u32);
        }
        Ok(t)
    }

    /// Number of fingerprints held.
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Bytes of memory held.
    pub(super) fn heap_bytes(&self) -> usize {
        self.keys.capacity() * 8
            + self.df.capacity() * 4
            + self.starts.capacity() * 8
            + self.docs.capacity() * 4
            + self.boilerplate.capacity()
            + self.dir.capacity() * 4
    }

    /// The document frequency of `hash`, the documents holding it and
    /// whether it is boilerplate (then the documents are the earliest of
    /// the outlets whose boilerplate it is).
    pub(super) fn get(&self, hash: u64) -> Option<(u32, &[u32], bool)> {
        if self.keys.is_empty() {
            return None;
        }
        let p = (hash >> (64 - self.bits)) as usize;
        let (lo, hi) = (self.dir[p] as usize, self.dir[p + 1] as usize);
        for k in lo..hi {
            let key = self.keys[k];
            if key == hash {
                let (a, b) = (self.starts[k] as usize, self.starts[k + 1] as usize);
                return Some((self.df[k], &self.docs[a..b], self.boilerplate[k]));
            }
            if key > hash {
                break;
            }
        }
        None
    }
}
