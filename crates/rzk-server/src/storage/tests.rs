//! Group commit, proven with a disk whose syncs the test releases by hand:
//! no output leaves before the sync covering its txns returns, and txns
//! appended while one sync runs are all covered by the next one.

use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rzk_core::persist::FrozenSnapshot;
use rzk_proto::codec::FourLetterCommand;
use rzk_proto::disk::SnapCompression;
use rzk_proto::txn::{TxnBody, TxnEntry};
use rzk_storage::{Disk, DiskFile, FsDisk, LogOptions, TxnLog};

use super::durability::Durability;
use super::flush_policy::FlushPolicy;
use super::open::StorageConfig;
use crate::core::{ConnId, Core, Now, Output};

/// What a [`GatedDisk`]'s gate holds back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gated {
    /// Every file sync.
    Syncs,
    /// Every write to a snapshot being written (a writer stuck behind a
    /// slow disk).
    SnapshotWrites,
}

/// A disk whose gated calls block until the test sends a token (or drops
/// the sender, which opens the gate for good), and which counts syncs.
#[derive(Debug)]
struct GatedDisk {
    inner: FsDisk,
    gate: Arc<Mutex<mpsc::Receiver<()>>>,
    gated: Gated,
    syncs: Arc<Mutex<usize>>,
}

#[derive(Debug)]
struct GatedFile {
    inner: Box<dyn DiskFile>,
    gate: Arc<Mutex<mpsc::Receiver<()>>>,
    /// What this file's gate holds back (`None`: nothing).
    gated: Option<Gated>,
    syncs: Arc<Mutex<usize>>,
}

impl GatedFile {
    fn pass(&self, call: Gated) {
        if self.gated == Some(call) {
            if let Ok(rx) = self.gate.lock() {
                let _ = rx.recv_timeout(Duration::from_secs(30));
            }
        }
    }
}

impl DiskFile for GatedFile {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> std::io::Result<()> {
        self.pass(Gated::SnapshotWrites);
        self.inner.write_at(offset, buf)
    }
    fn sync(&mut self) -> std::io::Result<()> {
        self.pass(Gated::Syncs);
        *self.syncs.lock().unwrap() += 1;
        self.inner.sync()
    }
    fn set_len(&mut self, len: u64) -> std::io::Result<()> {
        self.inner.set_len(len)
    }
    fn file_len(&self) -> std::io::Result<u64> {
        self.inner.file_len()
    }
    fn write_behind(&mut self, offset: u64, len: u64) -> std::io::Result<()> {
        self.inner.write_behind(offset, len)
    }
}

impl Disk for GatedDisk {
    fn create_dir_all(&self, dir: &Path) -> std::io::Result<()> {
        self.inner.create_dir_all(dir)
    }
    fn list(&self, dir: &Path) -> std::io::Result<Vec<String>> {
        self.inner.list(dir)
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.inner.read(path)
    }
    fn create(&self, path: &Path) -> std::io::Result<Box<dyn DiskFile>> {
        let snapshot = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("tmp.snapshot."));
        let gated = match self.gated {
            Gated::Syncs => Some(Gated::Syncs),
            Gated::SnapshotWrites => snapshot.then_some(Gated::SnapshotWrites),
        };
        Ok(Box::new(GatedFile {
            inner: self.inner.create(path)?,
            gate: self.gate.clone(),
            gated,
            syncs: self.syncs.clone(),
        }))
    }
    fn open_write(&self, path: &Path) -> std::io::Result<Box<dyn DiskFile>> {
        self.inner.open_write(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        self.inner.rename(from, to)
    }
    fn remove(&self, path: &Path) -> std::io::Result<()> {
        self.inner.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
        self.inner.sync_dir(dir)
    }
}

/// A core that applies one txn per frame and answers it.
#[derive(Debug, Default)]
struct TxnCore {
    zxid: i64,
    pending: Vec<TxnEntry>,
}

