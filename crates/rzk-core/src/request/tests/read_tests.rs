//! Reads (§3.6, §3.8): permission checks, watch registration rules, getACL
//! masking, watch-table requests, multiRead.

use rzk_proto::client::{
    AddWatchRequest, CheckWatchesRequest, ExistsRequest, GetAclRequest,
    GetAllChildrenNumberRequest, GetChildrenRequest, GetDataRequest, GetEphemeralsRequest, MultiOp,
    MultiRequest, OpResult, RemoveWatchesRequest, Request, SetWatches, SyncRequest,
};
use rzk_proto::codes::{ErrorCode, EventType};
use rzk_proto::data::{Acl, Id};

use super::{anyone, create, create_acl, ip, Harness, S1};
use crate::request::{Caller, Compat, Disposition, Response};

fn exists(path: &str, watch: bool) -> Request {
    Request::Exists(ExistsRequest {
        path: path.into(),
        watch,
    })
}

#[test]
fn exists_on_a_missing_node_leaves_a_watch() {
    let mut h = Harness::new();
    let r = h.eng.read(1, &anyone(), &exists("/x", true));
    assert_eq!(r.reply.err, -101);
    assert_eq!(r.reply.response, Response::Empty);
    let (_, a) = h.write(&anyone(), &create("/x", 0));
    assert_eq!(a.notifications.len(), 1);
    assert_eq!(
        a.notifications[0].event.event_type,
        EventType::NodeCreated.code()
    );
    assert_eq!(
        h.eng.read(1, &anyone(), &exists("/x\0", false)).reply.err,
        -8
    );
}

#[test]
fn exists_needs_read_on_an_existing_node_from_3_8_4() {
    for (compat, want) in [(Compat::V3_9, -102), (Compat::V3_8_0, 0)] {
        let mut h = Harness::with(compat, false);
        let acl = vec![Acl::new(31, Id::new("digest", "u:h"))];
        h.code(&anyone(), &create_acl("/s", 0, acl));
        let r = h.eng.read(1, &anyone(), &exists("/s", true));
        assert_eq!(r.reply.err, want);
        assert_eq!(h.eng.watches().watch_count(), usize::from(want == 0));
    }
}

#[test]
fn get_data_and_children_on_a_missing_node_set_no_watch() {
    let mut h = Harness::new();
    let gd = Request::GetData(GetDataRequest {
        path: "/m".into(),
        watch: true,
    });
    let gc = Request::GetChildren(GetChildrenRequest {
        path: "/m".into(),
        watch: true,
    });
    assert_eq!(h.eng.read(1, &anyone(), &gd).reply.err, -101);
    assert_eq!(h.eng.read(1, &anyone(), &gc).reply.err, -101);
    assert_eq!(h.eng.watches().watch_count(), 0);
    // And without READ: NoAuth, no watch.
    h.code(
        &anyone(),
        &create_acl("/m", 0, vec![Acl::new(2, Id::anyone())]),
    );
    assert_eq!(h.eng.read(1, &anyone(), &gd).reply.err, -102);
    assert_eq!(h.eng.watches().watch_count(), 0);
}

#[test]
fn get_acl_masks_digest_ids_without_admin() {
    let mut h = Harness::new();
    let digest = Id::new("digest", "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=");
    let acl = vec![Acl::new(1, Id::anyone()), Acl::new(31, digest.clone())];
    h.code(&anyone(), &create_acl("/g", 0, acl.clone()));
    let req = Request::GetAcl(GetAclRequest { path: "/g".into() });
    let r = h.eng.read(1, &anyone(), &req);
    let Response::GetAcl(got) = r.reply.response else {
        panic!()
    };
    assert_eq!(got.acl[1].id, Id::new("digest", "user:x"));
    let ids = [digest];
    let r = h.eng.read(1, &Caller::new(S1, &ids), &req);
    let Response::GetAcl(got) = r.reply.response else {
        panic!()
    };
    assert_eq!(got.acl, acl);
    h.code(
        &anyone(),
        &create_acl("/w", 0, vec![Acl::new(2, Id::anyone())]),
    );
    let req = Request::GetAcl(GetAclRequest { path: "/w".into() });
    assert_eq!(h.eng.read(1, &anyone(), &req).reply.err, -102);
}

