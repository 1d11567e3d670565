//! The snapshot thread: walks each frozen snapshot the core task hands it,
//! writes it to a temporary file, and publishes the file under its real
//! name only once the log is durable through the snapshot's zxid.
//!
//! Why here: serializing a million nodes costs most of a second of CPU
//! (much of it cache misses). On the core task it slowed every request
//! while it lasted; here it runs beside the core task, which only paid
//! for freezing the tree.
//!
//! Why the wait: the core applies txns before they are synced, and the
//! snapshot is frozen from the applied tree, so it may contain txns that
//! are not yet on disk. If it were published first and the machine then
//! lost those txns, recovery would start from a state no acknowledged
//! history explains.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use bytes::BytesMut;
use rzk_core::persist::FrozenSnapshot;
use rzk_proto::disk::{SnapCompression, SnapshotSealer, SnapshotTail};
use rzk_storage::{Disk, SnapError, SnapshotSink};
use tokio::sync::mpsc as tokio_mpsc;

use super::log_thread::DurableZxid;

/// Nodes the walk serializes between checks of how much it has gathered.
const STEP: usize = 4096;
/// Snapshot bytes gathered before they are written out.
const CHUNK: usize = 1 << 20;
/// Room past [`CHUNK`] for the step that crosses it (a step's nodes are
/// small, but one node's data may reach `jute.maxbuffer`; the buffer then
/// grows once).
const CHUNK_SLACK: usize = 256 << 10;

/// How much nicer than the rest of the server the snapshot thread runs
/// (nice values go from −20 to 19; 19 yields the most).
const SNAPSHOT_NICE: i32 = 10;

/// How a snapshot ended.
#[derive(Debug)]
pub(crate) enum SnapDone {
    /// Published at this path.
    Written(PathBuf),
    /// Given up; the log still holds everything.
    Failed(String),
}

/// Runs until the core task drops its sender: writes every snapshot it is
/// sent, in order, and reports how each ended on `done`.
pub(crate) fn run(
    disk: Arc<dyn Disk>,
    dir: PathBuf,
    compression: SnapCompression,
    snapshots: mpsc::Receiver<FrozenSnapshot>,
    durable: Arc<DurableZxid>,
    done: tokio_mpsc::UnboundedSender<SnapDone>,
) {
    lower_priority();
    while let Ok(snap) = snapshots.recv() {
        let zxid = snap.zxid();
        let outcome = match write_unpublished(disk.clone(), &dir, compression, snap) {
            Err(e) => SnapDone::Failed(e.to_string()),
            Ok(file) => {
                if durable.wait_for(zxid) {
                    match file.publish() {
                        Ok(path) => SnapDone::Written(path),
                        Err(e) => SnapDone::Failed(e.to_string()),
                    }
                } else {
                    file.abandon();
                    SnapDone::Failed("the txn log failed".into())
                }
            }
        };
        if done.send(outcome).is_err() {
            return;
        }
    }
}

/// Makes this thread yield the CPU to the rest of the server when both
/// want it: its nice value goes [`SNAPSHOT_NICE`] above the one it
/// started with (at most 19), for this thread only — Linux applies a
/// thread id's nice value to that thread alone.
///
/// Why: on a machine with fewer cores than busy threads, a walk at full
/// speed takes CPU from the core task and the log thread, whose delays
/// every request waits for; the snapshot only has to be done before the
/// next one falls due, and one that is not is skipped, as in ZooKeeper.
/// Failing to lower it (not permitted, not Linux) leaves it as it was.
fn lower_priority() {
    let tid = rustix::thread::gettid();
    let lowered = rustix::process::getpriority_process(Some(tid))
        .map(|now| (now + SNAPSHOT_NICE).min(19))
        .and_then(|nice| rustix::process::setpriority_process(Some(tid), nice));
    if let Err(e) = lowered {
        tracing::debug!(error = %e, "could not lower the snapshot thread's priority");
    }
}

/// Writes the whole of `snap` now, on this thread, and publishes it at
/// once (for start-up, before anything is served).
pub(crate) fn write_now(
    disk: Arc<dyn Disk>,
    dir: &Path,
    compression: SnapCompression,
    snap: FrozenSnapshot,
) -> Result<PathBuf, SnapError> {
    write_unpublished(disk, dir, compression, snap)?.publish()
}

/// Walks `snap` into a new temporary file in `dir` (wrapped as
/// `compression` says), every byte but the seals; the frozen tree is let go as soon as its last node is written.
fn write_unpublished(
    disk: Arc<dyn Disk>,
    dir: &Path,
    compression: SnapCompression,
    snap: FrozenSnapshot,
) -> Result<Unpublished, SnapError> {
    let sink = SnapshotSink::create_as(disk, dir, snap.zxid(), compression)?;
    let mut file = Sealed::new(sink);
    let mut buf = BytesMut::with_capacity(CHUNK + CHUNK_SLACK);
    let mut walk = snap.begin(&mut buf);
    loop {
        let tail = walk.step(STEP, &mut buf);
        if tail.is_some() || buf.len() >= CHUNK {
            if let Err(e) = file.write(&buf) {
                file.abandon();
                return Err(e);
            }
            buf.clear();
        }
        if let Some(tail) = tail {
            return Ok(Unpublished { file, tail });
        }
    }
}

/// A snapshot whose bytes are written but for the seals.
struct Unpublished {
    file: Sealed,
    tail: SnapshotTail,
}

impl Unpublished {
    /// Seals, syncs and renames it into place ([`SnapshotSink::finish`]).
    fn publish(self) -> Result<PathBuf, SnapError> {
        self.file.finish(&self.tail)
    }

    fn abandon(self) {
        self.file.abandon();
    }
}

/// A snapshot file being written from a walk: sums every byte on its way
/// to the file and appends the seals at the end.
#[derive(Debug)]
pub(crate) struct Sealed {
    sink: SnapshotSink,
    sealer: SnapshotSealer,
}

impl Sealed {
    pub(crate) fn new(sink: SnapshotSink) -> Self {
        Self {
            sink,
            sealer: SnapshotSealer::default(),
        }
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), SnapError> {
        self.sealer.update(bytes);
        self.sink.write(bytes)
    }

    /// Seals the file with `tail` and publishes it
    /// ([`SnapshotSink::finish`]).
    pub(crate) fn finish(mut self, tail: &SnapshotTail) -> Result<PathBuf, SnapError> {
        let mut seals = BytesMut::new();
        self.sealer.seal(tail, &mut seals);
        self.sink.write(&seals)?;
        self.sink.finish()
    }

    pub(crate) fn abandon(self) {
        self.sink.abandon();
    }
}