impl Core for TxnCore {
    fn open(&mut self, _: ConnId, _: std::net::SocketAddr, _: Now) -> Vec<Output> {
        Vec::new()
    }
    fn frame(&mut self, conn: ConnId, payload: Bytes, _: Now) -> Vec<Output> {
        self.zxid += 1;
        self.pending.push(TxnEntry::new(
            1,
            1,
            self.zxid,
            0,
            TxnBody::Error(rzk_proto::txn::ErrorTxn { err: -101 }),
            None,
        ));
        vec![Output::Send {
            conn,
            payload,
            received: None,
        }]
    }
    fn closed(&mut self, _: ConnId, _: Now) -> Vec<Output> {
        Vec::new()
    }
    fn tick(&mut self, _: Now) -> Vec<Output> {
        Vec::new()
    }
    fn four_letter(&mut self, _: FourLetterCommand, _: Option<i64>, _: Now) -> String {
        String::new()
    }
    fn take_txns(&mut self) -> Vec<TxnEntry> {
        std::mem::take(&mut self.pending)
    }
    fn last_zxid(&self) -> i64 {
        self.zxid
    }
}

/// Durability over a fresh txn log in `dir` on `disk`, forced syncs,
/// snapshots every `snap_count` txns (randomised as ZooKeeper does).
fn start(disk: &Arc<dyn Disk>, dir: &Path, snap_count: u32) -> (StorageConfig, Durability) {
    start_warning_at(disk, dir, snap_count, 1000)
}

/// [`start`] with `fsync.warningthresholdms` = `threshold_ms`.
fn start_warning_at(
    disk: &Arc<dyn Disk>,
    dir: &Path,
    snap_count: u32,
    threshold_ms: i64,
) -> (StorageConfig, Durability) {
    start_flushing(disk, dir, snap_count, threshold_ms, FlushPolicy::default())
}

/// [`start_warning_at`] with the log thread syncing as `flush` says.
fn start_flushing(
    disk: &Arc<dyn Disk>,
    dir: &Path,
    snap_count: u32,
    threshold_ms: i64,
    flush: FlushPolicy,
) -> (StorageConfig, Durability) {
    let cfg = StorageConfig {
        data_dir: dir.to_owned(),
        data_log_dir: dir.to_owned(),
        snap_count,
        snap_size_limit: None,
        txn_log_size_limit: None,
        prealloc_size: 1 << 20,
        force_sync: true,
        fsync_warning_threshold_ms: threshold_ms,
        snap_retain_count: 3,
        purge_interval: Duration::ZERO,
        snapshot_compression: SnapCompression::Checked,
        flush,
        trust_empty_snapshot: false,
    };
    let log = fresh_log(disk, &cfg);
    let d = Durability::start(log, disk.clone(), &cfg, 0, 7).unwrap();
    (cfg, d)
}

/// Creates `cfg`'s directories and opens a txn log in them that syncs.
pub(super) fn fresh_log(disk: &Arc<dyn Disk>, cfg: &StorageConfig) -> TxnLog {
    disk.create_dir_all(&cfg.log_dir()).unwrap();
    disk.create_dir_all(&cfg.snap_dir()).unwrap();
    TxnLog::open(
        disk.clone(),
        cfg.log_dir(),
        LogOptions {
            prealloc_size: cfg.prealloc_size,
            force_sync: true,
            size_limit: None,
        },
    )
    .unwrap()
}

