//! SimDisk-only tests: what a crash keeps, and the injected faults. The
//! behaviour shared with `FsDisk` is in `conformance`.

use super::*;

const SEEDS: u64 = 300;

fn dir() -> PathBuf {
    PathBuf::from("/data/version-2")
}

/// A disk with `dir()` and one file `name` holding `synced`, durable
/// (data and directory entry), plus `unsynced` written after it.
fn disk_with(name: &str, synced: &[u8], unsynced: &[u8]) -> (SimDisk, Box<dyn DiskFile>) {
    let disk = SimDisk::new();
    disk.create_dir_all(&dir()).unwrap();
    let mut f = disk.create(&dir().join(name)).unwrap();
    f.write_at(0, synced).unwrap();
    f.sync().unwrap();
    disk.sync_dir(&dir()).unwrap();
    f.write_at(synced.len() as u64, unsynced).unwrap();
    (disk, f)
}

#[test]
fn synced_data_always_survives_and_unsynced_data_sometimes_does() {
    let (disk, _f) = disk_with(
        "log.1",
        b"durable bytes",
        b" and more that were never synced",
    );
    let full = disk.read(&dir().join("log.1")).unwrap();
    let (mut lost, mut kept, mut torn) = (0, 0, 0);
    for seed in 0..SEEDS {
        let after = disk.crash(seed).read(&dir().join("log.1")).unwrap();
        assert!(
            after.starts_with(b"durable bytes"),
            "seed {seed}: {after:?}"
        );
        match after.len() {
            13 => lost += 1,
            n if after == full => {
                assert_eq!(n, full.len());
                kept += 1
            }
            _ => torn += 1,
        }
    }
    assert!(lost > 0 && kept > 0 && torn > 0, "{lost} {kept} {torn}");
}

#[test]
fn a_torn_write_keeps_a_prefix_then_at_most_a_sector_of_junk() {
    let big = vec![0x42u8; 10_000];
    let (disk, _f) = disk_with("f", b"", &big);
    let mut garbage_seen = false;
    for seed in 0..SEEDS {
        let after = disk.crash(seed).read(&dir().join("f")).unwrap();
        let good = after.iter().take_while(|&&b| b == 0x42).count();
        let junk = after.len() - good;
        assert!(junk <= crate::logscan_file::TORN_WRITE_JUNK, "seed {seed}");
        garbage_seen |= after[good..].iter().any(|&b| b != 0);
    }
    assert!(garbage_seen);
}

#[test]
fn only_the_first_unkept_write_can_be_torn() {
    // Three unsynced writes of distinct bytes: whatever survives is whole
    // earlier writes, then at most one damaged stretch.
    let (disk, mut f) = disk_with("f", b"", &[1; 100]);
    f.write_at(100, &[2; 100]).unwrap();
    f.write_at(200, &[3; 100]).unwrap();
    for seed in 0..SEEDS {
        let after = disk.crash(seed).read(&dir().join("f")).unwrap();
        let whole = after
            .chunks(100)
            .zip(1u8..)
            .take_while(|(c, v)| c.len() == 100 && c.iter().all(|b| b == v))
            .count();
        let rest = &after[(whole * 100).min(after.len())..];
        assert!(rest.len() <= 100, "seed {seed}: damage spans writes");
    }
}

#[test]
fn a_new_entry_needs_sync_dir_and_its_data_needs_sync() {
    let disk = SimDisk::new();
    disk.create_dir_all(&dir()).unwrap();
    let path = dir().join("log.5");
    let mut f = disk.create(&path).unwrap();
    f.write_at(0, b"header").unwrap();
    let (mut gone, mut empty) = (0, 0);
    for seed in 0..SEEDS {
        match disk.crash(seed).read(&path) {
            Err(e) => {
                assert_eq!(e.kind(), io::ErrorKind::NotFound);
                gone += 1
            }
            Ok(b) if b.is_empty() => empty += 1,
            // A prefix of the write, maybe with junk, never more than it.
            Ok(b) => assert!(b.len() <= 6, "seed {seed}: {b:?}"),
        }
    }
    assert!(gone > 0 && empty > 0, "{gone} {empty}");
    disk.sync_dir(&dir()).unwrap();
    for seed in 0..SEEDS {
        disk.crash(seed).read(&path).unwrap();
    }
    f.sync().unwrap();
    for seed in 0..SEEDS {
        assert_eq!(disk.crash(seed).read(&path).unwrap(), b"header");
    }
}

