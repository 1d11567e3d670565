//! What the core task does for durability: ships the txns each core call
//! applied to the log thread, holds outputs until they are durable, and
//! hands frozen snapshots to the snapshot thread.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use rzk_core::persist::FrozenSnapshot;
use rzk_proto::jute::Record;
use rzk_storage::{Disk, TxnLog};
use tokio::sync::{mpsc as tokio_mpsc, watch};

use super::fsync_stats::FsyncStats;
use super::log_thread::{self, Durable, DurableZxid, LogCmd};
use super::open::StorageConfig;
use super::purge_thread;
use super::snapshot_thread::{self, SnapDone};
use crate::core::{Core, Output};

/// The log failed: the server must stop serving.
#[derive(Debug, thiserror::Error)]
#[error("the txn log failed: {0}")]
pub(crate) struct LogFailed(pub(crate) String);

/// splitmix64: ZooKeeper randomises when snapshots happen so that the
/// servers of an ensemble do not all snapshot at once; any seeded
/// generator does.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        if n == 0 {
            0
        } else {
            z % n
        }
    }
}

/// Durability state owned by the core task. See the module docs.
#[derive(Debug)]
pub(crate) struct Durability {
    log: Option<mpsc::Sender<LogCmd>>,
    reports: watch::Receiver<Durable>,
    durable: i64,
    appended: i64,
    /// Outputs waiting for their txns to be durable, oldest first, each
    /// with the last zxid appended before it was produced.
    held: VecDeque<(i64, Vec<Output>)>,
    snap: Option<mpsc::Sender<FrozenSnapshot>>,
    /// `None` once the snapshot thread is gone (so a dead thread is not
    /// polled in a loop).
    snap_done: Option<tokio_mpsc::UnboundedReceiver<SnapDone>>,
    /// A snapshot has been handed to the snapshot thread and has not
    /// ended yet.
    snapshot_in_flight: bool,
    snap_count: u64,
    snap_size_limit: Option<u64>,
    txns_since_snap: u64,
    bytes_since_snap: u64,
    roll_txns: u64,
    roll_bytes: u64,
    rng: Rng,
    /// The log thread's commit times.
    fsync_stats: Arc<FsyncStats>,
    threads: Vec<JoinHandle<()>>,
    purge_stop: Option<mpsc::Sender<()>>,
}

impl Durability {
    /// Starts the log, snapshot and purge threads over an opened database
    /// whose last zxid is `last_zxid`. `seed` randomises snapshot timing.
    pub(crate) fn start(
        log: TxnLog,
        disk: Arc<dyn Disk>,
        cfg: &StorageConfig,
        last_zxid: i64,
        seed: u64,
    ) -> std::io::Result<Self> {
        let durable = Arc::new(DurableZxid::new(last_zxid));
        let fsync_stats = Arc::new(FsyncStats::default());
        let timing = cfg.force_sync.then(|| log_thread::CommitTiming {
            threshold_ms: cfg.fsync_warning_threshold_ms,
            stats: fsync_stats.clone(),
        });
        let (log_tx, log_rx) = mpsc::channel();
        let (report_tx, reports) = watch::channel(Durable::Upto(last_zxid));
        let mut threads = Vec::new();
        {
            let durable = durable.clone();
            let policy = cfg.flush;
            threads.push(
                std::thread::Builder::new()
                    .name("rzk-txnlog".into())
                    .spawn(move || {
                        log_thread::run(log, log_rx, report_tx, durable, timing, policy)
                    })?,
            );
        }
        let (snap_tx, snap_rx) = mpsc::channel();
        let (done_tx, snap_done) = tokio_mpsc::unbounded_channel();
        {
            let (disk, dir) = (disk.clone(), cfg.snap_dir());
            let compression = cfg.snapshot_compression;
            threads.push(
                std::thread::Builder::new()
                    .name("rzk-snapshot".into())
                    .spawn(move || {
                        snapshot_thread::run(disk, dir, compression, snap_rx, durable, done_tx)
                    })?,
            );
        }
        let purge_stop = if cfg.purge_interval.is_zero() {
            None
        } else {
            let (stop_tx, stop_rx) = mpsc::channel();
            let (snap_dir, log_dir): (PathBuf, PathBuf) = (cfg.snap_dir(), cfg.log_dir());
            let (retain, interval) = (cfg.snap_retain_count, cfg.purge_interval);
            threads.push(std::thread::Builder::new().name("rzk-purge".into()).spawn(
                move || purge_thread::run(disk, snap_dir, log_dir, retain, interval, stop_rx),
            )?);
            Some(stop_tx)
        };
        let mut d = Self {
            log: Some(log_tx),
            reports,
            durable: last_zxid,
            appended: last_zxid,
            held: VecDeque::new(),
            snap: Some(snap_tx),
            snap_done: Some(snap_done),
            snapshot_in_flight: false,
            snap_count: u64::from(cfg.snap_count.max(2)),
            snap_size_limit: cfg.snap_size_limit,
            txns_since_snap: 0,
            bytes_since_snap: 0,
            roll_txns: 0,
            roll_bytes: 0,
            rng: Rng(seed),
            fsync_stats,
            threads,
            purge_stop,
        };
        d.reset_snapshot_trigger();
        Ok(d)
    }

    /// ZooKeeper's `SyncRequestProcessor.resetSnapshotStats`.
    fn reset_snapshot_trigger(&mut self) {
        self.txns_since_snap = 0;
        self.bytes_since_snap = 0;
        self.roll_txns = self.rng.below(self.snap_count / 2);
        self.roll_bytes = self.snap_size_limit.map_or(0, |l| self.rng.below(l / 2));
    }

