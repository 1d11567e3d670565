//! multi (§3.7): one zxid, ops seeing earlier ops, failure at each
//! position, rollback of the pending changes, result types by version.

use bytes::Bytes;
use rzk_proto::client::{
    CheckVersionRequest, CreateRequest, DeleteRequest, GetDataRequest, MultiOp, MultiRequest,
    OpResult, Request, SetDataRequest,
};
use rzk_proto::codes::OpCode;
use rzk_proto::data::Acl;
use rzk_proto::txn::{SubTxn, TxnBody};

use super::{anyone, create, exists_path, txn_err, Harness};
use crate::request::{Compat, Response};

fn op_create(path: &str, flags: i32) -> MultiOp {
    op_create_as(OpCode::Create, path, flags)
}

fn op_create_as(opcode: OpCode, path: &str, flags: i32) -> MultiOp {
    MultiOp::Create {
        opcode,
        request: CreateRequest {
            path: path.into(),
            data: Some(Bytes::from_static(b"m")),
            acl: Acl::open_unsafe(),
            flags,
        },
    }
}

fn op_delete(path: &str) -> MultiOp {
    MultiOp::Delete(DeleteRequest {
        path: path.into(),
        version: -1,
    })
}

fn multi(ops: Vec<MultiOp>) -> Request {
    Request::Multi(MultiRequest { ops })
}

fn results(r: &Response) -> &[OpResult] {
    match r {
        Response::Multi(m) => &m.results,
        other => panic!("{other:?}"),
    }
}

#[test]
fn ops_see_earlier_ops_and_share_one_zxid() {
    let mut h = Harness::new();
    let req = multi(vec![
        op_create("/a", 0),
        op_create("/a/b", 0),
        MultiOp::SetData(SetDataRequest {
            path: "/a/b".into(),
            data: None,
            version: 0,
        }),
        MultiOp::Check(CheckVersionRequest {
            path: "/a/b".into(),
            version: 1,
        }),
    ]);
    let (e, a) = h.write(&anyone(), &req);
    assert_eq!(e.header.txn_type, 14);
    let TxnBody::Multi(subs) = &e.body else {
        panic!()
    };
    assert!(
        subs.iter().all(|s| !matches!(s, SubTxn::Error(_))),
        "{subs:?}"
    );
    assert_eq!(a.reply.err, 0);
    let r = results(&a.reply.response);
    assert!(matches!(&r[0], OpResult::Create { path } if path == "/a"));
    assert!(
        matches!(&r[2], OpResult::SetData { stat } if stat.version == 1 && stat.mzxid == e.header.zxid)
    );
    assert_eq!(r[3], OpResult::Check);
    let stat = h.eng.tree().stat("/a/b").unwrap();
    assert_eq!((stat.czxid, stat.mzxid), (e.header.zxid, e.header.zxid));
    assert_eq!(h.eng.tree_digest(), e.digest.unwrap().tree_digest);
}

#[test]
fn failure_at_each_position_applies_nothing() {
    for fail_at in 0..4 {
        let mut h = Harness::new();
        let before = h.eng.tree_digest();
        let ops = (0..4)
            .map(|i| {
                if i == fail_at {
                    op_delete("/nope")
                } else {
                    op_create(&format!("/m{i}"), 0)
                }
            })
            .collect();
        let (e, a) = h.write(&anyone(), &multi(ops));
        let TxnBody::Multi(subs) = &e.body else {
            panic!()
        };
        for (i, s) in subs.iter().enumerate() {
            match i.cmp(&fail_at) {
                std::cmp::Ordering::Less => assert!(matches!(s, SubTxn::Create(_)), "{s:?}"),
                std::cmp::Ordering::Equal => assert_eq!(s.op_code(), OpCode::Error),
                std::cmp::Ordering::Greater => assert_eq!(s.op_code(), OpCode::Error),
            }
        }
        assert_eq!(a.reply.err, 0, "a failed multi reports 0 in its header");
        let want: Vec<OpResult> = (0..4)
            .map(|i| OpResult::Error {
                err: match i.cmp(&fail_at) {
                    std::cmp::Ordering::Less => 0,
                    std::cmp::Ordering::Equal => -101,
                    std::cmp::Ordering::Greater => -2,
                },
            })
            .collect();
        assert_eq!(results(&a.reply.response), want.as_slice());
        assert_eq!(h.eng.tree().children("/").unwrap(), ["zookeeper"]);
        assert_eq!(e.digest.unwrap().tree_digest, before, "digest unchanged");
        assert_eq!(h.eng.tree_digest(), before);
        assert_eq!(h.eng.last_processed_zxid(), e.header.zxid, "zxid consumed");
    }
}

#[test]
fn failed_multi_rolls_back_its_pending_changes_but_not_earlier_ones() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/q", 0));
    // Pending (not applied): /q/s-0000000000 and the parent's cversion 1.
    let first = h.prep(&anyone(), &create("/q/s-", 2));
    let failed = h.prep(
        &anyone(),
        &multi(vec![
            op_create("/r", 0),
            op_create("/q/s-", 2),
            op_delete("/nope"),
        ]),
    );
    let TxnBody::Multi(subs) = &failed.body else {
        panic!()
    };
    let SubTxn::Create(t) = &subs[1] else {
        panic!()
    };
    assert_eq!(t.path, "/q/s-0000000001");
    // /r is gone from the pending state, /q's record is the first create's.
    let r = h.prep(&anyone(), &create("/r", 0));
    assert_eq!(txn_err(&r), 0, "{r:?}");
    let next = h.prep(&anyone(), &create("/q/s-", 2));
    let TxnBody::Create(t) = &next.body else {
        panic!()
    };
    assert_eq!(t.path, "/q/s-0000000001");
    for e in [&first, &failed, &r, &next] {
        h.apply(e);
    }
    assert_eq!(
        h.eng.tree().children("/q").unwrap(),
        ["s-0000000000", "s-0000000001"]
    );
    assert!(exists_path(&h, "/r"));
    assert_eq!(h.eng.outstanding_changes(), 0);
}

