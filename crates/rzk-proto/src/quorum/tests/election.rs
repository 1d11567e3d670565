//! Election channel: handshake, framing, notifications.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::super::strategies;
use super::super::*;

fn v1(sid: i64, text: &[u8]) -> Vec<u8> {
    let mut b = BytesMut::new();
    b.put_i64(HANDSHAKE_V1);
    b.put_i64(sid);
    b.put_i32(text.len() as i32);
    b.put_slice(text);
    b.to_vec()
}

fn decode_addrs(text: &str) -> Result<Vec<ElectionAddress>, HandshakeError> {
    match ElectionHandshake::decode(&v1(1, text.as_bytes()))? {
        (ElectionHandshake::V1 { addresses, .. }, _) => Ok(addresses),
        (other, _) => panic!("not V1: {other:?}"),
    }
}

#[test]
fn v1_handshake_bytes() {
    let h = ElectionHandshake::V1 {
        sid: 2,
        addresses: vec![ElectionAddress::new("127.0.0.1", 3888)],
    };
    let b = h.encode().unwrap();
    assert_eq!(&b[..], &v1(2, b"127.0.0.1:3888")[..]);
    assert_eq!(ElectionHandshake::decode(&b).unwrap(), (h, b.len()));
    assert_eq!(&b[..8], &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]);
}

#[test]
fn v2_handshake_joins_addresses_with_bars_and_brackets_ipv6() {
    let h = ElectionHandshake::V2 {
        sid: 7,
        addresses: vec![
            ElectionAddress::new("a", 1),
            ElectionAddress::new("::1", 3888),
        ],
    };
    let b = h.encode().unwrap();
    assert_eq!(&b[8..16], &7i64.to_be_bytes());
    assert_eq!(&b[20..], b"a:1|[::1]:3888");
    assert_eq!(&b[..8], &HANDSHAKE_V2.to_be_bytes());
    assert_eq!(ElectionHandshake::decode(&b).unwrap().0, h);
}

#[test]
fn legacy_handshake_is_a_bare_sid() {
    let (h, n) = ElectionHandshake::decode(&5i64.to_be_bytes()).unwrap();
    assert_eq!((h.clone(), n), (ElectionHandshake::Legacy { sid: 5 }, 8));
    assert_eq!(
        h.encode().unwrap(),
        Bytes::copy_from_slice(&5i64.to_be_bytes())
    );
    let obs = ElectionHandshake::Legacy { sid: OBSERVER_ID };
    assert_eq!(
        ElectionHandshake::decode(&obs.encode().unwrap())
            .unwrap()
            .0
            .sid(),
        i64::MAX
    );
    assert_eq!(
        ElectionHandshake::Legacy { sid: -3 }.encode(),
        Err(HandshakeError::NegativeLegacySid(-3))
    );
}

#[test]
fn every_prefix_is_incomplete_with_what_it_needs() {
    let b = v1(1, b"h:1");
    for cut in 0..b.len() {
        match ElectionHandshake::decode(&b[..cut]) {
            Err(HandshakeError::Incomplete { needed, available }) => {
                assert_eq!(available, cut);
                assert!(needed > cut && needed <= b.len());
            }
            other => panic!("{cut}: {other:?}"),
        }
    }
}

