//! Test helpers: real `TxnEntry` encodings with known zxids, and a hex
//! fixture reader, shared by the writer, reader and crash tests.

use bytes::Bytes;
use rzk_proto::data::{Acl, Id};
use rzk_proto::jute::Record;
use rzk_proto::txn::{CreateTxn, SetDataTxn, TxnBody, TxnDigest, TxnEntry};

use crate::sim_rng::SimRng;

/// A setData txn of `/node<n>` with `len` bytes of data, as the leader
/// would log it (with a digest).
pub(crate) fn set_data(zxid: i64, len: usize, fill: u8) -> Vec<u8> {
    let body = TxnBody::SetData(SetDataTxn {
        path: format!("/node{}", zxid % 7),
        data: Some(Bytes::from(vec![fill; len])),
        version: (zxid % 1000) as i32,
    });
    entry(zxid, body)
}

/// A create txn of `/n<zxid>`, world-readable.
pub(crate) fn create(zxid: i64) -> Vec<u8> {
    let body = TxnBody::Create(CreateTxn {
        path: format!("/n{zxid:x}"),
        data: Some(Bytes::from_static(b"created")),
        acl: vec![Acl {
            perms: 31,
            id: Id {
                scheme: "world".into(),
                id: "anyone".into(),
            },
        }],
        ephemeral: zxid % 2 == 0,
        parent_cversion: 1,
    });
    entry(zxid, body)
}

/// A random-sized setData or create for `zxid`; sizes range from a few
/// dozen bytes to a few KiB so entries cross preallocation boundaries.
pub(crate) fn random_txn(zxid: i64, rng: &mut SimRng) -> Vec<u8> {
    match rng.below(4) {
        0 => create(zxid),
        1 => set_data(zxid, rng.index(3000), rng.below(256) as u8),
        _ => set_data(zxid, rng.index(120), rng.below(256) as u8),
    }
}

fn entry(zxid: i64, body: TxnBody) -> Vec<u8> {
    let digest = TxnDigest {
        version: 2,
        tree_digest: zxid.wrapping_mul(0x9E37_79B9),
    };
    let e = TxnEntry::new(
        0x1234,
        zxid as i32,
        zxid,
        1_700_000_000_000 + zxid,
        body,
        Some(digest),
    );
    e.to_bytes().to_vec()
}

/// Bytes of a hex fixture (whitespace ignored).
pub(crate) fn from_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// `Apache ZooKeeper 3.8`'s own `log.100000001` (FileTxnLog with
/// preAllocSize 8192, eleven txns), from rzk-proto's golden fixtures.
pub(crate) fn zookeeper_log() -> Vec<u8> {
    from_hex(include_str!("../../rzk-proto/tests/golden/disk.txnlog.hex"))
}
