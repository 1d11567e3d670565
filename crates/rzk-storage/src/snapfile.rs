//! Snapshot files in a snapshot directory (`dataDir/version-2`,
//! PROTOCOL.md §6.3): writing one (plain, or gz/snappy as ZooKeeper's
//! `snapshot.compression.method` asks) so that it appears whole or not at
//! all, finding the ones worth loading, and reading one back uncompressed.
//!
//! Durability order when writing: bytes go to `tmp.snapshot.<hex zxid>`,
//! the file is synced, renamed to `snapshot.<hex zxid>`, then the directory
//! is synced. The temporary name starts with neither `snapshot.` nor
//! `log.`, so ZooKeeper never mistakes it for a snapshot or a log:
//! `Util.getZxidFromName` gives -1 for it (skipped by `findNValidSnapshots`
//! and `getLogFiles`), and `PurgeTxnLog` only considers names starting with
//! `snapshot.` or `log.`. ZooKeeper's own `AtomicFileOutputStream` name,
//! `snapshot.<hex>.tmp`, would not do: it parses as a snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use rzk_proto::disk::{
    has_checked_tail, parse_snapshot_file_name, snapshot_file_name, SnapCompression, CHECKED_TAIL,
};

use crate::compress::{
    gunzip, has_gzip_magic, has_snappy_java_magic, snappy_java_decode, SnappyJavaEncoder,
};
use crate::disk::{Disk, DiskFile};
use crate::snapfile_error::SnapError;

/// How temporary snapshot names start (`tmp.snapshot.<hex zxid>`).
pub const TMP_SNAPSHOT_PREFIX: &str = "tmp.snapshot.";

/// How many snapshots, newest first, are worth trying before giving up:
/// ZooKeeper's `FileSnap.deserialize` looks at no more than 100.
pub const MAX_SNAPSHOT_CANDIDATES: usize = 100;

/// Bytes gathered before one write reaches the disk: snapshots are written
/// node by node, and a write per node would cost a system call each.
const SINK_BUFFER: usize = 64 * 1024;

/// A snapshot's file is handed to the device every this many bytes while
/// it is written ([`DiskFile::write_behind`]), and synced once at the end.
/// Why: the kernel starts writeback only when a large share of memory is
/// dirty, so a 1M-znode snapshot (~200 MB) would otherwise reach the disk
/// in one burst at the final sync, and the txn log's fdatasync — which
/// every acknowledged write waits for — would queue behind it. Syncing in
/// steps instead (8 MiB at a time, as rzk did before) still put a step's
/// worth of writes and a cache flush in front of the log's syncs. Handed
/// over in 1 MiB pieces with no flush of their own, the snapshot's bytes
/// trickle out at the device's pace and the log's own flushes make them
/// durable as it goes. Measured on this project's test machine, 5,000
/// creates/s while a 1M-znode snapshot was written, three runs each: the
/// slowest log fdatasync was 58, 13 and 281 ms with 8 MiB syncs, 5.9, 6.3
/// and 7.2 ms with write-behind.
///
/// On the real disk a snapshot now goes around the page cache
/// ([`Disk::create_sequential`]), where each write already waits for the
/// device and write-behind does nothing; it still paces a file system that
/// refuses direct I/O.
pub const WRITE_BEHIND: u64 = 1 << 20;

/// The temporary name a snapshot at `zxid` is written under.
pub fn tmp_snapshot_name(zxid: i64) -> String {
    format!("{TMP_SNAPSHOT_PREFIX}{:x}", zxid as u64)
}

/// A snapshot being written: to a temporary name ZooKeeper ignores
/// (`tmp.snapshot.<hex>`, see the module docs), renamed into place only
/// when complete and synced.
///
/// Guarantees: `snapshot.<hex zxid>` (with `.gz` or `.snappy` when
/// compressed) appears (atomically, by rename) only after every byte was
/// synced and only if the stream ends in the checked tail; if the sink is
/// abandoned, fails, or is dropped unfinished, the temporary file is
/// removed (best effort: a crash leaves it for [`snapshot_candidates`] to
/// clear).
#[derive(Debug)]
pub struct SnapshotSink {
    disk: Arc<dyn Disk>,
    dir: PathBuf,
    zxid: i64,
    tmp: PathBuf,
    file: Option<Box<dyn DiskFile>>,
    /// How the stream is wrapped on its way to the file.
    encoding: Encoding,
    /// Bytes of the uncompressed stream taken so far.
    taken: u64,
    /// File bytes not yet handed to the file.
    buf: Vec<u8>,
    /// Bytes already handed to the file (the offset of `buf[0]`).
    flushed: u64,
    /// Bytes of the file already handed to the device (see
    /// [`WRITE_BEHIND`]).
    behind: u64,
    /// The last bytes of the stream so far (at most [`CHECKED_TAIL`]'s
    /// length), to check the seal before installing.
    tail: Vec<u8>,
    /// Renamed into place (or removed): nothing left to clean up.
    done: bool,
}

