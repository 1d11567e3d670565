//! Start-up on logs without any snapshot: replayed when they are a whole
//! history (from zxid 1) or when `snapshot.trust.empty` says so, refused
//! otherwise, as ZooKeeper refuses them.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rzk_core::tree::ephemeral::ExtendedTypes;
use rzk_proto::data::Acl;
use rzk_proto::disk::SnapCompression;
use rzk_proto::jute::Record;
use rzk_proto::txn::{CreateTxn, TxnBody, TxnEntry};
use rzk_storage::{Disk, FsDisk};

use super::flush_policy::FlushPolicy;
use super::open::{open_on, StorageConfig, StorageStartError};
use super::tests::fresh_log;

fn config(dir: &Path, trust_empty_snapshot: bool) -> StorageConfig {
    StorageConfig {
        data_dir: dir.to_owned(),
        data_log_dir: dir.to_owned(),
        snap_count: 100_000,
        snap_size_limit: None,
        txn_log_size_limit: None,
        prealloc_size: 1 << 16,
        force_sync: true,
        fsync_warning_threshold_ms: 1000,
        snap_retain_count: 3,
        purge_interval: Duration::ZERO,
        snapshot_compression: SnapCompression::Checked,
        flush: FlushPolicy::default(),
        trust_empty_snapshot,
    }
}

/// Writes a log holding creates of `/n<zxid>` for each zxid, and no
/// snapshot.
fn logs_only(disk: &Arc<dyn Disk>, cfg: &StorageConfig, zxids: &[i64]) {
    let mut log = fresh_log(disk, cfg);
    for (i, &zxid) in zxids.iter().enumerate() {
        let body = TxnBody::Create(CreateTxn {
            path: format!("/n{zxid:x}"),
            data: Some(Bytes::from_static(b"v")),
            acl: Acl::open_unsafe(),
            ephemeral: false,
            parent_cversion: i32::try_from(i + 1).unwrap(),
        });
        let entry = TxnEntry::new(0, 0, zxid, 0, body, None);
        log.append(zxid, &entry.to_bytes()).unwrap();
    }
    log.commit().unwrap();
}

#[test]
fn logs_from_zxid_1_are_a_whole_history_and_are_replayed_without_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let disk: Arc<dyn Disk> = Arc::new(FsDisk);
    let cfg = config(dir.path(), false);
    logs_only(&disk, &cfg, &[1, 2, 3]);
    let opened = open_on(disk, &cfg, ExtendedTypes::default()).unwrap();
    assert!(!opened.had_snapshot);
    assert_eq!(opened.replayed, 3);
    assert_eq!(opened.recovered.last_zxid, 3);
    for zxid in 1..=3 {
        assert!(opened.recovered.tree.exists(&format!("/n{zxid:x}")));
    }
}

/// Logs that begin an epoch other than 0 need not be a whole history:
/// earlier epochs' txns may have been in a snapshot that is gone. ZooKeeper
/// refuses them ("No snapshot found, but there are log entries"); so does
/// rzk, naming the directory, the first zxid and the setting that
/// overrides it.
#[test]
fn logs_starting_elsewhere_are_refused_without_a_snapshot() {
    for first in [0x5_0000_0001_i64, 0x7, 0x1_0000_0001] {
        let dir = tempfile::tempdir().unwrap();
        let disk: Arc<dyn Disk> = Arc::new(FsDisk);
        let cfg = config(dir.path(), false);
        logs_only(&disk, &cfg, &[first, first + 1]);
        let err = open_on(disk, &cfg, ExtendedTypes::default()).unwrap_err();
        assert!(
            matches!(err, StorageStartError::LogsWithoutSnapshot { first: f, .. } if f == first),
            "{err}"
        );
        let text = err.to_string();
        for part in [
            "No snapshot found, but there are log entries",
            &format!("0x{first:x}"),
            "snapshot.trust.empty=true",
            &cfg.log_dir().display().to_string(),
        ] {
            assert!(text.contains(part), "{part:?} missing from: {text}");
        }
    }
}

#[test]
fn snapshot_trust_empty_replays_any_logs_over_an_empty_tree() {
    let dir = tempfile::tempdir().unwrap();
    let disk: Arc<dyn Disk> = Arc::new(FsDisk);
    let cfg = config(dir.path(), true);
    let zxids = [0x5_0000_0001, 0x5_0000_0002];
    logs_only(&disk, &cfg, &zxids);
    let opened = open_on(disk, &cfg, ExtendedTypes::default()).unwrap();
    assert_eq!(opened.replayed, 2);
    assert_eq!(opened.recovered.last_zxid, 0x5_0000_0002);
    assert!(opened.recovered.tree.exists("/n500000001"));
}
