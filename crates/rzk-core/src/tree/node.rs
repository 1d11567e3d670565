//! Znode storage: an arena of nodes addressed by a 32-bit index, each node
//! holding its children as a sorted map from *name* (not full path) to
//! index.
//!
//! Memory trade-off, for a tree of a million znodes: ZooKeeper keeps one
//! hash map from full path to node plus a name set per parent, so every
//! path is stored twice. Here a node's name is stored once (as the key in
//! its parent's map) and full paths are never stored for ordinary nodes;
//! a node costs ~140 bytes plus its name and data. The price is that a path
//! lookup walks the components (depth × log(siblings) string compares)
//! instead of one hash, which for ZooKeeper's shallow trees is a handful of
//! comparisons. Indices of freed nodes are reused; they never leave the
//! crate, so a stale index cannot be held by a caller.

use std::collections::BTreeMap;

use bytes::Bytes;
use rzk_proto::data::StatPersisted;

/// Index of a node in the arena.
pub(crate) type NodeId = u32;

/// The root's index; the root is never freed.
pub(crate) const ROOT_ID: NodeId = 0;

/// One znode.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// The data; `None` (null) and empty are different and both kept.
    pub(crate) data: Option<Bytes>,
    /// Number in the ACL cache (−1 = OPEN_ACL_UNSAFE).
    pub(crate) acl: i64,
    /// Metadata exactly as snapshots store it.
    pub(crate) stat: StatPersisted,
    /// Children by name, sorted, so listings are deterministic.
    pub(crate) children: BTreeMap<Box<str>, NodeId>,
}

impl Node {
    /// A childless node.
    pub(crate) fn new(data: Option<Bytes>, acl: i64, stat: StatPersisted) -> Self {
        Self {
            data,
            acl,
            stat,
            children: BTreeMap::new(),
        }
    }
}

/// The arena: slots, a free list, and a count of live nodes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Arena {
    slots: Vec<Option<Node>>,
    free: Vec<NodeId>,
    live: usize,
}

impl Arena {
    /// An empty arena with room for `n` nodes, so loading a snapshot does
    /// not move the arena as it grows.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            slots: Vec::with_capacity(n),
            ..Self::default()
        }
    }

    /// The node at `id`, if live.
    pub(crate) fn get(&self, id: NodeId) -> Option<&Node> {
        self.slots.get(id as usize).and_then(Option::as_ref)
    }

    /// The node at `id` for update, if live.
    pub(crate) fn get_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.slots.get_mut(id as usize).and_then(Option::as_mut)
    }

    /// Stores `node`, reusing a freed slot when there is one. `None` only
    /// when 2^32 nodes are live.
    pub(crate) fn alloc(&mut self, node: Node) -> Option<NodeId> {
        let id = match self.free.pop() {
            Some(id) => {
                if let Some(slot) = self.slots.get_mut(id as usize) {
                    *slot = Some(node);
                }
                id
            }
            None => {
                let id = NodeId::try_from(self.slots.len()).ok()?;
                self.slots.push(Some(node));
                id
            }
        };
        self.live += 1;
        Some(id)
    }

    /// Removes the node at `id` and returns it.
    pub(crate) fn release(&mut self, id: NodeId) -> Option<Node> {
        let node = self.slots.get_mut(id as usize)?.take()?;
        self.free.push(id);
        self.live -= 1;
        Some(node)
    }

    /// Number of live nodes (the root once).
    pub(crate) fn live(&self) -> usize {
        self.live
    }
}
