//! A snapshot of one moment, written by whoever holds it while the tree it
//! came from keeps changing.
//!
//! [`SnapshotWalk`] over the live tree has to run on the thread that owns
//! the tree, between requests, and its file is fuzzy. A [`FrozenSnapshot`]
//! holds a [`FrozenTree`] — nodes and ACL cache that later writes do not
//! touch — with the sessions, zxid and digest of the same moment, so the
//! whole walk can run on another thread, and the file is exact: it holds
//! precisely the state after its zxid. (The walk's fuzzy-snapshot rules
//! still apply and are simply never triggered: no node in it was created
//! after the zxid, and every ACL number in it is in its cache.)

use bytes::BytesMut;
use rzk_proto::disk::SnapshotTail;

use super::walk::tail_of;
use super::SnapshotWalk;
use crate::tree::FrozenTree;

/// The state after one zxid, ready to be written as a snapshot file. It
/// owns everything it needs (`Send`), so it can be handed to a writer
/// thread.
#[derive(Debug, Clone)]
pub struct FrozenSnapshot {
    tree: FrozenTree,
    sessions: Vec<(i64, i32)>,
    zxid: i64,
    digest: Option<i64>,
}

impl FrozenSnapshot {
    /// The state whose last applied zxid is `zxid`: its `tree`, its live
    /// `sessions` (id, timeout), and its tree `digest` (`None` when
    /// digests are disabled, so the file has no digest block).
    pub fn new(
        tree: FrozenTree,
        sessions: Vec<(i64, i32)>,
        zxid: i64,
        digest: Option<i64>,
    ) -> Self {
        Self {
            tree,
            sessions,
            zxid,
            digest,
        }
    }

    /// The zxid the file is named after, and the last one it contains.
    pub fn zxid(&self) -> i64 {
        self.zxid
    }

    /// Number of znodes the file will hold.
    pub fn node_count(&self) -> usize {
        self.tree.node_count()
    }

    /// Starts writing the file: appends the header, the sessions and the
    /// ACL cache to `out`. The file is unsealed: the writer sums every byte
    /// and, once [`FrozenWalk::step`] hands over the tail, seals it with
    /// [`rzk_proto::disk::SnapshotSealer::seal`].
    pub fn begin(self, out: &mut BytesMut) -> FrozenWalk {
        let walk = SnapshotWalk::begin_unsealed(self.tree.tree(), &self.sessions, self.zxid, out);
        FrozenWalk {
            tail: tail_of(self.zxid, self.digest),
            snap: Some(self),
            walk,
        }
    }
}

/// A frozen snapshot being written; see [`FrozenSnapshot::begin`].
#[derive(Debug)]
pub struct FrozenWalk {
    /// `None` once the walk is done: the frozen nodes are let go as soon
    /// as they are written, so the live tree stops paying for copies.
    snap: Option<FrozenSnapshot>,
    walk: SnapshotWalk,
    tail: SnapshotTail,
}

impl FrozenWalk {
    /// The zxid the file is named after.
    pub fn zxid(&self) -> i64 {
        self.walk.zxid()
    }

    /// Appends up to `budget` more nodes to `out` (at least one). `None`
    /// while nodes remain; once all are written, appends the terminator
    /// and returns what the file is to be sealed with — and every later
    /// call appends nothing and returns the same.
    pub fn step(&mut self, budget: usize, out: &mut BytesMut) -> Option<SnapshotTail> {
        if let Some(snap) = &self.snap {
            if !self
                .walk
                .step(snap.tree.tree(), budget, out, snap.zxid, snap.digest)
            {
                return None;
            }
            self.snap = None;
        }
        Some(self.tail.clone())
    }
}
