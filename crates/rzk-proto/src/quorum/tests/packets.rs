//! Learner↔leader packets: records, typed payloads, stream splitting.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::super::strategies;
use super::super::*;
use crate::data::Id;
use crate::jute::{DecodeErrorKind, Jute, Record, DEFAULT_MAX_BUFFER};
use crate::txn::{CreateSessionTxn, TxnBody, TxnEntry};

fn packet(t: PacketType, data: Option<&[u8]>) -> QuorumPacket {
    QuorumPacket {
        packet_type: t.code(),
        zxid: 5,
        data: data.map(Bytes::copy_from_slice),
        authinfo: None,
    }
}

fn session_entry() -> TxnEntry {
    TxnEntry::new(
        0x42,
        0,
        0x1_0000_0001,
        1000,
        TxnBody::CreateSession(CreateSessionTxn { timeout: 30000 }),
        None,
    )
}

#[test]
fn packet_type_table_matches_the_leader_constants() {
    let codes: Vec<i32> = PacketType::ALL.iter().map(|t| t.code()).collect();
    assert_eq!(codes, (1..=19).collect::<Vec<_>>());
    assert_eq!(PacketType::InformAndActivate.name(), "INFORMANDACTIVATE");
    assert_eq!(PacketType::from_code(20).unwrap_err().table, "PacketType");
    assert_eq!(ServerState::Observing.code(), 3);
    assert_eq!(QuorumAuthStatus::Error.code(), -1);
}

#[test]
fn null_data_and_authinfo_encode_as_minus_one() {
    let ack = PacketBody::Ack.to_packet(0x1_0000_0000, None);
    let b = ack.to_bytes();
    assert_eq!(
        &b[..],
        &[0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    );
    assert_eq!(QuorumPacket::from_bytes(b).unwrap(), ack);
}

#[test]
fn unknown_packet_type_is_named() {
    for bad in [0, 20, -1, 1000] {
        let p = QuorumPacket {
            packet_type: bad,
            ..Default::default()
        };
        let e = PacketBody::decode(&p, Sender::Leader).unwrap_err();
        assert_eq!((e.record, e.field, e.offset), ("QuorumPacket", "type", 0));
        assert!(
            matches!(e.kind, DecodeErrorKind::InvalidValue { value, .. } if value == i64::from(bad))
        );
        assert!(p.kind().is_err());
    }
}

#[test]
fn payload_types_need_their_data() {
    let needs = [
        (PacketType::Request, Sender::Learner),
        (PacketType::Proposal, Sender::Leader),
        (PacketType::Ping, Sender::Learner),
        (PacketType::Revalidate, Sender::Learner),
        (PacketType::Revalidate, Sender::Leader),
        (PacketType::Inform, Sender::Leader),
        (PacketType::CommitAndActivate, Sender::Leader),
        (PacketType::LeaderInfo, Sender::Leader),
        (PacketType::AckEpoch, Sender::Learner),
        (PacketType::InformAndActivate, Sender::Leader),
    ];
    for (t, from) in needs {
        let e = PacketBody::decode(&packet(t, None), from).unwrap_err();
        assert_eq!(
            (e.record, e.field, e.offset, e.kind),
            ("QuorumPacket", "data", 12, DecodeErrorKind::UnexpectedNull),
            "{t}"
        );
    }
}

#[test]
fn short_payloads_are_truncated_and_offsets_count_from_the_packet() {
    let cases: &[(PacketType, Sender, usize, &str)] = &[
        (PacketType::Request, Sender::Learner, 15, "op_type"),
        (PacketType::Ping, Sender::Learner, 13, "session_id"),
        (PacketType::Ping, Sender::Learner, 20, "timeout"),
        (PacketType::Revalidate, Sender::Learner, 11, "timeout"),
        (PacketType::Revalidate, Sender::Leader, 8, "valid"),
        (
            PacketType::CommitAndActivate,
            Sender::Leader,
            7,
            "designated_leader",
        ),
        (
            PacketType::LeaderInfo,
            Sender::Leader,
            3,
            "protocol_version",
        ),
        (PacketType::AckEpoch, Sender::Learner, 0, "current_epoch"),
        (PacketType::FollowerInfo, Sender::Learner, 7, "server_id"),
        (PacketType::ObserverInfo, Sender::Learner, 0, "server_id"),
        (
            PacketType::InformAndActivate,
            Sender::Leader,
            4,
            "designated_leader",
        ),
    ];
    for &(t, from, len, field) in cases {
        let data = vec![0u8; len];
        let e = PacketBody::decode(&packet(t, Some(&data)), from).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::Truncated { .. }),
            "{t} {len}: {e}"
        );
        assert_eq!(e.field, field, "{t} {len}: {e}");
        assert!(
            e.offset >= 16,
            "{t}: offset {} is not inside the data",
            e.offset
        );
    }
}

