//! The data-tree image that snapshots (PROTOCOL.md §6.3) and the SNAP body
//! (§5.6) share: sessions, the ACL cache, then every node in pre-order,
//! closed by the path `"/"` (`srv/DataTree.serialize`,
//! `srv/ReferenceCountedACLCache`, `p/SerializeUtils.serializeSnapshot`).

use bytes::{BufMut, Bytes};

use crate::data::{Acl, StatPersisted};
use crate::jute::{DecodeError, DecodeResult, Jute, Reader};
use crate::jute_record;

/// The ACL reference that stands for `OPEN_ACL_UNSAFE`; it is never stored
/// in the ACL cache.
pub const OPEN_ACL_UNSAFE_REF: i64 = -1;

/// The path the root node is stored under (the empty string, not `/`).
pub const ROOT_PATH: &str = "";

/// The path that ends the node list; no node follows it.
pub const TERMINATOR_PATH: &str = "/";

jute_record! {
    /// One live session in a data-tree image.
    pub struct SessionEntry {
        /// Session id.
        pub session_id: i64,
        /// Negotiated timeout, ms.
        pub timeout: i32,
    }
}

jute_record! {
    /// One entry of the ACL cache: nodes store `acl_ref` instead of their ACL.
    pub struct AclCacheEntry {
        /// Reference number (1, 2, 3 … as allocated; never
        /// [`OPEN_ACL_UNSAFE_REF`]).
        pub acl_ref: i64,
        /// The ACL it stands for (never null: ZooKeeper's reader fails on a
        /// null vector here).
        pub acls: Vec<Acl>,
    }
}

jute_record! {
    /// What precedes the nodes: every session (`count:int` then pairs), then
    /// the ACL cache (`count:int` then entries).
    ///
    /// Order is kept as read: ZooKeeper writes both from hash maps, so the
    /// order carries no meaning, but keeping it makes re-encoding exact.
    ///
    /// A negative count is an error here, where ZooKeeper's loop
    /// (`while (count > 0)`) reads it as zero: its writer never produces
    /// one, so it can only be corruption, and accepting it would make
    /// re-encoding lossy.
    pub struct TreeHead {
        /// Sessions, in file order.
        pub sessions: Vec<SessionEntry>,
        /// ACL cache entries, in file order.
        pub acl_cache: Vec<AclCacheEntry>,
    }
}

/// One node as stored: `path:ustring`, then the `DataNode` record
/// (`data:buffer`, `acl:long`, `StatPersisted`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapNode {
    /// Full path; the root is [`ROOT_PATH`]. Never [`TERMINATOR_PATH`].
    pub path: String,
    /// Node data; `None` for a null buffer (distinct from empty).
    pub data: Option<Bytes>,
    /// [`AclCacheEntry::acl_ref`] of its ACL, or [`OPEN_ACL_UNSAFE_REF`].
    pub acl_ref: i64,
    /// Persisted metadata.
    pub stat: StatPersisted,
}

/// A [`SnapNode`] whose parts are borrowed from wherever they live (a
/// snapshot walk reads them straight from the tree it walks).
///
/// Guarantees: [`SnapNodeRef::write`] appends exactly what
/// [`SnapNode::write`] does for the same content.
#[derive(Debug, Clone, Copy)]
pub struct SnapNodeRef<'a> {
    /// Full path; the root is [`ROOT_PATH`]. Never [`TERMINATOR_PATH`].
    pub path: &'a str,
    /// Node data; `None` for a null buffer (distinct from empty).
    pub data: Option<&'a [u8]>,
    /// [`AclCacheEntry::acl_ref`] of its ACL, or [`OPEN_ACL_UNSAFE_REF`].
    pub acl_ref: i64,
    /// Persisted metadata.
    pub stat: &'a StatPersisted,
}

impl SnapNodeRef<'_> {
    /// Appends the node's encoding.
    pub fn write<B: BufMut>(&self, out: &mut B) {
        debug_assert_ne!(self.path, TERMINATOR_PATH, "would read back as the end");
        put_len(out, self.path.len());
        out.put_slice(self.path.as_bytes());
        match self.data {
            None => out.put_i32(-1),
            Some(d) => {
                put_len(out, d.len());
                out.put_slice(d);
            }
        }
        self.acl_ref.write(out);
        self.stat.write(out);
    }
}

/// A jute length prefix, clamped as the `Jute` impls clamp it.
fn put_len<B: BufMut>(out: &mut B, len: usize) {
    out.put_i32(i32::try_from(len).unwrap_or(i32::MAX));
}

/// Encoded size of the terminator path.
const TERMINATOR_LEN: usize = 4 + TERMINATOR_PATH.len();

impl SnapNode {
    /// Reads the next node, or `None` at the terminator path (which is then
    /// consumed). A null path is an error, as in ZooKeeper's loader.
    ///
    /// Structure is not checked here (root first, parents before children):
    /// that needs the set of paths read so far, which only the tree loader
    /// keeps.
    pub fn read_next(r: &mut Reader) -> DecodeResult<Option<Self>> {
        let outer = r.enter("SnapNode");
        let node = Self::read_after_path(r);
        r.leave(outer);
        node
    }

    fn read_after_path(r: &mut Reader) -> DecodeResult<Option<Self>> {
        let path = String::read(r, "path")?;
        if path == TERMINATOR_PATH {
            return Ok(None);
        }
        Ok(Some(Self {
            path,
            data: Jute::read(r, "data")?,
            acl_ref: i64::read(r, "acl")?,
            stat: StatPersisted::read(r, "stat")?,
        }))
    }