#[test]
fn unknown_versions_and_bad_lengths_are_refused() {
    for v in [-1i64, -65534, -65537, i64::MIN] {
        let mut b = v1(1, b"h:1");
        b[..8].copy_from_slice(&v.to_be_bytes());
        assert_eq!(
            ElectionHandshake::decode(&b),
            Err(HandshakeError::UnknownVersion(v))
        );
    }
    for len in [0i32, -1, 2049, i32::MAX] {
        let mut b = BytesMut::new();
        b.put_i64(HANDSHAKE_V2);
        b.put_i64(1);
        b.put_i32(len);
        assert_eq!(
            ElectionHandshake::decode(&b),
            Err(HandshakeError::AddressLength(len.into()))
        );
    }
    // 2048 bytes is the most: 512 × "a:1|".
    let text = "a:1|".repeat(512);
    let (h, n) = ElectionHandshake::decode(&v1(1, text.as_bytes())).unwrap();
    assert_eq!(n, 20 + 2048);
    let ElectionHandshake::V1 { addresses, .. } = &h else {
        panic!("{h:?}")
    };
    assert_eq!(addresses.len(), 512);
    let too_long = ElectionHandshake::V1 {
        sid: 1,
        addresses: vec![ElectionAddress::new("a".repeat(2047), 1)],
    };
    assert_eq!(too_long.encode(), Err(HandshakeError::AddressLength(2049)));
    let empty = ElectionHandshake::V2 {
        sid: 1,
        addresses: vec![],
    };
    assert_eq!(empty.encode(), Err(HandshakeError::AddressLength(0)));
    assert_eq!(
        ElectionHandshake::decode(&v1(1, &[0xff, b':', b'1'])),
        Err(HandshakeError::AddressNotUtf8)
    );
}

#[test]
fn addresses_split_as_zookeeper_splits_them() {
    assert_eq!(
        decode_addrs("a:1|").unwrap(),
        vec![ElectionAddress::new("a", 1)]
    );
    assert_eq!(decode_addrs("|||").unwrap(), vec![]);
    assert_eq!(
        decode_addrs("[fe80::1]:5").unwrap(),
        vec![ElectionAddress::new("fe80::1", 5)]
    );
    // ZooKeeper skips the character after ']' unchecked.
    assert_eq!(
        decode_addrs("[::1]x6").unwrap(),
        vec![ElectionAddress::new("::1", 6)]
    );
    assert_eq!(
        decode_addrs("h:+80").unwrap(),
        vec![ElectionAddress::new("h", 80)]
    );
    // Hosts with brackets or bars inside are refused (rzk only: Java keeps
    // them and fails when it connects back), so decode and encode agree.
    for bad in [
        "noport", "a:1:2", "[::1]", "[::1]:", "[::1", "|a:1", "a::1", "x[y:1", "[a[b]:1",
    ] {
        assert_eq!(
            decode_addrs(bad),
            Err(HandshakeError::BadAddress(if bad == "|a:1" {
                String::new()
            } else {
                bad.to_string()
            })),
            "{bad}"
        );
    }
    for (text, port) in [
        ("h:x", "x"),
        ("h:65536", "65536"),
        ("h:-1", "-1"),
        ("[::1]:99999", "99999"),
    ] {
        assert_eq!(
            decode_addrs(text),
            Err(HandshakeError::BadPort(port.into())),
            "{text}"
        );
    }
    assert!(ElectionAddress::new("0.0.0.0", 1).is_wildcard());
    assert!(ElectionAddress::new("::", 1).is_wildcard());
    assert!(!ElectionAddress::new("localhost", 1).is_wildcard());
    let bad = ElectionHandshake::V1 {
        sid: 1,
        addresses: vec![ElectionAddress::new("a|b", 1)],
    };
    assert!(matches!(bad.encode(), Err(HandshakeError::BadAddress(_))));
}

fn note(size: usize) -> Vec<u8> {
    // A LOOKING vote for sid 1 with zxid 0x5_0000_0007, then zeros.
    let mut b = BytesMut::new();
    b.put_i32(0);
    b.put_i64(1);
    b.put_i64(0x5_0000_0007);
    b.put_i64(9);
    let mut v = b.to_vec();
    v.resize(size, 0);
    v
}

