//! The data-directory tools against Apache ZooKeeper 3.8 itself, on files a
//! real server wrote under a varied workload, once per snapshot compression
//! (none, gz, snappy):
//! * `rzk snapshot dump [--data]` must print exactly what ZooKeeper's
//!   SnapshotFormatter prints for every snapshot, `rzk txnlog dump` exactly
//!   what TxnLogToolkit prints for every log, and `rzk snapshot verify` must
//!   pass them all;
//! * `rzk purge` must leave exactly the files PurgeTxnLog leaves;
//! * a snapshot installed by rzk-storage's `SnapshotSink`, next to a stale
//!   temporary snapshot with a higher zxid, must be what ZooKeeper loads.
//!
//! Fails (does not skip) when Java or ZooKeeper's jars are missing:
//! `apt-get install -y zookeeper libzookeeper-java libsnappy-java libsnappy-jni`.
//! Run with `cargo test -p rzk --features interop --test tools_vs_zookeeper`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode, Id};
use rzk_testkit::{ApacheZk, ZkOptions};

const RZK: &str = env!("CARGO_BIN_EXE_rzk");

const JARS: &[&str] = &[
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/zookeeper-jute.jar",
    "/usr/share/java/snappy-java.jar",
    "/usr/share/java/slf4j-api.jar",
    "/usr/share/java/slf4j-nop.jar",
];

/// Where Debian's snappy-java finds its native library.
const JNI_DIR: &str = "/usr/lib/x86_64-linux-gnu/jni";

/// Runs one of ZooKeeper's tool classes the way rzk prints: UTC, en_US,
/// UTF-8 output.
fn java_tool(class: &str, args: &[&str]) -> Output {
    for jar in JARS {
        assert!(
            Path::new(jar).exists(),
            "{jar} is missing: apt-get install -y libzookeeper-java libsnappy-java libsnappy-jni"
        );
    }
    Command::new("java")
        .args([
            "-Duser.timezone=UTC",
            "-Duser.language=en",
            "-Duser.country=US",
            "-Dfile.encoding=UTF-8",
            "-Dsun.stdout.encoding=UTF-8",
            "-Dorg.xerial.snappy.use.systemlib=true",
            &format!("-Djava.library.path={JNI_DIR}"),
            "-cp",
            &JARS.join(":"),
            class,
        ])
        .args(args)
        .env_remove("JAVA_TOOL_OPTIONS")
        .env_remove("CLASSPATH")
        .stdin(Stdio::null())
        .output()
        .expect("java must be installed (apt-get install -y openjdk-17-jre-headless)")
}

