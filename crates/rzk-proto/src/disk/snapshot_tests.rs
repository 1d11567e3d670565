//! Tests of snapshot files: layout, every seal, every way a file can be
//! broken, the incremental reader and writer, and round trips.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::data::{Acl, Id, StatPersisted};
use crate::disk::header::{FILE_HEADER_LEN, SNAP_MAGIC, TXNLOG_MAGIC};
use crate::disk::seal::{has_checked_tail, CHECKED_TAIL, SEAL_LEN};
use crate::disk::strategies;
use crate::disk::tree::{AclCacheEntry, SessionEntry, SnapNode, TreeHead, OPEN_ACL_UNSAFE_REF};
use crate::disk::{SnapshotReader, SnapshotSource};
use crate::disk::{SnapshotSealer, UnsealedSnapshotWriter};
use crate::jute::{DecodeError, DecodeErrorKind, DecodeResult};

fn node(path: &str, data: Option<&'static [u8]>, acl_ref: i64) -> SnapNode {
    SnapNode {
        path: path.into(),
        data: data.map(Bytes::from_static),
        acl_ref,
        stat: StatPersisted {
            czxid: 3,
            mzxid: 4,
            pzxid: 5,
            ..StatPersisted::default()
        },
    }
}

/// A small tree like a fresh ZooKeeper's, plus one node with an ACL.
fn snapshot(tail: SnapshotTail) -> Snapshot {
    Snapshot {
        header: FileHeader::snapshot(),
        tree: DataTreeImage {
            head: TreeHead {
                sessions: vec![SessionEntry {
                    session_id: 0x1000_0000_0000_0001,
                    timeout: 30000,
                }],
                acl_cache: vec![AclCacheEntry {
                    acl_ref: 1,
                    acls: vec![Acl::new(31, Id::new("digest", "bob:hash"))],
                }],
            },
            nodes: vec![
                node("", None, OPEN_ACL_UNSAFE_REF),
                node("/zookeeper", Some(b""), OPEN_ACL_UNSAFE_REF),
                node("/zookeeper/quota", Some(b""), OPEN_ACL_UNSAFE_REF),
                node("/a", Some(b"hello"), 1),
            ],
        },
        tail,
    }
}

fn full_tail() -> SnapshotTail {
    SnapshotTail {
        digest: Some(ZxidDigest::new(0x42, 0x1234_5678_9abc)),
        last_processed_zxid: Some(0x42),
    }
}

/// Offsets just past each seal of `s`'s encoding.
fn seal_ends(s: &Snapshot) -> Vec<usize> {
    let first = FILE_HEADER_LEN + s.tree.encoded_len() + SEAL_LEN;
    let mut ends = vec![first];
    if let Some(d) = &s.tail.digest {
        ends.push(ends[0] + d.encoded_len() + SEAL_LEN);
    }
    if s.tail.last_processed_zxid.is_some() {
        let last = *ends.last().unwrap_or(&first);
        ends.push(last + 8 + SEAL_LEN);
    }
    ends
}

#[test]
fn layout_is_header_tree_and_seals() {
    let s = snapshot(full_tail());
    let bytes = s.encode();
    assert_eq!(&bytes[..4], b"ZKSN");
    let ends = seal_ends(&s);
    assert_eq!(*ends.last().unwrap(), bytes.len());
    // Each seal is the Adler32 of everything before it, then "/".
    for end in ends {
        let seal_at = end - SEAL_LEN;
        let want = i64::from(adler2::adler32_slice(&bytes[..seal_at]));
        let stored = i64::from_be_bytes(bytes[seal_at..seal_at + 8].try_into().unwrap());
        assert_eq!(stored, want, "seal at {seal_at}");
        assert_eq!(&bytes[end - 5..end], &CHECKED_TAIL);
    }
    assert!(has_checked_tail(&bytes));
    assert_eq!(Snapshot::decode(bytes).unwrap(), s);
}

#[test]
fn every_combination_of_tail_blocks_reads_back() {
    let digests = [None, Some(ZxidDigest::new(7, -1))];
    for digest in digests {
        for last_processed_zxid in [None, Some(9)] {
            let s = snapshot(SnapshotTail {
                digest: digest.clone(),
                last_processed_zxid,
            });
            assert_eq!(Snapshot::decode(s.encode()).unwrap(), s, "{:?}", s.tail);
        }
    }
}

