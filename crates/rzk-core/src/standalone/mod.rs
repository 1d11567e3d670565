//! A standalone server as one deterministic state machine: connections,
//! sessions and the request pipeline, driven by events from the runtime
//! shell (`open`, `frame`, `closed`, `tick`), with time as an input.
//!
//! Every write becomes a txn with the next zxid (createSession and
//! closeSession included, as in ZooKeeper) and is applied at once. The
//! shell collects the applied txns with [`Standalone::take_txns`], logs
//! them, and holds every output produced with them until they are durable
//! (the group commit of `PROTOCOL.md` §6.2): a client sees nothing of a
//! write that could still be lost. Each connection's replies leave in
//! request order, and the watch events a write fires are queued before its
//! reply. Snapshots and restarts are in `persist.rs`.

mod connect;
mod dispatch;
mod four_letter;
#[cfg(test)]
mod model_tests;
mod persist;
#[cfg(test)]
mod persist_tests;
mod stats;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use rzk_proto::client::{encode_reply, ReplyHeader};
use rzk_proto::codes::OpCode;
use rzk_proto::data::Id;
use rzk_proto::txn::TxnEntry;

use crate::acl::AuthConfig;
use crate::request::{Applied, Compat, ConnAuth, Disposition, Reply, RequestEngine};
use crate::session::{SessionConfig, SessionTracker, STANDALONE_SERVER_ID};
use crate::shell::{ConnId, Now, Output};
use crate::tree::ephemeral::ExtendedTypes;
use crate::tree::DataTree;
use crate::watch::Notification;

pub use four_letter::{civil_from_days, java_date_utc, FourLetterInfo};
pub use stats::{ConnStats, ServerStats};

/// Settings of a standalone server's core.
#[derive(Debug, Clone)]
pub struct StandaloneConfig {
    /// Session timeout bounds and the tick width.
    pub sessions: SessionConfig,
    /// ACL and authentication settings.
    pub auth: AuthConfig,
    /// Version-specific behaviours.
    pub compat: Compat,
    /// TTL nodes (`extendedTypesEnabled`).
    pub extended_types: bool,
    /// Also read 3.5.3-era TTL owners (`emulate353TTLNodes`; only with
    /// `extended_types`).
    pub emulate_353_ttl_nodes: bool,
    /// How often containers and TTL nodes are checked
    /// (`znode.container.checkIntervalMs`, default 60000).
    pub container_check_interval_ms: i64,
    /// At most this many reaped per check (`znode.container.maxPerMinute`).
    pub container_max_per_check: usize,
    /// Childless containers that never had a child are reaped after this
    /// long (`znode.container.maxNeverUsedIntervalMs`; 0 = never).
    pub container_max_never_used_ms: i64,
    /// Refuse writes past hard quota limits (`enforceQuota`, default off).
    pub enforce_quota: bool,
}

impl StandaloneConfig {
    /// How owners are read under these settings.
    pub fn types(&self) -> ExtendedTypes {
        ExtendedTypes {
            enabled: self.extended_types,
            emulate_353: self.emulate_353_ttl_nodes,
        }
    }

    /// ZooKeeper's defaults for a given `tickTime`.
    pub fn with_tick_time(tick_time: std::num::NonZeroU32) -> Self {
        Self {
            sessions: SessionConfig::with_defaults(tick_time),
            auth: AuthConfig::default(),
            compat: Compat::default(),
            extended_types: false,
            emulate_353_ttl_nodes: false,
            container_check_interval_ms: 60_000,
            container_max_per_check: 10_000,
            container_max_never_used_ms: 0,
            enforce_quota: false,
        }
    }
}

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Accepted; its first frame must be a ConnectRequest.
    AwaitingConnect,
    /// Bound to a session.
    Open,
    /// The core asked the shell to close it; frames still in flight are
    /// ignored.
    Closing,
}

#[derive(Debug)]
struct Conn {
    peer: SocketAddr,
    auth_ids: Vec<Id>,
    session: Option<i64>,
    stage: Stage,
    stats: ConnStats,
    /// Wall ms at which it was accepted (`cons`'s `est`).
    established_ms: i64,
    /// Its replies not yet handed over (`cons`'s `queued`).
    outstanding: u64,
}

/// Connections' auth ids, as the watch delivery filter asks for them.
struct ConnIds<'a>(&'a BTreeMap<ConnId, Conn>);

impl ConnAuth for ConnIds<'_> {
    fn auth_ids(&self, conn: ConnId) -> &[Id] {
        self.0.get(&conn).map_or(&[], |c| c.auth_ids.as_slice())
    }
}

/// The standalone server's state machine. See the module documentation.
#[derive(Debug)]
pub struct Standalone {
    cfg: StandaloneConfig,
    engine: RequestEngine,
    sessions: SessionTracker,
    conns: BTreeMap<ConnId, Conn>,
    /// The connection each session is bound to now.
    session_conn: BTreeMap<i64, ConnId>,
    next_container_check: i64,
    started_mono_ms: i64,
    stats: ServerStats,
    /// When the frame being handled reached the core (its replies carry
    /// it); `None` outside `frame`.
    frame_at: Option<i64>,
    /// Replies handed to the shell and not yet reported back through
    /// [`Standalone::replied`]: the requests still in process.
    outstanding: u64,
    /// Txns applied since the shell last took them.
    applied: Vec<TxnEntry>,
}

