//! The DataTree (`srv/DataTree`, `PROTOCOL.md` §3.4–§3.6, §3.11, §3.13):
//! znodes with their data, ACL and Stat, the ACL cache, the index of
//! ephemerals by session and the sets of containers and TTL nodes, and the
//! operations that apply an already-validated transaction.
//!
//! The apply functions ([`DataTree::create_node`], [`DataTree::delete_node`],
//! [`DataTree::set_data`], [`DataTree::set_acl`],
//! [`DataTree::set_cversion_pzxid`], [`DataTree::kill_session`]) take plain
//! values — path, data, ACL, owner, parent cversion, zxid, time — as the
//! txn records carry them, and behave as ZooKeeper's do when replaying a
//! log over a fuzzy snapshot. They fire no watches: their results carry
//! what the watch manager needs (the ACLs for the delivery filter).
//!
//! Everything iterates in sorted order: children listings, ephemerals,
//! containers. ZooKeeper uses hash order, which clients must not rely on
//! (§9 item 18), so sorted is a valid and deterministic choice.

mod acl_cache;
mod apply;
mod children;
pub mod ephemeral;
pub(crate) mod load;
mod node;
#[cfg(test)]
mod proptests;
mod quota;
#[cfg(test)]
mod tests;
mod visit;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bytes::Bytes;
use rzk_proto::codes::ErrorCode;
use rzk_proto::data::{Acl, Stat, StatPersisted};

pub use acl_cache::{AclCache, OPEN_ACL_REF};
pub use apply::{Created, DataSet, Deleted};
pub use ephemeral::{EphemeralType, ExtendedTypes};
pub(crate) use node::Name;
use node::{Arena, Node, NodeId, ROOT_ID};

use crate::path;

/// Why an apply or lookup failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The node (or, for create and delete, its parent) does not exist.
    #[error("no node")]
    NoNode,
    /// create found the node already there.
    #[error("node exists")]
    NodeExists,
    /// The path has no `/` or an empty last component; validated txns never
    /// carry one.
    #[error("malformed path")]
    BadPath,
    /// 2^32 live nodes: the arena is full.
    #[error("too many nodes")]
    TooManyNodes,
}

impl TreeError {
    /// The ZooKeeper code a reply would carry.
    pub fn code(self) -> ErrorCode {
        match self {
            TreeError::NoNode => ErrorCode::NoNode,
            TreeError::NodeExists => ErrorCode::NodeExists,
            TreeError::BadPath => ErrorCode::BadArguments,
            TreeError::TooManyNodes => ErrorCode::SystemError,
        }
    }
}

/// Java's `String.length()`: the UTF-16 length, which is what ZooKeeper's
/// approximate data size counts for paths.
fn utf16_len(s: &str) -> i64 {
    // Counted on the UTF-8 bytes (snapshot loading does this per node):
    // every byte that is not a continuation starts a char, one UTF-16 unit,
    // and each 4-byte lead (a char outside the BMP) adds its second unit.
    s.bytes()
        .map(|b| i64::from(b & 0xC0 != 0x80) + i64::from(b >= 0xF0))
        .sum()
}

/// The tree. See the module documentation.
#[derive(Debug, Clone)]
pub struct DataTree {
    nodes: Arena,
    acls: AclCache,
    /// Ephemeral paths by owning session; sets are dropped when emptied.
    ephemerals: BTreeMap<i64, BTreeSet<String>>,
    containers: BTreeSet<String>,
    ttls: BTreeSet<String>,
    types: ExtendedTypes,
    /// Sum over nodes of path length + data length, the root counted under
    /// both of its names, as `approximateDataSize`.
    data_size: i64,
    /// Paths with a quota, whose usage the tree keeps (§3.12).
    quotas: quota::QuotaPaths,
    /// Returned for a node whose ACL number is missing from the cache (see
    /// `acl_of`): it grants nothing.
    deny_all: Arc<[Acl]>,
}

/// A read-only view of one znode.
#[derive(Debug, Clone, Copy)]
pub struct NodeRef<'a> {
    tree: &'a DataTree,
    node: &'a Node,
}

