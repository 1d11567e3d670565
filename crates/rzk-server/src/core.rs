//! The boundary between the network shell and the server's state machine.
//!
//! The shell turns sockets into ordered events and carries out the outputs;
//! everything ZooKeeper-specific (sessions, the tree, watches, replies)
//! lives behind [`Core`], which does no I/O and reads no clock.

use std::net::SocketAddr;

use bytes::Bytes;
use rzk_core::persist::FrozenSnapshot;
use rzk_proto::codec::FourLetterCommand;
use rzk_proto::txn::TxnEntry;

pub use rzk_core::shell::{ConnId, Now, Output};

/// The server's state machine as the shell drives it. Events for one
/// connection arrive in the order the bytes arrived; the core answers each
/// with outputs, which the shell performs in order.
pub trait Core: Send + 'static {
    /// A connection was accepted.
    fn open(&mut self, conn: ConnId, peer: SocketAddr, now: Now) -> Vec<Output>;
    /// A frame arrived (the first one of a connection is its ConnectRequest).
    fn frame(&mut self, conn: ConnId, payload: Bytes, now: Now) -> Vec<Output>;
    /// The connection is gone (peer closed, error, or after our Close).
    fn closed(&mut self, conn: ConnId, now: Now) -> Vec<Output>;
    /// Time passed: expire sessions, reap containers and TTL nodes.
    fn tick(&mut self, now: Now) -> Vec<Output>;
    /// The text answer to a four-letter word (after the whitelist check,
    /// which the shell does).
    fn four_letter(&mut self, command: FourLetterCommand, mask: Option<i64>, now: Now) -> String;

    /// Every txn applied since the last call, in zxid order, for the log.
    /// A core without persistent state has none.
    fn take_txns(&mut self) -> Vec<TxnEntry> {
        Vec::new()
    }

    /// A reply marked `received` (see [`Output::Send`]) was handed to
    /// connection `conn` at `now`. A core that keeps no request statistics
    /// ignores it.
    fn replied(&mut self, conn: ConnId, received: i64, now: Now) {
        let _ = (conn, received, now);
    }

    /// The zxid of the last txn applied.
    fn last_zxid(&self) -> i64 {
        0
    }

    /// The state now, for a snapshot written on another thread; `None`
    /// if this core has nothing to snapshot.
    fn freeze_snapshot(&mut self) -> Option<FrozenSnapshot> {
        None
    }
}
