//! Golden tests: our prep of Golden.java's scenarios must produce the
//! TxnEntry bytes Apache ZooKeeper's classes wrote (`txnentry.*`, scenario
//! T; `disk.txnlog`, scenario D), digests included.

use bytes::Bytes;
use rzk_proto::client::{
    CheckVersionRequest, CreateRequest, CreateTtlRequest, DeleteRequest, MultiOp, MultiRequest,
    Request, SetAclRequest, SetDataRequest,
};
use rzk_proto::codes::OpCode;
use rzk_proto::data::{Acl, Id};
use rzk_proto::disk::TxnLogFile;
use rzk_proto::jute::Record;
use rzk_proto::txn::TxnEntry;

use super::{Harness, S1, S2, T0};
use crate::request::{Caller, Compat, NoConnAuth, ReconfigPlan, RequestEngine};

const S3: i64 = 0x0100_0a3b_c1d2_0002;
const BIN: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const DIGEST_ID: &str = "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=";

fn fixture(hex_text: &str) -> Bytes {
    let clean: String = hex_text.split_whitespace().collect();
    Bytes::from(hex::decode(clean).unwrap())
}

macro_rules! golden {
    ($name:literal) => {
        fixture(include_str!(concat!(
            "../../../../rzk-proto/tests/golden/",
            $name,
            ".hex"
        )))
    };
}

fn digest_all() -> Vec<Acl> {
    vec![Acl::new(31, Id::new("digest", DIGEST_ID))]
}

fn ip_rwcd() -> Vec<Acl> {
    vec![Acl::new(15, Id::new("ip", "127.0.0.1"))]
}

fn creq(opcode: OpCode, path: &str, data: Option<&[u8]>, acl: Vec<Acl>, flags: i32) -> Request {
    Request::Create {
        opcode,
        request: CreateRequest {
            path: path.into(),
            data: data.map(Bytes::copy_from_slice),
            acl,
            flags,
        },
    }
}

fn ttl_req(path: &str, data: &[u8], ttl: i64) -> Request {
    Request::CreateTtl(CreateTtlRequest {
        path: path.into(),
        data: Some(Bytes::copy_from_slice(data)),
        acl: Acl::open_unsafe(),
        flags: 5,
        ttl,
    })
}

fn set_req(path: &str, data: &[u8]) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: Some(Bytes::copy_from_slice(data)),
        version: -1,
    })
}

/// Prepares, compares with the fixture byte for byte, applies.
fn step(
    eng: &mut RequestEngine,
    caller: &Caller,
    cxid: i32,
    zxid: i64,
    req: &Request,
    want: &Bytes,
) {
    let e = eng
        .prep_write(caller, cxid, zxid, t(zxid & 0xffff), req)
        .unwrap();
    check_and_apply(eng, e, want);
}

fn check_and_apply(eng: &mut RequestEngine, e: TxnEntry, want: &Bytes) {
    let want_entry = TxnEntry::from_bytes(want.clone()).unwrap();
    assert_eq!(e, want_entry, "entry for zxid {:#x}", e.header.zxid);
    assert_eq!(e.to_bytes(), *want, "bytes for zxid {:#x}", e.header.zxid);
    eng.apply(&e, &NoConnAuth);
    if let Some(d) = e.digest {
        assert_eq!(
            eng.tree_digest(),
            d.tree_digest,
            "tree after {:#x}",
            e.header.zxid
        );
    }
}

fn t(zxid_low: i64) -> i64 {
    T0 + zxid_low * 1000
}

