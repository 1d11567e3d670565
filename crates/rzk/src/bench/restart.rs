//! `rzk bench restart-time`: start a server command and measure how long it
//! takes until it answers a read of a given znode — for a server with a
//! large tree on disk, the time to load it. Optionally checks that the
//! whole tree came back (getAllChildrenNumber), reads the server's RSS,
//! and stops it with SIGTERM.
//!
//! The driver starts the process itself so the clock starts at the spawn,
//! and polls every few milliseconds: the figure is exact to that step.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use rzk_client::Client;
use serde::Serialize;
use tokio::process::{Child, Command};

use super::clock;
use super::error::BenchError;
use super::procfs::rss_kb;
use super::sessions::SessionOptions;

/// Pause between two attempts to read.
const POLL: Duration = Duration::from_millis(5);

/// How long a stopped server may take to exit before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(60);

/// How to run it.
#[derive(Debug, Clone)]
pub struct RestartConfig {
    /// The server command and its arguments.
    pub command: Vec<String>,
    /// The znode to read.
    pub path: String,
    /// Whose descendants to count.
    pub count_under: Option<String>,
    /// The count required.
    pub expect_descendants: Option<i64>,
    /// SIGTERM the server once measured.
    pub stop: bool,
    /// Give up after this long.
    pub timeout: Duration,
    /// Where the server's output goes.
    pub log: Option<PathBuf>,
}

/// What the restart took.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RestartReport {
    /// Always `restart-time`.
    pub workload: String,
    /// The server's process id.
    pub pid: u32,
    /// Milliseconds from spawning the server to the first successful read.
    pub ready_ms: f64,
    /// Descendants counted (when asked).
    pub descendants: Option<i64>,
    /// Server RSS once ready, kB.
    pub rss_kb: u64,
    /// Milliseconds from SIGTERM to exit (with --stop).
    pub stop_ms: Option<f64>,
}

impl RestartReport {
    /// The human-readable summary.
    pub fn text(&self) -> String {
        let mut s = format!(
            "restart: serving a read {:.1} ms after start, RSS {} kB",
            self.ready_ms, self.rss_kb
        );
        if let Some(d) = self.descendants {
            s.push_str(&format!(", {d} descendants"));
        }
        if let Some(ms) = self.stop_ms {
            s.push_str(&format!(", stopped in {ms:.0} ms"));
        }
        s.push('\n');
        s
    }
}

/// Starts the server, measures, and (with `stop`) stops it.
pub async fn run(opts: &SessionOptions, cfg: &RestartConfig) -> Result<RestartReport, BenchError> {
    let Some((program, args)) = cfg.command.split_first() else {
        return Err(BenchError::Failed("no server command given".into()));
    };
    let output = |log: &Option<PathBuf>| -> Result<Stdio, BenchError> {
        match log {
            None => Ok(Stdio::null()),
            Some(p) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map(Stdio::from)
                .map_err(|source| BenchError::Io {
                    path: p.clone(),
                    source,
                }),
        }
    };
    let started = clock::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(output(&cfg.log)?)
        .stderr(output(&cfg.log)?)
        // Without --stop the server outlives the driver; the caller stops
        // it by the pid in the report.
        .kill_on_drop(cfg.stop)
        .spawn()
        .map_err(|source| BenchError::Process {
            what: format!("start {program}"),
            source,
        })?;
    let pid = child
        .id()
        .ok_or_else(|| BenchError::Failed("the server exited at once".into()))?;
    let measured = measure(opts, cfg, &mut child, started).await;
    let (ready_ms, descendants) = match measured {
        Ok(m) => m,
        Err(e) => {
            let _ = child.kill().await;
            return Err(e);
        }
    };
    let rss = rss_kb(pid)?;
    let stop_ms = if cfg.stop {
        Some(stop(&mut child, pid).await?)
    } else {
        None
    };
    Ok(RestartReport {
        workload: "restart-time".into(),
        pid,
        ready_ms,
        descendants,
        rss_kb: rss,
        stop_ms,
    })
}

async fn measure(
    opts: &SessionOptions,
    cfg: &RestartConfig,
    child: &mut Child,
    started: std::time::Instant,
) -> Result<(f64, Option<i64>), BenchError> {
    let deadline = started + cfg.timeout;
    let quick = SessionOptions {
        // One short attempt per poll: a server not listening yet refuses at
        // once; one listening but still loading must not hold the poll.
        session_timeout: opts.session_timeout.min(Duration::from_secs(2)),
        request_timeout: Some(Duration::from_secs(2)),
        ..opts.clone()
    };
    let client: Client = loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = match &cfg.log {
                Some(p) => format!("; its log, {}:\n{}", p.display(), log_tail(p)),
                None => String::new(),
            };
            return Err(BenchError::Failed(format!(
                "the server exited before serving ({status}){log}"
            )));
        }
        if let Ok(c) = quick.connect_one(0).await {
            match c.get_data(&cfg.path).await {
                Ok(_) => break c,
                // A ZooKeeper server serves only once its data is loaded: a
                // missing znode is lost data, not a server still starting.
                Err(e) if e.is_no_node() => {
                    let _ = c.close().await;
                    let _ = child.kill().await;
                    return Err(BenchError::Failed(format!(
                        "the server serves without {}: the tree was not restored",
                        cfg.path
                    )));
                }
                Err(_) => {
                    let _ = c.close().await;
                }
            }
        }
        if clock::now() >= deadline {
            return Err(BenchError::Failed(format!(
                "{} not readable within {:?}",
                cfg.path, cfg.timeout
            )));
        }
        tokio::time::sleep(POLL).await;
    };
    let ready_ms = (clock::now() - started).as_secs_f64() * 1000.0;
    let descendants = match &cfg.count_under {
        None => None,
        Some(under) => {
            let n = client
                .get_all_children_number(under)
                .await
                .map_err(|source| BenchError::Setup {
                    step: format!("getAllChildrenNumber {under}"),
                    source,
                });
            let _ = client.close().await;
            let n = i64::from(n?);
            if let Some(want) = cfg.expect_descendants {
                if n != want {
                    return Err(BenchError::Failed(format!(
                        "{under} has {n} descendants after the restart, expected {want}"
                    )));
                }
            }
            Some(n)
        }
    };
    if cfg.count_under.is_none() {
        let _ = client.close().await;
    }
    Ok((ready_ms, descendants))
}

/// The last lines of a server log, for an error message.
fn log_tail(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// SIGTERM (the `kill` command: no signal API without `unsafe` or another
/// dependency), then wait; SIGKILL after the grace period.
async fn stop(child: &mut Child, pid: u32) -> Result<f64, BenchError> {
    let t = clock::now();
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .map_err(|source| BenchError::Process {
            what: format!("kill -TERM {pid}"),
            source,
        })?;
    if !status.success() {
        return Err(BenchError::Failed(format!("kill -TERM {pid}: {status}")));
    }
    match tokio::time::timeout(STOP_GRACE, child.wait()).await {
        Ok(Ok(_)) => Ok((clock::now() - t).as_secs_f64() * 1000.0),
        Ok(Err(source)) => Err(BenchError::Process {
            what: format!("wait for {pid}"),
            source,
        }),
        Err(_) => {
            let _ = child.kill().await;
            Err(BenchError::Failed(format!(
                "server {pid} did not exit within {STOP_GRACE:?} of SIGTERM"
            )))
        }
    }
}
