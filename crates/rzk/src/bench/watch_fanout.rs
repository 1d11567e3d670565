//! `rzk bench watch-fanout`: N sessions each set a data watch on one znode;
//! one more session sets its data; how long until the last watcher hears
//! of it. Repeated for several rounds (watches are one-shot, so each round
//! registers them again).
//!
//! Two spans per round: from the setData's reply to the last notification
//! (what the issue asks: the fan-out the server does after committing),
//! and from sending the setData to the last notification (commit included).
//! A notification may reach a watcher before the writer reads its reply;
//! such rounds count 0 for the first span.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode, EventType};
use serde::Serialize;
use tokio::sync::oneshot;

use super::clock;
use super::error::BenchError;
use super::rng::Rng;
use super::sessions::{close_all, ensure_path, SessionOptions};
use super::stats::{Latency, LatencySummary};

/// How long a round waits for every notification before failing.
const ROUND_DEADLINE: Duration = Duration::from_secs(60);

/// How to run it.
#[derive(Debug, Clone)]
pub struct FanoutConfig {
    /// Watching sessions.
    pub watchers: usize,
    /// Rounds.
    pub rounds: usize,
    /// Bytes per value.
    pub value_size: usize,
    /// Parent of the watched znode.
    pub root: String,
    /// Seeds the values.
    pub seed: u64,
}

/// Fan-out times over the rounds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FanoutReport {
    /// Always `watch-fanout`.
    pub workload: String,
    /// Watching sessions.
    pub watchers: usize,
    /// Rounds measured.
    pub rounds: usize,
    /// setData reply → last notification, per round, milliseconds.
    pub reply_to_last_ms: LatencySummary,
    /// setData sent → last notification, per round, milliseconds.
    pub send_to_last_ms: LatencySummary,
    /// setData sent → each notification, every watcher of every round.
    pub send_to_each_ms: LatencySummary,
    /// setData round trip, per round, milliseconds.
    pub set_data_ms: LatencySummary,
}

impl FanoutReport {
    /// The human-readable summary.
    pub fn text(&self) -> String {
        let row = |name: &str, l: &LatencySummary| {
            format!(
                "{name:<22} p50 {:>8.3}  p90 {:>8.3}  p99 {:>8.3}  max {:>8.3} ms\n",
                l.p50, l.p90, l.p99, l.max
            )
        };
        format!(
            "watch fan-out: {} watchers, {} rounds\n{}{}{}{}",
            self.watchers,
            self.rounds,
            row("reply -> last event", &self.reply_to_last_ms),
            row("send -> last event", &self.send_to_last_ms),
            row("send -> each event", &self.send_to_each_ms),
            row("setData round trip", &self.set_data_ms),
        )
    }
}

/// Runs the rounds.
pub async fn run(opts: &SessionOptions, cfg: &FanoutConfig) -> Result<FanoutReport, BenchError> {
    if cfg.watchers == 0 || cfg.rounds == 0 {
        return Err(BenchError::Failed(
            "--watchers and --rounds must be at least 1".into(),
        ));
    }
    let writer = opts.connect_one(cfg.watchers).await?;
    let result = async {
        let watchers = opts.connect_many(cfg.watchers).await?;
        let r = rounds(&writer, &watchers, cfg).await;
        close_all(&watchers).await;
        r
    }
    .await;
    let _ = writer.close().await;
    result
}

async fn rounds(
    writer: &Client,
    watchers: &[Client],
    cfg: &FanoutConfig,
) -> Result<FanoutReport, BenchError> {
    let root = cfg.root.trim_end_matches('/');
    ensure_path(writer, root).await?;
    let path: Arc<str> = format!("{root}/watch-{:x}", writer.session_id()).into();
    writer
        .create(&path, None, &Acl::open_unsafe(), CreateMode::Persistent)
        .await
        .map_err(|source| BenchError::Setup {
            step: format!("create {path}"),
            source,
        })?;
    let mut rng = Rng::stream(cfg.seed, 0);
    let mut reply_to_last = Latency::new();
    let mut send_to_last = Latency::new();
    let mut send_to_each = Latency::new();
    let mut set_data = Latency::new();
    for round in 0..cfg.rounds {
        let heard = register(watchers, &path).await?;
        let value = Bytes::from(rng.bytes(cfg.value_size));
        let sent = clock::now();
        writer
            .set_data(&path, value, -1)
            .await
            .map_err(|source| BenchError::Setup {
                step: format!("round {round}: setData {path}"),
                source,
            })?;
        let replied = clock::now();
        let mut last = sent;
        for (i, rx) in heard.into_iter().enumerate() {
            let at = tokio::time::timeout(ROUND_DEADLINE, rx)
                .await
                .map_err(|_| {
                    BenchError::Failed(format!(
                        "round {round}: watcher {i} heard nothing within {ROUND_DEADLINE:?}"
                    ))
                })?
                .map_err(|_| {
                    BenchError::Failed(format!("round {round}: watcher {i} ended without an event"))
                })??;
            send_to_each.record(at.saturating_duration_since(sent));
            last = last.max(at);
        }
        set_data.record(replied - sent);
        send_to_last.record(last - sent);
        reply_to_last.record(last.saturating_duration_since(replied));
    }
    let _ = writer.delete(&path, -1).await;
    Ok(FanoutReport {
        workload: "watch-fanout".into(),
        watchers: watchers.len(),
        rounds: cfg.rounds,
        reply_to_last_ms: reply_to_last.summary(),
        send_to_last_ms: send_to_last.summary(),
        send_to_each_ms: send_to_each.summary(),
        set_data_ms: set_data.summary(),
    })
}

type Heard = oneshot::Receiver<Result<Instant, BenchError>>;

/// Sets a data watch from every watcher (all registered before returning);
/// each receiver yields the instant its watcher's notification arrived.
async fn register(watchers: &[Client], path: &Arc<str>) -> Result<Vec<Heard>, BenchError> {
    let mut registered = Vec::with_capacity(watchers.len());
    let mut heard = Vec::with_capacity(watchers.len());
    for (i, w) in watchers.iter().enumerate() {
        let (reg_tx, reg_rx) = oneshot::channel();
        let (heard_tx, heard_rx) = oneshot::channel();
        let w = w.clone();
        let path = path.clone();
        tokio::spawn(async move {
            let watch = match w.get_data_watch(&path).await {
                Ok((_, _, watch)) => watch,
                Err(source) => {
                    let _ = reg_tx.send(Err(BenchError::Setup {
                        step: format!("watcher {i}: getData watch {path}"),
                        source,
                    }));
                    return;
                }
            };
            let _ = reg_tx.send(Ok(()));
            let event = watch.await;
            let at = clock::now();
            let outcome = if event.event_type == EventType::NodeDataChanged {
                Ok(at)
            } else {
                Err(BenchError::Failed(format!(
                    "watcher {i}: expected NodeDataChanged, got {:?} ({:?})",
                    event.event_type, event.state
                )))
            };
            let _ = heard_tx.send(outcome);
        });
        registered.push(reg_rx);
        heard.push(heard_rx);
    }
    for (i, r) in registered.into_iter().enumerate() {
        r.await
            .map_err(|_| BenchError::Failed(format!("watcher {i}: its task ended early")))??;
    }
    Ok(heard)
}
