//! Applying transactions to the tree (`DataTree.createNode`, `deleteNode`,
//! `setData`, `setACL`, `setCversionPzxid`, `killSession`, release-3.9.5).
//!
//! These run on committed txns, also when a log is replayed over a fuzzy
//! snapshot (a snapshot written while the tree kept changing, so it may
//! already contain effects of txns being replayed). Each function is
//! therefore written to be harmless on such a replay, the way ZooKeeper's
//! are: create never lowers a parent's cversion, delete never lowers a
//! parent's pzxid, and a create that finds its node (NodeExists) is fixed
//! up by the caller with [`DataTree::set_cversion_pzxid`] — ZooKeeper does
//! that only for txn type `create` (1), not create2/container/TTL.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use rzk_proto::data::{Acl, Stat, StatPersisted};

use super::node::{Node, NodeId};
use super::{utf16_len, DataTree, EphemeralType, NodeRef, TreeError};
use crate::path;

/// The result of a create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The new node's client Stat (create2's reply).
    pub stat: Stat,
    /// The new node's ACL (filters NodeCreated deliveries).
    pub acl: Arc<[Acl]>,
    /// The parent's ACL (filters NodeChildrenChanged deliveries).
    pub parent_acl: Arc<[Acl]>,
    /// The new node's metadata as stored (what its digest covers).
    pub persisted: StatPersisted,
}

/// The result of a delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// The deleted node's ACL (filters NodeDeleted deliveries).
    pub acl: Arc<[Acl]>,
    /// The parent's ACL (filters NodeChildrenChanged deliveries).
    pub parent_acl: Arc<[Acl]>,
    /// The deleted node's stored owner.
    pub ephemeral_owner: i64,
}

/// The result of a setData.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSet {
    /// The node's new client Stat (setData's reply).
    pub stat: Stat,
    /// The node's ACL (filters NodeDataChanged deliveries).
    pub acl: Arc<[Acl]>,
}

/// Splits a txn path into (parent path, child name) as ZooKeeper does with
/// `lastIndexOf('/')`; a path without `/` or with an empty name is refused
/// (ZooKeeper would throw or corrupt its map; validated txns have neither).
/// Sets a parent's cversion to `cversion` (−1: one more than now) and its
/// pzxid to `zxid`, but never lowers the cversion, so replaying a txn over a
/// fuzzy snapshot is harmless (`DataTree.setCversionPzxid`).
fn raise_cversion(stat: &mut StatPersisted, cversion: i32, zxid: i64) {
    let new = if cversion == -1 {
        stat.cversion.wrapping_add(1)
    } else {
        cversion
    };
    if new > stat.cversion {
        stat.cversion = new;
        stat.pzxid = zxid;
    }
}

/// The bytes of `data` in an allocation of their own, exactly their size.
///
/// Why: a txn's data arrives as a slice of a larger buffer — the client's
/// whole request frame, or a whole txn log file read at start-up — and a
/// node that kept the slice would keep that entire buffer alive for as long
/// as the node lives (a 100-byte value held ~200 bytes of frame plus a
/// shared header; after a replay, a few nodes could pin a 64 MiB log file).
/// One copy of the value when it is applied is cheaper than that memory.
fn owned(data: Bytes) -> Bytes {
    Bytes::copy_from_slice(&data)
}

fn split(p: &str) -> Result<(&str, &str), TreeError> {
    match (path::parent(p), path::last_component(p)) {
        (Some(parent), name) if !name.is_empty() => Ok((parent, name)),
        _ => Err(TreeError::BadPath),
    }
}

impl DataTree {
    fn node_mut(&mut self, id: NodeId) -> Result<&mut Node, TreeError> {
        self.nodes.get_mut(id).ok_or(TreeError::NoNode)
    }

    fn acl_at(&self, id: NodeId) -> Arc<[Acl]> {
        match self.nodes.get(id) {
            Some(n) => self.acl_of(n),
            None => self.deny_all.clone(),
        }
    }

    fn stat_at(&self, id: NodeId) -> Stat {
        match self.nodes.get(id) {
            Some(node) => NodeRef { tree: self, node }.stat(),
            None => Stat::default(),
        }
    }