#[test]
fn legacy_hex_digests_read_back() {
    for hex in [Some("abc".to_owned()), Some(String::new()), None] {
        let tail = SnapshotTail {
            digest: Some(ZxidDigest {
                zxid: 5,
                digest_version: 1,
                digest: DigestValue::Hex(hex),
            }),
            last_processed_zxid: Some(5),
        };
        let s = snapshot(tail);
        assert_eq!(Snapshot::decode(s.encode()).unwrap(), s);
    }
}

#[test]
fn a_changed_byte_breaks_the_next_seal() {
    let s = snapshot(full_tail());
    let bytes = s.encode();
    let ends = seal_ends(&s);
    let fields = ["seal", "digestSeal", "lastProcessedZxidSeal"];
    // A byte inside each sealed section, and inside each seal's checksum.
    let mut starts = vec![FILE_HEADER_LEN + 20];
    starts.extend(ends[..2].iter().map(|e| e + 3));
    for (i, &at) in starts.iter().enumerate() {
        for at in [at, ends[i] - SEAL_LEN + 7] {
            let mut bad = BytesMut::from(&bytes[..]);
            bad[at] ^= 0x10;
            let e = Snapshot::decode(bad).unwrap_err();
            assert_eq!(
                (e.record, e.field),
                ("Snapshot", fields[i]),
                "byte {at}: {e}"
            );
            assert_eq!(e.offset, ends[i] - SEAL_LEN, "byte {at}");
            assert!(
                matches!(e.kind, DecodeErrorKind::ChecksumMismatch { .. }),
                "{e}"
            );
        }
    }
}

#[test]
fn truncation_anywhere_but_after_a_seal_is_an_error() {
    let s = snapshot(full_tail());
    let bytes = s.encode();
    let ends = seal_ends(&s);
    for cut in 0..bytes.len() {
        let decoded = Snapshot::decode(bytes.slice(..cut));
        assert_eq!(
            decoded.is_ok(),
            ends.contains(&cut),
            "cut at {cut}: {decoded:?}"
        );
        // ZooKeeper's cheap pre-check rejects every other cut too, except
        // one right after the terminator path, which is also `"/"`: there
        // only the seal check (an EOF) stops the load.
        let terminator_end = ends[0] - SEAL_LEN;
        if !ends.contains(&cut) && cut != terminator_end {
            assert!(!has_checked_tail(&bytes[..cut]), "cut at {cut}");
        }
    }
    // A file cut right after a seal is a snapshot without the later blocks.
    let first = Snapshot::decode(bytes.slice(..ends[0])).unwrap();
    assert_eq!(first.tail, SnapshotTail::default());
    let second = Snapshot::decode(bytes.slice(..ends[1])).unwrap();
    assert_eq!(second.tail.digest, full_tail().digest);
    assert_eq!(second.tail.last_processed_zxid, None);
}

#[test]
fn trailing_bytes_are_an_error() {
    let mut bytes = BytesMut::from(&snapshot(full_tail()).encode()[..]);
    bytes.put_u8(0);
    let e = Snapshot::decode(bytes).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TrailingBytes(1));
}

#[test]
fn bad_magic_is_an_error_at_offset_zero() {
    let mut s = snapshot(full_tail());
    s.header.magic = TXNLOG_MAGIC;
    let e = Snapshot::decode(s.encode()).unwrap_err();
    assert_eq!((e.record, e.field, e.offset), ("FileHeader", "magic", 0));
    assert!(
        matches!(e.kind, DecodeErrorKind::InvalidValue { value, .. } if value == i64::from(TXNLOG_MAGIC))
    );
    s.header.magic = SNAP_MAGIC;
    s.header.version = 3;
    s.header.dbid = 0;
    assert_eq!(
        Snapshot::decode(s.encode()).unwrap(),
        s,
        "version and dbid are not checked"
    );
}

#[test]
fn a_seal_path_other_than_slash_is_an_error() {
    let s = snapshot(SnapshotTail::default());
    let mut bytes = BytesMut::from(&s.encode()[..]);
    let n = bytes.len();
    bytes[n - 1] = b'x';
    let e = Snapshot::decode(bytes).unwrap_err();
    assert_eq!((e.field, e.offset), ("sealPath", n - 5));
}

#[test]
fn bad_node_errors_name_the_node_field() {
    let s = snapshot(SnapshotTail::default());
    let mut bytes = BytesMut::from(&s.encode()[..]);
    let root_at = FILE_HEADER_LEN + s.tree.head.encoded_len();
    // The root's data length (after its 4-byte empty path) becomes -7.
    bytes[root_at + 4..root_at + 8].copy_from_slice(&(-7i32).to_be_bytes());
    let e = Snapshot::decode(bytes).unwrap_err();
    assert_eq!(
        (e.record, e.field, e.offset),
        ("SnapNode", "data", root_at + 4)
    );
}

