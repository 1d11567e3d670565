//! A file written in order from start to end, around the page cache where
//! the file system allows it (`O_DIRECT`), for [`crate::Disk::create_sequential`].
//!
//! Why: a snapshot is hundreds of megabytes written once and read back only
//! at the next start. Through the page cache every byte is first copied
//! into newly allocated cache pages. On the VM this project is measured on,
//! where the guest hands free memory back to the host, that copy ran at
//! about 600 MB/s and was 12% of the server's CPU samples during 8×16
//! durable creates, and the dirty pages reached the disk in bursts that the txn
//! log's syncs queued behind. Written directly, the bytes go from one
//! reused aligned buffer to the device in pieces of [`PIECE`] bytes, and
//! each write returns once the device has them, which paces the writer
//! without a separate write-behind.
//!
//! The other half is in `readahead.rs`: a snapshot read at start-up goes
//! from the device in pieces, without first filling the page cache (which
//! the write above left cold). An uncached file read through the cache
//! came off this VM's disk at about 650 MB/s, directly at 2 GB/s (dd); the
//! 1M-znode restart after direct writes took 1.2–2.0 s with buffered reads
//! of its snapshot and 0.7–0.8 s with direct ones.
//!
//! Durability is unchanged: only [`DiskFile::sync`] makes bytes durable (a
//! direct write does not flush the device's cache). Bytes written since the
//! last full piece stay in the buffer until the next piece fills or `sync`,
//! so a reader may not see them before.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use crate::disk::DiskFile;

/// Offsets, lengths and the buffer's address are kept multiples of this,
/// as direct I/O requires: 4096 covers every logical block size in use
/// (512 and 4096).
pub(crate) const ALIGN: usize = 4096;

/// Bytes per write to the device. Small enough that a txn log sync queued
/// behind one waits a fraction of a millisecond, large enough that a
/// million-node snapshot takes under a thousand writes.
pub(crate) const PIECE: usize = 256 << 10;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct SequentialFile {
    file: File,
    path: PathBuf,
    /// `PIECE + ALIGN` bytes; the aligned window is `mem[at..at + PIECE]`.
    mem: Vec<u8>,
    at: usize,
    /// Bytes of the window holding data.
    staged: usize,
    /// The file offset of the window's first byte (a multiple of `ALIGN`).
    /// The file's length as written so far is `base + staged`.
    base: u64,
}

impl SequentialFile {
    /// Wraps `file` (new and empty, opened for reading and writing), asking
    /// for direct I/O when `direct` is set; a file system that cannot do it
    /// gets ordinary buffered writes, which are as correct.
    pub(crate) fn new(file: File, path: PathBuf, direct: bool) -> Self {
        if direct {
            set_direct(&file, true);
        }
        let mem = vec![0; PIECE + ALIGN];
        // A u8 pointer can always be aligned; the fallback keeps this
        // total, and an unaligned buffer only costs the direct path (the
        // kernel refuses it and `write_window` falls back to buffered).
        let at = mem.as_ptr().align_offset(ALIGN).min(ALIGN);
        Self {
            file,
            path,
            mem,
            at,
            staged: 0,
            base: 0,
        }
    }

    fn len(&self) -> u64 {
        self.base + self.staged as u64
    }

    /// Writes the window's first `staged` bytes, padded with zeros to a
    /// whole block, at `base`. Returns whether padding was written past the
    /// data (the file must then be cut back to `len`).
    fn write_window(&mut self) -> io::Result<bool> {
        if self.staged == 0 {
            return Ok(false);
        }
        let padded = self.staged.next_multiple_of(ALIGN);
        self.mem[self.at + self.staged..self.at + padded].fill(0);
        let window = &self.mem[self.at..self.at + padded];
        match self.file.write_all_at(window, self.base) {
            // Direct I/O refused for this write (a file system with larger
            // blocks, or one that takes O_DIRECT at open but not here):
            // go on buffered.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput && is_direct(&self.file) => {
                set_direct(&self.file, false);
                self.file.write_all_at(window, self.base)?;
            }
            other => other?,
        }
        Ok(padded > self.staged)
    }

    /// Writes the partial window out padded and cuts the file back to its
    /// length; the window keeps its bytes, so a later write rewrites that
    /// block.
    fn write_out(&mut self) -> io::Result<()> {
        if self.write_window()? {
            self.file.set_len(self.len())?;
        }
        Ok(())
    }

    /// Writes out a full window and starts the next one.
    fn advance(&mut self) -> io::Result<()> {
        self.write_window()?;
        self.base += self.staged as u64;
        self.staged = 0;
        Ok(())
    }
}

