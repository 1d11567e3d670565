//! Proptest strategies for every txn record and for whole [`TxnEntry`]s,
//! shared with the quorum tests (PROPOSAL and INFORM carry entries).

use bytes::Bytes;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::*;
use crate::data::{Acl, Id};
use crate::jute::Record;

/// Any string, short (so cases stay fast), including non-ASCII.
pub(crate) fn text() -> impl Strategy<Value = String> {
    "\\PC{0,8}"
}

/// Any buffer, short.
pub(crate) fn bytes() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..16).prop_map(Bytes::from)
}

/// A buffer that may be null.
pub(crate) fn opt_bytes() -> impl Strategy<Value = Option<Bytes>> {
    option::of(bytes())
}

/// Any id.
pub(crate) fn id() -> impl Strategy<Value = Id> {
    (text(), text()).prop_map(|(scheme, id)| Id { scheme, id })
}

fn acls() -> impl Strategy<Value = Vec<Acl>> {
    vec(
        (any::<i32>(), id()).prop_map(|(perms, id)| Acl { perms, id }),
        0..3,
    )
}

fn create() -> impl Strategy<Value = CreateTxn> {
    (text(), opt_bytes(), acls(), any::<bool>(), any::<i32>()).prop_map(
        |(path, data, acl, ephemeral, parent_cversion)| CreateTxn {
            path,
            data,
            acl,
            ephemeral,
            parent_cversion,
        },
    )
}

fn create_v0() -> impl Strategy<Value = CreateTxnV0> {
    (text(), opt_bytes(), acls(), any::<bool>()).prop_map(|(path, data, acl, ephemeral)| {
        CreateTxnV0 {
            path,
            data,
            acl,
            ephemeral,
        }
    })
}

fn create_ttl() -> impl Strategy<Value = CreateTtlTxn> {
    (text(), opt_bytes(), acls(), any::<i32>(), any::<i64>()).prop_map(
        |(path, data, acl, parent_cversion, ttl)| CreateTtlTxn {
            path,
            data,
            acl,
            parent_cversion,
            ttl,
        },
    )
}

fn create_container() -> impl Strategy<Value = CreateContainerTxn> {
    (text(), opt_bytes(), acls(), any::<i32>()).prop_map(|(path, data, acl, parent_cversion)| {
        CreateContainerTxn {
            path,
            data,
            acl,
            parent_cversion,
        }
    })
}

fn delete() -> impl Strategy<Value = DeleteTxn> {
    text().prop_map(|path| DeleteTxn { path })
}

fn set_data() -> impl Strategy<Value = SetDataTxn> {
    (text(), opt_bytes(), any::<i32>()).prop_map(|(path, data, version)| SetDataTxn {
        path,
        data,
        version,
    })
}

fn check() -> impl Strategy<Value = CheckVersionTxn> {
    (text(), any::<i32>()).prop_map(|(path, version)| CheckVersionTxn { path, version })
}

fn error() -> impl Strategy<Value = ErrorTxn> {
    any::<i32>().prop_map(|err| ErrorTxn { err })
}

/// Any multi operation.
pub(crate) fn sub_txn() -> impl Strategy<Value = SubTxn> {
    prop_oneof![
        create().prop_map(SubTxn::Create),
        create().prop_map(SubTxn::Create2),
        create_container().prop_map(SubTxn::CreateContainer),
        create_ttl().prop_map(SubTxn::CreateTtl),
        delete().prop_map(SubTxn::Delete),
        delete().prop_map(SubTxn::DeleteContainer),
        set_data().prop_map(SubTxn::SetData),
        check().prop_map(SubTxn::Check),
        error().prop_map(SubTxn::Error),
    ]
}

/// Any txn body.
pub(crate) fn body() -> impl Strategy<Value = TxnBody> {
    prop_oneof![
        any::<i32>().prop_map(|timeout| TxnBody::CreateSession(CreateSessionTxn { timeout })),
        option::of(vec(text(), 0..3)).prop_map(|p| TxnBody::CloseSession(
            p.map(|paths_to_delete| CloseSessionTxn { paths_to_delete })
        )),
        create().prop_map(TxnBody::Create),
        create_v0().prop_map(TxnBody::CreateV0),
        create().prop_map(TxnBody::Create2),
        create_container().prop_map(TxnBody::CreateContainer),
        create_ttl().prop_map(TxnBody::CreateTtl),
        delete().prop_map(TxnBody::Delete),
        delete().prop_map(TxnBody::DeleteContainer),
        set_data().prop_map(TxnBody::SetData),
        set_data().prop_map(TxnBody::Reconfig),
        (text(), acls(), any::<i32>())
            .prop_map(|(path, acl, version)| TxnBody::SetAcl(SetAclTxn { path, acl, version })),
        error().prop_map(TxnBody::Error),
        check().prop_map(TxnBody::Check),
        vec(sub_txn(), 0..4).prop_map(TxnBody::Multi),
    ]
}

/// Any digest.
pub(crate) fn digest() -> impl Strategy<Value = TxnDigest> {
    (any::<i32>(), any::<i64>()).prop_map(|(version, tree_digest)| TxnDigest {
        version,
        tree_digest,
    })
}

/// Any entry that has one reading. Left out: a record-less closeSession
/// whose digest bytes also read as a `CloseSessionTxn`, which decodes as
/// that record by design (see `TxnBody::CloseSession`).
pub(crate) fn entry() -> impl Strategy<Value = TxnEntry> {
    (
        any::<i64>(),
        any::<i32>(),
        any::<i64>(),
        any::<i64>(),
        body(),
        option::of(digest()),
    )
        .prop_map(|(client_id, cxid, zxid, time, body, digest)| {
            TxnEntry::new(client_id, cxid, zxid, time, body, digest)
        })
        .prop_filter("closeSession digest that reads as a record", |e| {
            let ambiguous_digest = e
                .digest
                .as_ref()
                .is_some_and(|d| CloseSessionTxn::from_bytes(d.to_bytes()).is_ok());
            !(e.body == TxnBody::CloseSession(None) && ambiguous_digest)
        })
}
