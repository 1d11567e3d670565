//! Proptest strategies for the quorum messages.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::*;
use crate::txn::strategies::{bytes, entry, id, opt_bytes};

/// Any learner-info form.
pub(crate) fn learner_info() -> impl Strategy<Value = LearnerInfoData> {
    prop_oneof![
        any::<i64>().prop_map(LearnerInfoData::Sid),
        (any::<i64>(), any::<i32>()).prop_map(|(server_id, protocol_version)| {
            LearnerInfoData::SidAndProtocol {
                server_id,
                protocol_version,
            }
        }),
        (any::<i64>(), any::<i32>(), any::<i64>()).prop_map(|(s, p, c)| {
            LearnerInfoData::Full(LearnerInfo {
                server_id: s,
                protocol_version: p,
                config_version: c,
            })
        }),
    ]
}

/// Any packet body.
pub(crate) fn body() -> impl Strategy<Value = PacketBody> {
    prop_oneof![
        (any::<i64>(), any::<i32>(), any::<i32>(), bytes()).prop_map(|(s, c, t, r)| {
            PacketBody::Request(ForwardedRequest {
                session_id: s,
                cxid: c,
                op_type: t,
                request: r,
            })
        }),
        entry().prop_map(PacketBody::Proposal),
        Just(PacketBody::Ack),
        Just(PacketBody::Commit),
        Just(PacketBody::Ping),
        vec(
            (any::<i64>(), any::<i32>()).prop_map(|(session_id, timeout)| SessionTouch {
                session_id,
                timeout
            }),
            0..4
        )
        .prop_map(PacketBody::PingReply),
        (any::<i64>(), any::<i32>()).prop_map(|(session_id, timeout)| {
            PacketBody::RevalidateRequest(RevalidateRequest {
                session_id,
                timeout,
            })
        }),
        (any::<i64>(), any::<bool>()).prop_map(|(session_id, valid)| {
            PacketBody::RevalidateReply(RevalidateReply { session_id, valid })
        }),
        Just(PacketBody::Sync),
        entry().prop_map(PacketBody::Inform),
        any::<i64>()
            .prop_map(|designated_leader| PacketBody::CommitAndActivate { designated_leader }),
        opt_bytes().prop_map(|config| PacketBody::NewLeader { config }),
        option::of(learner_info()).prop_map(PacketBody::FollowerInfo),
        Just(PacketBody::UpToDate),
        Just(PacketBody::Diff),
        Just(PacketBody::Trunc),
        Just(PacketBody::Snap),
        option::of(learner_info()).prop_map(PacketBody::ObserverInfo),
        any::<i32>().prop_map(|protocol_version| PacketBody::LeaderInfo { protocol_version }),
        any::<i32>().prop_map(|current_epoch| PacketBody::AckEpoch { current_epoch }),
        (any::<i64>(), entry()).prop_map(|(designated_leader, proposal)| {
            PacketBody::InformAndActivate {
                designated_leader,
                proposal,
            }
        }),
    ]
}

/// Any packet (of any type number, with any data).
pub(crate) fn packet() -> impl Strategy<Value = QuorumPacket> {
    (
        any::<i32>(),
        any::<i64>(),
        opt_bytes(),
        option::of(vec(id(), 0..3)),
    )
        .prop_map(|(packet_type, zxid, data, authinfo)| QuorumPacket {
            packet_type,
            zxid,
            data,
            authinfo,
        })
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9.-]{0,12}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        Just("::1".to_string()),
        Just("fe80::1:2".to_string()),
        Just("0.0.0.0".to_string()),
    ]
}

/// Any handshake that encodes.
pub(crate) fn handshake() -> impl Strategy<Value = ElectionHandshake> {
    let addrs = || {
        vec(
            (host(), any::<u16>()).prop_map(|(h, p)| ElectionAddress::new(h, p)),
            1..4,
        )
    };
    prop_oneof![
        (0..=i64::MAX).prop_map(|sid| ElectionHandshake::Legacy { sid }),
        (any::<i64>(), addrs())
            .prop_map(|(sid, addresses)| ElectionHandshake::V1 { sid, addresses }),
        (any::<i64>(), addrs())
            .prop_map(|(sid, addresses)| ElectionHandshake::V2 { sid, addresses }),
    ]
}

/// Any notification with a consistent format.
pub(crate) fn notification() -> impl Strategy<Value = Notification> {
    let state = prop::sample::select(ServerState::ALL);
    let format = prop_oneof![
        Just(NotificationFormat::NoPeerEpoch),
        Just(NotificationFormat::PeerEpoch),
        (i32::MIN..=1).prop_map(NotificationFormat::Versioned),
        (2..=i32::MAX, bytes())
            .prop_map(|(version, config)| NotificationFormat::WithConfig { version, config }),
    ];
    (
        state,
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        format,
    )
        .prop_map(
            |(state, leader, zxid, election_epoch, peer_epoch, format)| {
                // The oldest format has no peer epoch: it is the zxid's.
                let peer_epoch = match format {
                    NotificationFormat::NoPeerEpoch => zxid >> 32,
                    _ => peer_epoch,
                };
                Notification {
                    state,
                    leader,
                    zxid,
                    election_epoch,
                    peer_epoch,
                    format,
                }
            },
        )
}
