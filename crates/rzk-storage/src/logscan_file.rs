//! Reading one txn log file and judging how its entries end: cleanly, in
//! a tail a crash can leave, or in damage a crash cannot explain.
//!
//! # Torn or corrupt?
//!
//! The writer (`txnlog`) only ever writes past its last committed entry,
//! into zeros, and a crash (as `SimDisk` models it) keeps a prefix of the
//! unsynced writes and damages at most the first one it did not finish:
//! that write's prefix, then at most [`TORN_WRITE_JUNK`] bytes of junk,
//! then the zeros or end of file that were there before. So after the
//! first bad entry at offset `o` of a crashed log, the only non-zero bytes
//! are the start of that one entry and the junk after it. Hence:
//!
//! * The bytes after the last whole entry are all zero (or there are none)
//!   → a **clean** end: preallocation, or a commit lost whole.
//! * Non-zero bytes reach farther than one entry plus junk can
//!   ([`MAX_TORN_REACH`] past `o`), or a whole, checksummed entry starts
//!   anywhere after `o` → **corrupt**: something written after the damaged
//!   bytes survived, which no crash can produce, so the damage hit bytes
//!   that were once good (bit rot, a bug). A corrupted length, zeroed
//!   length or flipped checksum in the middle of a log all land here.
//! * Otherwise → **torn**: whatever is wrong at `o` (incomplete entry,
//!   wrong end-of-record byte, garbage length, even a whole entry with a
//!   wrong checksum, which junk over a record's tail produces once in 256
//!   tears) is what a crash leaves.
//!
//! What this cannot tell apart: damage to the very last entry of a log,
//! with nothing but zeros after it. A crash produces that, and so does bit
//! rot in the last committed entry; recovery treats it as torn, as it must
//! to restart after every plain crash. ZooKeeper refuses a checksum
//! mismatch anywhere; rzk accepts exactly the ones a crash can leave.
//!
//! The model assumes a disk does not persist a later unsynced write while
//! losing an earlier one in the same file. A real kernel may write back
//! pages out of order; the result (a hole of zeros, then entries that were
//! never committed) is refused as corrupt, never silently dropped.

use bytes::Bytes;
use rzk_proto::disk::{
    LogEnd, TxnLogDecoder, TxnLogEntry, END_OF_RECORD, ENTRY_OVERHEAD, FILE_HEADER_LEN,
    TXNLOG_MAGIC,
};
use rzk_proto::jute::{DecodeError, DecodeErrorKind};

use crate::error::{LogDamage, NotTorn};

/// The largest txn the reader accepts: ZooKeeper's default `jute.maxbuffer`
/// plus the same again as extra allowance, as `TxnLogDecoder::new` uses.
pub const MAX_TXN_LEN: usize = rzk_proto::jute::DEFAULT_MAX_BUFFER * 2;

/// The most junk a torn write leaves after the bytes it did write: one
/// 4 KiB block, the sector size of current drives and the page size the
/// kernel writes back. The torn-or-corrupt rule below depends on it, and
/// `SimDisk` tears writes within it.
pub(crate) const TORN_WRITE_JUNK: usize = 4096;

/// How far past the start of a torn entry (or of a file whose header was
/// torn) a crash can leave non-zero bytes: a header, the largest entry,
/// and the junk a torn write may leave.
pub(crate) const MAX_TORN_REACH: usize =
    FILE_HEADER_LEN + ENTRY_OVERHEAD + MAX_TXN_LEN + TORN_WRITE_JUNK;

/// One log file, read.
#[derive(Debug)]
pub(crate) struct FileScan {
    /// The whole entries, checksums verified, in file order.
    pub(crate) entries: Vec<TxnLogEntry>,
    /// Offset just past the last whole entry (16 if there is none, 0 if
    /// the header is bad).
    pub(crate) end: u64,
    /// What follows `end`.
    pub(crate) tail: Tail,
}

/// What follows the last whole entry of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tail {
    /// Only zeros, or nothing.
    Clean,
    /// Damage at `end` that a crash can leave.
    Torn(LogDamage),
    /// Damage at `end` that no crash leaves, and the evidence.
    Corrupt(LogDamage, NotTorn),
}

/// Reads `file`: its header, its whole entries and how they end. Fails
/// only on decoder errors the format rules out (damaged entries are
/// reported in [`FileScan::tail`], not as errors).
pub(crate) fn scan_file(file: &Bytes) -> Result<FileScan, DecodeError> {
    let header_damage = match file.get(..4) {
        _ if file.len() < FILE_HEADER_LEN => Some(LogDamage::ShortHeader {
            len: file.len() as u64,
        }),
        Some(&[a, b, c, d]) => {
            let magic = i32::from_be_bytes([a, b, c, d]);
            (magic != TXNLOG_MAGIC).then_some(LogDamage::BadMagic { magic })
        }
        _ => None,
    };
    if let Some(damage) = header_damage {
        // A log must have a header: even an all-zero file is damaged.
        return Ok(FileScan {
            entries: Vec::new(),
            end: 0,
            tail: judge(file, 0, damage),
        });
    }

    let mut decoder = TxnLogDecoder::with_max_len(file.clone(), MAX_TXN_LEN)?;
    let mut entries: Vec<TxnLogEntry> = Vec::new();
    let (end, damage) = loop {
        match decoder.next_entry() {
            Ok(Some(e)) => entries.push(e),
            Ok(None) => {
                break match decoder.end() {
                    Some(LogEnd::Eof { offset }) => (offset, None),
                    Some(LogEnd::Padding { offset }) => (offset, Some(LogDamage::ZeroLength)),
                    Some(LogEnd::TornTail { offset, reason }) => {
                        (offset, Some(LogDamage::Torn(reason)))
                    }
                    // The decoder always says how it ended after `None`;
                    // should it not, the end of the last entry is where
                    // the whole entries provably stop.
                    None => (
                        entries
                            .last()
                            .map_or(FILE_HEADER_LEN, |e| e.offset + ENTRY_OVERHEAD + e.txn.len()),
                        Some(LogDamage::ZeroLength),
                    ),
                };
            }
            Err(e) => break bad_entry(e)?,
        }
    };
    let tail = match damage {
        Some(d) if file[end..].iter().any(|&b| b != 0) => judge(file, end, d),
        _ => Tail::Clean,
    };
    Ok(FileScan {
        entries,
        end: end as u64,
        tail,
    })
}

