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
//! A served Stat cannot show container and TTL markers (their
//! ephemeralOwner reads 0), so each direction ends with Apache ZooKeeper
//! restarted on the files with its container reaper running every 200 ms:
//! it must delete exactly the containers and expired TTL nodes that
//! ContainerManager's rules predict. Whenever Apache ZooKeeper loads files,
//! it must also find no digest mismatch (`mntr`).
//!
//! * Apache ZooKeeper restarted on its own files — the control: it proves
//!   the workload, the comparison and the reaping prediction, and that
//!   nothing compared changes on a restart.
//! * Apache ZooKeeper's files served by rzk; rzk then continues the history
//!   on them, and Apache ZooKeeper serves what rzk left.
//! * rzk's files (txn logs in a separate `dataLogDir`) served by Apache
//!   ZooKeeper.
//! * rzk's files with every snapshot compressed (`gz`, then `snappy`, as
//!   `snapshot.compression.method` asks) served by Apache ZooKeeper, which
//!   picks the wrapping from the file name whatever it is configured with.
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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, CreateMode};
use rzk_testkit::{
    four_letter_word, ApacheZk, RzkServer, ServerProcess, TempDir, Version2Files, ZkOptions,
};
use tree_dump::{assert_same, read_sessions, read_tree, Served, Tree};
use workload::Reapable;

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

/// Apache ZooKeeper on `data`. Its container reaper runs every 200 ms when
/// `reap`, else not within the test: trees compared across a restart must
/// not change by themselves.
fn apache(data: &Path, log_dir: Option<&Path>, reap: bool) -> ApacheZk {
    let interval = if reap { 200 } else { 3_600_000 };
    ApacheZk::start_with(ZkOptions {
        cfg: cfg(log_dir),
        properties: vec![
            format!("znode.container.checkIntervalMs={interval}"),
            // FileSnap logs each snapshot it reads at INFO (the test kit
            // keeps the rest at WARN).
            "org.slf4j.simpleLogger.log.org.apache.zookeeper.server.persistence.FileSnap=info"
                .into(),
        ],
        data_dir: Some(data.to_path_buf()),
    })
    .unwrap_or_else(|e| panic!("Apache ZooKeeper did not start on {}: {e}", data.display()))
}

fn rzk(data: &Path, log_dir: Option<&Path>, whose: &str) -> RzkServer {
    rzk_with(data, log_dir, whose, &[])
}

