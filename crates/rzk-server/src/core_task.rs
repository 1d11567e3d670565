//! The one task that owns the [`Core`]: it receives every connection's
//! events in arrival order, feeds them to the core with the current time,
//! and routes the outputs back to the connections' writers. Owning the core
//! in one task is what makes the state machine lock-free and its decisions
//! ordered.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use rzk_proto::codec::FourLetterCommand;
use tokio::sync::{mpsc, oneshot};

use crate::clock;
use crate::core::{ConnId, Core, Output};

/// What a connection tells the core task.
pub(crate) enum Event {
    /// Accepted; outputs for it go to `outbound`.
    Open {
        conn: ConnId,
        peer: SocketAddr,
        outbound: mpsc::Sender<Outbound>,
    },
    /// A frame payload arrived.
    Frame { conn: ConnId, payload: Bytes },
    /// The connection ended.
    Closed { conn: ConnId },
    /// A whitelisted four-letter word; the text goes to `reply`.
    FourLetter {
        command: FourLetterCommand,
        mask: Option<i64>,
        reply: oneshot::Sender<String>,
    },
}

/// What a connection's writer is asked to write.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// A frame payload (the writer adds the length prefix).
    Frame(Bytes),
}

/// Runs the core until every event sender is gone.
pub(crate) async fn run<C: Core>(mut core: C, mut events: mpsc::Receiver<Event>, tick: Duration) {
    let mut writers: BTreeMap<ConnId, mpsc::Sender<Outbound>> = BTreeMap::new();
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let outputs = tokio::select! {
            // Events first: a tick never jumps ahead of bytes already read.
            biased;
            ev = events.recv() => match ev {
                None => break,
                Some(Event::Open { conn, peer, outbound }) => {
                    writers.insert(conn, outbound);
                    core.open(conn, peer, clock::now())
                }
                Some(Event::Frame { conn, payload }) => core.frame(conn, payload, clock::now()),
                Some(Event::Closed { conn }) => {
                    writers.remove(&conn);
                    core.closed(conn, clock::now())
                }
                Some(Event::FourLetter { command, mask, reply }) => {
                    let _ = reply.send(core.four_letter(command, mask, clock::now()));
                    Vec::new()
                }
            },
            _ = ticker.tick() => core.tick(clock::now()),
        };
        route(&mut writers, outputs);
    }
}

/// Carries out outputs. Closing a connection is dropping its writer's
/// sender: the writer drains what was queued, then shuts the socket. A
/// connection whose queue is full (a client not reading) is closed rather
/// than buffered without bound.
fn route(writers: &mut BTreeMap<ConnId, mpsc::Sender<Outbound>>, outputs: Vec<Output>) {
    for out in outputs {
        match out {
            Output::Send { conn, payload } => {
                let full = match writers.get(&conn) {
                    Some(tx) => tx.try_send(Outbound::Frame(payload)).is_err(),
                    None => false,
                };
                if full {
                    tracing::warn!(
                        conn,
                        "client not reading its replies; closing the connection"
                    );
                    writers.remove(&conn);
                }
            }
            Output::Close { conn } => {
                writers.remove(&conn);
            }
        }
    }
}
