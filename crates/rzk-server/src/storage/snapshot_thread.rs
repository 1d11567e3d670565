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

use bytes::Bytes;
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
    /// The next bytes of the snapshot.
    Chunk(Bytes),
    /// The snapshot is complete; it may hold txns up to `contains`.
    Finish {
        /// The last zxid applied when the walk ended.
        contains: i64,
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
    /// Each chunk once written, so its buffer can be used again.
    pub(crate) recycle: mpsc::Sender<Bytes>,
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
    let mut sink: Option<SnapshotSink> = None;
    let mut failed: Option<String> = None;
    while let Ok(cmd) = commands.recv() {
        match cmd {
            SnapCmd::Begin { zxid } => {
                if let Some(old) = sink.take() {
                    old.abandon();
                }
                failed = None;
                match SnapshotSink::create(disk.clone(), &dir, zxid) {
                    Ok(s) => sink = Some(s),
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
            SnapCmd::Finish { contains } => {
                let outcome = match (sink.take(), failed.take()) {
                    (_, Some(why)) => SnapDone::Failed(why),
                    (None, None) => SnapDone::Failed("no snapshot was begun".into()),
                    (Some(s), None) => {
                        if durable.wait_for(contains) {
                            match s.finish() {
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
