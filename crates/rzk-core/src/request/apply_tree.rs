//! `DataTree.processTxn`: what a committed txn does to the tree and the
//! tree digest, with the watch triggers it causes handed to a [`Triggers`]
//! sink. The request engine turns the triggers into watch events and a
//! reply; recovery replays a log through this same code with no sink, so a
//! replayed txn changes the tree exactly as it did when it was first
//! applied.
//!
//! Replay over a fuzzy snapshot is harmless, as in ZooKeeper: a create
//! (type 1, alone or in a multi) that finds its node only fixes the
//! parent's cversion/pzxid, a delete of a missing node only raises the
//! parent's pzxid, and the other changes set absolute values.

use std::collections::BTreeSet;

use bytes::Bytes;
use rzk_proto::client::{
    Create2Response, CreateResponse, GetDataResponse, MultiResponse, OpResult, SetAclResponse,
    SetDataResponse,
};
use rzk_proto::codes::{ErrorCode, OpCode};
use rzk_proto::data::{Acl, Stat};
use rzk_proto::txn::{CloseSessionTxn, CreateTxn, SubTxn, TxnBody, TxnEntry, TxnHeader};

use super::digest::{node_digest, tree_node_digest};
use super::reply::Response;
use crate::path;
use crate::tree::ephemeral::{ttl_owner, CONTAINER_OWNER};
use crate::tree::{DataTree, TreeError};

/// The watch triggers of tree changes, in the order the changes happen.
pub(crate) trait Triggers {
    /// `path` was created; `acl` is its ACL, `parent_acl` its parent's.
    fn created(&mut self, path: &str, zxid: i64, acl: &[Acl], parent_acl: &[Acl]);
    /// `path` was deleted.
    fn deleted(&mut self, path: &str, zxid: i64, acl: &[Acl], parent_acl: &[Acl]);
    /// `path`'s data was set.
    fn data_changed(&mut self, path: &str, zxid: i64, acl: &[Acl]);
}

/// Triggers nobody listens to (log replay).
pub(crate) struct NoTriggers;

impl Triggers for NoTriggers {
    fn created(&mut self, _: &str, _: i64, _: &[Acl], _: &[Acl]) {}
    fn deleted(&mut self, _: &str, _: i64, _: &[Acl], _: &[Acl]) {}
    fn data_changed(&mut self, _: &str, _: i64, _: &[Acl]) {}
}

/// What applying a txn answers, before the reply's zxid is known.
pub(crate) struct TxnResult {
    /// The reply header's error code (0 for a multi whose ops failed).
    pub(crate) err: i32,
    /// The reply body.
    pub(crate) response: Response,
    /// closeSession: reply, then close the connection.
    pub(crate) close: bool,
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

fn tree_err(e: TreeError) -> ErrorCode {
    e.code()
}

/// A tree and its digest, to apply txns to.
pub(crate) struct TxnApplier<'a> {
    /// The tree.
    pub(crate) tree: &'a mut DataTree,
    /// The tree digest, kept up to date when `track_digest` is set.
    pub(crate) digest: &'a mut u64,
    /// Whether to keep `digest`.
    pub(crate) track_digest: bool,
}

