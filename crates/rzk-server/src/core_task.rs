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
use crate::storage::durability::LogFailed;
use crate::storage::{Durability, FsyncStats};

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

/// Why the core task woke up.
enum Wake {
    /// The log thread or the snapshot thread reported.
    Progress(Result<Vec<Output>, LogFailed>),
    /// A connection event (`None`: every sender is gone).
    Event(Option<Event>),
    /// Time to tick.
    Tick,
    /// The server is shutting down.
    Stop,
}

async fn progress(durability: &mut Option<Durability>) -> Result<Vec<Output>, LogFailed> {
    match durability {
        Some(d) => d.progress().await,
        None => std::future::pending().await,
    }
}

/// Runs the core until every event sender is gone or `stop` fires. With
/// `durability`, every output waits until the txns applied before it are
/// durable, and the log's failure ends the task with an error (nothing
/// more may be acknowledged).
pub(crate) async fn run<C: Core>(
    mut core: C,
    mut events: mpsc::Receiver<Event>,
    tick: Duration,
    mut durability: Option<Durability>,
    mut stop: oneshot::Receiver<()>,
) -> Result<(), LogFailed> {
    let mut writers: BTreeMap<ConnId, mpsc::Sender<Outbound>> = BTreeMap::new();
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let result = loop {
        let wake = tokio::select! {
            // Durability reports first (they release replies), then events:
            // a tick never jumps ahead of bytes already read.
            biased;
            p = progress(&mut durability) => Wake::Progress(p),
            _ = &mut stop => Wake::Stop,
            ev = events.recv() => Wake::Event(ev),
            _ = ticker.tick() => Wake::Tick,
        };
        let outputs = match wake {
            Wake::Progress(Ok(released)) => {
                route(&mut core, &mut writers, released);
                continue;
            }
            Wake::Progress(Err(e)) => break Err(e),
            Wake::Stop | Wake::Event(None) => break Ok(()),
            Wake::Event(Some(Event::Open {
                conn,
                peer,
                outbound,
            })) => {
                writers.insert(conn, outbound);
                core.open(conn, peer, clock::now())
            }
            Wake::Event(Some(Event::Frame { conn, payload })) => {
                core.frame(conn, payload, clock::now())
            }
            Wake::Event(Some(Event::Closed { conn })) => {
                writers.remove(&conn);
                core.closed(conn, clock::now())
            }
            Wake::Event(Some(Event::FourLetter {
                command,
                mask,
                reply,
            })) => {
                let mut text = core.four_letter(command, mask, clock::now());
                // The log thread's sync times, which the core does not see
                // (all zero without a log, as ZooKeeper prints them then).
                let stats = durability.as_ref().map(Durability::fsync_stats);
                match command {
                    FourLetterCommand::Mntr => text.push_str(&stats.map_or_else(
                        || FsyncStats::default().mntr_lines(),
                        FsyncStats::mntr_lines,
                    )),
                    FourLetterCommand::Srst => {
                        if let Some(stats) = stats {
                            stats.reset();
                        }
                    }
                    _ => {}
                }
                let _ = reply.send(text);
                Vec::new()
            }
            Wake::Tick => core.tick(clock::now()),
        };
        let outputs = match durability.as_mut() {
            Some(d) => match d.after_call(&mut core, outputs) {
                Ok(o) => o,
                Err(e) => break Err(e),
            },
            None => outputs,
        };
        route(&mut core, &mut writers, outputs);
    };
    if let Some(d) = durability {
        // Commit what the log was given before the process goes.
        let _ = tokio::task::spawn_blocking(move || d.shutdown()).await;
    }
    result
}

/// Carries out outputs. Closing a connection is dropping its writer's
/// sender: the writer drains what was queued, then shuts the socket. A
/// connection whose queue is full (a client not reading) is closed rather
/// than buffered without bound. Every reply is reported to the core as
/// done, delivered or not (its request is over either way).
fn route<C: Core>(
    core: &mut C,
    writers: &mut BTreeMap<ConnId, mpsc::Sender<Outbound>>,
    outputs: Vec<Output>,
) {
    // One clock read per batch: the replies in it are handed over together.
    let mut now = None;
    for out in outputs {
        match out {
            Output::Send {
                conn,
                payload,
                received,
            } => {
                if let Some(received) = received {
                    let now = *now.get_or_insert_with(clock::now);
                    core.replied(conn, received, now);
                }
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
