//! Golden checks for the quorum protocols (§5.2–5.4): quorum records, one
//! packet per ZAB type with its typed payload, the election handshake,
//! framing and FLE notifications. (`quorum.snapbody` is checked with the
//! snapshot format, in `disk.rs`.)

use bytes::{Bytes, BytesMut};
use rzk_proto::client::CreateRequest;
use rzk_proto::data::Id;
use rzk_proto::jute::{Record, DEFAULT_MAX_BUFFER};
use rzk_proto::quorum::*;

use super::common::{roundtrip, Check};
use super::txn::{proposal_create_app, reconfig_entry};
use super::values::*;

macro_rules! checks {
    ($( $name:literal => |$b:ident| $body:expr ),* $(,)?) => {
        /// Every fixture this module checks.
        pub const CHECKS: &[Check] = &[ $( ($name, |$b: &[u8]| $body) ),* ];
    };
}

/// Checks a quorum packet: the record round-trips, the stream splitter
/// finds exactly it, and its data decodes (as its sender) to `body`.
fn packet(b: &[u8], zxid: i64, body: PacketBody, authinfo: Option<Vec<Id>>) {
    let expected = body.to_packet(zxid, authinfo);
    roundtrip(b, &expected);
    let bytes = Bytes::copy_from_slice(b);
    let split = decode_packet_prefix(&bytes, DEFAULT_MAX_BUFFER).unwrap();
    assert_eq!(split, Some((expected.clone(), b.len())), "stream split");
    assert_eq!(PacketBody::decode(&expected, body.sender()).unwrap(), body);
}

fn learner_info(sid: i64) -> LearnerInfo {
    LearnerInfo {
        server_id: sid,
        protocol_version: ZAB1_PROTOCOL_VERSION,
        config_version: 0x1_0000_0000,
    }
}

/// A handshake decodes to `expected`, using all of `b`, and encodes to `b`.
fn handshake(b: &[u8], expected: ElectionHandshake) {
    assert_eq!(
        ElectionHandshake::decode(b).unwrap(),
        (expected.clone(), b.len())
    );
    assert_eq!(&expected.encode().unwrap()[..], b, "re-encoded handshake");
}

/// A notification decodes to `expected` and encodes to `b`.
fn notification(b: &[u8], expected: Notification) {
    assert_eq!(Notification::decode(b).unwrap(), expected);
    assert_eq!(&expected.encode()[..], b, "re-encoded notification");
}

fn config_0() -> Bytes {
    Bytes::from(format!("{CONFIG_2}version=0"))
}

fn v2(state: ServerState, leader: i64, zxid: i64, round: i64, epoch: i64) -> Notification {
    Notification::current(state, leader, zxid, round, epoch, config_0())
}

fn addr(host: &str, port: u16) -> ElectionAddress {
    ElectionAddress::new(host, port)
}

