//! `PrepRequestProcessor` for the single writes: turn a request into the
//! txn ZooKeeper would log, validating in exactly §3.2's order against the
//! tree plus the outstanding changes, and recording the change so later
//! requests see it. A failed write becomes an `ErrorTxn` (header type −1,
//! no digest) that still consumes its zxid.

use std::sync::Arc;

use rzk_proto::client::{
    CheckVersionRequest, DeleteRequest, Request, SetAclRequest, SetDataRequest,
};
use rzk_proto::codes::{perms, ErrorCode};
use rzk_proto::data::Acl;
use rzk_proto::txn::{
    CheckVersionTxn, DeleteTxn, ErrorTxn, SetAclTxn, SetDataTxn, SubTxn, TxnBody, TxnDigest,
    TxnEntry,
};

use super::digest::{node_digest, DIGEST_VERSION};
use super::pending::{ChangeRecord, PendingNode};
use super::prep_internal::ReconfigPlan;
use super::{Caller, RequestEngine};
use crate::path;
use crate::tree::EphemeralType;

/// A validation failure: the code the client gets.
pub(crate) type PResult<T> = Result<T, ErrorCode>;

/// A request the pipeline refuses before it becomes a txn: no zxid is
/// consumed, the reply is `ReplyHeader{xid, zxid −1, code}` (as
/// ZooKeeper's `UnimplementedRequestProcessor` sends it), and the
/// connection is closed if `close` says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    /// The reply's error code.
    pub code: ErrorCode,
    /// Close the connection after replying.
    pub close: bool,
}

impl Rejected {
    /// The reply to send: zxid −1, `code`, no body, then close if `close`.
    pub fn reply(&self) -> super::Reply {
        super::Reply {
            zxid: -1,
            err: self.code.code(),
            response: super::Response::Empty,
            disposition: if self.close {
                super::Disposition::ReplyThenClose
            } else {
                super::Disposition::Reply
            },
        }
    }
}

/// The txn's header fields other than its type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub(crate) session: i64,
    pub(crate) cxid: i32,
    pub(crate) zxid: i64,
    pub(crate) time: i64,
}

/// A node found by `getRecordForPath`, with its digest.
pub(crate) struct Found {
    pub(crate) node: PendingNode,
    pub(crate) digest: u64,
}

/// `checkAndIncVersion`: `expected` −1 matches anything; the next version
/// skips −1 (ZOOKEEPER-4743), which would read as "any version".
pub(crate) fn check_and_inc(current: i32, expected: i32) -> PResult<i32> {
    if expected != -1 && expected != current {
        return Err(ErrorCode::BadVersion);
    }
    let next = current.wrapping_add(1);
    Ok(if next == -1 { 0 } else { next })
}

/// `getParentPathAndValidate`: a `/` must be present, no NUL, and the path
/// is not one of the four undeletable nodes.
pub(crate) fn parent_for_delete(p: &str) -> PResult<&str> {
    if p.contains('\0') || path::is_special_path(p) {
        return Err(ErrorCode::BadArguments);
    }
    path::parent(p).ok_or(ErrorCode::BadArguments)
}

pub(crate) fn validate(p: &str) -> PResult<()> {
    path::validate_path(p).map_err(|_| ErrorCode::BadArguments)
}

pub(crate) fn session_ok(caller: &Caller) -> PResult<()> {
    caller.session_error.map_or(Ok(()), Err)
}

/// The txn body a multi-capable op becomes when it is the whole request.
pub(crate) fn single_body(sub: SubTxn) -> TxnBody {
    match sub {
        SubTxn::Create(t) => TxnBody::Create(t),
        SubTxn::Create2(t) => TxnBody::Create2(t),
        SubTxn::CreateContainer(t) => TxnBody::CreateContainer(t),
        SubTxn::CreateTtl(t) => TxnBody::CreateTtl(t),
        SubTxn::Delete(t) => TxnBody::Delete(t),
        SubTxn::DeleteContainer(t) => TxnBody::DeleteContainer(t),
        SubTxn::SetData(t) => TxnBody::SetData(t),
        SubTxn::Check(t) => TxnBody::Check(t),
        SubTxn::Error(t) => TxnBody::Error(t),
    }
}

