//! Loading an uncompressed snapshot (`FileSnap.deserialize`,
//! `DataTree.deserialize`).

use bytes::Bytes;
use rzk_proto::disk::{SnapshotReader, ZxidDigest};
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
    let reader_len = file.len();
    let (mut reader, head) = SnapshotReader::open_with_max_len(file, max_len)?;
    let sessions = head
        .sessions
        .iter()
        .map(|s| (s.session_id, s.timeout))
        .collect();
    let acls = head.acl_cache.into_iter().map(|e| (e.acl_ref, e.acls));
    let mut loader = TreeLoader::new(types, acls, reader_len);
    let mut digest = 0u64;
    let mut offset = reader.position();
    while let Some(node) = reader.next_node()? {
        let d = node_digest(&node.path, node.data.as_deref(), &node.stat);
        digest = digest.wrapping_add(d);
        loader
            .add(node)
            .map_err(|(problem, path)| RestoreError::Node {
                path,
                offset,
                problem,
            })?;
        offset = reader.position();
    }
    let tail = reader.finish()?;
    let tree = loader.finish().ok_or(RestoreError::NoRoot { offset })?;
    Ok(Restored {
        tree,
        sessions,
        digest: tail.digest,
        tree_digest: digest as i64,
    })
}