checks! {
    // ---- §2.5 quorum records ----
    "quorum.LearnerInfo" => |b| {
        roundtrip(b, &learner_info(2));
        let d = LearnerInfoData::decode(&Bytes::copy_from_slice(b)).unwrap();
        assert_eq!(d, LearnerInfoData::Full(learner_info(2)));
    },
    "quorum.QuorumPacket" => |b| roundtrip(b, &QuorumPacket {
        packet_type: 2, zxid: 0x1_0000_0001, data: Some(bin()), authinfo: Some(vec![ip(), digest()]),
    }),
    "quorum.QuorumPacket.nulls" => |b| roundtrip(b, &QuorumPacket {
        packet_type: 12, zxid: -1, data: None, authinfo: None,
    }),
    "quorum.QuorumAuthPacket" => |b| {
        let p = QuorumAuthPacket { magic: QUORUM_AUTH_MAGIC, status: 0, token: Some(bytes("sasl-token")) };
        roundtrip(b, &p);
        assert_eq!(p.status(), Ok(QuorumAuthStatus::InProgress));
    },
    "quorum.QuorumAuthPacket.success" => |b| {
        let p = QuorumAuthPacket { magic: QUORUM_AUTH_MAGIC, status: 1, token: None };
        roundtrip(b, &p);
        assert_eq!(p.status(), Ok(QuorumAuthStatus::Success));
    },

    // ---- §5.4 one packet per type ----
    "quorum.packet.REQUEST" => |b| {
        let create = CreateRequest { path: "/app/x".into(), data: Some(bytes("v")), acl: open(), flags: 0 };
        let body = PacketBody::Request(ForwardedRequest { session_id: S1, cxid: 7, op_type: 1, request: create.to_bytes() });
        packet(b, -1, body, Some(vec![ip(), digest()]));
    },
    "quorum.packet.PROPOSAL" => |b| packet(b, 0x1_0000_0004, PacketBody::Proposal(proposal_create_app()), None),
    "quorum.packet.ACK" => |b| packet(b, 0x1_0000_0004, PacketBody::Ack, None),
    "quorum.packet.ACK.newleader" => |b| packet(b, 0x2_0000_0000, PacketBody::Ack, None),
    "quorum.packet.COMMIT" => |b| packet(b, 0x1_0000_0004, PacketBody::Commit, None),
    "quorum.packet.PING.leader" => |b| packet(b, 0x1_0000_000b, PacketBody::Ping, None),
    // The learner writes its touch table in Java HashMap order: S2, then S3.
    "quorum.packet.PING.learner" => |b| packet(b, 0x1_0000_000b, PacketBody::PingReply(vec![
        SessionTouch { session_id: S2, timeout: 10000 },
        SessionTouch { session_id: S3, timeout: 40000 },
    ]), None),
    "quorum.packet.REVALIDATE.request" => |b| packet(b, -1,
        PacketBody::RevalidateRequest(RevalidateRequest { session_id: S1, timeout: 30000 }), None),
    "quorum.packet.REVALIDATE.reply" => |b| packet(b, -1,
        PacketBody::RevalidateReply(RevalidateReply { session_id: S1, valid: true }), None),
    "quorum.packet.SYNC" => |b| packet(b, 0, PacketBody::Sync, None),
    "quorum.packet.INFORM" => |b| packet(b, 0x1_0000_0004, PacketBody::Inform(proposal_create_app()), None),
    "quorum.packet.COMMITANDACTIVATE" => |b| packet(b, 0x1_0000_000e,
        PacketBody::CommitAndActivate { designated_leader: 2 }, None),
    "quorum.packet.NEWLEADER" => |b| packet(b, 0x2_0000_0000, PacketBody::NewLeader {
        config: Some(Bytes::from(format!("{CONFIG_2}version=200000000"))),
    }, None),
    "quorum.packet.FOLLOWERINFO" => |b| packet(b, 0x1_0000_0000,
        PacketBody::FollowerInfo(Some(LearnerInfoData::Full(learner_info(2)))), None),
    "quorum.packet.UPTODATE" => |b| packet(b, -1, PacketBody::UpToDate, None),
    "quorum.packet.DIFF" => |b| packet(b, 0x1_0000_000b, PacketBody::Diff, None),
    "quorum.packet.TRUNC" => |b| packet(b, 0x1_0000_0007, PacketBody::Trunc, None),
    "quorum.packet.SNAP" => |b| packet(b, 0x1_0000_000b, PacketBody::Snap, None),
    "quorum.packet.OBSERVERINFO" => |b| packet(b, 0x1_0000_0000,
        PacketBody::ObserverInfo(Some(LearnerInfoData::Full(learner_info(3)))), None),
    "quorum.packet.LEADERINFO" => |b| packet(b, 0x2_0000_0000,
        PacketBody::LeaderInfo { protocol_version: ZAB1_PROTOCOL_VERSION }, None),
    "quorum.packet.ACKEPOCH" => |b| packet(b, 0x1_0000_000b, PacketBody::AckEpoch { current_epoch: 1 }, None),
    "quorum.packet.ACKEPOCH.same" => |b| packet(b, 0x1_0000_000b, PacketBody::AckEpoch { current_epoch: -1 }, None),
    "quorum.packet.INFORMANDACTIVATE" => |b| packet(b, 0x1_0000_000e, PacketBody::InformAndActivate {
        designated_leader: 2,
        proposal: reconfig_entry(),
    }, None),

    // ---- §5.2 election handshake and framing ----
    "quorum.handshake.v1" => |b| handshake(b, ElectionHandshake::V1 {
        sid: 3, addresses: vec![addr("127.0.0.1", 3888)],
    }),
    "quorum.handshake.v2" => |b| handshake(b, ElectionHandshake::V2 {
        sid: 3,
        addresses: vec![addr("127.0.0.1", 3888), addr("127.0.0.2", 3889), addr("0:0:0:0:0:0:0:1", 3890)],
    }),
    "quorum.handshake.legacy" => |b| handshake(b, ElectionHandshake::Legacy { sid: 3 }),
    "quorum.handshake.observer" => |b| handshake(b, ElectionHandshake::V1 {
        sid: OBSERVER_ID, addresses: vec![addr("127.0.0.1", 3890)],
    }),
    "quorum.notification.v2.frame" => |b| {
        let (payload, used) = decode_election_frame(b).unwrap().unwrap();
        assert_eq!((payload.len(), used), (139, b.len()));
        notification(payload, v2(ServerState::Looking, 1, 0x1_0000_000b, 1, 1));
        let mut again = BytesMut::new();
        encode_election_frame(payload, &mut again).unwrap();
        assert_eq!(&again[..], b, "re-framed");
    },

    // ---- §5.3 notifications ----
    "quorum.notification.v2" => |b| notification(b, v2(ServerState::Looking, 1, 0x1_0000_000b, 1, 1)),
    "quorum.notification.v2.leading" => |b| notification(b, v2(ServerState::Leading, 2, 0x2_0000_0003, 5, 2)),
    "quorum.notification.v2.observer" => |b| notification(b, v2(ServerState::Looking, i64::MIN, i64::MIN, 1, i64::MIN)),
    "quorum.notification.v1.40bytes" => |b| notification(b, Notification {
        state: ServerState::Following, leader: 2, zxid: 0x1_0000_0005, election_epoch: 3, peer_epoch: 1,
        format: NotificationFormat::PeerEpoch,
    }),
    // No peer epoch on the wire: it is the zxid's epoch, 1.
    "quorum.notification.v0.28bytes" => |b| notification(b, Notification {
        state: ServerState::Looking, leader: 1, zxid: 0x1_0000_0005, election_epoch: 3, peer_epoch: 1,
        format: NotificationFormat::NoPeerEpoch,
    }),
}
