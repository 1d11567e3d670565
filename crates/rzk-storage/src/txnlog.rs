//! [`TxnLog`]: the txn log writer, in ZooKeeper's file format
//! (`p/FileTxnLog`, PROTOCOL.md §6.2), with group commit.
//!
//! # Durability argument
//!
//! Why a txn whose [`TxnLog::commit`] returned `Ok` survives any crash:
//!
//! 1. **Bytes go only where nothing committed lives.** Entries are written
//!    at the end of the last commit's entries, into space that is either
//!    past the end of the file or preallocated zeros. Committed bytes are
//!    never rewritten, so a crash during a later commit cannot damage them.
//! 2. **Order inside a commit:** extend the file with zeros if the
//!    preallocation rule says so (`set_len`), write real zeros a little
//!    past where the entries will end (inside the file's length, so its
//!    bytes do not change), write the buffered entries in one `write_at`,
//!    then one data sync (`fdatasync`). The sync returns only
//!    once every byte written to the file so far, and the length needed to
//!    read them, is on the medium.
//! 3. **A new file's name.** Its entries are useless if the directory entry
//!    is lost, so the first commit into a file also syncs the directory,
//!    after the data sync and before returning. (ZooKeeper itself never
//!    syncs the log directory; rzk does, because an fsynced file can vanish
//!    on power loss if its creation was not made durable.)
//! 4. **Only the newest file can be torn.** A crash before step 2's sync
//!    returns may leave any prefix of the commit's bytes, ending in a torn
//!    entry or junk. A file is ended ([`TxnLog::roll`]) only after its last
//!    commit synced, and recovery (`logscan`) cuts a torn tail before a new
//!    file is started after a restart, so the damage a crash leaves is
//!    always at the end of the newest log, where recovery looks for it.
//! 5. **A failed write poisons the writer.** After an I/O error (a full
//!    disk, a failed sync) what reached the medium is unknown, and on Linux
//!    a failed `fsync` may have dropped the dirty pages while marking them
//!    clean, so a retried sync could report durability falsely. The writer
//!    therefore refuses all further work ([`StorageError::LogFailed`]); the
//!    process must stop and recover from the files, as ZooKeeper exits on a
//!    log write failure.
//!
//! With `force_sync == false` (ZooKeeper's `forceSync=no`) steps 2 and 3
//! skip their syncs and nothing is promised about crashes.
//!
//! Precondition: before writing into a directory that may hold the logs of
//! a crashed process, recover it with [`crate::logscan::read_logs`] (which
//! cuts a torn tail); otherwise the new file would follow a torn one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rzk_proto::disk::{
    encode_entry, log_file_name, padded_log_size, FileHeader, DEFAULT_PREALLOC_SIZE,
};
use rzk_proto::jute::Record;

use crate::disk::{Disk, DiskFile};
use crate::error::StorageError;
use crate::logscan::MAX_TXN_LEN;

/// How the writer lays out and syncs its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// Preallocation step in bytes (0 disables it). ZooKeeper's
    /// `preAllocSize` is given in KiB in zoo.cfg / `zookeeper.preAllocSize`;
    /// the caller converts.
    pub prealloc_size: u64,
    /// Sync data (and new directory entries) on every commit; ZooKeeper's
    /// `zookeeper.forceSync` (default yes).
    pub force_sync: bool,
    /// `zookeeper.txnLogSizeLimitInKb` in bytes (`None`: off, ZooKeeper's
    /// default). A commit that leaves the current file longer than this
    /// ends the file, and the next append starts a new one. The length is
    /// the file's size on disk, preallocation included, as ZooKeeper's
    /// `FileTxnLog.commit` measures it, so a limit at or below
    /// `prealloc_size` rolls the log at every commit, as ZooKeeper does
    /// (its documentation asks for a limit of at least 2 × preAllocSize).
    pub size_limit: Option<u64>,
}

impl Default for LogOptions {
    /// ZooKeeper's defaults: 64 MiB preallocation, forced sync.
    fn default() -> Self {
        Self {
            prealloc_size: DEFAULT_PREALLOC_SIZE,
            force_sync: true,
            size_limit: None,
        }
    }
}

/// The file being appended to.
struct Current {
    path: PathBuf,
    file: Box<dyn DiskFile>,
    /// End of the last entry written: where the next commit writes, and
    /// the position ZooKeeper's padding rule looks at.
    position: u64,
    /// The size preallocation last gave the file (`FilePadding`'s
    /// `currentSize`); the file is longer if a commit wrote past it.
    padded: u64,
    /// Whether the directory entry has been synced.
    named: bool,
    /// Where zeros written by [`zero_ahead`] end: up to here the file's
    /// blocks are allocated.
    zeroed: u64,
}

