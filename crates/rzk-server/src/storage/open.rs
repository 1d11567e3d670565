//! Start-up: find the newest usable snapshot, replay the logs after it,
//! and hand the recovered database and the open log to the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rzk_core::persist::{restore_snapshot, Recovered, Restored};
use rzk_core::tree::ephemeral::ExtendedTypes;
use rzk_proto::disk::SnapCompression;
use rzk_proto::jute::Record;
use rzk_proto::txn::TxnEntry;
use rzk_storage::snapfile::SnapshotCandidate;
use rzk_storage::{
    read_logs, read_snapshot, snapshot_candidates, Disk, FsDisk, LogOptions, TxnLog,
};

use super::flush_policy::FlushPolicy;
use super::snapshot_load::load_on_two_threads;

/// ZooKeeper's name for the directory holding the files of format 2.
const VERSION_DIR: &str = "version-2";

/// What storage needs from `zoo.cfg`.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// `dataDir` (snapshots go to `dataDir/version-2`).
    pub data_dir: PathBuf,
    /// `dataLogDir` (logs go to `dataLogDir/version-2`).
    pub data_log_dir: PathBuf,
    /// `snapCount`: a snapshot after `snapCount/2 + rand(snapCount/2)` txns.
    pub snap_count: u32,
    /// `snapSizeLimitInKb` as bytes: a snapshot after half of it plus a
    /// random part of logged bytes; `None` disables.
    pub snap_size_limit: Option<u64>,
    /// `preAllocSize` in bytes.
    pub prealloc_size: u64,
    /// `forceSync`.
    pub force_sync: bool,
    /// `txnLogSizeLimitInKb` as bytes: the log rolls at the first commit
    /// that leaves its file longer; `None` disables.
    pub txn_log_size_limit: Option<u64>,
    /// `fsync.warningthresholdms`: a txn log commit slower than this many
    /// milliseconds is logged as a warning (negative: every commit).
    pub fsync_warning_threshold_ms: i64,
    /// `autopurge.snapRetainCount` (raised to 3 if lower).
    pub snap_retain_count: u32,
    /// `autopurge.purgeInterval`; zero disables autopurge.
    pub purge_interval: Duration,
    /// How new snapshots are written (`snapshot.compression.method`):
    /// plain, `.gz` or `.snappy`. Any of the three is read whatever this
    /// says, as ZooKeeper reads them.
    pub snapshot_compression: SnapCompression,
    /// When the txn log syncs (`flushDelay`, `maxWriteQueuePollTime`,
    /// `maxBatchSize`).
    pub flush: FlushPolicy,
    /// `snapshot.trust.empty`: replay logs found without any snapshot
    /// over an empty tree, whatever zxid they start at (ZooKeeper's escape
    /// hatch for data directories written by 3.4). Without it only a
    /// history that starts at zxid 1 is replayed without a snapshot.
    pub trust_empty_snapshot: bool,
}

impl StorageConfig {
    /// The directory snapshots are in.
    pub fn snap_dir(&self) -> PathBuf {
        self.data_dir.join(VERSION_DIR)
    }

    /// The directory logs are in.
    pub fn log_dir(&self) -> PathBuf {
        self.data_log_dir.join(VERSION_DIR)
    }
}

