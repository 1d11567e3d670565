//! [`Pieces`]: a file handed to a decoder a piece at a time
//! ([`Disk::read_pieces`]), read on the real disk by a thread running
//! ahead of the decoder, around the page cache.
//!
//! Why: a snapshot of a million znodes is about 200 MB. Read whole, it
//! needs a 200 MB buffer that lives only while the tree is built, and on
//! the VM this project is measured on every newly touched page is costly
//! (the guest gives free memory back to the host, and taking it again
//! ran at 0.7–4 GB/s): the buffer's first touch was about a fifth of a
//! restart's time. Read in pieces into a few reused buffers, the file
//! costs a few megabytes of memory, and the thread reads the next piece
//! from the device while the decoder works on the last one.
//!
//! [`Disk::read_pieces`]: crate::Disk::read_pieces

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::{Bytes, BytesMut};
use rzk_proto::disk::{MemorySource, SnapshotSource};

use crate::direct::{is_direct, set_direct, ALIGN};

/// Bytes per read: large enough for the device to stream, small enough
/// that the buffers cost little.
pub(crate) const READ_AHEAD_PIECE: usize = 4 << 20;

/// Buffers the reading thread may hold: one being read into, one waiting
/// for the decoder, one being copied out of.
const BUFFERS: usize = 3;

/// A file handed over a piece at a time ([`SnapshotSource`]), with the
/// failure that stopped it early, if any.
///
/// Guarantees: the pieces, appended in order, are exactly the file's bytes
/// from its start; they stop early only on a read failure, which
/// [`Pieces::failure`] then returns.
pub struct Pieces {
    source: Box<dyn SnapshotSource + Send>,
    failure: ReadFailure,
    file_len: u64,
}

impl Pieces {
    /// Hands over `file` (already in memory) in pieces of `piece` bytes.
    pub fn in_memory(file: Bytes, piece: usize) -> Self {
        Self {
            file_len: file.len() as u64,
            source: Box::new(MemorySource::new(file, piece)),
            failure: ReadFailure::default(),
        }
    }

    /// Reads `path` on a thread of its own, around the page cache where
    /// the file system allows it. The file must not change while it is
    /// read (a published snapshot): a file that ends before the length it
    /// had when opened is a failure.
    pub fn read_ahead(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        set_direct(&file, true);
        let failure = ReadFailure::default();
        let (filled_tx, filled) = mpsc::sync_channel(1);
        let (free, free_rx) = mpsc::channel();
        let reader = Reader {
            file,
            path: path.to_owned(),
            len,
            filled: filled_tx,
            free: free_rx,
            made: 0,
            failure: failure.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("rzk-readahead".into())
            .spawn(move || reader.run())?;
        Ok(Self {
            source: Box::new(ReadAhead {
                filled: Some(filled),
                free: Some(free),
                thread: Some(thread),
            }),
            failure,
            file_len: len,
        })
    }

    /// The file's length when it was opened.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// What stopped the pieces early: `None` if they have not stopped or
    /// reached the end of the file.
    pub fn failure(&self) -> ReadFailure {
        self.failure.clone()
    }

    /// The source, for a decoder to take.
    pub fn into_source(self) -> Box<dyn SnapshotSource + Send> {
        self.source
    }
}

impl std::fmt::Debug for Pieces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pieces")
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

/// Where a [`Pieces`] keeps the error that stopped it, readable after the
/// source has been handed to a decoder.
#[derive(Debug, Clone, Default)]
pub struct ReadFailure(Arc<Mutex<Option<io::Error>>>);

impl ReadFailure {
    /// The error, once (later calls return `None`).
    pub fn take(&self) -> Option<io::Error> {
        self.0.lock().ok().and_then(|mut e| e.take())
    }

    fn set(&self, e: io::Error) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(e);
        }
    }
}

/// A buffer the thread filled: `mem[at..at + len]`.
struct Filled {
    mem: Vec<u8>,
    at: usize,
    len: usize,
}

