//! The first bytes on an election connection (`q/QuorumCnxManager`,
//! `PROTOCOL.md` §5.2): who is calling, and where to call them back.
//!
//! Plain `DataOutputStream` writes, not jute: a long that is either a
//! protocol version (negative) or, from pre-3.5 peers, the bare sid; then
//! for V1/V2 the sid, an int length and that many bytes of UTF-8
//! `host:port` addresses separated by `|`.

use bytes::{BufMut, Bytes, BytesMut};

/// Protocol version 1: one election address.
pub const HANDSHAKE_V1: i64 = -65536;

/// Protocol version 2: `|`-separated addresses (sent only when
/// `multiAddress.enabled` is true).
pub const HANDSHAKE_V2: i64 = -65535;

/// The longest address text an acceptor reads (`QuorumCnxManager.maxBuffer`).
pub const MAX_ADDRESS_LEN: usize = 2048;

/// The sid an observer with no configured id sends (`QuorumPeer.OBSERVER_ID`);
/// the acceptor gives such a connection a made-up negative id.
pub const OBSERVER_ID: i64 = i64::MAX;

/// Why a handshake could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// Not all of it has arrived: read more and try again.
    #[error("incomplete handshake: {needed} bytes needed, {available} available")]
    Incomplete {
        /// Bytes the handshake needs so far.
        needed: usize,
        /// Bytes given.
        available: usize,
    },
    /// A negative first long that is neither V1 nor V2.
    #[error("unrecognized election protocol version {0}")]
    UnknownVersion(i64),
    /// The address length is outside `1..=2048`.
    #[error("address length {0} out of range 1..=2048")]
    AddressLength(i64),
    /// The address bytes are not UTF-8.
    #[error("election address is not UTF-8")]
    AddressNotUtf8,
    /// An address is not `host:port` or `[ipv6]:port`.
    #[error("badly formed election address {0:?}")]
    BadAddress(String),
    /// A port is not a number in `0..=65535`.
    #[error("bad port {0:?}")]
    BadPort(String),
    /// A legacy handshake cannot carry a negative sid: it would be read as
    /// a protocol version.
    #[error("legacy handshake sid {0} is negative")]
    NegativeLegacySid(i64),
}

/// One election address, as a host (name or IP literal, without brackets)
/// and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElectionAddress {
    /// Host name or IP literal; an IPv6 literal has no brackets here.
    pub host: String,
    /// Election port.
    pub port: u16,
}

impl ElectionAddress {
    /// An address from its parts.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
        }
    }

    /// Whether the host is the unspecified address (`0.0.0.0`, `::`).
    /// ZooKeeper drops those from a handshake (it resolves each host to
    /// tell; this only recognises literals, as it must not do I/O).
    pub fn is_wildcard(&self) -> bool {
        self.host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_unspecified())
    }

    /// `host:port`, with an IPv6 host in brackets (`NetUtils.formatInetAddr`).
    pub fn to_wire(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Parses one `host:port` or `[v6]:port` as `ConfigUtils.getHostAndPort`
    /// splits it.
    pub fn parse(s: &str) -> Result<Self, HandshakeError> {
        let bad = || HandshakeError::BadAddress(s.to_owned());
        let parts: Vec<&str> = if let Some(rest) = s.strip_prefix('[') {
            let close = rest.find(']').ok_or_else(bad)?;
            let host = &rest[..close];
            // ZooKeeper skips the one character after ']' without checking
            // it is ':'; the port text is what follows it.
            let mut after = rest[close + 1..].chars();
            if after.next().is_none() || after.as_str().is_empty() {
                return Err(bad());
            }
            let mut v = vec![host];
            v.extend(java_split(after.as_str(), ':'));
            v
        } else {
            java_split(s, ':')
        };
        let [host, port] = parts[..] else {
            return Err(bad());
        };
        // Java would take such a host and fail only when connecting back to
        // it; rzk refuses it here, so that every address it accepts can be
        // written again (the encoder cannot express these characters).
        if host.contains(['[', ']', '|']) {
            return Err(bad());
        }
        // `Integer.parseInt`, then `InetSocketAddress`'s range check.
        let port = port
            .parse::<i32>()
            .ok()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| HandshakeError::BadPort(port.to_owned()))?;
        Ok(Self::new(host, port))
    }
}

/// Java's `String.split` with a one-character pattern: trailing empty
/// pieces are dropped, and an empty input is one empty piece.
fn java_split(s: &str, sep: char) -> Vec<&str> {
    if s.is_empty() {
        return vec![""];
    }
    let mut v: Vec<&str> = s.split(sep).collect();
    while v.last() == Some(&"") {
        v.pop();
    }
    v
}

