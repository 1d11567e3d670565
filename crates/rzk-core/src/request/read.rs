//! The requests answered from the tree without a txn (`PROTOCOL.md` §3.6,
//! §3.8, `FinalRequestProcessor`): permission checks, watch registration
//! (exists registers before it looks; getData/getChildren on a missing
//! node set nothing), getACL masking, and the watch-table requests.

use rzk_proto::client::ErrorResponse;
use rzk_proto::client::{
    ExistsResponse, GetAclResponse, GetAllChildrenNumberResponse, GetChildren2Response,
    GetChildrenResponse, GetDataResponse, GetEphemeralsResponse, MultiOp, MultiRequest,
    MultiResponse, OpResult, Request, SetWatches2, SyncResponse, WhoAmIResponse,
};
use rzk_proto::codes::{perms, AddWatchMode, ErrorCode, WatcherType};

use super::prep::PResult;
use super::reply::{Disposition, Reply, Response};
use super::{Caller, RequestEngine};
use crate::watch::{ConnId, NodeZxids, Notification};

/// The result of a read: the reply, and for setWatches the catch-up events
/// to send before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    /// The reply (zxid = last applied zxid).
    pub reply: Reply,
    /// setWatches catch-up events (zxid −1, not ACL-filtered).
    pub notifications: Vec<Notification>,
}

impl RequestEngine {
    /// Answers a read or watch request from connection `conn`: exists,
    /// getData, getChildren(2), getACL, getAllChildrenNumber,
    /// getEphemerals, whoAmI, checkWatches, removeWatches, addWatch,
    /// setWatches(2), multiRead, sync and ping. A failed session check
    /// answers its code (SessionMoved: close without reply); anything else
    /// is Unimplemented and closes the connection.
    pub fn read(&mut self, conn: ConnId, caller: &Caller, request: &Request) -> ReadOutcome {
        let zxid = self.last_processed_zxid;
        let mut notifications = Vec::new();
        let result = match caller.session_error {
            Some(code) => Err(code),
            None => self.read_inner(conn, caller, request, &mut notifications),
        };
        let reply = match result {
            // Java answers sasl with zxid 0 in the header, as it does auth.
            Ok(response @ Response::Sasl(_)) => Reply::ok(0, response),
            Ok(response) => Reply::ok(zxid, response),
            Err(ErrorCode::Unimplemented) => Reply {
                disposition: Disposition::ReplyThenClose,
                ..Reply::error(zxid, ErrorCode::Unimplemented)
            },
            Err(code) => Reply::error(zxid, code),
        };
        ReadOutcome {
            reply,
            notifications,
        }
    }

    fn read_inner(
        &mut self,
        conn: ConnId,
        caller: &Caller,
        request: &Request,
        notes: &mut Vec<Notification>,
    ) -> PResult<Response> {
        Ok(match request {
            Request::Ping => Response::Empty,
            Request::Sync(r) => Response::Sync(SyncResponse {
                path: r.path.clone(),
            }),
            Request::Exists(r) => self.exists(conn, caller, &r.path, r.watch)?,
            Request::GetData(r) => {
                Response::GetData(self.get_data(conn, caller, &r.path, r.watch)?)
            }
            Request::GetChildren(r) => {
                let (children, _) = self.get_children(conn, caller, &r.path, r.watch)?;
                Response::GetChildren(GetChildrenResponse { children })
            }
            Request::GetChildren2(r) => {
                let (children, stat) = self.get_children(conn, caller, &r.path, r.watch)?;
                Response::GetChildren2(GetChildren2Response { children, stat })
            }
            Request::GetAcl(r) => {
                let n = self.tree.node(&r.path).ok_or(ErrorCode::NoNode)?;
                let acl = n.acl();
                self.check(&acl, perms::READ | perms::ADMIN, caller)?;
                Response::GetAcl(GetAclResponse {
                    acl: self.auth.acl_for_get(&acl, caller.auth),
                    stat: n.stat(),
                })
            }
            Request::GetAllChildrenNumber(r) => {
                let n = self.tree.node(&r.path).ok_or(ErrorCode::NoNode)?;
                self.check(&n.acl(), perms::READ, caller)?;
                let total_number = self.tree.all_children_number(&r.path).unwrap_or(0);
                Response::AllChildrenNumber(GetAllChildrenNumberResponse { total_number })
            }
            Request::GetEphemerals(r) => Response::Ephemerals(GetEphemeralsResponse {
                ephemerals: self
                    .tree
                    .ephemerals_with_prefix(caller.session, r.prefix_path.as_deref()),
            }),
            // No SASL provider is configured: Java's processSasl meets a
            // null SASL server, logs, and answers success with a null token
            // (the client then gives up on SASL), so rzk does the same.
            Request::Sasl(_) => Response::Sasl(rzk_proto::client::SetSaslResponse { token: None }),
            Request::WhoAmI => Response::WhoAmI(WhoAmIResponse {
                client_info: self.auth.who_am_i(caller.auth),
            }),
            Request::CheckWatches(r) => {
                // An unknown type is Java's RuntimeException: MarshallingError.
                let kind = WatcherType::from_code(r.watcher_type)
                    .map_err(|_| ErrorCode::MarshallingError)?;
                let found = if self.compat.check_watches_own_only {
                    self.watches.contains(&r.path, conn, kind)
                } else {
                    self.watches
                        .contains_3_8_0(&r.path, conn, kind)
                        .ok_or(ErrorCode::MarshallingError)?
                };
                if !found {
                    return Err(ErrorCode::NoWatcher);
                }
                Response::Empty
            }
            Request::RemoveWatches(r) => {
                let kind = WatcherType::from_code(r.watcher_type)
                    .map_err(|_| ErrorCode::MarshallingError)?;
                if !self.watches.remove(&r.path, conn, kind) {
                    return Err(ErrorCode::NoWatcher);
                }
                Response::Empty
            }
            Request::AddWatch(r) => {
                let mode =
                    AddWatchMode::from_code(r.mode).map_err(|_| ErrorCode::MarshallingError)?;
                self.watches.add_watch(&r.path, conn, mode);
                Response::AddWatch(ErrorResponse { err: 0 })
            }
            Request::SetWatches(r) => {
                let req = SetWatches2 {
                    relative_zxid: r.relative_zxid,
                    data_watches: r.data_watches.clone(),
                    exist_watches: r.exist_watches.clone(),
                    child_watches: r.child_watches.clone(),
                    persistent_watches: Vec::new(),
                    persistent_recursive_watches: Vec::new(),
                };
                self.set_watches(conn, &req, notes);
                Response::Empty
            }
            Request::SetWatches2(r) => {
                self.set_watches(conn, r, notes);
                Response::Empty
            }
            Request::MultiRead(m) => Response::Multi(self.multi_read(conn, caller, m)?),
            _ => return Err(ErrorCode::Unimplemented),
        })
    }