fn now() -> Now {
    Now {
        wall_ms: 0,
        mono_ms: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_wait_for_the_sync_and_one_sync_covers_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (disk, gate_tx, syncs) = syncs_gated();
    let (_, mut d) = start(&disk, dir.path(), 100_000);
    let mut core = TxnCore::default();

    // The first write: its reply is held while its sync is blocked.
    let out = core.frame(1, Bytes::from_static(b"a"), now());
    assert!(
        d.after_call(&mut core, out).unwrap().is_empty(),
        "a reply left before its txn was synced"
    );
    // Three more writes while that sync is blocked: all held.
    for p in [b"b", b"c", b"d"] {
        let out = core.frame(1, Bytes::copy_from_slice(p), now());
        assert!(d.after_call(&mut core, out).unwrap().is_empty());
    }
    // A read-only call (no txn) after them is held too: it could show
    // their effects.
    assert!(d
        .after_call(&mut core, vec![Output::Close { conn: 9 }])
        .unwrap()
        .is_empty());

    // Release the first sync, then let every later one through.
    gate_tx.send(()).unwrap();
    drop(gate_tx);
    let mut released = Vec::new();
    until_released(&mut d, &mut released, 5).await;
    let order: Vec<_> = released
        .iter()
        .map(|o| match o {
            Output::Send { payload, .. } => String::from_utf8_lossy(payload).into_owned(),
            Output::Close { conn } => format!("close {conn}"),
        })
        .collect();
    assert_eq!(
        order,
        ["a", "b", "c", "d", "close 9"],
        "released out of order"
    );
    let n = *syncs.lock().unwrap();
    assert!(
        n <= 2,
        "{n} syncs for 4 txns queued behind one sync: no group commit"
    );
    shut_down(d).await;
}

/// A real disk whose syncs wait for the returned gate, and their count.
fn syncs_gated() -> (Arc<dyn Disk>, mpsc::Sender<()>, Arc<Mutex<usize>>) {
    let (gate_tx, gate_rx) = mpsc::channel();
    let syncs = Arc::new(Mutex::new(0));
    let disk: Arc<dyn Disk> = Arc::new(GatedDisk {
        inner: FsDisk,
        gate: Arc::new(Mutex::new(gate_rx)),
        gated: Gated::Syncs,
        syncs: syncs.clone(),
    });
    (disk, gate_tx, syncs)
}

/// Stops the threads (joining them blocks, so not on the runtime's
/// worker).
async fn shut_down(d: Durability) {
    tokio::task::spawn_blocking(move || d.shutdown())
        .await
        .unwrap();
}

/// Waits (10 s at most) until `want` outputs have been released.
async fn until_released(d: &mut Durability, released: &mut Vec<Output>, want: usize) {
    while released.len() < want {
        let r = tokio::time::timeout(Duration::from_secs(10), d.progress())
            .await
            .expect("the log thread reported within 10 s")
            .unwrap();
        released.extend(r);
    }
}

/// `maxBatchSize` cuts a batch as ZooKeeper's `SyncRequestProcessor`
/// does: however many txns are queued, no sync covers more than that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_sync_covers_more_txns_than_max_batch_size() {
    let dir = tempfile::tempdir().unwrap();
    let (disk, gate_tx, syncs) = syncs_gated();
    let cap = FlushPolicy::from_java(0, None, 3);
    let (_, mut d) = start_flushing(&disk, dir.path(), 100_000, 1000, cap);
    let mut core = TxnCore::default();
    // Ten writes while the first sync is held: at least nine of them
    // queue up behind it.
    let mut released = Vec::new();
    for i in 0..10u8 {
        let out = core.frame(1, Bytes::copy_from_slice(&[b'a' + i]), now());
        released.extend(d.after_call(&mut core, out).unwrap());
    }
    assert!(released.is_empty(), "a reply left before its sync");
    drop(gate_tx);
    until_released(&mut d, &mut released, 10).await;
    // The first sync took one to three txns; the rest, seven to nine,
    // need three syncs of at most three. Without the cap two syncs would
    // have done.
    let n = *syncs.lock().unwrap();
    assert!(n >= 4, "{n} syncs for 10 txns with maxBatchSize=3");
    shut_down(d).await;
}

