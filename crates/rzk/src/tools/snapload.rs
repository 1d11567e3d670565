//! Loading a snapshot file for the tools: unwrapping it by its name as
//! `SnapStream.getInputStream` does, decoding it node by node, and building
//! the tree the way `DataTree.deserialize` builds it, so that the dump
//! walks the same nodes in the same order as ZooKeeper's formatter.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use rzk_proto::disk::{
    parse_snapshot_file_name, FileHeader, SnapCompression, SnapNode, SnapshotReader, SnapshotTail,
    TreeHead,
};
use rzk_proto::jute::DecodeError;
use rzk_storage::snapfile::uncompress;

use super::javahash::{long_hash, string_hash, JavaHashOrder};

/// `EphemeralType.CONTAINER_EPHEMERAL_OWNER`.
const CONTAINER_OWNER: i64 = i64::MIN;

/// Why a snapshot could not be loaded. The text names the file and, for
/// decoding problems, the offset in the uncompressed stream.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Read(PathBuf, std::io::Error),
    /// The gz or snappy wrapping is broken.
    Decompress(PathBuf, rzk_storage::compress::CompressError),
    /// The stream does not decode.
    Decode(PathBuf, SnapCompression, DecodeError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read(p, e) => write!(f, "{}: {e}", p.display()),
            LoadError::Decompress(p, e) => write!(f, "{}: {e}", p.display()),
            LoadError::Decode(p, c, e) => {
                write!(f, "{}: {}{e}", p.display(), stream_note(*c))
            }
        }
    }
}

/// Offsets in a compressed file's errors are in the uncompressed stream.
pub fn stream_note(c: SnapCompression) -> &'static str {
    match c {
        SnapCompression::Checked => "",
        SnapCompression::Gzip | SnapCompression::Snappy => "(uncompressed stream) ",
    }
}

/// A node list that ZooKeeper's loader would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeError {
    /// Offset of the offending node in the uncompressed stream.
    pub offset: usize,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node at offset {}: {}", self.offset, self.what)
    }
}

/// A decoded snapshot file.
#[derive(Debug)]
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// The zxid in its name (`Util.getZxidFromName`), if it parses.
    pub name_zxid: Option<i64>,
    /// The wrapping, from its name.
    pub compression: SnapCompression,
    /// Size of the file as stored.
    pub file_len: usize,
    /// Size of the uncompressed stream.
    pub stream_len: usize,
    /// The file header.
    pub header: FileHeader,
    /// Sessions and ACL cache, in file order.
    pub head: TreeHead,
    /// Nodes in file order, each with its offset in the stream.
    pub nodes: Vec<(usize, SnapNode)>,
    /// What follows the nodes, or why it does not check out (a seal that
    /// does not match, a damaged digest block): ZooKeeper's formatter never
    /// reads this far, so the nodes are still worth showing.
    pub tail: Result<SnapshotTail, DecodeError>,
}

/// Reads and decodes the snapshot at `path`. Errors in the header,
/// sessions, ACL cache or nodes are fatal; errors after the nodes are
/// kept in [`Loaded::tail`].
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let compression = SnapCompression::from_file_name(&name);
    let name_zxid = parse_snapshot_file_name(&name).map(|(z, _)| z);
    let file = std::fs::read(path).map_err(|e| LoadError::Read(path.to_owned(), e))?;
    let file_len = file.len();
    let stream: Bytes =
        uncompress(compression, file).map_err(|e| LoadError::Decompress(path.to_owned(), e))?;
    let stream_len = stream.len();
    let decode_err = |e| LoadError::Decode(path.to_owned(), compression, e);
    let (mut reader, head) = SnapshotReader::open(stream).map_err(decode_err)?;
    let mut nodes = Vec::new();
    loop {
        let at = reader.position();
        match reader.next_node().map_err(decode_err)? {
            Some(node) => nodes.push((at, node)),
            None => break,
        }
    }
    let header = reader.header().clone();
    let tail = reader.finish();
    Ok(Loaded {
        path: path.to_owned(),
        name_zxid,
        compression,
        file_len,
        stream_len,
        header,
        head,
        nodes,
        tail,
    })
}

/// The tree `DataTree.deserialize` builds from the nodes, with
/// `SnapshotFormatter`'s view of it.
#[derive(Debug)]
pub struct JavaTree {
    /// Path (`/` for the root) → index into [`Loaded::nodes`]; a path read
    /// twice maps to its last node, as `nodes.put` replaces.
    by_path: BTreeMap<String, usize>,
    /// Children names per node index, in Java's `HashSet` order.
    children: Vec<Option<JavaHashOrder<String>>>,
    /// Paths ever recorded as ephemerals of each owner.
    ephemerals: BTreeMap<i64, BTreeSet<String>>,
    root: usize,
}

