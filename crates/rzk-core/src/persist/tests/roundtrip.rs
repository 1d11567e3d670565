//! A tree built by the request engine, written by the walk in steps of
//! every size, loaded back: the same tree.

use bytes::BytesMut;
use rzk_proto::client::{CreateRequest, MultiOp};
use rzk_proto::codes::OpCode;
use rzk_proto::disk::{has_checked_tail, Snapshot, ZxidDigest};

use super::golden::{S1, S2, S3, TTL_ON};
use super::{
    acls, assert_same_tree, check, create, create_ttl, delete, multi, set_acl, set_data,
    snapshot_of, Driver,
};
use crate::persist::{restore_snapshot, Recovered, SnapshotWalk};

/// Every kind of node and change the engine makes: persistent,
/// ephemeral, sequential, container, TTL nodes; null, empty, binary and
/// non-ASCII data and names; ACLs shared, replaced and released; multi;
/// deletes; a closed session; quota nodes.
pub(crate) fn rich_tree() -> Driver {
    let mut d = Driver::new(TTL_ON);
    let a = acls();
    d.open_session(S1, 30000);
    d.open_session(S2, 10000);
    d.open_session(S3, 40000);
    d.write(S1, &create("/app", b"hello", a[0].clone(), 0));
    d.write(
        S1,
        &create("/app/\u{e9}t\u{e9}", &[0, 1, 0xff], a[1].clone(), 0),
    );
    d.write(S1, &create("/app/seq-", b"", a[2].clone(), 2));
    d.write(S1, &create("/app/seq-", b"", a[3].clone(), 2));
    d.write(S2, &create("/app/eph", b"e", a[4].clone(), 1));
    d.write(S3, &create("/app/eph-seq-", b"", a[0].clone(), 3));
    d.write(S1, &create("/app/c", b"", a[0].clone(), 4));
    d.write(S2, &create("/app/c/e", b"", a[2].clone(), 1));
    d.write(S1, &create_ttl("/app/t", b"ttl", 60000));
    d.write(S1, &set_data("/app", None));
    d.write(S1, &set_data("/app/t", Some(b"")));
    d.write(S1, &set_acl("/app/\u{e9}t\u{e9}", a[2].clone()));
    d.write(S1, &set_acl("/app/t", a[3].clone()));
    d.write(S1, &create("/gone", b"x", a[1].clone(), 0));
    d.write(S1, &delete("/gone"));
    d.write(
        S1,
        &multi(vec![
            MultiOp::Create {
                opcode: OpCode::Create,
                request: CreateRequest {
                    path: "/m".into(),
                    data: None,
                    acl: a[4].clone(),
                    flags: 0,
                },
            },
            check("/app", 1),
            MultiOp::SetData(rzk_proto::client::SetDataRequest {
                path: "/m".into(),
                data: Some(bytes::Bytes::from_static(b"multi")),
                version: 0,
            }),
        ]),
    );
    // A failed multi: nothing of it applies.
    d.write(
        S1,
        &multi(vec![
            MultiOp::Create {
                opcode: OpCode::Create,
                request: CreateRequest {
                    path: "/never".into(),
                    data: None,
                    acl: a[0].clone(),
                    flags: 0,
                },
            },
            check("/app", 99),
        ]),
    );
    d.write(S1, &create("/zookeeper/quota/app", b"", a[0].clone(), 0));
    d.write(
        S1,
        &create(
            "/zookeeper/quota/app/zookeeper_limits",
            b"count=100,bytes=1000",
            a[0].clone(),
            0,
        ),
    );
    d.write(
        S1,
        &create(
            "/zookeeper/quota/app/zookeeper_stats",
            b"count=0,bytes=0",
            a[0].clone(),
            0,
        ),
    );
    d.write(S1, &create("/app/after-quota", b"12345", a[0].clone(), 0));
    d.write(S3, &create("/s3", b"", a[1].clone(), 1));
    d.close_session(S3);
    d.write(S1, &create("/deep", b"", a[0].clone(), 0));
    let mut p = String::from("/deep");
    for i in 0..20 {
        p.push_str(&format!("/{i}"));
        d.write(S1, &create(&p, b"d", a[i % 3].clone(), 0));
    }
    d
}

