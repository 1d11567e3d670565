//! ZooKeeper's on-disk formats, as bytes (PROTOCOL.md §6): file headers,
//! txn-log framing, snapshots, the SNAP body of §5.6 that shares the
//! snapshot's data-tree layout, file names and preallocation arithmetic.
//!
//! Everything here is pure: decoders take bytes already in memory (or,
//! for a snapshot, pull them from a [`SnapshotSource`] storage provides),
//! encoders append to buffers, and storage does the I/O. Compression of
//! snapshots (gz, snappy) is storage's concern too: the formats here are
//! the uncompressed streams, over which the checksums are computed.

mod header;
mod names;
mod prealloc;
mod seal;
mod snapbody;
mod snapshot;
mod snapshot_reader;
mod snapshot_writer;
mod tree;
mod txnlog;

#[cfg(test)]
mod strategies;

pub use header::{FileHeader, FILE_HEADER_LEN, FILE_VERSION, SNAP_MAGIC, TXNLOG_MAGIC};
pub use names::{
    log_file_name, parse_log_file_name, parse_snapshot_file_name, snapshot_file_name,
    SnapCompression, LOG_PREFIX, SNAPSHOT_PREFIX,
};
pub use prealloc::{padded_log_size, DEFAULT_PREALLOC_SIZE, PREALLOC_SLACK};
pub use seal::{has_checked_tail, CHECKED_TAIL, SEAL_LEN};
pub use snapbody::{SnapBody, SnapBodyReader, SnapBodyWriter, SNAP_SIGNATURE};
pub use snapshot::{DigestValue, Snapshot, SnapshotTail, ZxidDigest, DIGEST_VERSION};
pub use snapshot_reader::{MemorySource, SnapshotReader, SnapshotSource};
pub use snapshot_writer::{SnapshotSealer, SnapshotWriter, UnsealedSnapshotWriter};
pub use tree::{
    write_terminator, AclCacheEntry, DataTreeImage, SessionEntry, SnapNode, SnapNodeRef, TreeHead,
    OPEN_ACL_UNSAFE_REF, ROOT_PATH, TERMINATOR_PATH,
};
pub use txnlog::{
    encode_entry, txn_checksum, LogEnd, TornReason, TxnLogDecoder, TxnLogEntry, TxnLogFile,
    END_OF_RECORD, ENTRY_OVERHEAD,
};
