//! ZooKeeper's `outstandingChanges`: what the writes prepared but not yet
//! applied will have done to each path, so that validation sees them (a
//! create of `/a` followed, before it is applied, by a create of `/a/b`
//! succeeds; later ops of a multi see earlier ones).
//!
//! Records are kept in prep order; a second index gives the newest record
//! per path. The root's two names `""` and `"/"` share one key: ZooKeeper
//! keys them apart, so a setData/setACL of `/` prepared after a pending
//! create under the root starts from the tree's stale root and logs a
//! digest its own tree will not match. No validation result depends on it. Applying zxid N drops every record with zxid ≤ N; a failed
//! multi drops its own records and restores what it displaced.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use rzk_proto::data::{Acl, StatPersisted};

/// The key of `path`: `""` for the root under either name.
fn root_alias(path: &str) -> &str {
    if path == "/" {
        ""
    } else {
        path
    }
}

/// A node as the pending state sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingNode {
    /// Stored stat (raw cversion and owner).
    pub(crate) stat: StatPersisted,
    /// Number of children.
    pub(crate) child_count: i32,
    /// The ACL checks run against.
    pub(crate) acl: Arc<[Acl]>,
    /// The data (quota checks and digests).
    pub(crate) data: Option<Bytes>,
}

/// One `ChangeRecord`: the state of `path` after the txn `zxid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeRecord {
    /// Identity, so applying removes the index entry only if it is this one.
    pub(crate) seq: u64,
    /// The txn that made the change (−1 for a record read from the tree).
    pub(crate) zxid: i64,
    /// The exact path string.
    pub(crate) path: String,
    /// `None`: deleted.
    pub(crate) node: Option<PendingNode>,
    /// The node's digest after the change.
    pub(crate) node_digest: u64,
    /// The tree digest after the change.
    pub(crate) tree_digest: u64,
}

/// The outstanding changes. See the module documentation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outstanding {
    queue: VecDeque<ChangeRecord>,
    by_path: BTreeMap<String, ChangeRecord>,
    next_seq: u64,
}

impl Outstanding {
    /// The newest record for exactly `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&ChangeRecord> {
        self.by_path.get(root_alias(path))
    }

    /// The newest record of all, whose tree digest is the pending digest.
    pub(crate) fn last(&self) -> Option<&ChangeRecord> {
        self.queue.back()
    }

    /// All records in prep order (closeSession scans them).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ChangeRecord> {
        self.queue.iter()
    }

    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// `addChangeRecord`.
    pub(crate) fn add(&mut self, mut record: ChangeRecord) {
        self.next_seq += 1;
        record.seq = self.next_seq;
        record.path = root_alias(&record.path).to_owned();
        self.by_path.insert(record.path.clone(), record.clone());
        self.queue.push_back(record);
    }

    /// The txn `zxid` was applied: drop every record up to it
    /// (`FinalRequestProcessor`).
    pub(crate) fn applied(&mut self, zxid: i64) {
        while self.queue.front().is_some_and(|r| r.zxid <= zxid) {
            let Some(r) = self.queue.pop_front() else {
                break;
            };
            if self.by_path.get(&r.path).is_some_and(|c| c.seq == r.seq) {
                self.by_path.remove(&r.path);
            }
        }
    }

    /// `rollbackPendingChanges`: drops the newest records of txn `zxid`,
    /// then puts back the records `saved` before the multi began for its
    /// paths, unless they have been applied meanwhile.
    pub(crate) fn rollback(&mut self, zxid: i64, saved: BTreeMap<String, ChangeRecord>) {
        while self.queue.back().is_some_and(|r| r.zxid == zxid) {
            if let Some(r) = self.queue.pop_back() {
                self.by_path.remove(&r.path);
            }
        }
        let Some(first) = self.queue.front().map(|r| r.zxid) else {
            return;
        };
        for r in saved.into_values() {
            if r.zxid >= first {
                self.by_path.insert(r.path.clone(), r);
            }
        }
    }

    /// Forgets everything (a new leader, or a resync).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.by_path.clear();
    }
}
