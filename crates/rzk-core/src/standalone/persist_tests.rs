//! The standalone server with durable storage around it: the txns it hands
//! the shell are exactly the ones it applied, snapshots taken between
//! request batches load back, and a restarted server continues where the
//! old one stopped.

use std::num::NonZeroU32;

use bytes::{Bytes, BytesMut};
use rzk_proto::client::{CreateRequest, DeleteRequest, Request, RequestHeader, SetDataRequest};
use rzk_proto::codes::{CreateMode, OpCode};
use rzk_proto::data::Acl;
use rzk_proto::disk::{SnapshotSealer, ZxidDigest};
use rzk_proto::jute::Record;
use rzk_proto::txn::{TxnBody, TxnEntry};

use super::tests::{call, connect, create, now, sends};
use super::{Standalone, StandaloneConfig};
use crate::persist::tests::assert_same_tree;
use crate::persist::{restore_snapshot, Recovered};
use crate::session::initial_session_id;
use crate::shell::Now;
use crate::tree::ExtendedTypes;

fn config() -> StandaloneConfig {
    StandaloneConfig::with_tick_time(NonZeroU32::new(2000).unwrap())
}

fn container(path: &str) -> Request {
    Request::Create {
        opcode: OpCode::CreateContainer,
        request: CreateRequest {
            path: path.into(),
            data: None,
            acl: Acl::open_unsafe(),
            flags: CreateMode::Container.code(),
        },
    }
}

fn delete(path: &str) -> Request {
    Request::Delete(DeleteRequest {
        path: path.into(),
        version: -1,
    })
}

fn set(path: &str, data: &'static [u8]) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: Some(Bytes::from_static(data)),
        version: -1,
    })
}

/// Replays `txns` over an empty database.
fn replay_all(txns: &[TxnEntry]) -> Recovered {
    let mut rec = Recovered::empty(ExtendedTypes::default());
    for t in txns {
        assert_eq!(rec.replay(t), Ok(true), "0x{:x}", t.header.zxid);
    }
    rec
}

/// Every kind of txn a standalone server produces, by way of frames and
/// ticks: createSession, creates, setData, a refused write (error txn), a
/// write whose body does not decode (error txn), deleteContainer from the
/// reaper, closeSession from a client and from expiry.
fn busy_server() -> Standalone {
    let mut s = Standalone::new(config(), now(0));
    connect(&mut s, 1, 0);
    connect(&mut s, 2, 0);
    call(&mut s, 1, 1, &create("/a", CreateMode::Persistent), 10);
    call(&mut s, 1, 2, &create("/a", CreateMode::Persistent), 11); // NodeExists
    call(&mut s, 2, 1, &create("/a/e", CreateMode::Ephemeral), 12);
    call(&mut s, 1, 3, &set("/a", b"v2"), 13);
    call(&mut s, 1, 4, &container("/c"), 14);
    call(&mut s, 1, 5, &create("/c/x", CreateMode::Persistent), 15);
    call(&mut s, 1, 6, &delete("/c/x"), 16);
    let mut bad = RequestHeader {
        xid: 7,
        opcode: OpCode::Create.code(),
    }
    .to_bytes()
    .to_vec();
    bad.push(0xff);
    s.frame(1, Bytes::from(bad), now(17));
    // Session 2 expires (30 s timeout, nothing heard from it); /c is
    // reaped at the first container check (60 s).
    for t in [20_000, 40_000, 61_000] {
        call(&mut s, 1, 8, &set("/a", b"v3"), t);
        s.tick(now(t));
    }
    call(&mut s, 1, 9, &Request::CloseSession, 62_000);
    s
}

