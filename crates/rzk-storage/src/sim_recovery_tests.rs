//! The simulated-crash recovery test: for each of many seeds, a random
//! workload of appends, commits and rolls on a [`SimDisk`], interrupted by
//! faults — power loss between calls, power cuts between any two disk
//! calls (inside a commit, inside a repair), a full disk, a process restart
//! without power loss, and a flipped byte — each followed by recovery
//! ([`read_logs`]) checked against a model of what was appended.
//!
//! The oracle, after every recovery: the txns returned are exactly (zxid
//! and bytes) a contiguous run of the appended history starting at the
//! recovery point, reaching at least every txn whose commit returned `Ok`;
//! nothing is missing in between; the files left in the directory are
//! exactly the files holding that history; a repair is durable (a second
//! crash changes nothing). After a flipped byte: refused with the file and
//! offset of the damaged entry, unless it is the newest log's last entry
//! (which recovery must treat as torn: see `logscan_file`).
//!
//! Every failure message starts with its seed; `RZK_SIM_SEED=<n>` reruns
//! one seed alone.
//!
//! Extension point for snapshots: [`World::recovery_point`] picks how many
//! txns of the history a snapshot is taken to cover (today: a random
//! durable prefix, passed to `read_logs` as `after_zxid`). A snapshot step
//! would write one with the snapshot code and recovery would load it and
//! return its zxid there.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::StorageError;
use crate::logscan::{read_logs, LogRead};
use crate::sim::SimDisk;
use crate::sim_rng::SimRng;
use crate::txnlog::{LogOptions, TxnLog};
use crate::txnlog_testing::random_txn;
use crate::Disk;

const SEEDS: u64 = 2000;
const STEPS: usize = 80;

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// How often each kind of event happened over a run: the test fails if
/// any stayed at zero, so a change that stops exercising a path shows.
#[derive(Debug, Default)]
struct Coverage {
    crashes: u64,
    restarts: u64,
    power_cuts_in_commit: u64,
    kills: u64,
    full_disk_failures: u64,
    torn_tails_cut: u64,
    empty_logs_removed: u64,
    uncommitted_survivors: u64,
    interrupted_repairs: u64,
    corruption_refused: u64,
    corruption_cut_as_torn: u64,
    header_bytes_ignored: u64,
}

#[derive(Debug, Clone)]
struct Txn {
    zxid: i64,
    bytes: Vec<u8>,
}

/// Where the writer put a file's entries: `(history index, offset)`.
#[derive(Debug, Clone)]
struct FileModel {
    name: String,
    entries: Vec<(usize, u64)>,
    end: u64,
}

struct World<'a> {
    rng: SimRng,
    disk: SimDisk,
    dir: PathBuf,
    opts: LogOptions,
    log: Option<TxnLog>,
    /// Every txn that may be on disk, in order.
    history: Vec<Txn>,
    /// `history[..durable]` must survive anything but corruption.
    durable: usize,
    /// The layout of `history` in files, oldest file first.
    files: Vec<FileModel>,
    next_zxid: i64,
    /// A fault is armed (power cut or space limit), so errors are expected.
    fault: Option<Fault>,
    cov: &'a mut Coverage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The machine loses power between two disk calls.
    PowerCut,
    /// The process is killed between two disk calls; the machine (and its
    /// page cache, holding unsynced writes) stays up.
    Kill,
    FullDisk,
}

impl<'a> World<'a> {
    fn new(seed: u64, cov: &'a mut Coverage) -> Result<Self, String> {
        let mut rng = SimRng::new(seed);
        let prealloc_size = [0, 512, 4096, 16384][rng.index(4)];
        let opts = LogOptions {
            prealloc_size,
            force_sync: true,
            size_limit: None,
        };
        let disk = SimDisk::new();
        let dir = PathBuf::from("/var/zk/version-2");
        let log = TxnLog::open(Arc::new(disk.clone()), dir.clone(), opts)
            .map_err(|e| format!("open: {e}"))?;
        Ok(Self {
            rng,
            disk,
            dir,
            opts,
            log: Some(log),
            history: Vec::new(),
            durable: 0,
            files: Vec::new(),
            next_zxid: 1 + (seed % 3) as i64,
            fault: None,
            cov,
        })
    }

    fn log(&mut self) -> Result<&mut TxnLog, String> {
        self.log.as_mut().ok_or_else(|| "no log open".to_string())
    }

