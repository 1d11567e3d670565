//! The request pipeline of the deterministic core (`PROTOCOL.md` §3.1–§3.10):
//! ZooKeeper's `PrepRequestProcessor` (validate a write against the tree
//! *and* the changes of writes prepared but not yet applied, and produce
//! the txn it logs — failures included), `DataTree.processTxn` +
//! `FinalRequestProcessor` (apply a txn, produce the reply and the watch
//! events), and the reads answered straight from the tree.
//!
//! [`RequestEngine`] owns the [`DataTree`], the [`WatchManager`], the
//! [`AuthConfig`], the outstanding changes and the last applied zxid. It
//! takes time and zxids as arguments and never does I/O:
//!
//! * [`RequestEngine::prep_write`] and its siblings for createSession,
//!   closeSession, deleteContainer and reconfig: request → [`TxnEntry`](rzk_proto::txn::TxnEntry);
//! * [`RequestEngine::apply`]: txn → [`Applied`] (reply + notifications);
//! * [`RequestEngine::read`]: read request → [`ReadOutcome`].
//!
//! Files: [`compat`] (version switches), [`digest`] (tree digest),
//! `pending` (outstanding changes), `prep` / `prep_create` / `prep_multi` /
//! `prep_internal` (writes → txns), `apply_tree` (txn → tree changes, shared
//! with log replay), `apply` (+ watches and reply), `read`, [`reply`].
//!
//! Deviations from ZooKeeper, all in cases its own clients do not produce
//! or where ZooKeeper contradicts itself:
//!
//! * the pending state keys the root's two names (`""`, `"/"`) as one, so
//!   the digest of a setData/setACL of `/` prepared behind a pending create
//!   under the root is right (ZooKeeper logs one its tree then mismatches);
//! * a pending created node's owner is what applying the txn will store,
//!   not what the flags say (create (1) with container flags, createContainer
//!   (19) with other flags);
//! * createTTL (21) with a non-TTL mode and a negative ttl is BadArguments
//!   (ZooKeeper logs it and then throws while applying it); an invalid TTL
//!   met while applying is a BadArguments result, not an exception;
//! * closeSession lists the ephemerals sorted, not in Java hash-set order;
//! * a multi sub-op that fails while *applying* (a replay over a fuzzy
//!   snapshot; no client is waiting) is reported as an error result;
//! * a top-level check (3.8.0 mode) replies with no body: ZooKeeper's
//!   SetDataResponse with a null Stat cannot be serialised.

mod apply;
pub(crate) mod apply_tree;
pub mod compat;
pub mod digest;
mod pending;
mod prep;
mod prep_create;
mod prep_internal;
mod prep_multi;
mod read;
pub mod reply;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use rzk_proto::codes::ErrorCode;
use rzk_proto::data::Id;

use crate::acl::AuthConfig;
use crate::tree::DataTree;
use crate::watch::{ConnId, WatchManager};
use pending::Outstanding;

pub use apply::Applied;
pub use compat::Compat;
pub use prep::Rejected;
pub use prep_internal::ReconfigPlan;
pub use read::ReadOutcome;
pub use reply::{Disposition, Reply, Response};

/// Who sent a request: the session, the connection's auth ids (including
/// `ip:<addr>`), and the session tracker's verdicts, which ZooKeeper checks
/// at fixed points of validation (so the error a request gets depends on
/// where the check sits in §3.2's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller<'a> {
    /// The session id (0 for server-internal requests).
    pub session: i64,
    /// The connection's auth ids.
    pub auth: &'a [Id],
    /// `checkSession`'s verdict: `None` if the session is valid and owned by
    /// this connection, else SessionExpired or SessionMoved.
    pub session_error: Option<ErrorCode>,
    /// `checkGlobalSession`'s verdict for ephemeral creates: `None`, or
    /// e.g. EphemeralOnLocalSession for a local session that could not be
    /// upgraded.
    pub global_session_error: Option<ErrorCode>,
}

impl<'a> Caller<'a> {
    /// A caller whose session checks pass.
    pub fn new(session: i64, auth: &'a [Id]) -> Self {
        Self {
            session,
            auth,
            session_error: None,
            global_session_error: None,
        }
    }
}

/// The connection → auth ids lookup the watch delivery filter needs.
pub trait ConnAuth {
    /// The auth ids of connection `conn` (empty if unknown).
    fn auth_ids(&self, conn: ConnId) -> &[Id];
}

impl ConnAuth for BTreeMap<ConnId, Vec<Id>> {
    fn auth_ids(&self, conn: ConnId) -> &[Id] {
        self.get(&conn).map_or(&[], Vec::as_slice)
    }
}

impl<S: std::hash::BuildHasher> ConnAuth for HashMap<ConnId, Vec<Id>, S> {
    fn auth_ids(&self, conn: ConnId) -> &[Id] {
        self.get(&conn).map_or(&[], Vec::as_slice)
    }
}

/// A [`ConnAuth`] for which every connection has no ids (followers
/// replaying a log, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoConnAuth;