#[test]
fn the_reader_goes_node_by_node_and_finish_drains_the_rest() {
    let s = snapshot(full_tail());
    let (mut r, head) = SnapshotReader::open(s.encode()).unwrap();
    assert_eq!(head, s.tree.head);
    assert_eq!(r.header(), &s.header);
    assert_eq!(r.next_node().unwrap().as_ref(), Some(&s.tree.nodes[0]));
    assert!(r.position() > FILE_HEADER_LEN);
    // finish() reads the three remaining nodes and still checks the seal.
    assert_eq!(r.finish().unwrap(), full_tail());

    let (mut r, _) = SnapshotReader::open(s.encode()).unwrap();
    let mut n = 0;
    while r.next_node().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, s.tree.nodes.len());
    assert_eq!(r.next_node().unwrap(), None, "stays at the end");
    assert_eq!(r.finish().unwrap(), full_tail());
}

#[test]
fn the_reader_repeats_its_first_error() {
    let s = snapshot(full_tail());
    let bytes = s.encode();
    let root_at = FILE_HEADER_LEN + s.tree.head.encoded_len();
    let (mut r, _) = SnapshotReader::open(bytes.slice(..root_at + 10)).unwrap();
    let e = r.next_node().unwrap_err();
    assert_eq!(r.next_node().unwrap_err(), e);
    assert_eq!(r.finish().unwrap_err(), e);
}

#[test]
fn the_writer_can_be_drained_between_pieces() {
    let s = snapshot(full_tail());
    let mut file = Vec::new();
    let mut out = BytesMut::new();
    let mut w = SnapshotWriter::begin(&s.header, &s.tree.head, &mut out);
    file.extend_from_slice(&out.split());
    for n in &s.tree.nodes {
        w.node(n, &mut out);
        file.extend_from_slice(&out.split());
    }
    w.finish(&s.tail, &mut out);
    file.extend_from_slice(&out.split());
    assert_eq!(file, s.encode());
}

#[test]
fn unsealed_bytes_sealed_apart_are_the_sealed_file() {
    for tail in [
        SnapshotTail::default(),
        full_tail(),
        SnapshotTail {
            digest: Some(ZxidDigest::new(7, -1)),
            last_processed_zxid: None,
        },
    ] {
        let s = snapshot(tail.clone());
        let mut out = BytesMut::new();
        let mut w = UnsealedSnapshotWriter::begin(&s.header, &s.tree.head, &mut out);
        for n in &s.tree.nodes {
            w.node_ref(n.borrowed(), &mut out);
        }
        w.finish(&mut out);
        let body = out.split();
        // The sealer sees the bytes in pieces that cut through records.
        let mut sealer = SnapshotSealer::default();
        for piece in body.chunks(7) {
            sealer.update(piece);
        }
        sealer.seal(&tail, &mut out);
        let mut file = body.to_vec();
        file.extend_from_slice(&out);
        assert_eq!(file, s.encode(), "{tail:?}");
        assert_eq!(Snapshot::decode(Bytes::from(file)).unwrap(), s);
    }
}

#[test]
fn a_max_len_limits_node_data() {
    let mut s = snapshot(SnapshotTail::default());
    s.tree.nodes[3].data = Some(Bytes::from_static(&[7; 17]));
    let (mut r, _) = SnapshotReader::open_with_max_len(s.encode(), 16).unwrap();
    let e = loop {
        match r.next_node() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("17 bytes of data passed a 16-byte limit"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            e.kind,
            DecodeErrorKind::LengthOutOfRange { len: 17, max: 16 }
        ),
        "{e}"
    );
}

proptest! {
    #[test]
    fn snapshots_round_trip(tree in strategies::image(), tail in strategies::tail(), dbid: i64) {
        let s = Snapshot { header: FileHeader { dbid, ..FileHeader::snapshot() }, tree, tail };
        let bytes = s.encode();
        prop_assert!(has_checked_tail(&bytes));
        prop_assert_eq!(Snapshot::decode(bytes).unwrap(), s);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Snapshot::decode(bytes.clone());
        let mut file = BytesMut::new();
        FileHeader::snapshot().write(&mut file);
        file.extend_from_slice(&bytes);
        let _ = Snapshot::decode(file);
    }

    #[test]
    fn a_changed_byte_is_always_detected(
        tree in strategies::image(), at: prop::sample::Index, flip in 1u8..=255,
    ) {
        let s = Snapshot { header: FileHeader::snapshot(), tree, tail: full_tail() };
        let mut bytes = BytesMut::from(&s.encode()[..]);
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        // The first seal covers the header too, and Adler32 catches every
        // single-byte change.
        prop_assert!(Snapshot::decode(bytes).is_err(), "byte {} changed unnoticed", at);
    }
}