#[test]
fn rename_and_remove_are_durable_only_after_sync_dir() {
    let (disk, _f) = disk_with("snap.tmp", b"snapshot", b"");
    let tmp = dir().join("snap.tmp");
    let fin = dir().join("snap");
    disk.rename(&tmp, &fin).unwrap();
    let (mut old, mut new) = (0, 0);
    for seed in 0..SEEDS {
        let d = disk.crash(seed);
        let names = d.list(&dir()).unwrap();
        // Never both names, never neither: the rename is atomic.
        assert_eq!(names.len(), 1, "seed {seed}: {names:?}");
        if names[0] == "snap" {
            new += 1;
        } else {
            old += 1;
        }
        assert_eq!(d.read(&dir().join(&names[0])).unwrap(), b"snapshot");
    }
    assert!(old > 0 && new > 0);
    disk.sync_dir(&dir()).unwrap();
    for seed in 0..SEEDS {
        assert_eq!(disk.crash(seed).list(&dir()).unwrap(), ["snap"]);
    }

    disk.remove(&fin).unwrap();
    let back = (0..SEEDS)
        .filter(|&s| disk.crash(s).read(&fin).is_ok())
        .count();
    assert!(back > 0, "an unsynced removal can be undone by a crash");
    disk.sync_dir(&dir()).unwrap();
    assert!((0..SEEDS).all(|s| disk.crash(s).list(&dir()).unwrap().is_empty()));
}

#[test]
fn unsynced_directory_changes_survive_as_an_ordered_prefix() {
    let disk = SimDisk::new();
    disk.create_dir_all(&dir()).unwrap();
    for name in ["a", "b", "c"] {
        disk.create(&dir().join(name)).unwrap();
    }
    for seed in 0..SEEDS {
        let mut names = disk.crash(seed).list(&dir()).unwrap();
        names.sort();
        let expect: Vec<&str> = ["a", "b", "c"][..names.len()].to_vec();
        assert_eq!(names, expect, "seed {seed}");
    }
}

#[test]
fn crashes_are_reproducible_from_the_seed_and_leave_the_original_alone() {
    let (disk, mut f) = disk_with("f", b"abc", &[7; 3000]);
    let path = dir().join("f");
    for seed in 0..50 {
        assert_eq!(
            disk.crash(seed).read(&path).unwrap(),
            disk.crash(seed).read(&path).unwrap()
        );
    }
    let before = disk.read(&path).unwrap();
    let crashed = disk.crash(3);
    assert_eq!(disk.read(&path).unwrap(), before);
    // A handle from before the crash writes to the dead machine's disk.
    let len_after = crashed.read(&path).unwrap().len();
    f.write_at(0, b"zzz").unwrap();
    assert_eq!(crashed.read(&path).unwrap().len(), len_after);
    assert!(crashed.read(&path).unwrap().starts_with(b"abc"));
    assert!(disk.read(&path).unwrap().starts_with(b"zzz"));
}

#[test]
fn crash_preserves_durable_length_changes() {
    let (disk, mut f) = disk_with("f", b"abc", b"");
    f.set_len(1 << 20).unwrap(); // preallocation is stored sparsely
    f.sync().unwrap();
    f.set_len(2).unwrap();
    let path = dir().join("f");
    assert_eq!(disk.synced_len(&path), Some(1 << 20));
    let lens: std::collections::BTreeSet<usize> = (0..40)
        .map(|s| disk.crash(s).read(&path).unwrap().len())
        .collect();
    assert_eq!(lens, [2, 1 << 20].into_iter().collect());
}

