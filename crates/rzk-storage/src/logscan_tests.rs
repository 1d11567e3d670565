use std::sync::Arc;

use rzk_proto::disk::{encode_entry, FileHeader, TornReason};
use rzk_proto::jute::Record;

use super::*;
use crate::sim::SimDisk;
use crate::txnlog::{LogOptions, TxnLog};
use crate::txnlog_testing::{create, set_data, zookeeper_log};

fn dir() -> PathBuf {
    PathBuf::from("/zk/version-2")
}

/// Writes `log.<first zxid>` files holding the given zxids, each file
/// committed and synced, with 4 KiB preallocation.
fn write_logs(disk: &SimDisk, files: &[&[i64]]) {
    let opts = LogOptions {
        prealloc_size: 4096,
        force_sync: true,
        size_limit: None,
    };
    let mut log = TxnLog::open(Arc::new(disk.clone()), dir(), opts).unwrap();
    for zxids in files {
        for &z in *zxids {
            log.append(z, &create(z)).unwrap();
        }
        log.roll().unwrap();
    }
}

/// A log file with the given header and entries, raw.
fn raw_log(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut f = FileHeader::txn_log().to_bytes().to_vec();
    for e in entries {
        encode_entry(e, &mut f);
    }
    f
}

fn put(disk: &SimDisk, name: &str, bytes: &[u8]) {
    disk.create_dir_all(&dir()).unwrap();
    let mut f = disk.create(&dir().join(name)).unwrap();
    f.write_at(0, bytes).unwrap();
    f.sync().unwrap();
    disk.sync_dir(&dir()).unwrap();
}

fn zxids(r: &LogRead) -> Vec<i64> {
    r.entries.iter().map(|e| e.zxid).collect()
}

#[test]
fn reads_the_log_zookeeper_wrote() {
    let disk = SimDisk::new();
    put(&disk, "log.100000001", &zookeeper_log());
    let r = read_logs(&disk, &dir(), 0).unwrap();
    let want: Vec<i64> = (0x1_0000_0001..=0x1_0000_000b).collect();
    assert_eq!(zxids(&r), want);
    assert_eq!(r.repaired, None);
    // Preallocated zeros are not damage: the file is left as it was.
    assert_eq!(
        disk.read(&dir().join("log.100000001")).unwrap(),
        zookeeper_log()
    );
    let r = read_logs(&disk, &dir(), 0x1_0000_0005).unwrap();
    assert_eq!(zxids(&r), want[5..]);
}

#[test]
fn files_are_chosen_as_file_txn_iterator_chooses_them() {
    let disk = SimDisk::new();
    write_logs(&disk, &[&[1, 2, 3, 4], &[5, 6, 7, 8], &[9, 10]]);
    // Damage log.1 where a crash cannot: whether it is read shows whether
    // it was chosen.
    disk.corrupt(&dir().join("log.1"), 0, 0xff).unwrap();
    let chosen = |after| read_logs(&disk, &dir(), after).map(|r| zxids(&r));
    // after=4: start 5; logs at or above 5, plus the newest below 5.
    assert!(chosen(4).is_err());
    assert!(chosen(3).is_err());
    // after=5: start 6; log.5 is the newest below 6; log.1 is not read.
    assert_eq!(chosen(5).unwrap(), [6, 7, 8, 9, 10]);
    assert_eq!(chosen(8).unwrap(), [9, 10]);
    assert_eq!(chosen(10).unwrap(), Vec::<i64>::new());
    assert_eq!(chosen(100).unwrap(), Vec::<i64>::new());
}

#[test]
fn all_logs_are_read_when_none_starts_below_the_start() {
    let disk = SimDisk::new();
    write_logs(&disk, &[&[5, 6], &[7]]);
    assert_eq!(zxids(&read_logs(&disk, &dir(), -1).unwrap()), [5, 6, 7]);
    assert_eq!(zxids(&read_logs(&disk, &dir(), 2).unwrap()), [5, 6, 7]);
}

#[test]
fn a_missing_directory_and_foreign_files_hold_no_logs() {
    let disk = SimDisk::new();
    assert_eq!(read_logs(&disk, &dir(), 0).unwrap().entries, vec![]);
    put(&disk, "snapshot.5", b"not a log");
    put(&disk, "log.xyz", b"not a log either");
    put(&disk, "acceptedEpoch", b"1");
    assert_eq!(read_logs(&disk, &dir(), 0).unwrap().entries, vec![]);
}