    fn set_watches(&mut self, conn: ConnId, req: &SetWatches2, notes: &mut Vec<Notification>) {
        let Self { tree, watches, .. } = self;
        notes.extend(watches.set_watches(conn, req, |p| {
            tree.node(p).map(|n| NodeZxids {
                mzxid: n.persisted().mzxid,
                pzxid: n.persisted().pzxid,
            })
        }));
    }

    /// exists: NUL is BadArguments; READ on an existing node (3.8.4+) is
    /// checked before the watch is set; the watch is set whether or not
    /// the node exists.
    fn exists(&mut self, conn: ConnId, caller: &Caller, p: &str, watch: bool) -> PResult<Response> {
        if p.contains('\0') {
            return Err(ErrorCode::BadArguments);
        }
        if self.compat.exists_checks_read {
            if let Some(n) = self.tree.node(p) {
                self.check(&n.acl(), perms::READ, caller)?;
            }
        }
        if watch {
            self.watches.add_data_watch(p, conn);
        }
        let stat = self.tree.stat(p).ok_or(ErrorCode::NoNode)?;
        Ok(Response::Exists(ExistsResponse { stat }))
    }

    fn get_data(
        &mut self,
        conn: ConnId,
        caller: &Caller,
        p: &str,
        watch: bool,
    ) -> PResult<GetDataResponse> {
        let n = self.tree.node(p).ok_or(ErrorCode::NoNode)?;
        self.check(&n.acl(), perms::READ, caller)?;
        let r = GetDataResponse {
            data: n.data().cloned(),
            stat: n.stat(),
        };
        if watch {
            self.watches.add_data_watch(p, conn);
        }
        Ok(r)
    }

    fn get_children(
        &mut self,
        conn: ConnId,
        caller: &Caller,
        p: &str,
        watch: bool,
    ) -> PResult<(Vec<String>, rzk_proto::data::Stat)> {
        let n = self.tree.node(p).ok_or(ErrorCode::NoNode)?;
        self.check(&n.acl(), perms::READ, caller)?;
        let children = n.children().map(str::to_owned).collect();
        let stat = n.stat();
        if watch {
            self.watches.add_child_watch(p, conn);
        }
        Ok((children, stat))
    }

    /// multiRead: each op on its own, watch flags ignored; a failing op is
    /// an error result and the others still answer. A write op in it is
    /// MarshallingError for the whole request.
    fn multi_read(
        &mut self,
        conn: ConnId,
        caller: &Caller,
        m: &MultiRequest,
    ) -> PResult<MultiResponse> {
        let mut results = Vec::with_capacity(m.ops.len());
        for op in &m.ops {
            let r = match op {
                MultiOp::GetData(r) => {
                    self.get_data(conn, caller, &r.path, false)
                        .map(|d| OpResult::GetData {
                            data: d.data,
                            stat: d.stat,
                        })
                }
                MultiOp::GetChildren(r) => self
                    .get_children(conn, caller, &r.path, false)
                    .map(|(children, _)| OpResult::GetChildren { children }),
                _ => return Err(ErrorCode::MarshallingError),
            };
            results.push(r.unwrap_or_else(|code| OpResult::Error { err: code.code() }));
        }
        Ok(MultiResponse { results })
    }
}
