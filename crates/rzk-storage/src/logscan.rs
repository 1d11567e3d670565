//! Reading the txn logs back for recovery: which files ZooKeeper would
//! read, every whole entry in them, and the repair of the torn tail a
//! crash leaves at the end of the newest log.
//!
//! See `logscan_file` for how a torn tail is told from corruption, and
//! `txnlog` for why a crash can only tear the newest log.

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use rzk_proto::disk::{parse_log_file_name, ENTRY_OVERHEAD, FILE_HEADER_LEN};
use rzk_proto::jute::Record;
use rzk_proto::txn::TxnEntry;

use crate::disk::Disk;
use crate::error::{LogDamage, NotTorn, StorageError};
use crate::logscan_file::{scan_file, Tail};

pub use crate::logscan_file::MAX_TXN_LEN;

/// One txn read back from a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedTxn {
    /// Its zxid (from its TxnHeader).
    pub zxid: i64,
    /// The TxnEntry bytes, exactly as appended; checksum verified and known
    /// to decode with `rzk_proto::txn::TxnEntry`.
    pub txn: Bytes,
}

/// What [`read_logs`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRead {
    /// Every txn with zxid above the requested one, in log order (zxids
    /// strictly increasing).
    pub entries: Vec<LoggedTxn>,
    /// The crash damage cut from the newest log, if there was any.
    pub repaired: Option<TornTail>,
}

/// Crash damage removed from the end of the newest log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The newest log file.
    pub file: PathBuf,
    /// Where its whole entries ended; the file now ends here (or was
    /// removed).
    pub offset: u64,
    /// What was found at `offset`.
    pub reason: LogDamage,
    /// True when the file held no whole entry and was deleted rather than
    /// cut, as ZooKeeper deletes an empty newest log (ZOOKEEPER-2332): a
    /// restart would otherwise create a file of the same name.
    pub removed: bool,
}

/// The txns of every log in `dir` with zxid > `after_zxid`, in order:
/// ZooKeeper's choice of files (the newest log starting at or before
/// after_zxid+1, and all later ones).
///
/// The choice is exactly `FileTxnIterator.init`'s: every log named at or
/// above `after_zxid + 1`, plus the newest one named below it. A missing
/// `dir` holds no logs.
///
/// Guarantees: on `Ok`, the entries are whole, checksummed, decodable
/// txns with strictly increasing zxids (each at or above the zxid in its
/// file's name), and all of them are durable: the repair reported in
/// [`LogRead::repaired`] is made, every file that holds entries is synced
/// and the directory is synced before returning. (A process that died
/// without the machine losing power leaves unsynced writes in the page
/// cache; recovery reads them, so it must make them durable before the
/// server builds on them.) Damage a crash cannot leave (see
/// `logscan_file`), damage in a log older than the newest, an undecodable
/// txn or zxids out of order are refused with an error naming the file
/// and byte offset, and then nothing on disk is changed.
pub fn read_logs(disk: &dyn Disk, dir: &Path, after_zxid: i64) -> Result<LogRead, StorageError> {
    let found = scan_logs(disk, dir, after_zxid)?;
    if let Some(torn) = &found.read.repaired {
        tracing::warn!(
            file = %torn.file.display(),
            offset = torn.offset,
            reason = %torn.reason,
            removed = torn.removed,
            "repairing the torn tail a crash left in the newest txn log"
        );
    }
    make_durable(disk, dir, &found)?;
    Ok(found.read)
}

/// Like [`read_logs`], but changes nothing on disk: `repaired` reports
/// the torn tail that `read_logs` would cut. For tools that inspect a data
/// directory, possibly read-only, without recovering it.
pub fn inspect_logs(disk: &dyn Disk, dir: &Path, after_zxid: i64) -> Result<LogRead, StorageError> {
    Ok(scan_logs(disk, dir, after_zxid)?.read)
}

/// What the scan found, and the files holding entries (to be synced).
struct Found {
    read: LogRead,
    files: Vec<PathBuf>,
}

