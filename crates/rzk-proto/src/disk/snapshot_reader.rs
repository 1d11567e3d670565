//! Node-by-node decoding of an uncompressed snapshot, with the running
//! checksum kept as the nodes go by.

use bytes::Bytes;

use super::header::{FileHeader, SNAP_MAGIC};
use super::seal::{read_seal, RunningChecksum, SEAL_LEN};
use super::snapshot::{SnapshotTail, ZxidDigest};
use super::tree::{NodeCursor, SnapNode, TreeHead};
use crate::jute::{DecodeResult, Jute, Reader, DEFAULT_MAX_BUFFER};

/// Bytes after the first seal when the only block is the last processed
/// zxid (a long and its seal). A digest block and its seal take at least 29,
/// so this length tells the two layouts apart.
const LAST_ZXID_ONLY_LEN: usize = 8 + SEAL_LEN;

/// Decodes an uncompressed snapshot held in memory one node at a time.
///
/// [`SnapshotReader::open`] reads the header (checking its magic), the
/// sessions and the ACL cache; [`SnapshotReader::next_node`] then yields
/// nodes in file order until the terminator, and [`SnapshotReader::finish`]
/// verifies the seals, reads the optional blocks and requires the input to
/// end there.
///
/// Guarantees: every byte read is added to the running Adler32, and every
/// seal is checked against it (a `ChecksumMismatch` naming the seal's
/// offset); nothing is returned from `finish` unless all seals matched and
/// no byte is left over. Node data is not copied. After an error, every
/// further call returns that error again. It never panics.
///
/// ZooKeeper's rules, with two deliberate differences:
/// * After the first seal, ZooKeeper (digests enabled) expects the digest
///   block first; a file written with digests disabled but the last zxid
///   enabled holds only the zxid block, which it then misreads. Its length
///   (21 bytes) is unambiguous, so this reader accepts it.
/// * ZooKeeper ignores a seal's path; this reader requires `"/"`, the only
///   path its writer emits (see `read_seal`).
#[derive(Debug, Clone)]
pub struct SnapshotReader {
    buf: Bytes,
    r: Reader,
    sum: RunningChecksum,
    header: FileHeader,
    nodes: NodeCursor,
}

impl SnapshotReader {
    /// Starts decoding `file` with the default length limit (`jute.maxbuffer`
    /// plus its extra size, as ZooKeeper's reader), returning the reader and
    /// the sessions and ACL cache.
    pub fn open(file: impl Into<Bytes>) -> DecodeResult<(Self, TreeHead)> {
        Self::open_with_max_len(file, DEFAULT_MAX_BUFFER * 2)
    }

    /// Like [`SnapshotReader::open`], with node data and strings limited to
    /// `max_len` bytes.
    pub fn open_with_max_len(
        file: impl Into<Bytes>,
        max_len: usize,
    ) -> DecodeResult<(Self, TreeHead)> {
        let buf = file.into();
        let mut r = Reader::with_max_len(buf.clone(), max_len);
        r.enter("Snapshot");
        let header = FileHeader::read_expecting(&mut r, SNAP_MAGIC, "0x5A4B534E (ZKSN)")?;
        let head = TreeHead::read(&mut r, "head")?;
        let mut reader = Self {
            buf,
            r,
            sum: RunningChecksum::default(),
            header,
            nodes: NodeCursor::default(),
        };
        reader.catch_up();
        Ok((reader, head))
    }

    /// The file header.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// Offset of the next byte to decode (for progress reports).
    pub fn position(&self) -> usize {
        self.r.position()
    }

    /// The next node, or `None` once the terminator path has been read
    /// (and on every later call).
    pub fn next_node(&mut self) -> DecodeResult<Option<SnapNode>> {
        let node = self.nodes.next(&mut self.r);
        self.catch_up();
        node
    }

    /// Reads (and drops) any nodes not yet read, then the seals and optional
    /// blocks up to the end of the input.
    pub fn finish(mut self) -> DecodeResult<SnapshotTail> {
        while self.next_node()?.is_some() {}
        self.seal("seal")?;
        let mut tail = SnapshotTail::default();
        if self.r.remaining() == LAST_ZXID_ONLY_LEN {
            tail.last_processed_zxid = Some(self.read_last_zxid()?);
        } else if self.r.remaining() > 0 {
            tail.digest = Some(ZxidDigest::read(&mut self.r, "digest")?);
            self.catch_up();
            self.seal("digestSeal")?;
            if self.r.remaining() > 0 {
                tail.last_processed_zxid = Some(self.read_last_zxid()?);
            }
        }
        self.r.finish("(end)")?;
        Ok(tail)
    }

    fn read_last_zxid(&mut self) -> DecodeResult<i64> {
        let zxid = self.r.read_long("lastProcessedZxid")?;
        self.catch_up();
        self.seal("lastProcessedZxidSeal")?;
        Ok(zxid)
    }

    /// Checks the seal at the current position, then adds its bytes to the
    /// checksum, since each later seal covers the earlier ones.
    fn seal(&mut self, field: &'static str) -> DecodeResult<()> {
        read_seal(&mut self.r, field, self.sum.value())?;
        self.catch_up();
        Ok(())
    }

    fn catch_up(&mut self) {
        self.sum.catch_up(&self.buf, self.r.position());
    }
}
