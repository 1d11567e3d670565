//! Removing old snapshots and txn logs (`srv/PurgeTxnLog`,
//! `DatadirCleanupManager`, PROTOCOL.md §6.3 Purge), with ZooKeeper's exact
//! rules so that rzk and ZooKeeper agree on what a data directory needs.
//!
//! Keep the newest N snapshots that pass the cheap validity check; call the
//! oldest of them S. Remove every `snapshot.*` and `log.*` file whose zxid
//! is below S's, except the newest log starting at or before S's zxid,
//! which holds the txns that follow S.
//!
//! Two ZooKeeper quirks are kept on purpose, for agreement:
//! * A name that starts with `snapshot.` or `log.` but whose zxid does not
//!   parse counts as zxid -1, so it is removed (unless S's zxid is ≤ -1).
//! * Snapshots newer than S that fail the validity check (torn) stay.

use std::io;
use std::path::{Path, PathBuf};

use rzk_proto::disk::{parse_log_file_name, parse_snapshot_file_name};

use crate::disk::Disk;
use crate::snapfile::newest_valid_snapshots;
use crate::snapfile_error::SnapError;

/// The fewest snapshots a purge may keep (`PurgeTxnLog`'s "count should be
/// greater than or equal to 3", `QuorumPeerConfig.MIN_SNAP_RETAIN_COUNT`).
pub const MIN_SNAP_RETAIN_COUNT: usize = 3;

/// What a purge did.
#[derive(Debug, Default)]
pub struct PurgeReport {
    /// The snapshots kept, newest first (at most the count asked for).
    pub kept_snapshots: Vec<PathBuf>,
    /// The zxid below which files were removed (the oldest kept snapshot's),
    /// or `None` when no valid snapshot was found and nothing was touched.
    pub retain_from_zxid: Option<i64>,
    /// Files removed, logs first (in name order), then snapshots.
    pub removed: Vec<PathBuf>,
    /// Files that should have been removed but could not be, with why.
    /// ZooKeeper prints "Failed to remove" and goes on; so does this.
    pub failed: Vec<(PathBuf, io::Error)>,
}

/// The snapshot count an autopurge uses for a configured
/// `autopurge.snapRetainCount`: below 3 it is raised to 3 with a warning,
/// as `QuorumPeerConfig` does.
pub fn autopurge_retain_count(configured: i64) -> usize {
    match usize::try_from(configured) {
        Ok(n) if n >= MIN_SNAP_RETAIN_COUNT => n,
        _ => {
            tracing::warn!(
                "Invalid autopurge.snapRetainCount: {configured}. Defaulting to {MIN_SNAP_RETAIN_COUNT}"
            );
            MIN_SNAP_RETAIN_COUNT
        }
    }
}

/// Purges `snap_dir` and `log_dir` (the `version-2` directories; they may
/// be the same) keeping the newest `retain` valid snapshots and every log
/// needed to recover from them; see the module docs for the exact rule.
///
/// `retain` below [`MIN_SNAP_RETAIN_COUNT`] is [`SnapError::RetainTooLow`]
/// and touches nothing (use [`autopurge_retain_count`] for configured
/// values). Listing failures are errors; a file that cannot be removed is
/// reported in [`PurgeReport::failed`] and the purge goes on. Both
/// directories are synced after removals. Safe beside a live
/// `SnapshotSink`: temporary snapshots are neither counted nor removed.
pub fn purge(
    disk: &dyn Disk,
    snap_dir: &Path,
    log_dir: &Path,
    retain: usize,
) -> Result<PurgeReport, SnapError> {
    if retain < MIN_SNAP_RETAIN_COUNT {
        return Err(SnapError::RetainTooLow { retain });
    }
    let kept = newest_valid_snapshots(disk, snap_dir, retain)?;
    let mut report = PurgeReport {
        kept_snapshots: kept.iter().map(|c| c.path.clone()).collect(),
        ..PurgeReport::default()
    };
    let Some(oldest) = kept.last() else {
        return Ok(report);
    };
    let least = oldest.zxid;
    report.retain_from_zxid = Some(least);

    let log_names = disk.list(log_dir).map_err(SnapError::io("list", log_dir))?;
    let needed_log = needed_log_zxid(&log_names, least);
    let mut doomed: Vec<PathBuf> = Vec::new();
    let mut logs: Vec<&String> = log_names
        .iter()
        .filter(|n| n.starts_with("log."))
        .filter(|n| {
            let z = java_zxid(parse_log_file_name(n));
            // `getLogFiles` retains every log from the needed one on.
            z < least && z < needed_log
        })
        .collect();
    logs.sort();
    doomed.extend(logs.into_iter().map(|n| log_dir.join(n)));

    let snap_names = disk
        .list(snap_dir)
        .map_err(SnapError::io("list", snap_dir))?;
    let mut snaps: Vec<&String> = snap_names
        .iter()
        .filter(|n| n.starts_with("snapshot."))
        .filter(|n| java_zxid(parse_snapshot_file_name(n).map(|(z, _)| z)) < least)
        .collect();
    snaps.sort();
    doomed.extend(snaps.into_iter().map(|n| snap_dir.join(n)));

    for path in doomed {
        tracing::info!(path = %path.display(), "Removing file");
        match disk.remove(&path) {
            Ok(()) => report.removed.push(path),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "Failed to remove");
                report.failed.push((path, e));
            }
        }
    }
    if !report.removed.is_empty() {
        disk.sync_dir(log_dir)
            .map_err(SnapError::io("sync directory", log_dir))?;
        if snap_dir != log_dir {
            disk.sync_dir(snap_dir)
                .map_err(SnapError::io("sync directory", snap_dir))?;
        }
    }
    Ok(report)
}

/// `Util.getZxidFromName`'s answer: -1 for a name that does not parse.
fn java_zxid(parsed: Option<i64>) -> i64 {
    parsed.unwrap_or(-1)
}

/// `FileTxnLog.getLogFiles(files, snapshotZxid)`'s cut-off: the highest log
/// zxid at or below `snapshot_zxid` (0 if none); every log from it on may
/// hold txns after the snapshot. Names that are not logs count as -1, which
/// never raises the cut-off.
fn needed_log_zxid(names: &[String], snapshot_zxid: i64) -> i64 {
    names
        .iter()
        .map(|n| java_zxid(parse_log_file_name(n)))
        .filter(|&z| z <= snapshot_zxid)
        .fold(0, i64::max)
}

#[cfg(test)]
#[path = "purge_tests.rs"]
mod tests;