impl<'a> NodeRef<'a> {
    /// The data; `None` is null, distinct from empty.
    pub fn data(&self) -> Option<&'a Bytes> {
        self.node.data.as_ref()
    }

    /// The Stat clients see (§3.5): `dataLength` 0 for null data,
    /// `cversion = 2 × persisted − numChildren` (Java int arithmetic), and
    /// `ephemeralOwner` 0 unless the node is a real ephemeral.
    pub fn stat(&self) -> Stat {
        let p = &self.node.stat;
        let n = i32::try_from(self.node.children.len()).unwrap_or(i32::MAX);
        Stat {
            czxid: p.czxid,
            mzxid: p.mzxid,
            ctime: p.ctime,
            mtime: p.mtime,
            version: p.version,
            cversion: p.cversion.wrapping_mul(2).wrapping_sub(n),
            aversion: p.aversion,
            ephemeral_owner: self.tree.types.client_owner(p.ephemeral_owner),
            data_length: self
                .node
                .data
                .as_ref()
                .map_or(0, |d| i32::try_from(d.len()).unwrap_or(i32::MAX)),
            num_children: n,
            pzxid: p.pzxid,
        }
    }

    /// The metadata as stored (raw cversion and owner), for snapshots and
    /// for the request pipeline's own bookkeeping.
    pub fn persisted(&self) -> &'a StatPersisted {
        &self.node.stat
    }

    /// The node's ACL number in the cache.
    pub fn acl_ref(&self) -> i64 {
        self.node.acl
    }

    /// The node's ACL.
    pub fn acl(&self) -> Arc<[Acl]> {
        self.tree.acl_of(self.node)
    }

    /// Child names, sorted.
    pub fn children(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.node.children.keys().map(|k| &**k)
    }

    /// The child called `name`.
    pub fn child(&self, name: &str) -> Option<NodeRef<'a>> {
        let id = *self.node.children.get(name)?;
        let node = self.tree.nodes.get(id)?;
        Some(NodeRef {
            tree: self.tree,
            node,
        })
    }

    /// The children, in name order, whose names sort after `after` (all of
    /// them for `None`), with their names. Lets a walk resume by name after
    /// the tree has changed, and go on from there without searching again
    /// for each child.
    pub fn children_after(&self, after: Option<&str>) -> ChildrenAfter<'a> {
        ChildrenAfter {
            tree: self.tree,
            range: self.node.children.after(after),
        }
    }

    /// Number of children.
    pub fn num_children(&self) -> usize {
        self.node.children.len()
    }

    /// Persistent, ephemeral, container or TTL.
    pub fn kind(&self) -> EphemeralType {
        self.tree.types.classify(self.node.stat.ephemeral_owner)
    }
}

/// The tree's nodes and ACL cache as they were at one moment, for writing
/// a snapshot on another thread. It never changes, and the tree it was
/// taken from goes on changing without affecting it.
///
/// Taking one copies a pointer per 16,384 nodes and the ACL cache. While
/// it lives, the tree's first write to each such chunk of nodes copies
/// the chunk (its nodes' data and children maps stay shared), so a frozen
/// tree held through a write-heavy stretch can cost up to one more copy
/// of the nodes' fixed part; dropping it gives that back.
#[derive(Debug, Clone)]
pub struct FrozenTree(DataTree);

impl FrozenTree {
    /// The frozen nodes, readable as a tree. Only nodes, their ACL numbers
    /// and the ACL cache are kept: the indices of ephemerals, containers,
    /// TTL nodes and quotas are empty.
    pub(crate) fn tree(&self) -> &DataTree {
        &self.0
    }

    /// Number of live nodes.
    pub fn node_count(&self) -> usize {
        self.0.nodes.live()
    }
}

impl Default for DataTree {
    fn default() -> Self {
        Self::new(ExtendedTypes::default())
    }
}

impl DataTree {
    /// The nodes and ACL cache as they are now, for a snapshot written
    /// elsewhere (see [`FrozenTree`] for what it costs).
    pub fn freeze(&self) -> FrozenTree {
        FrozenTree(Self {
            nodes: self.nodes.clone(),
            acls: self.acls.clone(),
            ephemerals: BTreeMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            types: self.types,
            data_size: self.data_size,
            quotas: quota::QuotaPaths::default(),
            deny_all: self.deny_all.clone(),
        })
    }

