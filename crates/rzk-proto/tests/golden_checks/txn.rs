//! Golden checks for the txn records (§2.5) and whole txn entries (§5.7):
//! scenario T of tools/golden/Golden.java, one session S1 on a fresh tree.

use bytes::Bytes;
use rzk_proto::txn::*;

use super::common::{roundtrip, Check};
use super::values::*;

macro_rules! checks {
    ($( $name:literal => |$b:ident| $body:expr ),* $(,)?) => {
        /// Every fixture this module checks.
        pub const CHECKS: &[Check] = &[ $( ($name, |$b: &[u8]| $body) ),* ];
    };
}

fn d(tree_digest: i64) -> Option<TxnDigest> {
    Some(TxnDigest {
        version: 2,
        tree_digest,
    })
}

/// An entry of session S1 at `zxid` (cxid, time T0 + `ms`).
fn s1(cxid: i32, zxid: i64, ms: i64, body: TxnBody, digest: Option<TxnDigest>) -> TxnEntry {
    TxnEntry::new(S1, cxid, zxid, T0 + ms, body, digest)
}

fn create(
    path: &str,
    data: Option<Bytes>,
    acl: Vec<rzk_proto::data::Acl>,
    eph: bool,
    pcv: i32,
) -> CreateTxn {
    CreateTxn {
        path: path.into(),
        data,
        acl,
        ephemeral: eph,
        parent_cversion: pcv,
    }
}

fn acl_read_world_all_digest() -> Vec<rzk_proto::data::Acl> {
    vec![
        rzk_proto::data::Acl::new(1, world()),
        rzk_proto::data::Acl::new(31, digest()),
    ]
}

/// The 3-server config text of txnentry.reconfig (QuorumMaj.toString()).
pub fn config_3() -> String {
    format!("{CONFIG_2}server.3=127.0.0.1:22890:23890:participant\nversion=10000000e")
}

/// txnentry.reconfig, also the proposal inside quorum.packet.INFORMANDACTIVATE.
pub fn reconfig_entry() -> TxnEntry {
    s1(
        12,
        0x1_0000_000e,
        14000,
        TxnBody::Reconfig(SetDataTxn {
            path: "/zookeeper/config".into(),
            data: Some(Bytes::from(config_3())),
            version: -1,
        }),
        d(0x3_0525_af56),
    )
}

/// Scenario D's z4 (create /app), the data of quorum.packet.PROPOSAL / INFORM.
pub fn proposal_create_app() -> TxnEntry {
    s1(
        1,
        0x1_0000_0004,
        4000,
        TxnBody::Create(create("/app", Some(bytes("hello")), open(), false, 1)),
        d(0xfc5f_1a23),
    )
}

