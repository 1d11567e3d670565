//! Node-by-node decoding of an uncompressed snapshot, with the running
//! checksum kept as the nodes go by, from a whole file in memory or from
//! a [`SnapshotSource`] that hands it over a piece at a time.

use bytes::{Bytes, BytesMut};

use super::header::{FileHeader, SNAP_MAGIC};
use super::seal::{read_seal, RunningChecksum, SEAL_LEN};
use super::snapshot::{SnapshotTail, ZxidDigest};
use super::tree::{NodeCursor, SnapNode, TreeHead};
use crate::jute::{DecodeError, DecodeErrorKind, DecodeResult, Jute, Reader, DEFAULT_MAX_BUFFER};

/// Bytes after the first seal when the only block is the last processed
/// zxid (a long and its seal). A digest block and its seal take at least 29,
/// so this length tells the two layouts apart.
const LAST_ZXID_ONLY_LEN: usize = 8 + SEAL_LEN;

/// Where a snapshot read a piece at a time comes from (a file being read,
/// in storage). The reader keeps only the piece it is decoding and the
/// unfinished node before it, so a file of hundreds of megabytes is
/// decoded through a buffer of a few.
pub trait SnapshotSource {
    /// Appends the next bytes of the file to `out` and returns `true`, or
    /// returns `false` at the end of the file. A source that fails also
    /// returns `false` (keeping the failure for its owner), so the reader
    /// reports a truncated file where the bytes stopped.
    fn read_piece(&mut self, out: &mut BytesMut) -> bool;
}

/// A file already in memory, handed over in pieces of a fixed size.
#[derive(Debug, Clone)]
pub struct MemorySource {
    rest: Bytes,
    piece: usize,
}

impl MemorySource {
    /// `file` in pieces of `piece` bytes (at least 1).
    pub fn new(file: Bytes, piece: usize) -> Self {
        Self {
            rest: file,
            piece: piece.max(1),
        }
    }
}

impl SnapshotSource for MemorySource {
    fn read_piece(&mut self, out: &mut BytesMut) -> bool {
        if self.rest.is_empty() {
            return false;
        }
        let n = self.piece.min(self.rest.len());
        out.extend_from_slice(&self.rest.split_to(n));
        true
    }
}

/// Decodes an uncompressed snapshot one node at a time, held in memory or
/// read from a [`SnapshotSource`].
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
/// further call returns that error again. It never panics. Read from a
/// source, in pieces of any sizes, it returns exactly what it returns for
/// the whole file in memory, errors and their offsets included.
///
/// ZooKeeper's rules, with two deliberate differences:
/// * After the first seal, ZooKeeper (digests enabled) expects the digest
///   block first; a file written with digests disabled but the last zxid
///   enabled holds only the zxid block, which it then misreads. Its length
///   (21 bytes) is unambiguous, so this reader accepts it.
/// * ZooKeeper ignores a seal's path; this reader requires `"/"`, the only
///   path its writer emits (see `read_seal`).
#[derive(Debug)]
pub struct SnapshotReader {
    /// The bytes being decoded: the whole file, or a window of it.
    buf: Bytes,
    r: Reader,
    sum: RunningChecksum,
    header: FileHeader,
    nodes: NodeCursor,
    /// The file offset of `buf[0]`.
    base: usize,
    source: Option<Source>,
    /// The largest piece the source has handed over.
    piece: usize,
}

/// A [`SnapshotSource`] with the reader's bookkeeping.
struct Source(Box<dyn SnapshotSource + Send>);

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnapshotSource")
    }
}

