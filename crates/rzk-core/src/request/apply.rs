//! `DataTree.processTxn` + `FinalRequestProcessor`: apply a txn to the
//! tree and the watch tables, keep the tree digest, drop the outstanding
//! changes it settles, and build the reply for the request that caused it.
//!
//! Watch events come out in ZooKeeper's order (per tree change: data table,
//! child table, parent's child table; multi ops in order; a closeSession's
//! deletions in the order the tree performs them) and are filtered by READ
//! on the affected node's ACL (the parent's for NodeChildrenChanged) under
//! [`super::Compat::filter_events_by_acl`].
//!
//! Replay is idempotent as ZooKeeper's is for fuzzy snapshots: a create
//! (type 1) that finds its node only fixes the parent's cversion/pzxid.

use std::collections::BTreeSet;

use bytes::Bytes;
use rzk_proto::client::{
    Create2Response, CreateResponse, GetDataResponse, MultiResponse, OpResult, SetAclResponse,
    SetDataResponse, WatcherEvent,
};
use rzk_proto::codes::{perms, ErrorCode, EventType, OpCode};
use rzk_proto::data::{Acl, Stat};
use rzk_proto::txn::{CloseSessionTxn, CreateTxn, SubTxn, TxnBody, TxnEntry, TxnHeader};

use super::digest::tree_node_digest;
use super::reply::{Disposition, Reply, Response};
use super::{Compat, ConnAuth, RequestEngine};
use crate::acl::AuthConfig;
use crate::path;
use crate::tree::ephemeral::{ttl_owner, CONTAINER_OWNER};
use crate::tree::TreeError;
use crate::watch::{ConnId, Notification, WatchManager};

/// The result of applying one txn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The reply for the request that caused the txn (meaningful on the
    /// server whose client sent it).
    pub reply: Reply,
    /// Watch events to send, in order, before the reply.
    pub notifications: Vec<Notification>,
}

/// The outcome of one tree change.
enum Change {
    Created { path: String, stat: Stat },
    Deleted,
    DataSet { stat: Stat, data: Option<Bytes> },
    AclSet { stat: Stat },
    Checked,
}

type Outcome = Result<Change, ErrorCode>;

/// The delivery filter: READ on the node's ACL, or on the parent's for
/// NodeChildrenChanged.
fn filter<'a>(
    auth: &'a AuthConfig,
    compat: Compat,
    conns: &'a dyn ConnAuth,
    acl: &'a [Acl],
    parent_acl: &'a [Acl],
) -> impl FnMut(ConnId, &WatcherEvent) -> bool + 'a {
    move |conn, ev| {
        if !compat.filter_events_by_acl {
            return true;
        }
        let acl = if ev.event_type == EventType::NodeChildrenChanged.code() {
            parent_acl
        } else {
            acl
        };
        auth.check_acl(acl, perms::READ, conns.auth_ids(conn))
            .is_ok()
    }
}

fn tree_err(e: TreeError) -> ErrorCode {
    e.code()
}

