//! The log thread: appends the txns the core task sends, syncs once per
//! batch (group commit), and publishes the highest durable zxid.
//!
//! Every command waiting in the channel when the thread wakes is appended
//! before the one sync, so while a sync runs the next batch accumulates:
//! one `fdatasync` serves every txn queued during the previous one. When
//! a batch is cut short or held back is [`FlushPolicy`]'s rule
//! (ZooKeeper's `maxBatchSize` and `flushDelay`).

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rzk_storage::TxnLog;
use tokio::sync::watch;

use super::flush_policy::{FlushPolicy, NextWait};
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
/// commits what is left. Txns are synced as `policy` says: by default
/// every command queued when the thread looks is appended before the one
/// sync that covers them all.
pub(crate) fn run(
    mut log: TxnLog,
    commands: mpsc::Receiver<LogCmd>,
    report: watch::Sender<Durable>,
    durable: Arc<DurableZxid>,
    timing: Option<CommitTiming>,
    policy: FlushPolicy,
) {
    let mut batch = Batch {
        log: &mut log,
        timing: timing.as_ref(),
        report: &report,
        durable: &durable,
        policy,
        pending: 0,
        last_appended: None,
        last_sync: clock::now().mono_ms,
    };
    if let Err(e) = batch.serve(&commands) {
        tracing::error!(error = %e, "the txn log cannot be written; no further write can be acknowledged");
        durable.set(None);
        report.send_replace(Durable::Failed(e.to_string()));
    }
}

/// The log thread's state between two syncs.
struct Batch<'a> {
    log: &'a mut TxnLog,
    timing: Option<&'a CommitTiming>,
    report: &'a watch::Sender<Durable>,
    durable: &'a DurableZxid,
    policy: FlushPolicy,
    /// Txns appended since the last sync.
    pending: usize,
    last_appended: Option<i64>,
    /// When the last sync ended (monotonic ms), which a flush delay
    /// counts from.
    last_sync: i64,
}

impl Batch<'_> {
    /// The time, when the policy needs it (without a flush delay it does
    /// not, and the clock is not read per txn).
    fn now(&self) -> i64 {
        if self.policy.needs_time() {
            clock::now().mono_ms
        } else {
            0
        }
    }

    /// Appends and syncs until the channel closes; then syncs what is
    /// left. An error ends it: nothing more may be acknowledged.
    fn serve(
        &mut self,
        commands: &mpsc::Receiver<LogCmd>,
    ) -> Result<(), rzk_storage::StorageError> {
        loop {
            let next = match self
                .policy
                .next_wait(self.pending, self.last_sync, self.now())
            {
                NextWait::Block => commands.recv().map_err(|_| NoCommand::Closed),
                NextWait::Poll => match commands.try_recv() {
                    Ok(cmd) => Ok(cmd),
                    Err(mpsc::TryRecvError::Empty) => Err(NoCommand::Quiet),
                    Err(mpsc::TryRecvError::Disconnected) => Err(NoCommand::Closed),
                },
                NextWait::Upto(ms) => match commands.recv_timeout(Duration::from_millis(ms)) {
                    Ok(cmd) => Ok(cmd),
                    Err(mpsc::RecvTimeoutError::Timeout) => Err(NoCommand::Quiet),
                    Err(mpsc::RecvTimeoutError::Disconnected) => Err(NoCommand::Closed),
                },
            };
            match next {
                Ok(LogCmd::Append(txns)) => {
                    for (zxid, bytes) in txns {
                        self.log.append(zxid, &bytes)?;
                        self.last_appended = Some(zxid);
                        self.pending += 1;
                        if self
                            .policy
                            .flush_now(self.pending, self.last_sync, self.now())
                        {
                            self.sync()?;
                        }
                    }
                }
                // The old file's last txns are synced (and timed) like any
                // batch before the next file starts.
                Ok(LogCmd::Roll) => {
                    self.sync()?;
                    self.log.roll()?;
                }
                Err(NoCommand::Quiet) => self.sync()?,
                Err(NoCommand::Closed) => return self.sync(),
            }
        }
    }

    /// Makes every appended txn durable and says so.
    fn sync(&mut self) -> Result<(), rzk_storage::StorageError> {
        commit(self.log, self.timing)?;
        if self.pending > 0 {
            self.pending = 0;
            self.last_sync = self.now();
            if let Some(z) = self.last_appended {
                self.durable.set(Some(z));
                self.report.send_replace(Durable::Upto(z));
            }
        }
        Ok(())
    }
}

/// Why no command was taken.
enum NoCommand {
    /// None came within the wait: sync what is gathered.
    Quiet,
    /// The core task is gone: sync and stop.
    Closed,
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
