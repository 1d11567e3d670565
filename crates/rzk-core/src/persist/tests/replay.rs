//! Replaying what the engine applied gives what the engine has: the same
//! tree, sessions and digests, for every txn kind.

use rzk_proto::txn::{CloseSessionTxn, TxnBody};

use super::golden::{S1, S2, TTL_ON};
use super::roundtrip::rich_tree;
use super::{acls, assert_same_tree, create, snapshot_of, Driver};
use crate::persist::{restore_snapshot, Recovered};
use crate::request::Compat;

#[test]
fn replaying_the_log_from_empty_gives_the_live_tree() {
    let mut d = rich_tree();
    let container = d.eng.tree().node("/app/c").unwrap().persisted().clone();
    // The reaper's deleteContainer (an error txn: /app/c has a child),
    // and an error txn from a refused write.
    d.reap("/app/c");
    d.write(S1, &create("/app", b"", acls()[0].clone(), 0));
    let kinds: Vec<i32> = d.log.iter().map(|e| e.header.txn_type).collect();
    for t in [-10, -11, -1, 2, 5, 7, 14, 15, 19, 21] {
        assert!(kinds.contains(&t), "the log has no txn of type {t}");
    }
    let mut rec = Recovered::empty(TTL_ON);
    for e in &d.log {
        assert_eq!(rec.replay(e), Ok(true));
    }
    assert_eq!(rec.last_zxid, d.zxid);
    assert_eq!(rec.sessions, d.sessions);
    assert_eq!(rec.tree_digest(), d.eng.tree_digest());
    assert_eq!(
        rec.digest_mismatch_count(),
        0,
        "{:?}",
        rec.digest_mismatches()
    );
    assert_same_tree(&rec.tree, d.eng.tree());
    assert_eq!(*rec.tree.node("/app/c").unwrap().persisted(), container);
}

/// A txn whose digest disagrees with the replayed tree is reported, with
/// both values, and replay goes on (ZooKeeper only logs it).
#[test]
fn a_txn_digest_mismatch_is_reported_not_fatal() {
    let d = rich_tree();
    let mut log = d.log.clone();
    let bad = log
        .iter()
        .position(|e| e.digest.is_some() && e.header.zxid > 0x1_0000_0005)
        .unwrap();
    let want = log[bad].digest.as_ref().unwrap().tree_digest;
    log[bad].digest.as_mut().unwrap().tree_digest ^= 1;
    let mut rec = Recovered::empty(TTL_ON);
    for e in &log {
        assert_eq!(rec.replay(e), Ok(true));
    }
    assert_eq!(rec.digest_mismatch_count(), 1);
    let m = rec.digest_mismatch().unwrap();
    assert_eq!(m.zxid, log[bad].header.zxid);
    assert_eq!((m.expected, m.actual), (want ^ 1, want));
    assert_same_tree(&rec.tree, d.eng.tree());
}

/// closeSession without a path list (ZooKeeper before 3.6, or
/// `closeSessionTxn.enabled=false`) deletes the session's ephemerals
/// found in the tree.
#[test]
fn an_old_close_session_deletes_what_the_session_owns() {
    let mut d = Driver::new(TTL_ON);
    d.open_session(S2, 10000);
    d.write(S2, &create("/e1", b"", acls()[0].clone(), 1));
    d.write(S2, &create("/e2", b"", acls()[1].clone(), 1));
    let snap = snapshot_of(d.eng.tree(), &d.session_list(), d.zxid, d.digest(), 1);
    let z = d.zxid;
    d.close_session(S2);
    let mut close = d.log.last().unwrap().clone();
    assert!(
        matches!(&close.body, TxnBody::CloseSession(Some(CloseSessionTxn { paths_to_delete })) if paths_to_delete.len() == 2)
    );
    close.body = TxnBody::CloseSession(None);
    close.digest = None;
    let mut rec = Recovered::from_snapshot(restore_snapshot(snap, TTL_ON).unwrap(), z);
    assert_eq!(rec.sessions.get(&S2), Some(&10000));
    assert_eq!(rec.replay(&close), Ok(true));
    assert!(rec.sessions.is_empty());
    assert!(rec.tree.ephemerals(S2).is_empty());
    assert_same_tree(&rec.tree, d.eng.tree());
}

