//! What a [`QuorumPacket`]'s `data` holds, typed by packet type and by who
//! sent it (`PROTOCOL.md` §5.4).

use bytes::Bytes;

use super::codes::PacketType;
use super::learner_info::LearnerInfoData;
use super::payloads::{
    decode_int, decode_long, decode_touches, encode_touches, int_bytes, long_bytes,
    ForwardedRequest, RevalidateReply, RevalidateRequest, SessionTouch,
};
use super::records::QuorumPacket;
use crate::data::Id;
use crate::jute::{DecodeError, DecodeErrorKind, DecodeResult, Jute, Record};
use crate::txn::TxnEntry;

/// Offset of `data`'s length in an encoded [`QuorumPacket`] (after type and
/// zxid); the data's own bytes start 4 bytes later.
const DATA_LEN_OFFSET: usize = 12;

/// Which end of a learner↔leader connection sent a packet. PING and
/// REVALIDATE carry different data in each direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// The leader (or an observer master) sent it.
    Leader,
    /// A follower or observer sent it.
    Learner,
}

/// A quorum packet's payload, decoded.
///
/// Guarantees: [`PacketBody::decode`] never panics, rejects an unknown type
/// with an error naming it, and accepts what ZooKeeper accepts; for every
/// value, `decode(&body.to_packet(z, a), body.sender()) == body`.
///
/// Packets whose data ZooKeeper never reads (ACK, COMMIT, SYNC, UPTODATE,
/// DIFF, TRUNC, SNAP, and PING from the leader) decode whatever their data
/// holds, as ZooKeeper ignores it, and encode it as null, as ZooKeeper
/// writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketBody {
    /// REQUEST (1): a client write forwarded to the leader.
    Request(ForwardedRequest),
    /// PROPOSAL (2): a txn to log and ack.
    Proposal(TxnEntry),
    /// ACK (3); the acked zxid is the packet's.
    Ack,
    /// COMMIT (4); the committed zxid is the packet's.
    Commit,
    /// PING (5) from the leader.
    Ping,
    /// PING (5) echoed by a learner with the sessions it saw activity on.
    PingReply(Vec<SessionTouch>),
    /// REVALIDATE (6) from a learner.
    RevalidateRequest(RevalidateRequest),
    /// REVALIDATE (6) answered by the leader.
    RevalidateReply(RevalidateReply),
    /// SYNC (7).
    Sync,
    /// INFORM (8): a committed txn for an observer.
    Inform(TxnEntry),
    /// COMMITANDACTIVATE (9).
    CommitAndActivate {
        /// The leader the new configuration designates.
        designated_leader: i64,
    },
    /// NEWLEADER (10).
    NewLeader {
        /// The leader's last-seen configuration text (§7.3); null for a
        /// learner whose protocol version is below 0x10000.
        config: Option<Bytes>,
    },
    /// FOLLOWERINFO (11); `None` when the data is null, for which the
    /// leader makes up an id (very old learners).
    FollowerInfo(Option<LearnerInfoData>),
    /// UPTODATE (12).
    UpToDate,
    /// DIFF (13).
    Diff,
    /// TRUNC (14); the zxid to truncate to is the packet's.
    Trunc,
    /// SNAP (15); the snapshot stream follows on the socket.
    Snap,
    /// OBSERVERINFO (16); as [`PacketBody::FollowerInfo`].
    ObserverInfo(Option<LearnerInfoData>),
    /// LEADERINFO (17).
    LeaderInfo {
        /// The leader's protocol version (0x10000).
        protocol_version: i32,
    },
    /// ACKEPOCH (18).
    AckEpoch {
        /// The learner's currentEpoch, or -1 if it had already accepted
        /// the new epoch.
        current_epoch: i32,
    },
    /// INFORMANDACTIVATE (19).
    InformAndActivate {
        /// The leader the new configuration designates.
        designated_leader: i64,
        /// The reconfig txn.
        proposal: TxnEntry,
    },
}

