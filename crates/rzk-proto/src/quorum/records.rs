//! The quorum records of `zookeeper.jute` (module
//! `org.apache.zookeeper.server.quorum`, `PROTOCOL.md` §2.5).

use bytes::Bytes;

use super::codes::{PacketType, QuorumAuthStatus};
use crate::codes::UnknownCode;
use crate::data::Id;
use crate::jute_record;

jute_record! {
    /// One learner↔leader message. The quorum stream is these records back
    /// to back with no length prefix (see [`super::QuorumPacketCodec`]).
    ///
    /// `data` and `authinfo` are `Option` because ZooKeeper writes them as
    /// null (-1) on most packet types; what `data` holds depends on the type
    /// and is decoded by [`super::PacketBody::decode`].
    pub struct QuorumPacket {
        /// The packet type ([`PacketType`]); kept as the raw number so a
        /// packet of an unknown type still decodes and can be logged.
        pub packet_type: i32,
        /// A zxid whose meaning depends on the type (§5.4).
        pub zxid: i64,
        /// The payload.
        pub data: Option<Bytes>,
        /// The forwarding connection's auth ids (REQUEST; echoed in PING).
        pub authinfo: Option<Vec<Id>>,
    }
}

impl QuorumPacket {
    /// The packet type, or the number that is not one.
    pub fn kind(&self) -> Result<PacketType, UnknownCode> {
        PacketType::from_code(self.packet_type)
    }
}

jute_record! {
    /// Who a learner is, sent as the data of FOLLOWERINFO / OBSERVERINFO
    /// (20 bytes; older learners sent shorter forms, see
    /// [`super::LearnerInfoData`]).
    pub struct LearnerInfo {
        /// The learner's server id (`serverid`).
        pub server_id: i64,
        /// The learner's ZAB protocol version (0x10000 since 3.4).
        pub protocol_version: i32,
        /// The version of the learner's active configuration.
        pub config_version: i64,
    }
}

/// The `magic` every [`QuorumAuthPacket`] starts with
/// (`QuorumAuth.QUORUM_AUTH_MAGIC_NUMBER`); a peer tells an auth packet
/// from other traffic by it.
///
/// Java spells it `-0xa0dbcafecafe1234L`: the hex literal is a 64-bit
/// pattern (a negative long), so its negation is this positive number.
pub const QUORUM_AUTH_MAGIC: i64 = 0x5f24_3501_3501_edcc;

jute_record! {
    /// One quorum SASL exchange (only with `quorum.auth.enableSasl`).
    pub struct QuorumAuthPacket {
        /// Always [`QUORUM_AUTH_MAGIC`].
        pub magic: i64,
        /// A [`QuorumAuthStatus`] code.
        pub status: i32,
        /// The SASL token, if any.
        pub token: Option<Bytes>,
    }
}

impl QuorumAuthPacket {
    /// The status, or the number that is not one.
    pub fn status(&self) -> Result<QuorumAuthStatus, UnknownCode> {
        QuorumAuthStatus::from_code(self.status)
    }
}
