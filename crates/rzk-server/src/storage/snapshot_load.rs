//! Loading an uncompressed snapshot at start-up on two threads: one
//! decodes the file and copies each node out of its bytes, the other
//! builds the tree.
//!
//! Why: a restart of a million znodes is mostly the loading of its
//! snapshot, and on one core half of that was decoding (checksums, digests,
//! strings) and copying node data into memory of its own, which on the VM
//! this project is measured on costs more in first touches of fresh pages
//! than in the copying itself. The tree-building half cannot be split (the
//! nodes go in in file order), but the other half can run beside it on
//! the second core.

use std::io;
use std::sync::mpsc::{self, SyncSender};

use rzk_core::persist::{DetachedNode, RestoreError, Restored, SnapshotLoader};
use rzk_core::tree::ephemeral::ExtendedTypes;
use rzk_proto::disk::{SnapshotReader, SnapshotSource, SnapshotTail};
use rzk_proto::jute::{DecodeError, DEFAULT_MAX_BUFFER};

/// Nodes per message between the threads: enough that the channel costs
/// nothing next to the nodes, few enough that both threads start at once.
const BATCH: usize = 1024;

/// Batches the decoding thread may run ahead by.
const AHEAD: usize = 4;

/// Why [`load_on_two_threads`] failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// The file is not a loadable snapshot.
    #[error(transparent)]
    Restore(#[from] RestoreError),
    /// The decoding thread could not be started.
    #[error("cannot start the snapshot decoding thread: {0}")]
    Spawn(io::Error),
}

/// What the decoding thread sends, in file order.
enum Decoded {
    Nodes(Vec<DetachedNode>),
    /// The node list and the seals after it decoded; `end` is the
    /// terminator's offset.
    End {
        tail: SnapshotTail,
        end: usize,
    },
    Failed(DecodeError),
}

/// Loads the uncompressed snapshot `source` hands over (a file of about
/// `file_len` bytes). Guarantees: the same tree, sessions and digests as
/// `rzk_core::persist::restore_snapshot` of the whole file, or the same
/// error (the first problem in file order), and no thread left running
/// when it returns.
pub(crate) fn load_on_two_threads(
    source: Box<dyn SnapshotSource + Send>,
    file_len: usize,
    types: ExtendedTypes,
) -> Result<Restored, LoadError> {
    let (reader, head) =
        SnapshotReader::open_source(source, DEFAULT_MAX_BUFFER * 2).map_err(RestoreError::from)?;
    let mut loader = SnapshotLoader::new(head, types, file_len);
    let (tx, rx) = mpsc::sync_channel(AHEAD);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("rzk-snapdecode".into())
            .spawn_scoped(scope, move || decode(reader, &tx))
            .map_err(LoadError::Spawn)?;
        // Returning early drops `rx`, which stops the decoding thread at
        // its next send; the scope then waits for it.
        for decoded in rx {
            match decoded {
                Decoded::Nodes(nodes) => {
                    for node in nodes {
                        loader.add(node)?;
                    }
                }
                Decoded::End { tail, end } => return Ok(loader.finish(tail, end)?),
                Decoded::Failed(e) => return Err(RestoreError::from(e).into()),
            }
        }
        // The thread ends only after sending `End` or `Failed`, unless it
        // panicked; the scope re-raises that panic on return.
        Err(RestoreError::from(DecodeError {
            record: "Snapshot",
            field: "(decoding thread)",
            offset: 0,
            kind: rzk_proto::jute::DecodeErrorKind::Malformed("the decoding thread stopped"),
        })
        .into())
    })
}

