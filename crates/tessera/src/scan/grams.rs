//! The candidate table of a scan.
//!
//! Every fingerprint of the index found in 2 to `max_df` documents, with
//! the scan's documents that hold it (syndicated copies left out: they are
//! never sources). It is built by one sequential merge of the segments'
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

/// Fingerprints of 2..=`max_df` documents and their documents.
#[derive(Debug, Default)]
pub(super) struct GramTable {
    keys: Vec<u64>,
    df: Vec<u32>,
    /// `docs[starts[k]..starts[k + 1]]` hold key `k`.
    starts: Vec<u64>,
    docs: Vec<u32>,
    /// `dir[p]`: the first key whose top `bits` bits are at least `p`.
    dir: Vec<u32>,
    bits: u32,
}

impl GramTable {
    /// Builds the table of `index`. `doc_of` maps a posting to the scan's
    /// document number, or `None` for a document that is never a source.
    pub(super) fn build(
        index: &Index,
        max_df: u32,
        doc_of: impl Fn(tessera_index::DocAddr) -> Option<u32>,
    ) -> Result<GramTable> {
        let mut t = GramTable {
            starts: vec![0],
            ..GramTable::default()
        };
        index.for_each_fingerprint_merged(max_df, |hash, df, addrs| {
            if df < 2 || df > max_df {
                return;
            }
            let before = t.docs.len();
            t.docs.extend(addrs.iter().filter_map(|&a| doc_of(a)));
            if t.docs.len() > before {
                t.keys.push(hash);
                t.df.push(df);
                t.starts.push(t.docs.len() as u64);
            }
        })?;
        t.keys.shrink_to_fit();
        t.df.shrink_to_fit();
        t.starts.shrink_to_fit();
        t.docs.shrink_to_fit();
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
            + self.dir.capacity() * 4
    }

    /// The document frequency of `hash` and the documents holding it.
    pub(super) fn get(&self, hash: u64) -> Option<(u32, &[u32])> {
        if self.keys.is_empty() {
            return None;
        }
        let p = (hash >> (64 - self.bits)) as usize;
        let (lo, hi) = (self.dir[p] as usize, self.dir[p + 1] as usize);
        for k in lo..hi {
            let key = self.keys[k];
            if key == hash {
                let (a, b) = (self.starts[k] as usize, self.starts[k + 1] as usize);
                return Some((self.df[k], &self.docs[a..b]));
            }
            if key > hash {
                break;
            }
        }
        None
    }
}
