//! Tests of the request pipeline, with shared helpers.

mod apply_tests;
mod golden;
mod multi_tests;
mod prep_tests;
mod proptests;
mod read_tests;

use bytes::Bytes;
use rzk_proto::client::{CreateRequest, DeleteRequest, Request, SetDataRequest};
use rzk_proto::codes::OpCode;
use rzk_proto::data::{Acl, Id};
use rzk_proto::txn::{TxnBody, TxnEntry};

use super::{Applied, Caller, Compat, ConnAuth, NoConnAuth, RequestEngine};
use crate::acl::AuthConfig;
use crate::tree::{DataTree, ExtendedTypes};

pub(super) const S1: i64 = 0x0100_0a3b_c1d2_0000;
pub(super) const S2: i64 = 0x0100_0a3b_c1d2_0001;
pub(super) const T0: i64 = 1_700_000_000_000;

/// An engine plus a zxid counter and clock, for driving writes.
pub(super) struct Harness {
    pub(super) eng: RequestEngine,
    pub(super) zxid: i64,
    pub(super) time: i64,
}

impl Harness {
    pub(super) fn new() -> Self {
        Self::with(Compat::default(), false)
    }

    pub(super) fn with(compat: Compat, ttl: bool) -> Self {
        let tree = DataTree::new(ExtendedTypes {
            enabled: ttl,
            emulate_353: false,
        });
        Self {
            eng: RequestEngine::new(tree, AuthConfig::default(), compat),
            zxid: 0x1_0000_0000,
            time: T0,
        }
    }

    /// Prepares a write with the next zxid (not applied).
    pub(super) fn prep(&mut self, caller: &Caller, req: &Request) -> TxnEntry {
        self.zxid += 1;
        self.time += 1000;
        match self.eng.prep_write(caller, 1, self.zxid, self.time, req) {
            Ok(e) => e,
            Err(r) => panic!("rejected: {r:?}"),
        }
    }

    pub(super) fn apply(&mut self, e: &TxnEntry) -> Applied {
        self.eng.apply(e, &NoConnAuth)
    }

    pub(super) fn apply_with(&mut self, e: &TxnEntry, conns: &dyn ConnAuth) -> Applied {
        self.eng.apply(e, conns)
    }

    /// Prepares and applies; returns the reply's err (failed multi: 0).
    pub(super) fn write(&mut self, caller: &Caller, req: &Request) -> (TxnEntry, Applied) {
        let e = self.prep(caller, req);
        let a = self.apply(&e);
        (e, a)
    }

    /// Prep error code of a single write (0 when it became a real txn).
    pub(super) fn code(&mut self, caller: &Caller, req: &Request) -> i32 {
        let (e, a) = self.write(caller, req);
        assert_eq!(
            txn_err(&e),
            a.reply.err,
            "prep and apply disagree on {req:?}"
        );
        a.reply.err
    }
}

pub(super) fn anyone() -> Caller<'static> {
    Caller::new(S1, &[])
}

pub(super) fn txn_err(e: &TxnEntry) -> i32 {
    match &e.body {
        TxnBody::Error(t) => t.err,
        _ => 0,
    }
}

pub(super) fn create(path: &str, flags: i32) -> Request {
    create_acl(path, flags, Acl::open_unsafe())
}

pub(super) fn create_acl(path: &str, flags: i32, acl: Vec<Acl>) -> Request {
    Request::Create {
        opcode: OpCode::Create,
        request: CreateRequest {
            path: path.into(),
            data: Some(Bytes::from_static(b"d")),
            acl,
            flags,
        },
    }
}

pub(super) fn delete(path: &str, version: i32) -> Request {
    Request::Delete(DeleteRequest {
        path: path.into(),
        version,
    })
}

pub(super) fn set_data(path: &str, version: i32) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: Some(Bytes::from_static(b"x")),
        version,
    })
}

pub(super) fn ip() -> Id {
    Id::new("ip", "127.0.0.1")
}

pub(super) fn exists_path(h: &Harness, path: &str) -> bool {
    h.eng.tree().exists(path)
}