/// The decoding thread: every node, in batches, then the tail or the
/// first error. Stops when the loader hangs up.
fn decode(mut reader: SnapshotReader, tx: &SyncSender<Decoded>) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let offset = reader.position();
        match reader.next_node() {
            Ok(Some(node)) => {
                batch.push(DetachedNode::new(node, offset));
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.send(Decoded::Nodes(full)).is_err() {
                        return;
                    }
                }
            }
            Ok(None) => {
                if !batch.is_empty() && tx.send(Decoded::Nodes(batch)).is_err() {
                    return;
                }
                let last = match reader.finish() {
                    Ok(tail) => Decoded::End { tail, end: offset },
                    Err(e) => Decoded::Failed(e),
                };
                let _ = tx.send(last);
                return;
            }
            Err(e) => {
                // The nodes before the error go first: the loader may
                // find a problem in them, which comes first in the file.
                if !batch.is_empty() && tx.send(Decoded::Nodes(batch)).is_err() {
                    return;
                }
                let _ = tx.send(Decoded::Failed(e));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{Bytes, BytesMut};
    use rzk_core::persist::restore_snapshot;
    use rzk_proto::data::{Acl, Id, StatPersisted};
    use rzk_proto::disk::{
        AclCacheEntry, DataTreeImage, FileHeader, MemorySource, SessionEntry, SnapNode, Snapshot,
        TreeHead, ZxidDigest, FILE_HEADER_LEN,
    };

    fn node(path: String, data: Option<Vec<u8>>, acl_ref: i64, owner: i64) -> SnapNode {
        SnapNode {
            path,
            data: data.map(Bytes::from),
            acl_ref,
            stat: StatPersisted {
                czxid: 3,
                mzxid: 4,
                pzxid: 5,
                ephemeral_owner: owner,
                ..StatPersisted::default()
            },
        }
    }

    /// A snapshot of about 5,000 nodes: persistent and ephemeral, null,
    /// empty and larger data, two ACLs; `misplaced` puts a node whose
    /// parent is missing at that index.
    fn snapshot_file(misplaced: Option<usize>) -> Bytes {
        let mut nodes = vec![
            node(String::new(), None, -1, 0),
            node("/zookeeper".into(), Some(vec![]), -1, 0),
        ];
        for p in 0..50 {
            nodes.push(node(format!("/p{p:02}"), Some(vec![p as u8; 10]), 1, 0));
            for c in 0..100 {
                let data = match c % 3 {
                    0 => None,
                    1 => Some(vec![]),
                    _ => Some(vec![c as u8; 100 + c * 37]),
                };
                let owner = if c % 10 == 0 { 0x100 + p } else { 0 };
                nodes.push(node(
                    format!("/p{p:02}/c{c:03}"),
                    data,
                    -1 + (c % 2) as i64 * 2,
                    owner,
                ));
            }
        }
        if let Some(at) = misplaced {
            nodes.insert(at, node("/nowhere/x".into(), None, -1, 0));
        }
        Snapshot {
            header: FileHeader::snapshot(),
            tree: DataTreeImage {
                head: TreeHead {
                    sessions: (0..50)
                        .map(|p| SessionEntry {
                            session_id: 0x100 + p,
                            timeout: 4000,
                        })
                        .collect(),
                    acl_cache: vec![AclCacheEntry {
                        acl_ref: 1,
                        acls: vec![Acl::new(31, Id::new("digest", "u:h"))],
                    }],
                },
                nodes,
            },
            tail: SnapshotTail {
                digest: Some(ZxidDigest::new(0x42, 7)),
                last_processed_zxid: Some(0x42),
            },
        }
        .encode()
    }

    fn both(file: &Bytes, piece: usize) -> (Result<Restored, String>, Result<Restored, String>) {
        let whole =
            restore_snapshot(file.clone(), ExtendedTypes::default()).map_err(|e| e.to_string());
        let two = load_on_two_threads(
            Box::new(MemorySource::new(file.clone(), piece)),
            file.len(),
            ExtendedTypes::default(),
        )
        .map_err(|e| e.to_string());
        (whole, two)
    }

    fn assert_same(file: &Bytes, piece: usize) {
        match both(file, piece) {
            (Ok(w), Ok(t)) => {
                assert_eq!(t.sessions, w.sessions);
                assert_eq!(t.digest, w.digest);
                assert_eq!(t.tree_digest, w.tree_digest);
                assert_eq!(t.tree.znode_count(), w.tree.znode_count());
                assert_eq!(
                    rzk_core::request::digest::full_tree_digest(&t.tree),
                    rzk_core::request::digest::full_tree_digest(&w.tree)
                );
            }
            (Err(w), Err(t)) => assert_eq!(t, w),
            (w, t) => panic!(
                "whole: {:?}\ntwo threads: {:?}",
                w.map(|r| r.tree_digest),
                t.map(|r| r.tree_digest)
            ),
        }
    }

    #[test]
    fn two_threads_load_what_one_loads() {
        let file = snapshot_file(None);
        assert!(file.len() > 300_000, "{} bytes", file.len());
        for piece in [7, 4096, 1 << 20] {
            assert_same(&file, piece);
        }
        let (whole, _) = both(&file, 4096);
        // ZooKeeper counts the root twice (its map holds "" and "/").
        assert_eq!(whole.unwrap().tree.znode_count(), 3 + 50 * 101);
    }

    #[test]
    fn broken_files_fail_as_they_fail_whole() {
        // A node problem, with decodable nodes after it: the loader's
        // error, not one from further on.
        let misplaced = snapshot_file(Some(3000));
        let (whole, two) = both(&misplaced, 4096);
        assert!(
            whole.as_ref().is_err_and(|e| e.contains("/nowhere/x")),
            "{:?}",
            whole.map(|r| r.tree_digest)
        );
        assert_eq!(two.unwrap_err(), whole.unwrap_err());
        let file = snapshot_file(None);
        let len = file.len();
        for at in [FILE_HEADER_LEN + 5, len / 3, len / 2, len - 30, len - 3] {
            let mut bad = BytesMut::from(&file[..]);
            bad[at] ^= 0x41;
            assert_same(&bad.freeze(), 4096);
        }
        for cut in [FILE_HEADER_LEN, len / 2, len - 1] {
            assert_same(&file.slice(..cut), 4096);
        }
    }
}
