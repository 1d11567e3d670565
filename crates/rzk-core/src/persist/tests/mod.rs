//! Tests of snapshot loading, log replay and the snapshot walk, with the
//! helpers they share.

mod convergence;
mod errors;
mod golden;
mod replay;
mod roundtrip;

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use rzk_proto::data::{Acl, StatPersisted};

use super::SnapshotWalk;
use crate::request::digest::full_tree_digest;
use crate::tree::DataTree;

/// An ACL list as comparable values: (perms, scheme, id) per entry.
type AclKey = Vec<(i32, String, String)>;

/// Everything about a tree that a restart must preserve, in a form two
/// trees can be compared by: per path its data, ACL (the list, not the
/// cache number) and persisted stat; the ephemeral, container and TTL
/// indexes; ACL lists with their use counts; sizes and the digest.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TreeImage {
    nodes: Vec<(String, Option<Bytes>, Vec<Acl>, StatPersisted)>,
    ephemerals: BTreeMap<i64, Vec<String>>,
    containers: Vec<String>,
    ttls: Vec<String>,
    acl_uses: Vec<(AclKey, u64)>,
    znode_count: usize,
    data_size: i64,
    digest: u64,
}

pub(crate) fn image(t: &DataTree) -> TreeImage {
    let mut nodes = Vec::new();
    t.visit(|p, n| {
        nodes.push((
            p.to_owned(),
            n.data().cloned(),
            n.acl().to_vec(),
            n.persisted().clone(),
        ))
    });
    let ephemerals = t
        .sessions_with_ephemerals()
        .into_iter()
        .map(|s| (s, t.ephemerals(s)))
        .collect();
    let mut acl_uses: Vec<_> = t
        .acl_cache()
        .entries()
        .map(|(r, acl)| {
            let key = acl
                .iter()
                .map(|a| (a.perms, a.id.scheme.clone(), a.id.id.clone()))
                .collect::<Vec<_>>();
            (key, t.acl_cache().refs(r))
        })
        .collect();
    acl_uses.sort();
    TreeImage {
        nodes,
        ephemerals,
        containers: t.containers().map(str::to_owned).collect(),
        ttls: t.ttls().map(str::to_owned).collect(),
        acl_uses,
        znode_count: t.znode_count(),
        data_size: t.approximate_data_size(),
        digest: full_tree_digest(t),
    }
}

/// Asserts two trees hold the same state, naming the first difference.
pub(crate) fn assert_same_tree(got: &DataTree, want: &DataTree) {
    let (g, w) = (image(got), image(want));
    for (a, b) in g.nodes.iter().zip(&w.nodes) {
        assert_eq!(a, b, "first differing node");
    }
    assert_eq!(g.nodes.len(), w.nodes.len(), "node count");
    assert_eq!(g, w);
}

/// `restore_snapshot(file, types)`, after checking that loading the file
/// in pieces (of 1, 13 and 4096 bytes) gives the same tree, sessions and
/// digests, or the same error.
pub(crate) fn restore_both(
    file: Bytes,
    types: ExtendedTypes,
) -> Result<super::Restored, super::RestoreError> {
    let whole = super::restore_snapshot(file.clone(), types);
    for piece in [1, 13, 4096] {
        let source = Box::new(rzk_proto::disk::MemorySource::new(file.clone(), piece));
        let pieced = super::restore_snapshot_from(source, file.len(), types);
        match (&whole, &pieced) {
            (Ok(w), Ok(p)) => {
                assert_same_tree(&p.tree, &w.tree);
                assert_eq!(p.sessions, w.sessions, "pieces of {piece}");
                assert_eq!(p.digest, w.digest, "pieces of {piece}");
                assert_eq!(p.tree_digest, w.tree_digest, "pieces of {piece}");
            }
            (Err(w), Err(p)) => assert_eq!(p, w, "pieces of {piece}"),
            (w, p) => panic!("whole: {w:?}\npieces of {piece}: {p:?}"),
        }
    }
    whole
}

/// A whole snapshot of `tree` written by the walk with steps of `budget`
/// nodes and nothing changing in between.
pub(crate) fn snapshot_of(
    tree: &DataTree,
    sessions: &[(i64, i32)],
    zxid: i64,
    digest: Option<i64>,
    budget: usize,
) -> Bytes {
    let mut out = BytesMut::new();
    let mut walk = SnapshotWalk::begin(tree, sessions, zxid, &mut out);
    let mut steps = 0;
    while !walk.step(tree, budget, &mut out, zxid, digest) {
        steps += 1;
        assert!(steps < 1_000_000, "the walk does not end");
    }
    out.freeze()
}

use rzk_proto::client::{
    CheckVersionRequest, CreateRequest, CreateTtlRequest, DeleteRequest, MultiOp, MultiRequest,
    Request, SetAclRequest, SetDataRequest,
};
use rzk_proto::codes::{ErrorCode, OpCode};
use rzk_proto::data::Id;
use rzk_proto::txn::TxnEntry;

use crate::acl::AuthConfig;
use crate::request::{Caller, Compat, NoConnAuth, RequestEngine};
use crate::tree::ExtendedTypes;

/// The ids every test client authenticates with: enough for every ACL
/// the tests set.
pub(crate) fn auth_ids() -> Vec<Id> {
    vec![
        Id::new("ip", "127.0.0.1"),
        Id::new("digest", "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY="),
    ]
}

