//! A snapshot written a few nodes at a time, correct even if the tree
//! changes between steps.
//!
//! The server walks a [`crate::tree::FrozenTree`] on its snapshot thread
//! (see [`super::FrozenSnapshot`]), which never changes. The walk does not
//! rely on that: run in steps over a live tree, between request batches,
//! its file is still correct, by the argument ZooKeeper's own "fuzzy"
//! snapshots rest on, made exact here:
//!
//! * The file is named after `Z`, the last zxid applied when the walk
//!   began, and whoever loads it (rzk, or Apache ZooKeeper) replays every
//!   logged txn after `Z` over it. Content from after `Z` may therefore be
//!   in the file as long as replaying those txns over it converges on the
//!   true state. Replay sets absolute values (data, versions, stat fields
//!   from the txn), deletes of missing nodes are ignored and a parent's
//!   cversion/pzxid only rise, so a node captured at any moment after `Z`
//!   converges — provided it existed at `Z`.
//! * Rule 1: a node whose czxid is above `Z` is not written, nor its
//!   subtree (whose czxids are larger still): its create is replayed.
//!   Without this rule a replayed create would find the node already there.
//! * Rule 2: the ACL cache is written when the walk begins. A node whose
//!   ACL number is not among those written got its ACL from a setACL after
//!   `Z` (numbers are never reused, so a number written always means the
//!   same list); it is written with −1 (OPEN_ACL_UNSAFE), which every
//!   loader accepts, and the replayed setACL gives it its ACL. (A number
//!   that is in no cache at all came from a loaded file in that state; it
//!   is written as is and stays as unreadable as it was.)
//! * Sessions are the sessions at `Z`; createSession/closeSession after it
//!   are replayed.
//! * The digest block is the tree digest at the walk's *end*, with the zxid
//!   of that moment: the replay reaches that zxid and compares there
//!   (`DataTree.compareSnapshotDigests`).
//!
//! Order is depth-first pre-order from the root (path `""`), parents before
//! children, children by name — what ZooKeeper writes and needs to load.
//! Between steps the walk remembers paths and names, never arena indices
//! (those are reused): each open node by its path, and the name of the last
//! child visited under it. A step resumes by looking the open nodes up
//! again; one that was deleted meanwhile (or deleted and created anew,
//! which rule 1 sees from its czxid) is dropped with what is below it.

use bytes::BytesMut;
use rzk_proto::disk::{
    AclCacheEntry, FileHeader, SessionEntry, SnapNodeRef, SnapshotSealer, SnapshotTail, TreeHead,
    UnsealedSnapshotWriter, ZxidDigest,
};

use crate::tree::{ChildrenAfter, DataTree, Name, NodeRef, OPEN_ACL_REF};

/// One open node: its path is `path[..end]` of the walk; `last` is the name
/// of the child visited last (`None` before the first).
#[derive(Debug, Clone)]
struct Frame {
    end: usize,
    last: Option<Name>,
}

/// A resumable snapshot walk. See the module documentation.
#[derive(Debug, Clone)]
pub struct SnapshotWalk {
    zxid: i64,
    /// `None` once the terminator is written.
    writer: Option<UnsealedSnapshotWriter>,
    /// The checksum, when the walk seals the file itself (`None` for an
    /// unsealed walk, or once sealed).
    sealer: Option<SnapshotSealer>,
    /// An unsealed walk's tail, from its end until taken.
    tail: Option<SnapshotTail>,
    /// ACL numbers in the file's ACL section, ascending.
    written_acls: Vec<i64>,
    root_done: bool,
    /// The path of the deepest open node.
    path: String,
    frames: Vec<Frame>,
    nodes: u64,
    /// Set when the tail is written.
    end_zxid: Option<i64>,
}

impl SnapshotWalk {
    /// Starts a snapshot of `tree` whose last applied zxid is `zxid`, with
    /// the live `sessions` (id, timeout): appends the file header, the
    /// sessions and the ACL cache to `out`. The walk appends the whole
    /// file, seals included.
    pub fn begin(tree: &DataTree, sessions: &[(i64, i32)], zxid: i64, out: &mut BytesMut) -> Self {
        let start = out.len();
        let mut walk = Self::begin_unsealed(tree, sessions, zxid, out);
        let mut sealer = SnapshotSealer::default();
        sealer.update(&out[start..]);
        walk.sealer = Some(sealer);
        walk
    }

