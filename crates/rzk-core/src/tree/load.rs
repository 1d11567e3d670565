//! Building a tree from a snapshot's nodes (`DataTree.deserialize`).
//!
//! Nodes arrive parent first. ZooKeeper finds each parent with a hash
//! lookup of its full path; here the loader keeps the chain of nodes from
//! the root to the last node loaded, which in a depth-first file (what
//! ZooKeeper and rzk write) always holds the next node's parent, so the
//! parent is found by comparing path prefixes instead of walking from the
//! root. Any other parent-first order still loads, through a lookup from
//! the root.
//!
//! Children that arrive in name order (as rzk writes them) are collected
//! per parent and built into the parent's sorted map in one pass when the
//! parent's subtree is done; children out of order (ZooKeeper writes hash
//! order) are inserted one by one.
//!
//! Per node the loader stores the node, counts its ACL use, indexes it as
//! ephemeral, container or TTL by its owner, and adds its size; at the end
//! it rebuilds the quota usage (`setupQuota`) and drops ACL entries no node
//! uses (`purgeUnused`). No full path is kept except for indexed nodes.

use rzk_proto::data::Acl;
use rzk_proto::disk::SnapNode;

use super::node::{Arena, Node, NodeId, ROOT_ID};
use super::{utf16_len, AclCache, DataTree, ExtendedTypes, OPEN_ACL_REF};

/// Why a snapshot node could not be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NodeProblem {
    /// The first node is not the root (path `""`).
    #[error("the first node must be the root (path \"\")")]
    RootNotFirst,
    /// A path after the root without `/`, or with an empty last name.
    #[error("not a node path")]
    NotAPath,
    /// The parent was not loaded before the node (ZooKeeper: "Invalid
    /// Datatree, unable to find parent").
    #[error("its parent was not loaded before it")]
    MissingParent,
    /// The path was loaded before.
    #[error("the path appears twice")]
    Duplicate,
    /// 2^32 nodes.
    #[error("too many nodes")]
    TooManyNodes,
}

/// The smallest encoding of a node: an empty path (4), null data (4), the
/// ACL number (8) and the stat (60). Bounds the node count of a file.
const MIN_NODE_LEN: usize = 76;

/// One node of the chain from the root to the last node loaded.
#[derive(Debug)]
struct Level {
    /// Length of its path in `last_path`.
    end: usize,
    id: NodeId,
    /// Children received in strictly increasing name order and not yet in
    /// the node's map; `None` once one came out of order (or the node had
    /// children already), after which children go straight into the map.
    pending: Option<Vec<(super::Name, NodeId)>>,
}

/// A tree being loaded. See the module documentation.
#[derive(Debug)]
pub(crate) struct TreeLoader {
    tree: DataTree,
    chain: Vec<Level>,
    last_path: String,
}

impl TreeLoader {
    /// An empty tree whose ACL cache holds `acl_cache` (number, list), none
    /// of them used yet, with room for the nodes of a `file_len`-byte file.
    /// An entry numbered −1 is skipped: that number always means
    /// OPEN_ACL_UNSAFE.
    pub(crate) fn new(
        types: ExtendedTypes,
        acl_cache: impl IntoIterator<Item = (i64, Vec<Acl>)>,
        file_len: usize,
    ) -> Self {
        let mut acls = AclCache::new();
        for (r, acl) in acl_cache {
            if r != OPEN_ACL_REF {
                acls.insert_loaded(r, acl);
            }
        }
        let mut tree = DataTree::new(types);
        tree.nodes = Arena::with_capacity(file_len / MIN_NODE_LEN);
        tree.acls = acls;
        tree.data_size = 0;
        Self {
            tree,
            chain: Vec::new(),
            last_path: String::new(),
        }
    }

    /// Loads one node, keeping its data as given (the caller detaches it
    /// from the file's bytes). On failure the node's path comes back with
    /// the problem, for the error message.
    pub(crate) fn add(&mut self, node: SnapNode) -> Result<(), (NodeProblem, String)> {
        let SnapNode {
            path,
            data,
            acl_ref,
            stat,
        } = node;
        match self.store(&path, Node::new(data, acl_ref, stat)) {
            Ok(()) => {
                self.last_path = path;
                Ok(())
            }
            Err(problem) => Err((problem, path)),
        }
    }

