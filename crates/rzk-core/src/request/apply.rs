//! `DataTree.processTxn` + `FinalRequestProcessor`: apply a txn to the
//! tree (through [`super::apply_tree`]) and the watch tables, drop the
//! outstanding changes it settles, and build the reply for the request
//! that caused it.
//!
//! Watch events come out in ZooKeeper's order (per tree change: data table,
//! child table, parent's child table; multi ops in order; a closeSession's
//! deletions in the order the tree performs them) and are filtered by READ
//! on the affected node's ACL (the parent's for NodeChildrenChanged) under
//! [`super::Compat::filter_events_by_acl`].

use rzk_proto::client::WatcherEvent;
use rzk_proto::codes::{perms, ErrorCode, EventType};
use rzk_proto::data::Acl;
use rzk_proto::txn::TxnEntry;

use super::apply_tree::{Triggers, TxnApplier};
use super::reply::{Disposition, Reply};
use super::{Compat, ConnAuth, RequestEngine};
use crate::acl::AuthConfig;
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

/// Tree changes turned into watch events, filtered by READ on the node's
/// ACL, or on the parent's for NodeChildrenChanged.
struct WatchTriggers<'a> {
    watches: &'a mut WatchManager,
    auth: &'a AuthConfig,
    compat: Compat,
    conns: &'a dyn ConnAuth,
    notes: Vec<Notification>,
}

impl WatchTriggers<'_> {
    /// Runs a watch `trigger` with the delivery filter for a node with
    /// `acl` whose parent has `parent_acl`.
    fn fire(
        &mut self,
        acl: &[Acl],
        parent_acl: &[Acl],
        trigger: impl FnOnce(
            &mut WatchManager,
            &mut dyn FnMut(ConnId, &WatcherEvent) -> bool,
        ) -> Vec<Notification>,
    ) {
        let (auth, compat, conns) = (self.auth, self.compat, self.conns);
        let mut filter = |conn: ConnId, ev: &WatcherEvent| {
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
        };
        let fired = trigger(self.watches, &mut filter);
        self.notes.extend(fired);
    }
}

impl Triggers for WatchTriggers<'_> {
    fn created(&mut self, path: &str, zxid: i64, acl: &[Acl], parent_acl: &[Acl]) {
        self.fire(acl, parent_acl, |w, f| w.node_created(path, zxid, f));
    }

    fn deleted(&mut self, path: &str, zxid: i64, acl: &[Acl], parent_acl: &[Acl]) {
        self.fire(acl, parent_acl, |w, f| w.node_deleted(path, zxid, f));
    }

    fn data_changed(&mut self, path: &str, zxid: i64, acl: &[Acl]) {
        self.fire(acl, acl, |w, f| w.node_data_changed(path, zxid, f));
    }
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
        let mut triggers = WatchTriggers {
            watches: &mut self.watches,
            auth: &self.auth,
            compat: self.compat,
            conns,
            notes: Vec::new(),
        };
        let mut applier = TxnApplier {
            tree: &mut self.tree,
            digest: &mut self.tree_digest,
            track_digest: self.compat.digest_enabled,
        };
        let result = applier.apply(entry, &mut triggers);
        let mut notes = triggers.notes;
        if h.zxid > self.last_processed_zxid {
            self.last_processed_zxid = h.zxid;
        }
        let digest = self.recorded_digest();
        self.digest_log.record(h.zxid, digest);
        self.pending.applied(h.zxid);
        if !self.compat.notification_zxid {
            for n in &mut notes {
                n.zxid = -1;
            }
        }
        let mut reply = match ErrorCode::from_code(result.err) {
            Ok(code) if result.err != 0 => Reply::error(self.last_processed_zxid, code),
            _ => Reply {
                zxid: self.last_processed_zxid,
                err: result.err,
                response: result.response,
                disposition: Disposition::Reply,
            },
        };
        if result.close {
            reply.disposition = Disposition::ReplyThenClose;
        }
        Applied {
            reply,
            notifications: notes,
        }
    }
}
