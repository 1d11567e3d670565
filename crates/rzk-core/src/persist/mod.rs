//! What durable storage needs from the core (`PROTOCOL.md` §6.3): loading a
//! snapshot into a tree, replaying the txn log over it, and writing a
//! snapshot of a frozen (or even a live) tree in small steps. File I/O is
//! storage's business:
//! everything here takes and produces bytes in memory.
//!
//! * [`restore_snapshot`]: an uncompressed snapshot file → [`Restored`]
//!   (tree, sessions, the digest block); [`restore_snapshot_from`] the
//!   same from a file storage hands over a piece at a time;
//! * [`Recovered`]: a tree, sessions and last zxid, fed log txns in order
//!   by [`Recovered::replay`], idempotently over a fuzzy snapshot as
//!   ZooKeeper's `FileTxnSnapLog.processTransaction` is, checking digests
//!   as `DataTree.compareSnapshotDigests` / `compareDigest` do;
//! * [`SnapshotWalk`]: a snapshot written a few nodes at a time while the
//!   tree keeps changing (see `walk.rs` for why the result is still
//!   correct);
//! * [`FrozenSnapshot`]: the state after one zxid, taken at once and
//!   written by the walk on another thread, exactly
//!   ([`crate::standalone::Standalone::freeze_snapshot`]).

mod frozen;
mod recover;
mod restore;
#[cfg(test)]
pub(crate) mod tests;
mod walk;

pub use frozen::{FrozenSnapshot, FrozenWalk};
pub use recover::{DigestCheck, DigestMismatch, Recovered, ReplayError};
pub use restore::{
    restore_snapshot, restore_snapshot_from, restore_snapshot_with_max_len, DetachedNode,
    RestoreError, Restored, SnapshotLoader,
};
pub use walk::SnapshotWalk;

pub use crate::tree::load::NodeProblem;
