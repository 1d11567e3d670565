//! The session tracker (`PROTOCOL.md` §2.2, §3.9; `srv/SessionTrackerImpl`,
//! `srv/ExpiryQueue`, the session parts of `srv/ZooKeeperServer`).
//!
//! It owns the table of global sessions: ids, negotiated timeouts, expiry
//! buckets, the closing flag and the owner that may use each session. Time
//! is always an argument (`now`, ms on the server's monotonic clock); the
//! runtime calls [`SessionTracker::expired`] when
//! [`SessionTracker::next_expiration`] comes and submits a `closeSession`
//! for each id it gets back.
//!
//! The lifecycle, as in ZooKeeper:
//! * a new connection gets an id from [`SessionTracker::create_session`]
//!   (tracked and owned at once; the `createSession` txn that records it
//!   is the request pipeline's business);
//! * every packet touches the session ([`SessionTracker::touch`]);
//! * a reconnect is [`SessionTracker::revalidate`] (password, touch,
//!   re-own);
//! * requests are gated by [`SessionTracker::check_session`];
//! * expiry or a client's closeSession marks the session closing, after
//!   which nothing can touch it back to life, and applying the
//!   closeSession txn calls [`SessionTracker::remove_session`].
//!
//! Local sessions (`localSessionsEnabled`) are not modelled yet.

mod expiry;
mod id;
mod passwd;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use rzk_proto::codes::ErrorCode;

pub use expiry::ExpiryQueue;
pub use id::{initial_session_id, SessionIdGenerator, STANDALONE_SERVER_ID};
pub use passwd::{check_passwd, generate_passwd, JavaRandom, PASSWD_LEN, SUPER_SECRET};

/// Who may use a session: ZooKeeper's `owner` object. The runtime picks the
/// granularity — a client connection in standalone, a learner handler on a
/// leader — and passes the same value for every request from it.
pub type Owner = u64;

/// The timing rules of one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// `tickTime` in ms: the width of an expiry bucket.
    pub tick_time: NonZeroU32,
    /// Lower bound of a negotiated timeout (ms).
    pub min_session_timeout: i32,
    /// Upper bound of a negotiated timeout (ms).
    pub max_session_timeout: i32,
}

impl SessionConfig {
    /// The ZooKeeper defaults for a tick: min = 2 × tick, max = 20 × tick
    /// (saturating, so an absurd tickTime still gives a config).
    pub fn with_defaults(tick_time: NonZeroU32) -> Self {
        let tick = i32::try_from(tick_time.get()).unwrap_or(i32::MAX);
        Self {
            tick_time,
            min_session_timeout: tick.saturating_mul(2),
            max_session_timeout: tick.saturating_mul(20),
        }
    }

    /// The negotiated timeout for a requested one: raised to the minimum,
    /// then lowered to the maximum, in that order, as
    /// `processConnectRequest` does (so a config with min > max yields
    /// max rather than panicking like `Ord::clamp`).
    pub fn negotiate(&self, requested: i32) -> i32 {
        let mut t = requested;
        if t < self.min_session_timeout {
            t = self.min_session_timeout;
        }
        if t > self.max_session_timeout {
            t = self.max_session_timeout;
        }
        t
    }
}

/// One tracked session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session id.
    pub id: i64,
    /// The timeout it was created (or loaded) with: what snapshots and the
    /// `createSession` txn carry.
    pub timeout: i32,
    /// The timeout touches use: the one negotiated by the connection that
    /// holds the session now. A reconnect may negotiate a different one;
    /// like ZooKeeper we use it for expiry without rewriting `timeout`.
    pub touch_timeout: i32,
    /// The owner, if any request or revalidation has bound one yet.
    pub owner: Option<Owner>,
    /// Set on expiry or closeSession; a closing session is never touched
    /// again and fails every check.
    pub closing: bool,
    /// The bucket time (ms) at which the session expires.
    pub expires_at: i64,
}

/// Why a request may not use a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The tracker does not know the id.
    #[error("unknown session 0x{0:x}")]
    Unknown(i64),
    /// The session is closing (expired or closed).
    #[error("session 0x{0:x} expired")]
    Expired(i64),
    /// Another owner holds the session.
    #[error("session 0x{0:x} moved to another owner")]
    Moved(i64),
}

impl SessionError {
    /// The code a request fails with. ZooKeeper's standalone/learner
    /// `checkSession` throws UNKNOWNSESSION (−12) for an unknown id, while
    /// the leader's `checkGlobalSession` turns it into SESSIONEXPIRED
    /// (−112); `global` selects the latter.
    pub fn code(self, global: bool) -> ErrorCode {
        match self {
            SessionError::Unknown(_) if !global => ErrorCode::UnknownSession,
            SessionError::Unknown(_) | SessionError::Expired(_) => ErrorCode::SessionExpired,
            SessionError::Moved(_) => ErrorCode::SessionMoved,
        }
    }
}

