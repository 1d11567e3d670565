//! Golden.java's scenario D, written by Apache ZooKeeper's own classes:
//! `disk.snapshot` (FileSnap.serialize of the tree after z1..zb) and
//! `disk.txnlog` (FileTxnLog of z1..zb).

use bytes::Bytes;
use rzk_proto::data::{Acl, Id, StatPersisted};
use rzk_proto::disk::{TxnLogFile, ZxidDigest};
use rzk_proto::jute::Record;
use rzk_proto::txn::TxnEntry;

use super::assert_same_tree;
use super::restore_both as restore_snapshot;
use crate::persist::{Recovered, Restored};
use crate::request::digest::full_tree_digest;
use crate::tree::{EphemeralType, ExtendedTypes};

pub(crate) const S1: i64 = 0x0100_0a3b_c1d2_0000;
pub(crate) const S2: i64 = 0x0100_0a3b_c1d2_0001;
pub(crate) const S3: i64 = 0x0100_0a3b_c1d2_0002;
const T0: i64 = 1_700_000_000_000;
const BIN: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const DIGEST_ID: &str = "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=";
/// The snapshot's name: `snapshot.10000000b`.
pub(crate) const Z_B: i64 = 0x1_0000_000b;
/// Golden.DISK_DIGESTS: the tree digest after each of z1..zb.
pub(crate) const DISK_DIGESTS: [i64; 11] = [
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

/// ZooKeeper ran scenario D with TTL nodes on.
pub(crate) const TTL_ON: ExtendedTypes = ExtendedTypes {
    enabled: true,
    emulate_353: false,
};

fn fixture(hex_text: &str) -> Bytes {
    let clean: String = hex_text.split_whitespace().collect();
    Bytes::from(hex::decode(clean).unwrap())
}

macro_rules! golden {
    ($name:literal) => {
        fixture(include_str!(concat!(
            "../../../../rzk-proto/tests/golden/",
            $name,
            ".hex"
        )))
    };
}

pub(crate) fn golden_snapshot() -> Bytes {
    golden!("disk.snapshot")
}

/// z1..zb as ZooKeeper logged them.
pub(crate) fn golden_log() -> Vec<TxnEntry> {
    let log = TxnLogFile::decode(golden!("disk.txnlog")).unwrap();
    log.entries
        .iter()
        .map(|e| TxnEntry::from_bytes(e.txn.clone()).unwrap())
        .collect()
}

fn restored() -> Restored {
    restore_snapshot(golden_snapshot(), TTL_ON).unwrap()
}

fn digest_all() -> Vec<Acl> {
    vec![Acl::new(31, Id::new("digest", DIGEST_ID))]
}

fn ip_rwcd() -> Vec<Acl> {
    vec![Acl::new(15, Id::new("ip", "127.0.0.1"))]
}

/// Every node, ACL, stat, session and index of the Apache-written
/// snapshot, as Golden.java's scenario-D table lists them.
#[test]
fn apache_snapshot_restores_with_its_content() {
    let r = restored();
    assert_eq!(r.sessions, vec![(S2, 10000), (S3, 40000)]);
    assert_eq!(r.digest, Some(ZxidDigest::new(Z_B, DISK_DIGESTS[10])));
    assert_eq!(r.tree_digest, DISK_DIGESTS[10]);
    assert_eq!(full_tree_digest(&r.tree) as i64, DISK_DIGESTS[10]);
    let t = &r.tree;

    let app = t.node("/app").unwrap();
    assert_eq!(app.data().unwrap().as_ref(), b"world");
    assert_eq!(app.acl().to_vec(), Acl::open_unsafe());
    assert_eq!(
        *app.persisted(),
        StatPersisted {
            czxid: 0x1_0000_0004,
            mzxid: 0x1_0000_0009,
            ctime: T0 + 4000,
            mtime: T0 + 9000,
            version: 1,
            cversion: 4,
            aversion: 0,
            ephemeral_owner: 0,
            pzxid: Z_B,
        }
    );
    assert_eq!(
        t.children("/app").unwrap(),
        ["container", "ttl", "\u{e9}"],
        "name order, not ZooKeeper's hash order"
    );
    let e = t.node("/app/\u{e9}").unwrap();
    assert_eq!(e.data().unwrap().as_ref(), BIN);
    assert_eq!(e.acl().to_vec(), digest_all());
    let c = t.node("/app/container").unwrap();
    assert_eq!(c.data(), None, "null data stays null");
    assert_eq!(c.acl().to_vec(), ip_rwcd());
    assert_eq!(c.kind(), EphemeralType::Container);
    let eph = t.node("/app/container/eph").unwrap();
    assert_eq!(eph.persisted().ephemeral_owner, S2);
    assert_eq!(eph.acl().to_vec(), digest_all());
    let ttl = t.node("/app/ttl").unwrap();
    assert_eq!(ttl.kind(), EphemeralType::Ttl);
    assert_eq!(ttl.data().unwrap().as_ref(), BIN);
    assert!(!t.exists("/app/m"), "deleted by S1's closeSession");
    let config = t.node("/zookeeper/config").unwrap();
    assert_eq!(config.acl().to_vec(), Acl::read_unsafe());
    assert_eq!(config.persisted().aversion, -1);
    assert_eq!(t.node("/zookeeper").unwrap().acl_ref(), -1);
    assert_eq!(t.node("").unwrap().persisted().cversion, 1);

    assert_eq!(t.ephemerals(S2), ["/app/container/eph"]);
    assert_eq!(t.sessions_with_ephemerals(), [S2]);
    assert_eq!(t.containers().collect::<Vec<_>>(), ["/app/container"]);
    assert_eq!(t.ttls().collect::<Vec<_>>(), ["/app/ttl"]);
    assert_eq!(t.znode_count(), 10, "9 nodes, the root counted twice");
    // Σ path + data over ZooKeeper's map, the root as "" and "/".
    let paths = [
        "",
        "/",
        "/app",
        "/app/container",
        "/app/container/eph",
        "/app/\u{e9}",
        "/app/ttl",
        "/zookeeper",
        "/zookeeper/config",
        "/zookeeper/quota",
    ];
    let path_len: i64 = paths.iter().map(|p| p.encode_utf16().count() as i64).sum();
    assert_eq!(t.approximate_data_size(), path_len + 5 + 6 + 6);

    // The ACL section's numbers and their users: 1 READ (/zookeeper/config),
    // 2 OPEN (/app, /app/ttl), 3 DIGEST_ALL (eph, é), 4 IP_RWCD (container).
    let cache = t.acl_cache();
    let uses: Vec<(i64, u64)> = cache.entries().map(|(r, _)| (r, cache.refs(r))).collect();
    assert_eq!(uses, [(1, 1), (2, 2), (3, 2), (4, 1)]);
    assert_eq!(app.acl_ref(), 2);
    assert_eq!(eph.acl_ref(), 3);
}

/// Restoring and then applying new ACLs continues the numbering after the
/// loaded ones, as ZooKeeper's `aclIndex` does.
#[test]
fn new_acls_after_a_restore_get_new_numbers() {
    let mut r = restored();
    r.tree
        .create_node("/app/new", None, &Acl::creator_all(), 0, -1, Z_B + 1, T0)
        .unwrap();
    assert_eq!(r.tree.node("/app/new").unwrap().acl_ref(), 5);
}

/// The snapshot is named after zb and its digest is for zb: nothing to
/// replay, and the digest is checked at once (FileSnap.deserialize).
#[test]
fn a_snapshot_whose_digest_is_for_its_own_zxid_is_checked_on_load() {
    let mut rec = Recovered::from_snapshot(restored(), Z_B);
    assert_eq!(rec.pending_snapshot_digest(), None);
    assert_eq!(rec.digest_mismatch(), None);
    for e in golden_log() {
        assert_eq!(
            rec.replay(&e),
            Ok(false),
            "0x{:x} is in the snapshot",
            e.header.zxid
        );
    }
    assert_eq!(rec.last_zxid, Z_B);

    // The same file with a digest that does not match is reported, not
    // refused.
    let mut r = restored();
    r.digest = Some(ZxidDigest::new(Z_B, 12345));
    let rec = Recovered::from_snapshot(r, Z_B);
    let m = rec.digest_mismatch().unwrap();
    assert_eq!(
        (m.zxid, m.expected, m.actual),
        (Z_B, 12345, DISK_DIGESTS[10])
    );
}

/// ZooKeeper's log replayed over an empty database gives the tree
/// ZooKeeper's snapshot holds, and every txn's digest matches on the way.
#[test]
fn apache_log_replayed_from_empty_gives_apache_snapshot() {
    let mut rec = Recovered::empty(TTL_ON);
    for (i, e) in golden_log().iter().enumerate() {
        assert_eq!(rec.replay(e), Ok(true));
        assert_eq!(rec.tree_digest(), DISK_DIGESTS[i], "after txn {i}");
    }
    assert_eq!(rec.digest_mismatch_count(), 0);
    assert_eq!(rec.last_zxid, Z_B);
    assert_eq!(
        rec.sessions
            .iter()
            .map(|(&s, &t)| (s, t))
            .collect::<Vec<_>>(),
        [(S2, 10000), (S3, 40000)]
    );
    assert_same_tree(&rec.tree, &restored().tree);
}

/// The snapshot taken as if it had been started at z5 and finished at zb
/// (ZooKeeper's fuzzy kind: it already holds z6..zb): replaying z6..zb over
/// it converges, and the digest block is checked when zb is replayed.
#[test]
fn apache_log_replayed_over_a_fuzzy_apache_snapshot_converges() {
    let z5 = 0x1_0000_0005;
    let mut rec = Recovered::from_snapshot(restored(), z5);
    assert_eq!(
        rec.pending_snapshot_digest(),
        Some(&ZxidDigest::new(Z_B, DISK_DIGESTS[10]))
    );
    let mut replayed = Vec::new();
    for e in golden_log() {
        if rec.replay(&e).unwrap() {
            replayed.push(e.header.zxid);
        }
        if e.header.zxid < Z_B {
            assert!(rec.pending_snapshot_digest().is_some());
        }
    }
    assert_eq!(replayed, (z5 + 1..=Z_B).collect::<Vec<_>>());
    assert_eq!(rec.pending_snapshot_digest(), None);
    assert_eq!(
        rec.digest_mismatches(),
        &[],
        "zb's digest, and zb's own txn digest"
    );
    assert_same_tree(&rec.tree, &restored().tree);
}

/// The restored tree written again by the walk is ZooKeeper's file but for
/// sibling order (ZooKeeper's is hash order, rzk's name order): the same
/// sessions, ACL section, nodes with the same numbers and stats, and the
/// same digest block.
#[test]
fn the_walk_rewrites_the_apache_snapshot() {
    use rzk_proto::disk::Snapshot;

    use crate::persist::SnapshotWalk;

    let apache = Snapshot::decode(golden_snapshot()).unwrap();
    let r = restored();
    let mut out = bytes::BytesMut::new();
    let mut walk = SnapshotWalk::begin(&r.tree, &r.sessions, Z_B, &mut out);
    while !walk.step(&r.tree, 2, &mut out, Z_B, Some(r.tree_digest)) {}
    let ours = Snapshot::decode(out.freeze()).unwrap();
    assert_eq!(ours.header, apache.header);
    assert_eq!(ours.tree.head, apache.tree.head);
    assert_eq!(ours.tail, apache.tail);
    let mut theirs = apache.tree.nodes.clone();
    theirs.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(ours.tree.nodes, theirs);
}