impl RequestEngine {
    /// Applies a committed txn (`processTxn`), fires its watches, and
    /// answers: error txns with their code; create with CreateResponse or,
    /// for create2/createContainer/createTTL, Create2Response; setData with
    /// the Stat; reconfig with the new config and Stat; multi with one
    /// result per op (a failed multi: every result type −1, earlier ops 0,
    /// the failing op its code, later ops −2, ReplyHeader err 0, nothing
    /// applied); closeSession replies then closes. `conns` gives each
    /// watching connection's auth ids for the delivery filter.
    pub fn apply(&mut self, entry: &TxnEntry, conns: &dyn ConnAuth) -> Applied {
        let h = &entry.header;
        let mut notes = Vec::new();
        let mut disposition = Disposition::Reply;
        let (err, response) = match &entry.body {
            TxnBody::CreateSession(_) | TxnBody::Check(_) => (0, Response::Empty),
            TxnBody::CloseSession(t) => {
                self.apply_close_session(h, t.as_ref(), conns, &mut notes);
                disposition = Disposition::ReplyThenClose;
                (0, Response::Empty)
            }
            TxnBody::Error(e) => (e.err, Response::Empty),
            TxnBody::Multi(subs) => self.apply_multi(h, subs, conns, &mut notes),
            body => {
                let out = self.apply_single(h, body, conns, &mut notes);
                match out {
                    Err(code) => (code.code(), Response::Empty),
                    Ok(change) => (0, single_response(body, change)),
                }
            }
        };
        if h.zxid > self.last_processed_zxid {
            self.last_processed_zxid = h.zxid;
        }
        self.pending.applied(h.zxid);
        if !self.compat.notification_zxid {
            for n in &mut notes {
                n.zxid = -1;
            }
        }
        let mut reply = match ErrorCode::from_code(err) {
            Ok(code) if err != 0 => Reply::error(self.last_processed_zxid, code),
            _ => Reply {
                zxid: self.last_processed_zxid,
                err,
                response,
                disposition: Disposition::Reply,
            },
        };
        if disposition != Disposition::Reply {
            reply.disposition = disposition;
        }
        Applied {
            reply,
            notifications: notes,
        }
    }

    fn apply_single(
        &mut self,
        h: &TxnHeader,
        body: &TxnBody,
        conns: &dyn ConnAuth,
        notes: &mut Vec<Notification>,
    ) -> Outcome {
        let sub = match body {
            TxnBody::Create(t) => SubTxn::Create(t.clone()),
            TxnBody::CreateV0(t) => SubTxn::Create(t.upgrade()),
            TxnBody::Create2(t) => SubTxn::Create2(t.clone()),
            TxnBody::CreateContainer(t) => SubTxn::CreateContainer(t.clone()),
            TxnBody::CreateTtl(t) => SubTxn::CreateTtl(t.clone()),
            TxnBody::Delete(t) => SubTxn::Delete(t.clone()),
            TxnBody::DeleteContainer(t) => SubTxn::DeleteContainer(t.clone()),
            TxnBody::SetData(t) | TxnBody::Reconfig(t) => SubTxn::SetData(t.clone()),
            TxnBody::SetAcl(t) => {
                return self.touch(&[&t.path], |this| {
                    this.tree
                        .set_acl(&t.path, &t.acl, t.version)
                        .map(|stat| Change::AclSet { stat })
                        .map_err(tree_err)
                })
            }
            _ => return Ok(Change::Checked),
        };
        self.apply_sub(h, &sub, conns, notes)
    }

    /// Applies one create/delete/setData/check (alone or in a multi).
    fn apply_sub(
        &mut self,
        h: &TxnHeader,
        sub: &SubTxn,
        conns: &dyn ConnAuth,
        notes: &mut Vec<Notification>,
    ) -> Outcome {
        match sub {
            SubTxn::Create(t) | SubTxn::Create2(t) => {
                let owner = if t.ephemeral { h.client_id } else { 0 };
                let fix = matches!(sub, SubTxn::Create(_));
                self.apply_create(h, t, Some(owner), fix, conns, notes)
            }
            SubTxn::CreateContainer(t) => {
                let c = as_create(&t.path, &t.data, &t.acl, t.parent_cversion);
                self.apply_create(h, &c, Some(CONTAINER_OWNER), false, conns, notes)
            }
            SubTxn::CreateTtl(t) => {
                let c = as_create(&t.path, &t.data, &t.acl, t.parent_cversion);
                self.apply_create(h, &c, ttl_owner(t.ttl), false, conns, notes)
            }
            SubTxn::Delete(t) | SubTxn::DeleteContainer(t) => {
                self.apply_delete(&t.path, h.zxid, conns, notes)
            }
            SubTxn::SetData(t) => {
                let r = self.touch(&[&t.path], |this| {
                    this.tree
                        .set_data(&t.path, t.data.clone(), t.version, h.zxid, h.time)
                        .map_err(tree_err)
                })?;
                notes.extend(self.fire(conns, &r.acl, &r.acl, |w, f| {
                    w.node_data_changed(&t.path, h.zxid, f)
                }));
                Ok(Change::DataSet {
                    stat: r.stat,
                    data: t.data.clone(),
                })
            }
            SubTxn::Check(_) => Ok(Change::Checked),
            SubTxn::Error(e) => Err(ErrorCode::from_code(e.err).unwrap_or(ErrorCode::SystemError)),
        }
    }

