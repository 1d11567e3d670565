use std::io;

use rzk_proto::disk::{
    encode_entry, padded_log_size, FileHeader, LogEnd, TxnLogFile, DEFAULT_PREALLOC_SIZE,
};
use rzk_proto::jute::Record;

use super::*;
use crate::logscan::read_logs;
use crate::sim::SimDisk;
use crate::txnlog_testing::{create, set_data, zookeeper_log};
use crate::FsDisk;

fn dir() -> PathBuf {
    PathBuf::from("/zk/data/version-2")
}

fn opts(prealloc_size: u64) -> LogOptions {
    LogOptions {
        prealloc_size,
        force_sync: true,
        size_limit: None,
    }
}

fn open(disk: &SimDisk, o: LogOptions) -> TxnLog {
    TxnLog::open(Arc::new(disk.clone()), dir(), o).unwrap()
}

#[test]
fn writes_byte_for_byte_what_zookeeper_writes() {
    // Golden.java appended eleven txns to a FileTxnLog with preAllocSize
    // 8192 and committed once; the same txns through TxnLog must give the
    // same file, padding included.
    let golden = zookeeper_log();
    let zk = TxnLogFile::decode(bytes::Bytes::from(golden.clone())).unwrap();
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(8192));
    for (i, e) in zk.entries.iter().enumerate() {
        log.append(0x1_0000_0001 + i as i64, &e.txn).unwrap();
    }
    log.commit().unwrap();
    let ours = disk.read(&dir().join("log.100000001")).unwrap();
    assert_eq!(ours.len(), golden.len());
    assert!(
        ours == golden,
        "bytes differ from ZooKeeper's log.100000001"
    );
}

#[test]
fn a_fresh_log_is_header_then_entries_then_preallocated_zeros() {
    let disk = SimDisk::new();
    let mut log = open(&disk, LogOptions::default());
    let (a, b) = (create(0x500000001), set_data(0x500000002, 10, 7));
    log.append(0x500000001, &a).unwrap();
    log.append(0x500000002, &b).unwrap();
    assert_eq!(
        log.current_file(),
        Some(dir().join("log.500000001").as_path())
    );
    log.commit().unwrap();
    let file = disk.read(&dir().join("log.500000001")).unwrap();
    // 16 + 64 MiB, as a fresh ZooKeeper log is (PROTOCOL.md §6.2).
    assert_eq!(file.len() as u64, 16 + DEFAULT_PREALLOC_SIZE);
    assert_eq!(log.current_file_size(), 16 + DEFAULT_PREALLOC_SIZE);
    let mut expect = FileHeader::txn_log().to_bytes().to_vec();
    encode_entry(&a, &mut expect);
    encode_entry(&b, &mut expect);
    assert_eq!(&file[..expect.len()], &expect[..]);
    assert!(file[expect.len()..].iter().all(|&x| x == 0));
    assert_eq!(log.bytes_written(), expect.len() as u64);
    let decoded = TxnLogFile::decode(bytes::Bytes::from(file)).unwrap();
    assert_eq!(decoded.entries.len(), 2);
    assert_eq!(
        decoded.end,
        LogEnd::Padding {
            offset: expect.len()
        }
    );
}

#[test]
fn preallocation_follows_zookeepers_rule_commit_by_commit() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    let path = dir().join("log.1");
    let t = set_data(1, 20, 1);
    let n = (t.len() + 13) as u64;
    // First commit: the header put the position at 16, within 4096 of
    // the size 16, so the file grows by one step.
    log.append(1, &t).unwrap();
    log.commit().unwrap();
    assert_eq!(disk.read(&path).unwrap().len(), 16 + 4096);
    // Second commit: position 16+n is still within 4096 of 4112: grow.
    log.append(2, &set_data(2, 20, 1)).unwrap();
    log.commit().unwrap();
    assert_eq!(disk.read(&path).unwrap().len(), 16 + 2 * 4096);
    // Third: position 16+2n is more than 4096 below 8208: no growth.
    log.append(3, &set_data(3, 20, 1)).unwrap();
    log.commit().unwrap();
    assert_eq!(disk.read(&path).unwrap().len(), 16 + 2 * 4096);
    assert_eq!(
        padded_log_size(16 + 2 * n, 16 + 2 * 4096, 4096),
        16 + 2 * 4096
    );
}

