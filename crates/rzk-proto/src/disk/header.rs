//! `FileHeader`: the 16 bytes that open every txn log and snapshot file
//! (PROTOCOL.md §6.2, §6.3).

use crate::jute::{DecodeErrorKind, DecodeResult, Jute, Reader};
use crate::jute_record;

jute_record! {
    /// `FileHeader` (`zookeeper.jute`, module `persistence`): magic, format
    /// version and database id, 16 bytes.
    pub struct FileHeader {
        /// [`TXNLOG_MAGIC`] or [`SNAP_MAGIC`].
        pub magic: i32,
        /// Always [`FILE_VERSION`] as written by ZooKeeper 3.x.
        pub version: i32,
        /// Database id: 0 in txn logs, -1 in snapshots (never read back).
        pub dbid: i64,
    }
}

/// Magic of a txn log file: `"ZKLG"` as a big-endian int.
pub const TXNLOG_MAGIC: i32 = 0x5A4B_4C47;

/// Magic of a snapshot file: `"ZKSN"` as a big-endian int.
pub const SNAP_MAGIC: i32 = 0x5A4B_534E;

/// The format version ZooKeeper writes in both file kinds (and names its
/// `version-2` directories after).
pub const FILE_VERSION: i32 = 2;

/// Encoded size of a [`FileHeader`].
pub const FILE_HEADER_LEN: usize = 16;

impl FileHeader {
    /// The header `FileTxnLog` writes: `ZKLG`, version 2, dbid 0.
    pub fn txn_log() -> Self {
        Self {
            magic: TXNLOG_MAGIC,
            version: FILE_VERSION,
            dbid: 0,
        }
    }

    /// The header `FileSnap` writes: `ZKSN`, version 2, dbid -1.
    pub fn snapshot() -> Self {
        Self {
            magic: SNAP_MAGIC,
            version: FILE_VERSION,
            dbid: -1,
        }
    }

    /// Reads a header and fails with `InvalidValue` on field `magic`
    /// (offset of the header) unless its magic is `magic`.
    ///
    /// Version and dbid are returned as read and not checked: ZooKeeper's
    /// readers ignore both, and so must we to load the files it writes.
    pub(crate) fn read_expecting(
        r: &mut Reader,
        magic: i32,
        expected: &'static str,
    ) -> DecodeResult<Self> {
        let at = r.position();
        let header = Self::read(r, "FileHeader")?;
        if header.magic != magic {
            let outer = r.enter("FileHeader");
            let err = r.error_at(
                "magic",
                at,
                DecodeErrorKind::InvalidValue {
                    value: header.magic.into(),
                    expected,
                },
            );
            r.leave(outer);
            return Err(err);
        }
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jute::Record;

    #[test]
    fn magics_spell_their_names() {
        assert_eq!(&TXNLOG_MAGIC.to_be_bytes(), b"ZKLG");
        assert_eq!(&SNAP_MAGIC.to_be_bytes(), b"ZKSN");
    }

    #[test]
    fn headers_are_sixteen_bytes_in_field_order() {
        let b = FileHeader::snapshot().to_bytes();
        assert_eq!(b.len(), FILE_HEADER_LEN);
        assert_eq!(&b[..], b"ZKSN\0\0\0\x02\xff\xff\xff\xff\xff\xff\xff\xff");
        assert_eq!(FileHeader::from_bytes(b).unwrap(), FileHeader::snapshot());
    }

    #[test]
    fn wrong_magic_is_named_with_its_offset() {
        let mut r = Reader::new(FileHeader::snapshot().to_bytes());
        let e = FileHeader::read_expecting(&mut r, TXNLOG_MAGIC, "ZKLG").unwrap_err();
        assert_eq!((e.record, e.field, e.offset), ("FileHeader", "magic", 0));
        assert!(
            matches!(e.kind, DecodeErrorKind::InvalidValue { value, .. } if value == i64::from(SNAP_MAGIC))
        );
    }

    #[test]
    fn short_header_is_truncated() {
        let mut r = Reader::new(vec![0x5A, 0x4B]);
        let e = FileHeader::read_expecting(&mut r, TXNLOG_MAGIC, "ZKLG").unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }), "{e}");
    }
}
