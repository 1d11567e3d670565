//! Txn-log files (`p/FileTxnLog`, PROTOCOL.md §6.2): a [`FileHeader`] with
//! magic `ZKLG`, then entries of `checksum:long`, `txn:buffer` and the
//! end-of-record byte `0x42`, then (usually) preallocated zeros.
//!
//! The txn bytes stay opaque here; module `txn` decodes them.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{FileHeader, TXNLOG_MAGIC};
use crate::jute::{DecodeErrorKind, DecodeResult, Jute, Reader, DEFAULT_MAX_BUFFER};

/// The byte that closes every entry (`'B'`).
pub const END_OF_RECORD: u8 = 0x42;

/// Bytes an entry adds around its txn: checksum (8), length (4), EOR (1).
pub const ENTRY_OVERHEAD: usize = 13;

/// Bytes before an entry's txn: checksum (8) and length (4).
const ENTRY_PREFIX: usize = 12;

/// The checksum stored before a txn: Adler32 of the txn bytes only (not the
/// length or the EOR byte), widened to a long whose upper 32 bits are 0.
pub fn txn_checksum(txn: &[u8]) -> i64 {
    i64::from(adler2::adler32_slice(txn))
}

/// Appends one log entry holding `txn`; exactly [`ENTRY_OVERHEAD`] +
/// `txn.len()` bytes, identical to what `FileTxnLog.append` writes.
///
/// `txn` must be non-empty and at most `i32::MAX` bytes: a zero length
/// reads back as the end of the log (ZooKeeper never writes one).
pub fn encode_entry<B: BufMut>(txn: &[u8], out: &mut B) {
    debug_assert!(!txn.is_empty(), "an empty txn reads back as end of log");
    out.put_i64(txn_checksum(txn));
    // A jute buffer; a length past i32::MAX cannot be decoded anyway, so it
    // is clamped (as `Jute` does) rather than wrapped.
    out.put_i32(i32::try_from(txn.len()).unwrap_or(i32::MAX));
    out.put_slice(txn);
    out.put_u8(END_OF_RECORD);
}

/// One entry read from a log, its checksum verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnLogEntry {
    /// Offset of the entry's first byte (its checksum) in the file.
    pub offset: usize,
    /// The stored checksum; the decoder guarantees it equals
    /// [`txn_checksum`] of `txn`.
    pub checksum: i64,
    /// The txn bytes (TxnHeader, record, optional digest), zero-copy.
    pub txn: Bytes,
}

/// How a log's entries ended. Every variant carries the offset where the
/// last whole entry ends, which is where a writer may resume appending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogEnd {
    /// The file ended exactly after the last entry.
    Eof {
        /// File length.
        offset: usize,
    },
    /// An entry with txn length 0: the preallocated zeros (ZooKeeper's
    /// "empty transaction" end). The bytes from `offset` on are not
    /// inspected further.
    Padding {
        /// Offset of the zero-length entry.
        offset: usize,
    },
    /// The last entry is incomplete, as left by a crash mid-append.
    /// ZooKeeper's reader treats this as the end of the log; storage should
    /// truncate the file at `offset`.
    TornTail {
        /// Offset of the incomplete entry's first byte.
        offset: usize,
        /// What was missing.
        reason: TornReason,
    },
}

impl LogEnd {
    /// The offset just past the last whole entry.
    pub fn offset(&self) -> usize {
        match *self {
            Self::Eof { offset } | Self::Padding { offset } | Self::TornTail { offset, .. } => {
                offset
            }
        }
    }
}

/// Why the last entry is incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TornReason {
    /// Fewer than 12 bytes were left for the checksum and the length.
    TruncatedPrefix,
    /// The length is valid but fewer bytes than it names were left.
    TruncatedTxn,
    /// The file ended where the `0x42` end-of-record byte belongs.
    MissingEndOfRecord,
    /// Another byte stood where `0x42` belongs; ZooKeeper logs "Last
    /// transaction was partial" and stops there.
    BadEndOfRecord(u8),
}

/// Decodes a whole txn log file held in memory, entry by entry.
///
/// Guarantees: the header's magic is checked on construction; each
/// [`TxnLogDecoder::next_entry`] returns a whole entry whose checksum
/// matched, or `None` once the log has ended (then [`TxnLogDecoder::end`]
/// says how), or a hard error naming the offending offset: a checksum
/// mismatch, or a txn length that is negative or above the limit (which no
/// torn write can produce, since zero padding reads as length 0). It never
/// panics and never copies txn bytes.
///
/// Checks run in ZooKeeper's order (`FileTxnIterator.next`): a record with
/// a bad end-of-record byte is torn even if its checksum is also wrong,
/// because the Java reader stops before it verifies the checksum.
#[derive(Debug, Clone)]
pub struct TxnLogDecoder {
    r: Reader,
    header: FileHeader,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    Ended(LogEnd),
    Failed,
}

