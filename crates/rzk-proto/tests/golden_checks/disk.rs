//! Golden checks for the on-disk formats (PROTOCOL.md §5.6, §6): file
//! headers, a txn log and a snapshot written by ZooKeeper's own
//! `FileTxnLog` and `FileSnap`, and the SNAP body a leader streams, all of
//! Golden.java's scenario D (see `golden.rs`).

use bytes::{BufMut, Bytes, BytesMut};
use rzk_proto::data::{Acl, StatPersisted};
use rzk_proto::disk::{
    has_checked_tail, padded_log_size, parse_log_file_name, parse_snapshot_file_name, txn_checksum,
    AclCacheEntry, DataTreeImage, FileHeader, LogEnd, SessionEntry, SnapBody, SnapCompression,
    SnapNode, Snapshot, SnapshotTail, TreeHead, TxnLogFile, ZxidDigest, ENTRY_OVERHEAD,
    FILE_HEADER_LEN, OPEN_ACL_UNSAFE_REF,
};
use rzk_proto::jute::{Reader, Record};

use super::common::{roundtrip, Check};
use super::values::{bin, bytes, digest_all, ip_rwcd, open, S1, S2, S3, T0};

/// Every fixture this module checks.
pub const CHECKS: &[Check] = &[
    ("disk.FileHeader.log", file_header_log),
    ("disk.FileHeader.snap", file_header_snap),
    ("disk.txnlog", txn_log),
    ("disk.snapshot", snapshot),
    ("quorum.snapbody", snap_body),
];

fn file_header_log(bytes: &[u8]) {
    roundtrip(bytes, &FileHeader::txn_log());
}

fn file_header_snap(bytes: &[u8]) {
    roundtrip(bytes, &FileHeader::snapshot());
}

/// Golden.DISK_DIGESTS: the tree digest after each scenario-D txn.
const DISK_DIGESTS: [i64; 11] = [
    0x51c6_d660,
    0x51c6_d660,
    0x51c6_d660,
    0xfc5f_1a23,
    0xd2a9_d939,
    0x2_2816_2fbf,
    0x2_4828_1dea,
    0x3_01fc_ab23,
    0x3_2611_2077,
    0x2_c91f_be38,
    0x2_31d2_b154,
];

/// Scenario D's txn headers: (clientId, cxid, time offset from T0, type);
/// the zxids run 0x100000001 to 0x10000000b.
const DISK_TXNS: [(i64, i32, i64, i32); 11] = [
    (S1, 0, 1000, -10),
    (S2, 0, 2000, -10),
    (S3, 0, 3000, -10),
    (S1, 1, 4000, 1),
    (S1, 2, 5000, 15),
    (S1, 3, 6000, 19),
    (S1, 4, 7000, 21),
    (S2, 1, 8000, 1),
    (S1, 5, 9000, 5),
    (S1, 6, 10000, 14),
    (S1, 7, 11000, -11),
];

/// `log.100000001` as FileTxnLog wrote it with preAllocSize 8192: the
/// header, scenario D's eleven entries, then zeros up to 16 + 8192 bytes.
///
/// The txn bytes are opaque to the disk module; here their TxnHeader
/// (first 32 bytes) and TxnDigest trailer (last 12) are read by hand to
/// show each entry is the txn Golden.java appended, in order.
fn txn_log(file: &[u8]) {
    assert_eq!(parse_log_file_name("log.100000001"), Some(0x1_0000_0001));
    let log = TxnLogFile::decode(Bytes::copy_from_slice(file)).unwrap();
    assert_eq!(log.header, FileHeader::txn_log());
    assert_eq!(log.entries.len(), DISK_TXNS.len());

    let mut offset = FILE_HEADER_LEN;
    for (i, e) in log.entries.iter().enumerate() {
        let zxid = 0x1_0000_0001 + i as i64;
        assert_eq!(e.offset, offset, "entry {i}");
        assert_eq!(e.checksum, txn_checksum(&e.txn), "entry {i}");
        assert_eq!(e.checksum >> 32, 0, "entry {i}: upper half of the checksum");
        let (client_id, cxid, dt, kind) = DISK_TXNS[i];
        let mut r = Reader::new(e.txn.clone());
        assert_eq!(r.read_long("clientId").unwrap(), client_id, "entry {i}");
        assert_eq!(r.read_int("cxid").unwrap(), cxid, "entry {i}");
        assert_eq!(r.read_long("zxid").unwrap(), zxid, "entry {i}");
        assert_eq!(r.read_long("time").unwrap(), T0 + dt, "entry {i}");
        assert_eq!(r.read_int("type").unwrap(), kind, "entry {i}");
        let trailer = &e.txn[e.txn.len() - 12..];
        let mut digest = Vec::new();
        digest.put_i32(2);
        digest.put_i64(DISK_DIGESTS[i]);
        assert_eq!(trailer, &digest[..], "entry {i}: TxnDigest");
        offset += ENTRY_OVERHEAD + e.txn.len();
    }

    assert_eq!(log.end, LogEnd::Padding { offset });
    assert!(file[offset..].iter().all(|&b| b == 0), "padding is zeros");
    // FilePadding grew the fresh file (size 16 after its header) once,
    // before the first append.
    assert_eq!(file.len() as u64, padded_log_size(16, 16, 8192));
    assert_eq!(padded_log_size(offset as u64, 8208, 8192), 8208);

    let mut again = BytesMut::from(&log.encode()[..]);
    assert_eq!(again.len(), offset);
    again.put_bytes(0, file.len() - offset);
    assert_eq!(hex::encode(&again), hex::encode(file), "re-encoded log");
}

