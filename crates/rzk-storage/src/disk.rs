//! The disk interface storage is written against, and its real
//! implementation over `std::fs`.
//!
//! The interface is deliberately small — create, write at an offset, sync,
//! read, rename, remove, list, sync a directory — so that a fake can model
//! exactly what survives a crash: bytes written but not synced may be lost
//! or torn, and a new or renamed directory entry is durable only after its
//! directory is synced.

use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::direct::SequentialFile;

/// An open file that storage appends to (txn logs, snapshots being written).
pub trait DiskFile: Send + Debug {
    /// Writes all of `buf` at byte `offset`, extending the file if needed.
    /// Not durable until [`DiskFile::sync`] returns.
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()>;
    /// Makes every byte written so far, and the file's length, durable
    /// (`fdatasync`).
    fn sync(&mut self) -> io::Result<()>;
    /// Sets the file's length: extending fills with zeros (preallocation),
    /// shrinking cuts (truncating a torn tail). Durable after `sync`.
    fn set_len(&mut self, len: u64) -> io::Result<()>;
    /// The file's current length.
    fn file_len(&self) -> io::Result<u64>;
    /// Hands the written bytes `[offset, offset + len)` to the device now,
    /// without waiting for them, and returns once the device has taken the
    /// range handed to it by the previous call. Durability is unchanged:
    /// only [`DiskFile::sync`] makes bytes durable, and this issues no
    /// cache flush.
    ///
    /// Why: a large file written without it reaches the device in one burst
    /// at `sync`, and another file's `sync` (the txn log's, which every
    /// acknowledged write waits for) queues behind the whole burst. Called
    /// every few hundred KiB, it keeps at most two such pieces in flight and
    /// paces the writer to the device. A disk with no such notion (the
    /// fake) does nothing.
    fn write_behind(&mut self, offset: u64, len: u64) -> io::Result<()> {
        let _ = (offset, len);
        Ok(())
    }
}

/// A directory tree storage reads and writes. Paths are absolute or
/// relative to the process's working directory, as `std::fs` takes them.
pub trait Disk: Send + Sync + Debug + 'static {
    /// Creates `dir` and its missing parents; durable once returned.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Names (not paths) of the regular files in `dir`, in no particular
    /// order.
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// The whole content of `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// `path`'s content a piece at a time, for a file read once in order
    /// and not written meanwhile (a snapshot at start-up). The real disk
    /// reads it on a thread of its own, ahead of the decoder and around the
    /// page cache (see `readahead.rs`).
    fn read_pieces(&self, path: &Path) -> io::Result<crate::Pieces> {
        Ok(crate::Pieces::in_memory(
            Bytes::from(self.read(path)?),
            64 << 10,
        ))
    }
    /// At most the first `n` bytes of `path` (fewer if it is shorter).
    /// Checking a file's magic must not read a whole snapshot.
    fn read_head(&self, path: &Path, n: usize) -> io::Result<Vec<u8>> {
        let mut all = self.read(path)?;
        all.truncate(n);
        Ok(all)
    }
    /// At most the last `n` bytes of `path` (all of it if it is shorter).
    fn read_tail(&self, path: &Path, n: usize) -> io::Result<Vec<u8>> {
        let all = self.read(path)?;
        Ok(all[all.len().saturating_sub(n)..].to_vec())
    }
    /// Where `path`'s data can end: every byte from
    /// [`DataExtent::data_end`] to [`DataExtent::len`] reads as zero.
    /// Recovery reads only that far into a txn log, most of which is
    /// preallocated and never written; a file system with holes answers
    /// without reading them. Any `data_end` at or after the last non-zero
    /// byte is correct, the file's length included.
    fn data_extent(&self, path: &Path) -> io::Result<DataExtent> {
        let all = self.read(path)?;
        Ok(DataExtent {
            data_end: all.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1) as u64,
            len: all.len() as u64,
        })
    }
    /// Creates `path`, which must not exist, empty and open for writing.
    /// Its directory entry is durable only after [`Disk::sync_dir`].
    fn create(&self, path: &Path) -> io::Result<Box<dyn DiskFile>>;
    /// Creates `path` like [`Disk::create`], for a file written in order
    /// from start to end and read only once synced (a snapshot): each
    /// write must begin where the last one ended (others may fail with
    /// `InvalidInput`), and bytes written since the last sync may not be
    /// visible to readers yet. The real disk writes such a file around the
    /// page cache where the file system allows it (see `direct.rs` for
    /// why); the fake treats it as any other file.
    fn create_sequential(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        self.create(path)
    }
    /// Opens the existing `path` for writing (to truncate a torn tail).
    fn open_write(&self, path: &Path) -> io::Result<Box<dyn DiskFile>>;
    /// Renames `from` to `to`, replacing `to`; durable after `sync_dir`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes the file `path`; durable after `sync_dir`.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Makes `dir`'s entries (creations, renames, removals) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// What [`Disk::data_extent`] found: a file of `len` bytes whose bytes