    /// [`SnapshotWalk::begin`] for a walk that appends every byte of the
    /// file but the seals: whoever writes the bytes out feeds each of them
    /// to a [`SnapshotSealer`] and, once [`SnapshotWalk::step`] returns
    /// true, appends [`SnapshotSealer::seal`] of [`SnapshotWalk::take_tail`].
    /// The checksum is then off the thread that owns the tree.
    pub fn begin_unsealed(
        tree: &DataTree,
        sessions: &[(i64, i32)],
        zxid: i64,
        out: &mut BytesMut,
    ) -> Self {
        let acl_cache: Vec<AclCacheEntry> = tree
            .acl_cache()
            .entries()
            .map(|(acl_ref, acls)| AclCacheEntry {
                acl_ref,
                acls: acls.to_vec(),
            })
            .collect();
        let written_acls = acl_cache.iter().map(|e| e.acl_ref).collect();
        let head = TreeHead {
            sessions: sessions
                .iter()
                .map(|&(session_id, timeout)| SessionEntry {
                    session_id,
                    timeout,
                })
                .collect(),
            acl_cache,
        };
        let writer = UnsealedSnapshotWriter::begin(&FileHeader::snapshot(), &head, out);
        Self {
            zxid,
            writer: Some(writer),
            sealer: None,
            tail: None,
            written_acls,
            root_done: false,
            path: String::new(),
            frames: Vec::new(),
            nodes: 0,
            end_zxid: None,
        }
    }

    /// The zxid the file is named after: last processed zxid when the walk
    /// began.
    pub fn zxid(&self) -> i64 {
        self.zxid
    }

    /// Nodes written so far.
    pub fn nodes_written(&self) -> u64 {
        self.nodes
    }

    /// Whether the whole file has been written.
    pub fn is_done(&self) -> bool {
        self.writer.is_none()
    }