/// With `flushDelay` a lone write is not synced at once: the log thread
/// waits for more until the queue has been quiet for
/// `maxWriteQueuePollTime` (a third of the delay by default), as
/// ZooKeeper's does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flush_delay_holds_a_lone_write_until_the_queue_has_been_quiet_for_the_poll_time() {
    let dir = tempfile::tempdir().unwrap();
    let disk: Arc<dyn Disk> = Arc::new(FsDisk);
    let policy = FlushPolicy::from_java(600, None, 1000);
    assert_eq!(policy.max_poll_ms, 200);
    let (_, mut d) = start_flushing(&disk, dir.path(), 100_000, 1000, policy);
    let mut core = TxnCore::default();
    let sent = crate::clock::now().mono_ms;
    let out = core.frame(1, Bytes::from_static(b"a"), now());
    let mut released = d.after_call(&mut core, out).unwrap();
    until_released(&mut d, &mut released, 1).await;
    // The clock counts whole milliseconds: allow one either side.
    let waited = crate::clock::now().mono_ms - sent;
    assert!(
        waited >= 199,
        "the write was synced after {waited} ms, before the 200 ms poll time ran out"
    );
    shut_down(d).await;
}

/// [`TxnCore`] with a tree to snapshot, which only the test changes.
#[derive(Debug, Default)]
struct SnapCore {
    txns: TxnCore,
    tree: rzk_core::tree::DataTree,
}

impl Core for SnapCore {
    fn open(&mut self, c: ConnId, p: std::net::SocketAddr, n: Now) -> Vec<Output> {
        self.txns.open(c, p, n)
    }
    fn frame(&mut self, c: ConnId, p: Bytes, n: Now) -> Vec<Output> {
        self.txns.frame(c, p, n)
    }
    fn closed(&mut self, c: ConnId, n: Now) -> Vec<Output> {
        self.txns.closed(c, n)
    }
    fn tick(&mut self, n: Now) -> Vec<Output> {
        self.txns.tick(n)
    }
    fn four_letter(&mut self, c: FourLetterCommand, m: Option<i64>, n: Now) -> String {
        self.txns.four_letter(c, m, n)
    }
    fn take_txns(&mut self) -> Vec<TxnEntry> {
        self.txns.take_txns()
    }
    fn last_zxid(&self) -> i64 {
        self.txns.last_zxid()
    }
    fn freeze_snapshot(&mut self) -> Option<FrozenSnapshot> {
        Some(FrozenSnapshot::new(
            self.tree.freeze(),
            Vec::new(),
            self.txns.zxid,
            None,
        ))
    }
}

/// A disk on which every write to a snapshot waits for the test's token.
fn snapshot_writes_gated() -> (Arc<dyn Disk>, mpsc::Sender<()>) {
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let disk: Arc<dyn Disk> = Arc::new(GatedDisk {
        inner: FsDisk,
        gate: Arc::new(Mutex::new(gate_rx)),
        gated: Gated::SnapshotWrites,
        syncs: Arc::new(Mutex::new(0)),
    });
    (disk, gate_tx)
}

/// Waits (bounded) until the snapshot thread has reported the snapshot
/// under way.
async fn until_snapshot_ends(d: &mut Durability) {
    while d.snapshot_busy() {
        tokio::time::timeout(Duration::from_secs(10), d.progress())
            .await
            .expect("the snapshot thread reported within 10 s")
            .unwrap();
    }
}

/// The published snapshot files in `dir`, decoded.
fn snapshots_in(dir: &Path) -> Vec<rzk_proto::disk::Snapshot> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snapshot.")
        })
        .map(|p| {
            rzk_proto::disk::Snapshot::decode(Bytes::from(std::fs::read(&p).unwrap())).unwrap()
        })
        .collect()
}

