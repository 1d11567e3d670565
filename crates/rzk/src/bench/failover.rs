//! `rzk bench failover`: one session writes continuously (one setData in
//! flight) to a connect string; after a delay a shell command runs — one
//! that kills a server, typically. The result is the unavailability window:
//! the longest gap between two successful writes, and where it fell
//! relative to the command.
//!
//! The client reconnects by itself to the next server of the connect
//! string; a session that expired meanwhile is replaced by a new one (its
//! setup time counts in the gap, as it would for an application).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode, Error};
use serde::Serialize;

use super::clock;
use super::error::BenchError;
use super::rng::Rng;
use super::sessions::{ensure_path, SessionOptions};
use super::stats::{error_name, Latency, LatencySummary};

/// Pause before opening a replacement session again after a failure.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// How to run it.
#[derive(Debug, Clone)]
pub struct FailoverConfig {
    /// Shell command (run with `sh -c`).
    pub command: String,
    /// Delay from the first write to the command.
    pub after: Duration,
    /// Total writing time.
    pub duration: Duration,
    /// Bytes per value.
    pub value_size: usize,
    /// Parent of the written znode.
    pub root: String,
    /// Seeds the value.
    pub seed: u64,
}

/// What the writer saw.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FailoverReport {
    /// Always `failover`.
    pub workload: String,
    /// Successful writes.
    pub writes_ok: u64,
    /// Failed writes by code name.
    pub errors_by_code: BTreeMap<String, u64>,
    /// Sessions opened to replace an expired one.
    pub new_sessions: u64,
    /// Times the written znode was missing (NONODE) and was created again:
    /// a server that took over without it.
    pub recreated: u64,
    /// The longest gap between two successful writes (or between the
    /// start and the first, or the last and the end), milliseconds.
    pub max_gap_ms: f64,
    /// Where that gap began, seconds after the first write was sent.
    pub gap_start_s: f64,
    /// Where it ended.
    pub gap_end_s: f64,
    /// When the command started, seconds after the first write was sent.
    pub command_at_s: f64,
    /// The command's exit status (None: killed by a signal or not run).
    pub command_status: Option<i32>,
    /// True when a write succeeded after the command finished.
    pub recovered: bool,
    /// Latency of the successful writes, milliseconds.
    pub write_latency_ms: LatencySummary,
}

impl FailoverReport {
    /// The human-readable summary.
    pub fn text(&self) -> String {
        let errors: Vec<String> = self
            .errors_by_code
            .iter()
            .map(|(c, n)| format!("{c}={n}"))
            .collect();
        format!(
            "failover: longest write gap {:.1} ms ({:.3} s .. {:.3} s; command at {:.3} s, exit {}), {} writes ok, errors [{}], znode recreated {} times, recovered: {}\n",
            self.max_gap_ms,
            self.gap_start_s,
            self.gap_end_s,
            self.command_at_s,
            self.command_status.map_or("signal".into(), |c| c.to_string()),
            self.writes_ok,
            errors.join(" "),
            self.recreated,
            self.recovered
        )
    }
}

/// The longest gap between successes, tracked as writes come back.
#[derive(Debug, Clone, Copy)]
struct Gaps {
    last_ok: Instant,
    longest: (Instant, Instant),
}

impl Gaps {
    fn new(start: Instant) -> Self {
        Self {
            last_ok: start,
            longest: (start, start),
        }
    }

    fn success(&mut self, at: Instant) {
        if at - self.last_ok > self.longest.1 - self.longest.0 {
            self.longest = (self.last_ok, at);
        }
        self.last_ok = self.last_ok.max(at);
    }
}

