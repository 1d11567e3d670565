//! Uncompressed snapshot files (`p/FileSnap`, PROTOCOL.md §6.3): a
//! [`FileHeader`] with magic `ZKSN`, the data-tree image, a seal, then the
//! optional digest and last-processed-zxid blocks, each with its own seal.
//!
//! [`SnapshotReader`] and [`SnapshotWriter`] work node by node for real
//! snapshots (millions of nodes); [`Snapshot`] is the whole file at once,
//! built on them.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::FileHeader;
use super::snapshot_reader::SnapshotReader;
use super::snapshot_writer::SnapshotWriter;
use super::tree::DataTreeImage;
use crate::jute::{DecodeResult, Jute, Reader};

/// The digest version ZooKeeper 3.6+ writes (`DigestCalculator`); from this
/// version on the digest is a long, before it a hex string.
pub const DIGEST_VERSION: i32 = 2;

/// The digest of a [`ZxidDigest`], in the form its version dictates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestValue {
    /// `digestVersion >= 2`: the tree digest as a long.
    Long(i64),
    /// `digestVersion < 2`: the tree digest as a hex `ustring` (may be null).
    Hex(Option<String>),
}

/// `DataTree.ZxidDigest`: the tree digest as of a zxid, written after the
/// first seal by ZooKeeper 3.6+ when digests are enabled.
///
/// Decoding guarantees `digest` is `Long` exactly when `digest_version >=
/// 2`; the encoder writes the form `digest` holds, so a value built by hand
/// must keep that rule to read back equal ([`ZxidDigest::new`] does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZxidDigest {
    /// The zxid the digest was taken at (0 when the tree had none yet).
    pub zxid: i64,
    /// Digest algorithm version.
    pub digest_version: i32,
    /// The digest.
    pub digest: DigestValue,
}

impl ZxidDigest {
    /// A digest of the current version ([`DIGEST_VERSION`]).
    pub fn new(zxid: i64, digest: i64) -> Self {
        Self {
            zxid,
            digest_version: DIGEST_VERSION,
            digest: DigestValue::Long(digest),
        }
    }

    fn read_fields(r: &mut Reader) -> DecodeResult<Self> {
        let zxid = r.read_long("zxid")?;
        let digest_version = r.read_int("digestVersion")?;
        let digest = if digest_version >= DIGEST_VERSION {
            DigestValue::Long(r.read_long("digest")?)
        } else {
            DigestValue::Hex(r.read_ustring("digest")?)
        };
        Ok(Self {
            zxid,
            digest_version,
            digest,
        })
    }
}

impl Jute for ZxidDigest {
    const MIN_SIZE: usize = 8 + 4 + 4;

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let outer = r.enter("ZxidDigest");
        let digest = Self::read_fields(r);
        r.leave(outer);
        digest
    }

    fn write<B: BufMut>(&self, out: &mut B) {
        self.zxid.write(out);
        self.digest_version.write(out);
        match &self.digest {
            DigestValue::Long(d) => d.write(out),
            DigestValue::Hex(h) => h.write(out),
        }
    }

    fn encoded_len(&self) -> usize {
        12 + match &self.digest {
            DigestValue::Long(_) => 8,
            DigestValue::Hex(h) => h.encoded_len(),
        }
    }
}

/// What follows the first seal: each block is present or not, and each
/// present one is followed by its own seal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotTail {
    /// The digest block (3.6+, `zookeeper.digest.enabled`, default true).
    pub digest: Option<ZxidDigest>,
    /// The last processed zxid (3.9+,
    /// `zookeeper.serializeLastProcessedZxid.enabled`, default true).
    ///
    /// ZooKeeper loads take lastProcessedZxid from the file name; this copy
    /// only lets it warn when the two differ.
    pub last_processed_zxid: Option<i64>,
}

/// A whole uncompressed snapshot file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The file header (magic `ZKSN`).
    pub header: FileHeader,
    /// Sessions, ACL cache and nodes.
    pub tree: DataTreeImage,
    /// The optional blocks after the first seal.
    pub tail: SnapshotTail,
}

impl Snapshot {
    /// Decodes a whole uncompressed snapshot, verifying every seal; see
    /// [`SnapshotReader`] for the rules.
    pub fn decode(file: impl Into<Bytes>) -> DecodeResult<Self> {
        let (mut reader, head) = SnapshotReader::open(file)?;
        let mut nodes = Vec::new();
        while let Some(node) = reader.next_node()? {
            nodes.push(node);
        }
        let header = reader.header().clone();
        let tail = reader.finish()?;
        Ok(Self {
            header,
            tree: DataTreeImage { head, nodes },
            tail,
        })
    }

    /// The file's bytes, seals included; decoding them gives `self` back.
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::new();
        let mut w = SnapshotWriter::begin(&self.header, &self.tree.head, &mut out);
        for node in &self.tree.nodes {
            w.node(node, &mut out);
        }
        w.finish(&self.tail, &mut out);
        out.freeze()
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