impl Standalone {
    /// A server with an empty tree. `now` seeds session ids, as ZooKeeper
    /// seeds them from its clock.
    pub fn new(cfg: StandaloneConfig, now: Now) -> Self {
        let tree = DataTree::new(cfg.types());
        Self::with_tree(cfg, tree, now)
    }

    /// A server over a tree loaded from disk.
    pub fn with_tree(cfg: StandaloneConfig, tree: DataTree, now: Now) -> Self {
        let engine = RequestEngine::new(tree, cfg.auth.clone(), cfg.compat);
        Self::with_engine(cfg, engine, now)
    }

    fn with_engine(cfg: StandaloneConfig, mut engine: RequestEngine, now: Now) -> Self {
        engine.set_enforce_quota(cfg.enforce_quota);
        let sessions = SessionTracker::new(cfg.sessions, STANDALONE_SERVER_ID, now.mono_ms);
        Self {
            next_container_check: now.mono_ms + cfg.container_check_interval_ms,
            cfg,
            engine,
            sessions,
            conns: BTreeMap::new(),
            session_conn: BTreeMap::new(),
            started_mono_ms: now.mono_ms,
            stats: ServerStats::default(),
            frame_at: None,
            outstanding: 0,
            applied: Vec::new(),
        }
    }

    /// The request pipeline (tree, watches) for inspection.
    pub fn engine(&self) -> &RequestEngine {
        &self.engine
    }

    /// The session table for inspection.
    pub fn sessions(&self) -> &SessionTracker {
        &self.sessions
    }

    /// The last zxid applied.
    pub fn last_zxid(&self) -> i64 {
        self.engine.last_processed_zxid()
    }