impl RequestEngine {
    /// Prepares a client write: create/create2/createContainer/createTTL,
    /// delete, deleteContainer, setData, setACL, check, multi, reconfig
    /// (as [`ReconfigPlan::Disabled`]; use [`Self::prep_reconfig`]) and
    /// closeSession (of `caller.session`). `zxid` is the one assigned to
    /// this request and `time` the leader's wall clock in ms.
    ///
    /// Returns the txn to log — an `ErrorTxn` if validation failed — or
    /// [`Rejected`] for requests that get no txn: a top-level check under
    /// [`super::Compat::reject_top_level_check`] (Unimplemented + close),
    /// and read requests (Unimplemented + close: not a write).
    ///
    /// deleteContainer is accepted with no session or ACL check, as Java
    /// does; a shell that follows `PROTOCOL.md` §2.4's advice refuses op 20
    /// from clients before calling this.
    pub fn prep_write(
        &mut self,
        caller: &Caller,
        cxid: i32,
        zxid: i64,
        time: i64,
        request: &Request,
    ) -> Result<TxnEntry, Rejected> {
        let ctx = Ctx {
            session: caller.session,
            cxid,
            zxid,
            time,
        };
        let single = |this: &mut Self, r: PResult<SubTxn>| this.finish(ctx, r.map(single_body));
        Ok(match request {
            Request::Create { opcode, request } => {
                let r = self.prep_create(caller, ctx, *opcode, request.into());
                single(self, r)
            }
            Request::CreateTtl(r) => {
                let r =
                    self.prep_create(caller, ctx, rzk_proto::codes::OpCode::CreateTtl, r.into());
                single(self, r)
            }
            Request::Delete(r) => {
                let r = self.prep_delete(caller, ctx, r);
                single(self, r)
            }
            Request::DeleteContainer(r) => {
                let r = self.prep_delete_container_op(ctx, &r.path);
                single(self, r)
            }
            Request::SetData(r) => {
                let r = self.prep_set_data(caller, ctx, r);
                single(self, r)
            }
            Request::Check(r) => {
                if self.compat.reject_top_level_check {
                    return Err(Rejected {
                        code: ErrorCode::Unimplemented,
                        close: true,
                    });
                }
                let r = self.prep_check(caller, ctx, r);
                single(self, r)
            }
            Request::SetAcl(r) => {
                let r = self.prep_set_acl(caller, ctx, r);
                self.finish(ctx, r)
            }
            Request::Reconfig(_) => {
                self.prep_reconfig(caller, cxid, zxid, time, ReconfigPlan::Disabled)
            }
            Request::Multi(m) => self.prep_multi(caller, ctx, m),
            Request::CloseSession => self.prep_close_session(caller.session, cxid, zxid, time),
            _ => {
                return Err(Rejected {
                    code: ErrorCode::Unimplemented,
                    close: true,
                })
            }
        })
    }

    /// A malformed write body (ZooKeeper's MarshallingError path): an
    /// `ErrorTxn(-5)` with no digest. (ZooKeeper gives such a txn the
    /// *current* zxid rather than a new one, except for multi; the caller
    /// chooses `zxid`.)
    pub fn prep_marshalling_error(
        &mut self,
        caller: &Caller,
        cxid: i32,
        zxid: i64,
        time: i64,
    ) -> TxnEntry {
        let ctx = Ctx {
            session: caller.session,
            cxid,
            zxid,
            time,
        };
        self.finish(ctx, Err(ErrorCode::MarshallingError))
    }

    /// Wraps a body, or a failure as `ErrorTxn` without digest.
    pub(crate) fn finish(&mut self, ctx: Ctx, body: PResult<TxnBody>) -> TxnEntry {
        let (body, digest) = match body {
            Ok(b) => (b, self.txn_digest()),
            Err(code) => (TxnBody::Error(ErrorTxn { err: code.code() }), None),
        };
        TxnEntry::new(ctx.session, ctx.cxid, ctx.zxid, ctx.time, body, digest)
    }

