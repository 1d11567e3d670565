//! The writes that are not a client's data request: a global session's
//! creation and close (the close also for expiry), the container reaper's
//! deleteContainer, and reconfig, whose quorum-side checks the caller runs.

use std::collections::BTreeSet;

use bytes::Bytes;
use rzk_proto::codes::{perms, ErrorCode};
use rzk_proto::txn::{CloseSessionTxn, CreateSessionTxn, SetDataTxn, TxnBody, TxnEntry};

use super::pending::ChangeRecord;
use super::prep::{parent_for_delete, session_ok, single_body, Ctx, PResult};
use super::{Caller, RequestEngine};
use crate::path;

/// What the quorum layer decided about a reconfig before the core checks
/// the ACL of `/zookeeper/config` (`PrepRequestProcessor`, reconfig case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconfigPlan {
    /// `reconfigEnabled` is false (the default): ReconfigDisabled, checked
    /// before the session.
    Disabled,
    /// A standalone server: Unimplemented, checked after the session.
    Standalone,
    /// The quorum checks failed (ReconfigInProgress, BadVersion,
    /// BadArguments, NewConfigNoQuorum).
    Failed(ErrorCode),
    /// The new configuration text for `/zookeeper/config`.
    NewConfig(Bytes),
}

impl RequestEngine {
    /// Prepares a global session's creation: `CreateSessionTxn{timeout}`
    /// with the negotiated timeout. Never fails. (Local sessions get no
    /// txn.)
    pub fn prep_create_session(
        &mut self,
        session: i64,
        cxid: i32,
        zxid: i64,
        time: i64,
        timeout: i32,
    ) -> TxnEntry {
        let ctx = Ctx {
            session,
            cxid,
            zxid,
            time,
        };
        self.finish(
            ctx,
            Ok(TxnBody::CreateSession(CreateSessionTxn { timeout })),
        )
    }

    /// Prepares a global session's closeSession (client close, or expiry
    /// with cxid 0; local sessions get no txn):
    /// the txn lists the session's ephemerals — those in the tree, minus
    /// pending deletes, plus pending creates — and records their deletion.
    pub fn prep_close_session(
        &mut self,
        session: i64,
        cxid: i32,
        zxid: i64,
        time: i64,
    ) -> TxnEntry {
        let ctx = Ctx {
            session,
            cxid,
            zxid,
            time,
        };
        let r = self.close_session_body(ctx);
        self.finish(ctx, r)
    }

    fn close_session_body(&mut self, ctx: Ctx) -> PResult<TxnBody> {
        let mut es: BTreeSet<String> = self.tree.ephemerals(ctx.session).into_iter().collect();
        for c in self.pending.iter() {
            match &c.node {
                None => {
                    es.remove(&c.path);
                }
                Some(n) if n.stat.ephemeral_owner == ctx.session => {
                    es.insert(c.path.clone());
                }
                Some(_) => {}
            }
        }
        for p in &es {
            if self.compat.digest_enabled {
                // As ZooKeeper: the parent's record gets the new pzxid but
                // keeps its child count (only with digests on).
                let parent = parent_for_delete(p)?;
                let mut node = self.lookup(parent)?.node;
                node.stat.pzxid = ctx.zxid;
                self.add_update(parent, ctx.zxid, node)?;
            }
            self.add_removed(p, ctx.zxid)?;
        }
        let paths: Vec<String> = es.into_iter().collect();
        Ok(TxnBody::CloseSession(
            self.compat.close_session_txn.then_some(CloseSessionTxn {
                paths_to_delete: paths,
            }),
        ))
    }

    /// Prepares the container reaper's deleteContainer of `path`
    /// (§3.13): session 0, cxid 0, header type 20, `DeleteTxn`. No session
    /// or ACL check; NotEmpty with children, BadVersion for a normal
    /// ephemeral.
    pub fn prep_delete_container(&mut self, path: &str, zxid: i64, time: i64) -> TxnEntry {
        let ctx = Ctx {
            session: 0,
            cxid: 0,
            zxid,
            time,
        };
        let r = self.prep_delete_container_op(ctx, path);
        self.finish(ctx, r.map(single_body))
    }

    /// Prepares a reconfig whose quorum-side outcome is `plan`; on
    /// [`ReconfigPlan::NewConfig`] the caller needs WRITE on
    /// `/zookeeper/config`, and the txn is `SetDataTxn(/zookeeper/config,
    /// text, −1)`.
    pub fn prep_reconfig(
        &mut self,
        caller: &Caller,
        cxid: i32,
        zxid: i64,
        time: i64,
        plan: ReconfigPlan,
    ) -> TxnEntry {
        let ctx = Ctx {
            session: caller.session,
            cxid,
            zxid,
            time,
        };
        let r = self.reconfig_body(caller, ctx, plan);
        self.finish(ctx, r)
    }

    fn reconfig_body(&mut self, caller: &Caller, ctx: Ctx, plan: ReconfigPlan) -> PResult<TxnBody> {
        if plan == ReconfigPlan::Disabled {
            return Err(ErrorCode::ReconfigDisabled);
        }
        session_ok(caller)?;
        let data = match plan {
            ReconfigPlan::Disabled => return Err(ErrorCode::ReconfigDisabled),
            ReconfigPlan::Standalone => return Err(ErrorCode::Unimplemented),
            ReconfigPlan::Failed(code) => return Err(code),
            ReconfigPlan::NewConfig(data) => data,
        };
        let found = self.lookup(path::CONFIG)?;
        self.check(&found.node.acl, perms::WRITE, caller)?;
        let mut node = found.node;
        node.stat.version = -1;
        node.stat.mtime = ctx.time;
        node.stat.mzxid = ctx.zxid;
        node.data = Some(data.clone());
        // The config node is outside the digest: a no-op for it.
        let tree = self.current_digest();
        self.pending.add(ChangeRecord {
            seq: 0,
            zxid: ctx.zxid,
            path: path::CONFIG.to_owned(),
            node: Some(node),
            node_digest: 0,
            tree_digest: tree,
        });
        Ok(TxnBody::Reconfig(SetDataTxn {
            path: path::CONFIG.to_owned(),
            data: Some(data),
            version: -1,
        }))
    }
}