    /// A connection was accepted from `peer`. Like every ZooKeeper
    /// connection it carries the id `ip:<address>`.
    pub fn open(&mut self, conn: ConnId, peer: SocketAddr, now: Now) -> Vec<Output> {
        let ip = match peer.ip() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => v6.to_string(),
        };
        self.conns.insert(
            conn,
            Conn {
                peer,
                auth_ids: vec![Id::new("ip", ip)],
                session: None,
                stage: Stage::AwaitingConnect,
                stats: ConnStats::default(),
                established_ms: now.wall_ms,
                outstanding: 0,
            },
        );
        Vec::new()
    }

    /// A frame arrived on `conn`.
    pub fn frame(&mut self, conn: ConnId, payload: Bytes, now: Now) -> Vec<Output> {
        let mut out = Vec::new();
        let Some(c) = self.conns.get_mut(&conn) else {
            return out;
        };
        c.stats.received += 1;
        self.stats.packets_received += 1;
        self.frame_at = Some(now.mono_ms);
        let op = match c.stage {
            Stage::AwaitingConnect => {
                self.connect(conn, payload, now, &mut out);
                Some((OpCode::CreateSession, 0))
            }
            Stage::Open => {
                // Auth packets are answered outside the request pipeline
                // in ZooKeeper and leave the connection's stats alone.
                let header = peek_header(&payload).filter(|&(_, op)| op != OpCode::Auth.code());
                self.request(conn, payload, now, &mut out);
                header.map(|(xid, op)| (OpCode::from_code(op).unwrap_or(OpCode::Notification), xid))
            }
            Stage::Closing => None,
        };
        self.frame_at = None;
        if let Some((op, xid)) = op {
            let answered = out.iter().any(
                |o| matches!(o, Output::Send { conn: c, received: Some(_), .. } if *c == conn),
            );
            let zxid = self.last_zxid();
            if let (true, Some(c)) = (answered, self.conns.get_mut(&conn)) {
                c.stats.last_op = stats::op_name(op);
                if xid >= 0 {
                    c.stats.last_cxid = i64::from(xid);
                }
                c.stats.last_zxid = zxid;
            }
        }
        out
    }

    /// The shell handed a reply marked `received` (see [`Output::Send`])
    /// to its connection at `now`: the request is done, and its latency
    /// counts in `srvr`/`stat`/`mntr` as ZooKeeper counts it (a negative
    /// one, from a clock that went back, is dropped as ZooKeeper drops it).
    /// Also `conn`'s own figures (`cons`: `queued`, `lresp`, `llat`,
    /// `minlat`, `avglat`, `maxlat`).
    pub fn replied(&mut self, conn: ConnId, received: i64, now: Now) {
        self.outstanding = self.outstanding.saturating_sub(1);
        let ms = u64::try_from(now.mono_ms - received).ok();
        if let Some(ms) = ms {
            self.stats.latency.add(ms);
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.outstanding = c.outstanding.saturating_sub(1);
            c.stats.last_response_ms = now.mono_ms;
            if let Some(ms) = ms {
                c.stats.last_latency = ms;
                c.stats.latency.add(ms);
            }
        }
    }

    /// `conn` is gone. Its watches go with it; its session stays until it
    /// expires or is resumed on another connection.
    pub fn closed(&mut self, conn: ConnId, _now: Now) -> Vec<Output> {
        if let Some(c) = self.conns.remove(&conn) {
            self.engine.watches_mut().remove_connection(conn);
            if let Some(s) = c.session {
                if self.session_conn.get(&s) == Some(&conn) {
                    self.session_conn.remove(&s);
                }
            }
        }
        Vec::new()
    }

    /// Time passed: expire sessions (their ephemerals go in one
    /// closeSession txn each) and reap containers and TTL nodes.
    pub fn tick(&mut self, now: Now) -> Vec<Output> {
        let mut out = Vec::new();
        for id in self.sessions.expired(now.mono_ms) {
            self.stats.expired_sessions += 1;
            self.close_session(id, 0, now, &mut out);
            if let Some(conn) = self.session_conn.remove(&id) {
                self.close_conn(conn, &mut out);
            }
        }
        if now.mono_ms >= self.next_container_check {
            self.next_container_check = now.mono_ms + self.cfg.container_check_interval_ms;
            let candidates = self
                .engine
                .tree()
                .reap_candidates(now.wall_ms, self.cfg.container_max_never_used_ms);
            for path in candidates
                .into_iter()
                .take(self.cfg.container_max_per_check)
            {
                let zxid = self.next_zxid();
                let txn = self.engine.prep_delete_container(&path, zxid, now.wall_ms);
                let applied = self.commit(txn);
                self.notify(applied.notifications, &mut out);
            }
        }
        out
    }

    /// The zxid the next txn gets: txns are applied as soon as they are
    /// prepared, so it follows the last applied one.
    fn next_zxid(&self) -> i64 {
        self.engine.last_processed_zxid() + 1
    }

    /// Applies a txn and keeps it for [`Self::take_txns`]. Every txn goes
    /// through here, so the log the shell writes is exactly what the tree
    /// went through.
    fn commit(&mut self, txn: TxnEntry) -> Applied {
        let applied = self.engine.apply(&txn, &ConnIds(&self.conns));
        self.applied.push(txn);
        applied
    }

    /// Ends session `id` with a closeSession txn: its ephemerals are
    /// deleted and their watches fire.
    fn close_session(&mut self, id: i64, cxid: i32, now: Now, out: &mut Vec<Output>) -> Reply {
        self.sessions.set_closing(id);
        let zxid = self.next_zxid();
        let txn = self.engine.prep_close_session(id, cxid, zxid, now.wall_ms);
        let applied = self.commit(txn);
        self.sessions.remove_session(id);
        self.notify(applied.notifications, out);
        applied.reply
    }

    /// Queues watch events for their connections.
    fn notify(&mut self, notes: Vec<Notification>, out: &mut Vec<Output>) {
        for n in notes {
            let header = ReplyHeader {
                xid: rzk_proto::codes::xid::NOTIFICATION,
                zxid: n.zxid,
                err: 0,
            };
            self.push(n.conn, encode_reply(&header, Some(&n.event)), None, out);
        }
    }

    /// Sends a reply to the frame being handled (timed).
    fn send(&mut self, conn: ConnId, payload: Bytes, out: &mut Vec<Output>) {
        self.push(conn, payload, self.frame_at, out);
    }

    fn push(&mut self, conn: ConnId, payload: Bytes, received: Option<i64>, out: &mut Vec<Output>) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if c.stage == Stage::Closing {
                return;
            }
            c.stats.sent += 1;
            self.stats.packets_sent += 1;
            if received.is_some() {
                c.outstanding += 1;
                self.outstanding += 1;
            }
            out.push(Output::Send {
                conn,
                payload,
                received,
            });
        }
    }

    fn close_conn(&mut self, conn: ConnId, out: &mut Vec<Output>) {
        if let Some(c) = self.conns.get_mut(&conn) {
            if c.stage != Stage::Closing {
                c.stage = Stage::Closing;
                out.push(Output::Close { conn });
            }
        }
    }

    /// Sends `reply` for request `xid` and carries out its disposition.
    fn answer(&mut self, conn: ConnId, xid: i32, reply: &Reply, out: &mut Vec<Output>) {
        match reply.disposition {
            Disposition::Reply => self.send(conn, reply.encode(xid), out),
            Disposition::ReplyThenClose => {
                self.send(conn, reply.encode(xid), out);
                self.close_conn(conn, out);
            }
            Disposition::CloseWithoutReply => self.close_conn(conn, out),
        }
    }
}

/// The xid and opcode a request frame starts with, if it is that long.
fn peek_header(payload: &[u8]) -> Option<(i32, i32)> {
    let xid = i32::from_be_bytes(payload.get(0..4)?.try_into().ok()?);
    let op = i32::from_be_bytes(payload.get(4..8)?.try_into().ok()?);
    Some((xid, op))
}