    /// Applies a create (§3.4). `parent_cversion` is the txn's
    /// `parentCVersion` (−1: one more than now); the parent takes it, and
    /// `pzxid = zxid`, only if it is larger than the parent's cversion. The
    /// new node gets czxid = mzxid = pzxid = `zxid`, ctime = mtime = `time`,
    /// versions 0 and the stored `ephemeral_owner` (session, container or
    /// TTL marker), and is indexed by kind.
    ///
    /// The node keeps its own copy of `data`, never the buffer it is a
    /// slice of.
    ///
    /// NodeExists leaves the parent untouched but gives the existing node the
    /// txn's ACL, as ZooKeeper does so that a replay restores the ACL the
    /// txn wrote. (ZooKeeper leaks a reference count there; we release the
    /// old ACL properly.)
    #[allow(clippy::too_many_arguments)] // the fields of a create txn
    pub fn create_node(
        &mut self,
        path: &str,
        data: Option<Bytes>,
        acl: &[Acl],
        ephemeral_owner: i64,
        parent_cversion: i32,
        zxid: i64,
        time: i64,
    ) -> Result<Created, TreeError> {
        let (parent_path, name) = split(path)?;
        let parent_id = self.find(parent_path).ok_or(TreeError::NoNode)?;
        let acl_ref = self.acls.intern(acl);
        let existing = self.node_mut(parent_id)?.children.get(name).copied();
        if let Some(existing) = existing {
            let node = self.node_mut(existing)?;
            let old = std::mem::replace(&mut node.acl, acl_ref);
            self.acls.release(old);
            return Err(TreeError::NodeExists);
        }
        let stat = StatPersisted {
            czxid: zxid,
            mzxid: zxid,
            ctime: time,
            mtime: time,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner,
            pzxid: zxid,
        };
        let data = data.map(owned);
        let data_len = data.as_ref().map_or(0, |d| d.len() as i64);
        let Some(id) = self.attach(parent_id, name, Node::new(data, acl_ref, stat.clone())) else {
            self.acls.release(acl_ref);
            return Err(TreeError::TooManyNodes);
        };
        raise_cversion(&mut self.node_mut(parent_id)?.stat, parent_cversion, zxid);
        self.index_add(path, ephemeral_owner);
        self.data_size += utf16_len(path) + data_len;
        self.quota_after_create(path, data_len);
        Ok(Created {
            stat: self.stat_at(id),
            acl: self.acl_at(id),
            parent_acl: self.acl_at(parent_id),
            persisted: stat,
        })
    }

    pub(super) fn index_add(&mut self, path: &str, owner: i64) {
        match self.types.classify(owner) {
            EphemeralType::Container => {
                self.containers.insert(path.to_owned());
            }
            EphemeralType::Ttl => {
                self.ttls.insert(path.to_owned());
            }
            EphemeralType::Normal => {
                self.ephemerals
                    .entry(owner)
                    .or_default()
                    .insert(path.to_owned());
            }
            EphemeralType::Void => {}
        }
    }

    fn index_remove(&mut self, path: &str, owner: i64) {
        match self.types.classify(owner) {
            EphemeralType::Container => {
                self.containers.remove(path);
            }
            EphemeralType::Ttl => {
                self.ttls.remove(path);
            }
            EphemeralType::Normal => {
                if let Some(set) = self.ephemerals.get_mut(&owner) {
                    set.remove(path);
                    if set.is_empty() {
                        self.ephemerals.remove(&owner);
                    }
                }
            }
            EphemeralType::Void => {}
        }
    }

    /// Applies a delete (§3.6). The child is unlinked and the parent's pzxid
    /// raised to `zxid` (never lowered) *before* the node's existence is
    /// checked, so a replayed delete of a node the snapshot no longer has
    /// still fixes the parent, then answers NoNode — ZooKeeper's order.
    /// The parent's persisted cversion is not touched.
    ///
    /// A validated delete never has children. On a fuzzy-snapshot replay
    /// it can; ZooKeeper then leaves the children in its path map as
    /// unreachable orphans, while we free the whole subtree.
    pub fn delete_node(&mut self, path: &str, zxid: i64) -> Result<Deleted, TreeError> {
        let (parent_path, name) = split(path)?;
        let parent_id = self.find(parent_path).ok_or(TreeError::NoNode)?;
        let parent = self.node_mut(parent_id)?;
        let child = parent.children.remove(name);
        if zxid > parent.stat.pzxid {
            parent.stat.pzxid = zxid;
        }
        let id = child.ok_or(TreeError::NoNode)?;
        let bytes = self
            .nodes
            .get(id)
            .map_or(0, |n| n.data.as_ref().map_or(0, |d| d.len() as i64));
        self.quota_before_delete(path, bytes);
        let acl = self.acl_at(id);
        let ephemeral_owner = self.nodes.get(id).map_or(0, |n| n.stat.ephemeral_owner);
        self.free_subtree(id, path);
        Ok(Deleted {
            acl,
            parent_acl: self.acl_at(parent_id),
            ephemeral_owner,
        })
    }