fn log_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("log.")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_due_while_one_is_written_is_skipped_and_the_log_rolls_as_in_zookeeper() {
    let dir = tempfile::tempdir().unwrap();
    // The snapshot's writer is stuck until the gate opens.
    let (disk, gate) = snapshot_writes_gated();
    // A snapshot is due after 6 to 10 txns.
    let (cfg, mut d) = start(&disk, dir.path(), 10);
    let mut core = SnapCore::default();
    let write = |d: &mut Durability, core: &mut SnapCore| {
        let out = core.frame(1, Bytes::from_static(b"w"), now());
        d.after_call(core, out).unwrap();
    };

    while !d.snapshot_busy() {
        write(&mut d, &mut core);
    }
    let started_at = core.txns.zxid;
    assert!((6..=10).contains(&started_at), "{started_at}");
    // The snapshot is still being written when the next one falls due,
    // which is skipped; the log rolls all the same.
    for _ in 0..10 {
        write(&mut d, &mut core);
    }
    // Files begin at a txn: the one after the skipped snapshot's roll.
    write(&mut d, &mut core);
    // Bounded: at most 100 waits of 100 ms for the log thread to get there.
    for _ in 0..100 {
        if log_files(&cfg.log_dir()) >= 3 {
            break;
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), d.progress()).await;
    }
    assert_eq!(
        log_files(&cfg.log_dir()),
        3,
        "one log before the snapshot, one after it, one after the skipped one"
    );
    assert!(
        d.snapshot_busy(),
        "the first snapshot is still being written"
    );
    // The count restarted at the skip: once the file is written, the next
    // write does not start another snapshot.
    drop(gate);
    until_snapshot_ends(&mut d).await;
    write(&mut d, &mut core);
    assert!(
        !d.snapshot_busy(),
        "a postponed snapshot started as soon as the last one ended"
    );
    let snaps = snapshots_in(&cfg.snap_dir());
    assert_eq!(snaps.len(), 1);
    shut_down(d).await;
}

/// The snapshot holds the tree as it was when it fell due, although the
/// tree changed while its writer was stuck; and writes went on being
/// acknowledged meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_is_the_tree_when_it_fell_due_and_writes_go_on_while_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (disk, gate) = snapshot_writes_gated();
    let (cfg, mut d) = start(&disk, dir.path(), 10);
    let mut core = SnapCore::default();
    // 400 nodes of 20 KiB: a snapshot of about 8 MiB, written in chunks.
    let acl = rzk_proto::data::Acl::open_unsafe();
    let (old, new) = (Bytes::from(vec![7u8; 20 << 10]), Bytes::from_static(b"new"));
    for i in 0..400 {
        let path = format!("/n{i:03}");
        core.tree
            .create_node(&path, Some(old.clone()), &acl, 0, -1, 0, 0)
            .unwrap();
    }
    let nodes = 400 + 4; // the root, /zookeeper, its config and quota
    while !d.snapshot_busy() {
        let out = core.frame(1, Bytes::from_static(b"w"), now());
        d.after_call(&mut core, out).unwrap();
    }
    let frozen_at = core.txns.zxid;
    // While the writer is stuck, the tree changes everywhere, and every
    // write is acknowledged once its txn is durable.
    for i in 0..400 {
        let path = format!("/n{i:03}");
        if i % 2 == 0 {
            core.tree
                .set_data(&path, Some(new.clone()), 1, 0, 0)
                .unwrap();
        } else {
            core.tree.delete_node(&path, 0).unwrap();
        }
    }
    core.tree
        .create_node("/later", None, &acl, 0, -1, 0, 0)
        .unwrap();
    let mut released = 0;
    for _ in 0..20 {
        let out = core.frame(1, Bytes::from_static(b"w"), now());
        released += d.after_call(&mut core, out).unwrap().len();
    }
    while released < 20 {
        let r = tokio::time::timeout(Duration::from_secs(10), d.progress())
            .await
            .expect("writes were acknowledged within 10 s while the snapshot waited")
            .unwrap();
        released += r.len();
    }
    assert!(d.snapshot_busy(), "the snapshot is still being written");
    drop(gate);
    until_snapshot_ends(&mut d).await;
    let snaps = snapshots_in(&cfg.snap_dir());
    assert_eq!(snaps.len(), 1);
    let snap = &snaps[0];
    assert_eq!(snap.tree.nodes.len(), nodes);
    assert!(snap.tree.nodes[1..401]
        .iter()
        .all(|n| n.data.as_deref() == Some(&old[..])));
    assert!(!snap.tree.nodes.iter().any(|n| n.path == "/later"));
    assert!(frozen_at < core.txns.zxid);
    shut_down(d).await;
}