impl PacketBody {
    /// Decodes `packet.data` as its type and sender dictate. Error offsets
    /// count from the start of the encoded packet.
    pub fn decode(packet: &QuorumPacket, from: Sender) -> DecodeResult<Self> {
        let kind = packet.kind().map_err(|e| DecodeError {
            record: "QuorumPacket",
            field: "type",
            offset: 0,
            kind: DecodeErrorKind::InvalidValue {
                value: e.value.into(),
                expected: "a quorum packet type (1..=19)",
            },
        })?;
        let data = packet.data.as_ref();
        // The payload, required: a null where ZooKeeper would dereference
        // it is an error, not a default.
        let need = || {
            data.ok_or(DecodeError {
                record: "QuorumPacket",
                field: "data",
                offset: DATA_LEN_OFFSET,
                kind: DecodeErrorKind::UnexpectedNull,
            })
        };
        let body = match (kind, from) {
            (PacketType::Request, _) => ForwardedRequest::decode(need()?).map(Self::Request),
            (PacketType::Proposal, _) => TxnEntry::from_bytes(need()?.clone()).map(Self::Proposal),
            (PacketType::Ack, _) => Ok(Self::Ack),
            (PacketType::Commit, _) => Ok(Self::Commit),
            (PacketType::Ping, Sender::Leader) => Ok(Self::Ping),
            (PacketType::Ping, Sender::Learner) => decode_touches(need()?).map(Self::PingReply),
            (PacketType::Revalidate, Sender::Learner) => {
                RevalidateRequest::decode(need()?).map(Self::RevalidateRequest)
            }
            (PacketType::Revalidate, Sender::Leader) => {
                RevalidateReply::decode(need()?).map(Self::RevalidateReply)
            }
            (PacketType::Sync, _) => Ok(Self::Sync),
            (PacketType::Inform, _) => TxnEntry::from_bytes(need()?.clone()).map(Self::Inform),
            (PacketType::CommitAndActivate, _) => {
                decode_long(need()?, "CommitAndActivate", "designated_leader")
                    .map(|(designated_leader, _)| Self::CommitAndActivate { designated_leader })
            }
            (PacketType::NewLeader, _) => Ok(Self::NewLeader {
                config: data.cloned(),
            }),
            (PacketType::FollowerInfo, _) => learner_info(data).map(Self::FollowerInfo),
            (PacketType::UpToDate, _) => Ok(Self::UpToDate),
            (PacketType::Diff, _) => Ok(Self::Diff),
            (PacketType::Trunc, _) => Ok(Self::Trunc),
            (PacketType::Snap, _) => Ok(Self::Snap),
            (PacketType::ObserverInfo, _) => learner_info(data).map(Self::ObserverInfo),
            (PacketType::LeaderInfo, _) => decode_int(need()?, "LeaderInfo", "protocol_version")
                .map(|protocol_version| Self::LeaderInfo { protocol_version }),
            (PacketType::AckEpoch, _) => decode_int(need()?, "AckEpoch", "current_epoch")
                .map(|current_epoch| Self::AckEpoch { current_epoch }),
            (PacketType::InformAndActivate, _) => inform_and_activate(need()?),
        };
        // Payload decoders count from the data's first byte.
        body.map_err(|mut e| {
            e.offset += DATA_LEN_OFFSET + 4;
            e
        })
    }