fn stat(czxid: i64, mzxid: i64, ctime: i64, mtime: i64) -> StatPersisted {
    StatPersisted {
        czxid,
        mzxid,
        ctime: T0 + ctime,
        mtime: T0 + mtime,
        pzxid: czxid,
        ..StatPersisted::default()
    }
}

fn node(path: &str, data: Option<Bytes>, acl_ref: i64, stat: StatPersisted) -> SnapNode {
    SnapNode {
        path: path.into(),
        data,
        acl_ref,
        stat,
    }
}

/// Scenario D's data tree as `DataTree.serialize` writes it (the table in
/// Golden.java's scenario-D comment), with sessions S2 and S3 still open.
fn scenario_d() -> DataTreeImage {
    let empty = || Some(Bytes::new());
    let root = StatPersisted {
        cversion: 1,
        pzxid: 0x1_0000_0004,
        ..StatPersisted::default()
    };
    let app = StatPersisted {
        version: 1,
        cversion: 4,
        pzxid: 0x1_0000_000b,
        ..stat(0x1_0000_0004, 0x1_0000_0009, 4000, 9000)
    };
    let container = StatPersisted {
        cversion: 1,
        ephemeral_owner: i64::MIN,
        pzxid: 0x1_0000_0008,
        ..stat(0x1_0000_0006, 0x1_0000_0006, 6000, 6000)
    };
    let eph = StatPersisted {
        ephemeral_owner: S2,
        ..stat(0x1_0000_0008, 0x1_0000_0008, 8000, 8000)
    };
    let ttl = StatPersisted {
        version: 1,
        // TTL nodes: 0xff in the top byte, the ttl (60000 ms) below.
        ephemeral_owner: (0xffu64 << 56 | 60000) as i64,
        ..stat(0x1_0000_0007, 0x1_0000_000a, 7000, 10000)
    };
    let config = StatPersisted {
        aversion: -1,
        ..StatPersisted::default()
    };
    DataTreeImage {
        head: TreeHead {
            sessions: vec![
                SessionEntry {
                    session_id: S2,
                    timeout: 10000,
                },
                SessionEntry {
                    session_id: S3,
                    timeout: 40000,
                },
            ],
            acl_cache: vec![
                AclCacheEntry {
                    acl_ref: 1,
                    acls: Acl::read_unsafe(),
                },
                AclCacheEntry {
                    acl_ref: 2,
                    acls: open(),
                },
                AclCacheEntry {
                    acl_ref: 3,
                    acls: digest_all(),
                },
                AclCacheEntry {
                    acl_ref: 4,
                    acls: ip_rwcd(),
                },
            ],
        },
        nodes: vec![
            node("", empty(), OPEN_ACL_UNSAFE_REF, root),
            node("/app", Some(bytes("world")), 2, app),
            node("/app/container", None, 4, container),
            node("/app/container/eph", None, 3, eph),
            node(
                "/app/\u{e9}",
                Some(bin()),
                3,
                stat(0x1_0000_0005, 0x1_0000_0005, 5000, 5000),
            ),
            node("/app/ttl", Some(bin()), 2, ttl),
            node(
                "/zookeeper",
                empty(),
                OPEN_ACL_UNSAFE_REF,
                StatPersisted::default(),
            ),
            node("/zookeeper/config", empty(), 1, config),
            node(
                "/zookeeper/quota",
                empty(),
                OPEN_ACL_UNSAFE_REF,
                StatPersisted::default(),
            ),
        ],
    }
}

/// `snapshot.10000000b` as FileSnap.serialize wrote it (ZooKeeper 3.8:
/// digest block, no last-processed-zxid block).
fn snapshot(file: &[u8]) {
    assert_eq!(
        parse_snapshot_file_name("snapshot.10000000b"),
        Some((0x1_0000_000b, SnapCompression::Checked))
    );
    assert!(has_checked_tail(file));
    let expected = Snapshot {
        header: FileHeader::snapshot(),
        tree: scenario_d(),
        tail: SnapshotTail {
            digest: Some(ZxidDigest::new(0x1_0000_000b, DISK_DIGESTS[10])),
            last_processed_zxid: None,
        },
    };
    let decoded = Snapshot::decode(Bytes::copy_from_slice(file)).unwrap();
    assert_eq!(decoded.header, expected.header);
    assert_eq!(decoded.tree.head.sessions, expected.tree.head.sessions);
    assert_eq!(decoded.tree.head.acl_cache, expected.tree.head.acl_cache);
    assert_eq!(decoded.tree.nodes.len(), expected.tree.nodes.len());
    for (got, want) in decoded.tree.nodes.iter().zip(&expected.tree.nodes) {
        assert_eq!(got, want, "node {:?}", want.path);
    }
    assert_eq!(decoded.tail, expected.tail);
    assert_eq!(
        hex::encode(expected.encode()),
        hex::encode(file),
        "re-encoded snapshot"
    );
}

/// The SNAP body of scenario D: the same image as the snapshot, without
/// header or seals, then "BenWasHere".
fn snap_body(bytes: &[u8]) {
    let expected = SnapBody { tree: scenario_d() };
    let decoded = SnapBody::from_bytes(Bytes::copy_from_slice(bytes)).unwrap();
    for (got, want) in decoded.tree.nodes.iter().zip(&expected.tree.nodes) {
        assert_eq!(got, want, "node {:?}", want.path);
    }
    roundtrip(bytes, &expected);
}