#[test]
fn a_batch_applies_the_rule_once_per_append_at_the_last_commit_position() {
    // FileTxnLog pads before each append with the position of the last
    // commit: with a step smaller than the 4 KiB slack, every append of a
    // batch grows the file again.
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(100));
    for z in 1..=3 {
        log.append(z, &set_data(z, 5, 0)).unwrap();
    }
    log.commit().unwrap();
    assert_eq!(disk.read(&dir().join("log.1")).unwrap().len(), 16 + 300);

    // A batch larger than the padding overruns it; the next append rounds
    // the size up to the next multiple of the step above the position.
    let mut log = open(&disk, opts(100));
    log.append(10, &set_data(10, 1000, 0)).unwrap();
    log.commit().unwrap();
    let pos = 16 + 13 + set_data(10, 1000, 0).len() as u64;
    let path = dir().join("log.a");
    assert_eq!(disk.read(&path).unwrap().len() as u64, pos);
    let small = set_data(11, 5, 0);
    let set_lens = disk.stats().set_lens;
    log.append(11, &small).unwrap();
    log.commit().unwrap();
    let padded = padded_log_size(pos, 116, 100);
    assert_eq!(padded % 100, 0);
    assert!(padded > pos);
    assert_eq!(disk.stats().set_lens, set_lens + 1, "padded once");
    // The entry may reach past the padding, as it does in ZooKeeper.
    let end = pos + 13 + small.len() as u64;
    assert_eq!(disk.read(&path).unwrap().len() as u64, padded.max(end));
    assert_eq!(log.current_file_size(), padded.max(end));
}

#[test]
fn zero_prealloc_writes_no_padding() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(0));
    let t = set_data(1, 3, 3);
    log.append(1, &t).unwrap();
    log.commit().unwrap();
    assert_eq!(
        disk.read(&dir().join("log.1")).unwrap().len(),
        16 + 13 + t.len()
    );
    assert_eq!(disk.stats().set_lens, 0);
}

#[test]
fn commit_syncs_once_and_names_a_new_file_once() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(1 << 20));
    let base = disk.stats();
    // Nothing buffered: no disk call at all.
    log.commit().unwrap();
    assert_eq!(disk.stats(), base);
    for z in 1..=50 {
        log.append(z, &set_data(z, 30, 0)).unwrap();
    }
    log.commit().unwrap();
    let s = disk.stats();
    assert_eq!(s.syncs - base.syncs, 1, "one data sync for fifty txns");
    assert_eq!(s.dir_syncs - base.dir_syncs, 1, "the new name is synced");
    log.append(51, &set_data(51, 30, 0)).unwrap();
    log.commit().unwrap();
    let t = disk.stats();
    assert_eq!((t.syncs - s.syncs, t.dir_syncs - s.dir_syncs), (1, 0));
    log.commit().unwrap();
    assert_eq!(disk.stats(), t);
}

#[test]
fn without_force_sync_nothing_is_synced() {
    let disk = SimDisk::new();
    let mut log = open(
        &disk,
        LogOptions {
            prealloc_size: 4096,
            force_sync: false,
            size_limit: None,
        },
    );
    log.append(1, &create(1)).unwrap();
    log.commit().unwrap();
    log.roll().unwrap();
    log.append(2, &create(2)).unwrap();
    log.commit().unwrap();
    let s = disk.stats();
    assert_eq!((s.syncs, s.dir_syncs), (0, 0));
    assert_eq!(read_logs(&disk, &dir(), 0).unwrap().entries.len(), 2);
}

