//! Both-ways on-disk compatibility with Apache ZooKeeper 3.8 (PROTOCOL.md
//! §6): a data directory one server wrote is served, identically, by the
//! other. "Identically" is every path, data (null and empty apart), ACL and
//! full Stat, plus the last zxid and the live sessions with their
//! ephemerals (`srvr`, `dump`), compared between a capture taken just
//! before the first server is stopped (SIGTERM, as `zkServer.sh stop`) and
//! one taken just after the second starts on the same files.
//!
//! The workload (tests/support/workload.rs) runs with `snapCount=50`, so
//! the directory holds several txn logs and snapshots (asserted), with
//! snapshots taken in the middle of the history (fuzzy, as ZooKeeper's
//! are), sessions still open and TTL nodes enabled on both servers.
//!
//! * Apache ZooKeeper restarted on its own files — the control: it proves
//!   the workload and the comparison, and that nothing compared changes on
//!   a restart.
//! * Apache ZooKeeper's files served by rzk; rzk then continues the history
//!   on them, and Apache ZooKeeper serves what rzk left.
//! * rzk's files (txn logs in a separate `dataLogDir`) served by Apache
//!   ZooKeeper.
//!
//! `RZK_STORAGE_SEED` and `RZK_STORAGE_STEPS` change the workload (the seed
//! is printed). Needs Debian's zookeeper packages: fails, never skips,
//! without them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "support/rng.rs"]
mod rng;
#[path = "support/tree_dump.rs"]
mod tree_dump;
#[path = "support/workload.rs"]
mod workload;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use rzk_client::{Acl, CreateMode};
use rzk_testkit::{ApacheZk, RzkServer, ServerProcess, TempDir, Version2Files, ZkOptions};
use tree_dump::{assert_same, read_sessions, read_tree, Served};

const APACHE: &str = "Apache ZooKeeper";
const RZK: &str = "rzk";

/// zoo.cfg lines both servers get: small snapCount (many logs and
/// snapshots), small preallocation (KiB), sessions long enough to outlive
/// the comparison.
fn cfg(log_dir: Option<&Path>) -> Vec<String> {
    let mut c = vec![
        "snapCount=50".to_string(),
        "preAllocSize=1024".into(),
        "forceSync=yes".into(),
        format!(
            "maxSessionTimeout={}",
            workload::SESSION_TIMEOUT.as_millis() * 2
        ),
    ];
    if let Some(d) = log_dir {
        c.push(format!("dataLogDir={}", d.display()));
    }
    c
}

fn apache(data: &Path, log_dir: Option<&Path>) -> ApacheZk {
    ApacheZk::start_with(ZkOptions {
        cfg: cfg(log_dir),
        // No container or TTL reaping while a test runs: the trees are
        // compared across a restart and must not change by themselves.
        properties: vec!["znode.container.checkIntervalMs=3600000".into()],
        data_dir: Some(data.to_path_buf()),
    })
    .unwrap_or_else(|e| panic!("Apache ZooKeeper did not start on {}: {e}", data.display()))
}

fn rzk(data: &Path, log_dir: Option<&Path>, whose: &str) -> RzkServer {
    RzkServer::start_with(
        Path::new(env!("CARGO_BIN_EXE_rzk")),
        ZkOptions {
            cfg: cfg(log_dir),
            data_dir: Some(data.to_path_buf()),
            ..ZkOptions::default()
        },
    )
    .unwrap_or_else(|e| {
        panic!(
            "rzk did not start on {whose} data directory {}: {e}",
            data.display()
        )
    })
}

fn seed() -> u64 {
    let s = rng::env_u64("RZK_STORAGE_SEED", 0x5107_a6e0);
    eprintln!("storage_compat: seed {s:#x} (RZK_STORAGE_SEED to replay)");
    s
}

fn steps() -> usize {
    rng::env_u64("RZK_STORAGE_STEPS", 600) as usize
}

/// The capture taken before a server is stopped: the tree through a
/// session that is closed again, then `srvr`/`dump` (so that session's
/// close is in the zxid and it is not among the live sessions).
async fn capture_before_stop(label: &str, server: &ServerProcess) -> Served {
    let c = workload::admin_session(&server.connect_string()).await;
    let tree = read_tree(&c)
        .await
        .unwrap_or_else(|e| panic!("reading {label}'s tree: {e}"));
    c.close().await.unwrap();
    let view = read_sessions(server.port()).unwrap_or_else(|e| panic!("{label}: {e}"));
    Served {
        label: label.into(),
        view,
        tree,
    }
}

/// The capture taken after a server starts: `srvr`/`dump` before any
/// session of ours exists, then the tree.
async fn capture_after_start(label: &str, server: &ServerProcess) -> Served {
    let view = read_sessions(server.port()).unwrap_or_else(|e| panic!("{label}: {e}"));
    let c = workload::admin_session(&server.connect_string()).await;
    let tree = read_tree(&c)
        .await
        .unwrap_or_else(|e| panic!("reading {label}'s tree: {e}"));
    c.close().await.unwrap();
    Served {
        label: label.into(),
        view,
        tree,
    }
}

