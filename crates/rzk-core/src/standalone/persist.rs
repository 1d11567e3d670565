//! The standalone server and durable storage: starting from a recovered
//! database, handing the applied txns to the shell, and freezing the
//! state for a snapshot written elsewhere.

use rzk_proto::txn::TxnEntry;

use super::{Standalone, StandaloneConfig};
use crate::persist::{FrozenSnapshot, Recovered};
use crate::request::RequestEngine;
use crate::shell::Now;

impl Standalone {
    /// A server over a recovered database: the engine's last processed
    /// zxid is `recovered.last_zxid` and its tree digest is the one
    /// recovery computed from the loaded nodes and kept through replay (the
    /// same sum a walk of the tree gives; debug builds check it); every recovered session is tracked with its timeout from
    /// `now`, so it expires — deleting its ephemerals through a normal
    /// closeSession txn — unless its client comes back; and new session ids
    /// skip every tracked one.
    ///
    /// A session that owns ephemerals but is not among the recovered
    /// sessions (possible only in a damaged or foreign data directory) is
    /// closed at once, as `ZooKeeperServer.loadData` kills such sessions;
    /// here with a closeSession txn, which [`Self::take_txns`] returns
    /// first, so the log agrees with the tree.
    pub fn restore(cfg: StandaloneConfig, recovered: Recovered, now: Now) -> Self {
        let digest = recovered.tree_digest() as u64;
        // With digests off ZooKeeper's tree digest stays 0, and so do the
        // digests `hash` lists.
        let digest_log = if cfg.compat.digest_enabled {
            recovered.digest_log().clone()
        } else {
            recovered.digest_log().zeroed()
        };
        let Recovered {
            tree,
            sessions,
            last_zxid,
            ..
        } = recovered;
        let engine = RequestEngine::with_digest(tree, digest, cfg.auth.clone(), cfg.compat);
        let mut server = Self::with_engine(cfg, engine, now);
        server.engine.set_last_processed_zxid(last_zxid);
        server.engine.set_digest_log(digest_log);
        let dead: Vec<i64> = server
            .engine
            .tree()
            .sessions_with_ephemerals()
            .into_iter()
            .filter(|s| !sessions.contains_key(s))
            .collect();
        server.sessions.load_sessions(sessions, now.mono_ms);
        let mut out = Vec::new();
        for id in dead {
            // No connection exists yet, so nothing is sent.
            server.close_session(id, 0, now, &mut out);
        }
        server
    }

    /// Every txn applied since the last call, in zxid order:
    /// createSession, closeSession, error txns and container reaps
    /// included — exactly the entries that were applied. The shell logs
    /// them and holds all outputs produced with them until they are
    /// durable. They accumulate until taken.
    pub fn take_txns(&mut self) -> Vec<TxnEntry> {
        std::mem::take(&mut self.applied)
    }

    /// The state now, as a snapshot to be written elsewhere (see
    /// [`FrozenSnapshot`]): the tree, the live sessions, the last applied
    /// zxid and — unless digests are disabled — the tree digest.
    pub fn freeze_snapshot(&self) -> FrozenSnapshot {
        let digest = self
            .cfg
            .compat
            .digest_enabled
            .then(|| self.engine.tree_digest());
        FrozenSnapshot::new(
            self.engine.tree().freeze(),
            self.sessions.snapshot_sessions(),
            self.last_zxid(),
            digest,
        )
    }
}