#[test]
fn after_commit_every_txn_survives_every_crash() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    let mut expect = Vec::new();
    for z in 1..=40 {
        let t = set_data(z, (z as usize * 37) % 500, z as u8);
        log.append(z, &t).unwrap();
        expect.push(t);
        if z % 7 == 0 {
            log.commit().unwrap();
        }
        if z == 20 {
            log.roll().unwrap();
        }
    }
    log.commit().unwrap();
    for seed in 0..200 {
        let after = disk.crash(seed);
        let read = read_logs(&after, &dir(), 0).unwrap();
        let got: Vec<&[u8]> = read.entries.iter().map(|e| &e.txn[..]).collect();
        let want: Vec<&[u8]> = expect.iter().map(|t| &t[..]).collect();
        assert_eq!(got, want, "seed {seed}");
        assert_eq!(read.repaired, None, "seed {seed}");
    }
}

#[test]
fn roll_commits_then_starts_a_file_named_by_the_next_zxid() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    log.append(0x10, &create(0x10)).unwrap();
    log.roll().unwrap();
    assert_eq!(log.current_file(), None);
    assert_eq!(log.current_file_size(), 0);
    // Rolling with no file is a no-op.
    log.roll().unwrap();
    log.append(0x11, &create(0x11)).unwrap();
    log.append(0x12, &create(0x12)).unwrap();
    log.commit().unwrap();
    let mut names = disk.list(&dir()).unwrap();
    names.sort();
    assert_eq!(names, ["log.10", "log.11"]);
    let zxids: Vec<i64> = read_logs(&disk, &dir(), 0)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.zxid)
        .collect();
    assert_eq!(zxids, [0x10, 0x11, 0x12]);
}

#[test]
fn open_creates_the_directory_and_always_starts_a_new_file() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    assert!(disk.list(&dir()).unwrap().is_empty());
    log.append(1, &create(1)).unwrap();
    log.commit().unwrap();
    drop(log);
    let mut log = open(&disk, opts(4096));
    assert_eq!(log.last_zxid(), None);
    log.append(2, &create(2)).unwrap();
    assert_eq!(log.pending_txns(), 1);
    log.commit().unwrap();
    assert_eq!(log.pending_txns(), 0);
    assert_eq!(disk.list(&dir()).unwrap().len(), 2);
    assert_eq!(log.dir(), dir());
}

#[test]
fn bad_appends_are_refused_and_change_nothing() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    log.append(5, &create(5)).unwrap();
    let e = log.append(5, &create(5)).unwrap_err();
    assert!(
        matches!(
            e,
            StorageError::ZxidNotIncreasing {
                zxid: 5,
                last: 5,
                ..
            }
        ),
        "{e}"
    );
    assert!(matches!(
        log.append(4, &create(4)),
        Err(StorageError::ZxidNotIncreasing { .. })
    ));
    let e = log.append(6, &[]).unwrap_err();
    assert!(matches!(e, StorageError::TxnSize { len: 0, .. }), "{e}");
    let big = vec![0; MAX_TXN_LEN + 1];
    assert!(matches!(
        log.append(6, &big),
        Err(StorageError::TxnSize { .. })
    ));
    assert_eq!(log.pending_txns(), 1);
    log.append(6, &create(6)).unwrap();
    log.commit().unwrap();
    assert_eq!(read_logs(&disk, &dir(), 0).unwrap().entries.len(), 2);
}

#[test]
fn a_name_clash_fails_the_append_but_not_the_log() {
    let disk = SimDisk::new();
    disk.create_dir_all(&dir()).unwrap();
    disk.create(&dir().join("log.7")).unwrap();
    let mut log = open(&disk, opts(4096));
    let e = log.append(7, &create(7)).unwrap_err();
    assert!(
        matches!(&e, StorageError::Io { op: "create", source, .. } if source.kind() == io::ErrorKind::AlreadyExists),
        "{e}"
    );
    log.append(8, &create(8)).unwrap();
    log.commit().unwrap();
}