    /// Frees `id` (already unlinked from its parent) and its descendants,
    /// dropping their ACL uses, index entries and sizes.
    fn free_subtree(&mut self, id: NodeId, path: &str) {
        let mut stack = vec![(id, path.to_owned())];
        while let Some((id, p)) = stack.pop() {
            let Some(node) = self.nodes.release(id) else {
                continue;
            };
            self.acls.release(node.acl);
            self.index_remove(&p, node.stat.ephemeral_owner);
            self.data_size -= utf16_len(&p) + node.data.as_ref().map_or(0, |d| d.len() as i64);
            for (name, child) in node.children.into_pairs() {
                stack.push((child, format!("{p}/{name}")));
            }
        }
    }

    /// Applies a setData (§3.6): new data, mtime = `time`, mzxid = `zxid`,
    /// and `version` as the txn carries it (already incremented by the
    /// request pipeline; `/zookeeper/config` updates carry −1). The node
    /// keeps its own copy of `data`, as with [`DataTree::create_node`].
    pub fn set_data(
        &mut self,
        path: &str,
        data: Option<Bytes>,
        version: i32,
        zxid: i64,
        time: i64,
    ) -> Result<DataSet, TreeError> {
        let id = self.find(path).ok_or(TreeError::NoNode)?;
        let node = self.node_mut(id)?;
        let data = data.map(owned);
        let new_len = data.as_ref().map_or(0, |d| d.len() as i64);
        let old = std::mem::replace(&mut node.data, data);
        node.stat.mtime = time;
        node.stat.mzxid = zxid;
        node.stat.version = version;
        let diff = new_len - old.map_or(0, |d| d.len() as i64);
        self.data_size += diff;
        self.quota_after_set_data(path, diff);
        Ok(DataSet {
            stat: self.stat_at(id),
            acl: self.acl_at(id),
        })
    }

    /// Applies a setACL (§3.6): the ACL is replaced and aversion set to
    /// `version` as the txn carries it. Fires nothing. As in ZooKeeper the
    /// old ACL is released before the new one is interned, so re-setting a
    /// node's own unshared ACL gives it a new cache number.
    pub fn set_acl(&mut self, path: &str, acl: &[Acl], version: i32) -> Result<Stat, TreeError> {
        let id = self.find(path).ok_or(TreeError::NoNode)?;
        let old = self.node_mut(id)?.acl;
        self.acls.release(old);
        let new = self.acls.intern(acl);
        let node = self.node_mut(id)?;
        node.acl = new;
        node.stat.aversion = version;
        Ok(self.stat_at(id))
    }

    /// `setCversionPzxid`: one trailing `/` is ignored; `new_cversion` −1
    /// means one more than now; cversion and pzxid change only when the
    /// new cversion is larger. Used after a replayed create hits NodeExists.
    pub fn set_cversion_pzxid(
        &mut self,
        path: &str,
        new_cversion: i32,
        zxid: i64,
    ) -> Result<(), TreeError> {
        let path = path.strip_suffix('/').unwrap_or(path);
        let id = self.find(path).ok_or(TreeError::NoNode)?;
        raise_cversion(&mut self.node_mut(id)?.stat, new_cversion, zxid);
        Ok(())
    }

    /// Applies a closeSession (§3.9): deletes the paths the txn lists (3.6+
    /// `paths2Delete`, in order, whoever owns them), then any remaining
    /// ephemerals of `session` (sorted). Paths already gone are skipped.
    /// Returns each deleted path with its [`Deleted`], in deletion order,
    /// so the caller can fire the watches in the same order.
    pub fn kill_session(
        &mut self,
        session: i64,
        zxid: i64,
        paths_in_txn: Option<&[String]>,
    ) -> Vec<(String, Deleted)> {
        let local = self.ephemerals.remove(&session);
        let mut out = Vec::new();
        let txn_paths = paths_in_txn.unwrap_or(&[]);
        for p in txn_paths {
            if let Ok(d) = self.delete_node(p, zxid) {
                out.push((p.clone(), d));
            }
        }
        let listed: BTreeSet<&str> = txn_paths.iter().map(String::as_str).collect();
        for p in local.into_iter().flatten() {
            if listed.contains(p.as_str()) {
                continue;
            }
            if let Ok(d) = self.delete_node(&p, zxid) {
                out.push((p, d));
            }
        }
        out
    }
}