impl SnapshotSink {
    /// Creates `dir/tmp.snapshot.<hex zxid>` for a plain snapshot of the
    /// tree as of `zxid`. A leftover temporary file of the same name (from
    /// a crash) is replaced. `dir` must exist.
    pub fn create(disk: Arc<dyn Disk>, dir: &Path, zxid: i64) -> Result<Self, SnapError> {
        Self::create_as(disk, dir, zxid, SnapCompression::Checked)
    }

    /// As [`SnapshotSink::create`], for a snapshot wrapped as
    /// `compression` says: GZIP (`snapshot.<hex>.gz`, what
    /// `GZIPOutputStream` writes, at the same default level) or
    /// snappy-java's stream framing (`snapshot.<hex>.snappy`, what
    /// `SnappyOutputStream` writes). The checksum and seals stay inside,
    /// in the uncompressed stream, as ZooKeeper's `SnapStream` has them.
    pub fn create_as(
        disk: Arc<dyn Disk>,
        dir: &Path,
        zxid: i64,
        compression: SnapCompression,
    ) -> Result<Self, SnapError> {
        let tmp = dir.join(tmp_snapshot_name(zxid));
        let file = match disk.create_sequential(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                tracing::warn!(path = %tmp.display(), "replacing a stale temporary snapshot");
                disk.remove(&tmp).map_err(SnapError::io("remove", &tmp))?;
                disk.create_sequential(&tmp)
                    .map_err(SnapError::io("create", &tmp))?
            }
            Err(e) => return Err(SnapError::io("create", &tmp)(e)),
        };
        Ok(Self {
            disk,
            dir: dir.to_owned(),
            zxid,
            tmp,
            file: Some(file),
            encoding: Encoding::new(compression),
            taken: 0,
            buf: Vec::with_capacity(SINK_BUFFER),
            flushed: 0,
            behind: 0,
            tail: Vec::with_capacity(CHECKED_TAIL.len()),
            done: false,
        })
    }

    /// The temporary file being written.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// Appends `bytes` to the snapshot (the uncompressed CHECKED stream,
    /// e.g. from `rzk_proto::disk::SnapshotWriter`). Bytes may sit in a
    /// buffer (or a compressor) until a later call or
    /// [`SnapshotSink::finish`].
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), SnapError> {
        self.remember_tail(bytes);
        self.taken += bytes.len() as u64;
        match &mut self.encoding {
            Encoding::Plain => {
                if self.buf.len() + bytes.len() > SINK_BUFFER {
                    self.flush()?;
                }
                if bytes.len() >= SINK_BUFFER {
                    return self.write_through(bytes);
                }
                self.buf.extend_from_slice(bytes);
            }
            Encoding::Gzip(enc) => {
                let compressed = gzip_write(enc, bytes).map_err(|e| encode_error(&self.tmp, e))?;
                self.buf.extend_from_slice(compressed);
                compressed.clear();
            }
            Encoding::Snappy(enc) => {
                if let Err(e) = enc.write(bytes, &mut self.buf) {
                    return Err(encode_error(&self.tmp, std::io::Error::other(e)));
                }
            }
        }
        if self.buf.len() >= SINK_BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    /// Bytes of the snapshot's stream written so far, uncompressed.
    pub fn len(&self) -> u64 {
        self.taken
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Syncs the file, renames it to `snapshot.<hex zxid>` and syncs the
    /// directory. Returns the final path.
    ///
    /// A stream that does not end in the checked tail (`00 00 00 01 2f`,
    /// the last seal's `"/"`) is refused with [`SnapError::NotSealed`] and
    /// its temporary file removed: ZooKeeper would skip it anyway.
    pub fn finish(mut self) -> Result<PathBuf, SnapError> {
        // `has_checked_tail` on the whole stream, from what was remembered.
        if self.len() < 10 || self.tail != CHECKED_TAIL {
            return Err(SnapError::NotSealed {
                path: self.tmp.clone(),
                len: self.len(),
            });
        }
        let compression = self.encoding.compression();
        match std::mem::replace(&mut self.encoding, Encoding::Plain) {
            Encoding::Plain => {}
            Encoding::Gzip(enc) => {
                let rest = enc.finish().map_err(|e| encode_error(&self.tmp, e))?;
                self.buf.extend_from_slice(&rest);
            }
            Encoding::Snappy(enc) => {
                if let Err(e) = enc.finish(&mut self.buf) {
                    return Err(encode_error(&self.tmp, std::io::Error::other(e)));
                }
            }
        }
        self.flush()?;
        let mut file = self.file.take().ok_or_else(|| SnapError::Io {
            op: "sync",
            path: self.tmp.clone(),
            source: std::io::Error::other("snapshot file already closed"),
        })?;
        file.sync().map_err(SnapError::io("sync", &self.tmp))?;
        drop(file);
        let dest = self.dir.join(snapshot_file_name(self.zxid, compression));
        self.disk
            .rename(&self.tmp, &dest)
            .map_err(SnapError::io("rename", &self.tmp))?;
        self.done = true;
        self.disk
            .sync_dir(&self.dir)
            .map_err(SnapError::io("sync directory", &self.dir))?;
        Ok(dest)
    }

    /// Gives up (e.g. disk full): removes the temporary file.
    pub fn abandon(self) {
        // Drop does the cleaning.
    }

    fn remember_tail(&mut self, bytes: &[u8]) {
        let keep = CHECKED_TAIL.len();
        if bytes.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&bytes[bytes.len() - keep..]);
        } else {
            self.tail.extend_from_slice(bytes);
            let excess = self.tail.len().saturating_sub(keep);
            self.tail.drain(..excess);
        }
    }

    fn flush(&mut self) -> Result<(), SnapError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        let result = self.write_through(&buf);
        self.buf = buf;
        self.buf.clear();
        result
    }

    fn write_through(&mut self, bytes: &[u8]) -> Result<(), SnapError> {
        let file = self.file.as_mut().ok_or_else(|| SnapError::Io {
            op: "write",
            path: self.tmp.clone(),
            source: std::io::Error::other("snapshot file already closed"),
        })?;
        file.write_at(self.flushed, bytes)
            .map_err(SnapError::io("write", &self.tmp))?;
        self.flushed += bytes.len() as u64;
        if self.flushed - self.behind >= WRITE_BEHIND {
            file.write_behind(self.behind, self.flushed - self.behind)
                .map_err(SnapError::io("write-behind", &self.tmp))?;
            self.behind = self.flushed;
        }
        Ok(())
    }
}