#[test]
fn take_txns_returns_exactly_the_applied_txns() {
    let mut s = busy_server();
    let txns = s.take_txns();
    assert!(s.take_txns().is_empty(), "taken once");
    let zxids: Vec<i64> = txns.iter().map(|t| t.header.zxid).collect();
    assert_eq!(
        zxids,
        (1..=s.last_zxid()).collect::<Vec<_>>(),
        "every zxid, in order"
    );
    let types: Vec<i32> = txns.iter().map(|t| t.header.txn_type).collect();
    for t in [-10, 1, -1, 5, 19, 2, 20, -11] {
        assert!(types.contains(&t), "no txn of type {t}: {types:?}");
    }
    assert!(
        txns.iter()
            .any(|t| t.body == TxnBody::Error(rzk_proto::txn::ErrorTxn { err: -5 })),
        "the undecodable write"
    );
    assert_eq!(txns.iter().filter(|t| t.header.txn_type == -11).count(), 2);
    // Replayed, they give the server's state exactly.
    let rec = replay_all(&txns);
    assert_eq!(rec.digest_mismatch_count(), 0);
    assert_same_tree(&rec.tree, s.engine().tree());
    assert_eq!(rec.tree_digest(), s.engine().tree_digest());
    assert!(rec.sessions.is_empty());
    assert_eq!(s.sessions().global_session_count(), 0);
    assert!(!rec.tree.exists("/c"), "reaped");
}

/// A frozen snapshot, written in steps while requests keep changing the
/// tree, holds exactly the state at its zxid; loaded and replayed, it
/// restarts a server whose state is the old one's; the recovered sessions
/// are tracked, expire, and take their ephemerals.
#[test]
fn a_server_restored_from_its_snapshot_and_log_carries_on() {
    let mut s = Standalone::new(config(), now(0));
    let c1 = connect(&mut s, 1, 0);
    let c2 = connect(&mut s, 2, 0);
    for i in 0..30 {
        call(
            &mut s,
            1,
            i,
            &create(&format!("/n{i:02}"), CreateMode::Persistent),
            1,
        );
    }
    call(&mut s, 2, 1, &create("/n05/e", CreateMode::Ephemeral), 2);
    let mut log = s.take_txns();

    let frozen = s.freeze_snapshot();
    let z = frozen.zxid();
    assert_eq!(z, s.last_zxid());
    let (digest_at_z, tree_at_z) = (s.engine().tree_digest(), s.engine().tree().clone());
    let mut file = BytesMut::new();
    let mut walk = frozen.begin(&mut file);
    let mut step = 0;
    let tail = loop {
        if let Some(tail) = walk.step(4, &mut file) {
            break tail;
        }
        // Writes between steps, ahead of and behind the walk.
        step += 1;
        call(
            &mut s,
            1,
            100 + step,
            &set(&format!("/n{:02}", (step * 7) % 30), b"x"),
            3,
        );
        call(
            &mut s,
            1,
            200 + step,
            &delete(&format!("/n{:02}", 29 - step)),
            3,
        );
        call(
            &mut s,
            2,
            300 + step,
            &create(&format!("/n05/e{step}"), CreateMode::Ephemeral),
            3,
        );
    };
    assert!(step > 3, "the walk took several steps");
    assert_eq!(walk.step(4, &mut BytesMut::new()), Some(tail.clone()));
    let mut sealer = SnapshotSealer::default();
    sealer.update(&file);
    sealer.seal(&tail, &mut file);
    let file = file.freeze();
    // Exactly the state at z, none of the writes made while it was written.
    let at_z = restore_snapshot(file.clone(), ExtendedTypes::default()).unwrap();
    assert_eq!(at_z.digest, Some(ZxidDigest::new(z, digest_at_z)));
    let at_z = Recovered::from_snapshot(at_z, z);
    assert_same_tree(&at_z.tree, &tree_at_z);
    assert_eq!(at_z.tree_digest(), digest_at_z);
    call(&mut s, 1, 999, &create("/after", CreateMode::Persistent), 4);
    log.extend(s.take_txns());

    let restored = restore_snapshot(file, ExtendedTypes::default()).unwrap();
    let mut rec = Recovered::from_snapshot(restored, z);
    for t in &log {
        rec.replay(t).unwrap();
    }
    assert_eq!(rec.digest_mismatches(), &[]);
    assert_eq!(rec.pending_snapshot_digest(), None);

    let later = Now {
        wall_ms: 1_800_000_000_000,
        mono_ms: 5,
    };
    let mut b = Standalone::restore(config(), rec, later);
    assert!(b.take_txns().is_empty(), "nothing to clean up");
    assert_eq!(b.last_zxid(), s.last_zxid());
    assert_eq!(b.engine().tree_digest(), s.engine().tree_digest());
    assert_same_tree(b.engine().tree(), s.engine().tree());
    let mut ids: Vec<i64> = b.sessions().sessions().map(|x| x.id).collect();
    ids.sort();
    assert_eq!(ids, [c1.session_id, c2.session_id]);
    for x in b.sessions().sessions() {
        assert_eq!(x.timeout, 30_000);
        assert!(
            x.expires_at > later.mono_ms + 30_000,
            "the timeout runs from the restart"
        );
    }

    // The next write gets the next zxid.
    connect(&mut b, 7, 10);
    let out = call(&mut b, 7, 1, &create("/new", CreateMode::Persistent), 11);
    assert_eq!(sends(&out, 7).len(), 1);
    let txns = b.take_txns();
    assert_eq!(
        txns.iter().map(|t| t.header.zxid).collect::<Vec<_>>(),
        [s.last_zxid() + 1, s.last_zxid() + 2]
    );

    // Nobody comes back for the old sessions: they expire through
    // closeSession txns, and session 2's ephemerals go with them.
    assert!(!b.engine().tree().ephemerals(c2.session_id).is_empty());
    b.tick(Now {
        wall_ms: later.wall_ms + 40_000,
        mono_ms: 40_000,
    });
    let closes: Vec<i64> = b
        .take_txns()
        .iter()
        .filter(|t| t.header.txn_type == -11)
        .map(|t| t.header.client_id)
        .collect();
    assert_eq!(
        closes.len(),
        3,
        "both old sessions and the one of connection 7"
    );
    assert!(closes.contains(&c1.session_id) && closes.contains(&c2.session_id));
    assert!(b.engine().tree().ephemerals(c2.session_id).is_empty());
    assert!(!b.engine().tree().exists("/n05/e"));
}