    /// The packet type this body is sent as.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Self::Request(_) => PacketType::Request,
            Self::Proposal(_) => PacketType::Proposal,
            Self::Ack => PacketType::Ack,
            Self::Commit => PacketType::Commit,
            Self::Ping | Self::PingReply(_) => PacketType::Ping,
            Self::RevalidateRequest(_) | Self::RevalidateReply(_) => PacketType::Revalidate,
            Self::Sync => PacketType::Sync,
            Self::Inform(_) => PacketType::Inform,
            Self::CommitAndActivate { .. } => PacketType::CommitAndActivate,
            Self::NewLeader { .. } => PacketType::NewLeader,
            Self::FollowerInfo(_) => PacketType::FollowerInfo,
            Self::UpToDate => PacketType::UpToDate,
            Self::Diff => PacketType::Diff,
            Self::Trunc => PacketType::Trunc,
            Self::Snap => PacketType::Snap,
            Self::ObserverInfo(_) => PacketType::ObserverInfo,
            Self::LeaderInfo { .. } => PacketType::LeaderInfo,
            Self::AckEpoch { .. } => PacketType::AckEpoch,
            Self::InformAndActivate { .. } => PacketType::InformAndActivate,
        }
    }

    /// Which end sends this body (§5.4's direction column).
    pub fn sender(&self) -> Sender {
        match self {
            Self::Request(_)
            | Self::Ack
            | Self::PingReply(_)
            | Self::RevalidateRequest(_)
            | Self::FollowerInfo(_)
            | Self::ObserverInfo(_)
            | Self::AckEpoch { .. } => Sender::Learner,
            _ => Sender::Leader,
        }
    }

    /// The `data` buffer ZooKeeper sends for this body.
    pub fn data(&self) -> Option<Bytes> {
        match self {
            Self::Request(r) => Some(r.to_bytes()),
            Self::Proposal(e) | Self::Inform(e) => Some(e.to_bytes()),
            Self::Ack
            | Self::Commit
            | Self::Ping
            | Self::Sync
            | Self::UpToDate
            | Self::Diff
            | Self::Trunc
            | Self::Snap => None,
            Self::PingReply(t) => Some(encode_touches(t)),
            Self::RevalidateRequest(r) => Some(r.to_bytes()),
            Self::RevalidateReply(r) => Some(r.to_bytes()),
            Self::CommitAndActivate { designated_leader } => Some(long_bytes(*designated_leader)),
            Self::NewLeader { config } => config.clone(),
            Self::FollowerInfo(i) | Self::ObserverInfo(i) => {
                i.as_ref().map(LearnerInfoData::to_bytes)
            }
            Self::LeaderInfo { protocol_version } => Some(int_bytes(*protocol_version)),
            Self::AckEpoch { current_epoch } => Some(int_bytes(*current_epoch)),
            Self::InformAndActivate {
                designated_leader,
                proposal,
            } => {
                let mut b = bytes::BytesMut::with_capacity(8 + proposal.encoded_len());
                bytes::BufMut::put_i64(&mut b, *designated_leader);
                proposal.write(&mut b);
                Some(b.freeze())
            }
        }
    }

    /// The packet carrying this body with `zxid` (whose meaning depends on
    /// the type, §5.4) and `authinfo` (the connection's ids on REQUEST,
    /// echoed on PING replies; null elsewhere).
    pub fn to_packet(&self, zxid: i64, authinfo: Option<Vec<Id>>) -> QuorumPacket {
        QuorumPacket {
            packet_type: self.packet_type().code(),
            zxid,
            data: self.data(),
            authinfo,
        }
    }
}

/// FOLLOWERINFO / OBSERVERINFO data: null, or one of the positional forms.
fn learner_info(data: Option<&Bytes>) -> DecodeResult<Option<LearnerInfoData>> {
    data.map(LearnerInfoData::decode).transpose()
}

/// INFORMANDACTIVATE data: the designated leader, then a whole txn.
fn inform_and_activate(data: &Bytes) -> DecodeResult<PacketBody> {
    let (designated_leader, mut r) = decode_long(data, "InformAndActivate", "designated_leader")?;
    let start = r.position();
    let proposal = TxnEntry::from_bytes(r.read_rest()).map_err(|mut e| {
        e.offset += start;
        e
    })?;
    Ok(PacketBody::InformAndActivate {
        designated_leader,
        proposal,
    })
}
