//! The snapshot thread: writes the chunks the core task serializes to a
//! temporary file and publishes it under its real name only once the log
//! is durable past everything the (fuzzy) snapshot may contain.
//!
//! Why the wait: the core applies txns before they are synced, and the
//! snapshot is taken from the applied tree, so it may contain txns that
//! are not yet on disk. If it were published first and the machine then
//! lost those txns, recovery would start from a state no acknowledged
//! history explains.

use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use bytes::{Bytes, BytesMut};
use rzk_proto::disk::{SnapshotSealer, SnapshotTail};
use rzk_storage::{Disk, SnapshotSink};
use tokio::sync::mpsc as tokio_mpsc;

use super::log_thread::DurableZxid;

/// What the core task sends about the snapshot being taken.
#[derive(Debug)]
pub(crate) enum SnapCmd {
    /// A new snapshot named after `zxid` begins.
    Begin {
        /// The zxid in the file name.
        zxid: i64,
    },
    /// The next bytes of the snapshot (unsealed: this thread sums them).
    Chunk(Bytes),
    /// The snapshot is complete; it may hold txns up to `contains`.
    Finish {
        /// The last zxid applied when the walk ended.
        contains: i64,
        /// What the file is sealed with after the bytes sent; `None` if
        /// the walk sealed it itself.
        tail: Option<SnapshotTail>,
    },
}

/// How a snapshot ended.
#[derive(Debug)]
pub(crate) enum SnapDone {
    /// Published at this path.
    Written(PathBuf),
    /// Given up; the log still holds everything.
    Failed(String),
}

/// Where the snapshot thread reports to the core task.
#[derive(Debug)]
pub(crate) struct Reports {
    /// How each snapshot ended.
    pub(crate) done: tokio_mpsc::UnboundedSender<SnapDone>,
    /// Each chunk once written, so its buffer can be used again (and the
    /// core task knows the writer has caught up by one chunk).
    pub(crate) recycle: tokio_mpsc::UnboundedSender<Bytes>,
}

/// Runs until the core task drops its sender.
pub(crate) fn run(
    disk: Arc<dyn Disk>,
    dir: PathBuf,
    commands: mpsc::Receiver<SnapCmd>,
    durable: Arc<DurableZxid>,
    reports: Reports,
) {
    let Reports { done, recycle } = reports;
    let mut sink: Option<Sealed> = None;
    let mut failed: Option<String> = None;
    while let Ok(cmd) = commands.recv() {
        match cmd {
            SnapCmd::Begin { zxid } => {
                if let Some(old) = sink.take() {
                    old.abandon();
                }
                failed = None;
                match SnapshotSink::create(disk.clone(), &dir, zxid) {
                    Ok(s) => sink = Some(Sealed::new(s)),
                    Err(e) => failed = Some(e.to_string()),
                }
            }
            SnapCmd::Chunk(bytes) => {
                if let Some(s) = sink.as_mut() {
                    if let Err(e) = s.write(&bytes) {
                        failed = Some(e.to_string());
                        if let Some(s) = sink.take() {
                            s.abandon();
                        }
                    }
                }
                // The core task may have stopped taking them back.
                let _ = recycle.send(bytes);
            }
            SnapCmd::Finish { contains, tail } => {
                let outcome = match (sink.take(), failed.take()) {
                    (_, Some(why)) => SnapDone::Failed(why),
                    (None, None) => SnapDone::Failed("no snapshot was begun".into()),
                    (Some(s), None) => {
                        if durable.wait_for(contains) {
                            match s.finish(tail.as_ref()) {
                                Ok(path) => SnapDone::Written(path),
                                Err(e) => SnapDone::Failed(e.to_string()),
                            }
                        } else {
                            s.abandon();
                            SnapDone::Failed("the txn log failed".into())
                        }
                    }
                };
                if done.send(outcome).is_err() {
                    return;
                }
            }
        }
    }
    if let Some(s) = sink.take() {
        s.abandon();
    }
}

/// A snapshot file being written from a walk: sums every byte on its way
/// to the file and, for an unsealed walk, appends the seals at the end.
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

    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), rzk_storage::SnapError> {
        self.sealer.update(bytes);
        self.sink.write(bytes)
    }

    /// Seals the file with `tail` (`None`: the walk already did) and
    /// publishes it ([`SnapshotSink::finish`]).
    pub(crate) fn finish(
        mut self,
        tail: Option<&SnapshotTail>,
    ) -> Result<PathBuf, rzk_storage::SnapError> {
        if let Some(tail) = tail {
            let mut seals = BytesMut::new();
            self.sealer.seal(tail, &mut seals);
            self.sink.write(&seals)?;
        }
        self.sink.finish()
    }

    pub(crate) fn abandon(self) {
        self.sink.abandon();
    }
}