    /// Runs the workload; returns after `STEPS` steps or a corruption check.
    fn run(&mut self) -> Result<(), String> {
        for step in 0..STEPS {
            let roll = self.rng.below(100);
            let outcome = match roll {
                0..=44 => self.append(),
                45..=69 => self.commit(),
                70..=75 => self.roll(),
                76..=81 => {
                    self.cov.crashes += 1;
                    self.recover(true)
                }
                82..=85 => {
                    self.cov.restarts += 1;
                    self.recover(false)
                }
                86..=91 if self.fault.is_none() => {
                    self.disk.power_cut_after(self.rng.below(6));
                    self.fault = Some(if self.rng.chance(1, 3) {
                        Fault::Kill
                    } else {
                        Fault::PowerCut
                    });
                    Ok(())
                }
                92..=95 if self.fault.is_none() => {
                    let room = self.rng.below(3000);
                    self.disk
                        .set_space_limit(Some(self.disk.used_space() + room));
                    self.fault = Some(Fault::FullDisk);
                    Ok(())
                }
                96..=99 if self.quiescent()? => return self.corrupt_and_check(),
                _ => Ok(()),
            };
            outcome.map_err(|e| format!("step {step}: {e}"))?;
        }
        self.cov.crashes += 1;
        self.recover(true)
    }

    /// Nothing buffered, no fault armed, and every appended txn durable:
    /// the disk holds exactly `history`.
    fn quiescent(&mut self) -> Result<bool, String> {
        Ok(self.fault.is_none()
            && self.log()?.pending_txns() == 0
            && self.durable == self.history.len()
            && !self.files.is_empty())
    }