#[test]
fn notification_size_rules() {
    for size in 0..28 {
        assert_eq!(
            Notification::decode(&note(size)),
            Err(NotificationDropped::TooShort { size })
        );
    }
    let n = Notification::decode(&note(28)).unwrap();
    assert_eq!(
        (n.peer_epoch, n.version(), &n.format),
        (5, 0, &NotificationFormat::NoPeerEpoch)
    );
    assert_eq!(n.encode(), Bytes::from(note(28)));
    for size in 29..36 {
        assert_eq!(
            Notification::decode(&note(size)),
            Err(NotificationDropped::Truncated {
                size,
                field: "peer epoch",
                needed: 36
            })
        );
    }
    for size in 36..40 {
        assert_eq!(
            Notification::decode(&note(size)),
            Err(NotificationDropped::Truncated {
                size,
                field: "version",
                needed: 40
            })
        );
    }
    // 40 bytes: the trailing int is not read, whatever it holds.
    let mut forty = note(40);
    forty[36..40].copy_from_slice(&7i32.to_be_bytes());
    let n = Notification::decode(&forty).unwrap();
    assert_eq!(
        (n.version(), &n.format, n.config()),
        (0, &NotificationFormat::PeerEpoch, None)
    );
    assert_eq!(&n.encode()[36..], &[0, 0, 0, 1]);
    // 41–43 bytes: the version is read; at most 1 means no config.
    for size in 41..44 {
        let mut m = note(size);
        m[36..40].copy_from_slice(&1i32.to_be_bytes());
        assert_eq!(
            Notification::decode(&m).unwrap().format,
            NotificationFormat::Versioned(1)
        );
        m[36..40].copy_from_slice(&2i32.to_be_bytes());
        assert_eq!(
            Notification::decode(&m),
            Err(NotificationDropped::Truncated {
                size,
                field: "config length",
                needed: 44
            })
        );
    }
    // A negative version is "no config" too.
    let mut m = note(50);
    m[36..40].copy_from_slice(&(-3i32).to_be_bytes());
    assert_eq!(Notification::decode(&m).unwrap().version(), -3);
}

#[test]
fn notification_config_length_rules() {
    let with_len = |len: i32, size: usize| {
        let mut m = note(size);
        m[36..40].copy_from_slice(&2i32.to_be_bytes());
        m[40..44].copy_from_slice(&len.to_be_bytes());
        m
    };
    let n = Notification::decode(&with_len(0, 44)).unwrap();
    assert_eq!(n.config(), Some(&Bytes::new()));
    assert_eq!(
        Notification::decode(&with_len(-1, 44)),
        Err(NotificationDropped::ConfigLength {
            config_len: -1,
            size: 44
        })
    );
    assert_eq!(
        Notification::decode(&with_len(51, 50)),
        Err(NotificationDropped::ConfigLength {
            config_len: 51,
            size: 50
        })
    );
    // Within the message size but past its end: dropped too.
    assert_eq!(
        Notification::decode(&with_len(7, 50)),
        Err(NotificationDropped::Truncated {
            size: 50,
            field: "config",
            needed: 51
        })
    );
    // Bytes after the config are ignored.
    let n = Notification::decode(&with_len(2, 50)).unwrap();
    assert_eq!(n.config().map(Bytes::len), Some(2));
}

#[test]
fn notification_state_is_checked_after_the_size() {
    let mut m = note(40);
    m[..4].copy_from_slice(&4i32.to_be_bytes());
    assert_eq!(
        Notification::decode(&m),
        Err(NotificationDropped::UnknownState(4))
    );
    let mut m = note(36);
    m[..4].copy_from_slice(&4i32.to_be_bytes());
    assert!(matches!(
        Notification::decode(&m),
        Err(NotificationDropped::Truncated { .. })
    ));
}

#[test]
fn notification_as_zookeeper_380_sent_it() {
    let config = "server.1=127.0.0.1:22888:23888:participant\n\
                  server.2=127.0.0.1:22889:23889:participant\nversion=0";
    let n = Notification::current(ServerState::Looking, 2, 0, 1, 0, Bytes::from(config));
    let b = n.encode();
    assert_eq!(b.len(), 139);
    assert_eq!(&b[36..44], &[0, 0, 0, 2, 0, 0, 0, 95]);
    assert_eq!(Notification::decode(&b).unwrap(), n);
    assert_eq!(n.version(), NOTIFICATION_VERSION);
}