/// As [`rzk`], with `extra` zoo.cfg lines.
fn rzk_with(data: &Path, log_dir: Option<&Path>, whose: &str, extra: &[String]) -> RzkServer {
    let mut lines = cfg(log_dir);
    lines.extend_from_slice(extra);
    RzkServer::start_with(
        Path::new(env!("CARGO_BIN_EXE_rzk")),
        ZkOptions {
            cfg: lines,
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
/// gracefully; returns the capture and the workload's containers and TTL
/// nodes. The workload's open sessions are dropped only once the server is
/// down (their ephemerals are compared).
async fn run_then_stop(
    label: &str,
    server: &mut ServerProcess,
    root: &str,
    seed: u64,
) -> (Served, BTreeMap<String, Reapable>) {
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
    (served, w.reapable)
}

/// The children of `path` in `tree`.
fn children_of<'a>(tree: &'a Tree, path: &'a str) -> impl Iterator<Item = &'a String> + 'a {
    let prefix = format!("{path}/");
    tree.range(prefix.clone()..)
        .take_while(move |(p, _)| p.starts_with(&prefix))
        .map(|(p, _)| p)
        .filter(move |p| !p[path.len() + 1..].contains('/'))
}

/// What ZooKeeper's ContainerManager deletes from `tree`, round after
/// round until nothing more qualifies: childless containers that had a
/// child (persisted cversion > 0, or a child reaped in an earlier round)
/// and childless TTL nodes past their TTL.
fn reaped_by_zookeeper(tree: &Tree, reapable: &BTreeMap<String, Reapable>) -> BTreeSet<String> {
    let mut gone = BTreeSet::new();
    loop {
        let mut more = false;
        for (path, what) in reapable {
            let Some(node) = tree.get(path) else { continue };
            if gone.contains(path) {
                continue;
            }
            let kids: Vec<&String> = children_of(tree, path).collect();
            if kids.iter().any(|k| !gone.contains(*k)) {
                continue;
            }
            let reap = match what {
                Reapable::Container => node.stat.cversion > 0 || !kids.is_empty(),
                Reapable::ExpiredTtl => true,
                Reapable::LiveTtl => false,
            };
            if reap {
                gone.insert(path.clone());
                more = true;
            }
        }
        if !more {
            return gone;
        }
    }
}

/// Starts Apache ZooKeeper on the files with its container reaper on, and
/// checks that it deletes exactly what it should from `captured` — which
/// proves the files still mark containers and TTL nodes (a served Stat
/// does not show them: ephemeralOwner reads 0). Returns the server.
async fn reaps_what_zookeeper_reaps(
    captured: &Served,
    reapable: &BTreeMap<String, Reapable>,
    data: &Path,
    log_dir: Option<&Path>,
) -> ApacheZk {
    let expected = reaped_by_zookeeper(&captured.tree, reapable);
    assert!(
        expected.len() >= 3,
        "the workload left too few reapable nodes to check: {expected:?}"
    );
    let zk = apache(data, log_dir, true);
    let c = workload::admin_session(&zk.connect_string()).await;
    let mut left: Vec<&String> = expected.iter().collect();
    for _ in 0..150 {
        let mut still = Vec::new();
        for p in left {
            if c.exists(p).await.unwrap().is_some() {
                still.push(p);
            }
        }
        left = still;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A reaper still deleting (what it should not) makes a read fail as
    // "changed while read": try again, then report what is left.
    let mut now = read_tree(&c).await;
    for _ in 0..10 {
        if now.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        now = read_tree(&c).await;
    }
    let now = now.unwrap_or_else(|e| panic!("the tree kept changing under the reaper: {e}"));
    c.close().await.unwrap();
    let want: BTreeSet<&String> = captured
        .tree
        .keys()
        .filter(|p| !expected.contains(*p))
        .collect();
    let have: BTreeSet<&String> = now.keys().collect();
    let wrongly_kept: Vec<_> = have.difference(&want).collect();
    let wrongly_reaped: Vec<_> = want.difference(&have).collect();
    assert!(
        wrongly_kept.is_empty() && wrongly_reaped.is_empty(),
        "Apache ZooKeeper's container reaper on the files {} served: {} containers/TTL nodes \
         expected to be reaped within 30 s; still there: {wrongly_kept:?}; reaped though not expected \
         (a node that lost its container/TTL marker, or gained one): {wrongly_reaped:?}",
        captured.label,
        expected.len()
    );
    eprintln!(
        "storage_compat: Apache ZooKeeper's reaper deleted exactly the {} expected containers and TTL nodes",
        expected.len()
    );
    zk
}

/// A pointer for the reader of a failure, when the server says why.
fn storage_hint(server: &ServerProcess) -> &'static str {
    if server.log().contains("memory only") {
        "\nThe server says it keeps the tree in memory only: durable storage is not in this build."
    } else {
        ""
    }
}

/// `a` and `b` are the same; on a difference, the failure also shows the
/// reading server's log.
fn compare(a: &Served, b: &Served, context: &str, reader: &ServerProcess) {
    let epilogue = format!(
        "{}\n{}'s log ends:\n{}",
        storage_hint(reader),
        b.label,
        reader.log_tail(20)
    );
    assert_same(a, b, context, &epilogue);
}

/// The workload left one of everything it is meant to (else the
/// comparison would prove less than it claims).
fn assert_covers(s: &Served, reapable: &BTreeMap<String, Reapable>, root: &str) {
    let node = |p: &str| {
        s.tree
            .get(&format!("{root}{p}"))
            .unwrap_or_else(|| panic!("{}: {root}{p} is missing", s.label))
    };
    assert_eq!(node("/data/null").data, None);
    assert_eq!(node("/data/empty").data, Some(Bytes::new()));
    assert_eq!(node("/data/null-then-empty").data, Some(Bytes::new()));
    assert_eq!(node("/data/empty-then-null").data, None);
    let nodes = || s.tree.iter().filter(|(p, _)| p.starts_with(root));
    let count = |f: &dyn Fn(&tree_dump::Node) -> bool| nodes().filter(|(_, n)| f(n)).count();
    // A served Stat shows neither (ephemeralOwner reads 0): the workload
    // says which they are.
    let served_of = |want: &dyn Fn(Reapable) -> bool| {
        reapable
            .iter()
            .filter(|(p, r)| p.starts_with(root) && want(**r) && s.tree.contains_key(*p))
            .count()
    };
    let containers = served_of(&|r| r == Reapable::Container);
    let ttls = served_of(&|r| r != Reapable::Container);
    let big = count(&|n| n.stat.data_length > 4096);
    let rewritten = count(&|n| n.stat.version > 0);
    let re_acled = count(&|n| n.stat.aversion > 0);
    let sequential = nodes()
        .filter(|(p, _)| p.len() > 10 && p[p.len() - 10..].bytes().all(|b| b.is_ascii_digit()))
        .count();
    let acls: std::collections::BTreeSet<String> =
        nodes().map(|(_, n)| format!("{:?}", n.acl)).collect();
    let covered = nodes().count() > 200
        && containers >= 3
        && ttls >= 3
        && big >= 2
        && rewritten >= 20
        && re_acled >= 5
        && sequential >= 5
        && acls.len() >= 6
        && s.view.ephemerals.len() >= 2
        && s.view.sessions.len() >= 3;
    assert!(
        covered,
        "{}'s tree under {root} lacks variety: {} nodes, {containers} containers, {ttls} TTL nodes, \
         {big} over 4 KiB, {rewritten} rewritten, {re_acled} with a changed ACL, {sequential} sequential, \
         {} distinct ACLs, {} sessions owning ephemerals, {} live sessions",
        s.label,
        nodes().count(),
        acls.len(),
        s.view.ephemerals.len(),
        s.view.sessions.len()
    );
}

/// The writer left at least two txn logs and two snapshots of its own
/// (past `since_zxid`): the history spans log rolls and snapshots, so the
/// reader must stitch them.
fn assert_rolled(
    writer: &str,
    data: &Path,
    log_dir: &Path,
    server: &ServerProcess,
    since_zxid: i64,
) -> String {
    let snaps = Version2Files::list(data).unwrap();
    let logs = Version2Files::list(log_dir).unwrap();
    // Only files for txns after `since_zxid` are this writer's.
    let new_logs = logs.logs.iter().filter(|(z, _)| *z > since_zxid).count();
    let new_snaps = snaps
        .snapshots
        .iter()
        .filter(|(z, _)| *z > since_zxid)
        .count();
    let summary = if data == log_dir {
        snaps.summary()
    } else {
        format!(
            "dataDir: {}; dataLogDir: {}",
            snaps.summary(),
            logs.summary()
        )
    };
    if new_logs < 2 || new_snaps < 2 {
        let hint = storage_hint(server);
        panic!(
            "{writer} ran hundreds of txns after zxid {since_zxid:#x} with snapCount=50 but left {summary} \
             (dataDir {}, dataLogDir {}); at least 2 txn logs and 2 snapshots past that zxid were expected.{hint}\n\
             {writer}'s log ends:\n{}",
            data.display(),
            log_dir.display(),
            server.log_tail(20)
        );
    }
    summary
}

/// Apache ZooKeeper checked every digest it loaded (the snapshot's, and
/// each replayed txn's against the tree it rebuilt) and found no mismatch:
/// `mntr`'s `zk_digest_mismatches_count` is 0.
fn digests_match(zk: &ServerProcess, whose: &str) {
    let mntr = four_letter_word(zk.port(), "mntr").unwrap();
    let count = mntr
        .lines()
        .find_map(|l| l.strip_prefix("zk_digest_mismatches_count"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no zk_digest_mismatches_count in mntr:\n{mntr}"));
    assert_eq!(
        count,
        "0",
        "Apache ZooKeeper found digests in {whose} files that do not match the tree it loaded; its log:\n{}",
        zk.log_tail(20)
    );
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
    let mut first = apache(data.path(), None, false);
    let (before, reapable) = run_then_stop(APACHE, &mut first, "/w1", seed).await;
    let files = assert_rolled(APACHE, data.path(), data.path(), &first, 0);
    eprintln!("storage_compat: {APACHE} left {files}");
    assert_covers(&before, &reapable, "/w1");
    let mut second = apache(data.path(), None, false);
    let after = capture_after_start("Apache ZooKeeper (restarted)", &second).await;
    digests_match(&second, "its own");
    compare(
        &before,
        &after,
        "Apache ZooKeeper restarted on its own files",
        &second,
    );
    second.stop().unwrap();
    let third = reaps_what_zookeeper_reaps(&before, &reapable, data.path(), None).await;
    takes_writes(APACHE, &third).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rzk_serves_apache_zookeepers_files_and_apache_serves_what_rzk_adds() {
    let seed = seed();
    let data = TempDir::new("compat-from-apache").unwrap();
    let mut zk = apache(data.path(), None, false);
    let (written, mut reapable) = run_then_stop(APACHE, &mut zk, "/w1", seed).await;
    let files = assert_rolled(APACHE, data.path(), data.path(), &zk, 0);
    eprintln!("storage_compat: {APACHE} left {files}");
    drop(zk);
    assert_covers(&written, &reapable, "/w1");

    let mut ours = rzk(data.path(), None, "Apache ZooKeeper's");
    let served = capture_after_start(RZK, &ours).await;
    compare(
        &written,
        &served,
        "rzk started on the data directory Apache ZooKeeper wrote",
        &ours,
    );

    // rzk continues the history on those files (its own logs and
    // snapshots after Apache's), and Apache ZooKeeper reads the mix.
    let (continued, more) = run_then_stop(RZK, &mut ours, "/w2", seed ^ 0xffff).await;
    reapable.extend(more);
    let files = assert_rolled(RZK, data.path(), data.path(), &ours, written.view.zxid);
    eprintln!("storage_compat: after {RZK} continued: {files}");
    assert_covers(&continued, &reapable, "/w2");
    let mut back = apache(data.path(), None, false);
    let reread = capture_after_start(APACHE, &back).await;
    digests_match(&back, "rzk's (after its own)");
    compare(
        &continued,
        &reread,
        "Apache ZooKeeper started on its data directory after rzk continued it",
        &back,
    );
    back.stop().unwrap();
    let reaping = reaps_what_zookeeper_reaps(&continued, &reapable, data.path(), None).await;
    takes_writes(APACHE, &reaping).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apache_zookeeper_serves_rzks_files() {
    let seed = seed();
    let data = TempDir::new("compat-from-rzk").unwrap();
    let logs = TempDir::new("compat-from-rzk-logs").unwrap();
    let log_dir: PathBuf = logs.path().to_path_buf();
    let mut ours = rzk(data.path(), Some(&log_dir), "a fresh");
    let (written, reapable) = run_then_stop(RZK, &mut ours, "/w1", seed).await;
    let files = assert_rolled(RZK, data.path(), &log_dir, &ours, 0);
    eprintln!("storage_compat: {RZK} left {files}");
    drop(ours);
    assert_covers(&written, &reapable, "/w1");

    let mut zk = apache(data.path(), Some(&log_dir), false);
    let served = capture_after_start(APACHE, &zk).await;
    digests_match(&zk, "rzk's");
    compare(
        &written,
        &served,
        "Apache ZooKeeper started on the data directory rzk wrote",
        &zk,
    );
    zk.stop().unwrap();
    let reaping =
        reaps_what_zookeeper_reaps(&written, &reapable, data.path(), Some(&log_dir)).await;
    takes_writes(APACHE, &reaping).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apache_zookeeper_serves_rzks_compressed_snapshots() {
    let seed = seed();
    for (method, suffix) in [("gz", ".gz"), ("snappy", ".snappy")] {
        let data = TempDir::new(&format!("compat-from-rzk-{method}")).unwrap();
        let extra = [format!("snapshot.compression.method={method}")];
        let mut ours = rzk_with(data.path(), None, "a fresh", &extra);
        let (written, _) = run_then_stop(RZK, &mut ours, "/w1", seed).await;
        let files = assert_rolled(RZK, data.path(), data.path(), &ours, 0);
        eprintln!("storage_compat: {RZK} ({method}) left {files}");
        drop(ours);
        let listed = Version2Files::list(data.path()).unwrap();
        let plain: Vec<&PathBuf> = listed
            .snapshots
            .iter()
            .map(|(_, p)| p)
            .filter(|p| !p.to_string_lossy().ends_with(suffix))
            .collect();
        assert!(
            plain.is_empty(),
            "{method}: rzk wrote snapshots without {suffix}: {plain:?}"
        );

        let mut zk = apache(data.path(), None, false);
        let served = capture_after_start(APACHE, &zk).await;
        digests_match(&zk, &format!("rzk's {method}"));
        compare(
            &written,
            &served,
            &format!(
                "Apache ZooKeeper started on the data directory rzk wrote with {method} snapshots"
            ),
            &zk,
        );
        // It loaded the newest of them (and replayed only the logs after it).
        let (newest, _) = listed.snapshots.last().unwrap();
        // FileSnap.deserialize logs "Reading snapshot <path>" for each file
        // it tries, newest first, until one loads: one line, the newest.
        let log = zk.log();
        let read: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("Reading snapshot"))
            .collect();
        assert!(
            read.len() == 1 && read[0].ends_with(&format!("snapshot.{newest:x}{suffix}")),
            "{method}: Apache ZooKeeper did not load snapshot.{newest:x}{suffix} at once: {read:?}\n{}",
            zk.log_tail(30)
        );
        zk.stop().unwrap();
    }
}