    fn append(&mut self) -> Result<(), String> {
        for _ in 0..1 + self.rng.below(4) {
            let zxid = self.next_zxid;
            let bytes = random_txn(zxid, &mut self.rng);
            let starts_file = self.log()?.current_file().is_none();
            match self.log()?.append(zxid, &bytes) {
                Ok(()) => {}
                Err(e) => return self.failed(e),
            }
            self.next_zxid += 1;
            if starts_file {
                self.files.push(FileModel {
                    name: format!("log.{zxid:x}"),
                    entries: Vec::new(),
                    end: 16,
                });
            }
            let file = self.files.last_mut().ok_or("no file model")?;
            let expected = self.dir.join(&file.name);
            if self.log.as_ref().and_then(|l| l.current_file()) != Some(expected.as_path()) {
                return Err(format!("appended to an unexpected file, not {}", file.name));
            }
            file.entries.push((self.history.len(), file.end));
            file.end += 13 + bytes.len() as u64;
            self.history.push(Txn { zxid, bytes });
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<(), String> {
        let before = self.disk.stats().syncs;
        match self.log()?.commit() {
            Ok(()) => {
                self.durable = self.history.len();
                Ok(())
            }
            Err(e) => {
                if self.fault != Some(Fault::FullDisk) && self.disk.stats().syncs == before {
                    self.cov.power_cuts_in_commit += 1;
                }
                self.failed(e)
            }
        }
    }

    fn roll(&mut self) -> Result<(), String> {
        match self.log()?.roll() {
            Ok(()) => {
                self.durable = self.history.len();
                Ok(())
            }
            Err(e) => self.failed(e),
        }
    }

    /// An operation failed: fine while a fault is armed (the process then
    /// dies and restarts; after a power cut, the machine too).
    fn failed(&mut self, e: StorageError) -> Result<(), String> {
        match self.fault {
            None => Err(format!("unexpected error without a fault: {e}")),
            Some(Fault::PowerCut) => self.recover(true),
            Some(Fault::Kill) => {
                self.cov.kills += 1;
                self.disk.restore_power();
                self.recover(false)
            }
            Some(Fault::FullDisk) => {
                if !matches!(&e, StorageError::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull)
                {
                    return Err(format!("a full disk gave another error: {e}"));
                }
                self.cov.full_disk_failures += 1;
                let power_lost = self.rng.chance(1, 2);
                self.recover(power_lost)
            }
        }
    }

    /// How many txns of the history the state recovery starts from
    /// already covers (a snapshot, once there are snapshots): any durable
    /// prefix.
    fn recovery_point(&mut self) -> usize {
        if self.rng.chance(1, 2) {
            0
        } else {
            self.rng.index(self.durable + 1)
        }
    }

    /// The process dies (and with `power_lost`, the machine: unsynced data
    /// is lost or torn); a new one recovers from the disk.
    fn recover(&mut self, power_lost: bool) -> Result<(), String> {
        self.log = None;
        if power_lost || self.fault == Some(Fault::PowerCut) {
            self.disk = self.disk.crash(self.rng.next_u64());
        }
        // A fault armed but not reached by the time the process dies.
        self.disk.restore_power();
        self.disk.set_space_limit(None);
        self.fault = None;

        let skip = self.recovery_point();
        let after = if skip == 0 {
            0
        } else {
            self.history[skip - 1].zxid
        };
        if self.rng.chance(1, 4) {
            // Power fails again during recovery, possibly mid-repair; the
            // next boot must recover just as well.
            self.disk.power_cut_after(self.rng.below(3));
            let interrupted = read_logs(&self.disk, &self.dir, after).is_err();
            self.cov.interrupted_repairs += u64::from(interrupted);
            self.disk = self.disk.crash(self.rng.next_u64());
        }
        let read = read_logs(&self.disk, &self.dir, after)
            .map_err(|e| format!("recovery refused after a plain crash: {e}"))?;
        self.check_read(skip, &read)?;

        let kept = skip + read.entries.len();
        if kept > self.durable {
            self.cov.uncommitted_survivors += 1;
        }
        self.truncate_history(kept);
        self.check_repair(&read)?;
        self.check_files()?;
        if read.repaired.is_some() {
            // The repair was made durable before read_logs returned.
            let again = read_logs(&self.disk.crash(self.rng.next_u64()), &self.dir, after)
                .map_err(|e| format!("second recovery: {e}"))?;
            ensure!(
                again.repaired.is_none() && again.entries == read.entries,
                "a crash after the repair {:?} changed what recovery finds: now {} entries (was {}), repaired {:?}",
                read.repaired,
                again.entries.len(),
                read.entries.len(),
                again.repaired
            );
        }

        let last = self.history.last().map_or(0, |t| t.zxid);
        self.next_zxid = if self.rng.chance(1, 4) {
            // A new epoch, as after a leader election.
            ((last >> 32) + 1) << 32 | 1
        } else {
            last + 1
        };
        self.log = Some(
            TxnLog::open(Arc::new(self.disk.clone()), self.dir.clone(), self.opts)
                .map_err(|e| format!("reopen: {e}"))?,
        );
        Ok(())
    }

    fn check_read(&self, skip: usize, read: &LogRead) -> Result<(), String> {
        let kept = skip + read.entries.len();
        ensure!(
            kept >= self.durable,
            "lost committed txns: recovered up to #{kept} of {}, {} were committed",
            self.history.len(),
            self.durable
        );
        ensure!(kept <= self.history.len(), "recovered txns never appended");
        for (i, got) in read.entries.iter().enumerate() {
            let want = &self.history[skip + i];
            ensure!(
                got.zxid == want.zxid && got.txn[..] == want.bytes[..],
                "entry #{} is zxid {:#x}, expected {:#x} with its exact bytes",
                skip + i,
                got.zxid,
                want.zxid
            );
        }
        Ok(())
    }

    fn truncate_history(&mut self, kept: usize) {
        self.history.truncate(kept);
        self.durable = kept;
        for f in &mut self.files {
            f.entries.retain(|&(i, _)| i < kept);
        }
        self.files.retain(|f| !f.entries.is_empty());
        if let Some(f) = self.files.last_mut() {
            if let Some(&(i, offset)) = f.entries.last() {
                f.end = offset + 13 + self.history[i].bytes.len() as u64;
            }
        }
    }

    /// A cut leaves the newest file ending at its last kept entry; a
    /// removal takes away a file that holds no kept entry.
    fn check_repair(&mut self, read: &LogRead) -> Result<(), String> {
        let Some(torn) = &read.repaired else {
            return Ok(());
        };
        let name = file_name(&torn.file);
        if torn.removed {
            self.cov.empty_logs_removed += 1;
            ensure!(
                self.files.iter().all(|f| f.name != name),
                "removed {name}, which holds recovered txns"
            );
        } else {
            self.cov.torn_tails_cut += 1;
            let newest = self.files.last().ok_or("cut a file with no model")?;
            ensure!(
                newest.name == name && newest.end == torn.offset,
                "cut {name} at {}, expected {} at {}",
                torn.offset,
                newest.name,
                newest.end
            );
            let len = self.disk.read(&torn.file).map_err(|e| e.to_string())?.len();
            ensure!(len as u64 == torn.offset, "cut file is {len} bytes");
        }
        Ok(())
    }

    /// The directory holds exactly the files of the recovered history.
    fn check_files(&self) -> Result<(), String> {
        let mut on_disk = self.disk.list(&self.dir).unwrap_or_default();
        on_disk.sort_by_key(|n| rzk_proto::disk::parse_log_file_name(n));
        let model: Vec<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
        ensure!(
            on_disk == model,
            "files {on_disk:?} after recovery, expected {model:?}"
        );
        Ok(())
    }

    /// Flips one byte of a committed entry or header, then checks that
    /// recovery refuses with its file and offset, or (for the newest log's
    /// last entry only) cuts it as a torn tail.
    fn corrupt_and_check(&mut self) -> Result<(), String> {
        self.log = None;
        let fi = self.rng.index(self.files.len());
        let file = self.files[fi].clone();
        let path = self.dir.join(&file.name);
        let mask = 1 + self.rng.below(255) as u8;
        let newest = fi + 1 == self.files.len();
        let (offset, entry) = if self.rng.chance(1, 8) {
            (self.rng.below(16), None)
        } else {
            let ei = self.rng.index(file.entries.len());
            let (hi, at) = file.entries[ei];
            let len = 13 + self.history[hi].bytes.len() as u64;
            (at + self.rng.below(len), Some((ei, hi, at)))
        };
        self.disk
            .corrupt(&path, offset, mask)
            .map_err(|e| e.to_string())?;
        let what = format!("byte {offset} of {} ^ {mask:#x}", file.name);
        let result = read_logs(&self.disk, &self.dir, 0);
        match entry {
            None if offset >= 4 => {
                // Version and dbid: ignored by ZooKeeper's reader and ours.
                self.cov.header_bytes_ignored += 1;
                let read = result.map_err(|e| format!("{what}: {e}"))?;
                ensure!(
                    read.entries.len() == self.history.len(),
                    "{what}: lost txns"
                );
                Ok(())
            }
            None => expect_refusal(&result, &path, 0, &what).map(|()| {
                self.cov.corruption_refused += 1;
            }),
            Some((ei, hi, at)) if newest && ei + 1 == file.entries.len() => {
                let read = result.map_err(|e| format!("{what}: last entry refused: {e}"))?;
                let torn = read
                    .repaired
                    .as_ref()
                    .ok_or(format!("{what}: not repaired"))?;
                ensure!(
                    torn.file == path && torn.offset == at && torn.removed == (ei == 0),
                    "{what}: repaired {torn:?}"
                );
                ensure!(
                    read.entries.len() == hi,
                    "{what}: {} entries, expected those before it",
                    read.entries.len()
                );
                self.cov.corruption_cut_as_torn += 1;
                Ok(())
            }
            Some((_, _, at)) => expect_refusal(&result, &path, at, &what).map(|()| {
                self.cov.corruption_refused += 1;
            }),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn expect_refusal(
    result: &Result<LogRead, StorageError>,
    path: &Path,
    at: u64,
    what: &str,
) -> Result<(), String> {
    match result {
        Err(StorageError::CorruptLog { file, offset, .. }) if file == path && *offset == at => {
            let msg = result
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default();
            ensure!(
                msg.contains(&file_name(path)) && msg.contains(&format!("byte {at}")),
                "{what}: message lacks file or offset: {msg}"
            );
            Ok(())
        }
        Err(e) => Err(format!("{what}: refused, but not at byte {at}: {e}")),
        Ok(read) => Err(format!(
            "{what}: accepted ({} entries, repaired {:?})",
            read.entries.len(),
            read.repaired
        )),
    }
}

#[test]
fn committed_txns_survive_crashes_power_cuts_full_disks_and_refuse_corruption() {
    let seeds: Vec<u64> = match std::env::var("RZK_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("RZK_SIM_SEED is a number")],
        Err(_) => (0..SEEDS).collect(),
    };
    let mut cov = Coverage::default();
    let mut failures = Vec::new();
    for &seed in &seeds {
        let outcome = World::new(seed, &mut cov).and_then(|mut w| {
            let r = w.run();
            r.map_err(|e| format!("{e} (prealloc {})", w.opts.prealloc_size))
        });
        if let Err(e) = outcome {
            failures.push(format!("seed {seed}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed (rerun one with RZK_SIM_SEED=<n>):\n{}",
        failures.len(),
        seeds.len(),
        failures[..failures.len().min(15)].join("\n")
    );
    if seeds.len() > 1 {
        let c = &cov;
        for (what, n) in [
            ("crashes", c.crashes),
            ("restarts", c.restarts),
            ("power cuts inside a commit", c.power_cuts_in_commit),
            ("processes killed between disk calls", c.kills),
            ("full-disk failures", c.full_disk_failures),
            ("torn tails cut", c.torn_tails_cut),
            ("empty logs removed", c.empty_logs_removed),
            ("uncommitted txns surviving", c.uncommitted_survivors),
            ("interrupted repairs", c.interrupted_repairs),
            ("corruption refused", c.corruption_refused),
            ("corruption cut as torn", c.corruption_cut_as_torn),
            ("header bytes ignored", c.header_bytes_ignored),
        ] {
            assert!(n > 0, "the workload never produced {what}: {cov:?}");
        }
        eprintln!("{} seeds: {cov:?}", seeds.len());
    }
}
