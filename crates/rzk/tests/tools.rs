//! The data-directory tools end to end: the built `rzk` binary run on files
//! written by Apache ZooKeeper 3.8 (the golden snapshot and txn log of
//! rzk-proto, the compressed snapshots of rzk-storage), its output compared
//! with what ZooKeeper's own SnapshotFormatter and TxnLogToolkit printed for
//! the same files (tests/fixtures/tools, made by
//! tools/snapshot-fixtures/regen-tool-output.sh). No Java needed here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RZK: &str = env!("CARGO_BIN_EXE_rzk");

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn expected(name: &str) -> String {
    fs::read_to_string(repo_file("crates/rzk/tests/fixtures/tools").join(name)).unwrap()
}

/// A golden `.hex` fixture of rzk-proto as bytes.
fn golden(name: &str) -> Vec<u8> {
    let text = fs::read_to_string(repo_file("crates/rzk-proto/tests/golden").join(name)).unwrap();
    let hex: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    hex.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// The golden snapshot and txn log under their ZooKeeper names.
fn golden_files(dir: &Path) -> (PathBuf, PathBuf) {
    let snap = dir.join("snapshot.10000000b");
    let log = dir.join("log.100000001");
    fs::write(&snap, golden("disk.snapshot.hex")).unwrap();
    fs::write(&log, golden("disk.txnlog.hex")).unwrap();
    (snap, log)
}

fn rzk(args: &[&str]) -> Output {
    Command::new(RZK).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn snapshot_dump_prints_what_snapshot_formatter_prints() {
    let d = tempfile::tempdir().unwrap();
    let (snap, _) = golden_files(d.path());
    let o = rzk(&["snapshot", "dump", path_arg(&snap)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected("snapshot.10000000b.txt"));

    let o = rzk(&["snapshot", "dump", "--data", path_arg(&snap)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected("snapshot.10000000b.data.txt"));
}

#[test]
fn compressed_snapshots_dump_like_the_plain_one() {
    let dir = repo_file("crates/rzk-storage/tests/fixtures/compressed");
    for name in [
        "snapshot.20000000f",
        "snapshot.20000000f.gz",
        "snapshot.20000000f.snappy",
    ] {
        let o = rzk(&["snapshot", "dump", path_arg(&dir.join(name))]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(stdout(&o), expected("snapshot.20000000f.txt"), "{name}");
    }
}

#[test]
fn snapshot_dump_json_holds_nodes_sessions_and_acls() {
    let d = tempfile::tempdir().unwrap();
    let (snap, _) = golden_files(d.path());
    let o = rzk(&["snapshot", "dump", "--json", "--data", path_arg(&snap)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["zxid"], 0x1_0000_000b_i64);
    assert_eq!(v["header"]["magic"], 0x5A4B_534E);
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 9);
    assert_eq!(nodes[0]["path"], "/");
    let app = nodes.iter().find(|n| n["path"] == "/app").unwrap();
    assert_eq!(app["data"], "d29ybGQ="); // "world"
    assert_eq!(app["data_length"], 5);
    assert_eq!(app["mzxid"], 0x1_0000_0009_i64);
    let sessions = v["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let with_eph = sessions
        .iter()
        .find(|s| s["id"] == 0x0100_0a3b_c1d2_0001_i64)
        .unwrap();
    assert_eq!(with_eph["ephemeral_count"], 1);
    assert_eq!(with_eph["timeout"], 10000);
    let acls = v["acls"].as_array().unwrap();
    assert_eq!(acls.len(), 4);
    assert!(acls
        .iter()
        .any(|a| a["acl"][0]["scheme"] == "ip" && a["acl"][0]["perms"] == 15));
    assert_eq!(v["digest"]["zxid"], 0x1_0000_000b_i64);
    assert_eq!(v["digest"]["version"], 2);
}

#[test]
fn snapshot_verify_says_what_it_checked() {
    let d = tempfile::tempdir().unwrap();
    let (snap, _) = golden_files(d.path());
    let o = rzk(&["snapshot", "verify", path_arg(&snap)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        "zxid (from the name): 0x10000000b",
        "sessions: 2",
        "acl cache: 4 entries",
        "nodes: 9",
        "seals: 2 checked, all match",
        "digest: version 2 at zxid 0x10000000b: 9425826132, equal to the digest of the nodes",
        "OK",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing {line:?} in:\n{out}"
        );
    }

    let dir = repo_file("crates/rzk-storage/tests/fixtures/compressed");
    for name in ["snapshot.20000000f.gz", "snapshot.20000000f.snappy"] {
        let o = rzk(&["snapshot", "verify", path_arg(&dir.join(name))]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("51092 bytes uncompressed"), "{name}");
    }
}

#[test]
fn snapshot_verify_fails_on_a_corrupted_copy_naming_the_offset() {
    let d = tempfile::tempdir().unwrap();
    let (snap, _) = golden_files(d.path());
    let good = fs::read(&snap).unwrap();
    // The file ends: terminator, seal (13 bytes), digest block (20), seal.
    let first_seal = good.len() - 13 - 20 - 13;

    // A flipped bit inside a node's data: the seals no longer match.
    let data_at = good.windows(5).position(|w| w == b"world").unwrap();
    let mut bad = good.clone();
    bad[data_at] ^= 0x20;
    let corrupt = d.path().join("snapshot.10000000c");
    fs::write(&corrupt, &bad).unwrap();
    let o = rzk(&["snapshot", "verify", path_arg(&corrupt)]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(&format!("at offset {first_seal}")), "{err}");
    assert!(err.contains("checksum mismatch"), "{err}");
    assert!(err.contains("snapshot.10000000c"), "{err}");
    assert!(stdout(&o).ends_with("FAILED\n"));

    // dump still shows the nodes (as ZooKeeper's formatter would) but
    // reports the broken seal and fails.
    let o = rzk(&["snapshot", "dump", path_arg(&corrupt)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("ZNode Details (count=10):"));
    assert!(stderr(&o).contains("checksum mismatch"));

    // Cut short inside the nodes.
    let cut = d.path().join("snapshot.10000000d");
    fs::write(&cut, &good[..500]).unwrap();
    let o = rzk(&["snapshot", "verify", path_arg(&cut)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));

    // Not a snapshot.
    let (_, log) = golden_files(d.path());
    let o = rzk(&["snapshot", "verify", path_arg(&log)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("magic at offset 0"), "{}", stderr(&o));

    // A damaged gzip wrapping.
    let gz = repo_file("crates/rzk-storage/tests/fixtures/compressed/snapshot.20000000f.gz");
    let mut bytes = fs::read(gz).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    let broken = d.path().join("snapshot.20000000f.gz");
    fs::write(&broken, &bytes).unwrap();
    let o = rzk(&["snapshot", "verify", path_arg(&broken)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("compressed offset"), "{}", stderr(&o));

    let o = rzk(&["snapshot", "verify", path_arg(&d.path().join("missing"))]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn txnlog_dump_prints_what_txn_log_toolkit_prints() {
    let d = tempfile::tempdir().unwrap();
    let (_, log) = golden_files(d.path());
    let o = rzk(&["txnlog", "dump", path_arg(&log)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty());
    assert_eq!(stdout(&o), expected("log.100000001.txt"));
}

#[test]
fn txnlog_dump_reports_torn_and_corrupt_entries_with_offsets() {
    let d = tempfile::tempdir().unwrap();
    let (_, log) = golden_files(d.path());
    let good = fs::read(&log).unwrap();
    // Entry offsets: each is checksum (8), length (4), txn, 0x42.
    let mut offsets = vec![16usize];
    loop {
        let at = *offsets.last().unwrap();
        let len = i32::from_be_bytes(good[at + 8..at + 12].try_into().unwrap()) as usize;
        if len == 0 {
            break;
        }
        offsets.push(at + 12 + len + 1);
    }
    assert_eq!(offsets.len(), 12, "11 txns and the padding");

    // A bit flipped inside the third txn: the toolkit's CRC ERROR line.
    let mut bad = good.clone();
    bad[offsets[2] + 20] ^= 1;
    let corrupt = d.path().join("log.1");
    fs::write(&corrupt, &bad).unwrap();
    let o = rzk(&["txnlog", "dump", path_arg(&corrupt)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("\nCRC ERROR - "), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("EOF reached after 11 txns.\n"));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("offset {}: checksum mismatch", offsets[2])),
        "{err}"
    );

    // Cut in the middle of the fifth entry: torn.
    let torn = d.path().join("log.2");
    fs::write(&torn, &good[..offsets[4] + 30]).unwrap();
    let o = rzk(&["txnlog", "dump", path_arg(&torn)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).ends_with("EOF reached after 4 txns.\n"));
    assert!(
        stderr(&o).contains(&format!("offset {}: torn entry", offsets[4])),
        "{}",
        stderr(&o)
    );

    // Cut exactly after the last entry: a clean end, as after a clean
    // shutdown without preallocation.
    let clean = d.path().join("log.3");
    fs::write(&clean, &good[..offsets[11]]).unwrap();
    let o = rzk(&["txnlog", "dump", path_arg(&clean)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected("log.100000001.txt"));
}

/// A dataDir with `version-2` holding copies of the golden snapshot under
/// the given zxids and empty logs under the others.
fn data_dir(root: &Path, snaps: &[u64], logs: &[u64]) -> PathBuf {
    let v2 = root.join("version-2");
    fs::create_dir_all(&v2).unwrap();
    let snap = golden("disk.snapshot.hex");
    for z in snaps {
        fs::write(v2.join(format!("snapshot.{z:x}")), &snap).unwrap();
    }
    for z in logs {
        fs::write(v2.join(format!("log.{z:x}")), b"").unwrap();
    }
    fs::write(v2.join("acceptedEpoch"), b"1").unwrap();
    v2
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn purge_keeps_the_newest_snapshots_and_the_logs_they_need() {
    let d = tempfile::tempdir().unwrap();
    let v2 = data_dir(
        d.path(),
        &[0x1_0000_0005, 0x1_0000_0010, 0x1_0000_0020, 0x1_0000_0030],
        &[0x1_0000_0001, 0x1_0000_0008, 0x1_0000_0012, 0x1_0000_0031],
    );
    let o = rzk(&["purge", path_arg(d.path()), "-n", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "Removing file: {}\nRemoving file: {}\nKept 3 snapshot(s), the oldest at zxid 0x100000010; removed 2 file(s).\n",
            v2.join("log.100000001").display(),
            v2.join("snapshot.100000005").display()
        )
    );
    assert_eq!(
        listing(&v2),
        [
            "acceptedEpoch",
            "log.100000008",
            "log.100000012",
            "log.100000031",
            "snapshot.100000010",
            "snapshot.100000020",
            "snapshot.100000030"
        ]
    );
}

#[test]
fn purge_with_a_separate_log_dir_and_its_refusals() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let logs = d.path().join("logs");
    let snaps_v2 = data_dir(&data, &[1, 2, 3, 4], &[]);
    let logs_v2 = data_dir(&logs, &[], &[1, 2, 3, 4]);
    let o = rzk(&[
        "purge",
        path_arg(&data),
        "--log-dir",
        path_arg(&logs),
        "-n",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!snaps_v2.join("snapshot.1").exists());
    assert!(!logs_v2.join("log.1").exists());
    assert!(logs_v2.join("log.2").exists());

    let o = rzk(&["purge", path_arg(&data), "-n", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("count should be greater than or equal to 3"));

    let o = rzk(&["purge", path_arg(&d.path().join("nope"))]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));

    let o = rzk(&["purge", path_arg(&snaps_v2)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("has no version-2"), "{}", stderr(&o));
}