#[test]
fn create2_in_multi_is_type_15_with_stat_in_3_9_and_type_1_in_3_8_0() {
    let req = multi(vec![op_create_as(OpCode::Create2, "/c", 0)]);
    let mut h = Harness::new();
    let (e, a) = h.write(&anyone(), &req);
    let TxnBody::Multi(subs) = &e.body else {
        panic!()
    };
    assert_eq!(subs[0].op_code(), OpCode::Create2);
    assert!(
        matches!(&results(&a.reply.response)[0], OpResult::Create2 { path, stat } if path == "/c" && stat.czxid == e.header.zxid)
    );
    let mut h = Harness::with(Compat::V3_8_0, false);
    let (e, a) = h.write(&anyone(), &req);
    let TxnBody::Multi(subs) = &e.body else {
        panic!()
    };
    assert_eq!(subs[0].op_code(), OpCode::Create);
    assert_eq!(
        results(&a.reply.response),
        [OpResult::Create { path: "/c".into() }]
    );
}

#[test]
fn container_flags_pick_the_container_opcode_in_a_multi() {
    let mut h = Harness::new();
    let (e, a) = h.write(&anyone(), &multi(vec![op_create("/k", 4)]));
    let TxnBody::Multi(subs) = &e.body else {
        panic!()
    };
    assert_eq!(subs[0].op_code(), OpCode::CreateContainer);
    assert!(matches!(
        &results(&a.reply.response)[0],
        OpResult::Create2 { .. }
    ));
}

#[test]
fn empty_multi_and_undecodable_multi() {
    let mut h = Harness::new();
    let (e, a) = h.write(&anyone(), &multi(vec![]));
    assert_eq!(e.body, TxnBody::Multi(vec![]));
    assert!(e.digest.is_some());
    assert_eq!(results(&a.reply.response), []);
    let read = MultiOp::GetData(GetDataRequest {
        path: "/".into(),
        watch: false,
    });
    let (e, a) = h.write(&anyone(), &multi(vec![read]));
    assert_eq!(txn_err(&e), -5);
    assert_eq!(a.reply.err, -5);
    let (e, _) = h.write(&anyone(), &multi(vec![op_create("/bad", 9)]));
    assert_eq!(txn_err(&e), -5, "3.9: bad flags fail the whole multi");
    let mut h = Harness::with(Compat::V3_8_0, false);
    let (_, a) = h.write(&anyone(), &multi(vec![op_create("/bad", 9)]));
    assert_eq!(results(&a.reply.response), [OpResult::Error { err: -8 }]);
}

/// §3.2's check row, inside a multi: session → validatePath → node exists
/// → READ → version.
#[test]
fn check_order_inside_multi() {
    let mut h = Harness::new();
    h.code(
        &anyone(),
        &super::create_acl("/w", 0, vec![Acl::new(2, rzk_proto::data::Id::anyone())]),
    );
    let check = |path: &str, version| {
        multi(vec![MultiOp::Check(CheckVersionRequest {
            path: path.into(),
            version,
        })])
    };
    let expired = crate::request::Caller {
        session_error: Some(rzk_proto::codes::ErrorCode::SessionExpired),
        ..anyone()
    };
    let first_err = |h: &mut Harness, c: &crate::request::Caller, r: &Request| {
        let (_, a) = h.write(c, r);
        match results(&a.reply.response) {
            [OpResult::Error { err }] => *err,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(first_err(&mut h, &expired, &check("/a/", 0)), -112);
    let c = anyone();
    assert_eq!(first_err(&mut h, &c, &check("/no/", 0)), -8);
    assert_eq!(first_err(&mut h, &c, &check("/no", 0)), -101);
    assert_eq!(first_err(&mut h, &c, &check("/w", 5)), -102);
    assert_eq!(first_err(&mut h, &c, &check("/zookeeper", 5)), -103);
}

#[test]
fn multi_events_come_in_op_order_with_the_multi_zxid() {
    let mut h = Harness::new();
    let watch = |h: &mut Harness, p: &str| {
        let req = Request::Exists(rzk_proto::client::ExistsRequest {
            path: p.into(),
            watch: true,
        });
        h.eng.read(1, &anyone(), &req);
    };
    watch(&mut h, "/x");
    watch(&mut h, "/y");
    let (e, a) = h.write(
        &anyone(),
        &multi(vec![op_create("/y", 0), op_create("/x", 0)]),
    );
    let paths: Vec<&str> = a
        .notifications
        .iter()
        .map(|n| n.event.path.as_str())
        .collect();
    assert_eq!(paths, ["/y", "/x"]);
    assert!(a.notifications.iter().all(|n| n.zxid == e.header.zxid));
}