/// Every commit is timed. With `fsync.warningthresholdms` negative every
/// commit is flagged (Java compares the whole milliseconds taken with the
/// threshold), with the largest none; a commit with nothing to write is
/// no commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_slower_than_the_warning_threshold_are_counted() {
    for (threshold, flagged) in [(-1, true), (i64::MAX, false)] {
        let dir = tempfile::tempdir().unwrap();
        let disk: Arc<dyn Disk> = Arc::new(FsDisk);
        let (_, mut d) = start_warning_at(&disk, dir.path(), 100_000, threshold);
        let mut core = TxnCore::default();
        assert_eq!(d.fsync_stats().slow(), 0, "nothing was committed yet");
        let mut released = Vec::new();
        for p in [b"a", b"b", b"c"] {
            let out = core.frame(1, Bytes::copy_from_slice(p), now());
            released.extend(d.after_call(&mut core, out).unwrap());
            until_released(&mut d, &mut released, core.zxid as usize).await;
        }
        // Each write waited for its own commit, so there were three, and
        // each was timed.
        assert!(d
            .fsync_stats()
            .mntr_lines()
            .contains("zk_cnt_fsynctime\t3\n"));
        let slow = d.fsync_stats().slow();
        if flagged {
            assert_eq!(slow, 3, "threshold {threshold}");
        } else {
            assert_eq!(slow, 0, "threshold {threshold}");
        }
        tokio::task::spawn_blocking(move || d.shutdown())
            .await
            .unwrap();
    }
}

/// The snapshot thread runs at a lower priority than the rest of the
/// server (nice 10 above the others, at most 19, for that thread alone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_thread_yields_the_cpu_to_the_rest_of_the_server() {
    /// (thread name, nice) of every thread of this process.
    fn threads() -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let (Ok(comm), Ok(stat)) = (
                std::fs::read_to_string(task.path().join("comm")),
                std::fs::read_to_string(task.path().join("stat")),
            ) else {
                continue; // the thread ended meanwhile
            };
            // Fields after the parenthesised name: state is field 3, nice
            // field 19.
            let after = &stat[stat.rfind(')').unwrap() + 2..];
            let nice = after.split(' ').nth(19 - 3).unwrap().parse().unwrap();
            out.push((comm.trim().to_owned(), nice));
        }
        out
    }
    let dir = tempfile::tempdir().unwrap();
    let disk: Arc<dyn Disk> = Arc::new(FsDisk);
    let (_, d) = start(&disk, dir.path(), 100);
    // Other tests' servers may be running in this process too; every
    // snapshot thread lowers itself the same way, every other thread keeps
    // the nice value it was started with, which is this thread's.
    let base = {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after
            .split(' ')
            .nth(19 - 3)
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    let want = (base + 10).min(19);
    let mut seen = Vec::new();
    // Bounded: a thread names itself, then lowers itself, as it starts.
    for _ in 0..250 {
        seen = threads();
        let lowered = seen
            .iter()
            .any(|(name, nice)| name == "rzk-snapshot" && *nice == want);
        let log_up = seen.iter().any(|(name, _)| name == "rzk-txnlog");
        if lowered && log_up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        seen.iter()
            .any(|(name, nice)| name == "rzk-snapshot" && *nice == want),
        "no snapshot thread at nice {want}: {seen:?}"
    );
    let logs: Vec<_> = seen
        .iter()
        .filter(|(name, _)| name == "rzk-txnlog")
        .collect();
    assert!(!logs.is_empty(), "{seen:?}");
    assert!(
        logs.iter().all(|(_, nice)| *nice == base),
        "only the snapshot thread is lowered: {seen:?}"
    );
    shut_down(d).await;
}
