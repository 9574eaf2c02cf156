//! Deletion files: the ordinals of a segment's deleted documents.

use std::path::Path;

use crate::error::{Error, IoContext, Result};
use crate::format::*;

/// A set of deleted ordinals of one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deletes {
    bits: Vec<u64>,
    count: u32,
}

impl Deletes {
    /// An empty set sized for a segment of `docs` documents.
    pub fn new(docs: u32) -> Self {
        Deletes {
            bits: vec![0; (docs as usize).div_ceil(64)],
            count: 0,
        }
    }
    /// Whether `ord` is deleted.
    pub fn contains(&self, ord: u32) -> bool {
        self.bits
            .get(ord as usize / 64)
            .is_some_and(|w| w & (1 << (ord % 64)) != 0)
    }
    /// Marks `ord` deleted; returns whether it was live.
    pub fn insert(&mut self, ord: u32) -> bool {
        let w = &mut self.bits[ord as usize / 64];
        let bit = 1 << (ord % 64);
        let was_live = *w & bit == 0;
        *w |= bit;
        if was_live {
            self.count += 1;
        }
        was_live
    }
    /// Number of deleted documents.
    pub fn len(&self) -> u32 {
        self.count
    }
    /// Whether nothing is deleted.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    fn ordinals(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(k, &w)| {
            (0..64u32)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| k as u32 * 64 + b)
        })
    }

    /// Writes the set to `path` (temporary file, fsync, rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut buf = Vec::with_capacity(self.count as usize * 4 + 40);
        put_header(&mut buf, KIND_DELETES);
        put_u32(&mut buf, self.count);
        for ord in self.ordinals() {
            put_u32(&mut buf, ord);
        }
        put_trailer(&mut buf, DELETES_END);
        crate::fsutil::write_atomically(path, &buf)
    }

    /// Reads a deletion file of a segment of `docs` documents.
    pub fn read(path: &Path, docs: u32) -> Result<Deletes> {
        let b = std::fs::read(path).at(path)?;
        let body = check_file(path, &b, KIND_DELETES, DELETES_END)?;
        if body.len() < 4 {
            return Err(Error::corrupt(path, "deletion count missing"));
        }
        let n = get_u32(body, 0) as usize;
        if body.len() != 4 + 4 * n {
            return Err(Error::corrupt(
                path,
                "deletion count does not match the file size",
            ));
        }
        let mut d = Deletes::new(docs);
        for k in 0..n {
            let ord = get_u32(body, 4 + 4 * k);
            if ord >= docs {
                return Err(Error::corrupt(
                    path,
                    format!("deleted ordinal {ord} is past the segment's {docs} documents"),
                ));
            }
            d.insert(ord);
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.tdel");
        let mut d = Deletes::new(130);
        assert!(d.insert(0));
        assert!(d.insert(129));
        assert!(!d.insert(129));
        d.write(&p).expect("write");
        let back = Deletes::read(&p, 130).expect("read");
        assert_eq!(back, d);
        assert!(back.contains(129) && !back.contains(128));
        let e = Deletes::read(&p, 100).expect_err("too small a segment");
        assert!(e.to_string().contains("past the segment"), "{e}");
    }

    #[test]
    fn a_damaged_deletion_file_is_corrupt_not_another_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.tdel");
        let mut d = Deletes::new(10);
        d.insert(3);
        d.write(&p).expect("write");
        let good = std::fs::read(&p).expect("read");
        // Any single damaged byte, the version fields included.
        for at in 0..good.len() {
            let mut b = good.clone();
            b[at] ^= 0x5a;
            std::fs::write(&p, &b).expect("damage");
            let e = Deletes::read(&p, 10).expect_err("damaged");
            assert!(matches!(e, Error::Corrupt { .. }), "byte {at}: {e}");
        }
    }
}