/// What a successful reconnect answers (`finishSessionInit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revalidated {
    /// The session id.
    pub session_id: i64,
    /// The negotiated timeout to put in the ConnectResponse.
    pub timeout: i32,
    /// The recomputed password.
    pub passwd: [u8; PASSWD_LEN],
}

/// The global session table. See the module documentation.
#[derive(Debug, Clone)]
pub struct SessionTracker {
    config: SessionConfig,
    ids: SessionIdGenerator,
    sessions: BTreeMap<i64, Session>,
    queue: ExpiryQueue<i64>,
}

impl SessionTracker {
    /// A tracker for server `server_id` started at `now` (which seeds the
    /// id counter, §3.9). Standalone servers pass
    /// [`STANDALONE_SERVER_ID`].
    pub fn new(config: SessionConfig, server_id: i64, now: i64) -> Self {
        Self {
            config,
            ids: SessionIdGenerator::new(now, server_id),
            sessions: BTreeMap::new(),
            queue: ExpiryQueue::new(config.tick_time),
        }
    }

    /// The timing rules in force.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The id the next [`Self::create_session`] will hand out.
    pub fn next_session_id(&self) -> i64 {
        self.ids.peek()
    }

    /// `createSession` + the Prep step's `trackSession`/`setOwner`:
    /// negotiates `requested_timeout`, allocates an id, tracks it, binds it
    /// to `owner`, and returns the session (its id, negotiated timeout)
    /// with its password.
    pub fn create_session(
        &mut self,
        requested_timeout: i32,
        owner: Owner,
        now: i64,
    ) -> (Session, [u8; PASSWD_LEN]) {
        let timeout = self.config.negotiate(requested_timeout);
        let mut id = self.ids.next_id();
        // Ids come from a clock-seeded counter, so a collision means a
        // snapshot carried a session from our own future; skip past it
        // rather than hand out one id twice.
        while self.sessions.contains_key(&id) {
            id = self.ids.next_id();
        }
        let s = self.track(id, timeout, now);
        s.owner = Some(owner);
        (s.clone(), generate_passwd(id))
    }

    /// `trackSession`: adds a session with a known id and timeout — one
    /// loaded from a snapshot, or created by a `createSession` txn from
    /// the leader — and starts its expiry clock at `now`. An existing
    /// session keeps its fields and is only touched; Java would re-queue
    /// even a closing one, we leave it closed (nothing revives a closing
    /// session). Returns whether it was new.
    pub fn track_session(&mut self, id: i64, timeout: i32, now: i64) -> bool {
        let added = !self.sessions.contains_key(&id);
        self.track(id, timeout, now);
        added
    }

    fn track(&mut self, id: i64, timeout: i32, now: i64) -> &mut Session {
        let s = self.sessions.entry(id).or_insert_with(|| Session {
            id,
            timeout,
            touch_timeout: timeout,
            owner: None,
            closing: false,
            expires_at: 0,
        });
        if !s.closing {
            if let Some(at) = self.queue.update(id, now, timeout) {
                s.expires_at = at;
            }
        }
        s
    }

    /// Loads every `(id, timeout)` of a snapshot's session list.
    pub fn load_sessions(&mut self, sessions: impl IntoIterator<Item = (i64, i32)>, now: i64) {
        for (id, timeout) in sessions {
            self.track_session(id, timeout, now);
        }
    }

    /// `touchSession` with the session's own touch timeout: moves it to the
    /// bucket for `now`. False for an unknown or closing session (the
    /// connection must then be closed).
    pub fn touch(&mut self, id: i64, now: i64) -> bool {
        match self.sessions.get(&id) {
            Some(s) => {
                let t = s.touch_timeout;
                self.touch_with_timeout(id, t, now)
            }
            None => false,
        }
    }

    /// `touchSession(id, timeout)`: a touch carrying its timeout, as a
    /// learner's PING reply does; the timeout becomes the session's touch
    /// timeout.
    pub fn touch_with_timeout(&mut self, id: i64, timeout: i32, now: i64) -> bool {
        let Some(s) = self.sessions.get_mut(&id) else {
            return false;
        };
        if s.closing {
            return false;
        }
        s.touch_timeout = timeout;
        if let Some(at) = self.queue.update(id, now, timeout) {
            s.expires_at = at;
        }
        true
    }

    /// `checkSession`: may `owner` use session `id`? An unowned session is
    /// bound to the first owner that asks.
    pub fn check_session(&mut self, id: i64, owner: Owner) -> Result<(), SessionError> {
        let s = self
            .sessions
            .get_mut(&id)
            .ok_or(SessionError::Unknown(id))?;
        if s.closing {
            return Err(SessionError::Expired(id));
        }
        match s.owner {
            None => {
                s.owner = Some(owner);
                Ok(())
            }
            Some(o) if o == owner => Ok(()),
            Some(_) => Err(SessionError::Moved(id)),
        }
    }