impl ConnAuth for NoConnAuth {
    fn auth_ids(&self, _conn: ConnId) -> &[Id] {
        &[]
    }
}

/// The request pipeline's state. See the module documentation.
#[derive(Debug, Clone)]
pub struct RequestEngine {
    tree: DataTree,
    watches: WatchManager,
    auth: AuthConfig,
    compat: Compat,
    pending: Outstanding,
    last_processed_zxid: i64,
    /// The applied tree's digest (wrapping sum of node digests).
    tree_digest: u64,
    /// Recorded tree digests (`hash`).
    digest_log: digest::DigestLog,
    /// `zookeeper.enforceQuota`: refuse creates and setData past a hard
    /// quota limit (QuotaExceeded). Off by default, as in ZooKeeper.
    enforce_quota: bool,
}

impl Default for RequestEngine {
    fn default() -> Self {
        Self::new(
            DataTree::default(),
            AuthConfig::default(),
            Compat::default(),
        )
    }
}

impl RequestEngine {
    /// An engine over `tree` (fresh, or loaded from a snapshot), with no
    /// watches, no outstanding changes and last processed zxid 0.
    pub fn new(tree: DataTree, auth: AuthConfig, compat: Compat) -> Self {
        let tree_digest = digest::full_tree_digest(&tree);
        Self::with_digest(tree, tree_digest, auth, compat)
    }

    /// [`Self::new`] for a tree whose digest is already known — recovery
    /// keeps it through loading and replay — so a restart does not walk a
    /// million nodes twice. Debug builds check it.
    pub(crate) fn with_digest(
        tree: DataTree,
        tree_digest: u64,
        auth: AuthConfig,
        compat: Compat,
    ) -> Self {
        debug_assert_eq!(tree_digest, digest::full_tree_digest(&tree));
        Self {
            tree,
            watches: if compat.check_watches_own_only {
                WatchManager::new()
            } else {
                WatchManager::with_3_8_tables()
            },
            auth,
            compat,
            pending: Outstanding::default(),
            last_processed_zxid: 0,
            tree_digest,
            digest_log: digest::DigestLog::default(),
            enforce_quota: false,
        }
    }

    /// The digest history so far (`hash`): txns applied here, and those a
    /// restart replayed (see [`Self::set_digest_log`]).
    pub fn digest_log(&self) -> &digest::DigestLog {
        &self.digest_log
    }

    /// Takes over the history recovery recorded while replaying the log.
    pub fn set_digest_log(&mut self, log: digest::DigestLog) {
        self.digest_log = log;
    }

    /// The tree.
    pub fn tree(&self) -> &DataTree {
        &self.tree
    }

    /// The watch tables.
    pub fn watches(&self) -> &WatchManager {
        &self.watches
    }

    /// The watch tables, to drop a closed connection's watches.
    pub fn watches_mut(&mut self) -> &mut WatchManager {
        &mut self.watches
    }

    /// The ACL settings.
    pub fn auth_config(&self) -> &AuthConfig {
        &self.auth
    }

    /// Turns hard-quota enforcement (`zookeeper.enforceQuota`) on or off.
    pub fn set_enforce_quota(&mut self, on: bool) {
        self.enforce_quota = on;
    }

    /// `zookeeper.enforceQuota=true`'s check for a change of `count_diff`
    /// nodes and `bytes_diff` bytes under `path` (QuotaExceeded past a hard
    /// limit; nothing when enforcement is off).
    pub(crate) fn check_quota(
        &self,
        path: &str,
        bytes_diff: i64,
        count_diff: i64,
    ) -> Result<(), rzk_proto::codes::ErrorCode> {
        if self.enforce_quota && !self.tree.quota_allows(path, bytes_diff, count_diff) {
            return Err(rzk_proto::codes::ErrorCode::QuotaExceeded);
        }
        Ok(())
    }

    /// The version switches this engine follows.
    pub fn compat(&self) -> Compat {
        self.compat
    }

    /// The zxid of the last applied txn (replies to reads carry it).
    pub fn last_processed_zxid(&self) -> i64 {
        self.last_processed_zxid
    }

    /// Sets the last processed zxid (after loading a snapshot).
    pub fn set_last_processed_zxid(&mut self, zxid: i64) {
        self.last_processed_zxid = zxid;
    }

    /// The applied tree's digest (`DataTree.getTreeDigest`).
    pub fn tree_digest(&self) -> i64 {
        self.tree_digest as i64
    }

    /// The digest `hash` records: the tree's, or 0 with digests off (as
    /// ZooKeeper's tree digest stays 0 when it does not track it).
    fn recorded_digest(&self) -> i64 {
        if self.compat.digest_enabled {
            self.tree_digest()
        } else {
            0
        }
    }

    /// Number of outstanding change records (prepared, not applied).
    pub fn outstanding_changes(&self) -> usize {
        self.pending.len()
    }

    /// Forgets every outstanding change, e.g. when leadership is lost and
    /// prepared txns will never be applied.
    pub fn clear_outstanding(&mut self) {
        self.pending.clear();
    }
}
