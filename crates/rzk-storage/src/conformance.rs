//! One suite of `Disk` semantics, run against every implementation: the
//! real file system (in a temporary directory) and `SimDisk`. Storage code
//! is tested on `SimDisk`; this suite is what makes those tests say
//! something about `FsDisk`.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::disk::Disk;

fn fresh(disk: &dyn Disk, root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    disk.create_dir_all(&dir).unwrap();
    dir
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn directories_and_listing(disk: &dyn Disk, root: &Path) {
    let dir = root.join("a/b/c");
    disk.create_dir_all(&dir).unwrap();
    disk.create_dir_all(&dir).unwrap(); // idempotent
    assert!(disk.list(&dir).unwrap().is_empty());
    assert_eq!(
        disk.list(&root.join("nope")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    disk.create(&root.join("a/b/log.1")).unwrap();
    disk.create(&root.join("a/b/log.2")).unwrap();
    // Subdirectories are not listed, only regular files.
    assert_eq!(
        sorted(disk.list(&root.join("a/b")).unwrap()),
        ["log.1", "log.2"]
    );
    assert!(disk.create_dir_all(&root.join("a/b/log.1/x")).is_err());
}

fn create_makes_a_new_empty_file_only(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "create");
    let path = dir.join("log.1");
    let f = disk.create(&path).unwrap();
    assert_eq!(f.file_len().unwrap(), 0);
    assert_eq!(disk.read(&path).unwrap(), b"");
    assert_eq!(
        disk.create(&path).unwrap_err().kind(),
        ErrorKind::AlreadyExists
    );
    assert_eq!(
        disk.create(&dir.join("missing/log.1")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

fn writes_land_at_their_offsets(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "write");
    let path = dir.join("f");
    let mut f = disk.create(&path).unwrap();
    f.write_at(0, b"hello").unwrap();
    f.write_at(8, b"world").unwrap(); // past the end: the gap reads as zeros
    assert_eq!(f.file_len().unwrap(), 13);
    assert_eq!(disk.read(&path).unwrap(), b"hello\0\0\0world");
    f.write_at(1, b"EL").unwrap();
    f.write_at(3, b"").unwrap();
    f.sync().unwrap();
    assert_eq!(disk.read(&path).unwrap(), b"hELlo\0\0\0world");
    assert_eq!(f.file_len().unwrap(), 13);
}

fn set_len_extends_with_zeros_and_cuts(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "setlen");
    let path = dir.join("f");
    let mut f = disk.create(&path).unwrap();
    f.write_at(0, b"abcdef").unwrap();
    f.set_len(10).unwrap();
    assert_eq!(disk.read(&path).unwrap(), b"abcdef\0\0\0\0");
    f.set_len(3).unwrap();
    assert_eq!(f.file_len().unwrap(), 3);
    assert_eq!(disk.read(&path).unwrap(), b"abc");
    // Cut bytes do not come back when the file grows again.
    f.set_len(5).unwrap();
    f.sync().unwrap();
    assert_eq!(disk.read(&path).unwrap(), b"abc\0\0");
    f.write_at(4, b"Z").unwrap();
    assert_eq!(disk.read(&path).unwrap(), b"abc\0Z");
}

fn open_write_reopens_without_truncating(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "reopen");
    let path = dir.join("f");
    assert_eq!(
        disk.open_write(&path).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let mut f = disk.create(&path).unwrap();
    f.write_at(0, b"0123456789").unwrap();
    f.sync().unwrap();
    drop(f);
    let mut g = disk.open_write(&path).unwrap();
    assert_eq!(g.file_len().unwrap(), 10);
    g.write_at(2, b"xy").unwrap();
    g.set_len(6).unwrap();
    g.sync().unwrap();
    assert_eq!(disk.read(&path).unwrap(), b"01xy45");
}

fn rename_replaces_and_moves_open_files(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "rename");
    let (tmp, fin) = (dir.join("snap.tmp"), dir.join("snap"));
    let mut old = disk.create(&fin).unwrap();
    old.write_at(0, b"old").unwrap();
    let mut f = disk.create(&tmp).unwrap();
    f.write_at(0, b"new").unwrap();
    disk.rename(&tmp, &fin).unwrap();
    disk.sync_dir(&dir).unwrap();
    assert_eq!(disk.read(&fin).unwrap(), b"new");
    assert_eq!(disk.read(&tmp).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(disk.list(&dir).unwrap(), ["snap"]);
    // The handle follows the file, not the name.
    f.write_at(3, b"er").unwrap();
    assert_eq!(disk.read(&fin).unwrap(), b"newer");
    assert_eq!(
        disk.rename(&tmp, &fin).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

fn remove_unlinks(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "remove");
    let path = dir.join("log.1");
    disk.create(&path).unwrap();
    disk.remove(&path).unwrap();
    disk.sync_dir(&dir).unwrap();
    assert_eq!(disk.read(&path).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(disk.list(&dir).unwrap().is_empty());
    assert_eq!(disk.remove(&path).unwrap_err().kind(), ErrorKind::NotFound);
    // The name is free again.
    disk.create(&path).unwrap();
}

fn missing_things_are_not_found(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "missing");
    assert_eq!(
        disk.read(&dir.join("x")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        disk.sync_dir(&dir.join("nodir")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    disk.sync_dir(&dir).unwrap();
}

fn data_extent_covers_every_non_zero_byte(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "extent");
    let check = |path: &Path| {
        let all = disk.read(path).unwrap();
        let extent = disk.data_extent(path).unwrap();
        assert_eq!(extent.len, all.len() as u64);
        assert!(extent.data_end <= extent.len);
        let end = extent.data_end as usize;
        assert!(all[end..].iter().all(|&b| b == 0), "{extent:?}");
        extent
    };
    let path = dir.join("log.1");
    let mut f = disk.create(&path).unwrap();
    assert_eq!(check(&path).data_end, 0);
    f.write_at(0, b"header").unwrap();
    assert!(check(&path).data_end >= 6);
    // Preallocation, as the txn log does it: zeros to 1 MiB.
    f.set_len(1 << 20).unwrap();
    assert!(check(&path).data_end >= 6);
    f.write_at(300_000, b"entry").unwrap();
    f.sync().unwrap();
    assert!(check(&path).data_end >= 300_005);
    // Zeros written as data are still zeros.
    let zeros = dir.join("zeros");
    let mut z = disk.create(&zeros).unwrap();
    z.write_at(0, &[0; 10_000]).unwrap();
    check(&zeros);
    assert_eq!(
        disk.data_extent(&dir.join("none")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

fn write_behind_changes_no_content(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "behind");
    let path = dir.join("snap");
    let mut f = disk.create(&path).unwrap();
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    f.write_at(0, &bytes[..200_000]).unwrap();
    f.write_behind(0, 200_000).unwrap();
    f.write_at(200_000, &bytes[200_000..]).unwrap();
    f.write_behind(200_000, 100_000).unwrap();
    // A range past the end and an empty one are no errors.
    f.write_behind(300_000, 1 << 20).unwrap();
    f.write_behind(0, 0).unwrap();
    f.sync().unwrap();
    assert_eq!(f.file_len().unwrap(), 300_000);
    assert_eq!(disk.read(&path).unwrap(), bytes);
}

fn sequential_files_hold_what_was_written_once_synced(disk: &dyn Disk, root: &Path) {
    let dir = fresh(disk, root, "sequential");
    let path = dir.join("tmp.snapshot.1");
    let mut f = disk.create_sequential(&path).unwrap();
    assert_eq!(
        disk.create_sequential(&path).unwrap_err().kind(),
        ErrorKind::AlreadyExists
    );
    // Pieces of odd sizes, across the real disk's block and piece sizes.
    let bytes: Vec<u8> = (0..1_000_003u32).map(|i| (i % 251) as u8 + 1).collect();
    let mut at = 0;
    for size in [5, 4091, 70_000, 300_000, 1] {
        f.write_at(at as u64, &bytes[at..at + size]).unwrap();
        at += size;
    }
    f.sync().unwrap();
    assert_eq!(f.file_len().unwrap(), at as u64);
    assert_eq!(disk.read(&path).unwrap(), bytes[..at]);
    f.write_at(at as u64, &bytes[at..]).unwrap();
    f.sync().unwrap();
    assert_eq!(disk.read(&path).unwrap(), bytes);
    drop(f);
    // Renamed into place as a snapshot is.
    let dest = dir.join("snapshot.1");
    disk.rename(&path, &dest).unwrap();
    disk.sync_dir(&dir).unwrap();
    assert_eq!(disk.read(&dest).unwrap(), bytes);
    // And read back in pieces, as start-up reads a snapshot.
    let pieces = disk.read_pieces(&dest).unwrap();
    assert_eq!(pieces.file_len(), bytes.len() as u64);
    let failure = pieces.failure();
    let mut source = pieces.into_source();
    let mut got = bytes::BytesMut::new();
    let mut count = 0;
    while source.read_piece(&mut got) {
        count += 1;
    }
    assert!(got[..] == bytes[..], "the pieces are not the file");
    assert!(count >= 1);
    assert!(failure.take().is_none());
    assert_eq!(
        disk.read_pieces(&dir.join("missing")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// Runs every check above against one implementation.
macro_rules! suite {
    ($($check:ident),* $(,)?) => {
        mod fs_disk {
            $(
                #[test]
                fn $check() {
                    let tmp = tempfile::tempdir().unwrap();
                    super::$check(&crate::FsDisk, tmp.path());
                }
            )*
        }
        mod sim_disk {
            $(
                #[test]
                fn $check() {
                    let disk = crate::SimDisk::new();
                    super::$check(&disk, std::path::Path::new("/srv/zk"));
                }
            )*
        }
    };
}

suite!(
    directories_and_listing,
    create_makes_a_new_empty_file_only,
    writes_land_at_their_offsets,
    set_len_extends_with_zeros_and_cuts,
    open_write_reopens_without_truncating,
    rename_replaces_and_moves_open_files,
    remove_unlinks,
    missing_things_are_not_found,
    data_extent_covers_every_non_zero_byte,
    write_behind_changes_no_content,
    sequential_files_hold_what_was_written_once_synced,
);

/// The reason `data_extent` exists: on a file system with holes (ext4,
/// xfs, tmpfs, where rzk's tests and data live), a log preallocated by
/// `set_len` is mostly hole, and recovery must not read it.
#[test]
fn fs_disk_data_extent_skips_preallocated_holes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("log.1");
    let mut f = crate::FsDisk.create(&path).unwrap();
    f.write_at(0, &[7; 5000]).unwrap();
    f.set_len(64 << 20).unwrap();
    f.sync().unwrap();
    let extent = crate::FsDisk.data_extent(&path).unwrap();
    assert_eq!(extent.len, 64 << 20);
    assert!(
        (5000..=1 << 20).contains(&extent.data_end),
        "the preallocated tail was reported as data: {extent:?}"
    );
}