/// New session ids skip the recovered ones, even when the restart's clock
/// would produce exactly those ids.
#[test]
fn new_session_ids_do_not_collide_with_recovered_ones() {
    let t = 0x4242;
    let mut rec = Recovered::empty(ExtendedTypes::default());
    let first = initial_session_id(t, 1);
    rec.sessions.insert(first, 30_000);
    rec.sessions.insert(first + 1, 30_000);
    let mut s = Standalone::restore(config(), rec, now(t));
    let r = connect(&mut s, 1, t);
    assert_eq!(r.session_id, first + 2);
}

/// An ephemeral whose owner is not among the recovered sessions: its
/// session is closed on restore (ZooKeeperServer.loadData kills it), with
/// a txn the shell logs.
#[test]
fn ephemerals_of_unknown_sessions_are_removed_on_restore() {
    let mut s = Standalone::new(config(), now(0));
    let c = connect(&mut s, 1, 0);
    call(&mut s, 1, 1, &create("/e", CreateMode::Ephemeral), 1);
    let rec = replay_all(&s.take_txns());
    let mut rec = rec;
    rec.sessions.clear(); // as if the session table had been lost
    let mut b = Standalone::restore(config(), rec, now(5));
    let txns = b.take_txns();
    assert_eq!(txns.len(), 1);
    assert_eq!(txns[0].header.txn_type, -11);
    assert_eq!(txns[0].header.client_id, c.session_id);
    assert_eq!(txns[0].header.zxid, s.last_zxid() + 1);
    assert!(!b.engine().tree().exists("/e"));
}
