//! Durable storage for rzk in Apache ZooKeeper's own on-disk format
//! (PROTOCOL.md §6): the transaction log, snapshots, recovery and purge.
//!
//! All I/O goes through the narrow [`Disk`] trait, so the same code runs on
//! the real file system ([`FsDisk`]) and on a crash-modelling fake that keeps
//! written and synced bytes apart (for simulated-crash tests).

pub mod compress;
mod direct;
pub mod disk;
pub mod epoch;
pub mod error;
pub mod logscan;
mod logscan_file;
pub mod purge;
pub mod readahead;
pub mod sim;
mod sim_content;
#[cfg(test)]
mod sim_recovery_tests;
mod sim_rng;
pub mod snapfile;
mod snapfile_error;
pub mod txnlog;
#[cfg(test)]
mod txnlog_testing;
mod writeback;

#[cfg(test)]
mod conformance;

pub use disk::{DataExtent, Disk, DiskFile, FsDisk};
pub use epoch::{read_epoch, read_pending_epoch, write_epoch, EpochError, EpochFile};
pub use error::{LogDamage, NotTorn, StorageError};
pub use logscan::{inspect_logs, read_logs, LogRead, LoggedTxn, TornTail, MAX_TXN_LEN};
pub use purge::{autopurge_retain_count, purge, PurgeReport, MIN_SNAP_RETAIN_COUNT};
pub use readahead::{Pieces, ReadFailure};
pub use sim::{SimDisk, SimStats};
pub use snapfile::{
    read_snapshot, snapshot_candidates, SnapshotCandidate, SnapshotSink, MAX_SNAPSHOT_CANDIDATES,
};
pub use snapfile_error::SnapError;
pub use txnlog::{LogOptions, TxnLog};