impl Current {
    /// The file's length on disk.
    fn len(&self) -> u64 {
        self.padded.max(self.position)
    }
}

/// Appends txns to `log.<zxid>` files in one directory and makes them
/// durable on [`TxnLog::commit`]. See the module docs for the guarantee.
/// `Send`, so it can live on the disk thread.
pub struct TxnLog {
    disk: Arc<dyn Disk>,
    dir: PathBuf,
    opts: LogOptions,
    current: Option<Current>,
    /// Encoded entries appended since the last commit.
    buf: Vec<u8>,
    /// How many entries `buf` holds.
    buffered: usize,
    last_zxid: Option<i64>,
    bytes_written: u64,
    /// Set by the first failed write or sync: the file it happened in.
    failed: Option<PathBuf>,
}

impl std::fmt::Debug for TxnLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the buffered bytes: they can be megabytes.
        f.debug_struct("TxnLog")
            .field("dir", &self.dir)
            .field("current", &self.current.as_ref().map(|c| &c.path))
            .field("pending_txns", &self.buffered)
            .field("last_zxid", &self.last_zxid)
            .field("failed", &self.failed)
            .finish()
    }
}

impl TxnLog {
    /// Opens the log directory (the `version-2` dir); creates it if missing.
    /// The next append starts a new file (as ZooKeeper after a restart).
    pub fn open(disk: Arc<dyn Disk>, dir: PathBuf, opts: LogOptions) -> Result<Self, StorageError> {
        disk.create_dir_all(&dir)
            .map_err(StorageError::io("create_dir_all", &dir))?;
        Ok(Self {
            disk,
            dir,
            opts,
            current: None,
            buf: Vec::new(),
            buffered: 0,
            last_zxid: None,
            bytes_written: 0,
            failed: None,
        })
    }

    /// Buffers one serialized txn (the TxnEntry bytes: header + body +
    /// digest) with zxid `zxid`; starts `log.<hex zxid>` with the
    /// FileHeader if no file is current.
    ///
    /// Refuses (changing nothing) a zxid not above the last one appended,
    /// and a txn that is empty or larger than recovery reads back.
    pub fn append(&mut self, zxid: i64, txn: &[u8]) -> Result<(), StorageError> {
        self.check_usable()?;
        if let Some(last) = self.last_zxid {
            if zxid <= last {
                return Err(StorageError::ZxidNotIncreasing {
                    dir: self.dir.clone(),
                    zxid,
                    last,
                });
            }
        }
        if txn.is_empty() || txn.len() > MAX_TXN_LEN {
            return Err(StorageError::TxnSize {
                dir: self.dir.clone(),
                zxid,
                len: txn.len(),
                max: MAX_TXN_LEN,
            });
        }
        if self.current.is_none() {
            self.current = Some(self.start_file(zxid)?);
        }
        encode_entry(txn, &mut self.buf);
        self.buffered += 1;
        self.last_zxid = Some(zxid);
        Ok(())
    }

    /// Creates `log.<zxid>` and writes its header, as `FileTxnLog.append`
    /// does for the first txn of a file (the header reaches the file
    /// before any padding).
    fn start_file(&mut self, zxid: i64) -> Result<Current, StorageError> {
        let path = self.dir.join(log_file_name(zxid));
        // A failed create wrote nothing, so the writer stays usable.
        let mut file = self
            .disk
            .create(&path)
            .map_err(StorageError::io("create", &path))?;
        let header = FileHeader::txn_log().to_bytes();
        if let Err(e) = file.write_at(0, &header) {
            self.failed = Some(path.clone());
            return Err(StorageError::io("write", &path)(e));
        }
        let len = header.len() as u64;
        self.bytes_written += len;
        tracing::info!(file = %path.display(), "created new txn log file");
        Ok(Current {
            path,
            file,
            position: len,
            padded: len,
            named: false,
            zeroed: len,
        })
    }

    /// Writes everything buffered (entry = checksum, length, bytes, 0x42),
    /// extending the file by prealloc_size of zeros whenever the position
    /// comes within 4096 bytes of its size (exactly ZooKeeper's rule), then
    /// makes it durable with one data sync (skipped if !force_sync). After
    /// Ok, every appended txn survives a crash. A new file's directory
    /// entry is synced before its first commit returns.
    ///
    /// With nothing buffered it does nothing and touches no disk. Past
    /// [`LogOptions::size_limit`], the file ends here.
    pub fn commit(&mut self) -> Result<(), StorageError> {
        self.check_usable()?;
        if self.buffered == 0 {
            return Ok(());
        }
        let Some(cur) = self.current.as_mut() else {
            // append() always opens a file before buffering.
            return Err(StorageError::LogFailed {
                file: self.dir.clone(),
            });
        };
        match write_batch(
            &*self.disk,
            &self.dir,
            cur,
            &self.buf,
            self.buffered,
            self.opts,
        ) {
            Ok(()) => {
                self.bytes_written += self.buf.len() as u64;
                self.buf.clear();
                self.buffered = 0;
                if self.opts.size_limit.is_some_and(|limit| cur.len() > limit) {
                    // Synced above: nothing of the file is pending.
                    self.current = None;
                }
                Ok(())
            }
            Err(e) => {
                self.failed = Some(cur.path.clone());
                Err(e)
            }
        }
    }

