//! Durability for the standalone server: the txn log written by a log
//! thread with group commit, snapshots frozen by the core task and
//! serialized and written by a snapshot thread, recovery at start-up, and
//! autopurge.
//!
//! The guarantee: nothing a client can observe — a reply, a watch event, a
//! read of a znode — leaves the server before every txn applied so far is
//! durable. The core applies txns as soon as it prepares them (so later
//! requests see them); the core task holds every output the
//! core produces until the log thread reports that the last txn appended
//! before that output has been synced. One sync covers every txn appended
//! while the previous sync ran (group commit).

pub(crate) mod durability;
mod flush_policy;
mod fsync_stats;
mod log_thread;
mod open;
mod purge_thread;
mod snapshot_load;
mod snapshot_thread;

pub(crate) use durability::{write_snapshot_now, Durability};
pub use flush_policy::FlushPolicy;
pub(crate) use fsync_stats::FsyncStats;
pub use open::{open, Opened, StorageConfig, StorageStartError};
#[cfg(test)]
mod open_tests;
#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;