    /// A fresh tree with ZooKeeper's built-in nodes (§3.11): `/`,
    /// `/zookeeper` and `/zookeeper/quota` with empty data, OPEN ACL (−1) and
    /// all-zero stats; `/zookeeper/config` with empty data, ACL
    /// `[1, world, anyone]` (cache number 1, as ZooKeeper's constructor
    /// interns it first) and aversion −1.
    pub fn new(types: ExtendedTypes) -> Self {
        let empty = || Some(Bytes::new());
        let mut tree = Self {
            nodes: Arena::default(),
            acls: AclCache::new(),
            ephemerals: BTreeMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            types,
            data_size: 0,
            quotas: quota::QuotaPaths::default(),
            deny_all: vec![Acl::new(0, rzk_proto::data::Id::anyone())].into(),
        };
        let zero = StatPersisted::default();
        let config_acl = tree.acls.intern(&Acl::read_unsafe());
        let config_stat = StatPersisted {
            aversion: -1,
            ..zero.clone()
        };
        // The arena is empty, so the root lands on ROOT_ID and none of these
        // allocations can fail.
        let root = tree
            .nodes
            .alloc(Node::new(empty(), OPEN_ACL_REF, zero.clone()));
        debug_assert_eq!(root, Some(ROOT_ID));
        let zk = tree.attach(
            ROOT_ID,
            "zookeeper",
            Node::new(empty(), OPEN_ACL_REF, zero.clone()),
        );
        if let Some(zk) = zk {
            tree.attach(zk, "quota", Node::new(empty(), OPEN_ACL_REF, zero));
            tree.attach(zk, "config", Node::new(empty(), config_acl, config_stat));
        }
        // "" + "/" + the three /zookeeper paths; all data is empty.
        tree.data_size = ["", "/", path::ZOOKEEPER, path::QUOTA, path::CONFIG]
            .iter()
            .map(|p| utf16_len(p))
            .sum();
        tree
    }

    /// How stored owners are read (extended types on or off).
    pub fn extended_types(&self) -> ExtendedTypes {
        self.types
    }

    /// The index of the node at `path`, matching ZooKeeper's exact-string
    /// lookup: `""` and `"/"` are the root; anything else must be
    /// `/name(/name)*` with no empty component (so `/a/` and relative paths
    /// are never found).
    fn find(&self, path: &str) -> Option<NodeId> {
        if path.is_empty() || path == path::ROOT {
            return Some(ROOT_ID);
        }
        let rest = path.strip_prefix('/')?;
        let mut id = ROOT_ID;
        for name in rest.split('/') {
            if name.is_empty() {
                return None;
            }
            id = *self.nodes.get(id)?.children.get(name)?;
        }
        Some(id)
    }

