//! [`StorageError`]: every way durable storage can fail, each naming the
//! file involved and what happened there.
//!
//! Storage errors are "this node must stop" errors (STYLE.md §7): the
//! server does not retry them, it reports them and exits, as ZooKeeper does
//! when its log or snapshot cannot be written or read back. The messages
//! are therefore written for an operator reading a log line: file, byte
//! offset where it applies, what was found.

use std::io;
use std::path::PathBuf;

use rzk_proto::disk::TornReason;
use rzk_proto::jute::DecodeError;

/// A storage failure. Every variant names the file (or directory) it is
/// about; variants about file content also name the byte offset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// An I/O call failed. `op` is the disk operation (`"create"`,
    /// `"write"`, `"sync"`, …) and `path` the file or directory it was
    /// applied to; a full disk shows up here with the OS error
    /// (`ErrorKind::StorageFull`).
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// The disk operation that failed.
        op: &'static str,
        /// The file or directory it was applied to.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },

    /// Bytes of a file did not decode. The offset inside `source` counts
    /// from `base` bytes into the file, so the byte at fault is at
    /// `base + source.offset`.
    #[error("{}: bytes from offset {base} do not decode: {source}", file.display())]
    Decode {
        /// The file.
        file: PathBuf,
        /// File offset of the first byte handed to the decoder.
        base: u64,
        /// What the decoder found, with its offset relative to `base`.
        #[source]
        source: DecodeError,
    },

    /// A txn log is damaged in a way a crash cannot explain, so recovery
    /// refuses to guess: the damage at `offset` is either followed by a
    /// whole entry (so it is not the torn end of the log) or lies in a log
    /// that is not the newest one.
    #[error("txn log {}: {found} at byte {offset}, {why}; refusing to recover past it", file.display())]
    CorruptLog {
        /// The log file.
        file: PathBuf,
        /// Offset of the damaged entry (0 for a damaged header).
        offset: u64,
        /// What was found at `offset`.
        found: LogDamage,
        /// Why this cannot be the torn tail a crash leaves.
        why: NotTorn,
    },

    /// Zxids in the txn logs do not increase: the entry at `offset` of
    /// `file` has a zxid not above the one read before it (or below the
    /// zxid in the file's name).
    #[error("txn log {}: entry at byte {offset} has zxid {zxid:#x}, which does not follow {previous:#x}", file.display())]
    ZxidOrder {
        /// The log file.
        file: PathBuf,
        /// Offset of the entry.
        offset: u64,
        /// Its zxid.
        zxid: i64,
        /// The zxid it should have exceeded.
        previous: i64,
    },

    /// A caller asked the txn log writer to append a zxid that does not
    /// exceed the last one appended.
    #[error("txn log {}: append of zxid {zxid:#x} after {last:#x}; zxids must increase", dir.display())]
    ZxidNotIncreasing {
        /// The log directory.
        dir: PathBuf,
        /// The zxid offered.
        zxid: i64,
        /// The last zxid appended.
        last: i64,
    },

    /// A txn offered to the log writer is empty or larger than the log
    /// reader accepts (so it could never be recovered).
    #[error("txn log {}: txn with zxid {zxid:#x} is {len} bytes, allowed 1..={max}", dir.display())]
    TxnSize {
        /// The log directory.
        dir: PathBuf,
        /// The txn's zxid.
        zxid: i64,
        /// Its length.
        len: usize,
        /// The largest length the reader accepts.
        max: usize,
    },

    /// The txn log writer failed earlier (an I/O error during a write or
    /// sync) and refuses further work: what reached the disk is unknown,
    /// so the process must stop and recover from the files.
    #[error("txn log {}: unusable after an earlier write failure; restart and recover", file.display())]
    LogFailed {
        /// The file being written when the failure happened.
        file: PathBuf,
    },
}