#[test]
fn bytes_after_fixed_payloads_are_ignored_as_zookeeper_ignores_them() {
    let b = PacketBody::decode(
        &packet(PacketType::LeaderInfo, Some(&[0, 1, 0, 0, 9, 9])),
        Sender::Leader,
    );
    assert_eq!(
        b.unwrap(),
        PacketBody::LeaderInfo {
            protocol_version: 0x10000
        }
    );
    let b = PacketBody::decode(
        &packet(PacketType::AckEpoch, Some(&[0xff; 5])),
        Sender::Learner,
    );
    assert_eq!(b.unwrap(), PacketBody::AckEpoch { current_epoch: -1 });
    // Data on a packet whose data ZooKeeper never reads.
    let b = PacketBody::decode(&packet(PacketType::Commit, Some(b"x")), Sender::Leader);
    assert_eq!(b.unwrap(), PacketBody::Commit);
    let b = PacketBody::decode(&packet(PacketType::Ping, Some(b"x")), Sender::Leader);
    assert_eq!(b.unwrap(), PacketBody::Ping);
}

#[test]
fn ping_and_revalidate_depend_on_the_sender() {
    let touches = vec![
        SessionTouch {
            session_id: 1,
            timeout: 4000,
        },
        SessionTouch {
            session_id: -2,
            timeout: 6000,
        },
    ];
    let reply = PacketBody::PingReply(touches.clone());
    assert_eq!(reply.data().unwrap().len(), 24);
    assert_eq!(
        PacketBody::decode(&reply.to_packet(7, None), Sender::Learner).unwrap(),
        reply
    );
    // An empty reply is an empty buffer, not null.
    assert_eq!(PacketBody::PingReply(vec![]).data(), Some(Bytes::new()));
    assert_eq!(PacketBody::Ping.data(), None);

    let req = RevalidateRequest {
        session_id: 9,
        timeout: 30000,
    };
    let p = PacketBody::RevalidateRequest(req).to_packet(-1, None);
    assert_eq!(p.data.as_ref().unwrap().len(), 12);
    assert_eq!(
        PacketBody::decode(&p, Sender::Learner).unwrap(),
        PacketBody::RevalidateRequest(req)
    );
    let rep = RevalidateReply {
        session_id: 9,
        valid: true,
    };
    let p = PacketBody::RevalidateReply(rep).to_packet(-1, None);
    assert_eq!(p.data.as_ref().unwrap()[..], [0, 0, 0, 0, 0, 0, 0, 9, 1]);
    assert_eq!(
        PacketBody::decode(&p, Sender::Leader).unwrap(),
        PacketBody::RevalidateReply(rep)
    );
}

#[test]
fn learner_info_positional_forms() {
    let full = LearnerInfo {
        server_id: 3,
        protocol_version: ZAB1_PROTOCOL_VERSION,
        config_version: 0x1_0000_0000,
    };
    let bytes = full.to_bytes();
    assert_eq!(bytes.len(), 20);
    for len in 0..8 {
        let e = LearnerInfoData::decode(&bytes.slice(..len)).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::Truncated { .. }),
            "{len}: {e}"
        );
        assert_eq!((e.record, e.field), ("LearnerInfo", "server_id"));
    }
    for len in 8..12 {
        let d = LearnerInfoData::decode(&bytes.slice(..len)).unwrap();
        assert_eq!(d, LearnerInfoData::Sid(3), "{len}");
        assert_eq!(d.protocol_version(), PRE_ZAB1_PROTOCOL_VERSION);
        assert_eq!(d.config_version(), None);
    }
    for len in 12..20 {
        let d = LearnerInfoData::decode(&bytes.slice(..len)).unwrap();
        assert_eq!(
            d,
            LearnerInfoData::SidAndProtocol {
                server_id: 3,
                protocol_version: 0x10000
            },
            "{len}"
        );
    }
    let mut longer = BytesMut::from(&bytes[..]);
    longer.put_u32(0xdead_beef);
    for b in [bytes.clone(), longer.freeze()] {
        let d = LearnerInfoData::decode(&b).unwrap();
        assert_eq!(d, LearnerInfoData::Full(full.clone()));
        assert_eq!(
            (d.server_id(), d.config_version()),
            (3, Some(0x1_0000_0000))
        );
    }
    for d in [
        LearnerInfoData::Sid(1),
        LearnerInfoData::SidAndProtocol {
            server_id: 1,
            protocol_version: 2,
        },
        LearnerInfoData::Full(full),
    ] {
        assert_eq!(LearnerInfoData::decode(&d.to_bytes()).unwrap(), d);
    }
    // Null FOLLOWERINFO data: the leader makes an id up.
    let p = packet(PacketType::FollowerInfo, None);
    assert_eq!(
        PacketBody::decode(&p, Sender::Learner).unwrap(),
        PacketBody::FollowerInfo(None)
    );
}

