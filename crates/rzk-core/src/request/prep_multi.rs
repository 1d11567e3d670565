//! The multi branch of `PrepRequestProcessor` (`PROTOCOL.md` §3.7): every
//! op shares the multi's zxid and header, ops are validated in order
//! against the pending state (so later ops see earlier ones), and at the
//! first failure this multi's pending changes are rolled back, the failing
//! op becomes `ErrorTxn(code)` and every later op `ErrorTxn(-2)`. Earlier
//! ops keep their real txns; the header type stays 14 and the txn carries
//! the (unchanged) tree digest.

use std::collections::BTreeMap;

use rzk_proto::client::{MultiOp, MultiRequest};
use rzk_proto::codes::{CreateMode, ErrorCode, OpCode};
use rzk_proto::txn::{ErrorTxn, SubTxn, TxnBody, TxnEntry};

use super::prep::{Ctx, PResult};
use super::prep_create::CreateInput;
use super::{Caller, RequestEngine};
use crate::path;

impl RequestEngine {
    pub(crate) fn prep_multi(&mut self, caller: &Caller, ctx: Ctx, m: &MultiRequest) -> TxnEntry {
        if m.ops.iter().any(|op| self.undecodable(op)) {
            // ZooKeeper fails these while deserializing: the whole request
            // becomes an ErrorTxn(MarshallingError).
            return self.finish(ctx, Err(ErrorCode::MarshallingError));
        }
        let mut saved = BTreeMap::new();
        for op in &m.ops {
            let p = op.path();
            if let Some(r) = self.pending.get(p) {
                saved.insert(p.to_owned(), r.clone());
            }
            // ZOOKEEPER-1624: the parent's record too, so a rolled-back
            // sequential create does not skew later sequence numbers.
            if let Some(parent) = path::precheck_parent(p) {
                if let Some(r) = self.pending.get(parent) {
                    saved.insert(parent.to_owned(), r.clone());
                }
            }
        }
        let mut subs = Vec::with_capacity(m.ops.len());
        let mut failed = false;
        for op in &m.ops {
            if failed {
                subs.push(SubTxn::Error(ErrorTxn {
                    err: ErrorCode::RuntimeInconsistency.code(),
                }));
                continue;
            }
            match self.prep_multi_op(caller, ctx, op) {
                Ok(sub) => subs.push(sub),
                Err(code) => {
                    failed = true;
                    subs.push(SubTxn::Error(ErrorTxn { err: code.code() }));
                    self.pending.rollback(ctx.zxid, std::mem::take(&mut saved));
                }
            }
        }
        let digest = self.txn_digest();
        TxnEntry::new(
            ctx.session,
            ctx.cxid,
            ctx.zxid,
            ctx.time,
            TxnBody::Multi(subs),
            digest,
        )
    }

    /// Ops ZooKeeper's `MultiOperationRecord` would not deserialize in a
    /// multi: reads, and (3.9) creates with unknown flags.
    fn undecodable(&self, op: &MultiOp) -> bool {
        match op {
            MultiOp::GetChildren(_) | MultiOp::GetData(_) => true,
            MultiOp::Create { request, .. } => {
                self.compat.multi_create2_stat && CreateMode::from_code(request.flags).is_err()
            }
            _ => false,
        }
    }

    fn prep_multi_op(&mut self, caller: &Caller, ctx: Ctx, op: &MultiOp) -> PResult<SubTxn> {
        match op {
            MultiOp::Create { opcode, request } => {
                let op = self.multi_create_type(*opcode, request.flags);
                self.prep_create(caller, ctx, op, request.into())
            }
            MultiOp::CreateTtl(r) => {
                let op = self.multi_create_type(OpCode::Create, r.flags);
                let mut input: CreateInput = r.into();
                if op != OpCode::CreateTtl {
                    // A plain Op.Create: the ttl is not carried.
                    input.ttl = -1;
                }
                self.prep_create(caller, ctx, op, input)
            }
            MultiOp::Delete(r) => self.prep_delete(caller, ctx, r),
            MultiOp::SetData(r) => self.prep_set_data(caller, ctx, r),
            MultiOp::Check(r) => self.prep_check(caller, ctx, r),
            MultiOp::GetChildren(_) | MultiOp::GetData(_) => Err(ErrorCode::MarshallingError),
        }
    }

    /// `Op.create`'s type: TTL and container modes pick their own opcode;
    /// otherwise 3.9 keeps the header's (create, create2, createContainer)
    /// and 3.8.0 decays it to create.
    fn multi_create_type(&self, header: OpCode, flags: i32) -> OpCode {
        match CreateMode::from_code(flags) {
            Ok(m) if m.is_ttl() => OpCode::CreateTtl,
            Ok(m) if m.is_container() => OpCode::CreateContainer,
            _ if self.compat.multi_create2_stat => header,
            _ => OpCode::Create,
        }
    }
}