/// What was found at a damaged place in a txn log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogDamage {
    /// The file is shorter than its 16-byte header.
    ShortHeader {
        /// The file's length.
        len: u64,
    },
    /// The header's magic is not `ZKLG`.
    BadMagic {
        /// The magic read.
        magic: i32,
    },
    /// The entry is incomplete (see [`TornReason`]).
    Torn(TornReason),
    /// The entry is whole but its checksum does not match its txn bytes.
    ChecksumMismatch {
        /// The stored checksum.
        stored: i64,
        /// The checksum of the stored txn bytes.
        computed: i64,
    },
    /// The entry's txn length is negative or larger than the reader
    /// accepts.
    LengthOutOfRange {
        /// The length read.
        len: i64,
    },
    /// A zero txn length (the end-of-log mark of preallocated space) in
    /// an entry that is not all zeros, or followed by non-zero bytes.
    ZeroLength,
    /// The newest log holds a header and no entry: it was created just
    /// before a crash and its first commit never completed.
    NoEntries,
}

impl std::fmt::Display for LogDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::ShortHeader { len } => write!(f, "a {len}-byte file, shorter than its header"),
            Self::BadMagic { magic } => {
                write!(f, "bad magic {magic:#010x} (expected 0x5a4b4c47, ZKLG)")
            }
            Self::Torn(reason) => write!(f, "an incomplete entry ({reason:?})"),
            Self::ChecksumMismatch { stored, computed } => write!(
                f,
                "a checksum mismatch (stored {stored:#x}, computed {computed:#x})"
            ),
            Self::LengthOutOfRange { len } => write!(f, "txn length {len} out of range"),
            Self::ZeroLength => write!(f, "a zero txn length (end of log) among non-zero bytes"),
            Self::NoEntries => write!(f, "a header and no entry"),
        }
    }
}

/// Why damage in a txn log is not accepted as a crash's torn tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotTorn {
    /// A whole, checksummed entry follows the damage at this offset: data
    /// that was written after the damaged bytes, which a crash tearing the
    /// last write cannot leave behind.
    EntryFollows {
        /// Offset of the whole entry found after the damage.
        offset: u64,
    },
    /// Non-zero bytes run on to `until`, farther past the damage than a
    /// torn entry and the junk of a torn write can reach: something
    /// written after the damaged bytes survived.
    DataFollows {
        /// Offset just past the last non-zero byte of the file.
        until: u64,
    },
    /// The damage is in a log older than the newest one; a crash only
    /// tears the file being written, which is always the newest.
    NotNewestLog,
}

impl std::fmt::Display for NotTorn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::EntryFollows { offset } => {
                write!(f, "but a whole entry follows at byte {offset}")
            }
            Self::DataFollows { until } => write!(
                f,
                "but non-zero bytes run on to byte {until}, farther than a torn write reaches"
            ),
            Self::NotNewestLog => write!(f, "in a log that is not the newest"),
        }
    }
}

impl StorageError {
    /// A `map_err` adapter: wraps an I/O error with the operation and the
    /// path it was applied to, e.g.
    /// `disk.sync_dir(&dir).map_err(StorageError::io("sync_dir", &dir))`.
    pub fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { op, path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_offset_and_finding() {
        let e = StorageError::CorruptLog {
            file: PathBuf::from("/d/version-2/log.1"),
            offset: 1234,
            found: LogDamage::ChecksumMismatch {
                stored: 0x10,
                computed: 0x20,
            },
            why: NotTorn::EntryFollows { offset: 1300 },
        };
        assert_eq!(
            e.to_string(),
            "txn log /d/version-2/log.1: a checksum mismatch (stored 0x10, computed 0x20) \
             at byte 1234, but a whole entry follows at byte 1300; refusing to recover past it"
        );
        let e = StorageError::io("sync", "/d/log.1")(io::Error::new(
            io::ErrorKind::StorageFull,
            "full disk",
        ));
        assert_eq!(e.to_string(), "sync /d/log.1: full disk");
    }
}