    /// The digest a successful txn carries: the tree digest once every
    /// prepared change is applied.
    pub(crate) fn txn_digest(&self) -> Option<TxnDigest> {
        self.compat.digest_enabled.then(|| TxnDigest {
            version: DIGEST_VERSION,
            tree_digest: self.current_digest() as i64,
        })
    }

    pub(crate) fn current_digest(&self) -> u64 {
        self.pending
            .last()
            .map_or(self.tree_digest, |r| r.tree_digest)
    }

    /// `getRecordForPath`: the pending state of `path`, else the tree's;
    /// NoNode if neither has it (or it is pending deletion).
    pub(crate) fn lookup(&self, p: &str) -> PResult<Found> {
        if let Some(r) = self.pending.get(p) {
            return match &r.node {
                Some(node) => Ok(Found {
                    node: node.clone(),
                    digest: r.node_digest,
                }),
                None => Err(ErrorCode::NoNode),
            };
        }
        let n = self.tree.node(p).ok_or(ErrorCode::NoNode)?;
        let node = PendingNode {
            stat: n.persisted().clone(),
            child_count: i32::try_from(n.num_children()).unwrap_or(i32::MAX),
            acl: n.acl(),
            data: n.data().cloned(),
        };
        let digest = if self.compat.digest_enabled {
            node_digest(p, node.data.as_deref(), &node.stat)
        } else {
            0
        };
        Ok(Found { node, digest })
    }

    pub(crate) fn check(&self, acl: &[Acl], perm: i32, caller: &Caller) -> PResult<()> {
        self.auth
            .check_acl(acl, perm, caller.auth)
            .map_err(|e| e.code())
    }

    fn digest_of(&self, p: &str, node: &PendingNode) -> u64 {
        if self.compat.digest_enabled {
            node_digest(p, node.data.as_deref(), &node.stat)
        } else {
            0
        }
    }

    /// Records `path`'s new state (digest UPDATE: its old digest out, the
    /// new one in).
    pub(crate) fn add_update(&mut self, p: &str, zxid: i64, node: PendingNode) -> PResult<()> {
        let prev = if self.compat.digest_enabled {
            self.lookup(p)?.digest
        } else {
            0
        };
        let new = self.digest_of(p, &node);
        let tree = self.current_digest().wrapping_sub(prev).wrapping_add(new);
        self.push(p, zxid, Some(node), new, tree);
        Ok(())
    }

    /// Records a new node at `path` (digest ADD).
    pub(crate) fn add_new(&mut self, p: &str, zxid: i64, node: PendingNode) {
        let new = self.digest_of(p, &node);
        let tree = self.current_digest().wrapping_add(new);
        self.push(p, zxid, Some(node), new, tree);
    }

    /// Records the deletion of `path` (digest REMOVE).
    pub(crate) fn add_removed(&mut self, p: &str, zxid: i64) -> PResult<()> {
        let prev = if self.compat.digest_enabled {
            self.lookup(p)?.digest
        } else {
            0
        };
        let tree = self.current_digest().wrapping_sub(prev);
        self.push(p, zxid, None, 0, tree);
        Ok(())
    }

    fn push(&mut self, p: &str, zxid: i64, node: Option<PendingNode>, nd: u64, tree: u64) {
        self.pending.add(ChangeRecord {
            seq: 0,
            zxid,
            path: p.to_owned(),
            node,
            node_digest: nd,
            tree_digest: tree,
        });
    }

    /// delete (§3.2 row 2).
    pub(crate) fn prep_delete(
        &mut self,
        caller: &Caller,
        ctx: Ctx,
        r: &DeleteRequest,
    ) -> PResult<SubTxn> {
        session_ok(caller)?;
        let parent_path = parent_for_delete(&r.path)?;
        let parent = self.lookup(parent_path)?;
        self.check(&parent.node.acl, perms::DELETE, caller)?;
        let node = self.lookup(&r.path)?;
        check_and_inc(node.node.stat.version, r.version)?;
        if node.node.child_count > 0 {
            return Err(ErrorCode::NotEmpty);
        }
        self.record_delete(ctx, parent_path, parent.node, &r.path)?;
        Ok(SubTxn::Delete(DeleteTxn {
            path: r.path.clone(),
        }))
    }

