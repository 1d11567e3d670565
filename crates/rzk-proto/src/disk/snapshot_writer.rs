//! Node-by-node encoding of an uncompressed snapshot, sealing as it goes
//! ([`SnapshotWriter`]) or leaving the checksum to whoever writes the bytes
//! out ([`UnsealedSnapshotWriter`] with a [`SnapshotSealer`]).

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
    sealer: SnapshotSealer,
}

impl SnapshotWriter {
    /// Appends the header, the sessions and the ACL cache.
    pub fn begin(header: &FileHeader, head: &TreeHead, out: &mut BytesMut) -> Self {
        let mut w = Self::default();
        w.summed(out, |out| {
            UnsealedSnapshotWriter::begin(header, head, out);
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
        self.sealer.seal(tail, out);
    }

    /// Runs `write` and adds what it appended to the checksum.
    fn summed(&mut self, out: &mut BytesMut, write: impl FnOnce(&mut BytesMut)) {
        let start = out.len();
        write(out);
        self.sealer.update(&out[start..]);
    }
}

/// [`SnapshotWriter`] without the checksum: appends the header, the
/// sessions, the ACL cache, the nodes and the terminator, and no seal.
///
/// Guarantees: feeding every byte it appends, in order, to a
/// [`SnapshotSealer`] and appending [`SnapshotSealer::seal`] after them
/// gives exactly what [`SnapshotWriter`] writes for the same content. Why
/// it exists: the checksum is a pass over every byte, which the thread
/// writing the file can take over from the one encoding the tree.
#[derive(Debug, Clone, Default)]
pub struct UnsealedSnapshotWriter {
    _private: (),
}

impl UnsealedSnapshotWriter {
    /// Appends the header, the sessions and the ACL cache.
    pub fn begin(header: &FileHeader, head: &TreeHead, out: &mut BytesMut) -> Self {
        header.write(out);
        head.write(out);
        Self::default()
    }

    /// Appends one node (pre-order, root first, as for
    /// [`SnapshotWriter::node`]).
    pub fn node_ref(&mut self, node: SnapNodeRef<'_>, out: &mut BytesMut) {
        node.write(out);
    }

    /// Appends the terminator; the seals are the [`SnapshotSealer`]'s.
    pub fn finish(self, out: &mut BytesMut) {
        write_terminator(out);
    }
}

/// The running checksum of a snapshot stream, and the seals that close it.
#[derive(Debug, Clone, Default)]
pub struct SnapshotSealer {
    adler: Adler32,
}

impl SnapshotSealer {
    /// Adds the next bytes of the stream to the checksum.
    pub fn update(&mut self, bytes: &[u8]) {
        self.adler.write_slice(bytes);
    }

    /// Appends the first seal (over every byte given so far), then each
    /// block of `tail` that is present followed by its seal, as ZooKeeper's
    /// `FileSnap.serialize` does.
    pub fn seal(mut self, tail: &SnapshotTail, out: &mut BytesMut) {
        self.seal_once(out);
        if let Some(digest) = &tail.digest {
            self.summed(out, |out| digest.write(out));
            self.seal_once(out);
        }
        if let Some(zxid) = tail.last_processed_zxid {
            self.summed(out, |out| zxid.write(out));
            self.seal_once(out);
        }
    }

    fn seal_once(&mut self, out: &mut BytesMut) {
        let checksum = i64::from(self.adler.checksum());
        self.summed(out, |out| write_seal(checksum, out));
    }

    fn summed(&mut self, out: &mut BytesMut, write: impl FnOnce(&mut BytesMut)) {
        let start = out.len();
        write(out);
        self.update(&out[start..]);
    }
}
