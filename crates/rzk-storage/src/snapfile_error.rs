//! The error of snapshot-file, purge and decompression operations: always
//! the file, what was being done, and what went wrong.

use std::io;
use std::path::PathBuf;

use crate::compress::CompressError;

/// Something went wrong with a snapshot file or a purge.
#[derive(Debug, thiserror::Error)]
pub enum SnapError {
    /// A disk operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done (`create`, `write`, `sync`, `rename`, …).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A snapshot being finished does not end in the checked tail, so
    /// ZooKeeper (and rzk) would skip it as torn: it is not installed.
    #[error("{}: not a complete snapshot ({len} bytes written, the last 5 must be 00 00 00 01 2f)", path.display())]
    NotSealed {
        /// The temporary file (removed).
        path: PathBuf,
        /// Bytes written.
        len: u64,
    },
    /// A compressed snapshot could not be unwrapped.
    #[error("{}: {source}", path.display())]
    Decompress {
        /// The snapshot file.
        path: PathBuf,
        /// What the decompressor found.
        #[source]
        source: CompressError,
    },
    /// A purge was asked to keep fewer snapshots than ZooKeeper allows.
    #[error("count should be greater than or equal to 3 (got {retain})")]
    RetainTooLow {
        /// The count asked for.
        retain: usize,
    },
}

impl SnapError {
    /// An I/O error on `path` during `op`.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| SnapError::Io { op, path, source }
    }
}