impl Clone for SnapshotReader {
    /// A clone of a reader over a whole file; a clone of one reading from
    /// a source has no source, and reports the file as ending where the
    /// bytes it already holds end.
    fn clone(&self) -> Self {
        Self {
            buf: self.buf.clone(),
            r: self.r.clone(),
            sum: self.sum.clone(),
            header: self.header.clone(),
            nodes: self.nodes.clone(),
            base: self.base,
            source: None,
            piece: 0,
        }
    }
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
        Self::start(file.into(), None, max_len)
    }

    /// Like [`SnapshotReader::open_with_max_len`], for a file read a piece
    /// at a time from `source`.
    pub fn open_source(
        source: Box<dyn SnapshotSource + Send>,
        max_len: usize,
    ) -> DecodeResult<(Self, TreeHead)> {
        Self::start(Bytes::new(), Some(Source(source)), max_len)
    }

    fn start(buf: Bytes, source: Option<Source>, max_len: usize) -> DecodeResult<(Self, TreeHead)> {
        let mut reader = Self {
            r: Reader::with_max_len(buf.clone(), max_len),
            buf,
            sum: RunningChecksum::default(),
            header: FileHeader::default(),
            nodes: NodeCursor::default(),
            base: 0,
            source,
            piece: 0,
        };
        // The header, sessions and ACL cache come whole into the window:
        // while they do not decode for want of bytes, the window grows.
        loop {
            let mut r = reader.r.clone();
            r.enter("Snapshot");
            let head = FileHeader::read_expecting(&mut r, SNAP_MAGIC, "0x5A4B534E (ZKSN)")
                .and_then(|header| Ok((header, TreeHead::read(&mut r, "head")?)));
            match head {
                Err(e) if wants_more(&e, true) && reader.source.is_some() => {
                    reader.refill(0);
                }
                Err(e) => return Err(e),
                Ok((header, head)) => {
                    reader.r = r;
                    reader.header = header;
                    reader.catch_up();
                    return Ok((reader, head));
                }
            }
        }
    }

    /// The file header.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// Offset in the file of the next byte to decode (for progress
    /// reports).
    pub fn position(&self) -> usize {
        self.base + self.r.position()
    }

    /// The next node, or `None` once the terminator path has been read
    /// (and on every later call).
    pub fn next_node(&mut self) -> DecodeResult<Option<SnapNode>> {
        loop {
            let mark = self.r.position();
            let before = self.nodes.clone();
            match self.nodes.next(&mut self.r) {
                // The node may run past the window: forget the failure, and
                // decode it again from its start with the source's next
                // bytes (or, at the end of the file, with the same bytes,
                // which fail again, now with the reader positioned there).
                Err(e) if wants_more(&e, false) && self.source.is_some() => {
                    self.refill(mark);
                    self.nodes = before;
                }
                node => {
                    self.catch_up();
                    return node.map_err(|e| self.absolute(e));
                }
            }
        }
    }

    /// Reads (and drops) any nodes not yet read, then the seals and optional
    /// blocks up to the end of the input.
    pub fn finish(mut self) -> DecodeResult<SnapshotTail> {
        while self.next_node()?.is_some() {}
        // The layout after the nodes is told by the length left, so the
        // window must hold the rest of the file.
        while self.refill(self.r.position()) {}
        self.finish_window().map_err(|e| self.absolute(e))
    }

    fn finish_window(&mut self) -> DecodeResult<SnapshotTail> {
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

    /// `e` with its offset in the file rather than in the window.
    fn absolute(&self, mut e: DecodeError) -> DecodeError {
        e.offset += self.base;
        e
    }

    /// Replaces the window with its bytes from `mark` on followed by the
    /// source's next piece, and returns whether that added any. Without a
    /// source, or once it has ended, the window keeps its bytes from `mark`
    /// on and the reader starts over on them. Every byte before `mark` must
    /// have been added to the checksum.
    fn refill(&mut self, mark: usize) -> bool {
        let Some(mut source) = self.source.take() else {
            return false;
        };
        self.sum.catch_up(&self.buf, mark);
        let max_len = self.r.max_len();
        let outer = self.r.enter("");
        // Drop the reader's hold on the window, so that its memory comes
        // back for the next one when no decoded node still points into it.
        self.r = Reader::new(Bytes::new());
        let old = std::mem::take(&mut self.buf);
        let mut next = match old.try_into_mut() {
            Ok(mut window) => {
                window.copy_within(mark.., 0);
                window.truncate(window.len() - mark);
                window
            }
            Err(shared) => {
                let mut window = BytesMut::with_capacity(shared.len() - mark + self.piece);
                window.extend_from_slice(&shared[mark..]);
                window
            }
        };
        // Room for a piece as large as the largest so far: a window that
        // has to grow while a piece is appended is copied whole.
        next.reserve(self.piece);
        let kept = next.len();
        let mut more = true;
        while more && next.len() == kept {
            more = source.0.read_piece(&mut next);
        }
        if more {
            self.source = Some(source);
        }
        let grew = next.len() > kept;
        self.piece = self.piece.max(next.len() - kept);
        self.buf = next.freeze();
        self.base += mark;
        self.sum.rebase(mark);
        self.r = Reader::with_max_len(self.buf.clone(), max_len);
        self.r.enter(outer);
        grew
    }
}

/// Whether `e` may only mean that the window ends too early: the input ran
/// out, or (in the header, whose vectors are checked against the bytes
/// left) a count did not fit.
fn wants_more(e: &DecodeError, in_header: bool) -> bool {
    match e.kind {
        DecodeErrorKind::Truncated { .. } => true,
        DecodeErrorKind::CountOutOfRange { .. } => in_header,
        _ => false,
    }
}
