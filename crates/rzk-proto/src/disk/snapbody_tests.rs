//! Tests of the SNAP body: layout, signature errors, streaming, round trips.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::disk::strategies;
use crate::disk::tree::{SessionEntry, ROOT_PATH};

fn body() -> SnapBody {
    SnapBody {
        tree: DataTreeImage {
            head: TreeHead {
                sessions: vec![SessionEntry {
                    session_id: 5,
                    timeout: 4000,
                }],
                acl_cache: vec![],
            },
            nodes: vec![
                SnapNode {
                    path: ROOT_PATH.into(),
                    acl_ref: -1,
                    ..SnapNode::default()
                },
                SnapNode {
                    path: "/x".into(),
                    data: Some(Bytes::from_static(b"v")),
                    acl_ref: -1,
                    ..SnapNode::default()
                },
            ],
        },
    }
}

#[test]
fn layout_is_the_tree_then_the_signature_with_no_header_or_seal() {
    let b = body();
    let bytes = b.to_bytes();
    assert_eq!(bytes.len(), b.encoded_len());
    assert_eq!(&bytes[..4], &[0, 0, 0, 1], "starts with the session count");
    assert!(bytes.ends_with(b"\0\0\0\x01/\0\0\0\x0aBenWasHere"));
    assert_eq!(SnapBody::from_bytes(bytes).unwrap(), b);
}

#[test]
fn a_wrong_signature_is_a_typed_error() {
    let bytes = body().to_bytes();
    let sig_at = bytes.len() - 14;
    let mut bad = BytesMut::from(&bytes[..]);
    bad[sig_at + 4] = b'b';
    let e = SnapBody::from_bytes(bad).unwrap_err();
    assert_eq!(
        (e.record, e.field, e.offset),
        ("SnapBody", "signature", sig_at)
    );
    assert!(matches!(e.kind, DecodeErrorKind::Malformed(_)), "{e}");

    let mut null = BytesMut::from(&bytes[..sig_at]);
    null.put_i32(-1);
    let e = SnapBody::from_bytes(null).unwrap_err();
    assert_eq!(
        (e.field, e.kind),
        ("signature", DecodeErrorKind::UnexpectedNull)
    );

    let e = SnapBody::from_bytes(bytes.slice(..sig_at)).unwrap_err();
    assert_eq!(e.field, "signature");
    assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }), "{e}");
}

#[test]
fn truncation_anywhere_is_an_error() {
    let bytes = body().to_bytes();
    for cut in 0..bytes.len() {
        assert!(
            SnapBody::from_bytes(bytes.slice(..cut)).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn the_stream_reader_stops_after_the_signature() {
    let b = body();
    let mut stream = BytesMut::from(&b.to_bytes()[..]);
    stream.put_slice(b"next packet");
    let mut r = Reader::new(stream.freeze());
    let (mut nodes, head) = SnapBodyReader::open(&mut r).unwrap();
    assert_eq!(head, b.tree.head);
    assert_eq!(nodes.next_node().unwrap().as_ref(), Some(&b.tree.nodes[0]));
    nodes.finish().unwrap();
    assert_eq!(r.remaining(), b"next packet".len());

    let mut r = Reader::new(b.to_bytes());
    assert_eq!(SnapBody::read(&mut r, "body").unwrap(), b);
    r.finish("end").unwrap();
}

#[test]
fn the_writer_produces_the_same_bytes() {
    let b = body();
    let mut out = Vec::new();
    let mut w = SnapBodyWriter::begin(&b.tree.head, &mut out);
    for n in &b.tree.nodes {
        w.node(n, &mut out);
    }
    w.finish(&mut out);
    assert_eq!(out, b.to_bytes());
}

proptest! {
    #[test]
    fn snap_bodies_round_trip(tree in strategies::image()) {
        let b = SnapBody { tree };
        prop_assert_eq!(SnapBody::from_bytes(b.to_bytes()).unwrap(), b);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = SnapBody::from_bytes(bytes.clone());
        let mut r = Reader::new(bytes);
        if let Ok((mut nodes, _)) = SnapBodyReader::open(&mut r) {
            while let Ok(Some(_)) = nodes.next_node() {}
            let _ = nodes.finish();
        }
    }
}