/// With digests off the engine keeps no digest and a snapshot has no
/// digest block; replay still converges.
#[test]
fn digests_off_writes_no_digest_block() {
    let mut d = Driver::new(TTL_ON);
    d.eng = crate::request::RequestEngine::new(
        crate::tree::DataTree::new(TTL_ON),
        crate::acl::AuthConfig::default(),
        Compat {
            digest_enabled: false,
            ..Compat::default()
        },
    );
    d.open_session(S1, 10000);
    d.write(S1, &create("/x", b"1", acls()[2].clone(), 0));
    let snap = snapshot_of(d.eng.tree(), &d.session_list(), d.zxid, None, 2);
    let r = restore_snapshot(snap, TTL_ON).unwrap();
    assert_eq!(r.digest, None);
    let rec = Recovered::from_snapshot(r, d.zxid);
    assert_same_tree(&rec.tree, d.eng.tree());
    assert!(d.log.iter().all(|e| e.digest.is_none()));
}

/// `hash`'s history: the live engine records the tree digest after every
/// txn whose zxid is a multiple of 0x80, and a replay of its log records
/// the same pairs.
#[test]
fn the_digest_history_is_every_128th_zxid_live_and_replayed() {
    let mut d = Driver::new(TTL_ON);
    d.open_session(S1, 10000);
    let mut want = Vec::new();
    let mut i = 0;
    while d.zxid < 0x1_0000_0180 {
        d.write(S1, &create(&format!("/n{i}"), b"x", acls()[0].clone(), 0));
        i += 1;
        if d.zxid % 0x80 == 0 {
            want.push((d.zxid, d.eng.tree_digest()));
        }
    }
    assert_eq!(want.len(), 3);
    let live: Vec<_> = d.eng.digest_log().entries().collect();
    assert_eq!(live, want);
    assert_eq!(
        d.eng.digest_log().text(),
        want.iter()
            .map(|(z, g)| format!("{z:x}: {g}\n"))
            .collect::<String>()
    );
    let mut rec = Recovered::empty(TTL_ON);
    for e in &d.log {
        assert_eq!(rec.replay(e), Ok(true));
    }
    assert_eq!(rec.digest_log().entries().collect::<Vec<_>>(), want);
}

/// Within a fuzzy snapshot's range (until the replay reaches the zxid of
/// its digest block, that txn included) nothing is recorded, as
/// ZooKeeper's `processTxn` compares there instead of logging.
#[test]
fn no_digest_is_recorded_inside_a_fuzzy_snapshots_range() {
    let mut d = Driver::new(TTL_ON);
    d.open_session(S1, 10000);
    let start = d.zxid;
    let early = d.eng.tree().clone();
    let sessions = d.session_list();
    // The walk finished when the tree was at 0x1_0000_0100.
    let fuzzy_end = 0x1_0000_0100;
    let mut digest_at_end = None;
    let mut i = 0;
    while d.zxid < 0x1_0000_0200 {
        d.write(S1, &create(&format!("/n{i}"), b"x", acls()[0].clone(), 0));
        i += 1;
        if d.zxid == fuzzy_end {
            digest_at_end = Some(d.eng.tree_digest());
        }
    }
    let file = snapshot_of(&early, &sessions, fuzzy_end, digest_at_end, 100);
    let mut rec = Recovered::from_snapshot(restore_snapshot(file, TTL_ON).unwrap(), start);
    for e in &d.log {
        rec.replay(e).unwrap();
    }
    assert_eq!(
        rec.digest_mismatch_count(),
        0,
        "{:?}",
        rec.digest_mismatches()
    );
    let zxids: Vec<i64> = rec.digest_log().entries().map(|(z, _)| z).collect();
    assert_eq!(zxids, [0x1_0000_0180, 0x1_0000_0200]);
    let live: Vec<_> = d.eng.digest_log().entries().skip(2).collect();
    assert_eq!(rec.digest_log().entries().collect::<Vec<_>>(), live);
}