    fn record_delete(
        &mut self,
        ctx: Ctx,
        parent_path: &str,
        mut parent: PendingNode,
        p: &str,
    ) -> PResult<()> {
        parent.child_count -= 1;
        parent.stat.pzxid = ctx.zxid;
        self.add_update(parent_path, ctx.zxid, parent)?;
        self.add_removed(p, ctx.zxid)
    }

    /// deleteContainer (§3.13): no session or ACL check.
    pub(crate) fn prep_delete_container_op(&mut self, ctx: Ctx, p: &str) -> PResult<SubTxn> {
        let parent_path = parent_for_delete(p)?;
        let node = self.lookup(p)?;
        if node.node.child_count > 0 {
            return Err(ErrorCode::NotEmpty);
        }
        let kind = self
            .tree
            .extended_types()
            .classify(node.node.stat.ephemeral_owner);
        if kind == EphemeralType::Normal {
            return Err(ErrorCode::BadVersion);
        }
        let parent = self.lookup(parent_path)?;
        self.record_delete(ctx, parent_path, parent.node, p)?;
        Ok(SubTxn::DeleteContainer(DeleteTxn { path: p.to_owned() }))
    }

    /// setData (§3.2 row 3). Hard quotas are checked (before the version)
    /// only with `zookeeper.enforceQuota=true`, off by default.
    pub(crate) fn prep_set_data(
        &mut self,
        caller: &Caller,
        ctx: Ctx,
        r: &SetDataRequest,
    ) -> PResult<SubTxn> {
        session_ok(caller)?;
        validate(&r.path)?;
        let found = self.lookup(&r.path)?;
        self.check(&found.node.acl, perms::WRITE, caller)?;
        let len = |d: &Option<bytes::Bytes>| d.as_ref().map_or(0, |d| d.len() as i64);
        self.check_quota(&r.path, len(&r.data) - len(&found.node.data), 0)?;
        let version = check_and_inc(found.node.stat.version, r.version)?;
        let mut node = found.node;
        node.stat.version = version;
        node.stat.mtime = ctx.time;
        node.stat.mzxid = ctx.zxid;
        node.data = r.data.clone();
        self.add_update(&r.path, ctx.zxid, node)?;
        Ok(SubTxn::SetData(SetDataTxn {
            path: r.path.clone(),
            data: r.data.clone(),
            version,
        }))
    }

    /// setACL (§3.2 row 4). As in ZooKeeper the pending record keeps the
    /// old ACL (only aversion changes), so requests prepared before this
    /// one is applied are still checked against the old ACL.
    fn prep_set_acl(&mut self, caller: &Caller, ctx: Ctx, r: &SetAclRequest) -> PResult<TxnBody> {
        session_ok(caller)?;
        validate(&r.path)?;
        let acl = self
            .auth
            .fixup_acl(caller.auth, &r.acl)
            .map_err(|e| e.code())?;
        let found = self.lookup(&r.path)?;
        self.check(&found.node.acl, perms::ADMIN, caller)?;
        let version = check_and_inc(found.node.stat.aversion, r.version)?;
        let mut node = found.node;
        node.stat.aversion = version;
        self.add_update(&r.path, ctx.zxid, node)?;
        Ok(TxnBody::SetAcl(SetAclTxn {
            path: r.path.clone(),
            acl,
            version,
        }))
    }

    /// check (§3.2 row 5): the txn carries the current version + 1, as
    /// ZooKeeper writes it; nothing changes.
    pub(crate) fn prep_check(
        &mut self,
        caller: &Caller,
        _ctx: Ctx,
        r: &CheckVersionRequest,
    ) -> PResult<SubTxn> {
        session_ok(caller)?;
        validate(&r.path)?;
        let found = self.lookup(&r.path)?;
        self.check(&found.node.acl, perms::READ, caller)?;
        let version = check_and_inc(found.node.stat.version, r.version)?;
        Ok(SubTxn::Check(CheckVersionTxn {
            path: r.path.clone(),
            version,
        }))
    }
}

/// A shared ACL for a new pending node.
pub(crate) fn shared_acl(acl: Vec<Acl>) -> Arc<[Acl]> {
    acl.into()
}
