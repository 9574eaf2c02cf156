//! Byte-level building blocks of the on-disk format (see the crate README).
//!
//! Everything is little-endian and decoded from byte slices explicitly, so
//! no file content is ever reinterpreted in place: a damaged file yields a
//! [`Corrupt`](crate::Error::Corrupt) error, never undefined behaviour.

use std::path::Path;

use crate::error::{Error, Result};

/// Version of the segment and deletion file formats and of the manifest.
pub const FORMAT_VERSION: u32 = 1;

/// First eight bytes of every tessera index file.
pub const MAGIC: &[u8; 8] = b"TESSERA\0";
/// Last eight bytes of a segment file.
pub const SEGMENT_END: &[u8; 8] = b"TSEGEND\0";
/// Last eight bytes of a deletion file.
pub const DELETES_END: &[u8; 8] = b"TDELEND\0";

/// File kinds, stored after the magic.
pub const KIND_SEGMENT: &[u8; 4] = b"SEGM";
/// Deletion file kind.
pub const KIND_DELETES: &[u8; 4] = b"DELS";

/// Header: magic (8), kind (4), version (4).
pub const HEADER_LEN: usize = 16;
/// Trailer shared by all files: crc32 (4), version (4), end magic (8).
pub const TRAILER_LEN: usize = 16;

pub fn put_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

pub fn put_u64(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(&v.to_le_bytes());
}

pub fn put_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&v.to_le_bytes());
}

pub fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn get_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

pub fn get_i64(b: &[u8], at: usize) -> i64 {
    get_u64(b, at) as i64
}

/// Appends `v` as an unsigned LEB128 varint.
pub fn put_varint(buf: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Reads a varint at `*pos`, advancing it; `None` if truncated or too long.
pub fn get_varint(b: &[u8], pos: &mut usize) -> Option<u32> {
    let mut v: u32 = 0;
    let mut shift = 0;
    loop {
        let byte = *b.get(*pos)?;
        *pos += 1;
        if shift > 28 {
            return None;
        }
        v |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
    }
}

/// Writes the common header.
pub fn put_header(buf: &mut Vec<u8>, kind: &[u8; 4]) {
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(kind);
    put_u32(buf, FORMAT_VERSION);
}

/// Appends the trailer: a checksum of everything before it, the version
/// and the end magic.
pub fn put_trailer(buf: &mut Vec<u8>, end: &[u8; 8]) {
    let crc = crc32fast::hash(buf);
    put_u32(buf, crc);
    put_u32(buf, FORMAT_VERSION);
    buf.extend_from_slice(end);
}

/// Checks header, trailer and checksum of a whole file; returns the body
/// between header and trailer.
pub fn check_file<'a>(path: &Path, b: &'a [u8], kind: &[u8; 4], end: &[u8; 8]) -> Result<&'a [u8]> {
    check_file_known(path, b, kind, end, None)
}

/// Like [`check_file`]; with `known_crc`, the checksum of a file this
/// process has just written, only the stored checksum is compared with it
/// (the bytes would come back from the page cache: hashing them again
/// would check nothing but the writer itself).
pub fn check_file_known<'a>(
    path: &Path,
    b: &'a [u8],
    kind: &[u8; 4],
    end: &[u8; 8],
    known_crc: Option<u32>,
) -> Result<&'a [u8]> {
    if b.len() < HEADER_LEN + TRAILER_LEN {
        return Err(Error::corrupt(
            path,
            format!("file is only {} bytes long", b.len()),
        ));
    }
    if &b[..8] != MAGIC {
        return Err(Error::corrupt(
            path,
            "not a tessera file (bad magic number)",
        ));
    }
    if &b[8..12] != kind {
        return Err(Error::corrupt(
            path,
            format!("expected a {} file", String::from_utf8_lossy(kind)),
        ));
    }
    let t = b.len() - TRAILER_LEN;
    if &b[t + 8..] != end {
        return Err(Error::corrupt(path, "truncated (end marker missing)"));
    }
    // The version is stored twice, in the header and in the trailer: a
    // file of another version says so in both places; a damaged version
    // field is corruption, not a version to upgrade to.
    let version = get_u32(b, 12);
    let trailer_version = get_u32(b, t + 4);
    if version != trailer_version {
        return Err(Error::corrupt(
            path,
            format!(
                "the format version is damaged (header says {version}, trailer {trailer_version})"
            ),
        ));
    }
    if version != FORMAT_VERSION {
        return Err(Error::IncompatibleFormat {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let stored = get_u32(b, t);
    let actual = known_crc.unwrap_or_else(|| crc32fast::hash(&b[..t]));
    if stored != actual {
        return Err(Error::corrupt(
            path,
            format!("checksum mismatch (stored {stored:08x}, computed {actual:08x})"),
        ));
    }
    Ok(&b[HEADER_LEN..t])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn varints_round_trip(values in prop::collection::vec(any::<u32>(), 0..100)) {
            let mut buf = Vec::new();
            for &v in &values {
                put_varint(&mut buf, v);
            }
            let mut pos = 0;
            for &v in &values {
                prop_assert_eq!(get_varint(&buf, &mut pos), Some(v));
            }
            prop_assert_eq!(pos, buf.len());
        }
    }

    #[test]
    fn truncated_varint_is_none() {
        let mut pos = 0;
        assert_eq!(get_varint(&[0x80, 0x80], &mut pos), None);
    }

    #[test]
    fn file_checks_name_what_is_wrong() {
        let p = Path::new("x");
        let mut buf = Vec::new();
        put_header(&mut buf, KIND_SEGMENT);
        buf.extend_from_slice(b"body");
        put_trailer(&mut buf, SEGMENT_END);
        assert_eq!(
            check_file(p, &buf, KIND_SEGMENT, SEGMENT_END).expect("valid"),
            b"body"
        );
        let mut bad = buf.clone();
        bad[17] ^= 1;
        let e = check_file(p, &bad, KIND_SEGMENT, SEGMENT_END).expect_err("flipped bit");
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
        let e = check_file(p, &buf[..buf.len() - 3], KIND_SEGMENT, SEGMENT_END).expect_err("cut");
        assert!(e.to_string().contains("truncated"), "{e}");
        let e = check_file(p, &buf, KIND_DELETES, DELETES_END).expect_err("kind");
        assert!(e.to_string().contains("expected a DELS file"), "{e}");
        let mut damaged = buf.clone();
        damaged[12] = 9;
        let e = check_file(p, &damaged, KIND_SEGMENT, SEGMENT_END).expect_err("damaged version");
        assert!(matches!(e, Error::Corrupt { .. }), "{e}");
        let mut newer = buf.clone();
        newer[12] = 9;
        let t = newer.len() - TRAILER_LEN;
        newer[t + 4] = 9;
        let e = check_file(p, &newer, KIND_SEGMENT, SEGMENT_END).expect_err("version");
        assert!(
            matches!(e, Error::IncompatibleFormat { found: 9, .. }),
            "{e}"
        );
        let e = check_file(
            p,
            b"hello world, this is not a tessera file at all",
            KIND_SEGMENT,
            SEGMENT_END,
        )
        .expect_err("foreign");
        assert!(e.to_string().contains("bad magic"), "{e}");
    }
}