impl DiskFile for SequentialFile {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()> {
        if offset != self.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{}: written in order only: a write at {offset} after {} bytes",
                    self.path.display(),
                    self.len()
                ),
            ));
        }
        let mut rest = buf;
        while !rest.is_empty() {
            let n = rest.len().min(PIECE - self.staged);
            let at = self.at + self.staged;
            self.mem[at..at + n].copy_from_slice(&rest[..n]);
            self.staged += n;
            rest = &rest[n..];
            if self.staged == PIECE {
                self.advance()?;
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        self.write_out()?;
        self.file.sync_data()
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.write_out()?;
        self.file.set_len(len)?;
        // Continue from the block holding the new end: read back its bytes
        // (zeros, if the file was extended) into the window.
        let block = ALIGN as u64;
        self.base = len / block * block;
        self.staged = usize::try_from(len - self.base).unwrap_or(0);
        let window = &mut self.mem[self.at..self.at + ALIGN];
        // Direct reads, like writes, take whole aligned blocks; the file
        // ends inside this one, so `staged` bytes come back.
        let got = loop {
            match self.file.read_at(window, self.base) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if got < self.staged {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{}: read {got} bytes back at {}, expected {}",
                    self.path.display(),
                    self.base,
                    self.staged
                ),
            ));
        }
        Ok(())
    }

    fn file_len(&self) -> io::Result<u64> {
        Ok(self.len())
    }
}

#[cfg(target_os = "linux")]
pub(crate) fn is_direct(file: &File) -> bool {
    rustix::fs::fcntl_getfl(file).is_ok_and(|f| f.contains(rustix::fs::OFlags::DIRECT))
}

/// Turns direct I/O on or off for `file`. Refused (a file system without
/// it) means buffered writes, which is what `false` asks for anyway.
#[cfg(target_os = "linux")]
pub(crate) fn set_direct(file: &File, on: bool) {
    use rustix::fs::OFlags;
    if let Ok(mut flags) = rustix::fs::fcntl_getfl(file) {
        flags.set(OFlags::DIRECT, on);
        let _ = rustix::fs::fcntl_setfl(file, flags);
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn is_direct(_: &File) -> bool {
    false
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn set_direct(_: &File, _: bool) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_file(dir: &std::path::Path, direct: bool) -> (SequentialFile, PathBuf) {
        let path = dir.join("snap");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .unwrap();
        (SequentialFile::new(file, path.clone(), direct), path)
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 253) as u8 + 1).collect()
    }

    /// Writes `bytes` in pieces of odd sizes, with a sync in the middle,
    /// and checks the file after each sync.
    fn round_trip(direct: bool) {
        let tmp = tempfile::tempdir().unwrap();
        let (mut f, path) = new_file(tmp.path(), direct);
        let bytes = pattern(3 * PIECE + 12_345);
        let half = PIECE + 777;
        let mut at = 0;
        for size in [1, 4095, 4097, 100_000, PIECE, 3] {
            if at >= half {
                break;
            }
            let end = (at + size).min(half);
            f.write_at(at as u64, &bytes[at..end]).unwrap();
            at = end;
        }
        f.write_at(at as u64, &bytes[at..half]).unwrap();
        f.sync().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes[..half]);
        assert_eq!(f.file_len().unwrap(), half as u64);
        // Appending after a sync rewrites the padded block correctly.
        f.write_at(half as u64, &bytes[half..]).unwrap();
        f.sync().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(f.file_len().unwrap(), bytes.len() as u64);
    }

    #[test]
    fn direct_writes_read_back_exactly() {
        round_trip(true);
    }

    #[test]
    fn buffered_writes_read_back_exactly() {
        round_trip(false);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn direct_io_is_asked_for_and_can_be_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let (f, _) = new_file(tmp.path(), true);
        // tmpfs before Linux 6.6 refuses O_DIRECT; then nothing to check.
        if is_direct(&f.file) {
            set_direct(&f.file, false);
            assert!(!is_direct(&f.file));
        }
        let other = tempfile::tempdir().unwrap();
        let (g, _) = new_file(other.path(), false);
        assert!(!is_direct(&g.file));
    }

    #[test]
    fn writes_out_of_order_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut f, _) = new_file(tmp.path(), true);
        f.write_at(0, b"abc").unwrap();
        let e = f.write_at(10, b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("written in order only"), "{e}");
        let e = f.write_at(0, b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn set_len_cuts_and_extends_then_writing_continues() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut f, path) = new_file(tmp.path(), true);
        let bytes = pattern(PIECE + 9000);
        f.write_at(0, &bytes).unwrap();
        f.set_len(5000).unwrap();
        assert_eq!(f.file_len().unwrap(), 5000);
        f.write_at(5000, b"tail").unwrap();
        f.sync().unwrap();
        let mut want = bytes[..5000].to_vec();
        want.extend_from_slice(b"tail");
        assert_eq!(std::fs::read(&path).unwrap(), want);
        f.set_len(10_000).unwrap();
        f.write_at(10_000, b"end").unwrap();
        f.sync().unwrap();
        want.resize(10_000, 0);
        want.extend_from_slice(b"end");
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }
}
