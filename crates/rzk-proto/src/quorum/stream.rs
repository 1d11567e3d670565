//! Splitting the learner↔leader stream into packets.
//!
//! The quorum port carries [`QuorumPacket`] records back to back with no
//! length prefix (`PROTOCOL.md` §1.3), so where a packet ends is known only
//! by walking its length fields. [`decode_packet_prefix`] does that walk
//! over the bytes received so far, without copying or allocating, and
//! decodes the packet once all of it is there.

use bytes::Bytes;

use super::records::QuorumPacket;
use crate::jute::{DecodeError, DecodeErrorKind, DecodeResult, Jute, Reader, Record};

/// Walks jute lengths over a byte prefix: `Ok(None)` means "not all here
/// yet", an error means the bytes can never become a valid packet.
struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
    max_len: usize,
}

impl Walk<'_> {
    fn skip(&mut self, n: usize) -> Option<()> {
        let end = self.pos.checked_add(n)?;
        if end > self.buf.len() {
            return None;
        }
        self.pos = end;
        Some(())
    }

    fn int(&mut self) -> Option<i32> {
        let b = self.buf.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Skips a buffer or string; `Ok(None)` if it is not all here.
    fn length_prefixed(
        &mut self,
        record: &'static str,
        field: &'static str,
    ) -> DecodeResult<Option<()>> {
        let at = self.pos;
        let Some(len) = self.int() else {
            return Ok(None);
        };
        if len == -1 {
            return Ok(Some(()));
        }
        match usize::try_from(len) {
            Ok(n) if n <= self.max_len => Ok(self.skip(n)),
            _ => Err(DecodeError {
                record,
                field,
                offset: at,
                kind: DecodeErrorKind::LengthOutOfRange {
                    len: len.into(),
                    max: self.max_len,
                },
            }),
        }
    }
}

/// Finds and decodes the first packet of `buf`, the unread bytes of a
/// quorum stream.
///
/// Returns `Ok(Some((packet, n)))` when the first `n` bytes are a whole
/// packet, `Ok(None)` when more bytes are needed, and an error when the
/// bytes can never be a valid packet: a buffer or string length outside
/// `-1..=max_len`, an authinfo count below -1 or of more ids than
/// `max_len` bytes could hold, or a string that is not UTF-8.
///
/// `max_len` is the jute limit per field (ZooKeeper: `jute.maxbuffer` plus
/// its extra size); a caller bounds its buffering by it.
pub fn decode_packet_prefix(
    buf: &Bytes,
    max_len: usize,
) -> DecodeResult<Option<(QuorumPacket, usize)>> {
    let mut w = Walk {
        buf,
        pos: 0,
        max_len,
    };
    // type, zxid
    if w.skip(12).is_none() {
        return Ok(None);
    }
    if w.length_prefixed("QuorumPacket", "data")?.is_none() {
        return Ok(None);
    }
    let at = w.pos;
    let Some(count) = w.int() else {
        return Ok(None);
    };
    // Each Id is at least two 4-byte lengths.
    let fits = usize::try_from(count)
        .ok()
        .filter(|c| c.saturating_mul(8) <= max_len);
    match (count, fits) {
        (-1, _) => {}
        (_, Some(n)) => {
            for _ in 0..n {
                for field in ["scheme", "id"] {
                    if w.length_prefixed("Id", field)?.is_none() {
                        return Ok(None);
                    }
                }
            }
        }
        (_, None) => {
            return Err(DecodeError {
                record: "QuorumPacket",
                field: "authinfo",
                offset: at,
                kind: DecodeErrorKind::CountOutOfRange {
                    count: count.into(),
                    available: max_len,
                    min_element: 8,
                },
            })
        }
    }
    let n = w.pos;
    // The walk found the packet's exact extent; decode it under the same
    // length limit.
    let mut r = Reader::with_max_len(buf.slice(..n), max_len);
    let packet = QuorumPacket::read(&mut r, QuorumPacket::NAME)?;
    Ok(Some((packet, n)))
}