/// What an initiator sends first on an election connection.
///
/// Guarantees: [`Self::decode`] reads what `QuorumCnxManager` accepts and
/// reports anything else as a [`HandshakeError`], never a panic; and
/// `decode(encode(h)) == h` for every `h` that encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElectionHandshake {
    /// A pre-3.5 peer: only its sid (non-negative), no address.
    Legacy {
        /// The initiator's server id.
        sid: i64,
    },
    /// Protocol V1. The acceptor splits on `|` here too, so more than one
    /// address is read, though a V1 initiator sends one.
    V1 {
        /// The initiator's server id.
        sid: i64,
        /// Its election address(es); may be empty (text of only `|`s).
        addresses: Vec<ElectionAddress>,
    },
    /// Protocol V2: every election address of the initiator.
    V2 {
        /// The initiator's server id.
        sid: i64,
        /// Its election addresses.
        addresses: Vec<ElectionAddress>,
    },
}

impl ElectionHandshake {
    /// The initiator's server id.
    pub fn sid(&self) -> i64 {
        match self {
            Self::Legacy { sid } | Self::V1 { sid, .. } | Self::V2 { sid, .. } => *sid,
        }
    }

    /// Reads a handshake from the start of `buf` and returns it with the
    /// number of bytes it took. `Incomplete` asks for more bytes; every
    /// other error means the acceptor closes the connection.
    ///
    /// Wildcard addresses are kept (see [`ElectionAddress::is_wildcard`]).
    pub fn decode(buf: &[u8]) -> Result<(Self, usize), HandshakeError> {
        let need = |n: usize| {
            if buf.len() < n {
                Err(HandshakeError::Incomplete {
                    needed: n,
                    available: buf.len(),
                })
            } else {
                Ok(())
            }
        };
        need(8)?;
        let first = be_i64(&buf[0..8]);
        if first >= 0 {
            return Ok((Self::Legacy { sid: first }, 8));
        }
        if first != HANDSHAKE_V1 && first != HANDSHAKE_V2 {
            return Err(HandshakeError::UnknownVersion(first));
        }
        need(20)?;
        let sid = be_i64(&buf[8..16]);
        let len = i32::from_be_bytes([buf[16], buf[17], buf[18], buf[19]]);
        let len = usize::try_from(len)
            .ok()
            .filter(|n| (1..=MAX_ADDRESS_LEN).contains(n))
            .ok_or(HandshakeError::AddressLength(len.into()))?;
        need(20 + len)?;
        let text =
            std::str::from_utf8(&buf[20..20 + len]).map_err(|_| HandshakeError::AddressNotUtf8)?;
        let addresses = java_split(text, '|')
            .into_iter()
            .map(ElectionAddress::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let h = if first == HANDSHAKE_V1 {
            Self::V1 { sid, addresses }
        } else {
            Self::V2 { sid, addresses }
        };
        Ok((h, 20 + len))
    }

    /// The bytes an initiator sends. Fails for a negative legacy sid, an
    /// address text outside `1..=2048` bytes, or an address that would not
    /// read back as itself (a host containing `|`, `[`, `]`, or a `:` the
    /// brackets would not cover).
    pub fn encode(&self) -> Result<Bytes, HandshakeError> {
        let (version, sid, addresses) = match self {
            Self::Legacy { sid } if *sid < 0 => {
                return Err(HandshakeError::NegativeLegacySid(*sid))
            }
            Self::Legacy { sid } => return Ok(Bytes::copy_from_slice(&sid.to_be_bytes())),
            Self::V1 { sid, addresses } => (HANDSHAKE_V1, *sid, addresses),
            Self::V2 { sid, addresses } => (HANDSHAKE_V2, *sid, addresses),
        };
        let mut text = String::new();
        for (i, a) in addresses.iter().enumerate() {
            let wire = a.to_wire();
            if a.host.contains(['|', '[', ']']) || ElectionAddress::parse(&wire).as_ref() != Ok(a) {
                return Err(HandshakeError::BadAddress(wire));
            }
            if i > 0 {
                text.push('|');
            }
            text.push_str(&wire);
        }
        if !(1..=MAX_ADDRESS_LEN).contains(&text.len()) {
            return Err(HandshakeError::AddressLength(
                i64::try_from(text.len()).unwrap_or(i64::MAX),
            ));
        }
        let mut b = BytesMut::with_capacity(20 + text.len());
        b.put_i64(version);
        b.put_i64(sid);
        b.put_i32(i32::try_from(text.len()).unwrap_or(i32::MAX));
        b.put_slice(text.as_bytes());
        Ok(b.freeze())
    }
}

fn be_i64(b: &[u8]) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    i64::from_be_bytes(a)
}
