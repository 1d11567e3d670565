use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use super::*;
use crate::disk::{DiskFile, FsDisk};

/// Bytes that pass the CHECKED cheap check (≥10 bytes, checked tail).
const VALID: &[u8] = b"ZKSN-ish\0\0\0\x01/";
/// A snapshot cut short by a crash.
const TORN: &[u8] = b"ZKSN-ish\0\0";

fn touch(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap();
}

fn names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn keeps_newest_n_and_the_log_that_reaches_the_oldest_kept() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in ["1", "5", "9", "10", "20"] {
        touch(dir, &format!("snapshot.{z}"), VALID);
    }
    for z in ["1", "4", "6", "a", "11", "21"] {
        touch(dir, &format!("log.{z}"), b"ZKLG");
    }
    let r = purge(&FsDisk, dir, dir, 3).unwrap();
    assert_eq!(r.retain_from_zxid, Some(9));
    assert_eq!(
        r.kept_snapshots,
        vec![
            dir.join("snapshot.20"),
            dir.join("snapshot.10"),
            dir.join("snapshot.9")
        ]
    );
    assert_eq!(
        r.removed,
        vec![
            dir.join("log.1"),
            dir.join("log.4"),
            dir.join("snapshot.1"),
            dir.join("snapshot.5")
        ]
    );
    assert!(r.failed.is_empty());
    // log.6 starts before snapshot.9 and is the newest such log: it holds
    // the txns after 9, so it stays.
    assert_eq!(
        names(dir),
        set(&[
            "log.6",
            "log.a",
            "log.11",
            "log.21",
            "snapshot.9",
            "snapshot.10",
            "snapshot.20"
        ])
    );
}

#[test]
fn fewer_snapshots_than_asked_still_purges_below_the_oldest() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    touch(dir, "snapshot.5", VALID);
    touch(dir, "snapshot.9", VALID);
    for z in ["1", "3", "7"] {
        touch(dir, &format!("log.{z}"), b"");
    }
    let r = purge(&FsDisk, dir, dir, 3).unwrap();
    assert_eq!(r.kept_snapshots.len(), 2);
    assert_eq!(r.retain_from_zxid, Some(5));
    assert_eq!(r.removed, vec![dir.join("log.1")]);
    assert_eq!(
        names(dir),
        set(&["log.3", "log.7", "snapshot.5", "snapshot.9"])
    );
}

#[test]
fn logs_only_touches_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in ["1", "3", "7"] {
        touch(dir, &format!("log.{z}"), b"");
    }
    touch(dir, "snapshot.8", TORN);
    let r = purge(&FsDisk, dir, dir, 3).unwrap();
    assert!(r.kept_snapshots.is_empty());
    assert_eq!(r.retain_from_zxid, None);
    assert!(r.removed.is_empty());
    assert_eq!(names(dir).len(), 4);
}

#[test]
fn a_log_starting_exactly_at_the_snapshot_is_the_needed_one() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in ["9", "a", "b"] {
        touch(dir, &format!("snapshot.{z}"), VALID);
    }
    for z in ["5", "9", "c"] {
        touch(dir, &format!("log.{z}"), b"");
    }
    let r = purge(&FsDisk, dir, dir, 3).unwrap();
    assert_eq!(r.removed, vec![dir.join("log.5")]);
}

#[test]
fn the_needed_log_cut_off_starts_at_zero() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in ["1", "2", "3", "9", "a", "b"] {
        touch(dir, &format!("snapshot.{z}"), VALID);
    }
    touch(dir, "log.0", b"");
    touch(dir, "log.c", b"");
    let r = purge(&FsDisk, dir, dir, 3).unwrap();
    // The cut-off stays 0 (getLogFiles starts there), so log.0 stays too.
    assert_eq!(
        r.removed,
        vec![
            dir.join("snapshot.1"),
            dir.join("snapshot.2"),
            dir.join("snapshot.3")
        ]
    );
    assert!(names(dir).contains("log.0"));
}

#[test]
fn torn_snapshots_are_not_counted_and_only_old_ones_go() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    touch(dir, "snapshot.30", TORN);
    for z in ["9", "10", "20"] {
        touch(dir, &format!("snapshot.{z}"), VALID);
    }
    touch(dir, "snapshot.3", TORN);
    let r = purge(&FsDisk, dir, dir, 3).unwrap();
    assert_eq!(r.retain_from_zxid, Some(9));
    assert_eq!(r.removed, vec![dir.join("snapshot.3")]);
    assert!(names(dir).contains("snapshot.30"));
}