/// Hands over a file in pieces whose sizes cycle through `sizes`.
struct Pieces {
    file: Bytes,
    at: usize,
    sizes: Vec<usize>,
    next: usize,
}

impl SnapshotSource for Pieces {
    fn read_piece(&mut self, out: &mut BytesMut) -> bool {
        if self.at == self.file.len() {
            return false;
        }
        let n = self.sizes[self.next % self.sizes.len()].max(1);
        self.next += 1;
        let end = (self.at + n).min(self.file.len());
        out.extend_from_slice(&self.file[self.at..end]);
        self.at = end;
        true
    }
}

type Decoded = (TreeHead, Vec<SnapNode>, SnapshotTail, usize);

/// Everything a reader yields: the head, the nodes, the tail and where it
/// ended, or the first error.
fn drain(opened: DecodeResult<(SnapshotReader, TreeHead)>) -> Result<Decoded, DecodeError> {
    let (mut r, head) = opened?;
    let mut nodes = Vec::new();
    while let Some(n) = r.next_node()? {
        nodes.push(n);
    }
    let end = r.position();
    Ok((head, nodes, r.finish()?, end))
}

fn whole(file: &Bytes) -> Result<Decoded, DecodeError> {
    drain(SnapshotReader::open(file.clone()))
}

fn pieced(file: &Bytes, sizes: Vec<usize>) -> Result<Decoded, DecodeError> {
    let source = Pieces {
        file: file.clone(),
        at: 0,
        sizes,
        next: 0,
    };
    drain(SnapshotReader::open_source(
        Box::new(source),
        crate::jute::DEFAULT_MAX_BUFFER * 2,
    ))
}

#[test]
fn a_file_read_a_byte_at_a_time_decodes_as_the_whole() {
    let file = snapshot(full_tail()).encode();
    let got = pieced(&file, vec![1]).unwrap();
    assert_eq!(got, whole(&file).unwrap());
    assert_eq!(got.1, snapshot(full_tail()).tree.nodes);
}

#[test]
fn a_source_that_stops_early_is_a_truncated_file_at_the_same_offset() {
    let file = snapshot(full_tail()).encode();
    for cut in [0, 3, FILE_HEADER_LEN + 2, file.len() / 2, file.len() - 1] {
        let short = file.slice(..cut);
        let e = pieced(&short, vec![7, 1, 300]).unwrap_err();
        assert_eq!(e, whole(&short).unwrap_err(), "cut at {cut}");
    }
}

#[test]
fn a_large_head_grows_the_window_until_it_decodes() {
    let mut s = snapshot(full_tail());
    s.tree.head.sessions = (0..500)
        .map(|i| SessionEntry {
            session_id: i,
            timeout: 4000,
        })
        .collect();
    let file = s.encode();
    assert_eq!(pieced(&file, vec![64]).unwrap(), whole(&file).unwrap());
}

proptest! {
    #[test]
    fn pieces_of_any_sizes_decode_as_the_whole(
        tree in strategies::image(), tail in strategies::tail(),
        sizes in prop::collection::vec(1usize..200, 1..8),
    ) {
        let file = Snapshot { header: FileHeader::snapshot(), tree, tail }.encode();
        prop_assert_eq!(pieced(&file, sizes), whole(&file));
    }

    #[test]
    fn broken_files_fail_in_pieces_as_they_fail_whole(
        tree in strategies::image(), at: prop::sample::Index, flip in 0u8..=255,
        cut: prop::sample::Index, extra in prop::collection::vec(any::<u8>(), 0..4),
        sizes in prop::collection::vec(1usize..100, 1..8),
    ) {
        let s = Snapshot { header: FileHeader::snapshot(), tree, tail: full_tail() };
        let mut bytes = BytesMut::from(&s.encode()[..]);
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        bytes.truncate(cut.index(bytes.len() + 1).max(at));
        bytes.extend_from_slice(&extra);
        let file = bytes.freeze();
        prop_assert_eq!(pieced(&file, sizes), whole(&file));
    }
}