/// A snapshot stream's wrapping while it is written.
enum Encoding {
    Plain,
    /// Compresses into its own vector, which [`gzip_write`] empties into
    /// the sink's buffer after each write.
    Gzip(Box<flate2::write::GzEncoder<Vec<u8>>>),
    Snappy(Box<SnappyJavaEncoder>),
}

impl Encoding {
    fn new(compression: SnapCompression) -> Self {
        match compression {
            SnapCompression::Checked => Self::Plain,
            // Java's GZIPOutputStream deflates at Deflater.DEFAULT_COMPRESSION,
            // which zlib reads as level 6, flate2's default.
            SnapCompression::Gzip => Self::Gzip(Box::new(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::default(),
            ))),
            SnapCompression::Snappy => Self::Snappy(Box::default()),
        }
    }

    fn compression(&self) -> SnapCompression {
        match self {
            Self::Plain => SnapCompression::Checked,
            Self::Gzip(_) => SnapCompression::Gzip,
            Self::Snappy(_) => SnapCompression::Snappy,
        }
    }
}

impl std::fmt::Debug for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.compression())
    }
}

/// A compressor's failure, as the error of writing the file it was for.
fn encode_error(tmp: &Path, source: std::io::Error) -> SnapError {
    SnapError::Io {
        op: "compress",
        path: tmp.to_owned(),
        source,
    }
}

/// Feeds `bytes` to a GZIP encoder and returns what it has produced so far
/// (the caller takes it and clears the vector).
fn gzip_write<'a>(
    enc: &'a mut flate2::write::GzEncoder<Vec<u8>>,
    bytes: &[u8],
) -> std::io::Result<&'a mut Vec<u8>> {
    use std::io::Write;
    enc.write_all(bytes)?;
    Ok(enc.get_mut())
}

impl Drop for SnapshotSink {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.file = None;
        match self.disk.remove(&self.tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %self.tmp.display(), error = %e, "could not remove an unfinished snapshot");
            }
        }
    }
}

/// A snapshot file that passed ZooKeeper's cheap validity check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotCandidate {
    /// The zxid in its name: the last zxid applied before it was started.
    pub zxid: i64,
    /// Its path.
    pub path: PathBuf,
    /// How it is wrapped, from its name.
    pub compression: SnapCompression,
}