/// Scenario T of Golden.java (`txnEntries`), in order. The top-level check
/// needs 3.8.0's behaviour; TTL nodes need extended types.
#[test]
fn scenario_t_txn_entries() {
    let mut h = Harness::with(Compat::V3_8_0, true);
    let eng = &mut h.eng;
    let auth = [Id::new("ip", "127.0.0.1"), Id::new("digest", DIGEST_ID)];
    let c = Caller::new(S1, &auth);
    let z = |n: i64| 0x1_0000_0000 + n;

    let e = eng.prep_create_session(S1, 0, z(1), t(1), 30000);
    check_and_apply(eng, e, &golden!("txnentry.createSession"));
    let create = creq(
        OpCode::Create,
        "/app",
        Some(b"hello"),
        Acl::open_unsafe(),
        0,
    );
    step(eng, &c, 1, z(2), &create, &golden!("txnentry.create"));
    let r = creq(OpCode::Create2, "/app/\u{e9}", Some(BIN), digest_all(), 1);
    step(eng, &c, 2, z(3), &r, &golden!("txnentry.create2"));
    let r = creq(
        OpCode::CreateContainer,
        "/app/container",
        None,
        ip_rwcd(),
        4,
    );
    step(eng, &c, 3, z(4), &r, &golden!("txnentry.createContainer"));
    step(
        eng,
        &c,
        4,
        z(5),
        &ttl_req("/app/ttl", b"t", 60000),
        &golden!("txnentry.createTTL"),
    );
    step(
        eng,
        &c,
        5,
        z(6),
        &set_req("/app", b"world"),
        &golden!("txnentry.setData"),
    );
    let acl = vec![
        Acl::new(1, Id::anyone()),
        Acl::new(31, Id::new("digest", DIGEST_ID)),
    ];
    let r = Request::SetAcl(SetAclRequest {
        path: "/app".into(),
        acl,
        version: -1,
    });
    step(eng, &c, 6, z(7), &r, &golden!("txnentry.setACL"));
    let check = |v| CheckVersionRequest {
        path: "/app".into(),
        version: v,
    };
    step(
        eng,
        &c,
        7,
        z(8),
        &Request::Check(check(1)),
        &golden!("txnentry.check"),
    );

    // Written without the digest trailer; ours carries one, with the value
    // Golden.java's apply pinned.
    let r = creq(
        OpCode::Create,
        "/app/gone",
        Some(b""),
        Acl::open_unsafe(),
        0,
    );
    let mut e = eng.prep_write(&c, 8, z(9), t(9), &r).unwrap();
    assert_eq!(e.digest.map(|d| d.tree_digest), Some(0x0000_0004_c8f5_8162));
    e.digest = None;
    check_and_apply(eng, e, &golden!("txnentry.create.nodigest"));

    let multi = Request::Multi(MultiRequest {
        ops: vec![
            MultiOp::Create {
                opcode: OpCode::Create,
                request: CreateRequest {
                    path: "/app/eph2".into(),
                    data: Some(Bytes::from_static(BIN)),
                    acl: Acl::open_unsafe(),
                    flags: 1,
                },
            },
            MultiOp::SetData(SetDataRequest {
                path: "/app/ttl".into(),
                data: Some(Bytes::from_static(b"t2")),
                version: -1,
            }),
            MultiOp::Delete(DeleteRequest {
                path: "/app/gone".into(),
                version: -1,
            }),
            MultiOp::Check(check(1)),
        ],
    });
    step(eng, &c, 9, z(10), &multi, &golden!("txnentry.multi"));
    let failed = Request::Multi(MultiRequest {
        ops: vec![
            MultiOp::Create {
                opcode: OpCode::Create,
                request: CreateRequest {
                    path: "/app/x".into(),
                    data: Some(Bytes::from_static(b"x")),
                    acl: Acl::open_unsafe(),
                    flags: 0,
                },
            },
            MultiOp::SetData(SetDataRequest {
                path: "/nope".into(),
                data: None,
                version: -1,
            }),
            MultiOp::Delete(DeleteRequest {
                path: "/app".into(),
                version: -1,
            }),
        ],
    });
    step(
        eng,
        &c,
        10,
        z(11),
        &failed,
        &golden!("txnentry.multi.failed"),
    );
    let del = Request::Delete(DeleteRequest {
        path: "/app/ttl".into(),
        version: -1,
    });
    step(eng, &c, 11, z(12), &del, &golden!("txnentry.delete"));
    let e = eng.prep_delete_container("/app/container", z(13), t(13));
    check_and_apply(eng, e, &golden!("txnentry.deleteContainer"));

    let cfg = "server.1=127.0.0.1:22888:23888:participant\n\
               server.2=127.0.0.1:22889:23889:participant\n\
               server.3=127.0.0.1:22890:23890:participant\nversion=10000000e";
    // /zookeeper/config is world-readable only: a super user reconfigures.
    let su = [Id::new("super", "")];
    let plan = ReconfigPlan::NewConfig(Bytes::from(cfg));
    let e = eng.prep_reconfig(&Caller::new(S1, &su), 12, z(14), t(14), plan);
    check_and_apply(eng, e, &golden!("txnentry.reconfig"));

    step(eng, &c, 13, z(15), &create, &golden!("txnentry.error"));
    let e = eng.prep_close_session(S1, 14, z(16), t(16));
    check_and_apply(eng, e, &golden!("txnentry.closeSession"));
    assert_eq!(eng.outstanding_changes(), 0);
}