/// Runs the workload under `root`, captures, and stops the server
/// gracefully; returns the capture. The workload's open sessions are
/// dropped only once the server is down (their ephemerals are compared).
async fn run_then_stop(label: &str, server: &mut ServerProcess, root: &str, seed: u64) -> Served {
    let w = workload::run(&server.connect_string(), root, seed, steps()).await;
    eprintln!(
        "storage_compat: {label} ran {root}: {} writes applied, {} refused (still logged), \
         {} sessions opened and {} closed on the way, {} left open",
        w.tally.ok,
        w.tally.refused,
        w.tally.sessions_opened,
        w.tally.sessions_closed,
        w.open_sessions.len()
    );
    let served = capture_before_stop(label, server).await;
    let status = server
        .stop()
        .unwrap_or_else(|e| panic!("stopping {label}: {e}"));
    eprintln!(
        "storage_compat: {label} stopped ({status}) at zxid {:#x}",
        served.view.zxid
    );
    drop(w.open_sessions);
    served
}

/// The writer left at least two txn logs and two snapshots: the history
/// spans log rolls and snapshots, so the reader must stitch them.
fn assert_rolled(writer: &str, data: &Path, log_dir: &Path, server: &ServerProcess) -> String {
    let snaps = Version2Files::list(data).unwrap();
    let logs = Version2Files::list(log_dir).unwrap();
    let summary = if data == log_dir {
        snaps.summary()
    } else {
        format!(
            "dataDir: {}; dataLogDir: {}",
            snaps.summary(),
            logs.summary()
        )
    };
    if logs.logs.len() < 2 || snaps.snapshots.len() < 2 {
        let hint = if server.log().contains("memory only") {
            "\nThe server says it keeps the tree in memory only: durable storage is not in this build."
        } else {
            ""
        };
        panic!(
            "{writer} ran hundreds of txns with snapCount=50 but left {summary} \
             (dataDir {}, dataLogDir {}); at least 2 txn logs and 2 snapshots were expected.{hint}\n\
             {writer}'s log ends:\n{}",
            data.display(),
            log_dir.display(),
            server.log_tail(20)
        );
    }
    summary
}

/// The second server takes writes on the inherited files.
async fn takes_writes(label: &str, server: &ServerProcess) {
    let c = workload::admin_session(&server.connect_string()).await;
    let path = format!("/after-restart-{}", label.replace(' ', "-"));
    c.create(
        &path,
        Bytes::from_static(b"ok"),
        &Acl::open_unsafe(),
        CreateMode::Persistent,
    )
    .await
    .unwrap_or_else(|e| panic!("{label} refused a write on the inherited files: {e}"));
    assert_eq!(
        c.get_data(&path).await.unwrap().0.as_deref(),
        Some(&b"ok"[..])
    );
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_apache_zookeeper_serves_its_own_files_unchanged_after_a_restart() {
    let seed = seed();
    let data = TempDir::new("compat-control").unwrap();
    let mut first = apache(data.path(), None);
    let before = run_then_stop(APACHE, &mut first, "/w1", seed).await;
    let files = assert_rolled(APACHE, data.path(), data.path(), &first);
    eprintln!("storage_compat: {APACHE} left {files}");
    let second = apache(data.path(), None);
    let after = capture_after_start("Apache ZooKeeper (restarted)", &second).await;
    assert_same(
        &before,
        &after,
        "Apache ZooKeeper restarted on its own files",
    );
    assert!(
        before.tree.len() > 200 && !before.view.ephemerals.is_empty(),
        "the workload left too little to compare: {} nodes, ephemerals {:?}",
        before.tree.len(),
        before.view.ephemerals
    );
    takes_writes(APACHE, &second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rzk_serves_apache_zookeepers_files_and_apache_serves_what_rzk_adds() {
    let seed = seed();
    let data = TempDir::new("compat-from-apache").unwrap();
    let mut zk = apache(data.path(), None);
    let written = run_then_stop(APACHE, &mut zk, "/w1", seed).await;
    let files = assert_rolled(APACHE, data.path(), data.path(), &zk);
    eprintln!("storage_compat: {APACHE} left {files}");
    drop(zk);

    let mut ours = rzk(data.path(), None, "Apache ZooKeeper's");
    let served = capture_after_start(RZK, &ours).await;
    assert_same(
        &written,
        &served,
        "rzk started on the data directory Apache ZooKeeper wrote",
    );

    // rzk continues the history on those files (its own logs and
    // snapshots after Apache's), and Apache ZooKeeper reads the mix.
    let continued = run_then_stop(RZK, &mut ours, "/w2", seed ^ 0xffff).await;
    let files = assert_rolled(RZK, data.path(), data.path(), &ours);
    eprintln!("storage_compat: after {RZK} continued: {files}");
    let back = apache(data.path(), None);
    let reread = capture_after_start(APACHE, &back).await;
    assert_same(
        &continued,
        &reread,
        "Apache ZooKeeper started on its data directory after rzk continued it",
    );
    takes_writes(APACHE, &back).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apache_zookeeper_serves_rzks_files() {
    let seed = seed();
    let data = TempDir::new("compat-from-rzk").unwrap();
    let logs = TempDir::new("compat-from-rzk-logs").unwrap();
    let log_dir: PathBuf = logs.path().to_path_buf();
    let mut ours = rzk(data.path(), Some(&log_dir), "a fresh");
    let written = run_then_stop(RZK, &mut ours, "/w1", seed).await;
    let files = assert_rolled(RZK, data.path(), &log_dir, &ours);
    eprintln!("storage_compat: {RZK} left {files}");
    drop(ours);

    let zk = apache(data.path(), Some(&log_dir));
    let served = capture_after_start(APACHE, &zk).await;
    assert_same(
        &written,
        &served,
        "Apache ZooKeeper started on the data directory rzk wrote",
    );
    takes_writes(APACHE, &zk).await;
}
