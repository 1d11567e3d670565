//! What the deterministic core exchanges with the runtime shell around it:
//! time as an input, and the actions it asks the shell to perform.

use bytes::Bytes;

/// Identifies one client connection for the life of the process.
pub type ConnId = u64;

/// Time, always handed in by the shell; the core never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Now {
    /// Wall-clock milliseconds since the Unix epoch (txn times, ctime/mtime).
    pub wall_ms: i64,
    /// Monotonic milliseconds (session expiry), immune to wall-clock steps.
    pub mono_ms: i64,
}

/// An action the core asks the shell to perform, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write one frame payload (the shell adds the length prefix).
    Send {
        /// The connection.
        conn: ConnId,
        /// The payload.
        payload: Bytes,
        /// For the reply to a request: the monotonic ms at which that
        /// request reached the core. The shell reports it back through
        /// `replied` once it hands the reply to its connection, so a
        /// request's latency covers whatever the reply waited for (the log
        /// sync of a write), as ZooKeeper's latency does. `None` for watch
        /// events and auth replies, which ZooKeeper does not time either.
        received: Option<i64>,
    },
    /// Close the connection after everything sent to it before.
    Close {
        /// The connection.
        conn: ConnId,
    },
}
