//! The session handshake: ConnectRequest and ConnectResponse, each with the
//! optional trailing `readOnly` byte that clients before 3.4 omit.

use bytes::{BufMut, Bytes};

use crate::jute::{DecodeResult, Jute, Reader, Record};

/// The first frame of a connection (no RequestHeader).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectRequest {
    /// Clients send 0; servers ignore it.
    pub protocol_version: i32,
    /// Highest zxid the client has seen; a server behind it refuses.
    pub last_zxid_seen: i64,
    /// Requested session timeout in ms.
    pub timeout: i32,
    /// 0 for a new session, else the session to resume.
    pub session_id: i64,
    /// Session password (16 zero bytes for a new session).
    pub passwd: Bytes,
    /// The trailing readOnly byte: `None` when the client did not send it
    /// (the reply must then omit it too).
    pub read_only: Option<bool>,
}

/// The server's answer to a ConnectRequest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectResponse {
    /// Always 0.
    pub protocol_version: i32,
    /// Negotiated timeout; 0 means the session is invalid or expired.
    pub timeout: i32,
    /// The session id; 0 when invalid.
    pub session_id: i64,
    /// The session password (16 zero bytes when invalid).
    pub passwd: Bytes,
    /// Present exactly when the request carried the byte; true only from a
    /// read-only server.
    pub read_only: Option<bool>,
}

/// Reads the optional trailing boolean: present only if a byte is left.
fn read_trailing_bool(r: &mut Reader, field: &'static str) -> DecodeResult<Option<bool>> {
    if r.remaining() == 0 {
        Ok(None)
    } else {
        r.read_bool(field).map(Some)
    }
}

impl Jute for ConnectRequest {
    // The readOnly byte is optional, so the minimum leaves it out.
    const MIN_SIZE: usize = 4 + 8 + 4 + 8 + 4;

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let outer = r.enter(Self::NAME);
        let v = Self {
            protocol_version: r.read_int("protocol_version")?,
            last_zxid_seen: r.read_long("last_zxid_seen")?,
            timeout: r.read_int("timeout")?,
            session_id: r.read_long("session_id")?,
            passwd: Bytes::read(r, "passwd")?,
            read_only: read_trailing_bool(r, "read_only")?,
        };
        r.leave(outer);
        Ok(v)
    }

    fn write<B: BufMut>(&self, w: &mut B) {
        self.protocol_version.write(w);
        self.last_zxid_seen.write(w);
        self.timeout.write(w);
        self.session_id.write(w);
        self.passwd.write(w);
        if let Some(ro) = self.read_only {
            ro.write(w);
        }
    }

    fn encoded_len(&self) -> usize {
        28 + self.passwd.len() + usize::from(self.read_only.is_some())
    }
}

impl Record for ConnectRequest {
    const NAME: &'static str = "ConnectRequest";
}

impl Jute for ConnectResponse {
    const MIN_SIZE: usize = 4 + 4 + 8 + 4;

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let outer = r.enter(Self::NAME);
        let v = Self {
            protocol_version: r.read_int("protocol_version")?,
            timeout: r.read_int("timeout")?,
            session_id: r.read_long("session_id")?,
            passwd: Bytes::read(r, "passwd")?,
            read_only: read_trailing_bool(r, "read_only")?,
        };
        r.leave(outer);
        Ok(v)
    }

    fn write<B: BufMut>(&self, w: &mut B) {
        self.protocol_version.write(w);
        self.timeout.write(w);
        self.session_id.write(w);
        self.passwd.write(w);
        if let Some(ro) = self.read_only {
            ro.write(w);
        }
    }

    fn encoded_len(&self) -> usize {
        20 + self.passwd.len() + usize::from(self.read_only.is_some())
    }
}

impl Record for ConnectResponse {
    const NAME: &'static str = "ConnectResponse";
}

impl ConnectResponse {
    /// The reply to a connect for an unknown or expired session or a wrong
    /// password: timeout 0, session 0, 16 zero bytes, and the readOnly byte
    /// only if the request had one.
    pub fn expired(request: &ConnectRequest) -> Self {
        Self {
            protocol_version: 0,
            timeout: 0,
            session_id: 0,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: request.read_only.map(|_| false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_zookeeper_with_and_without_the_read_only_byte() {
        let mut resp = ConnectResponse {
            passwd: Bytes::from_static(&[7; 16]),
            ..Default::default()
        };
        assert_eq!(resp.to_bytes().len(), 36);
        resp.read_only = Some(false);
        assert_eq!(resp.to_bytes().len(), 37);
        let back = ConnectResponse::from_bytes(resp.to_bytes()).unwrap();
        assert_eq!(back, resp);
    }

    #[test]
    fn expired_reply_echoes_only_the_presence_of_read_only() {
        let old = ConnectRequest::default();
        assert_eq!(ConnectResponse::expired(&old).read_only, None);
        let new = ConnectRequest {
            read_only: Some(true),
            ..Default::default()
        };
        assert_eq!(ConnectResponse::expired(&new).read_only, Some(false));
    }

    #[test]
    fn extra_bytes_after_the_read_only_byte_are_an_error() {
        let mut req = ConnectRequest {
            read_only: Some(true),
            ..Default::default()
        }
        .to_bytes()
        .to_vec();
        req.push(0);
        let e = ConnectRequest::from_bytes(req).unwrap_err();
        assert_eq!(e.record, "ConnectRequest");
        assert_eq!(
            e.offset, 29,
            "28 bytes of fields with an empty passwd, then the readOnly byte"
        );
    }
}