impl JavaTree {
    /// Builds the tree, failing where ZooKeeper's loader fails (a node
    /// whose parent was not read before it) or could not go on (no root).
    pub fn build(nodes: &[(usize, SnapNode)]) -> Result<Self, TreeError> {
        let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
        let mut children: Vec<Option<JavaHashOrder<String>>> = vec![None; nodes.len()];
        let mut ephemerals: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let mut root = None;
        for (i, (offset, node)) in nodes.iter().enumerate() {
            let path = node.path.as_str();
            by_path.insert(path.to_owned(), i);
            let Some(slash) = path.rfind('/') else {
                root = Some(i);
                continue;
            };
            let (parent, name) = (&path[..slash], &path[slash + 1..]);
            let Some(&p) = by_path.get(parent) else {
                return Err(TreeError {
                    offset: *offset,
                    what: format!(
                        "Invalid Datatree, unable to find parent {parent} of path {path}"
                    ),
                });
            };
            children[p]
                .get_or_insert_with(|| JavaHashOrder::with_initial_capacity(8))
                .insert(string_hash(name), name.to_owned());
            let owner = node.stat.ephemeral_owner;
            if owner != 0 && owner != CONTAINER_OWNER {
                ephemerals.entry(owner).or_default().insert(path.to_owned());
            }
        }
        let Some(root) = root else {
            return Err(TreeError {
                offset: nodes.first().map_or(0, |n| n.0),
                what: "the snapshot has no root node (path \"\")".into(),
            });
        };
        by_path.insert("/".into(), root);
        Ok(Self {
            by_path,
            children,
            ephemerals,
            root,
        })
    }

    /// `DataTree.getNodeCount()`: every path, the root counted twice (as
    /// `""` and `/`), as ZooKeeper counts it.
    pub fn node_count(&self) -> usize {
        self.by_path.len()
    }

    /// The nodes reachable from `/` in `SnapshotFormatter.printZnode`'s
    /// order (pre-order, children in hash-set order), as (path, index).
    pub fn walk(&self) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut stack = vec![("/".to_owned(), self.root)];
        while let Some((path, i)) = stack.pop() {
            let base = if path == "/" { "" } else { path.as_str() };
            let kids: Vec<(String, usize)> = self.children[i]
                .iter()
                .flat_map(|set| set.iter())
                .filter_map(|name| {
                    let child = format!("{base}/{name}");
                    self.by_path.get(&child).map(|&c| (child, c))
                })
                .collect();
            out.push((path, i));
            stack.extend(kids.into_iter().rev());
        }
        out
    }

    /// Whether some child set hit Java's tree-bin case, where the printed
    /// order may differ from ZooKeeper's.
    pub fn order_may_differ(&self) -> bool {
        self.children.iter().flatten().any(JavaHashOrder::treeified)
    }

    /// `DataTree.getEphemerals(sid).size()`.
    pub fn ephemeral_count(&self, session: i64) -> usize {
        self.ephemerals.get(&session).map_or(0, BTreeSet::len)
    }
}

/// Sessions in the order `SnapshotFormatter` prints them (a
/// `HashMap<Long, Integer>` filled in file order; a repeated id keeps its
/// place and takes the later timeout).
pub fn sessions_in_java_order(head: &TreeHead) -> Vec<(i64, i32)> {
    let mut order = JavaHashOrder::new();
    let mut timeouts = BTreeMap::new();
    for s in &head.sessions {
        order.insert(long_hash(s.session_id), s.session_id);
        timeouts.insert(s.session_id, s.timeout);
    }
    order
        .iter()
        .map(|id| (*id, timeouts.get(id).copied().unwrap_or(0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rzk_proto::data::StatPersisted;

    fn node(path: &str, owner: i64) -> (usize, SnapNode) {
        (
            0,
            SnapNode {
                path: path.into(),
                stat: StatPersisted {
                    ephemeral_owner: owner,
                    ..StatPersisted::default()
                },
                ..SnapNode::default()
            },
        )
    }

    #[test]
    fn walks_from_the_root_in_java_order_and_counts_like_zookeeper() {
        let nodes = vec![
            node("", 0),
            node("/zookeeper", 0),
            node("/app", 0),
            node("/app/e", 5),
            node("/app/c", CONTAINER_OWNER),
            node("/zookeeper/quota", 0),
        ];
        let t = JavaTree::build(&nodes).unwrap();
        assert_eq!(t.node_count(), 7, "6 paths plus / for the root");
        let paths: Vec<String> = t.walk().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "/",
                "/app",
                "/app/c",
                "/app/e",
                "/zookeeper",
                "/zookeeper/quota"
            ]
        );
        assert_eq!(t.ephemeral_count(5), 1);
        assert_eq!(t.ephemeral_count(CONTAINER_OWNER), 0);
        assert!(!t.order_may_differ());
    }

    #[test]
    fn a_missing_parent_or_root_is_refused() {
        let e = JavaTree::build(&[node("", 0), (77, node("/a/b", 0).1)]).unwrap_err();
        assert_eq!(e.offset, 77);
        assert!(
            e.what.contains("unable to find parent /a of path /a/b"),
            "{e}"
        );
        let e = JavaTree::build(&[]).unwrap_err();
        assert!(e.what.contains("no root"), "{e}");
    }

    #[test]
    fn a_repeated_path_replaces_the_node_and_forgets_its_children() {
        let nodes = vec![node("", 0), node("/a", 0), node("/a/b", 0), node("/a", 0)];
        let t = JavaTree::build(&nodes).unwrap();
        let walk = t.walk();
        let paths: Vec<&str> = walk.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["/", "/a"]);
        assert_eq!(walk[1].1, 3, "the later /a");
    }

    #[test]
    fn sessions_keep_their_first_place() {
        use rzk_proto::disk::SessionEntry;
        let head = TreeHead {
            sessions: vec![
                SessionEntry {
                    session_id: 17,
                    timeout: 1,
                },
                SessionEntry {
                    session_id: 1,
                    timeout: 2,
                },
                SessionEntry {
                    session_id: 17,
                    timeout: 3,
                },
            ],
            acl_cache: vec![],
        };
        assert_eq!(sessions_in_java_order(&head), [(17, 3), (1, 2)]);
    }
}