/// Why the server refused to start on its data directory.
#[derive(Debug, thiserror::Error)]
pub enum StorageStartError {
    /// A directory could not be created or read.
    #[error("{}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The logs cannot be read (corruption, I/O).
    #[error(transparent)]
    Storage(#[from] rzk_storage::StorageError),
    /// The snapshot directory cannot be listed or cleaned.
    #[error(transparent)]
    Snapshots(#[from] rzk_storage::SnapError),
    /// Snapshots exist but none could be loaded.
    #[error("no usable snapshot in {}: {tried}", dir.display())]
    NoUsableSnapshot {
        /// The snapshot directory.
        dir: PathBuf,
        /// Each snapshot tried and why it failed.
        tried: String,
    },
    /// Logs exist without a snapshot they can be replayed over.
    #[error("{}: No snapshot found, but there are log entries. Something is broken! \
             The logs start at zxid 0x{first:x}, not at the beginning of a history. \
             Set snapshot.trust.empty=true to replay them over an empty tree \
             (meant for data written by ZooKeeper 3.4)", dir.display())]
    LogsWithoutSnapshot {
        /// The log directory.
        dir: PathBuf,
        /// The first logged zxid.
        first: i64,
    },
    /// A logged txn does not decode or does not apply.
    #[error("txn 0x{zxid:x} in {}: {why}", dir.display())]
    BadTxn {
        /// The log directory.
        dir: PathBuf,
        /// Its zxid.
        zxid: i64,
        /// What is wrong.
        why: String,
    },
}

/// A recovered database and its storage, ready to serve.
#[derive(Debug)]
pub struct Opened {
    /// The database as of the last durable txn.
    pub recovered: Recovered,
    /// The log, positioned to start a new file at the next txn.
    pub log: TxnLog,
    /// The disk everything goes through.
    pub disk: Arc<dyn Disk>,
    /// Whether a snapshot was loaded (if not, the server writes one at
    /// start, as ZooKeeper does, before serving).
    pub had_snapshot: bool,
    /// Txns replayed from the logs.
    pub replayed: usize,
}

/// Recovers the database in `cfg`'s directories on the real file system.
pub fn open(cfg: &StorageConfig, types: ExtendedTypes) -> Result<Opened, StorageStartError> {
    open_on(Arc::new(FsDisk), cfg, types)
}

/// [`open`] on any disk.
pub(crate) fn open_on(
    disk: Arc<dyn Disk>,
    cfg: &StorageConfig,
    types: ExtendedTypes,
) -> Result<Opened, StorageStartError> {
    let snap_dir = cfg.snap_dir();
    let log_dir = cfg.log_dir();
    tracing::info!(snapshots = %snap_dir.display(), logs = %log_dir.display(), "recovering the database");
    for dir in [&snap_dir, &log_dir] {
        disk.create_dir_all(dir)
            .map_err(|source| StorageStartError::Dir {
                path: dir.clone(),
                source,
            })?;
    }
    let candidates = snapshot_candidates(&*disk, &snap_dir)?;
    // The logs after the newest snapshot are read while it loads: they
    // are what is replayed unless that snapshot turns out unusable. The
    // read also cuts a torn tail off the newest log, as any start does,
    // so that happens now even if no snapshot loads after all.
    let expected_zxid = candidates.first().map_or(0, |c| c.zxid);
    let (loaded, early_logs) = std::thread::scope(|scope| {
        let early = std::thread::Builder::new()
            .name("rzk-logread".into())
            .spawn_scoped(scope, || read_logs(&*disk, &log_dir, expected_zxid));
        let loaded = load_newest_snapshot(&*disk, &snap_dir, &candidates, types);
        // Not started (no thread to be had): read below, after the load.
        let early = early.ok().and_then(|t| t.join().ok());
        (loaded, early)
    });
    let (mut recovered, had_snapshot) = loaded?;
    let logs = match early_logs {
        Some(read) if recovered.last_zxid == expected_zxid => read?,
        _ => read_logs(&*disk, &log_dir, recovered.last_zxid)?,
    };
    if let Some(torn) = &logs.repaired {
        tracing::warn!(
            file = %torn.file.display(),
            offset = torn.offset,
            reason = ?torn.reason,
            "the last log ended in a partial record (a write torn by a crash); it was cut there"
        );
    }
    if !had_snapshot {
        if let Some(first) = logs.entries.first() {
            // ZooKeeper refuses logs without a snapshot unless told to
            // trust an empty one. Logs that start at zxid 1 are replayed
            // without being told: nothing can come before that txn, so
            // they are the whole history, and it began with an empty tree.
            // Logs starting anywhere else may follow txns whose snapshot
            // and logs are gone, even when they start at the first zxid of
            // an epoch (earlier epochs may have written txns too):
            // replaying them alone would serve a tree missing those txns
            // as if nothing were wrong.
            if first.zxid != 1 {
                if !cfg.trust_empty_snapshot {
                    return Err(StorageStartError::LogsWithoutSnapshot {
                        dir: log_dir,
                        first: first.zxid,
                    });
                }
                tracing::warn!(
                    first = format_args!("0x{:x}", first.zxid),
                    "No snapshot found, but there are log entries. This should only be allowed during upgrading."
                );
            }
        }
    }
    let mut replayed = 0;
    for logged in &logs.entries {
        let entry =
            TxnEntry::from_bytes(logged.txn.clone()).map_err(|e| StorageStartError::BadTxn {
                dir: log_dir.clone(),
                zxid: logged.zxid,
                why: e.to_string(),
            })?;
        match recovered.replay(&entry) {
            Ok(true) => replayed += 1,
            Ok(false) => {}
            Err(e) => {
                return Err(StorageStartError::BadTxn {
                    dir: log_dir,
                    zxid: logged.zxid,
                    why: e.to_string(),
                })
            }
        }
    }
    let log = TxnLog::open(
        disk.clone(),
        log_dir,
        LogOptions {
            prealloc_size: cfg.prealloc_size,
            force_sync: cfg.force_sync,
            size_limit: cfg.txn_log_size_limit,
        },
    )?;
    Ok(Opened {
        recovered,
        log,
        disk,
        had_snapshot,
        replayed,
    })
}

/// The newest snapshot that loads, falling back to older ones (as
/// ZooKeeper's `FileSnap.deserialize` does); an empty database if there is
/// none at all.
fn load_newest_snapshot(
    disk: &dyn Disk,
    dir: &Path,
    candidates: &[SnapshotCandidate],
    types: ExtendedTypes,
) -> Result<(Recovered, bool), StorageStartError> {
    if candidates.is_empty() {
        return Ok((Recovered::empty(types), false));
    }
    let mut tried = Vec::new();
    for c in candidates {
        let loaded = load_snapshot(disk, c, types);
        match loaded {
            Ok(restored) => {
                if !tried.is_empty() {
                    tracing::warn!(
                        snapshot = %c.path.display(),
                        "newer snapshots were unusable; loaded an older one"
                    );
                }
                tracing::info!(snapshot = %c.path.display(), zxid = format_args!("0x{:x}", c.zxid), "loaded snapshot");
                return Ok((Recovered::from_snapshot(restored, c.zxid), true));
            }
            Err(why) => {
                tracing::warn!(snapshot = %c.path.display(), %why, "snapshot unusable");
                tried.push(format!("{}: {why}", c.path.display()));
            }
        }
    }
    Err(StorageStartError::NoUsableSnapshot {
        dir: dir.to_owned(),
        tried: tried.join("; "),
    })
}

/// One snapshot file loaded, or why not. An uncompressed one (the usual
/// case, and the large one) is decoded while it is read, a piece at a
/// time; a compressed one is uncompressed whole first.
fn load_snapshot(
    disk: &dyn Disk,
    c: &SnapshotCandidate,
    types: ExtendedTypes,
) -> Result<Restored, String> {
    if c.compression != SnapCompression::Checked {
        let bytes = read_snapshot(disk, c).map_err(|e| e.to_string())?;
        return restore_snapshot(bytes, types).map_err(|e| e.to_string());
    }
    // Worded as a whole-file read's error (`SnapError::Io`).
    let read_error = |e: std::io::Error| format!("read {}: {e}", c.path.display());
    let pieces = disk.read_pieces(&c.path).map_err(read_error)?;
    let failure = pieces.failure();
    let file_len = usize::try_from(pieces.file_len()).unwrap_or(usize::MAX);
    let restored = load_on_two_threads(pieces.into_source(), file_len, types);
    // A read that failed ends the bytes early, which decodes as a
    // truncated file: the read's own error says what happened.
    match failure.take() {
        Some(e) => Err(read_error(e)),
        None => restored.map_err(|e| e.to_string()),
    }
}