#[test]
fn txn_errors_inside_proposals_point_into_the_packet() {
    let mut bad = BytesMut::from(&session_entry().to_bytes()[..]);
    bad[28..32].copy_from_slice(&99i32.to_be_bytes());
    let bad = bad.freeze();
    let p = packet(PacketType::Proposal, Some(&bad));
    let e = PacketBody::decode(&p, Sender::Leader).unwrap_err();
    assert_eq!(
        (e.record, e.field, e.offset),
        ("TxnHeader", "type", 16 + 28),
        "{e}"
    );
    let mut iaa = BytesMut::new();
    iaa.put_i64(2);
    iaa.put_slice(&bad);
    let p = packet(PacketType::InformAndActivate, Some(&iaa));
    let e = PacketBody::decode(&p, Sender::Leader).unwrap_err();
    assert_eq!(e.offset, 16 + 8 + 28, "{e}");
}

#[test]
fn request_carries_raw_bytes_and_authinfo_stays_on_the_packet() {
    let body = PacketBody::Request(ForwardedRequest {
        session_id: 0x100,
        cxid: 3,
        op_type: 1,
        request: Bytes::from_static(b"\0\0\0\x02/a"),
    });
    let auth = Some(vec![Id::new("ip", "127.0.0.1")]);
    let p = body.to_packet(-1, auth.clone());
    assert_eq!(p.data.as_ref().unwrap().len(), 16 + 6);
    let back = QuorumPacket::from_bytes(p.to_bytes()).unwrap();
    assert_eq!(back.authinfo, auth);
    assert_eq!(PacketBody::decode(&back, Sender::Learner).unwrap(), body);
}

#[test]
fn quorum_auth_packet_magic_and_status() {
    assert_eq!(QUORUM_AUTH_MAGIC as u64, 0x5f24_3501_3501_edcc);
    let p = QuorumAuthPacket {
        magic: QUORUM_AUTH_MAGIC,
        status: 1,
        token: None,
    };
    assert_eq!(p.to_bytes().len(), 16);
    assert_eq!(p.status(), Ok(QuorumAuthStatus::Success));
    assert_eq!(QuorumAuthPacket::from_bytes(p.to_bytes()).unwrap(), p);
}

#[test]
fn stream_prefixes_wait_and_whole_packets_split() {
    let a = PacketBody::Proposal(session_entry()).to_packet(0x1_0000_0001, None);
    let b = PacketBody::Request(ForwardedRequest {
        session_id: 1,
        cxid: 2,
        op_type: 9,
        request: Bytes::new(),
    })
    .to_packet(-1, Some(vec![Id::anyone(), Id::new("digest", "u:p")]));
    let mut stream = BytesMut::new();
    a.write(&mut stream);
    b.write(&mut stream);
    let stream = stream.freeze();
    let alen = a.encoded_len();
    for cut in 0..alen {
        assert_eq!(
            decode_packet_prefix(&stream.slice(..cut), DEFAULT_MAX_BUFFER).unwrap(),
            None,
            "{cut}"
        );
    }
    let (got, n) = decode_packet_prefix(&stream, DEFAULT_MAX_BUFFER)
        .unwrap()
        .unwrap();
    assert_eq!((got, n), (a, alen));
    let rest = stream.slice(n..);
    for cut in 0..rest.len() {
        assert_eq!(
            decode_packet_prefix(&rest.slice(..cut), DEFAULT_MAX_BUFFER).unwrap(),
            None,
            "{cut}"
        );
    }
    let (got, n) = decode_packet_prefix(&rest, DEFAULT_MAX_BUFFER)
        .unwrap()
        .unwrap();
    assert_eq!((got, n), (b, rest.len()));
}