checks! {
    // ---- bare records ----
    "txn.TxnDigest" => |b| roundtrip(b, &TxnDigest { version: 2, tree_digest: 0xfedc_ba98_7654_3210_u64 as i64 }),
    "txn.TxnHeader" => |b| roundtrip(b, &TxnHeader { client_id: S1, cxid: 42, zxid: 0x1_0000_0007, time: T0, txn_type: 1 }),
    "txn.TxnHeader.negative" => |b| roundtrip(b, &TxnHeader { client_id: 0, cxid: -1, zxid: i64::MAX, time: -1, txn_type: -11 }),
    "txn.CreateTxnV0" => |b| roundtrip(b, &CreateTxnV0 { path: "/a".into(), data: Some(bytes("v")), acl: open(), ephemeral: true }),
    "txn.CreateTxn" => |b| roundtrip(b, &create("/app/é", Some(bin()), digest_all(), false, 3)),
    "txn.CreateTxn.nulldata" => |b| roundtrip(b, &create("/n", None, open(), true, -1)),
    "txn.CreateTTLTxn" => |b| roundtrip(b, &CreateTtlTxn { path: "/ttl".into(), data: Some(bytes("t")), acl: open(), parent_cversion: 1, ttl: 60000 }),
    "txn.CreateContainerTxn" => |b| roundtrip(b, &CreateContainerTxn { path: "/c".into(), data: None, acl: ip_rwcd(), parent_cversion: 2 }),
    "txn.DeleteTxn" => |b| roundtrip(b, &DeleteTxn { path: "/app".into() }),
    "txn.SetDataTxn" => |b| roundtrip(b, &SetDataTxn { path: "/app".into(), data: Some(bytes("world")), version: 2 }),
    "txn.CheckVersionTxn" => |b| roundtrip(b, &CheckVersionTxn { path: "/app".into(), version: 3 }),
    "txn.SetACLTxn" => |b| roundtrip(b, &SetAclTxn { path: "/app".into(), acl: acl_read_world_all_digest(), version: 1 }),
    "txn.SetMaxChildrenTxn" => |b| roundtrip(b, &SetMaxChildrenTxn { path: "/app".into(), max: 10 }),
    "txn.CreateSessionTxn" => |b| roundtrip(b, &CreateSessionTxn { timeout: 30000 }),
    "txn.CloseSessionTxn" => |b| roundtrip(b, &CloseSessionTxn { paths_to_delete: strings(&["/app/eph", "/app/é"]) }),
    "txn.CloseSessionTxn.empty" => |b| roundtrip(b, &CloseSessionTxn { paths_to_delete: vec![] }),
    "txn.ErrorTxn" => |b| roundtrip(b, &ErrorTxn { err: -101 }),
    "txn.Txn" => |b| roundtrip(b, &SubTxn::Delete(DeleteTxn { path: "/app".into() }).to_txn()),
    "txn.MultiTxn" => |b| roundtrip(b, &to_multi_txn(&[
        SubTxn::SetData(SetDataTxn { path: "/app".into(), data: Some(bytes("world")), version: 2 }),
        SubTxn::Check(CheckVersionTxn { path: "/app".into(), version: 3 }),
        SubTxn::Error(ErrorTxn { err: -2 }),
    ])),

    // ---- whole entries (scenario T) ----
    "txnentry.createSession" => |b| roundtrip(b, &s1(0, 0x1_0000_0001, 1000,
        TxnBody::CreateSession(CreateSessionTxn { timeout: 30000 }), d(0x51c6_d660))),
    "txnentry.create" => |b| roundtrip(b, &s1(1, 0x1_0000_0002, 2000,
        TxnBody::Create(create("/app", Some(bytes("hello")), open(), false, 1)), d(0x1_471d_beb6))),
    "txnentry.create2" => |b| roundtrip(b, &s1(2, 0x1_0000_0003, 3000,
        TxnBody::Create2(create("/app/é", Some(bin()), digest_all(), true, 1)), d(0x2_7d14_01e4))),
    "txnentry.createContainer" => |b| roundtrip(b, &s1(3, 0x1_0000_0004, 4000,
        TxnBody::CreateContainer(CreateContainerTxn {
            path: "/app/container".into(), data: None, acl: ip_rwcd(), parent_cversion: 2,
        }), d(0x3_e340_8bce))),
    "txnentry.createTTL" => |b| roundtrip(b, &s1(4, 0x1_0000_0005, 5000,
        TxnBody::CreateTtl(CreateTtlTxn {
            path: "/app/ttl".into(), data: Some(bytes("t")), acl: open(), parent_cversion: 3, ttl: 60000,
        }), d(0x4_569c_c39a))),
    "txnentry.setData" => |b| roundtrip(b, &s1(5, 0x1_0000_0006, 6000,
        TxnBody::SetData(SetDataTxn { path: "/app".into(), data: Some(bytes("world")), version: 1 }),
        d(0x3_d51c_5b68))),
    "txnentry.setACL" => |b| roundtrip(b, &s1(6, 0x1_0000_0007, 7000,
        TxnBody::SetAcl(SetAclTxn { path: "/app".into(), acl: acl_read_world_all_digest(), version: 1 }),
        d(0x3_e063_6f2b))),
    "txnentry.check" => |b| roundtrip(b, &s1(7, 0x1_0000_0008, 8000,
        TxnBody::Check(CheckVersionTxn { path: "/app".into(), version: 2 }), d(0x3_e063_6f2b))),
    "txnentry.create.nodigest" => |b| roundtrip(b, &s1(8, 0x1_0000_0009, 9000,
        TxnBody::Create(create("/app/gone", Some(Bytes::new()), open(), false, 4)), None)),
    "txnentry.multi" => |b| roundtrip(b, &s1(9, 0x1_0000_000a, 10000, TxnBody::Multi(vec![
        SubTxn::Create(create("/app/eph2", Some(bin()), open(), true, 5)),
        SubTxn::SetData(SetDataTxn { path: "/app/ttl".into(), data: Some(bytes("t2")), version: 1 }),
        SubTxn::Delete(DeleteTxn { path: "/app/gone".into() }),
        SubTxn::Check(CheckVersionTxn { path: "/app".into(), version: 2 }),
    ]), d(0x4_c892_09d2))),
    // Prep keeps the ops before the failing one as they were.
    "txnentry.multi.failed" => |b| roundtrip(b, &s1(10, 0x1_0000_000b, 11000, TxnBody::Multi(vec![
        SubTxn::Create(create("/app/x", Some(bytes("x")), open(), false, 6)),
        SubTxn::Error(ErrorTxn { err: -101 }),
        SubTxn::Error(ErrorTxn { err: -2 }),
    ]), d(0x4_c892_09d2))),
    "txnentry.delete" => |b| roundtrip(b, &s1(11, 0x1_0000_000c, 12000,
        TxnBody::Delete(DeleteTxn { path: "/app/ttl".into() }), d(0x4_640a_4b60))),
    "txnentry.deleteContainer" => |b| roundtrip(b, &TxnEntry::new(0, 0, 0x1_0000_000d, T0 + 13000,
        TxnBody::DeleteContainer(DeleteTxn { path: "/app/container".into() }), d(0x3_0525_af56))),
    "txnentry.reconfig" => |b| roundtrip(b, &reconfig_entry()),
    "txnentry.error" => |b| roundtrip(b, &s1(13, 0x1_0000_000f, 15000,
        TxnBody::Error(ErrorTxn { err: -110 }), None)),
    "txnentry.closeSession" => |b| roundtrip(b, &s1(14, 0x1_0000_0010, 16000,
        TxnBody::CloseSession(Some(CloseSessionTxn { paths_to_delete: strings(&["/app/eph2", "/app/é"]) })),
        d(0x1_75d7_2b16))),
}