    fn store(&mut self, path: &str, node: Node) -> Result<(), NodeProblem> {
        let data_len = node.data.as_ref().map_or(0, |d| d.len() as i64);
        let owner = node.stat.ephemeral_owner;
        let acl_ref = node.acl;
        if self.tree.nodes.live() == 0 {
            if !path.is_empty() {
                return Err(NodeProblem::RootNotFirst);
            }
            let id = self.tree.nodes.alloc(node);
            debug_assert_eq!(id, Some(ROOT_ID));
            self.chain.push(Level {
                end: 0,
                id: ROOT_ID,
                pending: Some(Vec::new()),
            });
            // ZooKeeper's map holds the root as "" and as "/".
            self.tree.data_size += 2 * data_len + 1;
        } else {
            let slash = path.rfind('/').ok_or(NodeProblem::NotAPath)?;
            let name = &path[slash + 1..];
            if name.is_empty() {
                return Err(NodeProblem::NotAPath);
            }
            self.find_parent(path, slash)?;
            let id = self
                .tree
                .nodes
                .alloc(node)
                .ok_or(NodeProblem::TooManyNodes)?;
            self.attach(name, id)?;
            self.chain.push(Level {
                end: path.len(),
                id,
                pending: Some(Vec::new()),
            });
            self.tree.index_add(path, owner);
            self.tree.data_size += utf16_len(path) + data_len;
        }
        if self.tree.acls.get(acl_ref).is_some() {
            self.tree.acls.add_usage(acl_ref);
        } else {
            // A number the ACL section lacks: see `AclCache::reserve`.
            self.tree.acls.reserve(acl_ref);
        }
        Ok(())
    }

    /// Makes the parent of `path` (whose last `/` is at `slash`) the top
    /// of the chain: it is on the chain in a depth-first file, else it is
    /// looked up from the root.
    fn find_parent(&mut self, path: &str, slash: usize) -> Result<(), NodeProblem> {
        while self.chain.last().is_some_and(|l| l.end > slash) {
            self.pop();
        }
        if let Some(top) = self.chain.last() {
            let end = top.end;
            if end == slash && self.last_path.as_bytes().get(..end) == path.as_bytes().get(..end) {
                return Ok(());
            }
        }
        self.rebuild_chain(&path[..slash])
    }

    /// Adds child `name` → `id` to the node on top of the chain.
    fn attach(&mut self, name: &str, id: NodeId) -> Result<(), NodeProblem> {
        let top = self.chain.last_mut().ok_or(NodeProblem::MissingParent)?;
        let parent = top.id;
        if let Some(pending) = &mut top.pending {
            if pending.last().is_none_or(|(last, _)| **last < *name) {
                pending.push((name.into(), id));
                return Ok(());
            }
            // Out of order: from now on straight into the map.
            self.flush_top();
        }
        let siblings = match self.tree.nodes.get_mut(parent) {
            Some(p) => &mut p.children,
            None => return Err(NodeProblem::MissingParent),
        };
        if siblings.insert(name.into(), id).is_some() {
            return Err(NodeProblem::Duplicate);
        }
        Ok(())
    }

    /// Moves the pending children of the top of the chain into its map.
    fn flush_top(&mut self) {
        let Some(top) = self.chain.last_mut() else {
            return;
        };
        let Some(pending) = top.pending.take() else {
            return;
        };
        if pending.is_empty() {
            return;
        }
        if let Some(node) = self.tree.nodes.get_mut(top.id) {
            // Sorted and distinct.
            node.children.extend_sorted(pending);
        }
    }

    fn pop(&mut self) {
        self.flush_top();
        self.chain.pop();
    }

    /// Sets the chain to the nodes of `parent` from the root down, or fails
    /// with MissingParent.
    fn rebuild_chain(&mut self, parent: &str) -> Result<(), NodeProblem> {
        // Lookups go through the maps, so every pending child goes there.
        while !self.chain.is_empty() {
            self.pop();
        }
        let map_mode = |end, id| Level {
            end,
            id,
            pending: None,
        };
        self.chain.push(map_mode(0, ROOT_ID));
        if parent.is_empty() {
            return Ok(());
        }
        let rest = parent.strip_prefix('/').ok_or(NodeProblem::MissingParent)?;
        let mut id = ROOT_ID;
        let mut end = 0;
        for name in rest.split('/') {
            end += 1 + name.len();
            id = *self
                .tree
                .nodes
                .get(id)
                .and_then(|n| n.children.get(name))
                .ok_or(NodeProblem::MissingParent)?;
            self.chain.push(map_mode(end, id));
        }
        Ok(())
    }

    /// The loaded tree, with quota usage recounted and unused ACL entries
    /// dropped; `None` if no node (not even the root) was loaded.
    pub(crate) fn finish(mut self) -> Option<DataTree> {
        while !self.chain.is_empty() {
            self.pop();
        }
        if self.tree.nodes.live() == 0 {
            return None;
        }
        self.tree.setup_quota();
        self.tree.acls.purge_unused();
        Some(self.tree)
    }
}