#[test]
fn an_unsealed_walk_sealed_by_its_writer_is_the_same_file() {
    let d = rich_tree();
    let tree = d.eng.tree();
    let sessions = d.session_list();
    let whole = snapshot_of(tree, &sessions, d.zxid, d.digest(), usize::MAX);
    for budget in [1, 5, 1000] {
        // The writer's side: drains what each step appended, sums it, and
        // seals once the walk is done.
        let mut out = BytesMut::new();
        let mut file = Vec::new();
        let mut sealer = rzk_proto::disk::SnapshotSealer::default();
        let mut walk = SnapshotWalk::begin_unsealed(tree, &sessions, d.zxid, &mut out);
        loop {
            let done = walk.step(tree, budget, &mut out, d.zxid, d.digest());
            let piece = out.split();
            sealer.update(&piece);
            file.extend_from_slice(&piece);
            if done {
                break;
            }
        }
        let tail = walk.take_tail().expect("an unsealed walk keeps its tail");
        assert_eq!(walk.take_tail(), None);
        sealer.seal(&tail, &mut out);
        file.extend_from_slice(&out);
        assert_eq!(file, whole, "budget {budget}");
    }
    // A sealed walk keeps no tail to take.
    let mut out = BytesMut::new();
    let mut walk = SnapshotWalk::begin(tree, &sessions, d.zxid, &mut out);
    while !walk.step(tree, 1000, &mut out, d.zxid, d.digest()) {}
    assert_eq!(walk.take_tail(), None);
    assert_eq!(out.freeze(), whole);
}

#[test]
fn any_step_size_writes_the_same_file_and_it_loads_back_equal() {
    let d = rich_tree();
    let tree = d.eng.tree();
    let zxid = d.zxid;
    let sessions = d.session_list();
    let whole = snapshot_of(tree, &sessions, zxid, d.digest(), usize::MAX);
    for budget in [0, 1, 2, 3, 7, 100] {
        let stepped = snapshot_of(tree, &sessions, zxid, d.digest(), budget);
        assert_eq!(stepped, whole, "budget {budget}");
    }
    assert!(has_checked_tail(&whole));
    let decoded = Snapshot::decode(whole.clone()).unwrap();
    assert_eq!(
        decoded.tail.digest,
        Some(ZxidDigest::new(zxid, d.eng.tree_digest()))
    );
    assert_eq!(
        decoded.tail.last_processed_zxid, None,
        "3.8 writes no zxid block"
    );
    assert_eq!(decoded.tree.nodes[0].path, "", "the root first");
    assert_eq!(decoded.tree.nodes.len(), tree.znode_count() - 1);

    let r = restore_snapshot(whole, TTL_ON).unwrap();
    assert_eq!(r.tree_digest, d.eng.tree_digest());
    assert_eq!(r.sessions, sessions);
    assert_same_tree(&r.tree, tree);
    let rec = Recovered::from_snapshot(r, zxid);
    assert_eq!(rec.digest_mismatch(), None);
    assert_eq!(rec.pending_snapshot_digest(), None);
    assert!(rec.tree.ephemerals(S3).is_empty());
    assert_eq!(rec.tree.ephemerals(S2), ["/app/c/e", "/app/eph"]);
}

/// The quota stats node is recounted from the loaded tree
/// (`DataTree.setupQuota`), whatever the file says.
#[test]
fn quota_usage_is_recounted_on_load() {
    let mut d = rich_tree();
    let stats = "/zookeeper/quota/app/zookeeper_stats";
    let (mut count, mut bytes) = (0, 0);
    d.eng.tree().visit_subtree("/app", |_, n| {
        count += 1;
        bytes += n.data().map_or(0, |b| b.len());
    });
    let usage = format!("count={count},bytes={bytes}");
    let live = d.eng.tree().node(stats).unwrap().data().cloned().unwrap();
    assert_eq!(
        live,
        usage.as_bytes(),
        "the live count is right to begin with"
    );
    // A client may overwrite the stats node; a restart recounts it.
    d.write(S1, &set_data(stats, Some(b"count=0,bytes=0")));
    let snap = snapshot_of(d.eng.tree(), &d.session_list(), d.zxid, d.digest(), 3);
    let mut r = restore_snapshot(snap, TTL_ON).unwrap();
    assert_eq!(r.tree.node(stats).unwrap().data(), Some(&live));
    // And the quota is tracked again from there.
    r.tree
        .create_node(
            "/app/new",
            Some(bytes::Bytes::from_static(b"abc")),
            &acls()[0],
            0,
            -1,
            d.zxid + 1,
            0,
        )
        .unwrap();
    let after = format!("count={},bytes={}", count + 1, bytes + 3);
    assert_eq!(
        r.tree.node(stats).unwrap().data().unwrap(),
        after.as_bytes()
    );
}
