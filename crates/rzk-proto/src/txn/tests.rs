//! Size rules, legacy fallbacks and every error path of txn decoding, plus
//! property tests: round trip, and no panic on arbitrary bytes.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::strategies;
use super::*;
use crate::data::Acl;
use crate::jute::{DecodeErrorKind, Jute, Record};

fn digest() -> TxnDigest {
    TxnDigest {
        version: 2,
        tree_digest: 0x0123_4567_89ab_cdef,
    }
}

fn entry(body: TxnBody, digest: Option<TxnDigest>) -> TxnEntry {
    TxnEntry::new(0x100, 7, 0x1_0000_0002, 1_700_000_000_000, body, digest)
}

fn header_bytes(txn_type: i32) -> BytesMut {
    let mut b = BytesMut::new();
    TxnHeader {
        client_id: 1,
        cxid: 2,
        zxid: 3,
        time: 4,
        txn_type,
    }
    .write(&mut b);
    b
}

fn decode(b: impl Into<Bytes>) -> Result<TxnEntry, crate::jute::DecodeError> {
    TxnEntry::from_bytes(b)
}

#[test]
fn sizes_match_the_wire_examples() {
    // createSession PROPOSAL: header 32 + timeout 4 + digest 12 = 48.
    let e = entry(
        TxnBody::CreateSession(CreateSessionTxn { timeout: 30000 }),
        Some(digest()),
    );
    assert_eq!(e.to_bytes().len(), 48);
    assert_eq!(e.encoded_len(), 48);
    // create /q1 "abc" [31 world:anyone] PROPOSAL: 90 bytes.
    let e = entry(
        TxnBody::Create(CreateTxn {
            path: "/q1".into(),
            data: Some(Bytes::from_static(b"abc")),
            acl: Acl::open_unsafe(),
            ephemeral: false,
            parent_cversion: 1,
        }),
        Some(digest()),
    );
    assert_eq!(e.to_bytes().len(), 90);
    assert_eq!(decode(e.to_bytes()).unwrap(), e);
}

#[test]
fn unknown_header_type_is_named_with_its_offset() {
    for bad in [0, 3, 9, 17, 22, 100, -12, i32::MIN] {
        let e = decode(header_bytes(bad).freeze()).unwrap_err();
        assert_eq!(
            (e.record, e.field, e.offset),
            ("TxnHeader", "type", 28),
            "{e}"
        );
        assert!(
            matches!(e.kind, DecodeErrorKind::InvalidValue { value, .. } if value == i64::from(bad)),
            "{e}"
        );
    }
}

#[test]
fn truncated_header_and_record_are_errors() {
    let full = entry(TxnBody::Delete(DeleteTxn { path: "/a".into() }), None).to_bytes();
    for cut in 0..full.len() {
        let e = decode(full.slice(..cut)).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::Truncated { .. }),
            "cut {cut}: {e}"
        );
    }
}

#[test]
fn bytes_after_the_record_must_be_exactly_one_digest() {
    for extra in [1usize, 4, 11, 13, 24] {
        let mut b =
            BytesMut::from(&entry(TxnBody::Error(ErrorTxn { err: -101 }), None).to_bytes()[..]);
        b.put_bytes(0, extra);
        let e = decode(b.freeze()).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TrailingBytes(extra), "{e}");
        assert_eq!((e.record, e.field), ("TxnEntry", "digest"));
    }
}

#[test]
fn close_session_with_and_without_record_and_digest() {
    let paths = CloseSessionTxn {
        paths_to_delete: vec!["/e1".into()],
    };
    for body in [
        TxnBody::CloseSession(None),
        TxnBody::CloseSession(Some(paths.clone())),
        TxnBody::CloseSession(Some(CloseSessionTxn::default())),
    ] {
        for d in [None, Some(digest())] {
            let e = entry(body.clone(), d);
            assert_eq!(decode(e.to_bytes()).unwrap(), e);
        }
    }
    // No record but a digest: exactly 12 bytes after the header.
    let e = entry(TxnBody::CloseSession(None), Some(digest()));
    assert_eq!(e.to_bytes().len(), 32 + 12);
}