    fn should_snapshot(&self) -> bool {
        self.txns_since_snap > self.snap_count / 2 + self.roll_txns
            || self
                .snap_size_limit
                .is_some_and(|l| self.bytes_since_snap > l / 2 + self.roll_bytes)
    }

    /// After every core call: logs the txns it applied, and returns the
    /// outputs that may leave now (in order), holding the rest.
    pub(crate) fn after_call<C: Core>(
        &mut self,
        core: &mut C,
        outputs: Vec<Output>,
    ) -> Result<Vec<Output>, LogFailed> {
        let txns = core.take_txns();
        if !txns.is_empty() {
            let mut batch = Vec::with_capacity(txns.len());
            for t in &txns {
                let bytes = t.to_bytes();
                self.bytes_since_snap += bytes.len() as u64;
                batch.push((t.header.zxid, bytes));
            }
            self.txns_since_snap += txns.len() as u64;
            if let Some(&(z, _)) = batch.last() {
                self.appended = z;
            }
            self.send_log(LogCmd::Append(batch))?;
            if self.should_snapshot() {
                // As ZooKeeper's SyncRequestProcessor: crossing the
                // threshold always rolls the log and restarts the count;
                // a snapshot still being written means this one is
                // skipped, not postponed (postponing would start the next
                // walk the moment the last one ends, back to back under
                // sustained load).
                let busy = self.snapshot_in_flight;
                if self.snap.is_some() && !busy {
                    self.begin_snapshot(core)?;
                } else {
                    if busy {
                        tracing::warn!("Too busy to snap, skipping");
                    }
                    self.send_log(LogCmd::Roll)?;
                    self.reset_snapshot_trigger();
                }
            }
        }
        if !outputs.is_empty() {
            if self.held.is_empty() && self.appended <= self.durable {
                return Ok(outputs);
            }
            self.held.push_back((self.appended, outputs));
        }
        Ok(Vec::new())
    }

    fn send_log(&mut self, cmd: LogCmd) -> Result<(), LogFailed> {
        match &self.log {
            Some(tx) if tx.send(cmd).is_ok() => Ok(()),
            _ => Err(LogFailed("the log thread has stopped".into())),
        }
    }

    /// Starts a snapshot now (also used at start-up to snapshot a freshly
    /// recovered database in the background).
    pub(crate) fn begin_snapshot<C: Core>(&mut self, core: &mut C) -> Result<(), LogFailed> {
        // The log rolls first, so the new file begins right after the
        // snapshot's zxid, as ZooKeeper's does.
        self.send_log(LogCmd::Roll)?;
        self.reset_snapshot_trigger();
        let Some(snap) = core.freeze_snapshot() else {
            return Ok(());
        };
        let zxid = snap.zxid();
        if let Some(tx) = &self.snap {
            if tx.send(snap).is_ok() {
                self.snapshot_in_flight = true;
                tracing::info!(zxid = format_args!("0x{zxid:x}"), "snapshot started");
            }
        }
        Ok(())
    }

    /// The txn log's commit times (mntr's `fsynctime` summary).
    pub(crate) fn fsync_stats(&self) -> &FsyncStats {
        &self.fsync_stats
    }

    /// Whether a snapshot is being written.
    #[cfg(test)]
    pub(crate) fn snapshot_busy(&self) -> bool {
        self.snapshot_in_flight
    }

    /// Completes when the log thread reports progress (or failure) or a
    /// snapshot ends; returns the outputs now free to leave.
    pub(crate) async fn progress(&mut self) -> Result<Vec<Output>, LogFailed> {
        tokio::select! {
            changed = self.reports.changed() => {
                if changed.is_err() {
                    return Err(LogFailed("the log thread has stopped".into()));
                }
                let report = self.reports.borrow_and_update().clone();
                match report {
                    Durable::Upto(z) => {
                        self.durable = self.durable.max(z);
                        Ok(self.release())
                    }
                    Durable::Failed(why) => Err(LogFailed(why)),
                }
            }
            done = snapshot_done(&mut self.snap_done) => {
                self.snapshot_in_flight = false;
                match done {
                    Some(SnapDone::Written(path)) => {
                        tracing::info!(snapshot = %path.display(), "snapshot written");
                    }
                    Some(SnapDone::Failed(why)) => {
                        tracing::error!(%why, "snapshot failed; the txn log still holds everything");
                    }
                    None => {
                        tracing::error!("the snapshot thread has stopped; no more snapshots will be taken");
                        self.snap_done = None;
                        self.snap = None;
                    }
                }
                Ok(Vec::new())
            }
        }
    }

    fn release(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        while let Some((needed, _)) = self.held.front() {
            if *needed > self.durable {
                break;
            }
            if let Some((_, outputs)) = self.held.pop_front() {
                out.extend(outputs);
            }
        }
        out
    }

    /// Stops the threads after the log has committed what it was given
    /// (a clean shutdown loses nothing that was applied).
    pub(crate) fn shutdown(mut self) {
        self.log = None;
        self.snap = None;
        self.purge_stop = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The snapshot thread's next report; pending forever once it is gone.
async fn snapshot_done(
    rx: &mut Option<tokio_mpsc::UnboundedReceiver<SnapDone>>,
) -> Option<SnapDone> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes a whole snapshot of `core` now, on this thread (at start-up,
/// before serving, when the data directory had none — as ZooKeeper does,
/// so that the directory is always loadable by ZooKeeper too).
pub(crate) fn write_snapshot_now<C: Core>(
    core: &mut C,
    disk: Arc<dyn Disk>,
    cfg: &StorageConfig,
) -> Result<Option<PathBuf>, rzk_storage::SnapError> {
    match core.freeze_snapshot() {
        Some(snap) => {
            snapshot_thread::write_now(disk, &cfg.snap_dir(), cfg.snapshot_compression, snap)
                .map(Some)
        }
        None => Ok(None),
    }
}
