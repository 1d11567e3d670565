//! The log thread: appends the txns the core task sends, syncs once per
//! batch (group commit), and publishes the highest durable zxid.
//!
//! Every command waiting in the channel when the thread wakes is appended
//! before the one sync, so while a sync runs the next batch accumulates:
//! one `fdatasync` serves every txn queued during the previous one.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use bytes::Bytes;
use rzk_storage::TxnLog;
use tokio::sync::watch;

use super::fsync_stats::FsyncStats;
use crate::clock;

/// What the core task asks of the log thread, in order.
#[derive(Debug)]
pub(crate) enum LogCmd {
    /// Append these txns (zxid, TxnEntry bytes), in order.
    Append(Vec<(i64, Bytes)>),
    /// Start a new log file at the next txn (a snapshot begins).
    Roll,
}

/// The log thread's report to the core task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Durable {
    /// Every txn up to this zxid is on disk.
    Upto(i64),
    /// Writing or syncing failed: nothing after the last `Upto` may be
    /// acknowledged, and the server must stop.
    Failed(String),
}

/// The highest durable zxid, for threads that block until a txn is
/// durable (the snapshot thread must not publish a snapshot containing
/// txns that could still be lost).
#[derive(Debug, Default)]
pub(crate) struct DurableZxid {
    zxid: Mutex<Option<i64>>,
    changed: Condvar,
}

impl DurableZxid {
    /// A tracker starting at `zxid`.
    pub(crate) fn new(zxid: i64) -> Self {
        Self {
            zxid: Mutex::new(Some(zxid)),
            changed: Condvar::new(),
        }
    }

    fn set(&self, zxid: Option<i64>) {
        if let Ok(mut z) = self.zxid.lock() {
            *z = zxid;
        }
        self.changed.notify_all();
    }

    /// Blocks until `zxid` is durable (true) or the log failed (false).
    pub(crate) fn wait_for(&self, zxid: i64) -> bool {
        let Ok(mut z) = self.zxid.lock() else {
            return false;
        };
        loop {
            match *z {
                None => return false,
                Some(d) if d >= zxid => return true,
                Some(_) => match self.changed.wait(z) {
                    Ok(g) => z = g,
                    Err(_) => return false,
                },
            }
        }
    }
}

/// How the log thread times its commits (the batch's write and its data
/// sync): every one goes into the `fsynctime` summary, and one slower than
/// `fsync.warningthresholdms` is logged as a warning, as ZooKeeper's
/// `FileTxnLog.commit` does — a slow disk is the usual cause of slow
/// writes, and the operator should read that in the log, not guess it.
#[derive(Debug, Clone)]
pub(crate) struct CommitTiming {
    /// Whole milliseconds a commit may take unflagged (negative: flag
    /// every commit).
    pub(crate) threshold_ms: i64,
    /// Where the times go.
    pub(crate) stats: Arc<FsyncStats>,
}

impl CommitTiming {
    /// Records a commit of `took_ms` into `log`, warning if it was slow.
    fn record(&self, took_ms: i64, log: &TxnLog) {
        self.stats.record(u64::try_from(took_ms).unwrap_or(0));
        if took_ms > self.threshold_ms {
            self.stats.record_slow();
            tracing::warn!(
                file = %log.current_file().map_or_else(|| log.dir().display(), |f| f.display()),
                file_size = log.current_file_size(),
                "fsync-ing the write ahead log took {took_ms}ms, which will adversely affect operation latency; see the ZooKeeper troubleshooting guide"
            );
        }
    }
}

/// Runs until the core task drops its sender (server shutdown), then
/// commits what is left.
pub(crate) fn run(
    mut log: TxnLog,
    commands: mpsc::Receiver<LogCmd>,
    report: watch::Sender<Durable>,
    durable: Arc<DurableZxid>,
    timing: Option<CommitTiming>,
) {
    let mut last_appended: Option<i64> = None;
    let timing = timing.as_ref();
    while let Ok(first) = commands.recv() {
        let mut result = apply(&mut log, first, &mut last_appended, timing);
        while result.is_ok() {
            match commands.try_recv() {
                Ok(cmd) => result = apply(&mut log, cmd, &mut last_appended, timing),
                Err(_) => break,
            }
        }
        let result = result.and_then(|()| commit(&mut log, timing));
        match result {
            Ok(()) => {
                if let Some(z) = last_appended {
                    durable.set(Some(z));
                    report.send_replace(Durable::Upto(z));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "the txn log cannot be written; no further write can be acknowledged");
                durable.set(None);
                report.send_replace(Durable::Failed(e.to_string()));
                return;
            }
        }
    }
}

/// Commits what is buffered, timing it when there is something to sync
/// (`timing` is `None` without forceSync: there is no sync to time).
fn commit(
    log: &mut TxnLog,
    timing: Option<&CommitTiming>,
) -> Result<(), rzk_storage::StorageError> {
    let pending = log.pending_txns() > 0;
    let started = clock::now().mono_ms;
    log.commit()?;
    if let (true, Some(t)) = (pending, timing) {
        t.record(clock::now().mono_ms - started, log);
    }
    Ok(())
}

fn apply(
    log: &mut TxnLog,
    cmd: LogCmd,
    last: &mut Option<i64>,
    timing: Option<&CommitTiming>,
) -> Result<(), rzk_storage::StorageError> {
    match cmd {
        LogCmd::Append(txns) => {
            for (zxid, bytes) in txns {
                log.append(zxid, &bytes)?;
                *last = Some(zxid);
            }
            Ok(())
        }
        // The file's last commit is a sync like any other: timed too.
        LogCmd::Roll => commit(log, timing).and_then(|()| log.roll()),
    }
}
