//! Apply: replies, watch triggers through apply (order, one-shot, dedup),
//! the READ delivery filter, closeSession's ephemerals, replay.

use std::collections::BTreeMap;

use bytes::Bytes;
use rzk_proto::client::{
    ExistsRequest, GetChildrenRequest, GetDataRequest, Request, SetAclRequest,
};
use rzk_proto::codes::EventType;
use rzk_proto::data::{Acl, Id};
use rzk_proto::txn::{CreateTxn, TxnBody, TxnEntry};

use super::{anyone, create, create_acl, delete, set_data, Harness, S1, S2};
use crate::request::{Caller, Compat, Disposition, Response};
use crate::watch::{ConnId, Notification};

fn exists_watch(h: &mut Harness, conn: ConnId, path: &str) {
    let req = Request::Exists(ExistsRequest {
        path: path.into(),
        watch: true,
    });
    h.eng.read(conn, &anyone(), &req);
}

fn child_watch(h: &mut Harness, conn: ConnId, path: &str) {
    let req = Request::GetChildren(GetChildrenRequest {
        path: path.into(),
        watch: true,
    });
    h.eng.read(conn, &anyone(), &req);
}

fn events(notes: &[Notification]) -> Vec<(ConnId, i32, &str)> {
    notes
        .iter()
        .map(|n| (n.conn, n.event.event_type, n.event.path.as_str()))
        .collect()
}

const CREATED: i32 = EventType::NodeCreated.code();
const DELETED: i32 = EventType::NodeDeleted.code();
const CHANGED: i32 = EventType::NodeDataChanged.code();
const CHILDREN: i32 = EventType::NodeChildrenChanged.code();

#[test]
fn create_fires_node_created_then_parent_children_changed_once() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/p", 0));
    exists_watch(&mut h, 1, "/p/c");
    child_watch(&mut h, 2, "/p");
    let (e, a) = h.write(&anyone(), &create("/p/c", 0));
    assert_eq!(
        events(&a.notifications),
        [(1, CREATED, "/p/c"), (2, CHILDREN, "/p")]
    );
    assert!(a.notifications.iter().all(|n| n.zxid == e.header.zxid));
    // One-shot: nothing fires again.
    h.code(&anyone(), &delete("/p/c", -1));
    let (_, a) = h.write(&anyone(), &create("/p/c", 0));
    assert!(a.notifications.is_empty(), "{a:?}");
}

#[test]
fn root_children_changed_is_reported_on_slash() {
    let mut h = Harness::new();
    child_watch(&mut h, 9, "/");
    let (_, a) = h.write(&anyone(), &create("/x", 0));
    assert_eq!(events(&a.notifications), [(9, CHILDREN, "/")]);
}

#[test]
fn delete_fires_once_per_connection_and_the_parent() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/p", 0));
    h.code(&anyone(), &create("/p/c", 0));
    exists_watch(&mut h, 1, "/p/c");
    child_watch(&mut h, 1, "/p/c");
    child_watch(&mut h, 2, "/p/c");
    child_watch(&mut h, 3, "/p");
    let (_, a) = h.write(&anyone(), &delete("/p/c", -1));
    assert_eq!(
        events(&a.notifications),
        [
            (1, DELETED, "/p/c"),
            (2, DELETED, "/p/c"),
            (3, CHILDREN, "/p")
        ]
    );
}

#[test]
fn set_data_fires_data_changed_and_set_acl_fires_nothing() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/n", 0));
    exists_watch(&mut h, 1, "/n");
    let req = Request::SetAcl(SetAclRequest {
        path: "/n".into(),
        acl: Acl::open_unsafe(),
        version: -1,
    });
    let (_, a) = h.write(&anyone(), &req);
    assert!(a.notifications.is_empty());
    let (_, a) = h.write(&anyone(), &set_data("/n", -1));
    assert_eq!(events(&a.notifications), [(1, CHANGED, "/n")]);
    let Response::SetData(r) = a.reply.response else {
        panic!()
    };
    assert_eq!(r.stat.version, 1);
}

#[test]
fn events_need_read_on_the_node_and_the_parent_for_children() {
    let digest = Id::new("digest", "u:h");
    let acl = vec![Acl::new(31, digest.clone())];
    // Debian's 3.8.0 carries the CVE-2024-23944 filter too (found by the
    // differential test), so both profiles filter; 3.8 sends zxid -1.
    for compat in [Compat::V3_9, Compat::V3_8_0] {
        let mut h = Harness::with(compat, false);
        let su = [Id::new("super", "")];
        let admin = Caller::new(S1, &su);
        h.code(&admin, &create_acl("/s", 0, acl.clone()));
        exists_watch(&mut h, 1, "/s/c");
        exists_watch(&mut h, 2, "/s/c");
        let req = Request::GetChildren(GetChildrenRequest {
            path: "/s".into(),
            watch: true,
        });
        let ids = [digest.clone()];
        h.eng.read(3, &Caller::new(S1, &ids), &req);
        h.eng.read(4, &admin, &req);
        let conns: BTreeMap<ConnId, Vec<Id>> =
            [(2, vec![digest.clone()]), (3, vec![digest.clone()])]
                .into_iter()
                .collect();
        // The child is world-readable, its parent is not.
        let e = h.prep(&admin, &create("/s/c", 0));
        let a = h.apply_with(&e, &conns);
        let got = events(&a.notifications);
        assert_eq!(
            got,
            [
                (1, CREATED, "/s/c"),
                (2, CREATED, "/s/c"),
                (3, CHILDREN, "/s")
            ]
        );
        if compat == Compat::V3_8_0 {
            assert!(a.notifications.iter().all(|n| n.zxid == -1), "3.8 sends -1");
        }
    }
}

