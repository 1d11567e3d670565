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

/// A tree being loaded. See the module documentation.
#[derive(Debug)]
pub(crate) struct TreeLoader {
    tree: DataTree,
    /// `(length of its path in last_path, id)` for each node from the root
    /// to the last node loaded.
    chain: Vec<(usize, NodeId)>,
    last_path: String,
}

impl TreeLoader {
    /// An empty tree whose ACL cache holds `acl_cache` (number, list), none
    /// of them used yet. An entry numbered −1 is skipped: that number
    /// always means OPEN_ACL_UNSAFE.
    pub(crate) fn new(
        types: ExtendedTypes,
        acl_cache: impl IntoIterator<Item = (i64, Vec<Acl>)>,
    ) -> Self {
        let mut acls = AclCache::new();
        for (r, acl) in acl_cache {
            if r != OPEN_ACL_REF {
                acls.insert_loaded(r, acl);
            }
        }
        let mut tree = DataTree::new(types);
        tree.nodes = Arena::default();
        tree.acls = acls;
        tree.data_size = 0;
        Self {
            tree,
            chain: Vec::new(),
            last_path: String::new(),
        }
    }

    /// Loads one node. On failure the node's path comes back with the
    /// problem, for the error message.
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
            self.chain.push((0, ROOT_ID));
            // ZooKeeper's map holds the root as "" and as "/".
            self.tree.data_size += 2 * data_len + 1;
        } else {
            let slash = path.rfind('/').ok_or(NodeProblem::NotAPath)?;
            let name = &path[slash + 1..];
            if name.is_empty() {
                return Err(NodeProblem::NotAPath);
            }
            let parent = self.parent(path, slash)?;
            let id = self
                .tree
                .nodes
                .alloc(node)
                .ok_or(NodeProblem::TooManyNodes)?;
            let siblings = match self.tree.nodes.get_mut(parent) {
                Some(p) => &mut p.children,
                None => return Err(NodeProblem::MissingParent),
            };
            if siblings.insert(name.into(), id).is_some() {
                return Err(NodeProblem::Duplicate);
            }
            self.chain.push((path.len(), id));
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

    /// The parent of `path` (whose last `/` is at `slash`): on the chain in
    /// a depth-first file, else looked up from the root.
    fn parent(&mut self, path: &str, slash: usize) -> Result<NodeId, NodeProblem> {
        while self.chain.last().is_some_and(|&(end, _)| end > slash) {
            self.chain.pop();
        }
        if let Some(&(end, id)) = self.chain.last() {
            if end == slash && self.last_path.as_bytes().get(..end) == path.as_bytes().get(..end) {
                return Ok(id);
            }
        }
        self.rebuild_chain(&path[..slash])
    }

    /// Sets the chain to the nodes of `parent` from the root down and
    /// returns the last, or MissingParent.
    fn rebuild_chain(&mut self, parent: &str) -> Result<NodeId, NodeProblem> {
        self.chain.clear();
        self.chain.push((0, ROOT_ID));
        let mut id = ROOT_ID;
        if parent.is_empty() {
            return Ok(id);
        }
        let rest = parent.strip_prefix('/').ok_or(NodeProblem::MissingParent)?;
        let mut end = 0;
        for name in rest.split('/') {
            end += 1 + name.len();
            id = *self
                .tree
                .nodes
                .get(id)
                .and_then(|n| n.children.get(name))
                .ok_or(NodeProblem::MissingParent)?;
            self.chain.push((end, id));
        }
        Ok(id)
    }

    /// The loaded tree, with quota usage recounted and unused ACL entries
    /// dropped; `None` if no node (not even the root) was loaded.
    pub(crate) fn finish(mut self) -> Option<DataTree> {
        if self.tree.nodes.live() == 0 {
            return None;
        }
        self.tree.setup_quota();
        self.tree.acls.purge_unused();
        Some(self.tree)
    }
}