impl TxnApplier<'_> {
    /// Applies a committed txn (`processTxn`) and answers: error txns with
    /// their code; create with CreateResponse or, for create2 /
    /// createContainer / createTTL, Create2Response; setData with the Stat;
    /// reconfig with the new config and Stat; multi with one result per op
    /// (a failed multi: every result type −1, earlier ops 0, the failing op
    /// its code, later ops −2, nothing applied); closeSession with nothing,
    /// then close.
    pub(crate) fn apply(&mut self, entry: &TxnEntry, t: &mut dyn Triggers) -> TxnResult {
        let h = &entry.header;
        let mut close = false;
        let (err, response) = match &entry.body {
            TxnBody::CreateSession(_) | TxnBody::Check(_) => (0, Response::Empty),
            TxnBody::CloseSession(c) => {
                self.apply_close_session(h, c.as_ref(), t);
                close = true;
                (0, Response::Empty)
            }
            TxnBody::Error(e) => (e.err, Response::Empty),
            TxnBody::Multi(subs) => self.apply_multi(h, subs, t),
            body => match self.apply_single(h, body, t) {
                Err(code) => (code.code(), Response::Empty),
                Ok(change) => (0, single_response(body, change)),
            },
        };
        TxnResult {
            err,
            response,
            close,
        }
    }

    fn apply_single(&mut self, h: &TxnHeader, body: &TxnBody, t: &mut dyn Triggers) -> Outcome {
        let sub = match body {
            TxnBody::Create(c) => SubTxn::Create(c.clone()),
            TxnBody::CreateV0(c) => SubTxn::Create(c.upgrade()),
            TxnBody::Create2(c) => SubTxn::Create2(c.clone()),
            TxnBody::CreateContainer(c) => SubTxn::CreateContainer(c.clone()),
            TxnBody::CreateTtl(c) => SubTxn::CreateTtl(c.clone()),
            TxnBody::Delete(d) => SubTxn::Delete(d.clone()),
            TxnBody::DeleteContainer(d) => SubTxn::DeleteContainer(d.clone()),
            TxnBody::SetData(s) | TxnBody::Reconfig(s) => SubTxn::SetData(s.clone()),
            TxnBody::SetAcl(s) => {
                return self.touch(&[&s.path], |tree| {
                    tree.set_acl(&s.path, &s.acl, s.version)
                        .map(|stat| Change::AclSet { stat })
                        .map_err(tree_err)
                })
            }
            _ => return Ok(Change::Checked),
        };
        self.apply_sub(h, &sub, t)
    }

    /// Applies one create/delete/setData/check (alone or in a multi).
    fn apply_sub(&mut self, h: &TxnHeader, sub: &SubTxn, t: &mut dyn Triggers) -> Outcome {
        match sub {
            SubTxn::Create(c) | SubTxn::Create2(c) => {
                let owner = if c.ephemeral { h.client_id } else { 0 };
                let fix = matches!(sub, SubTxn::Create(_));
                self.apply_create(h, c, Some(owner), fix, t)
            }
            SubTxn::CreateContainer(c) => {
                let c = as_create(&c.path, &c.data, &c.acl, c.parent_cversion);
                self.apply_create(h, &c, Some(CONTAINER_OWNER), false, t)
            }
            SubTxn::CreateTtl(c) => {
                let owner = ttl_owner(c.ttl);
                let c = as_create(&c.path, &c.data, &c.acl, c.parent_cversion);
                self.apply_create(h, &c, owner, false, t)
            }
            SubTxn::Delete(d) | SubTxn::DeleteContainer(d) => self.apply_delete(&d.path, h.zxid, t),
            SubTxn::SetData(s) => {
                let r = self.touch(&[&s.path], |tree| {
                    tree.set_data(&s.path, s.data.clone(), s.version, h.zxid, h.time)
                        .map_err(tree_err)
                })?;
                t.data_changed(&s.path, h.zxid, &r.acl);
                Ok(Change::DataSet {
                    stat: r.stat,
                    data: s.data.clone(),
                })
            }
            SubTxn::Check(_) => Ok(Change::Checked),
            SubTxn::Error(e) => Err(ErrorCode::from_code(e.err).unwrap_or(ErrorCode::SystemError)),
        }
    }

    fn apply_create(
        &mut self,
        h: &TxnHeader,
        c: &CreateTxn,
        owner: Option<i64>,
        fix_parent_on_exists: bool,
        t: &mut dyn Triggers,
    ) -> Outcome {
        // An invalid TTL: ZooKeeper throws here; we refuse the change.
        let owner = owner.ok_or(ErrorCode::BadArguments)?;
        let parent = path::parent(&c.path).unwrap_or("");
        // Digested by hand rather than with `touch`: the new node had no
        // digest before (a create that finds its node fails, changing
        // nothing a digest covers) and its digest after comes from what
        // the create returns, so the tree is searched for the parent only
        // — under a parent with a million children, that saves two walks
        // down its big map per create.
        let parent_before = self.digest_of(parent);
        let r = self.tree.create_node(
            &c.path,
            c.data.clone(),
            &c.acl,
            owner,
            c.parent_cversion,
            h.zxid,
            h.time,
        );
        if let Ok(created) = &r {
            let node = node_digest(&c.path, c.data.as_deref(), &created.persisted);
            let parent_after = self.digest_of(parent);
            self.move_digest(parent_before, node.wrapping_add(parent_after));
        }
        match r {
            Ok(created) => {
                t.created(&c.path, h.zxid, &created.acl, &created.parent_acl);
                Ok(Change::Created {
                    path: c.path.clone(),
                    stat: created.stat,
                })
            }
            Err(TreeError::NodeExists) if fix_parent_on_exists => {
                // Fuzzy-snapshot replay: only the parent's cversion/pzxid.
                self.touch(&[parent], |tree| {
                    tree.set_cversion_pzxid(parent, c.parent_cversion, h.zxid)
                })
                .map_err(tree_err)?;
                Err(ErrorCode::NodeExists)
            }
            Err(e) => Err(tree_err(e)),
        }
    }

    fn apply_delete(&mut self, p: &str, zxid: i64, t: &mut dyn Triggers) -> Outcome {
        let parent = path::parent(p).unwrap_or("");
        let d = self
            .touch(&[p, parent], |tree| tree.delete_node(p, zxid))
            .map_err(tree_err)?;
        t.deleted(p, zxid, &d.acl, &d.parent_acl);
        Ok(Change::Deleted)
    }

    fn apply_close_session(
        &mut self,
        h: &TxnHeader,
        c: Option<&CloseSessionTxn>,
        t: &mut dyn Triggers,
    ) {
        let listed = c.map(|c| c.paths_to_delete.as_slice());
        let mut affected: Vec<String> = self.tree.ephemerals(h.client_id);
        affected.extend(listed.unwrap_or(&[]).iter().cloned());
        let parents: Vec<String> = affected
            .iter()
            .filter_map(|p| path::parent(p).map(str::to_owned))
            .collect();
        affected.extend(parents);
        let refs: Vec<&str> = affected.iter().map(String::as_str).collect();
        let deleted = self.touch(&refs, |tree| tree.kill_session(h.client_id, h.zxid, listed));
        for (p, d) in deleted {
            t.deleted(&p, h.zxid, &d.acl, &d.parent_acl);
        }
    }

    fn apply_multi(
        &mut self,
        h: &TxnHeader,
        subs: &[SubTxn],
        t: &mut dyn Triggers,
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
                match self.apply_sub(h, sub, t) {
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

    /// The digest of the node at `path` now (0 if absent, or if digests
    /// are not tracked).
    fn digest_of(&self, path: &str) -> u64 {
        if self.track_digest {
            tree_node_digest(self.tree, path)
        } else {
            0
        }
    }

    /// Moves the tree digest from `before` to `after` (the digests of the
    /// same nodes before and after a change).
    fn move_digest(&mut self, before: u64, after: u64) {
        if self.track_digest {
            *self.digest = self.digest.wrapping_sub(before).wrapping_add(after);
        }
    }

    /// Runs a tree change and moves the tree digest by the change in the
    /// digests of `paths` (the node and its parent).
    fn touch<T>(&mut self, paths: &[&str], f: impl FnOnce(&mut DataTree) -> T) -> T {
        if !self.track_digest {
            return f(self.tree);
        }
        // "" and "/" are one node; digest each node once.
        let set: BTreeSet<&str> = paths
            .iter()
            .map(|p| if *p == "/" { "" } else { *p })
            .collect();
        let sum = |tree: &DataTree| {
            set.iter()
                .fold(0u64, |acc, p| acc.wrapping_add(tree_node_digest(tree, p)))
        };
        let before = sum(self.tree);
        let out = f(self.tree);
        let after = sum(self.tree);
        self.move_digest(before, after);
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