#[test]
fn close_session_twelve_bytes_that_read_both_ways_are_the_record() {
    // Digest {version 2, treeDigest 0} is also count 2 + two empty paths.
    let d = TxnDigest {
        version: 2,
        tree_digest: 0,
    };
    let bytes = entry(TxnBody::CloseSession(None), Some(d)).to_bytes();
    let got = decode(bytes.clone()).unwrap();
    assert_eq!(
        got.body,
        TxnBody::CloseSession(Some(CloseSessionTxn {
            paths_to_delete: vec![String::new(), String::new()]
        }))
    );
    assert_eq!(got.digest, None);
    assert_eq!(
        got.to_bytes(),
        bytes,
        "either reading re-encodes the same bytes"
    );
}

#[test]
fn close_session_garbage_is_an_error() {
    let mut b = header_bytes(-11);
    b.put_i32(5); // five paths, but only 3 bytes follow
    b.put_bytes(0, 3);
    let e = decode(b.freeze()).unwrap_err();
    assert_eq!(e.record, "CloseSessionTxn", "{e}");
}

#[test]
fn create_v0_is_read_when_create_hits_the_end() {
    let v0 = CreateTxnV0 {
        path: "/old".into(),
        data: None,
        acl: Acl::open_unsafe(),
        ephemeral: true,
    };
    for d in [None, Some(digest())] {
        let e = entry(TxnBody::CreateV0(v0.clone()), d);
        let got = decode(e.to_bytes()).unwrap();
        assert_eq!(got, e);
        assert_eq!(got.header.txn_type, 1);
    }
    let up = v0.upgrade();
    assert_eq!(up.parent_cversion, -1);
    assert_eq!((up.path.as_str(), up.ephemeral), ("/old", true));
}

#[test]
fn create2_has_no_v0_fallback() {
    let v0 = CreateTxnV0 {
        path: "/old".into(),
        data: None,
        acl: vec![],
        ephemeral: false,
    };
    let mut b = header_bytes(15);
    v0.write(&mut b);
    let e = decode(b.freeze()).unwrap_err();
    assert_eq!((e.record, e.field), ("CreateTxn", "parent_cversion"));
    assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }), "{e}");
}

#[test]
fn create_that_fits_neither_form_reports_the_current_form() {
    let mut b = header_bytes(1);
    b.put_i32(2);
    b.put_slice(b"/a");
    b.put_i32(-1);
    b.put_i32(0);
    b.put_u8(0);
    b.put_i32(9); // parentCVersion
    b.put_bytes(0, 5); // five stray bytes
    let e = decode(b.freeze()).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TrailingBytes(5), "{e}");
}

#[test]
fn top_level_check_decodes() {
    let e = entry(
        TxnBody::Check(CheckVersionTxn {
            path: "/c".into(),
            version: 3,
        }),
        Some(digest()),
    );
    assert_eq!(decode(e.to_bytes()).unwrap(), e);
    assert_eq!(e.header.txn_type, 13);
}