/// The entry offset and damage of a decoder error about one entry; other
/// errors are passed on.
fn bad_entry(e: DecodeError) -> Result<(usize, Option<LogDamage>), DecodeError> {
    match e.kind {
        DecodeErrorKind::ChecksumMismatch { stored, computed } => Ok((
            e.offset,
            Some(LogDamage::ChecksumMismatch { stored, computed }),
        )),
        // Reported at the length field, 8 bytes into the entry.
        DecodeErrorKind::LengthOutOfRange { len, .. } if e.offset >= 8 => {
            Ok((e.offset - 8, Some(LogDamage::LengthOutOfRange { len })))
        }
        _ => Err(e),
    }
}

/// Torn or corrupt, for damage `damage` at offset `at` (module docs).
fn judge(file: &[u8], at: usize, damage: LogDamage) -> Tail {
    let Some(last) = file.iter().rposition(|&b| b != 0) else {
        return Tail::Torn(damage);
    };
    if last < at {
        return Tail::Torn(damage);
    }
    if last - at >= MAX_TORN_REACH {
        return Tail::Corrupt(
            damage,
            NotTorn::DataFollows {
                until: last as u64 + 1,
            },
        );
    }
    // Any entry after the damage lies wholly within at+1..=last.
    match whole_entry_in(&file[at + 1..=last]) {
        Some(q) => Tail::Corrupt(
            damage,
            NotTorn::EntryFollows {
                offset: (at + 1 + q) as u64,
            },
        ),
        None => Tail::Torn(damage),
    }
}

/// The first offset where a whole entry lies within `region`: upper
/// checksum half zero, length in `1..=MAX_TXN_LEN`, the end-of-record byte
/// in place, and a matching Adler-32.
///
/// Every offset is a candidate, so Adler-32 is taken from prefix sums in
/// constant time per candidate: the search is linear however the bytes
/// are arranged (`region` is shorter than [`MAX_TORN_REACH`]).
fn whole_entry_in(region: &[u8]) -> Option<usize> {
    let mut sums: Option<AdlerSums> = None;
    for q in 0..region.len() {
        let Some(prefix) = region.get(q..q + 12) else {
            break;
        };
        if prefix[..4] != [0; 4] {
            continue;
        }
        let len = i32::from_be_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]);
        let Ok(len) = usize::try_from(len) else {
            continue;
        };
        if len == 0 || len > MAX_TXN_LEN {
            continue;
        }
        let eor = q + 12 + len;
        if region.get(eor) != Some(&END_OF_RECORD) {
            continue;
        }
        let stored = u32::from_be_bytes([prefix[4], prefix[5], prefix[6], prefix[7]]);
        let sums = sums.get_or_insert_with(|| AdlerSums::new(region));
        if sums.adler32(q + 12, eor) == stored {
            return Some(q);
        }
    }
    None
}

/// Prefix sums of a byte slice from which the Adler-32 of any sub-slice
/// follows in constant time: for bytes `b[i..j]` (n of them),
/// `A = 1 + Σ b[k]` and `B = n + Σ (j - k)·b[k]`, both mod 65521.
struct AdlerSums {
    /// `plain[i]` = Σ b[k] for k < i.
    plain: Vec<u64>,
    /// `weighted[i]` = Σ k·b[k] for k < i.
    weighted: Vec<u64>,
}

impl AdlerSums {
    const MOD: u64 = 65521;

    fn new(bytes: &[u8]) -> Self {
        // Bounded by MAX_TORN_REACH (a few MiB) times 255: the weighted
        // sum stays far below u64::MAX.
        let mut plain = Vec::with_capacity(bytes.len() + 1);
        let mut weighted = Vec::with_capacity(bytes.len() + 1);
        let (mut p, mut w) = (0u64, 0u64);
        plain.push(0);
        weighted.push(0);
        for (k, &b) in bytes.iter().enumerate() {
            p += u64::from(b);
            w += k as u64 * u64::from(b);
            plain.push(p);
            weighted.push(w);
        }
        Self { plain, weighted }
    }

    fn adler32(&self, i: usize, j: usize) -> u32 {
        let n = (j - i) as u64;
        let sum = self.plain[j] - self.plain[i];
        let weighted = self.weighted[j] - self.weighted[i];
        let a = (1 + sum) % Self::MOD;
        // Σ (j - k)·b[k] = j·Σ b[k] − Σ k·b[k]; non-negative since k < j.
        let b = (n + j as u64 * sum - weighted) % Self::MOD;
        ((b << 16) | a) as u32
    }
}

#[cfg(test)]
#[path = "logscan_file_tests.rs"]
mod tests;