fn rzk(args: &[&str]) -> Output {
    Command::new(RZK).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A server writing snapshots every ~50-100 txns with `compression`
/// (`""`, `gz` or `snappy`).
fn server(compression: &str) -> ApacheZk {
    ApacheZk::start_with(ZkOptions {
        cfg: vec!["snapCount=100".into()],
        properties: vec![
            format!("zookeeper.snapshot.compression.method={compression}"),
            "org.xerial.snappy.use.systemlib=true".into(),
            format!("java.library.path={JNI_DIR}"),
        ],
        ..ZkOptions::default()
    })
    .unwrap()
}

/// Creates, changes and removes nodes of every kind, in ~470 txns, so the
/// server rolls several logs and snapshots.
async fn workload(connect: &str) {
    let open = Acl::open_unsafe();
    let c = Client::connect(connect).await.unwrap();
    let digest = vec![Acl::new(31, Id::digest("user:password"))];
    c.create(
        "/app",
        Bytes::from_static(b"hello"),
        &open,
        CreateMode::Persistent,
    )
    .await
    .unwrap();
    c.create(
        "/app/\u{e9}",
        Bytes::from_static(&[0, 1, 0x7f, 0x80, 0xfe, 0xff]),
        &digest,
        CreateMode::Persistent,
    )
    .await
    .unwrap();
    c.create("/c", None, &open, CreateMode::Container)
        .await
        .unwrap();
    c.create("/c/e", None, &open, CreateMode::Ephemeral)
        .await
        .unwrap();
    c.create_ttl(
        "/ttl",
        Bytes::from_static(b"t"),
        &open,
        CreateMode::PersistentWithTtl,
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    // Many siblings, a third of them deleted: the writer's hash set ends
    // larger than the loader's, so file order and print order differ.
    c.create("/many", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    for i in 0..150 {
        let data = Bytes::from(format!("value {i}, with a comma}} and 100%"));
        c.create(&format!("/many/n{i}"), data, &open, CreateMode::Persistent)
            .await
            .unwrap();
    }
    for i in (0..150).step_by(3) {
        c.delete(&format!("/many/n{i}"), -1).await.unwrap();
    }
    // Two rewrites of every survivor: with snapCount=100 ZooKeeper snapshots
    // at most 100 txns apart, so the ~470 txns here leave at least 4
    // snapshots (snapshot.0 and 3 more) whatever its random rolls.
    for round in 0..2 {
        for i in (0..150).filter(|i| i % 3 != 0) {
            c.set_data(
                &format!("/many/n{i}"),
                Bytes::from(format!("value {i}, round {round}, a comma}} and 100%")),
                -1,
            )
            .await
            .unwrap();
        }
    }
    c.create("/seq", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    for _ in 0..20 {
        c.create("/seq/s-", None, &open, CreateMode::PersistentSequential)
            .await
            .unwrap();
    }
    for i in 0..30 {
        c.set_data("/app", Bytes::from(format!("v{i}")), -1)
            .await
            .unwrap();
    }
    c.set_acl("/app", &[Acl::new(1, Id::new("world", "anyone"))], -1)
        .await
        .unwrap();
    c.create("/esc,a%b}c", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    c.delete("/esc,a%b}c", -1).await.unwrap();
    c.transaction()
        .create(
            "/m",
            Bytes::from_static(b"m"),
            &open,
            CreateMode::Persistent,
        )
        .set_data("/ttl", Bytes::from_static(b"x"), -1)
        .check("/app", 30)
        .delete("/seq/s-0000000000", -1)
        .commit()
        .await
        .unwrap();
    // A failed multi and a failed create are logged as error txns.
    let failed = c
        .transaction()
        .create("/m2", None, &open, CreateMode::Persistent)
        .create("/m", None, &open, CreateMode::Persistent)
        .commit()
        .await;
    assert!(failed.is_err());
    assert!(c
        .create("/app", None, &open, CreateMode::Persistent)
        .await
        .is_err());
    // A second session whose close deletes its ephemerals.
    let other = Client::connect(connect).await.unwrap();
    for i in 0..3 {
        other
            .create(&format!("/eph-{i}"), None, &open, CreateMode::Ephemeral)
            .await
            .unwrap();
    }
    other.close().await.unwrap();
    c.close().await.unwrap();
}

fn version2_files(server: &ApacheZk) -> (PathBuf, Vec<String>) {
    let dir = server.data_dir().join("version-2");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    (dir, names)
}

fn compare_every_file(compression: &str, suffix: &str) {
    let mut zk = server(compression);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(workload(&zk.connect_string()));
    zk.kill();
    let (dir, names) = version2_files(&zk);
    let snaps: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("snapshot."))
        .collect();
    let logs: Vec<&String> = names.iter().filter(|n| n.starts_with("log.")).collect();
    assert!(snaps.len() >= 3, "{compression}: {names:?}");
    assert!(logs.len() >= 3, "{compression}: {names:?}");
    for s in &snaps {
        assert!(s.ends_with(suffix), "{s} should end in {suffix:?}");
        let path = dir.join(s);
        let p = path.to_str().unwrap();
        let flags: &[&[&str]] = if compression.is_empty() {
            &[&[], &["-d"]]
        } else {
            &[&[]]
        };
        for &flag in flags {
            let java = java_tool(
                "org.apache.zookeeper.server.SnapshotFormatter",
                &[flag, &[p][..]].concat(),
            );
            assert!(
                java.status.success(),
                "{}",
                String::from_utf8_lossy(&java.stderr)
            );
            let ours = rzk(&[&["snapshot", "dump"][..], flag, &[p]].concat());
            assert!(
                ours.status.success(),
                "{}",
                String::from_utf8_lossy(&ours.stderr)
            );
            assert_eq!(text(&ours), text(&java), "{s} {flag:?}");
        }
        let v = rzk(&["snapshot", "verify", p]);
        assert!(
            v.status.success(),
            "{s}: {}{}",
            text(&v),
            String::from_utf8_lossy(&v.stderr)
        );
    }
    for l in &logs {
        let path = dir.join(l);
        let p = path.to_str().unwrap();
        let java = java_tool(
            "org.apache.zookeeper.server.persistence.TxnLogToolkit",
            &[p],
        );
        assert!(
            java.status.success(),
            "{}",
            String::from_utf8_lossy(&java.stderr)
        );
        let ours = rzk(&["txnlog", "dump", p]);
        assert!(
            ours.status.success(),
            "{l}: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        assert_eq!(text(&ours), text(&java), "{l}");
    }
}

#[test]
fn dumps_match_zookeepers_tools_on_plain_snapshots() {
    compare_every_file("", "");
}

#[test]
fn dumps_match_zookeepers_tools_on_gz_snapshots() {
    compare_every_file("gz", ".gz");
}

#[test]
fn dumps_match_zookeepers_tools_on_snappy_snapshots() {
    compare_every_file("snappy", ".snappy");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    n.sort();
    n
}

#[test]
fn purge_leaves_what_purge_txn_log_leaves() {
    let mut zk = server("");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(workload(&zk.connect_string()));
    zk.kill();
    let (v2, names) = version2_files(&zk);
    assert!(
        names.iter().filter(|n| n.starts_with("snapshot.")).count() >= 4,
        "{names:?}"
    );

    let work = tempfile::tempdir().unwrap();
    for (retain, side) in [(3, "a"), (4, "b")] {
        let java_dir = work.path().join(format!("java-{side}"));
        let rzk_dir = work.path().join(format!("rzk-{side}"));
        for d in [&java_dir, &rzk_dir] {
            copy_dir(&v2, &d.join("version-2"));
            // What PurgeTxnLog's name rules catch or spare.
            let v = d.join("version-2");
            fs::write(v.join("snapshot.backup"), b"operator's copy").unwrap();
            fs::write(v.join("snapshot.ffffffffff"), b"torn snap").unwrap();
            fs::write(v.join("tmp.snapshot.5"), b"rzk temporary").unwrap();
            fs::write(v.join("log.zz"), b"").unwrap();
        }
        let n = retain.to_string();
        let java = java_tool(
            "org.apache.zookeeper.server.PurgeTxnLog",
            &[java_dir.to_str().unwrap(), "-n", &n],
        );
        assert!(
            java.status.success(),
            "{}",
            String::from_utf8_lossy(&java.stderr)
        );
        let ours = rzk(&["purge", rzk_dir.to_str().unwrap(), "-n", &n]);
        assert!(
            ours.status.success(),
            "{}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let left = listing(&rzk_dir.join("version-2"));
        assert_eq!(left, listing(&java_dir.join("version-2")), "-n {retain}");
        assert!(
            left.len() < names.len() + 4,
            "something was purged: {left:?}"
        );
        // Java prints "Removing file: <date>\t<path>"; rzk the path only.
        let removed_java = text(&java)
            .lines()
            .filter(|l| l.starts_with("Removing file: "))
            .count();
        let removed_rzk = text(&ours)
            .lines()
            .filter(|l| l.starts_with("Removing file: "))
            .count();
        assert_eq!(removed_rzk, removed_java);
    }
}

#[test]
fn zookeeper_loads_the_sinks_snapshot_and_ignores_a_stale_temporary() {
    use rzk_proto::disk::Snapshot;
    use rzk_storage::snapfile::tmp_snapshot_name;
    use rzk_storage::{FsDisk, SnapshotSink};

    // The golden snapshot (ZooKeeper's own bytes, zxid 0x10000000b) and a
    // variant where /app holds "stale" under a higher zxid.
    let hex = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rzk-proto/tests/golden/disk.snapshot.hex"),
    )
    .unwrap();
    let digits: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
    let golden: Vec<u8> = digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect();
    let mut stale = Snapshot::decode(golden.clone()).unwrap();
    for n in &mut stale.tree.nodes {
        if n.path == "/app" {
            n.data = Some(Bytes::from_static(b"stale"));
        }
    }
    let stale = stale.encode();

    let mut zk = ApacheZk::start().unwrap();
    zk.kill();
    let v2 = zk.data_dir().join("version-2");
    fs::remove_dir_all(&v2).unwrap();
    fs::create_dir_all(&v2).unwrap();
    let disk: Arc<dyn rzk_storage::Disk> = Arc::new(FsDisk);
    let mut sink = SnapshotSink::create(disk, &v2, 0x1_0000_000b).unwrap();
    sink.write(&golden).unwrap();
    let installed = sink.finish().unwrap();
    assert_eq!(installed, v2.join("snapshot.10000000b"));
    // A complete snapshot left under the temporary name, as if a crash
    // came before the rename of a later snapshot.
    fs::write(v2.join(tmp_snapshot_name(0x1_0000_00ff)), &stale).unwrap();
    assert!(v2.join("tmp.snapshot.1000000ff").exists());
    zk.restart().unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = Client::connect(&zk.connect_string()).await.unwrap();
        let (data, stat) = c.get_data("/app").await.unwrap();
        assert_eq!(data.as_deref(), Some(&b"world"[..]));
        assert_eq!(stat.mzxid, 0x1_0000_0009);
        c.close().await.unwrap();
    });
}