    /// Stores `node` as child `name` of `parent`. `None` when the parent
    /// is gone or the arena is full.
    fn attach(&mut self, parent: NodeId, name: &str, node: Node) -> Option<NodeId> {
        self.nodes.get(parent)?;
        let id = self.nodes.alloc(node)?;
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.insert(name.into(), id);
        }
        Some(id)
    }

    /// The node's ACL. A number missing from the cache grants nothing: a
    /// snapshot written while ACLs changed can leave a node with a number
    /// its ACL section lacks until the log's setACL is replayed (ZooKeeper
    /// throws on reading such a node), and failing closed is the safe
    /// reading of anything else that gets there.
    fn acl_of(&self, node: &Node) -> Arc<[Acl]> {
        match self.acls.get(node.acl) {
            Some(a) => a.clone(),
            None => self.deny_all.clone(),
        }
    }

    /// The node at `path` (exact lookup; reads do not validate paths).
    pub fn node(&self, path: &str) -> Option<NodeRef<'_>> {
        let node = self.nodes.get(self.find(path)?)?;
        Some(NodeRef { tree: self, node })
    }

    /// Whether a node exists at `path`.
    pub fn exists(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    /// The client Stat of the node at `path`.
    pub fn stat(&self, path: &str) -> Option<Stat> {
        self.node(path).map(|n| n.stat())
    }

    /// Child names of the node at `path`, sorted.
    pub fn children(&self, path: &str) -> Option<Vec<String>> {
        self.node(path)
            .map(|n| n.children().map(str::to_owned).collect())
    }

    /// getAllChildrenNumber (§3.6): the number of descendants. ZooKeeper
    /// answers `/` with `nodeCount − 2` and any other path by counting the
    /// keys that start with `path + "/"`; for `""` (the root's other name)
    /// that includes `"/"` itself, one more than for `/`. Kept as is.
    pub fn all_children_number(&self, path: &str) -> Option<i32> {
        let id = self.find(path)?;
        let descendants = self.count_descendants(id);
        let n = if path.is_empty() {
            descendants + 1
        } else {
            descendants
        };
        Some(i32::try_from(n).unwrap_or(i32::MAX))
    }

    fn count_descendants(&self, id: NodeId) -> usize {
        let mut count = 0;
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if let Some(n) = self.nodes.get(id) {
                count += n.children.len();
                stack.extend(n.children.values().copied());
            }
        }
        count
    }

    /// `znode_count` / "Node count": live nodes with the root counted
    /// twice, as ZooKeeper stores it under `""` and `"/"` (5 when empty).
    pub fn znode_count(&self) -> usize {
        self.nodes.live() + 1
    }

    /// `approximateDataSize`: Σ (UTF-16 path length + data length) over
    /// ZooKeeper's node map (root under both names).
    pub fn approximate_data_size(&self) -> i64 {
        self.data_size
    }

    /// The ACL cache.
    pub fn acl_cache(&self) -> &AclCache {
        &self.acls
    }

    /// The session's ephemeral paths, sorted.
    pub fn ephemerals(&self, session: i64) -> Vec<String> {
        self.ephemerals
            .get(&session)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// getEphemerals (§3.6): all of the session's ephemerals when `prefix`
    /// is `None`, or blank or `/` after trimming (Java's `trim`: chars ≤
    /// U+0020); otherwise those whose path starts with `prefix` as a plain
    /// string (untrimmed), not a path component.
    pub fn ephemerals_with_prefix(&self, session: i64, prefix: Option<&str>) -> Vec<String> {
        let all = self.ephemerals(session);
        let Some(prefix) = prefix else {
            return all;
        };
        let trimmed = prefix.trim_matches(|c: char| c <= ' ');
        if trimmed.is_empty() || trimmed == path::ROOT {
            return all;
        }
        all.into_iter().filter(|p| p.starts_with(prefix)).collect()
    }

    /// Sessions that own at least one ephemeral, ascending.
    pub fn sessions_with_ephemerals(&self) -> Vec<i64> {
        self.ephemerals.keys().copied().collect()
    }

    /// Total number of ephemerals (`zk_ephemerals_count`).
    pub fn ephemerals_count(&self) -> usize {
        self.ephemerals.values().map(BTreeSet::len).sum()
    }

    /// Container paths, sorted.
    pub fn containers(&self) -> impl Iterator<Item = &str> {
        self.containers.iter().map(String::as_str)
    }

    /// TTL-node paths, sorted.
    pub fn ttls(&self) -> impl Iterator<Item = &str> {
        self.ttls.iter().map(String::as_str)
    }

    /// `ContainerManager.getCandidates` (§3.13) at wall-clock time `now`
    /// (ms): childless containers that have had a child (persisted
    /// cversion above 0), or — when `max_never_used_ms` ≠ 0 — that are older
    /// than it by mtime; and childless TTL nodes whose mtime is more than their TTL
    /// ago. Sorted, no duplicates.
    pub fn reap_candidates(&self, now: i64, max_never_used_ms: i64) -> Vec<String> {
        let mut out = BTreeSet::new();
        for p in &self.containers {
            let Some(n) = self.node(p) else { continue };
            let s = n.persisted();
            let elapsed = now.wrapping_sub(s.mtime);
            if n.num_children() == 0
                && (s.cversion > 0 || (max_never_used_ms != 0 && elapsed > max_never_used_ms))
            {
                out.insert(p.clone());
            }
        }
        for p in &self.ttls {
            let Some(n) = self.node(p) else { continue };
            let s = n.persisted();
            if n.num_children() != 0 {
                continue;
            }
            if let Some(ttl) = self.types.ttl_of(s.ephemeral_owner) {
                if ttl != 0 && now.wrapping_sub(s.mtime) > ttl {
                    out.insert(p.clone());
                }
            }
        }
        out.into_iter().collect()
    }
}

/// Children of one node in name order, from [`NodeRef::children_after`].
#[derive(Debug)]
pub struct ChildrenAfter<'a> {
    tree: &'a DataTree,
    range: children::ChildRange<'a>,
}

impl<'a> Iterator for ChildrenAfter<'a> {
    type Item = (&'a str, NodeRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, &id) = self.range.next()?;
        let node = self.tree.nodes.get(id)?;
        Some((
            &**name,
            NodeRef {
                tree: self.tree,
                node,
            },
        ))
    }
}
