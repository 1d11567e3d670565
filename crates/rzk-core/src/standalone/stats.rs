//! Counters behind `srvr`, `stat`, `cons` and `mntr`.

/// Server-wide counters since start (or the last `srst`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Frames received from clients.
    pub packets_received: u64,
    /// Frames sent to clients (replies and notifications).
    pub packets_sent: u64,
    /// Auth packets rejected.
    pub auth_failed: u64,
    /// Sessions closed by expiry.
    pub expired_sessions: u64,
}

/// Per-connection counters (`cons`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnStats {
    /// Frames received.
    pub received: u64,
    /// Frames sent.
    pub sent: u64,
}