    /// Runs a watch `trigger` with the READ delivery filter for a node with
    /// `acl` whose parent has `parent_acl` (NodeChildrenChanged is filtered
    /// by the parent's).
    fn fire(
        &mut self,
        conns: &dyn ConnAuth,
        acl: &[Acl],
        parent_acl: &[Acl],
        trigger: impl FnOnce(
            &mut WatchManager,
            &mut dyn FnMut(ConnId, &WatcherEvent) -> bool,
        ) -> Vec<Notification>,
    ) -> Vec<Notification> {
        let mut f = filter(&self.auth, self.compat, conns, acl, parent_acl);
        trigger(&mut self.watches, &mut f)
    }

    fn apply_create(
        &mut self,
        h: &TxnHeader,
        t: &CreateTxn,
        owner: Option<i64>,
        fix_parent_on_exists: bool,
        conns: &dyn ConnAuth,
        notes: &mut Vec<Notification>,
    ) -> Outcome {
        // An invalid TTL: ZooKeeper throws here; we refuse the change.
        let owner = owner.ok_or(ErrorCode::BadArguments)?;
        let parent = path::parent(&t.path).unwrap_or("");
        let r = self.touch(&[&t.path, parent], |this| {
            this.tree.create_node(
                &t.path,
                t.data.clone(),
                &t.acl,
                owner,
                t.parent_cversion,
                h.zxid,
                h.time,
            )
        });
        match r {
            Ok(c) => {
                notes.extend(self.fire(conns, &c.acl, &c.parent_acl, |w, f| {
                    w.node_created(&t.path, h.zxid, f)
                }));
                Ok(Change::Created {
                    path: t.path.clone(),
                    stat: c.stat,
                })
            }
            Err(TreeError::NodeExists) if fix_parent_on_exists => {
                // Fuzzy-snapshot replay: only the parent's cversion/pzxid.
                self.touch(&[parent], |this| {
                    this.tree
                        .set_cversion_pzxid(parent, t.parent_cversion, h.zxid)
                })
                .map_err(tree_err)?;
                Err(ErrorCode::NodeExists)
            }
            Err(e) => Err(tree_err(e)),
        }
    }

    fn apply_delete(
        &mut self,
        p: &str,
        zxid: i64,
        conns: &dyn ConnAuth,
        notes: &mut Vec<Notification>,
    ) -> Outcome {
        let parent = path::parent(p).unwrap_or("");
        let d = self
            .touch(&[p, parent], |this| this.tree.delete_node(p, zxid))
            .map_err(tree_err)?;
        notes.extend(self.fire(conns, &d.acl, &d.parent_acl, |w, f| {
            w.node_deleted(p, zxid, f)
        }));
        Ok(Change::Deleted)
    }

    fn apply_close_session(
        &mut self,
        h: &TxnHeader,
        t: Option<&CloseSessionTxn>,
        conns: &dyn ConnAuth,
        notes: &mut Vec<Notification>,
    ) {
        let listed = t.map(|t| t.paths_to_delete.as_slice());
        let mut affected: Vec<String> = self.tree.ephemerals(h.client_id);
        affected.extend(listed.unwrap_or(&[]).iter().cloned());
        let parents: Vec<String> = affected
            .iter()
            .filter_map(|p| path::parent(p).map(str::to_owned))
            .collect();
        affected.extend(parents);
        let refs: Vec<&str> = affected.iter().map(String::as_str).collect();
        let deleted = self.touch(&refs, |this| {
            this.tree.kill_session(h.client_id, h.zxid, listed)
        });
        for (p, d) in deleted {
            notes.extend(self.fire(conns, &d.acl, &d.parent_acl, |w, f| {
                w.node_deleted(&p, h.zxid, f)
            }));
        }
    }