#[test]
fn a_full_disk_fails_the_commit_and_poisons_the_log() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    log.append(1, &create(1)).unwrap();
    log.commit().unwrap();
    disk.set_space_limit(Some(16 + 4096 + 100));
    for z in 2..=100 {
        log.append(z, &set_data(z, 100, 0)).unwrap();
    }
    let e = log.commit().unwrap_err();
    match &e {
        StorageError::Io { op, path, source } => {
            assert_eq!(source.kind(), io::ErrorKind::StorageFull, "{e}");
            assert_eq!(path, &dir().join("log.1"));
            assert!(["set_len", "write"].contains(op), "{e}");
        }
        other => panic!("{other}"),
    }
    disk.set_space_limit(None);
    for e in [log.append(101, &create(101)), log.commit(), log.roll()] {
        assert!(
            matches!(&e, Err(StorageError::LogFailed { file }) if file == &dir().join("log.1")),
            "{e:?}"
        );
    }
    // What was committed is still read back, whatever a crash does.
    for seed in 0..50 {
        let read = read_logs(&disk.crash(seed), &dir(), 0).unwrap();
        assert_eq!(read.entries[0].zxid, 1);
    }
}

#[test]
fn fs_disk_log_reads_back_and_has_zookeepers_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("version-2");
    let mut log = TxnLog::open(Arc::new(FsDisk), dir.clone(), opts(64 * 1024)).unwrap();
    for z in 1..=30 {
        log.append(z, &set_data(z, 200, z as u8)).unwrap();
        if z % 10 == 0 {
            log.commit().unwrap();
        }
    }
    log.roll().unwrap();
    log.append(31, &create(31)).unwrap();
    log.commit().unwrap();
    let read = read_logs(&FsDisk, &dir, 0).unwrap();
    assert_eq!(read.entries.len(), 31);
    assert_eq!(read.entries[30].txn, create(31));
    assert_eq!(
        std::fs::metadata(dir.join("log.1")).unwrap().len(),
        16 + 64 * 1024
    );
    assert_eq!(
        std::fs::metadata(dir.join("log.1f")).unwrap().len(),
        16 + 64 * 1024
    );
}

#[test]
fn the_writer_can_move_to_a_disk_thread_and_debug_prints_no_bytes() {
    fn send<T: Send>(_: &T) {}
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    send(&log);
    log.append(1, &set_data(1, 5000, 0xAB)).unwrap();
    let text = format!("{log:?}");
    assert!(
        text.contains("log.1") && text.contains("pending_txns: 1"),
        "{text}"
    );
    assert!(text.len() < 300, "{text}");
}

#[test]
fn zeros_are_written_ahead_only_past_the_entries_and_inside_the_file() {
    // Enough room: nothing to do.
    assert_eq!(zero_ahead(100_000, 10_000, 1 << 26), None);
    // Close to the end of the zeros: from there to a block boundary
    // ZERO_AHEAD past the entries.
    assert_eq!(
        zero_ahead(40_000, 10_000, 1 << 26),
        Some((40_000, (10_000 + ZERO_AHEAD) & !4095))
    );
    // Entries past the zeros: never over an entry.
    assert_eq!(
        zero_ahead(16, 5_000, 1 << 26),
        Some((5_000, (5_000 + ZERO_AHEAD) & !4095))
    );
    // Never past the file's length (no preallocation: nothing at all).
    assert_eq!(zero_ahead(16, 5_000, 20_000), Some((5_000, 20_000)));
    assert_eq!(zero_ahead(16, 5_000, 5_000), None);
}