#[test]
fn close_session_deletes_ephemerals_including_pending_ones_and_fires() {
    let mut h = Harness::new();
    let s2 = Caller::new(S2, &[]);
    h.code(&anyone(), &create("/e1", 1));
    h.code(&s2, &create("/other", 1));
    exists_watch(&mut h, 5, "/e1");
    let pending = h.prep(&anyone(), &create("/e2", 1));
    h.zxid += 1;
    let close = h.eng.prep_close_session(S1, 0, h.zxid, h.time);
    let TxnBody::CloseSession(Some(t)) = &close.body else {
        panic!("{close:?}")
    };
    assert_eq!(t.paths_to_delete, ["/e1", "/e2"]);
    h.apply(&pending);
    child_watch(&mut h, 6, "/");
    let a = h.apply(&close);
    assert_eq!(a.reply.disposition, Disposition::ReplyThenClose);
    assert_eq!(
        events(&a.notifications),
        [(5, DELETED, "/e1"), (6, CHILDREN, "/")]
    );
    assert_eq!(h.eng.tree().children("/").unwrap(), ["other", "zookeeper"]);
    assert_eq!(h.eng.outstanding_changes(), 0);
    assert_eq!(h.eng.tree_digest(), close.digest.unwrap().tree_digest);
}

/// `closeSessionTxn.enabled=false`: the closeSession txn carries no path
/// list (ZooKeeper before 3.6), and applying it still deletes the
/// session's ephemerals, found in the tree.
#[test]
fn without_close_session_txns_the_close_carries_no_paths_and_still_deletes() {
    let compat = Compat {
        close_session_txn: false,
        ..Compat::default()
    };
    let mut h = Harness::with(compat, false);
    h.code(&anyone(), &create("/e1", 1));
    h.zxid += 1;
    let close = h.eng.prep_close_session(S1, 0, h.zxid, h.time);
    assert!(
        matches!(close.body, TxnBody::CloseSession(None)),
        "{close:?}"
    );
    h.apply(&close);
    assert!(!h.eng.tree().exists("/e1"));
    assert_eq!(h.eng.tree_digest(), close.digest.unwrap().tree_digest);
}

#[test]
fn replayed_create_only_fixes_the_parent() {
    let mut h = Harness::new();
    let (e, _) = h.write(&anyone(), &create("/a", 0));
    let before = h.eng.tree().node("/").unwrap().persisted().clone();
    let a = h.apply(&e);
    assert_eq!(a.reply.err, -110);
    assert_eq!(h.eng.tree().node("/").unwrap().persisted(), &before);
    // A snapshot that has the node but an older parent: the replay raises
    // the parent's cversion and pzxid.
    let later = TxnEntry::new(
        S1,
        9,
        e.header.zxid + 5,
        0,
        TxnBody::Create(CreateTxn {
            path: "/a".into(),
            data: Some(Bytes::new()),
            acl: Acl::open_unsafe(),
            ephemeral: false,
            parent_cversion: 7,
        }),
        None,
    );
    h.apply(&later);
    let root = h.eng.tree().node("/").unwrap().persisted().clone();
    assert_eq!((root.cversion, root.pzxid), (7, e.header.zxid + 5));
}

#[test]
fn get_data_watch_is_one_shot_through_apply() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/d", 0));
    let req = Request::GetData(GetDataRequest {
        path: "/d".into(),
        watch: true,
    });
    h.eng.read(1, &anyone(), &req);
    h.eng.read(1, &anyone(), &req);
    let (_, a) = h.write(&anyone(), &set_data("/d", -1));
    assert_eq!(a.notifications.len(), 1);
    let (_, a) = h.write(&anyone(), &set_data("/d", -1));
    assert!(a.notifications.is_empty());
}

/// ZooKeeper's closeSession prep (digests on) gives each ephemeral's parent
/// a new pzxid but keeps its child count, so until the close is applied a
/// delete of that parent is NotEmpty.
#[test]
fn pending_close_session_keeps_the_parents_child_count() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/p", 0));
    h.code(&anyone(), &create("/p/e", 1));
    h.zxid += 1;
    let close = h.eng.prep_close_session(S1, 0, h.zxid, h.time);
    let s2 = Caller::new(S2, &[]);
    let del = h.prep(&s2, &delete("/p", -1));
    assert_eq!(super::txn_err(&del), -111);
    h.apply(&close);
    h.apply(&del);
    assert_eq!(h.code(&s2, &delete("/p", -1)), 0);
}

#[test]
fn set_acl_expands_auth_to_the_callers_ids() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/n", 0));
    let ids = [
        super::ip(),
        Id::new("digest", "user:abc"),
        Id::new("super", ""),
    ];
    let req = Request::SetAcl(SetAclRequest {
        path: "/n".into(),
        acl: vec![Acl::new(31, Id::new("auth", ""))],
        version: -1,
    });
    let (e, a) = h.write(&Caller::new(S1, &ids), &req);
    assert_eq!(a.reply.err, 0);
    let TxnBody::SetAcl(t) = e.body else { panic!() };
    assert_eq!(t.acl, [Acl::new(31, Id::new("digest", "user:abc"))]);
}
