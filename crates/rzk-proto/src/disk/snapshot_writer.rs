//! Node-by-node encoding of an uncompressed snapshot, sealing as it goes.

use adler2::Adler32;
use bytes::BytesMut;

use super::header::FileHeader;
use super::seal::write_seal;
use super::snapshot::SnapshotTail;
use super::tree::{write_terminator, SnapNode, SnapNodeRef, TreeHead};
use crate::jute::Jute;

/// Encodes an uncompressed snapshot in pieces, without I/O: each call
/// appends to `out`, and the caller may drain `out` (e.g. to a file)
/// between calls, so a snapshot of any size needs little memory.
///
/// Guarantees: the concatenation of everything appended is byte for byte
/// what ZooKeeper's `FileSnap.serialize` writes for the same content, seals
/// included, and [`super::SnapshotReader`] reads it back unchanged.
#[derive(Debug, Clone, Default)]
pub struct SnapshotWriter {
    adler: Adler32,
}

impl SnapshotWriter {
    /// Appends the header, the sessions and the ACL cache.
    pub fn begin(header: &FileHeader, head: &TreeHead, out: &mut BytesMut) -> Self {
        let mut w = Self::default();
        w.summed(out, |out| {
            header.write(out);
            head.write(out);
        });
        w
    }

    /// Appends one node. Nodes must come in pre-order, root (path `""`)
    /// first, for ZooKeeper to load the file.
    pub fn node(&mut self, node: &SnapNode, out: &mut BytesMut) {
        self.node_ref(node.borrowed(), out);
    }

    /// [`SnapshotWriter::node`] for a borrowed node.
    pub fn node_ref(&mut self, node: SnapNodeRef<'_>, out: &mut BytesMut) {
        self.summed(out, |out| node.write(out));
    }

    /// Appends the terminator, the first seal, and each block of `tail`
    /// that is present followed by its seal.
    pub fn finish(mut self, tail: &SnapshotTail, out: &mut BytesMut) {
        self.summed(out, write_terminator);
        self.seal(out);
        if let Some(digest) = &tail.digest {
            self.summed(out, |out| digest.write(out));
            self.seal(out);
        }
        if let Some(zxid) = tail.last_processed_zxid {
            self.summed(out, |out| zxid.write(out));
            self.seal(out);
        }
    }

    fn seal(&mut self, out: &mut BytesMut) {
        let checksum = i64::from(self.adler.checksum());
        self.summed(out, |out| write_seal(checksum, out));
    }

    /// Runs `write` and adds what it appended to the checksum.
    fn summed(&mut self, out: &mut BytesMut, write: impl FnOnce(&mut BytesMut)) {
        let start = out.len();
        write(out);
        self.adler.write_slice(&out[start..]);
    }
}