    /// Appends the node's encoding (exactly [`SnapNode::encoded_len`] bytes).
    pub fn write<B: BufMut>(&self, out: &mut B) {
        self.borrowed().write(out);
    }

    /// The same node, borrowed.
    pub fn borrowed(&self) -> SnapNodeRef<'_> {
        SnapNodeRef {
            path: &self.path,
            data: self.data.as_deref(),
            acl_ref: self.acl_ref,
            stat: &self.stat,
        }
    }

    /// The exact size of [`SnapNode::write`]'s output.
    pub fn encoded_len(&self) -> usize {
        self.path.encoded_len()
            + self.data.encoded_len()
            + self.acl_ref.encoded_len()
            + self.stat.encoded_len()
    }
}

/// Where an incremental reader is in the node list: shared by the snapshot
/// and SNAP body readers so both stop at the terminator and repeat the
/// first error instead of decoding on from a broken position.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeCursor {
    done: bool,
    failed: Option<DecodeError>,
}

impl NodeCursor {
    /// The next node from `r`, `None` from the terminator on, or the first
    /// error again.
    pub(crate) fn next(&mut self, r: &mut Reader) -> DecodeResult<Option<SnapNode>> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.done {
            return Ok(None);
        }
        let node = SnapNode::read_next(r);
        match &node {
            Ok(None) => self.done = true,
            Err(e) => self.failed = Some(e.clone()),
            Ok(Some(_)) => {}
        }
        node
    }
}

/// Appends the path `"/"` that ends the node list.
pub fn write_terminator<B: BufMut>(out: &mut B) {
    TERMINATOR_PATH.to_owned().write(out);
}

/// A whole data-tree image: head, nodes, terminator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataTreeImage {
    /// Sessions and ACL cache.
    pub head: TreeHead,
    /// Nodes in file (pre-)order.
    pub nodes: Vec<SnapNode>,
}

impl Jute for DataTreeImage {
    const MIN_SIZE: usize = TreeHead::MIN_SIZE + TERMINATOR_LEN;

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let head = TreeHead::read(r, "head")?;
        let mut nodes = Vec::new();
        // No count prefix: the vector grows one decoded node (at least 76
        // bytes of input) at a time, so memory stays bounded by the input.
        while let Some(node) = SnapNode::read_next(r)? {
            nodes.push(node);
        }
        Ok(Self { head, nodes })
    }

    fn write<B: BufMut>(&self, out: &mut B) {
        self.head.write(out);
        for n in &self.nodes {
            n.write(out);
        }
        write_terminator(out);
    }

    fn encoded_len(&self) -> usize {
        self.head.encoded_len()
            + self.nodes.iter().map(SnapNode::encoded_len).sum::<usize>()
            + TERMINATOR_LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Id;
    use crate::jute::{DecodeErrorKind, Record};
    use bytes::BytesMut;

    fn image() -> DataTreeImage {
        DataTreeImage {
            head: TreeHead {
                sessions: vec![SessionEntry {
                    session_id: 0x100,
                    timeout: 30000,
                }],
                acl_cache: vec![AclCacheEntry {
                    acl_ref: 1,
                    acls: vec![Acl::new(31, Id::new("digest", "u:h"))],
                }],
            },
            nodes: vec![
                SnapNode {
                    path: ROOT_PATH.into(),
                    acl_ref: OPEN_ACL_UNSAFE_REF,
                    ..SnapNode::default()
                },
                SnapNode {
                    path: "/a".into(),
                    data: Some(Bytes::from_static(b"x")),
                    acl_ref: 1,
                    ..SnapNode::default()
                },
            ],
        }
    }

    #[test]
    fn layout_is_head_nodes_terminator() {
        let mut out = BytesMut::new();
        image().write(&mut out);
        assert_eq!(out.len(), image().encoded_len());
        // sessions: count 1, id, timeout
        assert_eq!(
            &out[..16],
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x75, 0x30]
        );
        assert_eq!(&out[out.len() - 5..], &[0, 0, 0, 1, b'/']);
        // The root's path is the empty string; its null data is -1.
        let root_at = image().head.encoded_len();
        assert_eq!(
            &out[root_at..root_at + 8],
            &[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]
        );
        let mut r = Reader::new(out.freeze());
        assert_eq!(DataTreeImage::read(&mut r, "tree").unwrap(), image());
        r.finish("end").unwrap();
    }

    #[test]
    fn null_path_and_null_acl_vector_are_errors() {
        let mut r = Reader::new(vec![0xff, 0xff, 0xff, 0xff]);
        let e = SnapNode::read_next(&mut r).unwrap_err();
        assert_eq!(
            (e.record, e.field, e.kind),
            ("SnapNode", "path", DecodeErrorKind::UnexpectedNull)
        );

        let mut b = BytesMut::new();
        b.put_i32(0); // no sessions
        b.put_i32(1); // one cache entry
        b.put_i64(1);
        b.put_i32(-1); // null ACL vector
        let e = TreeHead::from_bytes(b.freeze()).unwrap_err();
        assert_eq!(
            (e.field, e.offset, e.kind),
            ("acls", 16, DecodeErrorKind::UnexpectedNull)
        );
    }

    #[test]
    fn negative_counts_are_errors() {
        for count in [-1, -2] {
            let mut b = BytesMut::new();
            b.put_i32(count);
            b.put_i32(0);
            let e = TreeHead::from_bytes(b.freeze()).unwrap_err();
            assert_eq!((e.field, e.offset), ("sessions", 0), "{e}");
        }
    }
}