/// The decoder's end. Dropping it ends the thread (and waits for it), so
/// no read outlives the decoding it was for.
struct ReadAhead {
    filled: Option<Receiver<Filled>>,
    free: Option<Sender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl SnapshotSource for ReadAhead {
    fn read_piece(&mut self, out: &mut BytesMut) -> bool {
        let Some(filled) = &self.filled else {
            return false;
        };
        match filled.recv() {
            Ok(f) => {
                out.extend_from_slice(&f.mem[f.at..f.at + f.len]);
                if let Some(free) = &self.free {
                    // The thread may have finished; then the buffer just goes.
                    let _ = free.send(f.mem);
                }
                true
            }
            // The thread ended: the end of the file, or a failure it kept.
            Err(_) => false,
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // With both channels closed, the thread's next send or wait for a
        // buffer fails and it returns; a read in progress finishes first.
        self.filled = None;
        self.free = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The reading thread's end.
struct Reader {
    file: File,
    path: PathBuf,
    len: u64,
    filled: SyncSender<Filled>,
    free: Receiver<Vec<u8>>,
    made: usize,
    failure: ReadFailure,
}

impl Reader {
    fn run(mut self) {
        let mut offset = 0u64;
        while offset < self.len {
            let Some(mut mem) = self.buffer() else {
                return; // the decoder stopped early
            };
            let at = mem.as_ptr().align_offset(ALIGN).min(ALIGN);
            let want = (self.len - offset).min(READ_AHEAD_PIECE as u64) as usize;
            match self.read_piece(&mut mem[at..], offset, want) {
                Ok(()) => {}
                Err(e) => {
                    self.failure.set(e);
                    return;
                }
            }
            offset += want as u64;
            if self.filled.send(Filled { mem, at, len: want }).is_err() {
                return;
            }
        }
    }

    /// A free buffer: a returned one, or a new one while fewer than
    /// [`BUFFERS`] exist; `None` if the decoder has gone.
    fn buffer(&mut self) -> Option<Vec<u8>> {
        if let Ok(mem) = self.free.try_recv() {
            return Some(mem);
        }
        if self.made < BUFFERS {
            self.made += 1;
            // Room to align the start and to read the last block whole.
            return Some(vec![0; READ_AHEAD_PIECE + 2 * ALIGN]);
        }
        self.free.recv().ok()
    }

    /// Reads `want` bytes at `offset` into `mem` (aligned, with room for
    /// `want` rounded up to a block). Direct reads take whole blocks, so
    /// the last one asks for more than the file holds and comes back short.
    fn read_piece(&mut self, mem: &mut [u8], offset: u64, want: usize) -> io::Result<()> {
        let mut got = 0;
        while got < want {
            let ask = (want - got).next_multiple_of(ALIGN);
            match self
                .file
                .read_at(&mut mem[got..got + ask], offset + got as u64)
            {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "{}: read {} bytes of {}; the file changed while it was read",
                            self.path.display(),
                            offset + got as u64,
                            self.len
                        ),
                    ))
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Refused here (alignment, or a file system that took the
                // flag but not the read): go on with ordinary reads.
                Err(e) if e.kind() == io::ErrorKind::InvalidInput && is_direct(&self.file) => {
                    set_direct(&self.file, false);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 253) as u8 + 1).collect()
    }

    fn all(p: Pieces) -> (Vec<u8>, usize) {
        let mut source = p.into_source();
        let mut out = BytesMut::new();
        let mut pieces = 0;
        while source.read_piece(&mut out) {
            pieces += 1;
        }
        (out.to_vec(), pieces)
    }

    #[test]
    fn read_ahead_hands_over_exactly_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        for len in [
            0,
            1,
            4095,
            4097,
            READ_AHEAD_PIECE,
            READ_AHEAD_PIECE + 1,
            5 * READ_AHEAD_PIECE - 5,
        ] {
            let path = tmp.path().join(format!("f{len}"));
            let bytes = pattern(len);
            std::fs::write(&path, &bytes).unwrap();
            let p = Pieces::read_ahead(&path).unwrap();
            let failure = p.failure();
            let (got, pieces) = all(p);
            assert!(got == bytes, "{len} bytes read back differently");
            assert_eq!(pieces, len.div_ceil(READ_AHEAD_PIECE), "{len} bytes");
            assert!(failure.take().is_none());
        }
        let e = Pieces::read_ahead(&tmp.path().join("missing")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn a_file_cut_while_read_ends_early_with_the_failure_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        std::fs::write(&path, pattern(3 * READ_AHEAD_PIECE)).unwrap();
        let p = Pieces::read_ahead(&path).unwrap();
        let failure = p.failure();
        // Cut before the thread can have read past its third buffer.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(10)
            .unwrap();
        let (got, _) = all(p);
        assert!(got.len() < 3 * READ_AHEAD_PIECE);
        let e = failure.take().expect("the cut is reported");
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert!(e.to_string().contains("changed while it was read"), "{e}");
    }

    #[test]
    fn a_decoder_that_stops_early_ends_the_thread() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        std::fs::write(&path, pattern(8 * READ_AHEAD_PIECE)).unwrap();
        let p = Pieces::read_ahead(&path).unwrap();
        let failure = p.failure();
        let mut source = p.into_source();
        let mut out = BytesMut::new();
        assert!(source.read_piece(&mut out));
        assert_eq!(out.len(), READ_AHEAD_PIECE);
        // Returns once the thread has ended (it would hang otherwise),
        // without calling the early end a failure.
        drop(source);
        assert!(failure.take().is_none());
    }

    #[test]
    fn in_memory_pieces_are_the_bytes_in_order() {
        let bytes = pattern(1000);
        let (got, pieces) = all(Pieces::in_memory(Bytes::from(bytes.clone()), 300));
        assert_eq!(got, bytes);
        assert_eq!(pieces, 4);
    }
}