#[test]
fn stream_rejects_lengths_that_can_never_fit() {
    let head = |data_len: i32, count: Option<i32>| {
        let mut b = BytesMut::new();
        b.put_i32(1);
        b.put_i64(0);
        b.put_i32(data_len);
        if let Some(c) = count {
            b.put_i32(c);
        }
        b.freeze()
    };
    let e = decode_packet_prefix(&head(-2, None), 1024).unwrap_err();
    assert_eq!((e.field, e.offset), ("data", 12));
    assert!(matches!(
        e.kind,
        DecodeErrorKind::LengthOutOfRange { len: -2, .. }
    ));
    let e = decode_packet_prefix(&head(1025, None), 1024).unwrap_err();
    assert!(matches!(
        e.kind,
        DecodeErrorKind::LengthOutOfRange { len: 1025, .. }
    ));
    let e = decode_packet_prefix(&head(-1, Some(-2)), 1024).unwrap_err();
    assert_eq!((e.field, e.offset), ("authinfo", 16));
    let e = decode_packet_prefix(&head(-1, Some(129)), 1024).unwrap_err();
    assert!(matches!(
        e.kind,
        DecodeErrorKind::CountOutOfRange { count: 129, .. }
    ));
    // 128 ids of 8 bytes each could fit: wait for them.
    assert_eq!(
        decode_packet_prefix(&head(-1, Some(128)), 1024).unwrap(),
        None
    );
    let mut id = BytesMut::from(&head(-1, Some(1))[..]);
    id.put_i32(-5);
    let e = decode_packet_prefix(&id.freeze(), 1024).unwrap_err();
    assert_eq!((e.record, e.field), ("Id", "scheme"));
    // A whole packet whose id is null: the walk passes it, the decoder
    // refuses it.
    let mut id = BytesMut::from(&head(-1, Some(1))[..]);
    id.put_i32(-1);
    id.put_i32(0);
    let e = decode_packet_prefix(&id.freeze(), 1024).unwrap_err();
    assert_eq!(
        (e.record, e.field, e.kind),
        ("Id", "scheme", DecodeErrorKind::UnexpectedNull)
    );
}

#[test]
fn the_codec_splits_a_stream_and_refuses_oversized_data() {
    use tokio_util::codec::{Decoder, Encoder};
    let mut codec = QuorumPacketCodec::new(64);
    let a = PacketBody::LeaderInfo {
        protocol_version: ZAB1_PROTOCOL_VERSION,
    }
    .to_packet(0x2_0000_0000, None);
    let b = PacketBody::Ack.to_packet(0x2_0000_0000, None);
    let mut out = BytesMut::new();
    codec.encode(&a, &mut out).unwrap();
    codec.encode(&b, &mut out).unwrap();
    let wire = out.freeze();
    // Fed a byte at a time, it yields each packet exactly when complete.
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for byte in wire.iter() {
        buf.put_u8(*byte);
        if let Some(p) = codec.decode(&mut buf).unwrap() {
            got.push(p);
        }
    }
    assert_eq!(got, vec![a, b]);
    assert!(buf.is_empty());
    assert_eq!(quorum_packet_len(&wire, 64).unwrap(), Some(24));

    let big = PacketBody::NewLeader {
        config: Some(Bytes::from(vec![b'x'; 65])),
    }
    .to_packet(0, None);
    let mut out = BytesMut::new();
    let e = codec.encode(&big, &mut out).unwrap_err();
    assert!(
        matches!(e, QuorumStreamError::TooLarge { len: 65, max: 64 }),
        "{e}"
    );
    assert!(out.is_empty());
    let mut wire = BytesMut::new();
    QuorumPacketCodec::default()
        .encode(&big, &mut wire)
        .unwrap();
    let e = codec.decode(&mut wire).unwrap_err();
    assert!(matches!(e, QuorumStreamError::Decode(_)), "{e}");
}

proptest! {
    #[test]
    fn bodies_round_trip(
        body in strategies::body(),
        zxid in any::<i64>(),
    ) {
        let p = body.to_packet(zxid, None);
        let wire = QuorumPacket::from_bytes(p.to_bytes()).unwrap();
        prop_assert_eq!(&wire, &p);
        prop_assert_eq!(PacketBody::decode(&wire, body.sender()).unwrap(), body);
    }

    #[test]
    fn packets_round_trip_and_split(p in strategies::packet(), tail in proptest::collection::vec(any::<u8>(), 0..8)) {
        let bytes = p.to_bytes();
        prop_assert_eq!(QuorumPacket::from_bytes(bytes.clone()).unwrap(), p.clone());
        let mut s = BytesMut::from(&bytes[..]);
        s.put_slice(&tail);
        let got = decode_packet_prefix(&s.freeze(), DEFAULT_MAX_BUFFER).unwrap();
        prop_assert_eq!(got, Some((p, bytes.len())));
    }

    #[test]
    fn learner_info_round_trips(d in strategies::learner_info()) {
        prop_assert_eq!(LearnerInfoData::decode(&d.to_bytes()).unwrap(), d);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..96), t in 0..=20i32) {
        let b = Bytes::from(b);
        let _ = QuorumPacket::from_bytes(b.clone());
        if let Ok(Some((p, n))) = decode_packet_prefix(&b, 64) {
            prop_assert!(n <= b.len());
            prop_assert_eq!(QuorumPacket::from_bytes(b.slice(..n)).unwrap(), p);
        }
        let p = QuorumPacket { packet_type: t, zxid: 0, data: Some(b), authinfo: None };
        for from in [Sender::Leader, Sender::Learner] {
            if let Ok(body) = PacketBody::decode(&p, from) {
                // Whatever decodes re-decodes from its own encoding.
                let again = PacketBody::decode(&body.to_packet(0, None), body.sender());
                prop_assert_eq!(again.unwrap(), body);
            }
        }
    }
}