#[test]
fn zookeepers_name_rules_decide_what_is_a_candidate() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in ["10", "11", "12"] {
        touch(dir, &format!("snapshot.{z}"), VALID);
    }
    // Unparsable zxids count as -1 and go, as in PurgeTxnLog; so do
    // ZooKeeper's own leftover temporaries (`snapshot.<hex>.tmp`) and
    // compressed snapshots below the cut-off.
    for n in [
        "snapshot.backup",
        "log.xyz",
        "snapshot.5.tmp",
        "snapshot.6.gz",
    ] {
        touch(dir, n, b"x");
    }
    // Never candidates: rzk's temporary name, epoch files, other files.
    for n in [
        "tmp.snapshot.5",
        "acceptedEpoch",
        "currentEpoch",
        "myid",
        "logs.1",
    ] {
        touch(dir, n, b"x");
    }
    let r = purge(&FsDisk, dir, dir, 3).unwrap();
    let removed: BTreeSet<String> = r
        .removed
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        removed,
        set(&[
            "snapshot.backup",
            "log.xyz",
            "snapshot.5.tmp",
            "snapshot.6.gz"
        ])
    );
    for n in [
        "tmp.snapshot.5",
        "acceptedEpoch",
        "currentEpoch",
        "myid",
        "logs.1",
    ] {
        assert!(names(dir).contains(n), "{n}");
    }
}

#[test]
fn separate_log_dir() {
    let d = tempfile::tempdir().unwrap();
    let snaps = d.path().join("snap");
    let logs = d.path().join("log");
    fs::create_dir_all(&snaps).unwrap();
    fs::create_dir_all(&logs).unwrap();
    for z in ["1", "2", "3", "4"] {
        touch(&snaps, &format!("snapshot.{z}"), VALID);
        touch(&logs, &format!("log.{z}"), b"");
    }
    // Logs in the snapshot dir and snapshots in the log dir are not looked at.
    touch(&snaps, "log.1", b"");
    touch(&logs, "snapshot.1", VALID);
    let r = purge(&FsDisk, &snaps, &logs, 3).unwrap();
    assert_eq!(r.retain_from_zxid, Some(2));
    assert_eq!(
        r.removed,
        vec![logs.join("log.1"), snaps.join("snapshot.1")]
    );
    assert!(names(&snaps).contains("log.1"));
    assert!(names(&logs).contains("snapshot.1"));
}

#[test]
fn keeps_more_when_asked() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in 1..=8 {
        touch(dir, &format!("snapshot.{z:x}"), VALID);
        touch(dir, &format!("log.{z:x}"), b"");
    }
    let r = purge(&FsDisk, dir, dir, 5).unwrap();
    assert_eq!(r.kept_snapshots.len(), 5);
    assert_eq!(r.retain_from_zxid, Some(4));
    assert_eq!(r.removed.len(), 6, "logs 1-3 and snapshots 1-3");
}

#[test]
fn fewer_than_three_is_refused_untouched() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in 1..=5 {
        touch(dir, &format!("snapshot.{z}"), VALID);
    }
    for retain in [0, 1, 2] {
        let e = purge(&FsDisk, dir, dir, retain).unwrap_err();
        assert!(matches!(e, SnapError::RetainTooLow { retain: r } if r == retain));
        assert!(e.to_string().contains("greater than or equal to 3"));
    }
    assert_eq!(names(dir).len(), 5);
}

#[test]
fn autopurge_raises_low_counts_to_three() {
    assert_eq!(autopurge_retain_count(-1), 3);
    assert_eq!(autopurge_retain_count(0), 3);
    assert_eq!(autopurge_retain_count(2), 3);
    assert_eq!(autopurge_retain_count(3), 3);
    assert_eq!(autopurge_retain_count(10), 10);
}

/// FsDisk, except that removing one name fails.
#[derive(Debug)]
struct StubbornDisk {
    refuse: &'static str,
}

impl Disk for StubbornDisk {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        FsDisk.create_dir_all(dir)
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        FsDisk.list(dir)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        FsDisk.read(path)
    }
    fn create(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        FsDisk.create(path)
    }
    fn open_write(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        FsDisk.open_write(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        FsDisk.rename(from, to)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        if path.file_name().and_then(|n| n.to_str()) == Some(self.refuse) {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "refused"));
        }
        FsDisk.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        FsDisk.sync_dir(dir)
    }
}

#[test]
fn a_file_that_cannot_be_removed_is_reported_and_the_rest_goes() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for z in 1..=5 {
        touch(dir, &format!("snapshot.{z}"), VALID);
    }
    let r = purge(
        &StubbornDisk {
            refuse: "snapshot.1",
        },
        dir,
        dir,
        3,
    )
    .unwrap();
    assert_eq!(r.removed, vec![dir.join("snapshot.2")]);
    assert_eq!(r.failed.len(), 1);
    assert_eq!(r.failed[0].0, dir.join("snapshot.1"));
    assert_eq!(r.failed[0].1.kind(), io::ErrorKind::PermissionDenied);
}
