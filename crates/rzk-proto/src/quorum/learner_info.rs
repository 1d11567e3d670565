//! The FOLLOWERINFO / OBSERVERINFO payload in every form a leader accepts.
//!
//! The leader does not decode a [`LearnerInfo`] record: it reads the data
//! buffer positionally (`LearnerHandler.run`) — a sid if at least 8 bytes
//! are there, a protocol version if at least 12, a config version if at
//! least 20 — so learners from before each field was added still connect.

use bytes::{BufMut, Bytes, BytesMut};

use super::records::LearnerInfo;
use crate::jute::{DecodeResult, Jute, Reader};

/// The protocol version a leader assumes when a learner sends none
/// (`LearnerHandler.version`'s initial value). Below 0x10000 the leader
/// skips LEADERINFO/ACKEPOCH and sends NEWLEADER without a config.
pub const PRE_ZAB1_PROTOCOL_VERSION: i32 = 0x1;

/// The protocol version ZooKeeper 3.4+ learners and leaders send.
pub const ZAB1_PROTOCOL_VERSION: i32 = 0x10000;

/// A learner's identification, as long as the learner made it.
///
/// Guarantees: [`Self::decode`] accepts exactly what the leader accepts
/// from a non-null buffer, and `decode(v.to_bytes()) == v` for every value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LearnerInfoData {
    /// 8–11 bytes: the sid only.
    Sid(i64),
    /// 12–19 bytes: the sid and protocol version.
    SidAndProtocol {
        /// The learner's server id.
        server_id: i64,
        /// Its protocol version.
        protocol_version: i32,
    },
    /// 20 bytes or more: the whole [`LearnerInfo`].
    Full(LearnerInfo),
}

impl LearnerInfoData {
    /// Reads the data buffer positionally. Fewer than 8 bytes is a
    /// `Truncated` error (ZooKeeper would go on with sid 0, an id no
    /// configured server has). Bytes after the fields the length selects
    /// are ignored, as the leader ignores them, so a longer future form
    /// still connects.
    pub fn decode(data: &Bytes) -> DecodeResult<Self> {
        let mut r = Reader::new(data.clone());
        r.enter("LearnerInfo");
        let server_id = r.read_long("server_id")?;
        if r.remaining() < 4 {
            return Ok(Self::Sid(server_id));
        }
        let protocol_version = r.read_int("protocol_version")?;
        if r.remaining() < 8 {
            return Ok(Self::SidAndProtocol {
                server_id,
                protocol_version,
            });
        }
        let config_version = r.read_long("config_version")?;
        Ok(Self::Full(LearnerInfo {
            server_id,
            protocol_version,
            config_version,
        }))
    }

    /// The buffer a learner of this form sends: 8, 12 or 20 bytes.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(20);
        match self {
            Self::Sid(sid) => b.put_i64(*sid),
            Self::SidAndProtocol {
                server_id,
                protocol_version,
            } => {
                b.put_i64(*server_id);
                b.put_i32(*protocol_version);
            }
            Self::Full(info) => info.write(&mut b),
        }
        b.freeze()
    }

    /// The learner's server id.
    pub fn server_id(&self) -> i64 {
        match self {
            Self::Sid(sid) => *sid,
            Self::SidAndProtocol { server_id, .. } => *server_id,
            Self::Full(info) => info.server_id,
        }
    }

    /// The learner's protocol version, or [`PRE_ZAB1_PROTOCOL_VERSION`]
    /// when it sent none, as the leader assumes.
    pub fn protocol_version(&self) -> i32 {
        match self {
            Self::Sid(_) => PRE_ZAB1_PROTOCOL_VERSION,
            Self::SidAndProtocol {
                protocol_version, ..
            } => *protocol_version,
            Self::Full(info) => info.protocol_version,
        }
    }

    /// The learner's config version, if it sent one (the leader refuses a
    /// learner whose config version is newer than its own).
    pub fn config_version(&self) -> Option<i64> {
        match self {
            Self::Full(info) => Some(info.config_version),
            _ => None,
        }
    }
}