#[test]
fn counts_ephemerals_who_am_i_sync_and_zxid() {
    let mut h = Harness::new();
    let n = Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: "/".into() });
    let r = h.eng.read(1, &anyone(), &n);
    assert_eq!(
        r.reply.response,
        Response::AllChildrenNumber(rzk_proto::client::GetAllChildrenNumberResponse {
            total_number: 3
        })
    );
    h.code(&anyone(), &create("/app", 0));
    h.code(&anyone(), &create("/app/e1", 1));
    h.code(&anyone(), &create("/ap", 1));
    let eph = |prefix: Option<&str>| {
        Request::GetEphemerals(GetEphemeralsRequest {
            prefix_path: prefix.map(str::to_owned),
        })
    };
    let r = h.eng.read(1, &anyone(), &eph(Some("/app")));
    let Response::Ephemerals(e) = r.reply.response else {
        panic!()
    };
    assert_eq!(e.ephemerals, ["/app/e1"]);
    let r = h.eng.read(1, &anyone(), &eph(Some(" / ")));
    let Response::Ephemerals(e) = r.reply.response else {
        panic!()
    };
    assert_eq!(e.ephemerals, ["/ap", "/app/e1"]);
    let ids = [ip(), Id::new("digest", "user:abc")];
    let r = h.eng.read(1, &Caller::new(S1, &ids), &Request::WhoAmI);
    let Response::WhoAmI(w) = r.reply.response else {
        panic!()
    };
    assert_eq!(w.client_info[1].user, "user");
    let r = h.eng.read(
        1,
        &anyone(),
        &Request::Sync(SyncRequest { path: "/x".into() }),
    );
    assert!(matches!(r.reply.response, Response::Sync(ref s) if s.path == "/x"));
    assert_eq!(r.reply.zxid, h.eng.last_processed_zxid());
}

#[test]
fn check_remove_and_add_watches() {
    let mut h = Harness::new();
    let check = Request::CheckWatches(CheckWatchesRequest {
        path: "/w".into(),
        watcher_type: 2,
    });
    let remove = Request::RemoveWatches(RemoveWatchesRequest {
        path: "/w".into(),
        watcher_type: 3,
    });
    assert_eq!(h.eng.read(1, &anyone(), &check).reply.err, -121);
    h.eng.read(1, &anyone(), &exists("/w", true));
    assert_eq!(
        h.eng.read(2, &anyone(), &check).reply.err,
        -121,
        "other connection"
    );
    assert_eq!(h.eng.read(1, &anyone(), &check).reply.err, 0);
    assert_eq!(h.eng.read(1, &anyone(), &remove).reply.err, 0);
    assert_eq!(h.eng.read(1, &anyone(), &remove).reply.err, -121);
    let add = Request::AddWatch(AddWatchRequest {
        path: "/".into(),
        mode: 1,
    });
    let r = h.eng.read(3, &anyone(), &add);
    assert_eq!(r.reply.encode(5).len(), 16 + 4, "ErrorResponse(0) body");
    let (_, a) = h.write(&anyone(), &create("/deep", 0));
    assert_eq!(a.notifications.len(), 1);
    let (_, a) = h.write(&anyone(), &create("/deep/er", 0));
    assert_eq!(a.notifications.len(), 1, "recursive watches stay");
    let bad = Request::AddWatch(AddWatchRequest {
        path: "/".into(),
        mode: 7,
    });
    assert_eq!(h.eng.read(3, &anyone(), &bad).reply.err, -5);
}

#[test]
fn set_watches_catches_up_before_its_reply() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/a", 0));
    let req = Request::SetWatches(SetWatches {
        relative_zxid: 0,
        data_watches: vec!["/a".into(), "/gone".into()],
        exist_watches: vec!["/a".into(), "/later".into()],
        child_watches: vec![],
    });
    let r = h.eng.read(1, &anyone(), &req);
    let kinds: Vec<i32> = r.notifications.iter().map(|n| n.event.event_type).collect();
    assert_eq!(kinds, [3, 2, 1]);
    assert!(r.notifications.iter().all(|n| n.zxid == -1));
    let (_, a) = h.write(&anyone(), &create("/later", 0));
    assert_eq!(a.notifications.len(), 1);
}

#[test]
fn multi_read_answers_each_op_on_its_own() {
    let mut h = Harness::new();
    let req = Request::MultiRead(MultiRequest {
        ops: vec![
            MultiOp::GetData(GetDataRequest {
                path: "/zookeeper".into(),
                watch: true,
            }),
            MultiOp::GetChildren(GetChildrenRequest {
                path: "/nope".into(),
                watch: false,
            }),
            MultiOp::GetChildren(GetChildrenRequest {
                path: "/zookeeper".into(),
                watch: false,
            }),
        ],
    });
    let r = h.eng.read(1, &anyone(), &req);
    let Response::Multi(m) = r.reply.response else {
        panic!()
    };
    assert!(matches!(m.results[0], OpResult::GetData { .. }));
    assert_eq!(m.results[1], OpResult::Error { err: -101 });
    assert_eq!(
        m.results[2],
        OpResult::GetChildren {
            children: vec!["config".into(), "quota".into()]
        }
    );
    assert_eq!(h.eng.watches().watch_count(), 0, "watch flags ignored");
}

#[test]
fn session_errors_and_unknown_requests() {
    let mut h = Harness::new();
    let moved = Caller {
        session_error: Some(ErrorCode::SessionMoved),
        ..anyone()
    };
    let r = h.eng.read(1, &moved, &exists("/", false));
    assert_eq!(r.reply.disposition, Disposition::CloseWithoutReply);
    let r = h.eng.read(1, &anyone(), &create("/x", 0));
    assert_eq!(r.reply.err, -6);
    assert_eq!(r.reply.disposition, Disposition::ReplyThenClose);
}
