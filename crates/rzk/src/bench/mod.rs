//! `rzk bench`: load drivers for side-by-side measurements against Apache
//! ZooKeeper and rzk, all on rzk-client.
//!
//! * `run`: a mixed load (keeper-bench's idea): sessions × requests in
//!   flight, an op mix by percentage, a key space, latency percentiles per
//!   op and error counts by code;
//! * `watch-fanout`: N sessions watch one znode; time from the setData to
//!   the last notification;
//! * `idle-sessions`: N idle sessions and the server's RSS;
//! * `large-tree`: create N znodes fast (pipelined), for memory and restart;
//! * `restart-time`: start a server command and time it until it serves a
//!   read;
//! * `failover`: continuous writes while a command (a kill) runs; the
//!   longest gap between successful writes;
//! * `fsync`: the disk's fdatasync latency, to put the rest in context.
//!
//! Every workload prints a human-readable result on stdout and, with
//! `--json FILE`, writes the same result as JSON for scripts.

mod args;
mod clock;
mod control;
mod error;
mod failover;
mod fsync;
mod idle_sessions;
mod keys;
mod large_tree;
mod load;
mod mix;
mod ops;
mod procfs;
mod progress;
mod report;
mod restart;
mod rng;
mod sessions;
mod stats;
mod watch_fanout;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use args::parse_duration;
pub use error::BenchError;
use keys::Shape;
use mix::Mix;
use sessions::SessionOptions;

/// The default op mix of `rzk bench run`.
const DEFAULT_MIX: &str = "create=50,set=20,get=20,exists=5,children=3,delete=1,multi=1,check=0";

/// How the driver's sessions connect (shared by the networked workloads).
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// Connect string: host:port, several comma-separated, then an optional
    /// /chroot.
    #[arg(long)]
    server: String,
    /// Requested session timeout (e.g. 30s, 4000ms).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    session_timeout: Duration,
    /// Fail a request with OPERATIONTIMEOUT if unanswered this long
    /// (default: wait for the answer or the connection loss).
    #[arg(long, value_parser = parse_duration)]
    request_timeout: Option<Duration>,
    /// Seeds every random choice (ops, keys, values, server order).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl Connection {
    fn options(&self) -> SessionOptions {
        SessionOptions {
            server: self.server.clone(),
            session_timeout: self.session_timeout,
            request_timeout: self.request_timeout,
            seed: self.seed,
        }
    }
}

