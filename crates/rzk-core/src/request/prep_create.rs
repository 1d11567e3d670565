//! `pRequest2TxnCreate`: create, create2, createContainer and createTTL,
//! validated in §3.2's order — flags → TTL/mode → session → last `/` and
//! NUL → fixupACL → parent exists → CREATE on the parent → sequence suffix
//! from the parent's persisted cversion → full validatePath → node absent
//! → parent not ephemeral → quota.

use bytes::Bytes;
use rzk_proto::client::{CreateRequest, CreateTtlRequest};
use rzk_proto::codes::{perms, CreateMode, ErrorCode, OpCode};
use rzk_proto::data::{Acl, StatPersisted};
use rzk_proto::txn::{CreateContainerTxn, CreateTtlTxn, CreateTxn, SubTxn};

use super::pending::PendingNode;
use super::prep::{session_ok, shared_acl, validate, Ctx, PResult};
use super::{Caller, RequestEngine};
use crate::path;
use crate::tree::ephemeral::{ttl_owner, CONTAINER_OWNER};
use crate::tree::EphemeralType;

/// The fields of CreateRequest and CreateTTLRequest (ttl −1 for the
/// former, as ZooKeeper passes it).
#[derive(Debug, Clone)]
pub(crate) struct CreateInput<'a> {
    pub(crate) path: &'a str,
    pub(crate) data: &'a Option<Bytes>,
    pub(crate) acl: &'a [Acl],
    pub(crate) flags: i32,
    pub(crate) ttl: i64,
}

impl<'a> From<&'a CreateRequest> for CreateInput<'a> {
    fn from(r: &'a CreateRequest) -> Self {
        Self {
            path: &r.path,
            data: &r.data,
            acl: &r.acl,
            flags: r.flags,
            ttl: -1,
        }
    }
}

impl<'a> From<&'a CreateTtlRequest> for CreateInput<'a> {
    fn from(r: &'a CreateTtlRequest) -> Self {
        Self {
            path: &r.path,
            data: &r.data,
            acl: &r.acl,
            flags: r.flags,
            ttl: r.ttl,
        }
    }
}

impl RequestEngine {
    /// Validates a create of txn type `op` (1, 15, 19 or 21) and records
    /// the new node and its parent's new cversion/pzxid as pending.
    ///
    /// Deviations: createTTL (21) with a non-TTL mode and a negative ttl is
    /// validated as Java validates it, then refused with BadArguments where
    /// Java would log a txn it cannot apply; and the pending node's owner follows the
    /// txn type rather than the flags (see below).
    pub(crate) fn prep_create(
        &mut self,
        caller: &Caller,
        ctx: Ctx,
        op: OpCode,
        req: CreateInput<'_>,
    ) -> PResult<SubTxn> {
        let mode = CreateMode::from_code(req.flags).map_err(|_| ErrorCode::BadArguments)?;
        // validateCreateRequest
        if mode.is_ttl() && !self.tree.extended_types().enabled {
            return Err(ErrorCode::Unimplemented);
        }
        let ttl_ok = if mode.is_ttl() {
            ttl_owner(req.ttl).is_some()
        } else {
            req.ttl < 0
        };
        if !ttl_ok {
            return Err(ErrorCode::BadArguments);
        }
        if mode.is_ephemeral() {
            caller.global_session_error.map_or(Ok(()), Err)?;
        } else {
            session_ok(caller)?;
        }
        // validatePathForCreate: only a '/' and no NUL, for now.
        if req.path.contains('\0') {
            return Err(ErrorCode::BadArguments);
        }
        let parent_path = path::parent(req.path).ok_or(ErrorCode::BadArguments)?;
        let acl = self
            .auth
            .fixup_acl(caller.auth, req.acl)
            .map_err(|e| e.code())?;
        let parent = self.lookup(parent_path)?;
        self.check(&parent.node.acl, perms::CREATE, caller)?;
        let parent_cversion = parent.node.stat.cversion;
        let full = if mode.is_sequential() {
            format!("{}{}", req.path, path::sequence_suffix(parent_cversion))
        } else {
            req.path.to_owned()
        };
        // Only now the whole path: "/a/./b" was NoNode above, "/a/" with
        // a sequence suffix is fine.
        validate(&full)?;
        if self.lookup(&full).is_ok() {
            return Err(ErrorCode::NodeExists);
        }
        let parent_kind = self
            .tree
            .extended_types()
            .classify(parent.node.stat.ephemeral_owner);
        if parent_kind == EphemeralType::Normal {
            return Err(ErrorCode::NoChildrenForEphemerals);
        }
        // createTTL with a non-TTL mode and a negative ttl passes Java's
        // validation like a plain create, so every check above answers as
        // Java does; Java then logs a CreateTTLTxn it cannot apply (an
        // unchecked exception in its commit thread). rzk refuses it here,
        // where Java would fail.
        if op == OpCode::CreateTtl && !mode.is_ttl() {
            return Err(ErrorCode::BadArguments);
        }
        let new_cversion = parent_cversion.wrapping_add(1);
        // Hard quotas, only with zookeeper.enforceQuota=true (default false).
        self.check_quota(&full, req.data.as_ref().map_or(0, |d| d.len() as i64), 1)?;
        let data = req.data.clone();
        let sub = match op {
            OpCode::CreateContainer => SubTxn::CreateContainer(CreateContainerTxn {
                path: full.clone(),
                data: data.clone(),
                acl: acl.clone(),
                parent_cversion: new_cversion,
            }),
            OpCode::CreateTtl => SubTxn::CreateTtl(CreateTtlTxn {
                path: full.clone(),
                data: data.clone(),
                acl: acl.clone(),
                parent_cversion: new_cversion,
                ttl: req.ttl,
            }),
            _ => {
                let t = CreateTxn {
                    path: full.clone(),
                    data: data.clone(),
                    acl: acl.clone(),
                    ephemeral: mode.is_ephemeral(),
                    parent_cversion: new_cversion,
                };
                if op == OpCode::Create2 {
                    SubTxn::Create2(t)
                } else {
                    SubTxn::Create(t)
                }
            }
        };
        // The pending owner is the one applying the txn will store. (Java
        // derives it from the mode, so e.g. create (1) with container flags
        // is pending as a container but applied as a persistent node, and
        // its digest mismatches; we stay consistent with the txn.)
        let owner = match &sub {
            SubTxn::CreateContainer(_) => CONTAINER_OWNER,
            SubTxn::CreateTtl(_) => ttl_owner(req.ttl).unwrap_or(0),
            _ if mode.is_ephemeral() => ctx.session,
            _ => 0,
        };
        let mut p = parent.node;
        p.child_count = p.child_count.saturating_add(1);
        p.stat.cversion = new_cversion;
        p.stat.pzxid = ctx.zxid;
        self.add_update(parent_path, ctx.zxid, p)?;
        let stat = StatPersisted {
            czxid: ctx.zxid,
            mzxid: ctx.zxid,
            ctime: ctx.time,
            mtime: ctx.time,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner: owner,
            pzxid: ctx.zxid,
        };
        let node = PendingNode {
            stat,
            child_count: 0,
            acl: shared_acl(acl),
            data,
        };
        self.add_new(&full, ctx.zxid, node);
        Ok(sub)
    }
}