#[test]
fn election_frames() {
    let mut w = BytesMut::new();
    encode_election_frame(b"abc", &mut w).unwrap();
    assert_eq!(&w[..], &[0, 0, 0, 3, b'a', b'b', b'c']);
    for cut in 0..w.len() {
        assert_eq!(decode_election_frame(&w[..cut]), Ok(None));
    }
    w.put_u8(9);
    assert_eq!(decode_election_frame(&w), Ok(Some((&b"abc"[..], 7))));
    for len in [0i32, -1, 524_289, i32::MIN] {
        assert_eq!(
            decode_election_frame(&len.to_be_bytes()),
            Err(ElectionFrameLength(len.into()))
        );
    }
    // The largest length is accepted before its payload arrives.
    assert_eq!(decode_election_frame(&524_288i32.to_be_bytes()), Ok(None));
    let max = vec![0u8; MAX_ELECTION_MESSAGE];
    let mut w = BytesMut::new();
    encode_election_frame(&max, &mut w).unwrap();
    assert_eq!(
        decode_election_frame(&w).unwrap().unwrap().1,
        4 + MAX_ELECTION_MESSAGE
    );
    let mut w = BytesMut::new();
    assert_eq!(
        encode_election_frame(&[], &mut w),
        Err(ElectionFrameLength(0))
    );
    let over = vec![0u8; MAX_ELECTION_MESSAGE + 1];
    assert_eq!(
        encode_election_frame(&over, &mut w),
        Err(ElectionFrameLength(524_289))
    );
    assert!(w.is_empty());
}

proptest! {
    #[test]
    fn handshakes_round_trip(h in strategies::handshake(), tail in proptest::collection::vec(any::<u8>(), 0..4)) {
        let mut b = h.encode().unwrap().to_vec();
        let n = b.len();
        b.extend(tail);
        prop_assert_eq!(ElectionHandshake::decode(&b).unwrap(), (h, n));
    }

    #[test]
    fn notifications_round_trip(n in strategies::notification()) {
        let b = n.encode();
        prop_assert_eq!(Notification::decode(&b).unwrap(), n.clone());
        let mut framed = BytesMut::new();
        encode_election_frame(&b, &mut framed).unwrap();
        let (payload, used) = decode_election_frame(&framed).unwrap().unwrap();
        prop_assert_eq!((payload, used), (&b[..], b.len() + 4));
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Ok((h, n)) = ElectionHandshake::decode(&b) {
            prop_assert!(n <= b.len());
            prop_assert_eq!(h.sid(), h.sid());
        }
        if let Ok(n) = Notification::decode(&b) {
            prop_assert_eq!(Notification::decode(&n.encode()).unwrap(), n);
        }
        let _ = decode_election_frame(&b);
    }

    #[test]
    fn handshakes_with_arbitrary_address_text_never_panic(
        sid in any::<i64>(),
        text in "[\\[\\]:|a0-9\u{e9}]{0,24}",
    ) {
        if let Ok((h, _)) = ElectionHandshake::decode(&v1(sid, text.as_bytes())) {
            prop_assert_eq!(h.sid(), sid);
            // Whatever is accepted can be written again, to the same value,
            // except a list Java emptied by dropping every address.
            match h.encode() {
                Ok(again) => prop_assert_eq!(ElectionHandshake::decode(&again).unwrap().0, h),
                Err(_) => {
                    let emptied = matches!(&h, ElectionHandshake::V1 { addresses, .. } if addresses.is_empty());
                    prop_assert!(emptied, "only an emptied address list may fail to encode");
                }
            }
        }
    }
}