/// Snapshots in `dir`, newest (highest zxid) first, at most 100, that pass
/// ZooKeeper's cheap validity check (CHECKED: ≥10 bytes and ends in the
/// checked tail; gz/snappy: magic). Stale temporary files are removed.
///
/// Names are parsed as `FileSnap.findNValidSnapshots` parses them (see
/// `rzk_proto::disk::parse_snapshot_file_name`); two names with the same
/// zxid (say `snapshot.5` and `snapshot.5.gz`) come in name order, where
/// ZooKeeper leaves it to the directory's order. A file that cannot be read
/// is skipped with a warning, as ZooKeeper skips it.
///
/// Call it only when no [`SnapshotSink`] is live in `dir` (at startup,
/// before recovery): it removes every `tmp.snapshot.*` file.
///
/// Cost: only the last (or, compressed, the first) 16 bytes of each file
/// examined are read, as ZooKeeper reads only those.
pub fn snapshot_candidates(
    disk: &dyn Disk,
    dir: &Path,
) -> Result<Vec<SnapshotCandidate>, SnapError> {
    let names = disk.list(dir).map_err(SnapError::io("list", dir))?;
    let mut removed = false;
    for name in names.iter().filter(|n| n.starts_with(TMP_SNAPSHOT_PREFIX)) {
        let path = dir.join(name);
        tracing::info!(path = %path.display(), "removing an unfinished snapshot");
        match disk.remove(&path) {
            Ok(()) => removed = true,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "could not remove an unfinished snapshot")
            }
        }
    }
    if removed {
        disk.sync_dir(dir)
            .map_err(SnapError::io("sync directory", dir))?;
    }
    Ok(valid_snapshots(disk, dir, &names, MAX_SNAPSHOT_CANDIDATES))
}

/// Lists `dir` and returns its newest `limit` valid snapshots, touching
/// nothing (purge runs beside a live sink, so it must not clean).
pub(crate) fn newest_valid_snapshots(
    disk: &dyn Disk,
    dir: &Path,
    limit: usize,
) -> Result<Vec<SnapshotCandidate>, SnapError> {
    let names = disk.list(dir).map_err(SnapError::io("list", dir))?;
    Ok(valid_snapshots(disk, dir, &names, limit))
}

fn valid_snapshots(
    disk: &dyn Disk,
    dir: &Path,
    names: &[String],
    limit: usize,
) -> Vec<SnapshotCandidate> {
    let mut named: Vec<(i64, &str, SnapCompression)> = names
        .iter()
        .filter_map(|n| parse_snapshot_file_name(n).map(|(z, c)| (z, n.as_str(), c)))
        .collect();
    named.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out = Vec::new();
    for (zxid, name, compression) in named {
        if out.len() >= limit {
            break;
        }
        let path = dir.join(name);
        // The cheap check needs only the magic (compressed) or the last
        // bytes (checked): a candidate list must not read whole snapshots.
        let part = match compression {
            SnapCompression::Checked => disk.read_tail(&path, CHEAP_CHECK_LEN),
            SnapCompression::Gzip | SnapCompression::Snappy => {
                disk.read_head(&path, CHEAP_CHECK_LEN)
            }
        };
        let bytes = match part {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "skipping an unreadable snapshot");
                continue;
            }
        };
        if passes_cheap_check(compression, &bytes) {
            out.push(SnapshotCandidate {
                zxid,
                path,
                compression,
            });
        } else {
            tracing::info!(path = %path.display(), "skipping an incomplete snapshot");
        }
    }
    out
}

/// Bytes the cheap validity check looks at: ≥ 10 for the checked tail's
/// length rule, and more than either compression magic.
const CHEAP_CHECK_LEN: usize = 16;

/// `SnapStream.isValidSnapshot` after the name check.
fn passes_cheap_check(compression: SnapCompression, file: &[u8]) -> bool {
    match compression {
        SnapCompression::Checked => has_checked_tail(file),
        SnapCompression::Gzip => has_gzip_magic(file),
        SnapCompression::Snappy => has_snappy_java_magic(file),
    }
}

/// The uncompressed bytes of a snapshot file (gz via flate2; snappy in
/// snappy-java's stream framing as ZooKeeper's `SnappyOutputStream` writes
/// it, see [`crate::compress`]).
///
/// Checksums are not verified here: whoever decodes the stream
/// (`rzk_proto::disk::SnapshotReader`) checks every seal.
pub fn read_snapshot(disk: &dyn Disk, c: &SnapshotCandidate) -> Result<Bytes, SnapError> {
    let file = disk.read(&c.path).map_err(SnapError::io("read", &c.path))?;
    uncompress(c.compression, file).map_err(|source| SnapError::Decompress {
        path: c.path.clone(),
        source,
    })
}

/// Unwraps a snapshot file's bytes by its compression.
pub fn uncompress(
    compression: SnapCompression,
    file: Vec<u8>,
) -> Result<Bytes, crate::compress::CompressError> {
    Ok(match compression {
        SnapCompression::Checked => Bytes::from(file),
        SnapCompression::Gzip => Bytes::from(gunzip(&file)?),
        SnapCompression::Snappy => Bytes::from(snappy_java_decode(&file)?),
    })
}

#[cfg(test)]
#[path = "snapfile_tests.rs"]
mod tests;