/// `rzk bench run` options.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    conn: Connection,
    /// Sessions (one connection each).
    #[arg(long, default_value_t = 1)]
    sessions: usize,
    /// Requests in flight per session (pipelined on its connection).
    #[arg(long, default_value_t = 1)]
    in_flight: usize,
    /// Op mix in percent: create, set, get, exists, children, delete,
    /// multi (create+setData), check (CAS: multi(check, setData)).
    #[arg(long, default_value = DEFAULT_MIX)]
    mix: Mix,
    /// Bytes per value written by creates and sets.
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Keys created before the measurement, split over the sessions (only
    /// when the mix has ops on existing keys).
    #[arg(long, default_value_t = 10_000)]
    keys: u64,
    /// Key layout under the run's root.
    #[arg(long, value_enum, default_value = "flat")]
    shape: Shape,
    /// Measure for this long (default 10s unless --ops is given).
    #[arg(long, value_parser = parse_duration, conflicts_with = "ops")]
    duration: Option<Duration>,
    /// Measure until this many requests were answered.
    #[arg(long)]
    ops: Option<u64>,
    /// Run this long first without recording.
    #[arg(long, default_value = "0", value_parser = parse_duration)]
    warmup: Duration,
    /// Parent of the run's own znode (created if missing).
    #[arg(long, default_value = "/rzk-bench")]
    root: String,
    /// Open loop: send this many requests per second over all sessions, on
    /// a fixed schedule (--in-flight still caps what is outstanding).
    /// Without it the load is closed-loop.
    #[arg(long)]
    rate: Option<f64>,
    /// Progress line interval on stderr (0: none).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    progress: Duration,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The workloads.
#[derive(Debug, Subcommand)]
pub enum Workload {
    /// A mixed load: sessions × in-flight requests, an op mix, latency
    /// percentiles per op and errors by code.
    Run(RunArgs),
    /// N sessions watch one znode; time from setData to the last
    /// notification, over several rounds.
    WatchFanout {
        #[command(flatten)]
        conn: Connection,
        /// Watching sessions.
        #[arg(long, default_value_t = 1000)]
        watchers: usize,
        /// Rounds (one setData each).
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// Bytes per value.
        #[arg(long, default_value_t = 100)]
        value_size: usize,
        /// Parent of the watched znode.
        #[arg(long, default_value = "/rzk-bench")]
        root: String,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Hold N idle sessions and report the server's RSS (read from /proc).
    IdleSessions {
        #[command(flatten)]
        conn: Connection,
        /// The server's process id (for its RSS).
        #[arg(long)]
        pid: u32,
        /// Sessions to hold.
        #[arg(long, default_value_t = 10_000)]
        sessions: usize,
        /// Seconds to hold them before measuring.
        #[arg(long, default_value_t = 5)]
        hold_secs: u64,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Create N znodes of V bytes as fast as the server takes them
    /// (pipelined), for memory and restart tests.
    LargeTree {
        #[command(flatten)]
        conn: Connection,
        /// Znodes to create (parents not counted).
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// Bytes per znode.
        #[arg(long, default_value_t = 100)]
        value_size: usize,
        /// Children per parent znode (0: all directly under --root).
        #[arg(long, default_value_t = 1000)]
        fanout: u64,
        /// Sessions.
        #[arg(long, default_value_t = 4)]
        sessions: usize,
        /// Requests in flight per session.
        #[arg(long, default_value_t = 256)]
        in_flight: usize,
        /// Where the tree goes (must not exist yet).
        #[arg(long, default_value = "/rzk-large")]
        root: String,
        /// The server's process id: its RSS is read after the load.
        #[arg(long)]
        pid: Option<u32>,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Start a server command and time it until it answers a read of
    /// --path; optionally check the tree's size, read its RSS, stop it.
    RestartTime {
        #[command(flatten)]
        conn: Connection,
        /// The znode to read.
        #[arg(long)]
        path: String,
        /// Require getAllChildrenNumber(--count-under) to be this.
        #[arg(long, requires = "count_under")]
        expect_descendants: Option<i64>,
        /// The znode whose descendants are counted.
        #[arg(long)]
        count_under: Option<String>,
        /// Send SIGTERM once measured and wait for the server to exit.
        #[arg(long)]
        stop: bool,
        /// Give up after this long.
        #[arg(long, default_value = "10m", value_parser = parse_duration)]
        timeout: Duration,
        /// The server's stdout and stderr go here (default: discarded).
        #[arg(long)]
        log: Option<PathBuf>,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// The server command and its arguments.
        #[arg(last = true, required = true, num_args = 1..)]
        command: Vec<String>,
    },
    /// Continuous writes while a shell command (a kill) runs after a
    /// delay; reports the longest gap between successful writes.
    Failover {
        #[command(flatten)]
        conn: Connection,
        /// Shell command to run (`sh -c`).
        #[arg(long)]
        command: String,
        /// Run the command this long after the writes start.
        #[arg(long, default_value = "5s", value_parser = parse_duration)]
        after: Duration,
        /// Total time of the writes.
        #[arg(long, default_value = "20s", value_parser = parse_duration)]
        duration: Duration,
        /// Bytes per value.
        #[arg(long, default_value_t = 100)]
        value_size: usize,
        /// Parent of the written znode.
        #[arg(long, default_value = "/rzk-bench")]
        root: String,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// The disk's fdatasync latency: N writes of S bytes, each followed by
    /// fdatasync, in a file under --dir.
    Fsync {
        /// Directory on the disk to measure.
        #[arg(long)]
        dir: PathBuf,
        /// Writes.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Bytes per write.
        #[arg(long, default_value_t = 4096)]
        size: usize,
        /// Append to a growing file instead of overwriting a preallocated
        /// one (ZooKeeper's txn log preallocates).
        #[arg(long)]
        append: bool,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

/// Runs a workload; returns the process exit status.
pub fn run(workload: Workload) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rzk bench: {}", BenchError::Runtime(e));
            return 1;
        }
    };
    match runtime.block_on(dispatch(workload)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("rzk bench: {e}");
            1
        }
    }
}

/// Prints `text` and writes `report` to `json` when asked.
fn emit(text: &str, report: &impl Serialize, json: Option<&Path>) -> Result<(), BenchError> {
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    if let Some(path) = json {
        let mut body = serde_json::to_string_pretty(report)?;
        body.push('\n');
        std::fs::write(path, body).map_err(|source| BenchError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

async fn dispatch(workload: Workload) -> Result<(), BenchError> {
    match workload {
        Workload::Run(a) => {
            let cfg = load::LoadConfig {
                sessions: a.conn.options(),
                session_count: a.sessions,
                in_flight: a.in_flight,
                mix: a.mix,
                value_size: a.value_size,
                keys: a.keys,
                shape: a.shape,
                stop: match (a.ops, a.duration) {
                    (Some(n), _) => load::Stop::Ops(n),
                    (None, Some(d)) => load::Stop::After(d),
                    (None, None) => load::Stop::After(Duration::from_secs(10)),
                },
                warmup: a.warmup,
                seed: a.conn.seed,
                root: a.root,
                progress: (!a.progress.is_zero()).then_some(a.progress),
                rate: a.rate,
            };
            let report = load::run(&cfg).await?;
            emit(&report.table(), &report, a.json.as_deref())
        }
        Workload::WatchFanout {
            conn,
            watchers,
            rounds,
            value_size,
            root,
            json,
        } => {
            let cfg = watch_fanout::FanoutConfig {
                watchers,
                rounds,
                value_size,
                root,
                seed: conn.seed,
            };
            let report = watch_fanout::run(&conn.options(), &cfg).await?;
            emit(&report.text(), &report, json.as_deref())
        }
        Workload::IdleSessions {
            conn,
            pid,
            sessions,
            hold_secs,
            json,
        } => {
            let report = idle_sessions::run(
                &conn.options(),
                sessions,
                Duration::from_secs(hold_secs),
                pid,
            )
            .await?;
            emit(&report.line(), &report, json.as_deref())
        }
        Workload::LargeTree {
            conn,
            count,
            value_size,
            fanout,
            sessions,
            in_flight,
            root,
            pid,
            json,
        } => {
            let cfg = large_tree::TreeConfig {
                count,
                value_size,
                fanout,
                sessions,
                in_flight,
                root,
                pid,
                seed: conn.seed,
            };
            let report = large_tree::run(&conn.options(), &cfg).await?;
            emit(&report.text(), &report, json.as_deref())
        }
        Workload::RestartTime {
            conn,
            path,
            expect_descendants,
            count_under,
            stop,
            timeout,
            log,
            json,
            command,
        } => {
            let cfg = restart::RestartConfig {
                command,
                path,
                count_under,
                expect_descendants,
                stop,
                timeout,
                log,
            };
            let report = restart::run(&conn.options(), &cfg).await?;
            emit(&report.text(), &report, json.as_deref())
        }
        Workload::Failover {
            conn,
            command,
            after,
            duration,
            value_size,
            root,
            json,
        } => {
            let cfg = failover::FailoverConfig {
                command,
                after,
                duration,
                value_size,
                root,
                seed: conn.seed,
            };
            let report = failover::run(&conn.options(), &cfg).await?;
            emit(&report.text(), &report, json.as_deref())
        }
        Workload::Fsync {
            dir,
            count,
            size,
            append,
            json,
        } => {
            let cfg = fsync::FsyncConfig {
                dir,
                count,
                size,
                append,
            };
            let report = tokio::task::spawn_blocking(move || fsync::run(&cfg))
                .await
                .map_err(|e| BenchError::Failed(format!("the fsync task failed: {e}")))??;
            emit(&report.text(), &report, json.as_deref())
        }
    }
}