#[test]
fn a_torn_tail_of_the_newest_log_is_cut_durably_and_reported() {
    let disk = SimDisk::new();
    write_logs(&disk, &[&[1, 2], &[3, 4, 5]]);
    let path = dir().join("log.3");
    let file = disk.read(&path).unwrap();
    let whole = raw_log(&[create(3), create(4)]).len();
    // Tear entry 5 after its length field: a truncated txn.
    let mut f = disk.open_write(&path).unwrap();
    f.set_len(whole as u64 + 20).unwrap();
    f.sync().unwrap();
    assert_eq!(&disk.read(&path).unwrap()[..], &file[..whole + 20]);

    let r = read_logs(&disk, &dir(), 0).unwrap();
    assert_eq!(zxids(&r), [1, 2, 3, 4]);
    assert_eq!(
        r.repaired,
        Some(TornTail {
            file: path.clone(),
            offset: whole as u64,
            reason: LogDamage::Torn(TornReason::TruncatedTxn),
            removed: false,
        })
    );
    // The cut is durable, and reading again finds nothing to repair.
    for seed in 0..30 {
        assert_eq!(disk.crash(seed).read(&path).unwrap().len(), whole);
    }
    let again = read_logs(&disk, &dir(), 0).unwrap();
    assert_eq!((zxids(&again), again.repaired), (vec![1, 2, 3, 4], None));
}

#[test]
fn the_newest_log_without_entries_is_removed() {
    // Empty (created, then the crash), as ZooKeeper deletes it.
    let disk = SimDisk::new();
    write_logs(&disk, &[&[1, 2]]);
    put(&disk, "log.3", b"");
    let r = read_logs(&disk, &dir(), 0).unwrap();
    assert_eq!(zxids(&r), [1, 2]);
    let torn = r.repaired.unwrap();
    assert_eq!(
        (torn.offset, torn.reason, torn.removed),
        (0, LogDamage::ShortHeader { len: 0 }, true)
    );
    assert_eq!(disk.list(&dir()).unwrap(), ["log.1"]);
    for seed in 0..20 {
        assert_eq!(disk.crash(seed).list(&dir()).unwrap(), ["log.1"]);
    }

    // A header and preallocated zeros: the first commit never landed.
    let mut header_only = FileHeader::txn_log().to_bytes().to_vec();
    header_only.resize(4096, 0);
    put(&disk, "log.3", &header_only);
    let r = read_logs(&disk, &dir(), 0).unwrap();
    let torn = r.repaired.unwrap();
    assert_eq!((torn.offset, torn.reason), (16, LogDamage::NoEntries));
    assert_eq!(disk.list(&dir()).unwrap(), ["log.1"]);

    // A torn header followed by junk.
    put(&disk, "log.3", b"ZKLG\0\0\0\x02\0\x13\xee");
    let r = read_logs(&disk, &dir(), 0).unwrap();
    assert!(r.repaired.unwrap().removed);

    // The writer can then start the same name again.
    let opts = LogOptions {
        prealloc_size: 4096,
        force_sync: true,
        size_limit: None,
    };
    let mut log = TxnLog::open(Arc::new(disk.clone()), dir(), opts).unwrap();
    log.append(3, &create(3)).unwrap();
    log.commit().unwrap();
    assert_eq!(zxids(&read_logs(&disk, &dir(), 0).unwrap()), [1, 2, 3]);
}

#[test]
fn an_empty_log_that_is_not_the_newest_is_refused() {
    let disk = SimDisk::new();
    put(&disk, "log.1", b"");
    write_logs(&disk, &[&[2, 3]]);
    let e = read_logs(&disk, &dir(), 0).unwrap_err();
    assert!(
        matches!(&e, StorageError::CorruptLog { file, offset: 0, why: NotTorn::NotNewestLog, .. } if file == &dir().join("log.1")),
        "{e}"
    );
}