#[test]
fn multi_ops_are_decoded_by_type_and_errors_point_into_them() {
    let ops = vec![
        SubTxn::Create(CreateTxn {
            path: "/m".into(),
            data: Some(Bytes::new()),
            acl: Acl::open_unsafe(),
            ephemeral: false,
            parent_cversion: 2,
        }),
        SubTxn::Check(CheckVersionTxn {
            path: "/m".into(),
            version: 0,
        }),
        SubTxn::Error(ErrorTxn { err: 0 }),
    ];
    let e = entry(TxnBody::Multi(ops.clone()), Some(digest()));
    let bytes = e.to_bytes();
    assert_eq!(decode(bytes.clone()).unwrap(), e);
    assert_eq!(to_multi_txn(&ops).encoded_len() + 32 + 12, bytes.len());
    assert_eq!(
        MultiTxn::from_bytes(bytes.slice(32..bytes.len() - 12)).unwrap(),
        to_multi_txn(&ops)
    );

    // An op type a multi may not hold (getData, 4), in the second op.
    let mut raw = to_multi_txn(&ops);
    raw.txns[1].txn_type = 4;
    let mut b = header_bytes(14);
    raw.write(&mut b);
    let err = decode(b.freeze()).unwrap_err();
    let second_type_at = 32 + 4 + raw.txns[0].encoded_len();
    assert_eq!(
        (err.record, err.field, err.offset),
        ("Txn", "type", second_type_at),
        "{err}"
    );
    assert!(matches!(
        err.kind,
        DecodeErrorKind::InvalidValue { value: 4, .. }
    ));

    // An op whose data has a stray byte: the offset is inside the entry.
    let mut raw = to_multi_txn(&ops);
    let mut data = BytesMut::from(&raw.txns[2].data[..]);
    data.put_u8(0);
    raw.txns[2].data = data.freeze();
    let mut b = header_bytes(14);
    raw.write(&mut b);
    let len = b.len();
    let err = decode(b.freeze()).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TrailingBytes(1), "{err}");
    assert_eq!(err.offset, len - 1);

    // A null op vector.
    let mut b = header_bytes(14);
    b.put_i32(-1);
    let err = decode(b.freeze()).unwrap_err();
    assert_eq!(
        (err.record, err.field, err.kind),
        ("MultiTxn", "txns", DecodeErrorKind::UnexpectedNull)
    );
}

#[test]
fn null_data_survives_and_header_op_code_is_typed() {
    let e = entry(
        TxnBody::SetData(SetDataTxn {
            path: "/n".into(),
            data: None,
            version: 1,
        }),
        None,
    );
    let got = decode(e.to_bytes()).unwrap();
    assert_eq!(got, e);
    assert_eq!(got.header.op_code(), Ok(crate::codes::OpCode::SetData));
    assert_eq!(got.body.op_code(), crate::codes::OpCode::SetData,);
}

#[test]
fn set_max_children_is_path_and_max() {
    let t = SetMaxChildrenTxn {
        path: "/p".into(),
        max: 10,
    };
    assert_eq!(&t.to_bytes()[..], &[0, 0, 0, 2, b'/', b'p', 0, 0, 0, 10]);
    assert_eq!(SetMaxChildrenTxn::from_bytes(t.to_bytes()).unwrap(), t);
}

proptest! {
    #[test]
    fn entries_round_trip(e in strategies::entry()) {
        let bytes = e.to_bytes();
        prop_assert_eq!(bytes.len(), e.encoded_len());
        let got = decode(bytes.clone()).unwrap();
        prop_assert_eq!(&got, &e);
        prop_assert_eq!(got.to_bytes(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..128)) {
        if let Ok(e) = decode(b) {
            // Whatever decodes re-encodes to bytes that decode the same
            // (not always the same bytes: a boolean byte 7 reads as true
            // and is written back as 1).
            prop_assert_eq!(decode(e.to_bytes()).unwrap(), e);
        }
    }

    #[test]
    fn arbitrary_tails_after_a_valid_header_never_panic(
        t in prop_oneof![Just(-11), Just(-10), Just(-1), 1..=21],
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut b = header_bytes(t);
        b.put_slice(&tail);
        if let Ok(e) = decode(b.freeze()) {
            prop_assert_eq!(decode(e.to_bytes()).unwrap(), e);
        }
    }

    #[test]
    fn corrupting_an_entry_never_panics(e in strategies::entry(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut b = BytesMut::from(&e.to_bytes()[..]);
        let i = at.index(b.len());
        b[i] = byte;
        if let Ok(e) = decode(b.freeze()) {
            prop_assert_eq!(decode(e.to_bytes()).unwrap(), e);
        }
    }
}