fn scan_logs(disk: &dyn Disk, dir: &Path, after_zxid: i64) -> Result<Found, StorageError> {
    let logs = match disk.list(dir) {
        Ok(names) => sorted_logs(names),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(StorageError::io("list", dir)(e)),
    };
    let start = after_zxid.saturating_add(1);
    let first = chosen_from(&logs, start);

    let mut entries = Vec::new();
    let mut files = Vec::new();
    let mut previous: Option<i64> = None;
    let mut repair = None;
    for (i, (name_zxid, name)) in logs.iter().enumerate().skip(first) {
        let path = dir.join(name);
        let newest = i + 1 == logs.len();
        let bytes = read_log_file(disk, &path)?;
        let scan = scan_file(&bytes).map_err(|source| StorageError::Decode {
            file: path.clone(),
            base: 0,
            source,
        })?;
        match scan.tail {
            Tail::Clean if newest && scan.entries.is_empty() => {
                repair = Some(TornTail {
                    file: path.clone(),
                    offset: scan.end,
                    reason: LogDamage::NoEntries,
                    removed: true,
                });
            }
            Tail::Clean => {}
            Tail::Torn(reason) if newest => {
                repair = Some(TornTail {
                    file: path.clone(),
                    offset: scan.end,
                    reason,
                    removed: scan.entries.is_empty(),
                });
            }
            Tail::Torn(found) => {
                return Err(StorageError::CorruptLog {
                    file: path,
                    offset: scan.end,
                    found,
                    why: NotTorn::NotNewestLog,
                })
            }
            Tail::Corrupt(found, why) => {
                return Err(StorageError::CorruptLog {
                    file: path,
                    offset: scan.end,
                    found,
                    why,
                })
            }
        }
        if !scan.entries.is_empty() {
            files.push(path.clone());
        }
        // The txns are slices of the file's buffer, not copies: it holds
        // the file's data and no more than `ZERO_LOOKAHEAD` of zeros
        // after it, and lives only as long as the txns (which recovery
        // replays and drops).
        for e in &scan.entries {
            let offset = e.offset as u64;
            let zxid = TxnEntry::from_bytes(e.txn.clone())
                .map_err(|source| StorageError::Decode {
                    file: path.clone(),
                    base: offset + 12,
                    source,
                })?
                .header
                .zxid;
            let below_name = name_zxid.saturating_sub(1);
            let floor = previous.map_or(below_name, |p| p.max(below_name));
            if zxid <= floor {
                return Err(StorageError::ZxidOrder {
                    file: path,
                    offset,
                    zxid,
                    previous: floor,
                });
            }
            previous = Some(zxid);
            if zxid > after_zxid {
                entries.push(LoggedTxn {
                    zxid,
                    txn: e.txn.clone(),
                });
            }
        }
    }
    Ok(Found {
        read: LogRead {
            entries,
            repaired: repair,
        },
        files,
    })
}

/// How far past a file's last non-zero byte the scan must see zeros to
/// judge it exactly as if it had read the whole file: an entry starting in
/// the data reads at most its header and `MAX_TXN_LEN` bytes past it, and
/// a header of zeros ends the entries.
const ZERO_LOOKAHEAD: u64 = (FILE_HEADER_LEN + ENTRY_OVERHEAD + MAX_TXN_LEN) as u64;

/// `path`'s bytes as the scan needs them: its data, then zeros up to
/// [`ZERO_LOOKAHEAD`] past it (or to the end of the file). The rest of a
/// preallocated log is zeros the scan would read to no purpose: most of a
/// 64 MiB log is preallocation.
fn read_log_file(disk: &dyn Disk, path: &Path) -> Result<Bytes, StorageError> {
    let extent = disk
        .data_extent(path)
        .map_err(StorageError::io("read", path))?;
    let data_end = usize::try_from(extent.data_end).unwrap_or(usize::MAX);
    let mut bytes = disk
        .read_head(path, data_end)
        .map_err(StorageError::io("read", path))?;
    let shown = extent
        .len
        .min(extent.data_end.saturating_add(ZERO_LOOKAHEAD));
    if bytes.len() as u64 >= extent.data_end {
        bytes.resize(usize::try_from(shown).unwrap_or(usize::MAX), 0);
    }
    Ok(Bytes::from(bytes))
}

/// The txn log files among `names`, by zxid (then name, for a stable
/// order between names such as `log.a` and `log.A`).
fn sorted_logs(names: Vec<String>) -> Vec<(i64, String)> {
    let mut logs: Vec<(i64, String)> = names
        .into_iter()
        .filter_map(|n| parse_log_file_name(&n).map(|z| (z, n)))
        .collect();
    logs.sort();
    logs
}

/// Index of the first log `FileTxnIterator` reads to find `start`: the
/// newest one named below `start` (all logs named at or above it follow).
fn chosen_from(logs: &[(i64, String)], start: i64) -> usize {
    logs.iter()
        .rposition(|(zxid, _)| *zxid < start)
        .unwrap_or(0)
}

/// Makes the repair and every returned entry durable: remove the empty
/// newest log, or cut the torn one; sync each file holding entries; sync
/// the directory (which also makes a removal durable).
fn make_durable(disk: &dyn Disk, dir: &Path, found: &Found) -> Result<(), StorageError> {
    let repair = found.read.repaired.as_ref();
    if let Some(torn) = repair.filter(|t| t.removed) {
        disk.remove(&torn.file)
            .map_err(StorageError::io("remove", &torn.file))?;
    }
    for path in &found.files {
        let mut f = disk
            .open_write(path)
            .map_err(StorageError::io("open_write", path))?;
        if let Some(torn) = repair.filter(|t| !t.removed && &t.file == path) {
            f.set_len(torn.offset)
                .map_err(StorageError::io("set_len", path))?;
        }
        f.sync().map_err(StorageError::io("sync", path))?;
    }
    if repair.is_some() || !found.files.is_empty() {
        disk.sync_dir(dir)
            .map_err(StorageError::io("sync_dir", dir))?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "logscan_tests.rs"]
mod tests;