#[test]
fn a_torn_record_in_an_older_log_is_refused_and_nothing_is_changed() {
    let disk = SimDisk::new();
    let mut older = raw_log(&[create(1), create(2)]);
    let cut = older.len() - 5;
    older.truncate(cut);
    put(&disk, "log.1", &older);
    write_logs(&disk, &[&[3]]);
    let before = disk.read(&dir().join("log.1")).unwrap();
    let e = read_logs(&disk, &dir(), 0).unwrap_err();
    let at = raw_log(&[create(1)]).len() as u64;
    match &e {
        StorageError::CorruptLog {
            file,
            offset,
            found: LogDamage::Torn(TornReason::TruncatedTxn),
            why: NotTorn::NotNewestLog,
        } => {
            assert_eq!((file, *offset), (&dir().join("log.1"), at));
        }
        other => panic!("{other}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("log.1") && msg.contains(&format!("byte {at}")),
        "{msg}"
    );
    assert_eq!(disk.read(&dir().join("log.1")).unwrap(), before);
}

#[test]
fn corruption_before_valid_entries_is_refused_with_file_and_offset() {
    let disk = SimDisk::new();
    write_logs(&disk, &[&[1, 2, 3, 4]]);
    let path = dir().join("log.1");
    let second = raw_log(&[create(1)]).len() as u64;
    disk.corrupt(&path, second + 20, 0x01).unwrap();
    let before = disk.read(&path).unwrap();
    let e = read_logs(&disk, &dir(), 0).unwrap_err();
    let third = raw_log(&[create(1), create(2)]).len() as u64;
    match e {
        StorageError::CorruptLog {
            file,
            offset,
            found: LogDamage::ChecksumMismatch { .. },
            why: NotTorn::EntryFollows { offset: next },
        } => assert_eq!((file, offset, next), (path.clone(), second, third)),
        other => panic!("{other}"),
    }
    assert_eq!(
        disk.read(&path).unwrap(),
        before,
        "a refusal changes nothing"
    );
}

#[test]
fn zxids_must_increase_within_and_across_logs() {
    // Backwards inside one file.
    let disk = SimDisk::new();
    put(&disk, "log.1", &raw_log(&[create(1), create(3), create(2)]));
    let e = read_logs(&disk, &dir(), 0).unwrap_err();
    let at = raw_log(&[create(1), create(3)]).len() as u64;
    assert!(
        matches!(e, StorageError::ZxidOrder { offset, zxid: 2, previous: 3, .. } if offset == at),
        "{e}"
    );

    // Repeated across files.
    let disk = SimDisk::new();
    put(&disk, "log.1", &raw_log(&[create(1), create(2)]));
    put(&disk, "log.2", &raw_log(&[create(2), create(3)]));
    let e = read_logs(&disk, &dir(), 0).unwrap_err();
    assert!(
        matches!(&e, StorageError::ZxidOrder { file, offset: 16, zxid: 2, previous: 2 } if file == &dir().join("log.2")),
        "{e}"
    );

    // Below the zxid the file is named after.
    let disk = SimDisk::new();
    put(&disk, "log.5", &raw_log(&[create(4)]));
    let e = read_logs(&disk, &dir(), 0).unwrap_err();
    assert!(
        matches!(
            e,
            StorageError::ZxidOrder {
                zxid: 4,
                previous: 4,
                ..
            }
        ),
        "{e}"
    );

    // Gaps are normal (a new epoch starts at counter 1).
    let disk = SimDisk::new();
    put(
        &disk,
        "log.1",
        &raw_log(&[create(1), create(0x1_0000_0001)]),
    );
    assert_eq!(
        zxids(&read_logs(&disk, &dir(), 0).unwrap()),
        [1, 0x1_0000_0001]
    );
}

#[test]
fn a_checksummed_txn_that_does_not_decode_is_refused() {
    let disk = SimDisk::new();
    let mut bad = create(2);
    bad[28..32].copy_from_slice(&999i32.to_be_bytes()); // unknown txn type
    put(&disk, "log.1", &raw_log(&[create(1), bad]));
    let e = read_logs(&disk, &dir(), 0).unwrap_err();
    let at = raw_log(&[create(1)]).len() as u64 + 12;
    assert!(
        matches!(&e, StorageError::Decode { file, base, .. } if file == &dir().join("log.1") && *base == at),
        "{e}"
    );
}

#[test]
fn returned_txns_are_exact_and_do_not_hold_the_preallocation() {
    let disk = SimDisk::new();
    let opts = LogOptions {
        prealloc_size: 1 << 20,
        force_sync: true,
        size_limit: None,
    };
    let mut log = TxnLog::open(Arc::new(disk.clone()), dir(), opts).unwrap();
    let t = set_data(1, 77, 9);
    log.append(1, &t).unwrap();
    log.commit().unwrap();
    let r = read_logs(&disk, &dir(), 0).unwrap();
    assert_eq!(
        r.entries,
        vec![LoggedTxn {
            zxid: 1,
            txn: t.into()
        }]
    );
}
