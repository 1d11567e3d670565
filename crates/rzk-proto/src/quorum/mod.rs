//! The quorum protocols (`PROTOCOL.md` §5), as bytes and values only:
//!
//! * learner↔leader: [`QuorumPacket`] records back to back on the quorum
//!   port ([`QuorumPacketCodec`] splits the stream), each with a typed
//!   payload ([`PacketBody`]);
//! * election port: the connection [`ElectionHandshake`], then length-framed
//!   messages ([`decode_election_frame`]) that hold [`Notification`]s;
//! * quorum SASL: [`QuorumAuthPacket`].

mod body;
mod codes;
mod frame;
mod handshake;
mod learner_info;
mod notification;
mod payloads;
mod records;
mod stream;

#[cfg(test)]
mod strategies;
#[cfg(test)]
mod tests;

pub use body::{PacketBody, Sender};
pub use codes::{PacketType, QuorumAuthStatus, ServerState};
pub use frame::{
    decode_election_frame, encode_election_frame, ElectionFrameLength, MAX_ELECTION_MESSAGE,
};
pub use handshake::{
    ElectionAddress, ElectionHandshake, HandshakeError, HANDSHAKE_V1, HANDSHAKE_V2,
    MAX_ADDRESS_LEN, OBSERVER_ID,
};
pub use learner_info::{LearnerInfoData, PRE_ZAB1_PROTOCOL_VERSION, ZAB1_PROTOCOL_VERSION};
pub use notification::{
    Notification, NotificationDropped, NotificationFormat, NOTIFICATION_VERSION,
};
pub use payloads::{
    decode_touches, encode_touches, ForwardedRequest, RevalidateReply, RevalidateRequest,
    SessionTouch,
};
pub use records::{LearnerInfo, QuorumAuthPacket, QuorumPacket, QUORUM_AUTH_MAGIC};
pub use stream::{decode_packet_prefix, quorum_packet_len, QuorumPacketCodec, QuorumStreamError};