#[test]
fn fs_disk_log_allocates_blocks_ahead_of_its_entries_but_stays_sparse_beyond() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("version-2");
    let mut log = TxnLog::open(Arc::new(FsDisk), dir.clone(), opts(DEFAULT_PREALLOC_SIZE)).unwrap();
    log.append(1, &create(1)).unwrap();
    log.commit().unwrap();
    let mut entry = Vec::new();
    encode_entry(&create(1), &mut entry);
    let entries_end = 16 + entry.len() as u64;
    let extent = FsDisk.data_extent(&dir.join("log.1")).unwrap();
    assert_eq!(extent.len, padded_log_size(16, 16, DEFAULT_PREALLOC_SIZE));
    // The next syncs write into allocated blocks, not a hole ...
    assert!(
        extent.data_end >= entries_end + ZERO_AHEAD / 2,
        "{extent:?}, entries end at {entries_end}"
    );
    // ... and recovery still reads only a little past the entries.
    assert!(extent.data_end <= entries_end + ZERO_AHEAD, "{extent:?}");
    let read = read_logs(&FsDisk, &dir, 0).unwrap();
    assert_eq!(read.entries.len(), 1);
}

fn with_limit(prealloc_size: u64, limit: u64) -> LogOptions {
    LogOptions {
        size_limit: Some(limit),
        ..opts(prealloc_size)
    }
}

fn logged_zxids(disk: &SimDisk) -> Vec<i64> {
    read_logs(disk, &dir(), 0)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.zxid)
        .collect()
}

#[test]
fn past_the_size_limit_the_log_rolls_at_the_next_txn() {
    // txnLogSizeLimitInKb: a commit that leaves the file (preallocation
    // included, as ZooKeeper measures it) longer than the limit ends it.
    let disk = SimDisk::new();
    let limit = 3 * 4096;
    let mut log = open(&disk, with_limit(4096, limit));
    for z in 1..=400 {
        log.append(z, &create(z)).unwrap();
        log.commit().unwrap();
    }
    let mut names = disk.list(&dir()).unwrap();
    names.sort_by_key(|n| i64::from_str_radix(&n["log.".len()..], 16).unwrap());
    assert!(names.len() > 2, "never rolled: {names:?}");
    let last = names.len() - 1;
    for (i, name) in names.iter().enumerate() {
        let len = disk.read(&dir().join(name)).unwrap().len() as u64;
        // Rolled at the first commit past the limit: one preallocation
        // step earlier it was within it.
        assert!(len - 4096 <= limit, "{name} ran on past the limit: {len}");
        if i < last {
            assert!(len > limit, "{name} ended within the limit: {len}");
        }
    }
    assert_eq!(logged_zxids(&disk), (1..=400).collect::<Vec<_>>());
}

#[test]
fn a_size_limit_within_the_preallocation_rolls_at_every_commit() {
    // ZooKeeper's documented cost of a limit below 2 × preAllocSize: the
    // preallocated file is over it from its first commit.
    let disk = SimDisk::new();
    let mut log = open(&disk, with_limit(4096, 1024));
    log.append(1, &create(1)).unwrap();
    log.append(2, &create(2)).unwrap();
    log.commit().unwrap();
    assert_eq!(log.current_file(), None, "the file ends at the commit");
    log.append(3, &create(3)).unwrap();
    log.commit().unwrap();
    log.append(4, &create(4)).unwrap();
    log.commit().unwrap();
    let mut names = disk.list(&dir()).unwrap();
    names.sort();
    assert_eq!(names, ["log.1", "log.3", "log.4"]);
    assert_eq!(logged_zxids(&disk), [1, 2, 3, 4]);
}

#[test]
fn without_a_size_limit_one_file_takes_every_commit() {
    let disk = SimDisk::new();
    let mut log = open(&disk, opts(4096));
    for z in 1..=400 {
        log.append(z, &create(z)).unwrap();
        log.commit().unwrap();
    }
    assert_eq!(disk.list(&dir()).unwrap(), ["log.1"]);
}
