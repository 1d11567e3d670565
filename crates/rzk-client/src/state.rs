//! Session states and watch events as the application sees them.

use rzk_proto::codes::{EventType, KeeperState};

/// The state of the client's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Not connected yet, or reconnecting after a connection loss; the
    /// session may still be alive on the servers.
    Disconnected,
    /// Connected to a read-write server.
    Connected,
    /// Connected to a read-only server (only when read-only was allowed).
    ConnectedReadOnly,
    /// The server rejected the credentials given with `add_auth`.
    AuthFailed,
    /// The session expired; every later call fails with `SessionExpired`.
    Expired,
    /// The client was closed.
    Closed,
}

impl SessionState {
    /// True once the session can never be used again.
    pub fn is_terminal(self) -> bool {
        matches!(self, SessionState::Expired | SessionState::Closed)
    }

    /// The `KeeperState` ZooKeeper clients report for it.
    pub fn keeper_state(self) -> KeeperState {
        match self {
            SessionState::Disconnected => KeeperState::Disconnected,
            SessionState::Connected => KeeperState::SyncConnected,
            SessionState::ConnectedReadOnly => KeeperState::ConnectedReadOnly,
            SessionState::AuthFailed => KeeperState::AuthFailed,
            SessionState::Expired => KeeperState::Expired,
            SessionState::Closed => KeeperState::Closed,
        }
    }
}

/// A watch notification (or, with type `None`, the end of the session that
/// made the watch unable to fire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedEvent {
    /// What happened.
    pub event_type: EventType,
    /// The session state when it was delivered.
    pub state: KeeperState,
    /// The znode, relative to the client's chroot (empty for session events).
    pub path: String,
    /// The zxid of the change that fired it, or -1 when the server does not
    /// say (3.8 servers and setWatches catch-up events).
    pub zxid: i64,
}