impl TxnLogDecoder {
    /// Reads the header of `file`, allowing txns up to the default
    /// `jute.maxbuffer` plus its extra size, as ZooKeeper's reader does.
    ///
    /// A file shorter than its header (e.g. empty: the process died between
    /// creating it and writing the header) is a `Truncated` error at offset
    /// 0; ZooKeeper deletes such a file when it is the newest log.
    pub fn new(file: impl Into<Bytes>) -> DecodeResult<Self> {
        Self::with_max_len(file, DEFAULT_MAX_BUFFER * 2)
    }

    /// Like [`TxnLogDecoder::new`], with txns limited to `max_len` bytes.
    pub fn with_max_len(file: impl Into<Bytes>, max_len: usize) -> DecodeResult<Self> {
        let mut r = Reader::with_max_len(file, max_len);
        let header = FileHeader::read_expecting(&mut r, TXNLOG_MAGIC, "0x5A4B4C47 (ZKLG)")?;
        r.enter("TxnLogEntry");
        Ok(Self {
            r,
            header,
            state: State::Reading,
        })
    }

    /// The file's header.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// How the log ended, once [`TxnLogDecoder::next_entry`] has returned
    /// `None`; `None` before that and after an error.
    pub fn end(&self) -> Option<LogEnd> {
        match self.state {
            State::Ended(end) => Some(end),
            State::Reading | State::Failed => None,
        }
    }

    /// The next entry, or `None` at the end of the log. After an error or
    /// the end, every further call returns `Ok(None)`.
    pub fn next_entry(&mut self) -> DecodeResult<Option<TxnLogEntry>> {
        if self.state != State::Reading {
            return Ok(None);
        }
        match self.read_entry() {
            Ok(Ok(entry)) => Ok(Some(entry)),
            Ok(Err(end)) => {
                self.state = State::Ended(end);
                Ok(None)
            }
            Err(e) => {
                self.state = State::Failed;
                Err(e)
            }
        }
    }

    /// One entry, or how the log ends here, or a hard error.
    fn read_entry(&mut self) -> DecodeResult<Result<TxnLogEntry, LogEnd>> {
        let offset = self.r.position();
        let torn = |reason| Ok(Err(LogEnd::TornTail { offset, reason }));
        match self.r.remaining() {
            0 => return Ok(Err(LogEnd::Eof { offset })),
            n if n < ENTRY_PREFIX => return torn(TornReason::TruncatedPrefix),
            _ => {}
        }
        let checksum = self.r.read_long("checksum")?;
        let len_at = self.r.position();
        let len = self.r.read_int("txn")?;
        if len == 0 {
            return Ok(Err(LogEnd::Padding { offset }));
        }
        let len = match usize::try_from(len) {
            Ok(n) if n <= self.r.max_len() => n,
            _ => {
                let kind = DecodeErrorKind::LengthOutOfRange {
                    len: len.into(),
                    max: self.r.max_len(),
                };
                return Err(self.r.error_at("txn", len_at, kind));
            }
        };
        if len > self.r.remaining() {
            return torn(TornReason::TruncatedTxn);
        }
        let txn = self.r.read_raw("txn", len)?;
        if self.r.remaining() == 0 {
            return torn(TornReason::MissingEndOfRecord);
        }
        let eor = self.r.read_byte("EOR")? as u8;
        if eor != END_OF_RECORD {
            return torn(TornReason::BadEndOfRecord(eor));
        }
        let computed = txn_checksum(&txn);
        if checksum != computed {
            let kind = DecodeErrorKind::ChecksumMismatch {
                stored: checksum,
                computed,
            };
            return Err(self.r.error_at("checksum", offset, kind));
        }
        Ok(Ok(TxnLogEntry {
            offset,
            checksum,
            txn,
        }))
    }
}

impl Iterator for TxnLogDecoder {
    type Item = DecodeResult<TxnLogEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

/// A whole txn log: header, entries and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnLogFile {
    /// The file header.
    pub header: FileHeader,
    /// Every whole entry, in file order.
    pub entries: Vec<TxnLogEntry>,
    /// How the entries ended.
    pub end: LogEnd,
}

impl TxnLogFile {
    /// Decodes every entry of `file` (see [`TxnLogDecoder`] for what is an
    /// end and what is an error).
    pub fn decode(file: impl Into<Bytes>) -> DecodeResult<Self> {
        let mut d = TxnLogDecoder::new(file)?;
        let mut entries = Vec::new();
        while let Some(e) = d.next_entry()? {
            entries.push(e);
        }
        // `next_entry` returned `None` without failing, so the state is
        // `Ended`; map defensively rather than unwrap.
        let end = d.end().unwrap_or(LogEnd::Eof {
            offset: d.r.position(),
        });
        Ok(Self {
            header: d.header,
            entries,
            end,
        })
    }

    /// The header followed by every entry, with no padding and no torn
    /// tail: the bytes up to `end.offset()` of the file it was decoded from.
    pub fn encode(&self) -> Bytes {
        let len = self.header.encoded_len()
            + self
                .entries
                .iter()
                .map(|e| ENTRY_OVERHEAD + e.txn.len())
                .sum::<usize>();
        let mut out = BytesMut::with_capacity(len);
        self.header.write(&mut out);
        for e in &self.entries {
            encode_entry(&e.txn, &mut out);
        }
        out.freeze()
    }
}

#[cfg(test)]
#[path = "txnlog_tests.rs"]
mod tests;
