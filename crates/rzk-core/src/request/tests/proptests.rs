//! Random write sequences, prepared and applied with random lag: every
//! txn applies without panicking, apply reports the codes prep decided
//! (per op for a multi), each txn's digest is the tree digest once it is
//! applied, and the incremental tree digest equals a full recomputation.

use std::collections::VecDeque;

use bytes::Bytes;
use proptest::prelude::*;
use rzk_proto::client::{
    CheckVersionRequest, CreateRequest, DeleteRequest, MultiOp, MultiRequest, OpResult, Request,
    SetAclRequest, SetDataRequest,
};
use rzk_proto::codes::OpCode;
use rzk_proto::data::{Acl, Id};
use rzk_proto::txn::{SubTxn, TxnBody, TxnEntry};

use super::{txn_err, Harness, S1, S2};
use crate::request::digest::full_tree_digest;
use crate::request::{Caller, Compat, Response};

const PATHS: &[&str] = &[
    "/",
    "/a",
    "/a/b",
    "/a/b/c",
    "/b",
    "/a/",
    "/zookeeper/x",
    "/c",
];

#[derive(Debug, Clone)]
enum Op {
    Create(usize, i32),
    Delete(usize, i32),
    SetData(usize, i32),
    SetAcl(usize, bool),
    Check(usize, i32),
    Multi(Vec<Op>),
    Close,
}

fn leaf() -> impl Strategy<Value = Op> {
    let p = 0..PATHS.len();
    let v = -1..3i32;
    prop_oneof![
        (p.clone(), prop::sample::select(vec![0, 1, 2, 3, 4])).prop_map(|(p, f)| Op::Create(p, f)),
        (p.clone(), v.clone()).prop_map(|(p, v)| Op::Delete(p, v)),
        (p.clone(), v.clone()).prop_map(|(p, v)| Op::SetData(p, v)),
        (p.clone(), any::<bool>()).prop_map(|(p, r)| Op::SetAcl(p, r)),
        (p, v).prop_map(|(p, v)| Op::Check(p, v)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => leaf(),
        2 => prop::collection::vec(leaf(), 0..4).prop_map(Op::Multi),
        1 => Just(Op::Close),
    ]
}

fn multi_op(op: &Op) -> Option<MultiOp> {
    Some(match op {
        Op::Create(p, f) => MultiOp::Create {
            opcode: OpCode::Create2,
            request: CreateRequest {
                path: PATHS[*p].into(),
                data: Some(Bytes::from_static(b"v")),
                acl: Acl::open_unsafe(),
                flags: *f,
            },
        },
        Op::Delete(p, v) => MultiOp::Delete(DeleteRequest {
            path: PATHS[*p].into(),
            version: *v,
        }),
        Op::SetData(p, v) => MultiOp::SetData(SetDataRequest {
            path: PATHS[*p].into(),
            data: None,
            version: *v,
        }),
        Op::Check(p, v) => MultiOp::Check(CheckVersionRequest {
            path: PATHS[*p].into(),
            version: *v,
        }),
        Op::SetAcl(..) | Op::Multi(_) | Op::Close => return None,
    })
}

fn request(op: &Op) -> Option<Request> {
    Some(match op {
        Op::Create(p, f) => Request::Create {
            opcode: OpCode::Create,
            request: CreateRequest {
                path: PATHS[*p].into(),
                data: None,
                acl: Acl::open_unsafe(),
                flags: *f,
            },
        },
        Op::Delete(..) | Op::SetData(..) => match multi_op(op)? {
            MultiOp::Delete(d) => Request::Delete(d),
            MultiOp::SetData(s) => Request::SetData(s),
            _ => return None,
        },
        Op::SetAcl(p, read_only) => Request::SetAcl(SetAclRequest {
            path: PATHS[*p].into(),
            acl: if *read_only {
                Acl::read_unsafe()
            } else {
                Acl::open_unsafe()
            },
            version: -1,
        }),
        Op::Check(..) => return None,
        Op::Multi(ops) => Request::Multi(MultiRequest {
            ops: ops.iter().filter_map(multi_op).collect(),
        }),
        Op::Close => Request::CloseSession,
    })
}

/// Prep's verdict per op, as apply must report it.
fn prep_codes(e: &TxnEntry) -> Vec<i32> {
    match &e.body {
        TxnBody::Multi(subs) => {
            let failed = subs.iter().any(|s| matches!(s, SubTxn::Error(_)));
            subs.iter()
                .map(|s| match s {
                    SubTxn::Error(t) => t.err,
                    _ if failed => 0,
                    _ => 1,
                })
                .collect()
        }
        _ => vec![txn_err(e)],
    }
}

fn applied_codes(e: &TxnEntry, err: i32, response: &Response) -> Vec<i32> {
    match (&e.body, response) {
        (TxnBody::Multi(_), Response::Multi(m)) => m
            .results
            .iter()
            .map(|r| match r {
                OpResult::Error { err } => *err,
                _ => 1,
            })
            .collect(),
        _ => vec![err],
    }
}

fn apply_checked(h: &mut Harness, e: &TxnEntry) -> Result<(), TestCaseError> {
    let a = h.apply(e);
    prop_assert_eq!(
        prep_codes(e),
        applied_codes(e, a.reply.err, &a.reply.response),
        "{:?}",
        e
    );
    if let Some(d) = &e.digest {
        prop_assert_eq!(h.eng.tree_digest(), d.tree_digest, "digest after {:?}", e);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    #[test]
    fn prepared_txns_apply_with_the_codes_prep_decided(
        steps in prop::collection::vec((op(), any::<bool>(), 0..3u8), 1..40),
        v38 in any::<bool>(),
    ) {
        let compat = if v38 { Compat::V3_8_0 } else { Compat::V3_9 };
        let mut h = Harness::with(compat, false);
        let ids = [Id::new("ip", "10.0.0.1")];
        let callers = [Caller::new(S1, &ids), Caller::new(S2, &[])];
        let mut queue: VecDeque<TxnEntry> = VecDeque::new();
        for (op, second, lag) in &steps {
            let caller = callers[usize::from(*second)];
            if let Some(req) = request(op) {
                h.zxid += 1;
                h.time += 1;
                let e = match req {
                    Request::CloseSession => h.eng.prep_close_session(caller.session, 0, h.zxid, h.time),
                    req => match h.eng.prep_write(&caller, 1, h.zxid, h.time, &req) {
                        Ok(e) => e,
                        Err(_) => continue,
                    },
                };
                queue.push_back(e);
            }
            while queue.len() > usize::from(*lag) {
                if let Some(e) = queue.pop_front() {
                    apply_checked(&mut h, &e)?;
                }
            }
        }
        while let Some(e) = queue.pop_front() {
            apply_checked(&mut h, &e)?;
        }
        prop_assert_eq!(h.eng.outstanding_changes(), 0);
        prop_assert_eq!(h.eng.tree_digest(), full_tree_digest(h.eng.tree()) as i64);
    }
}