/// The ACLs the tests choose from. Two are the same list in a different
/// order (distinct cache entries); one is read-only, so writes under it fail.
pub(crate) fn acls() -> Vec<Vec<Acl>> {
    let digest = Id::new("digest", "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=");
    let ip = Id::new("ip", "127.0.0.1");
    vec![
        Acl::open_unsafe(),
        vec![Acl::new(31, digest.clone())],
        vec![Acl::new(31, ip.clone())],
        vec![Acl::new(31, ip.clone()), Acl::new(1, Id::anyone())],
        vec![Acl::new(1, Id::anyone()), Acl::new(31, ip)],
        Acl::read_unsafe(),
    ]
}

/// A request engine driven like a server: zxids in epoch 1, a clock, the
/// sessions the txns opened, and every applied txn in order.
pub(crate) struct Driver {
    pub(crate) eng: RequestEngine,
    pub(crate) zxid: i64,
    pub(crate) time: i64,
    pub(crate) sessions: BTreeMap<i64, i32>,
    pub(crate) log: Vec<TxnEntry>,
}

impl Driver {
    pub(crate) fn new(types: ExtendedTypes) -> Self {
        Self {
            eng: RequestEngine::new(
                DataTree::new(types),
                AuthConfig::default(),
                Compat::default(),
            ),
            zxid: 0x1_0000_0000,
            time: 1_700_000_000_000,
            sessions: BTreeMap::new(),
            log: Vec::new(),
        }
    }

    fn next(&mut self) -> (i64, i64) {
        self.zxid += 1;
        self.time += 7;
        (self.zxid, self.time)
    }

    fn apply(&mut self, txn: TxnEntry) {
        let applied = self.eng.apply(&txn, &NoConnAuth);
        assert_eq!(
            self.eng.last_processed_zxid(),
            txn.header.zxid,
            "{applied:?}"
        );
        self.log.push(txn);
    }

    /// A client write from `session` (refused as expired unless open).
    pub(crate) fn write(&mut self, session: i64, req: &Request) {
        let ids = auth_ids();
        let mut caller = Caller::new(session, &ids);
        if !self.sessions.contains_key(&session) {
            caller.session_error = Some(ErrorCode::SessionExpired);
        }
        let (zxid, time) = self.next();
        if let Ok(txn) = self.eng.prep_write(&caller, 1, zxid, time, req) {
            self.apply(txn);
        } else {
            self.zxid -= 1; // refused before it became a txn
        }
    }

    pub(crate) fn open_session(&mut self, id: i64, timeout: i32) {
        let (zxid, time) = self.next();
        let txn = self.eng.prep_create_session(id, 0, zxid, time, timeout);
        self.sessions.insert(id, timeout);
        self.apply(txn);
    }

    pub(crate) fn close_session(&mut self, id: i64) {
        let (zxid, time) = self.next();
        let txn = self.eng.prep_close_session(id, 0, zxid, time);
        self.sessions.remove(&id);
        self.apply(txn);
    }

    /// The container reaper's deleteContainer (an error txn unless `path`
    /// is a childless container or TTL node).
    pub(crate) fn reap(&mut self, path: &str) {
        let (zxid, time) = self.next();
        let txn = self.eng.prep_delete_container(path, zxid, time);
        self.apply(txn);
    }

    pub(crate) fn session_list(&self) -> Vec<(i64, i32)> {
        self.sessions.iter().map(|(&s, &t)| (s, t)).collect()
    }

    /// The digest block a snapshot finished now carries.
    pub(crate) fn digest(&self) -> Option<i64> {
        Some(self.eng.tree_digest())
    }
}

pub(crate) fn create(path: &str, data: &[u8], acl: Vec<Acl>, flags: i32) -> Request {
    let opcode = if flags == 4 {
        OpCode::CreateContainer
    } else {
        OpCode::Create2
    };
    Request::Create {
        opcode,
        request: CreateRequest {
            path: path.into(),
            data: Some(Bytes::copy_from_slice(data)),
            acl,
            flags,
        },
    }
}

pub(crate) fn create_ttl(path: &str, data: &[u8], ttl: i64) -> Request {
    Request::CreateTtl(CreateTtlRequest {
        path: path.into(),
        data: Some(Bytes::copy_from_slice(data)),
        acl: Acl::open_unsafe(),
        flags: 5,
        ttl,
    })
}

pub(crate) fn delete(path: &str) -> Request {
    Request::Delete(DeleteRequest {
        path: path.into(),
        version: -1,
    })
}

pub(crate) fn set_data(path: &str, data: Option<&[u8]>) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: data.map(Bytes::copy_from_slice),
        version: -1,
    })
}

pub(crate) fn set_acl(path: &str, acl: Vec<Acl>) -> Request {
    Request::SetAcl(SetAclRequest {
        path: path.into(),
        acl,
        version: -1,
    })
}

pub(crate) fn multi(ops: Vec<MultiOp>) -> Request {
    Request::Multi(MultiRequest { ops })
}

pub(crate) fn check(path: &str, version: i32) -> MultiOp {
    MultiOp::Check(CheckVersionRequest {
        path: path.into(),
        version,
    })
}
