//! Autopurge (`autopurge.purgeInterval` hours, `autopurge.snapRetainCount`
//! snapshots kept): ZooKeeper's DatadirCleanupManager, first run at start.

use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use rzk_storage::{purge, Disk};

/// ZooKeeper's floor for `autopurge.snapRetainCount`.
pub(crate) const MIN_RETAIN: u32 = 3;

/// Runs until `stop` is dropped, purging every `interval`.
pub(crate) fn run(
    disk: Arc<dyn Disk>,
    snap_dir: PathBuf,
    log_dir: PathBuf,
    retain: u32,
    interval: Duration,
    stop: mpsc::Receiver<()>,
) {
    let retain = if retain < MIN_RETAIN {
        tracing::warn!(
            retain,
            "autopurge.snapRetainCount is below {MIN_RETAIN}; using {MIN_RETAIN}"
        );
        MIN_RETAIN
    } else {
        retain
    };
    loop {
        match purge(&*disk, &snap_dir, &log_dir, retain as usize) {
            Ok(report) => tracing::info!(removed = report.removed.len(), "autopurge done"),
            Err(e) => tracing::warn!(error = %e, "autopurge failed"),
        }
        match stop.recv_timeout(interval) {
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            _ => return,
        }
    }
}
