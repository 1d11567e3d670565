//! The SNAP body (PROTOCOL.md §5.6): the data-tree image a leader streams
//! to a learner right after the `SNAP` packet, with no file header and no
//! seals, closed by the signature string `"BenWasHere"`
//! (`q/LearnerHandler.syncFollower`, `q/Learner.syncWithLeader`).

use bytes::BufMut;

use super::tree::{write_terminator, DataTreeImage, NodeCursor, SnapNode, TreeHead};
use crate::jute::{DecodeErrorKind, DecodeResult, Jute, Reader, Record};

/// The string that closes a SNAP body; a learner refuses the snapshot
/// (and the sync) when anything else is there.
pub const SNAP_SIGNATURE: &str = "BenWasHere";

/// A whole SNAP body: the tree image, then [`SNAP_SIGNATURE`].
///
/// As a [`Record`] it decodes from a buffer holding exactly the body, and
/// as [`Jute`] from a quorum stream where more packets follow it.
/// A wrong signature is a `Malformed` error on field `signature` (a null
/// one is `UnexpectedNull` there).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapBody {
    /// Sessions, ACL cache and nodes.
    pub tree: DataTreeImage,
}

impl Jute for SnapBody {
    const MIN_SIZE: usize = DataTreeImage::MIN_SIZE + 4 + SNAP_SIGNATURE.len();

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let outer = r.enter("SnapBody");
        let body = DataTreeImage::read(r, "tree").and_then(|tree| {
            read_signature(r)?;
            Ok(Self { tree })
        });
        r.leave(outer);
        body
    }

    fn write<B: BufMut>(&self, out: &mut B) {
        self.tree.write(out);
        write_signature(out);
    }

    fn encoded_len(&self) -> usize {
        self.tree.encoded_len() + 4 + SNAP_SIGNATURE.len()
    }
}

impl Record for SnapBody {
    const NAME: &'static str = "SnapBody";
}

/// Reads the signature, failing unless it is [`SNAP_SIGNATURE`].
fn read_signature(r: &mut Reader) -> DecodeResult<()> {
    let at = r.position();
    let outer = r.enter("SnapBody");
    let sig = String::read(r, "signature");
    let result = match sig {
        Ok(s) if s == SNAP_SIGNATURE => Ok(()),
        Ok(_) => Err(r.error_at(
            "signature",
            at,
            DecodeErrorKind::Malformed("SNAP signature is not \"BenWasHere\""),
        )),
        Err(e) => Err(e),
    };
    r.leave(outer);
    result
}

fn write_signature<B: BufMut>(out: &mut B) {
    SNAP_SIGNATURE.to_owned().write(out);
}

/// Decodes a SNAP body node by node from a reader that may hold more (the
/// packets after it on the quorum stream), leaving the reader just past the
/// signature once [`SnapBodyReader::finish`] succeeds.
///
/// Guarantees: nodes come back in stream order with their data not copied;
/// `finish` succeeds only if the terminator and the right signature
/// followed; after an error every further call returns it again.
#[derive(Debug)]
pub struct SnapBodyReader<'r> {
    r: &'r mut Reader,
    nodes: NodeCursor,
}

impl<'r> SnapBodyReader<'r> {
    /// Reads the sessions and ACL cache and returns them with the reader.
    pub fn open(r: &'r mut Reader) -> DecodeResult<(Self, TreeHead)> {
        let head = TreeHead::read(r, "head")?;
        let reader = Self {
            r,
            nodes: NodeCursor::default(),
        };
        Ok((reader, head))
    }

    /// The next node, or `None` once the terminator path has been read.
    pub fn next_node(&mut self) -> DecodeResult<Option<SnapNode>> {
        self.nodes.next(self.r)
    }

    /// Reads (and drops) any nodes not yet read, then the signature.
    pub fn finish(mut self) -> DecodeResult<()> {
        while self.next_node()?.is_some() {}
        read_signature(self.r)
    }
}

/// Encodes a SNAP body in pieces onto any buffer (the leader streams it).
///
/// Guarantees: the concatenation of everything appended is what
/// [`SnapBody::write`] produces for the same content.
#[derive(Debug, Default)]
pub struct SnapBodyWriter {
    _private: (),
}

impl SnapBodyWriter {
    /// Appends the sessions and the ACL cache.
    pub fn begin<B: BufMut>(head: &TreeHead, out: &mut B) -> Self {
        head.write(out);
        Self::default()
    }

    /// Appends one node (pre-order, root first).
    pub fn node<B: BufMut>(&mut self, node: &SnapNode, out: &mut B) {
        node.write(out);
    }

    /// Appends the terminator and the signature.
    pub fn finish<B: BufMut>(self, out: &mut B) {
        write_terminator(out);
        write_signature(out);
    }
}

#[cfg(test)]
#[path = "snapbody_tests.rs"]
mod tests;