    /// Appends up to `budget` more nodes of `tree` to `out` (a step looks
    /// at most `budget` nodes, written or passed over by rule 1; 0 counts
    /// as 1, so every step makes progress). When the walk is complete it
    /// appends the terminator, the seal, and — if `digest` is given — the
    /// digest block `(last_zxid, digest)` and its seal (what ZooKeeper 3.8
    /// writes), and returns true; every later call appends nothing and
    /// returns true. An unsealed walk appends the terminator only and
    /// keeps that tail for [`SnapshotWalk::take_tail`].
    ///
    /// `last_zxid` is the last zxid applied to `tree` and `digest` the tree
    /// digest now (`None` when digests are disabled: ZooKeeper then writes
    /// no block); only the step that completes the walk reads them.
    pub fn step(
        &mut self,
        tree: &DataTree,
        budget: usize,
        out: &mut BytesMut,
        last_zxid: i64,
        digest: Option<i64>,
    ) -> bool {
        let Some(writer) = self.writer.as_mut() else {
            return true;
        };
        let Some(root) = tree.node("") else {
            // Unreachable: the root is never deleted.
            return false;
        };
        let start = out.len();
        let budget = budget.max(1);
        let mut visited = 0;
        if !self.root_done {
            let r = file_acl_ref(root.acl_ref(), &self.written_acls, tree);
            write_node(writer, "", root, r, out);
            self.nodes += 1;
            self.root_done = true;
            self.frames.push(Frame { end: 0, last: None });
            visited += 1;
        }
        // Look the open nodes up again by name; while this step runs, keep
        // the last-visited names as the tree's own strings (no allocation
        // per node) and make them owned again when it ends.
        // Each open node also keeps its children iterator for the step, so
        // moving to the next child is not a search from the top.
        let mut open: Vec<(NodeRef<'_>, Last<'_>, Option<ChildrenAfter<'_>>)> =
            Vec::with_capacity(self.frames.len());
        for i in 0..self.frames.len() {
            let node = match i.checked_sub(1) {
                None => Some(root),
                Some(p) => {
                    let name = &self.path[self.frames[p].end + 1..self.frames[i].end];
                    open.last()
                        .and_then(|(parent, _, _)| parent.child(name))
                        .filter(|n| n.persisted().czxid <= self.zxid)
                }
            };
            let Some(node) = node else { break };
            open.push((node, Last::Saved(self.frames[i].last.take()), None));
        }
        self.frames.truncate(open.len());
        self.path.truncate(self.frames.last().map_or(0, |f| f.end));
        while visited < budget {
            let Some((node, last, children)) = open.last_mut() else {
                break;
            };
            let next = children
                .get_or_insert_with(|| node.children_after(last.as_str()))
                .next();
            let Some((name, child)) = next else {
                open.pop();
                self.frames.pop();
                self.path.truncate(self.frames.last().map_or(0, |f| f.end));
                continue;
            };
            *last = Last::Tree(name);
            visited += 1;
            if child.persisted().czxid > self.zxid {
                continue; // rule 1
            }
            self.path.push('/');
            self.path.push_str(name);
            let r = file_acl_ref(child.acl_ref(), &self.written_acls, tree);
            write_node(writer, &self.path, child, r, out);
            self.nodes += 1;
            self.frames.push(Frame {
                end: self.path.len(),
                last: None,
            });
            open.push((child, Last::Saved(None), None));
        }
        for (f, (_, last, _)) in self.frames.iter_mut().zip(open) {
            f.last = last.into_owned();
        }
        if !self.frames.is_empty() {
            if let Some(sealer) = self.sealer.as_mut() {
                sealer.update(&out[start..]);
            }
            return false;
        }
        if let Some(writer) = self.writer.take() {
            let tail = tail_of(last_zxid, digest);
            writer.finish(out);
            match self.sealer.take() {
                Some(mut sealer) => {
                    sealer.update(&out[start..]);
                    sealer.seal(&tail, out);
                }
                None => self.tail = Some(tail),
            }
            self.end_zxid = Some(last_zxid);
        }
        true
    }

    /// An unsealed walk's tail, once it is done: what its writer seals the
    /// file with. `None` before the end, after the first call, and for a
    /// walk that sealed the file itself.
    pub fn take_tail(&mut self) -> Option<SnapshotTail> {
        self.tail.take()
    }

    /// Once the walk is done, the last zxid applied when it finished. The
    /// file may hold effects of every txn up to it — the core applies txns
    /// before they are durable — so it must not be made a valid snapshot
    /// (synced and renamed into place) before the log is durable through
    /// this zxid; otherwise a crash could leave a snapshot holding writes
    /// the log never got. (ZooKeeper applies only logged txns, so its
    /// snapshots never outrun its log.)
    pub fn end_zxid(&self) -> Option<i64> {
        self.end_zxid
    }
}

/// The name of an open node's last-visited child during a step.
enum Last<'t> {
    /// As kept between steps.
    Saved(Option<Name>),
    /// Borrowed from the tree.
    Tree(&'t str),
}

impl Last<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Last::Saved(s) => s.as_deref(),
            Last::Tree(s) => Some(s),
        }
    }

    fn into_owned(self) -> Option<Name> {
        match self {
            Last::Saved(s) => s,
            Last::Tree(s) => Some(s.into()),
        }
    }
}

/// The ACL number a node is written with (rule 2): its own if the file's
/// ACL section has it (or it is −1), −1 if it was handed out after that
/// section was written, and its own again if no cache has it at all.
fn file_acl_ref(r: i64, written: &[i64], tree: &DataTree) -> i64 {
    if r == OPEN_ACL_REF || written.binary_search(&r).is_ok() {
        r
    } else if tree.acl_cache().get(r).is_some() {
        OPEN_ACL_REF
    } else {
        r
    }
}

/// Writes one node, borrowing its parts from the tree.
fn write_node(
    writer: &mut UnsealedSnapshotWriter,
    path: &str,
    node: NodeRef<'_>,
    acl_ref: i64,
    out: &mut BytesMut,
) {
    writer.node_ref(
        SnapNodeRef {
            path,
            data: node.data().map(|d| &d[..]),
            acl_ref,
            stat: node.persisted(),
        },
        out,
    );
}

/// What a snapshot of the state after `last_zxid` is sealed with: the
/// digest block when digests are enabled (`digest`), and no
/// lastProcessedZxid block — 3.8 writes none, and 3.9 reads files without
/// one.
pub(super) fn tail_of(last_zxid: i64, digest: Option<i64>) -> SnapshotTail {
    SnapshotTail {
        digest: digest.map(|d| ZxidDigest::new(last_zxid, d)),
        last_processed_zxid: None,
    }
}
