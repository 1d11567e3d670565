//! The fixed-layout payloads of quorum packets that are not jute records:
//! ZooKeeper builds and reads them with `DataOutputStream` / `ByteBuffer`
//! (big-endian, like jute, but with no length prefixes).
//!
//! Each reader takes the fields ZooKeeper reads and, like ZooKeeper,
//! ignores any bytes after them; too few bytes is a `Truncated` error.

use bytes::{BufMut, Bytes, BytesMut};

use crate::jute::{DecodeResult, Reader};

/// A client request a learner forwards to the leader (REQUEST data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardedRequest {
    /// The client's session.
    pub session_id: i64,
    /// The client's xid.
    pub cxid: i32,
    /// The request opcode (raw: the leader decides what it accepts).
    pub op_type: i32,
    /// The request record as the client sent it (may be empty).
    pub request: Bytes,
}

impl ForwardedRequest {
    /// Reads the 16-byte prefix; every byte after it is the request.
    pub fn decode(data: &Bytes) -> DecodeResult<Self> {
        let mut r = Reader::new(data.clone());
        r.enter("ForwardedRequest");
        Ok(Self {
            session_id: r.read_long("session_id")?,
            cxid: r.read_int("cxid")?,
            op_type: r.read_int("op_type")?,
            request: r.read_rest(),
        })
    }

    /// The REQUEST data buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(16 + self.request.len());
        b.put_i64(self.session_id);
        b.put_i32(self.cxid);
        b.put_i32(self.op_type);
        b.put_slice(&self.request);
        b.freeze()
    }
}

/// A session a learner saw activity on since its last ping reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTouch {
    /// The session.
    pub session_id: i64,
    /// Its timeout in ms.
    pub timeout: i32,
}

/// The size of one [`SessionTouch`] on the wire.
const TOUCH_LEN: usize = 12;

/// Reads a learner's PING reply: `(sessionId, timeout)` pairs filling the
/// buffer. A partial pair at the end is `Truncated` (the leader fails the
/// same way: it reads pairs while bytes remain).
pub fn decode_touches(data: &Bytes) -> DecodeResult<Vec<SessionTouch>> {
    let mut r = Reader::new(data.clone());
    r.enter("PingReply");
    let mut out = Vec::with_capacity(data.len() / TOUCH_LEN);
    while r.remaining() > 0 {
        out.push(SessionTouch {
            session_id: r.read_long("session_id")?,
            timeout: r.read_int("timeout")?,
        });
    }
    Ok(out)
}

/// The PING reply buffer for `touches` (empty, not null, when there are
/// none, as ZooKeeper sends it).
pub fn encode_touches(touches: &[SessionTouch]) -> Bytes {
    let mut b = BytesMut::with_capacity(touches.len() * TOUCH_LEN);
    for t in touches {
        b.put_i64(t.session_id);
        b.put_i32(t.timeout);
    }
    b.freeze()
}

/// A learner asks whether a reconnecting client's session is valid
/// (REVALIDATE data, learner → leader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevalidateRequest {
    /// The session.
    pub session_id: i64,
    /// The timeout the client asked for.
    pub timeout: i32,
}

impl RevalidateRequest {
    /// Reads the 12 bytes.
    pub fn decode(data: &Bytes) -> DecodeResult<Self> {
        let mut r = Reader::new(data.clone());
        r.enter("RevalidateRequest");
        Ok(Self {
            session_id: r.read_long("session_id")?,
            timeout: r.read_int("timeout")?,
        })
    }

    /// The 12-byte buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(12);
        b.put_i64(self.session_id);
        b.put_i32(self.timeout);
        b.freeze()
    }
}

/// The leader's answer to a [`RevalidateRequest`] (REVALIDATE data,
/// leader → learner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevalidateReply {
    /// The session.
    pub session_id: i64,
    /// Whether it is a live global session (now owned by this learner).
    pub valid: bool,
}

impl RevalidateReply {
    /// Reads the 9 bytes; any non-zero boolean byte is true, as in Java.
    pub fn decode(data: &Bytes) -> DecodeResult<Self> {
        let mut r = Reader::new(data.clone());
        r.enter("RevalidateReply");
        Ok(Self {
            session_id: r.read_long("session_id")?,
            valid: r.read_bool("valid")?,
        })
    }

    /// The 9-byte buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(9);
        b.put_i64(self.session_id);
        b.put_u8(u8::from(self.valid));
        b.freeze()
    }
}

/// Reads the single int of a LEADERINFO or ACKEPOCH payload.
pub(crate) fn decode_int(
    data: &Bytes,
    record: &'static str,
    field: &'static str,
) -> DecodeResult<i32> {
    let mut r = Reader::new(data.clone());
    r.enter(record);
    r.read_int(field)
}

/// Reads the leading long of a COMMITANDACTIVATE / INFORMANDACTIVATE
/// payload and returns the reader, positioned after it.
pub(crate) fn decode_long(
    data: &Bytes,
    record: &'static str,
    field: &'static str,
) -> DecodeResult<(i64, Reader)> {
    let mut r = Reader::new(data.clone());
    r.enter(record);
    let v = r.read_long(field)?;
    Ok((v, r))
}

/// An int as a 4-byte buffer.
pub(crate) fn int_bytes(v: i32) -> Bytes {
    Bytes::copy_from_slice(&v.to_be_bytes())
}

/// A long as an 8-byte buffer.
pub(crate) fn long_bytes(v: i64) -> Bytes {
    Bytes::copy_from_slice(&v.to_be_bytes())
}