/// from `data_end` on are all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataExtent {
    /// No non-zero byte lies at or after this offset (at most `len`).
    pub data_end: u64,
    /// The file's length.
    pub len: u64,
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsDisk;

#[derive(Debug)]
struct FsFile {
    file: File,
    path: PathBuf,
    /// The range the last [`DiskFile::write_behind`] handed to the device.
    behind: Option<(u64, u64)>,
}

impl DiskFile for FsFile {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    fn file_len(&self) -> io::Result<u64> {
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))
    }

    fn write_behind(&mut self, offset: u64, len: u64) -> io::Result<()> {
        crate::writeback::start(&self.file, offset, len)?;
        if let Some((off, n)) = self.behind.replace((offset, len)) {
            crate::writeback::wait(&self.file, off, n)?;
        }
        Ok(())
    }
}

impl Disk for FsDisk {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        // The directories that do not exist yet, deepest first.
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .collect();
        fs::create_dir_all(dir)?;
        // The trait promises durability on return: a new directory survives
        // power loss only once its entry in its parent does, so each new
        // directory's parent is synced.
        for d in missing {
            let parent = match d.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            self.sync_dir(parent)?;
        }
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                if let Some(name) = entry.file_name().to_str() {
                    names.push(name.to_owned());
                }
            }
        }
        Ok(names)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn read_pieces(&self, path: &Path) -> io::Result<crate::Pieces> {
        crate::Pieces::read_ahead(path)
    }

    fn read_head(&self, path: &Path, n: usize) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let file = File::open(path)?;
        // Sized from the file's length, so that reading the head of a
        // large file is one allocation rather than a doubling series.
        let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
        let mut buf = Vec::with_capacity(n.min(len));
        file.take(n as u64).read_to_end(&mut buf)?;
        Ok(buf)
    }

    fn data_extent(&self, path: &Path) -> io::Result<DataExtent> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(DataExtent {
            data_end: end_of_data(&file, len)?,
            len,
        })
    }

    fn read_tail(&self, path: &Path, n: usize) -> io::Result<Vec<u8>> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let start = len.saturating_sub(n as u64);
        let mut buf = vec![0; usize::try_from(len - start).unwrap_or(0)];
        file.read_exact_at(&mut buf, start)?;
        Ok(buf)
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(Box::new(FsFile {
            file,
            path: path.to_owned(),
            behind: None,
        }))
    }

    fn create_sequential(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        // Readable too: cutting such a file reads its last block back.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)?;
        Ok(Box::new(SequentialFile::new(file, path.to_owned(), true)))
    }

    fn open_write(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        let file = OpenOptions::new().write(true).open(path)?;
        Ok(Box::new(FsFile {
            file,
            path: path.to_owned(),
            behind: None,
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        // Opening a directory read-only and fsyncing it is how POSIX makes
        // its entries durable.
        File::open(dir)?.sync_all()
    }
}

/// The end of the last data region of `file` (of length `len`), from
/// `SEEK_DATA`/`SEEK_HOLE`: holes read as zeros, so nothing non-zero lies
/// past it. A file system without hole support reports the whole file as
/// data (the kernel's generic answer), which is also correct.
fn end_of_data(file: &File, len: u64) -> io::Result<u64> {
    use rustix::fs::{seek, SeekFrom};
    use rustix::io::Errno;
    let mut end = 0;
    let mut pos = 0;
    while pos < len {
        let data = match seek(file, SeekFrom::Data(pos)) {
            Ok(d) => d,
            // Only holes from `pos` to the end.
            Err(Errno::NXIO) => break,
            // Seeking by data and holes is not supported here: treat the
            // whole file as data.
            Err(Errno::INVAL | Errno::OPNOTSUPP) => return Ok(len),
            Err(e) => return Err(e.into()),
        };
        let hole = seek(file, SeekFrom::Hole(data))?;
        end = hole.min(len);
        pos = hole.max(pos + 1);
    }
    Ok(end)
}