    /// Ends the current file (after committing it): the next append starts
    /// a new file named by its zxid.
    pub fn roll(&mut self) -> Result<(), StorageError> {
        self.commit()?;
        self.current = None;
        Ok(())
    }

    /// Bytes of log (headers and entries) written to files since open; not
    /// counting preallocation or txns still buffered.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// The file being appended to, if any.
    pub fn current_file(&self) -> Option<&Path> {
        self.current.as_ref().map(|c| c.path.as_path())
    }

    /// The current file's size on disk, preallocation included
    /// (ZooKeeper's `getCurrentLogSize`, which `txnLogSizeLimitInKb` is
    /// compared with); 0 when no file is current.
    pub fn current_file_size(&self) -> u64 {
        self.current.as_ref().map_or(0, Current::len)
    }

    /// The zxid of the last txn appended since open.
    pub fn last_zxid(&self) -> Option<i64> {
        self.last_zxid
    }

    /// How many appended txns await [`TxnLog::commit`].
    pub fn pending_txns(&self) -> usize {
        self.buffered
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn check_usable(&self) -> Result<(), StorageError> {
        match &self.failed {
            Some(file) => Err(StorageError::LogFailed { file: file.clone() }),
            None => Ok(()),
        }
    }
}

/// One commit: pad, write, sync data, sync the new name (module docs,
/// steps 2 and 3). `entries` is how many appends `buf` holds.
fn write_batch(
    disk: &dyn Disk,
    dir: &Path,
    cur: &mut Current,
    buf: &[u8],
    entries: usize,
    opts: LogOptions,
) -> Result<(), StorageError> {
    // FileTxnLog pads before every append, each time with the position of
    // the last commit (the stream is flushed only on commit), so a batch
    // of n appends applies the rule n times at the same position.
    let mut padded = cur.padded;
    for _ in 0..entries {
        padded = padded_log_size(cur.position, padded, opts.prealloc_size);
    }
    if padded != cur.padded {
        cur.file
            .set_len(padded)
            .map_err(StorageError::io("set_len", &cur.path))?;
        cur.padded = padded;
    }
    let end = cur.position + buf.len() as u64;
    if opts.force_sync {
        if let Some((from, to)) = zero_ahead(cur.zeroed, end, cur.padded.max(end)) {
            cur.file
                .write_at(from, &ZEROS[..(to - from) as usize])
                .map_err(StorageError::io("write", &cur.path))?;
            cur.zeroed = to;
        }
    }
    cur.file
        .write_at(cur.position, buf)
        .map_err(StorageError::io("write", &cur.path))?;
    cur.position = end;
    if opts.force_sync {
        cur.file
            .sync()
            .map_err(StorageError::io("sync", &cur.path))?;
        if !cur.named {
            disk.sync_dir(dir)
                .map_err(StorageError::io("sync_dir", dir))?;
            cur.named = true;
        }
    }
    Ok(())
}

/// How far ahead of the entries the log writes real zeros.
const ZERO_AHEAD: u64 = 64 << 10;

static ZEROS: [u8; ZERO_AHEAD as usize] = [0; ZERO_AHEAD as usize];

/// The range of zeros to write before a commit whose entries end at
/// `end`, in a file `len` long whose zeros were written up to `zeroed`;
/// `None` while enough are there.
///
/// Why: preallocation (`set_len`, as ZooKeeper pads) leaves a hole, and
/// every sync that first writes into a hole must also write the block
/// allocation it caused, a second synchronous write. Writing the zeros a
/// little ahead allocates the blocks once per [`ZERO_AHEAD`] of log, so
/// most syncs write data only (on ext4 about a third less time and CPU
/// per sync). The zeros go only past every entry and inside the file's
/// length: the file's bytes and size are exactly what they were.
fn zero_ahead(zeroed: u64, end: u64, len: u64) -> Option<(u64, u64)> {
    if end + ZERO_AHEAD / 2 <= zeroed {
        return None;
    }
    let from = zeroed.max(end);
    let to = ((end + ZERO_AHEAD) & !4095).min(len);
    (to > from).then_some((from, to))
}

#[cfg(test)]
#[path = "txnlog_tests.rs"]
mod tests;
