//! The client port: accepting connections within the configured limits and
//! handing each to its own task.

mod connection;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rzk_proto::codec::FourLetterCommand;
use rzk_proto::jute::DEFAULT_MAX_BUFFER;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::core::Core;
use crate::core_task;
use crate::storage::Durability;

/// Limits and options of the client port.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Largest frame accepted (`jute.maxbuffer`).
    pub max_frame: usize,
    /// Connections per client IP; 0 = unlimited (`maxClientCnxns`).
    pub max_client_cnxns: usize,
    /// Connections in total; 0 = unlimited (`zookeeper.maxCnxns`).
    pub max_cnxns: usize,
    /// How long a connection may go without sending its ConnectRequest.
    pub sessionless_timeout: Duration,
    /// Four-letter words that are answered (`4lw.commands.whitelist`).
    pub four_letter_whitelist: BTreeSet<FourLetterCommand>,
    /// Requests in the core's queue before connections stop being read
    /// (`globalOutstandingLimit`).
    pub global_outstanding_limit: usize,
    /// How often the core is ticked.
    pub tick: Duration,
}

impl Default for NetConfig {
    /// ZooKeeper's defaults: 1,048,575-byte frames, 60 connections per IP,
    /// 10 s sessionless timeout, only `srvr` whitelisted, 1000 outstanding.
    fn default() -> Self {
        Self {
            max_frame: DEFAULT_MAX_BUFFER,
            max_client_cnxns: 60,
            max_cnxns: 0,
            sessionless_timeout: Duration::from_secs(10),
            four_letter_whitelist: [FourLetterCommand::Srvr].into_iter().collect(),
            global_outstanding_limit: 1000,
            tick: Duration::from_millis(100),
        }
    }
}

/// Counts open connections per IP; a slot is given back when its guard drops.
#[derive(Default)]
struct ConnCounts {
    per_ip: BTreeMap<IpAddr, usize>,
    total: usize,
}

struct Slot {
    counts: Arc<Mutex<ConnCounts>>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                c.per_ip.remove(&self.ip);
            }
        }
    }
}

fn take_slot(counts: &Arc<Mutex<ConnCounts>>, ip: IpAddr, cfg: &NetConfig) -> Option<Slot> {
    let mut c = counts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let here = c.per_ip.get(&ip).copied().unwrap_or(0);
    if (cfg.max_client_cnxns != 0 && here >= cfg.max_client_cnxns)
        || (cfg.max_cnxns != 0 && c.total >= cfg.max_cnxns)
    {
        return None;
    }
    *c.per_ip.entry(ip).or_insert(0) += 1;
    c.total += 1;
    Some(Slot {
        counts: counts.clone(),
        ip,
    })
}

/// Serves the client port until `shutdown` completes: accepts connections,
/// refuses those over the limits by closing them (as ZooKeeper does), and
/// runs `core` in its own task. Returns when the listener fails or on
/// shutdown. Nothing is made durable here; `run::serve` adds storage.
pub async fn serve<C: Core>(
    listener: TcpListener,
    core: C,
    cfg: NetConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_with(listener, core, cfg, None, shutdown).await
}

/// [`serve`] with durable storage: every reply waits for its txns' sync,
/// and the server stops (with an error) if the txn log fails.
pub(crate) async fn serve_with<C: Core>(
    listener: TcpListener,
    core: C,
    cfg: NetConfig,
    durability: Option<Durability>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let cfg = Arc::new(cfg);
    let (events, rx) = mpsc::channel(cfg.global_outstanding_limit.max(1));
    let (stop, stop_rx) = tokio::sync::oneshot::channel();
    let mut core_task = tokio::spawn(core_task::run(core, rx, cfg.tick, durability, stop_rx));
    let counts = Arc::new(Mutex::new(ConnCounts::default()));
    let mut next_conn = 1u64;
    tokio::pin!(shutdown);
    let mut core_ended = None;
    let result = loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break Ok(()),
            ended = &mut core_task => {
                let why = match &ended {
                    Ok(Err(e)) => e.to_string(),
                    Ok(Ok(())) => "the core stopped".to_string(),
                    Err(e) => format!("the core task failed: {e}"),
                };
                core_ended = Some(());
                break Err(std::io::Error::other(why));
            }
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of descriptors or a connection reset before accept:
                // keep serving the others.
                Err(e) if is_transient(&e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
                Err(e) => break Err(e),
            },
        };
        let Some(slot) = take_slot(&counts, peer.ip(), &cfg) else {
            tracing::warn!(%peer, "too many connections; closing");
            drop(stream);
            continue;
        };
        let conn = next_conn;
        next_conn += 1;
        let (events, cfg) = (events.clone(), cfg.clone());
        tokio::spawn(async move {
            connection::serve(stream, peer, conn, events, cfg).await;
            drop(slot);
        });
    };
    // Without the listener the server is over: stop the core (it commits
    // what the log was given), which drops every writer and so closes
    // every connection.
    drop(events);
    if core_ended.is_none() {
        let _ = stop.send(());
        let _ = core_task.await;
    }
    result
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock)
        || e.raw_os_error() == Some(24) // EMFILE
        || e.raw_os_error() == Some(23) // ENFILE
}