#[test]
fn a_full_disk_stores_what_fits_then_fails() {
    let (disk, mut f) = disk_with("f", b"0123456789", b"");
    let other = dir().join("other");
    let mut g = disk.create(&other).unwrap();
    g.write_at(0, &[1; 5]).unwrap();
    disk.set_space_limit(Some(20));
    let e = f.write_at(10, b"abcdefghij").unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    assert!(e.to_string().contains("full disk"), "{e}");
    assert_eq!(disk.read(&dir().join("f")).unwrap(), b"0123456789abcde");
    // Overwriting in place needs no space.
    f.write_at(0, b"X").unwrap();
    let e = f.set_len(100).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    assert_eq!(f.file_len().unwrap(), 15);
    f.set_len(3).unwrap();
    // Removing a file frees its space.
    disk.remove(&other).unwrap();
    f.set_len(20).unwrap();
    disk.set_space_limit(None);
    f.set_len(1000).unwrap();
    assert_eq!(disk.crash(1).stats(), SimStats::default());
}

#[test]
fn corruption_hits_the_stored_byte_everywhere() {
    let (disk, mut f) = disk_with("f", b"abcd", b"ef");
    let path = dir().join("f");
    disk.corrupt(&path, 1, 0x20).unwrap();
    disk.corrupt(&path, 4, 0x20).unwrap();
    assert_eq!(disk.read(&path).unwrap(), b"aBcdEf");
    f.sync().unwrap();
    for seed in 0..20 {
        assert_eq!(disk.crash(seed).read(&path).unwrap(), b"aBcdEf");
    }
    let e = disk.corrupt(&path, 6, 1).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    let e = disk.corrupt(&dir().join("nope"), 0, 1).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
}

#[test]
fn stats_count_the_expensive_calls() {
    let (disk, mut f) = disk_with("f", b"abc", b"d");
    assert_eq!(
        disk.stats(),
        SimStats {
            writes: 2,
            set_lens: 0,
            syncs: 1,
            write_behinds: 0,
            dir_syncs: 1
        }
    );
    f.set_len(10).unwrap();
    f.sync().unwrap();
    f.write_behind(0, 10).unwrap();
    assert_eq!(disk.stats().set_lens, 1);
    assert_eq!(disk.stats().syncs, 2);
    assert_eq!(disk.stats().write_behinds, 1);
}

#[test]
fn cross_directory_rename_is_refused_not_faked() {
    let (disk, _f) = disk_with("f", b"x", b"");
    disk.create_dir_all(Path::new("/elsewhere")).unwrap();
    let e = disk
        .rename(&dir().join("f"), Path::new("/elsewhere/f"))
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported);
    assert!(disk.read(&dir().join("f")).is_ok());
}

#[test]
fn paths_are_resolved_lexically() {
    let (disk, _f) = disk_with("f", b"x", b"");
    assert_eq!(
        disk.read(Path::new("/data/./version-2/../version-2/f"))
            .unwrap(),
        b"x"
    );
    disk.create(Path::new("rel")).unwrap();
    assert_eq!(disk.list(Path::new("")).unwrap(), ["rel"]);
    assert_eq!(disk.list(Path::new(".")).unwrap(), ["rel"]);
}

#[test]
fn a_power_cut_stops_every_mutation_after_the_given_number() {
    let (disk, mut f) = disk_with("f", b"abc", b"");
    disk.power_cut_after(2);
    f.write_at(3, b"d").unwrap();
    f.set_len(10).unwrap();
    let e = f.sync().unwrap_err();
    assert!(e.to_string().contains("power cut"), "{e}");
    assert!(f.write_at(0, b"x").is_err());
    assert!(disk.create(&dir().join("g")).is_err());
    assert!(disk.sync_dir(&dir()).is_err());
    assert!(disk.remove(&dir().join("f")).is_err());
    assert!(disk.rename(&dir().join("f"), &dir().join("h")).is_err());
    assert!(disk.create_dir_all(Path::new("/other")).is_err());
    // Reads still work, and nothing failed changed anything.
    assert_eq!(disk.read(&dir().join("f")).unwrap(), b"abcd\0\0\0\0\0\0");
    assert_eq!(disk.used_space(), 10);
    // The rebooted machine has power, and the unsynced writes were lost
    // or kept as any crash decides.
    let after = disk.crash(1);
    // Without a reboot (a killed process), everything written stays.
    disk.restore_power();
    disk.create(&dir().join("g")).unwrap();
    assert_eq!(disk.read(&dir().join("f")).unwrap().len(), 10);
    after.create(&dir().join("g")).unwrap();
    assert!(after.read(&dir().join("f")).unwrap().starts_with(b"abc"));
}