/// Runs the writes and the command.
pub async fn run(
    opts: &SessionOptions,
    cfg: &FailoverConfig,
) -> Result<FailoverReport, BenchError> {
    let mut client = opts.connect_one(0).await?;
    let root = cfg.root.trim_end_matches('/');
    ensure_path(&client, root).await?;
    let path = format!("{root}/failover-{:x}", client.session_id());
    client
        .create(&path, None, &Acl::open_unsafe(), CreateMode::Persistent)
        .await
        .map_err(|source| BenchError::Setup {
            step: format!("create {path}"),
            source,
        })?;
    let value = Bytes::from(Rng::stream(cfg.seed, 0).bytes(cfg.value_size));

    let start = clock::now();
    let end = start + cfg.duration;
    let command = cfg.command.clone();
    let after = cfg.after;
    let killer = tokio::spawn(async move {
        tokio::time::sleep(after).await;
        let at = clock::now();
        let status = tokio::process::Command::new("sh")
            .args(["-c", &command])
            .status()
            .await;
        (at, status, clock::now())
    });

    let mut gaps = Gaps::new(start);
    let mut latency = Latency::new();
    let mut errors = BTreeMap::new();
    let mut writes_ok = 0u64;
    let mut new_sessions = 0u64;
    let mut recreated = 0u64;
    while clock::now() < end {
        let sent = clock::now();
        match client.set_data(&path, value.clone(), -1).await {
            Ok(_) => {
                let at = clock::now();
                latency.record(at - sent);
                gaps.success(at);
                writes_ok += 1;
            }
            Err(e) => {
                *errors.entry(error_name(&e)).or_insert(0u64) += 1;
                if matches!(e, Error::SessionExpired | Error::Closed | Error::AuthFailed) {
                    client = replace_session(opts, end).await?;
                    new_sessions += 1;
                } else if e.is_no_node() {
                    // The server now serving lost the znode (a real finding:
                    // the report says so); recreate it and go on writing.
                    recreated += 1;
                    match client
                        .create(&path, None, &Acl::open_unsafe(), CreateMode::Persistent)
                        .await
                    {
                        Ok(_) => {}
                        Err(e) if e.is_node_exists() => {}
                        Err(e) => *errors.entry(error_name(&e)).or_insert(0u64) += 1,
                    }
                }
            }
        }
    }
    let finished = clock::now();
    let last_write = (writes_ok > 0).then_some(gaps.last_ok);
    // A run that never wrote again after the command ends in a gap too.
    gaps.success(finished);
    let _ = client.close().await;
    let (command_at, status, command_done) = killer
        .await
        .map_err(|e| BenchError::Failed(format!("the command task failed: {e}")))?;
    let status = status.map_err(|source| BenchError::Process {
        what: format!("sh -c {:?}", cfg.command),
        source,
    })?;
    let since = |t: Instant| t.saturating_duration_since(start).as_secs_f64();
    Ok(FailoverReport {
        workload: "failover".into(),
        writes_ok,
        errors_by_code: errors,
        new_sessions,
        recreated,
        max_gap_ms: (gaps.longest.1 - gaps.longest.0).as_secs_f64() * 1000.0,
        gap_start_s: since(gaps.longest.0),
        gap_end_s: since(gaps.longest.1),
        command_at_s: since(command_at),
        command_status: status.code(),
        recovered: last_write.is_some_and(|t| t > command_done),
        write_latency_ms: latency.summary(),
    })
}

/// Opens a new session, retrying until `end`.
async fn replace_session(opts: &SessionOptions, end: Instant) -> Result<Client, BenchError> {
    loop {
        match opts.connect_one(0).await {
            Ok(c) => return Ok(c),
            Err(e) if clock::now() >= end => return Err(e),
            Err(_) => tokio::time::sleep(RECONNECT_PAUSE).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_gap_is_kept_with_its_ends() {
        let t0 = clock::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut g = Gaps::new(t0);
        g.success(ms(5));
        g.success(ms(10));
        g.success(ms(510));
        g.success(ms(520));
        assert_eq!(g.longest, (ms(10), ms(510)));
        g.success(ms(530));
        assert_eq!(g.last_ok, ms(530));
        assert_eq!(
            g.longest,
            (ms(10), ms(510)),
            "shorter gaps do not replace it"
        );
    }
}