    fn apply_multi(
        &mut self,
        h: &TxnHeader,
        subs: &[SubTxn],
        conns: &dyn ConnAuth,
        notes: &mut Vec<Notification>,
    ) -> (i32, Response) {
        let failed = subs.iter().any(|s| matches!(s, SubTxn::Error(_)));
        let mut post_failed = false;
        let mut results = Vec::with_capacity(subs.len());
        for sub in subs {
            let res = if let SubTxn::Error(e) = sub {
                post_failed = true;
                OpResult::Error { err: e.err }
            } else if failed {
                let err = if post_failed {
                    ErrorCode::RuntimeInconsistency.code()
                } else {
                    0
                };
                OpResult::Error { err }
            } else {
                match self.apply_sub(h, sub, conns, notes) {
                    Err(code) => OpResult::Error { err: code.code() },
                    Ok(change) => sub_result(sub, change),
                }
            };
            results.push(res);
        }
        // The header's err stays 0: the per-op results carry the failure.
        // SessionMoved in a result closes the connection without a reply
        // (FinalRequestProcessor), reported through the error code.
        let moved = results.iter().any(|r| {
            *r == OpResult::Error {
                err: ErrorCode::SessionMoved.code(),
            }
        });
        if moved {
            return (ErrorCode::SessionMoved.code(), Response::Empty);
        }
        (0, Response::Multi(MultiResponse { results }))
    }

    /// Runs a tree change and moves the tree digest by the change in the
    /// digests of `paths` (the node and its parent).
    fn touch<T>(&mut self, paths: &[&str], f: impl FnOnce(&mut Self) -> T) -> T {
        if !self.compat.digest_enabled {
            return f(self);
        }
        // "" and "/" are one node; digest each node once.
        let set: BTreeSet<&str> = paths
            .iter()
            .map(|p| if *p == "/" { "" } else { *p })
            .collect();
        let sum = |this: &Self| {
            set.iter().fold(0u64, |acc, p| {
                acc.wrapping_add(tree_node_digest(&this.tree, p))
            })
        };
        let before = sum(self);
        let out = f(self);
        let after = sum(self);
        self.tree_digest = self.tree_digest.wrapping_sub(before).wrapping_add(after);
        out
    }
}

fn as_create(path: &str, data: &Option<Bytes>, acl: &[Acl], parent_cversion: i32) -> CreateTxn {
    CreateTxn {
        path: path.to_owned(),
        data: data.clone(),
        acl: acl.to_vec(),
        ephemeral: false,
        parent_cversion,
    }
}

/// The reply body of a single write, by its txn type.
fn single_response(body: &TxnBody, change: Change) -> Response {
    match (body.op_code(), change) {
        (OpCode::Create, Change::Created { path, .. }) => Response::Create(CreateResponse { path }),
        (_, Change::Created { path, stat }) => Response::Create2(Create2Response { path, stat }),
        (OpCode::Reconfig, Change::DataSet { stat, data }) => {
            Response::GetData(GetDataResponse { data, stat })
        }
        (_, Change::DataSet { stat, .. }) => Response::SetData(SetDataResponse { stat }),
        (_, Change::AclSet { stat }) => Response::SetAcl(SetAclResponse { stat }),
        (_, Change::Deleted | Change::Checked) => Response::Empty,
    }
}

/// One multi result, by the sub-txn's type.
fn sub_result(sub: &SubTxn, change: Change) -> OpResult {
    match (sub, change) {
        (SubTxn::Create(_), Change::Created { path, .. }) => OpResult::Create { path },
        (_, Change::Created { path, stat }) => OpResult::Create2 { path, stat },
        (_, Change::DataSet { stat, .. }) => OpResult::SetData { stat },
        (SubTxn::Check(_), _) => OpResult::Check,
        _ => OpResult::Delete,
    }
}
