//! One simulated file's bytes, and the unsynced operations on them that a
//! crash may lose or tear.

use std::io;

use crate::logscan_file::TORN_WRITE_JUNK;
use crate::sim_rng::SimRng;

/// A file's content: `bytes`, then zeros up to `len`. Extending a file
/// (preallocation) only raises `len`, so a 64 MiB preallocated log costs
/// no memory until it is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Content {
    bytes: Vec<u8>,
    len: u64,
}

/// `offset` as an index, or the error a too-large offset gets.
fn to_index(offset: u64) -> io::Result<usize> {
    usize::try_from(offset).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("offset {offset} beyond what SimDisk can hold"),
        )
    })
}

impl Content {
    /// The file's length.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Writes `data` at `offset`, extending the file (with zeros between
    /// the old end and `offset`) as a POSIX `pwrite` does.
    pub(crate) fn write_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        let start = to_index(offset)?;
        let end = start
            .checked_add(data.len())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "write end overflows"))?;
        if self.bytes.len() < end {
            self.bytes.resize(end, 0);
        }
        self.bytes[start..end].copy_from_slice(data);
        // `end` came from a usize, which always fits in u64 here.
        self.len = self.len.max(end as u64);
        Ok(())
    }

    /// Sets the length: shrinking cuts, extending adds zeros.
    pub(crate) fn set_len(&mut self, len: u64) {
        if let Ok(keep) = usize::try_from(len) {
            self.bytes.truncate(keep);
        }
        self.len = len;
    }

    /// XORs the byte at `offset` with `mask`; `false` if `offset` is past
    /// the end.
    pub(crate) fn xor_at(&mut self, offset: u64, mask: u8) -> bool {
        let Ok(at) = usize::try_from(offset) else {
            return false;
        };
        if offset >= self.len {
            return false;
        }
        if self.bytes.len() <= at {
            self.bytes.resize(at + 1, 0);
        }
        self.bytes[at] ^= mask;
        true
    }

    /// The whole content.
    pub(crate) fn to_vec(&self) -> io::Result<Vec<u8>> {
        let mut out = self.bytes.clone();
        out.resize(to_index(self.len)?, 0);
        Ok(out)
    }
}

/// A change made since the file was last synced.
#[derive(Debug, Clone)]
pub(crate) enum PendingOp {
    /// `write_at(offset, data)`.
    Write {
        /// Where.
        offset: u64,
        /// What.
        data: Vec<u8>,
    },
    /// `set_len(len)`.
    SetLen(u64),
}

impl PendingOp {
    /// Applies the whole operation. Only called on operations that already
    /// succeeded once on the current content, so it cannot fail.
    pub(crate) fn apply(&self, c: &mut Content) {
        match self {
            Self::Write { offset, data } => {
                // Same offset and data succeeded before.
                let _ = c.write_at(*offset, data);
            }
            Self::SetLen(len) => c.set_len(*len),
        }
    }
}

/// A file as the simulated machine sees it: the current content (what
/// reads return) and the content as of the last sync, with the operations
/// in between kept in order so a crash can replay some of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inode {
    /// What reads see.
    pub(crate) current: Content,
    /// What survives any crash.
    pub(crate) durable: Content,
    /// Operations since the last sync, oldest first.
    pub(crate) pending: Vec<PendingOp>,
}

impl Inode {
    /// Records an operation already applied to `current`.
    pub(crate) fn record(&mut self, op: PendingOp) {
        self.pending.push(op);
    }

    /// `fdatasync`: everything so far is durable.
    pub(crate) fn sync(&mut self) {
        for op in self.pending.drain(..) {
            op.apply(&mut self.durable);
        }
    }

    /// The content after a power loss, chosen by `rng`: the synced content
    /// plus the first `k` unsynced operations (any `k`, including none and
    /// all), and possibly the next one torn — a write keeps any prefix of
    /// its bytes followed by up to [`TORN_WRITE_JUNK`] bytes of zeros or
    /// random garbage. Nothing after the torn operation survives.
    ///
    /// This is the model storage's crash argument rests on: the disk keeps
    /// unsynced writes in order, and only the first one it did not finish
    /// can be damaged.
    pub(crate) fn crashed(&self, rng: &mut SimRng) -> Content {
        let mut c = self.durable.clone();
        let kept = rng.index(self.pending.len() + 1);
        for op in &self.pending[..kept] {
            op.apply(&mut c);
        }
        if let Some(PendingOp::Write { offset, data }) = self.pending.get(kept) {
            if !data.is_empty() && rng.chance(1, 2) {
                tear(&mut c, *offset, data, rng);
            }
        }
        c
    }
}

/// Applies a prefix of the write `data` at `offset`, then a short run of
/// zeros or garbage where the rest should have gone.
fn tear(c: &mut Content, offset: u64, data: &[u8], rng: &mut SimRng) {
    let kept = rng.index(data.len());
    let mut torn = data[..kept].to_vec();
    let room = (data.len() - kept).min(TORN_WRITE_JUNK);
    match rng.below(3) {
        0 => {}
        1 => torn.resize(kept + 1 + rng.index(room), 0),
        _ => {
            let mut garbage = vec![0; 1 + rng.index(room)];
            rng.fill(&mut garbage);
            torn.extend_from_slice(&garbage);
        }
    }
    // The same offset took the whole write before; a prefix fits too.
    let _ = c.write_at(offset, &torn);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_tail_reads_as_zeros_and_shrinks() {
        let mut c = Content::default();
        c.write_at(2, b"ab").unwrap();
        c.set_len(10);
        assert_eq!(c.to_vec().unwrap(), b"\0\0ab\0\0\0\0\0\0");
        c.set_len(3);
        assert_eq!(c.to_vec().unwrap(), b"\0\0a");
        c.set_len(5);
        assert_eq!(c.to_vec().unwrap(), b"\0\0a\0\0");
        assert!(c.xor_at(4, 0xff));
        assert!(!c.xor_at(5, 0xff));
        assert_eq!(c.to_vec().unwrap(), b"\0\0a\0\xff");
    }

    #[test]
    fn a_crash_keeps_a_prefix_of_the_unsynced_ops_and_tears_at_most_one() {
        let mut ino = Inode::default();
        ino.current.write_at(0, b"synced").unwrap();
        ino.record(PendingOp::Write {
            offset: 0,
            data: b"synced".to_vec(),
        });
        ino.sync();
        let writes: [&[u8]; 3] = [b"-one", b"-two", b"-three"];
        let mut at = 6;
        for w in writes {
            ino.current.write_at(at, w).unwrap();
            ino.record(PendingOp::Write {
                offset: at,
                data: w.to_vec(),
            });
            at += w.len() as u64;
        }
        let full = ino.current.to_vec().unwrap();
        let mut outcomes = std::collections::BTreeSet::new();
        for seed in 0..500 {
            let after = ino.crashed(&mut SimRng::new(seed)).to_vec().unwrap();
            assert!(after.starts_with(b"synced"), "seed {seed}");
            // Whole earlier writes, then at most one damaged stretch of at
            // most the rest of the file's intended length.
            let same = after.iter().zip(&full).take_while(|(a, b)| a == b).count();
            assert!(after.len() <= full.len(), "seed {seed}");
            outcomes.insert((same, after.len()));
        }
        // Lost everything unsynced, kept everything, and torn states all occur.
        assert!(outcomes.contains(&(6, 6)));
        assert!(outcomes.contains(&(full.len(), full.len())));
        assert!(outcomes.iter().any(|&(same, len)| same < len));
    }
}
