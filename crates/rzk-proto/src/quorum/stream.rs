//! Splitting the learner↔leader stream into packets.
//!
//! The quorum port carries [`QuorumPacket`] records back to back with no
//! length prefix (`PROTOCOL.md` §1.3), so where a packet ends is known only
//! by walking its length fields. [`quorum_packet_len`] does that walk over
//! the bytes received so far, without copying or allocating;
//! [`decode_packet_prefix`] and [`QuorumPacketCodec`] decode the packet once
//! all of it is there.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::records::QuorumPacket;
use crate::jute::{
    DecodeError, DecodeErrorKind, DecodeResult, Jute, Reader, Record, DEFAULT_MAX_BUFFER,
};

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

/// The length of the first packet in `buf`, the unread bytes of a quorum
/// stream: `Ok(Some(n))` when its `n` bytes are all there, `Ok(None)` when
/// more are needed, and an error when the bytes can never be a valid
/// packet: a buffer or string length outside `-1..=max_len`, or an
/// authinfo count below -1 or of more ids than `max_len` bytes could hold.
///
/// It only walks the length fields (no copy, no allocation), so calling it
/// again as bytes arrive is cheap.
///
/// `max_len` is the jute limit per field (ZooKeeper: `jute.maxbuffer` plus
/// its extra size); a caller bounds its buffering by it.
pub fn quorum_packet_len(buf: &[u8], max_len: usize) -> DecodeResult<Option<usize>> {
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
    Ok(Some(w.pos))
}

/// Decodes exactly one packet from `frame` (bytes [`quorum_packet_len`]
/// delimited) under the same per-field limit.
fn decode_exact(frame: Bytes, max_len: usize) -> DecodeResult<QuorumPacket> {
    let mut r = Reader::with_max_len(frame, max_len);
    let packet = QuorumPacket::read(&mut r, QuorumPacket::NAME)?;
    r.enter(QuorumPacket::NAME);
    r.finish("(end)")?;
    Ok(packet)
}

/// Finds and decodes the first packet of `buf`: `Ok(Some((packet, n)))`
/// when the first `n` bytes are a whole packet, `Ok(None)` when more bytes
/// are needed; errors as [`quorum_packet_len`], plus those of decoding
/// (a null id, a string that is not UTF-8).
pub fn decode_packet_prefix(
    buf: &Bytes,
    max_len: usize,
) -> DecodeResult<Option<(QuorumPacket, usize)>> {
    match quorum_packet_len(buf, max_len)? {
        None => Ok(None),
        Some(n) => Ok(Some((decode_exact(buf.slice(..n), max_len)?, n))),
    }
}

/// Why the quorum stream cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum QuorumStreamError {
    /// The peer sent bytes that are not a valid packet.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A packet to send has more data than the peer would accept.
    #[error("packet data of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The data length.
        len: usize,
        /// The per-field limit.
        max: usize,
    },
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A `tokio_util` codec for the learner↔leader stream: packets back to
/// back, no framing (`PROTOCOL.md` §1.3).
///
/// It buffers at most one packet, whose fields are each bounded by
/// `max_len`. After a SNAP packet the leader sends a raw snapshot, which
/// this codec does not read: take the buffer back (`FramedRead::into_parts`)
/// and hand it to the snapshot reader.
#[derive(Debug, Clone, Copy)]
pub struct QuorumPacketCodec {
    max_len: usize,
}

impl QuorumPacketCodec {
    /// A codec whose buffer and string fields may be up to `max_len` bytes.
    pub fn new(max_len: usize) -> Self {
        Self { max_len }
    }
}

impl Default for QuorumPacketCodec {
    /// ZooKeeper's default limit: `jute.maxbuffer` plus the same again of
    /// `zookeeper.jute.maxbuffer.extrasize`.
    fn default() -> Self {
        Self::new(DEFAULT_MAX_BUFFER * 2)
    }
}

impl Decoder for QuorumPacketCodec {
    type Item = QuorumPacket;
    type Error = QuorumStreamError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<QuorumPacket>, QuorumStreamError> {
        match quorum_packet_len(src, self.max_len)? {
            None => Ok(None),
            Some(n) => Ok(Some(decode_exact(src.split_to(n).freeze(), self.max_len)?)),
        }
    }
}

impl Encoder<&QuorumPacket> for QuorumPacketCodec {
    type Error = QuorumStreamError;

    /// Appends the packet; refuses, writing nothing, one whose data the
    /// peer would reject as too long.
    fn encode(&mut self, p: &QuorumPacket, dst: &mut BytesMut) -> Result<(), QuorumStreamError> {
        let len = p.data.as_ref().map_or(0, Bytes::len);
        if len > self.max_len {
            return Err(QuorumStreamError::TooLarge {
                len,
                max: self.max_len,
            });
        }
        dst.reserve(p.encoded_len());
        p.write(dst);
        Ok(())
    }
}