    /// `setOwner`: hands the session to `owner`. Fails with
    /// [`SessionError::Expired`] for an unknown or closing session.
    pub fn set_owner(&mut self, id: i64, owner: Owner) -> Result<(), SessionError> {
        match self.sessions.get_mut(&id) {
            Some(s) if !s.closing => {
                s.owner = Some(owner);
                Ok(())
            }
            _ => Err(SessionError::Expired(id)),
        }
    }

    /// A reconnect with `(id, passwd)` and the timeout this connection
    /// negotiated (see [`SessionConfig::negotiate`]): checks the password,
    /// touches the session, and binds it to the new owner, so requests
    /// still arriving through the old owner fail with SessionMoved. `None`
    /// means the ConnectResponse must say expired (timeout 0, id 0, zero
    /// password): wrong password, unknown or closing session.
    pub fn revalidate(
        &mut self,
        id: i64,
        passwd: &[u8],
        negotiated_timeout: i32,
        owner: Owner,
        now: i64,
    ) -> Option<Revalidated> {
        if !check_passwd(id, passwd) || !self.touch_with_timeout(id, negotiated_timeout, now) {
            return None;
        }
        self.set_owner(id, owner).ok()?;
        Some(Revalidated {
            session_id: id,
            timeout: negotiated_timeout,
            passwd: generate_passwd(id),
        })
    }

    /// `setSessionClosing`: from now on the session fails checks and
    /// touches. Returns false if the id is unknown.
    pub fn set_closing(&mut self, id: i64) -> bool {
        match self.sessions.get_mut(&id) {
            Some(s) => {
                s.closing = true;
                true
            }
            None => false,
        }
    }

    /// `removeSession`, when the closeSession txn is applied.
    pub fn remove_session(&mut self, id: i64) -> Option<Session> {
        self.queue.remove(id);
        self.sessions.remove(&id)
    }

    /// The sessions whose bucket time is ≤ `now`, earliest bucket first and
    /// by id within a bucket, each marked closing. The caller submits a
    /// closeSession for each. They stay tracked (and fail checks) until
    /// [`Self::remove_session`].
    pub fn expired(&mut self, now: i64) -> Vec<i64> {
        let due = self.queue.poll(now);
        for id in &due {
            if let Some(s) = self.sessions.get_mut(id) {
                s.closing = true;
            }
        }
        due
    }

    /// When the runtime should next call [`Self::expired`].
    pub fn next_expiration(&self) -> Option<i64> {
        self.queue.next_expiration()
    }

    /// One session.
    pub fn get(&self, id: i64) -> Option<&Session> {
        self.sessions.get(&id)
    }

    /// `isTrackingSession`.
    pub fn contains(&self, id: i64) -> bool {
        self.sessions.contains_key(&id)
    }

    /// Every session, by id.
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    /// `(id, timeout)` for every session, by id: what a snapshot stores.
    pub fn snapshot_sessions(&self) -> Vec<(i64, i32)> {
        self.sessions.values().map(|s| (s.id, s.timeout)).collect()
    }

    /// `mntr`'s `global_sessions` (closing sessions included, as Java
    /// counts them until removal).
    pub fn global_session_count(&self) -> usize {
        self.sessions.len()
    }

    /// `mntr`'s `local_sessions`: always 0 until local sessions exist.
    pub fn local_session_count(&self) -> usize {
        0
    }

    /// `getSessionExpiryMap`: bucket time → ids, in time order, for `dump`
    /// and `cons`. Sessions already handed out by [`Self::expired`] are no
    /// longer in any bucket.
    pub fn expiry_buckets(&self) -> Vec<(i64, Vec<i64>)> {
        self.queue
            .buckets()
            .map(|(t, ids)| (t, ids.iter().copied().collect()))
            .collect()
    }

    /// The `dump` text of `dumpSessions`: `Session Sets (b)/(n):`, then per
    /// bucket `<count> expire at <date>:` and one tab-indented `0x<id>`
    /// line each. `date` turns a bucket time into the wall-clock text the
    /// runtime shows (Java prints `Time.elapsedTimeToDate`).
    pub fn dump(&self, date: impl Fn(i64) -> String) -> String {
        let buckets = self.expiry_buckets();
        let mut out = format!("Session Sets ({})/({}):\n", buckets.len(), self.queue.len());
        for (t, ids) in buckets {
            out.push_str(&format!("{} expire at {}:\n", ids.len(), date(t)));
            for id in ids {
                out.push_str(&format!("\t0x{id:x}\n"));
            }
        }
        out
    }
}
