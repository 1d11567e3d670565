//! Loading an uncompressed snapshot (`FileSnap.deserialize`,
//! `DataTree.deserialize`).

use bytes::Bytes;
use rzk_proto::disk::{
    SnapNode, SnapshotReader, SnapshotSource, SnapshotTail, TreeHead, ZxidDigest,
};
use rzk_proto::jute::{DecodeError, DEFAULT_MAX_BUFFER};

use crate::request::digest::node_digest;
use crate::tree::load::{NodeProblem, TreeLoader};
use crate::tree::{DataTree, ExtendedTypes};

/// A loaded snapshot.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The tree: every node of the file, with the ACL cache (entries no
    /// node uses dropped), the ephemeral/container/TTL indexes, data size
    /// and quota usage rebuilt as ZooKeeper rebuilds them.
    pub tree: DataTree,
    /// `(session id, timeout)` of the sessions section, in file order.
    pub sessions: Vec<(i64, i32)>,
    /// The digest block after the first seal (ZooKeeper 3.6+), as written.
    pub digest: Option<ZxidDigest>,
    /// The digest of `tree` as loaded (`DataTree.getTreeDigest`, the
    /// wrapping sum of node digests), computed while loading.
    pub tree_digest: i64,
}

/// Why a snapshot could not be loaded. Every variant says where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// The bytes are not a well-formed snapshot: bad magic, a truncated or
    /// malformed record, a seal whose checksum does not match, bytes left
    /// over. The error names the record, field and byte offset.
    #[error("snapshot does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// A node that cannot be placed in the tree.
    #[error("snapshot node {path:?} at byte {offset}: {problem}")]
    Node {
        /// The node's path.
        path: String,
        /// Byte offset of the node's path in the file.
        offset: usize,
        /// What is wrong with it.
        problem: NodeProblem,
    },
    /// The node list is empty: not even the root.
    #[error("snapshot has no nodes, not even the root (terminator at byte {offset})")]
    NoRoot {
        /// Byte offset of the terminator.
        offset: usize,
    },
}

/// Loads an uncompressed snapshot file (checksums verified by the reader),
/// with node data limited as ZooKeeper's reader limits it (twice
/// `jute.maxbuffer`'s default).
pub fn restore_snapshot(file: Bytes, types: ExtendedTypes) -> Result<Restored, RestoreError> {
    restore_snapshot_with_max_len(file, types, DEFAULT_MAX_BUFFER * 2)
}

/// [`restore_snapshot`] with node data and strings limited to `max_len`
/// bytes (a server run with a larger `jute.maxbuffer` has written larger
/// nodes).
///
/// Nodes must come parent first, the root (path `""`) first of all. As in
/// ZooKeeper, a node may carry an ACL number its file's ACL section lacks
/// (a fuzzy snapshot taken while that ACL was set); it loads, reads as
/// granting nothing, and the setACL replayed from the log repairs it.
pub fn restore_snapshot_with_max_len(
    file: Bytes,
    types: ExtendedTypes,
    max_len: usize,
) -> Result<Restored, RestoreError> {
    let file_len = file.len();
    let (reader, head) = SnapshotReader::open_with_max_len(file, max_len)?;
    restore_from(reader, head, types, file_len)
}

/// [`restore_snapshot`] for a file of about `file_len` bytes read a piece
/// at a time from `source`: the same tree, or the same error at the same
/// offset, while holding only a piece of the file at once.
///
/// A source that fails reads as a file that ends there; its owner knows
/// why and should say so rather than report the truncation.
pub fn restore_snapshot_from(
    source: Box<dyn SnapshotSource + Send>,
    file_len: usize,
    types: ExtendedTypes,
) -> Result<Restored, RestoreError> {
    let (reader, head) = SnapshotReader::open_source(source, DEFAULT_MAX_BUFFER * 2)?;
    restore_from(reader, head, types, file_len)
}

fn restore_from(
    mut reader: SnapshotReader,
    head: TreeHead,
    types: ExtendedTypes,
    file_len: usize,
) -> Result<Restored, RestoreError> {
    let mut loader = SnapshotLoader::new(head, types, file_len);
    let mut offset = reader.position();
    while let Some(node) = reader.next_node()? {
        loader.add(DetachedNode::new(node, offset))?;
        offset = reader.position();
    }
    let tail = reader.finish()?;
    loader.finish(tail, offset)
}

/// A snapshot node as [`SnapshotLoader::add`] takes it: decoded, with its
/// data copied out of the file's bytes and its digest computed. Made on
/// any thread, so that decoding and copying can run beside the loader.
#[derive(Debug)]
pub struct DetachedNode {
    node: SnapNode,
    offset: usize,
    digest: u64,
}

impl DetachedNode {
    /// `node`, decoded at byte `offset` of its file (for error messages).
    pub fn new(node: SnapNode, offset: usize) -> Self {
        let digest = node_digest(&node.path, node.data.as_deref(), &node.stat);
        // Copied, not sliced: a slice would keep the whole file in memory
        // (paths, stats and all) for as long as any node loaded from it is
        // unchanged.
        let data = node.data.map(|d| Bytes::copy_from_slice(&d));
        Self {
            node: SnapNode { data, ..node },
            offset,
            digest,
        }
    }
}

/// A tree being built from a snapshot's nodes, in file order: what
/// [`restore_snapshot`] does with the nodes it decodes, for a caller that
/// decodes them elsewhere. Fed the same nodes, it gives the same tree or
/// the same error.
#[derive(Debug)]
pub struct SnapshotLoader {
    loader: TreeLoader,
    sessions: Vec<(i64, i32)>,
    digest: u64,
}

impl SnapshotLoader {
    /// A loader for the nodes after `head` (sessions and ACL cache) in a
    /// file of about `file_len` bytes.
    pub fn new(head: TreeHead, types: ExtendedTypes, file_len: usize) -> Self {
        let sessions = head
            .sessions
            .iter()
            .map(|s| (s.session_id, s.timeout))
            .collect();
        let acls = head.acl_cache.into_iter().map(|e| (e.acl_ref, e.acls));
        Self {
            loader: TreeLoader::new(types, acls, file_len),
            sessions,
            digest: 0,
        }
    }

    /// Places the next node of the file.
    pub fn add(&mut self, node: DetachedNode) -> Result<(), RestoreError> {
        let DetachedNode {
            node,
            offset,
            digest,
        } = node;
        self.digest = self.digest.wrapping_add(digest);
        self.loader
            .add(node)
            .map_err(|(problem, path)| RestoreError::Node {
                path,
                offset,
                problem,
            })
    }

    /// The loaded snapshot, given the file's `tail` and the offset `end`
    /// of its node list's terminator.
    pub fn finish(self, tail: SnapshotTail, end: usize) -> Result<Restored, RestoreError> {
        let tree = self
            .loader
            .finish()
            .ok_or(RestoreError::NoRoot { offset: end })?;
        Ok(Restored {
            tree,
            sessions: self.sessions,
            digest: tail.digest,
            tree_digest: self.digest as i64,
        })
    }
}