/// Scenario D of Golden.java (`diskScenario`): every entry of the real log
/// file ZooKeeper wrote.
#[test]
fn scenario_d_txn_log() {
    let log = TxnLogFile::decode(golden!("disk.txnlog")).unwrap();
    let want: Vec<Bytes> = log.entries.iter().map(|e| e.txn.clone()).collect();
    assert_eq!(want.len(), 11);
    let mut h = Harness::with(Compat::default(), true);
    let eng = &mut h.eng;
    let auth = [Id::new("ip", "127.0.0.1")];
    let c1 = Caller::new(S1, &auth);
    let c2 = Caller::new(S2, &auth);
    let z = |n: i64| 0x1_0000_0000 + n;

    for (i, (s, timeout)) in [(S1, 30000), (S2, 10000), (S3, 40000)]
        .into_iter()
        .enumerate()
    {
        let n = i as i64 + 1;
        let e = eng.prep_create_session(s, 0, z(n), t(n), timeout);
        check_and_apply(eng, e, &want[i]);
    }
    let r = creq(
        OpCode::Create,
        "/app",
        Some(b"hello"),
        Acl::open_unsafe(),
        0,
    );
    step(eng, &c1, 1, z(4), &r, &want[3]);
    let r = creq(OpCode::Create2, "/app/\u{e9}", Some(BIN), digest_all(), 0);
    step(eng, &c1, 2, z(5), &r, &want[4]);
    let r = creq(
        OpCode::CreateContainer,
        "/app/container",
        None,
        ip_rwcd(),
        4,
    );
    step(eng, &c1, 3, z(6), &r, &want[5]);
    step(
        eng,
        &c1,
        4,
        z(7),
        &ttl_req("/app/ttl", b"", 60000),
        &want[6],
    );
    let r = creq(OpCode::Create, "/app/container/eph", None, digest_all(), 1);
    step(eng, &c2, 1, z(8), &r, &want[7]);
    step(eng, &c1, 5, z(9), &set_req("/app", b"world"), &want[8]);
    let multi = Request::Multi(MultiRequest {
        ops: vec![
            MultiOp::Create {
                opcode: OpCode::Create,
                request: CreateRequest {
                    path: "/app/m".into(),
                    data: Some(Bytes::from_static(b"m")),
                    acl: Acl::open_unsafe(),
                    flags: 1,
                },
            },
            MultiOp::SetData(SetDataRequest {
                path: "/app/ttl".into(),
                data: Some(Bytes::from_static(BIN)),
                version: -1,
            }),
            MultiOp::Check(CheckVersionRequest {
                path: "/app".into(),
                version: 1,
            }),
        ],
    });
    step(eng, &c1, 6, z(10), &multi, &want[9]);
    let e = eng.prep_close_session(S1, 7, z(11), t(11));
    check_and_apply(eng, e, &want[10]);
    assert_eq!(eng.last_processed_zxid(), z(11));
}
