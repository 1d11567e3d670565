//! The snapshot walk's correctness argument (see `walk.rs`), tested: random
//! writes, a walk begun at some point, more random writes between its
//! steps, then the walk finished. Loading the file and replaying every txn
//! after its zxid must give exactly the live tree — every node's data, ACL
//! and persisted stat, the ephemeral/container/TTL indexes, ACL use counts,
//! sizes, the digest — and the live sessions, with no digest mismatch.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rzk_proto::client::{CreateRequest, DeleteRequest, MultiOp, SetDataRequest};
use rzk_proto::codes::OpCode;
use rzk_proto::disk::Snapshot;

use super::golden::TTL_ON;
use super::restore_both as restore_snapshot;
use super::{
    acls, assert_same_tree, check, create, create_ttl, delete, multi, set_acl, set_data, Driver,
};
use crate::persist::{Recovered, SnapshotWalk};

/// Few paths, so writes keep hitting the same nodes, their parents and
/// their children while the walk passes by. Sequential creates add more.
const PATHS: &[&str] = &[
    "/a", "/b", "/a/x", "/a/y", "/a/x/z", "/b/x", "/c", "/a/x/z/w",
];
const SESSIONS: [i64; 3] = [
    0x0100_0000_0000_0001,
    0x0100_0000_0000_0002,
    0x0100_0000_0000_0003,
];

#[derive(Debug, Clone)]
enum Op {
    /// flags: 0 persistent, 1 ephemeral, 2 sequential, 4 container; 5 TTL.
    Create {
        s: usize,
        p: usize,
        flags: i32,
        acl: usize,
        data: u8,
    },
    Delete {
        s: usize,
        p: usize,
    },
    SetData {
        s: usize,
        p: usize,
        data: Option<u8>,
    },
    SetAcl {
        s: usize,
        p: usize,
        acl: usize,
    },
    /// create p + setData q, or delete p + check q (fails if q is absent).
    Multi {
        s: usize,
        p: usize,
        q: usize,
        create: bool,
    },
    Open {
        s: usize,
    },
    Close {
        s: usize,
    },
    Reap {
        p: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..SESSIONS.len();
    let p = 0..PATHS.len();
    let flags = prop_oneof![Just(0), Just(0), Just(1), Just(2), Just(4), Just(5)];
    prop_oneof![
        6 => (s.clone(), p.clone(), flags, 0..acls().len(), any::<u8>())
            .prop_map(|(s, p, flags, acl, data)| Op::Create { s, p, flags, acl, data }),
        3 => (s.clone(), p.clone()).prop_map(|(s, p)| Op::Delete { s, p }),
        3 => (s.clone(), p.clone(), proptest::option::of(any::<u8>()))
            .prop_map(|(s, p, data)| Op::SetData { s, p, data }),
        3 => (s.clone(), p.clone(), 0..acls().len()).prop_map(|(s, p, acl)| Op::SetAcl { s, p, acl }),
        2 => (s.clone(), p.clone(), p.clone(), any::<bool>())
            .prop_map(|(s, p, q, create)| Op::Multi { s, p, q, create }),
        2 => s.clone().prop_map(|s| Op::Open { s }),
        1 => s.prop_map(|s| Op::Close { s }),
        1 => p.prop_map(|p| Op::Reap { p }),
    ]
}

fn run(d: &mut Driver, op: &Op) {
    let acl = |i: usize| acls()[i].clone();
    match *op {
        Op::Create {
            s,
            p,
            flags: 5,
            data,
            ..
        } => d.write(SESSIONS[s], &create_ttl(PATHS[p], &[data], 1000)),
        Op::Create {
            s,
            p,
            flags,
            acl: a,
            data,
        } => d.write(SESSIONS[s], &create(PATHS[p], &[data], acl(a), flags)),
        Op::Delete { s, p } => d.write(SESSIONS[s], &delete(PATHS[p])),
        Op::SetData { s, p, data } => d.write(
            SESSIONS[s],
            &set_data(PATHS[p], data.as_ref().map(std::slice::from_ref)),
        ),
        Op::SetAcl { s, p, acl: a } => d.write(SESSIONS[s], &set_acl(PATHS[p], acl(a))),
        Op::Multi { s, p, q, create } => {
            let ops = if create {
                vec![
                    MultiOp::Create {
                        opcode: OpCode::Create,
                        request: CreateRequest {
                            path: PATHS[p].into(),
                            data: Some(Bytes::from_static(b"m")),
                            acl: acl(p % acls().len()),
                            flags: 1,
                        },
                    },
                    MultiOp::SetData(SetDataRequest {
                        path: PATHS[q].into(),
                        data: None,
                        version: -1,
                    }),
                ]
            } else {
                vec![
                    MultiOp::Delete(DeleteRequest {
                        path: PATHS[p].into(),
                        version: -1,
                    }),
                    check(PATHS[q], -1),
                ]
            };
            d.write(SESSIONS[s], &multi(ops));
        }
        Op::Open { s } => {
            if !d.sessions.contains_key(&SESSIONS[s]) {
                d.open_session(SESSIONS[s], 4000 + s as i32)
            }
        }
        Op::Close { s } => {
            if d.sessions.contains_key(&SESSIONS[s]) {
                d.close_session(SESSIONS[s])
            }
        }
        Op::Reap { p } => d.reap(PATHS[p]),
    }
}

/// The zxid of a finished file's digest block.
fn decoded_digest_zxid(file: &BytesMut) -> Option<i64> {
    let s = Snapshot::decode(Bytes::copy_from_slice(file)).ok()?;
    s.tail.digest.map(|d| d.zxid)
}

/// Writes before the walk, then chunks of writes each followed by one
/// step of `budget` nodes, then steps until done.
fn converges(before: &[Op], during: &[Vec<Op>], budget: usize) -> Result<(), TestCaseError> {
    let mut d = Driver::new(TTL_ON);
    for s in SESSIONS {
        d.open_session(s, 30000);
    }
    for op in before {
        run(&mut d, op);
    }
    let mut file = BytesMut::new();
    let mut walk = SnapshotWalk::begin(d.eng.tree(), &d.session_list(), d.zxid, &mut file);
    let z = walk.zxid();
    prop_assert_eq!(z, d.zxid);
    let mut end_zxid = None;
    for chunk in during {
        for op in chunk {
            run(&mut d, op);
        }
        if end_zxid.is_none() && walk.step(d.eng.tree(), budget, &mut file, d.zxid, d.digest()) {
            end_zxid = Some(d.zxid);
        }
    }
    while end_zxid.is_none() {
        if walk.step(d.eng.tree(), budget, &mut file, d.zxid, d.digest()) {
            end_zxid = Some(d.zxid);
        }
    }
    prop_assert!(walk.is_done());
    prop_assert_eq!(walk.end_zxid(), end_zxid);
    prop_assert_eq!(decoded_digest_zxid(&file), end_zxid);
    // Writes may go on after the walk ends; the file does not change.
    let len = file.len();
    prop_assert!(walk.step(d.eng.tree(), budget, &mut file, d.zxid, d.digest()));
    prop_assert_eq!(file.len(), len);

    let file = file.freeze();
    // What Apache ZooKeeper needs to load the file cleanly: every node's
    // ACL number is −1 or in the file's ACL section (rule 2).
    let decoded = Snapshot::decode(file.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    for n in &decoded.tree.nodes {
        prop_assert!(
            n.acl_ref == -1
                || decoded
                    .tree
                    .head
                    .acl_cache
                    .iter()
                    .any(|e| e.acl_ref == n.acl_ref),
            "{} has ACL number {} outside the file's ACL section",
            n.path,
            n.acl_ref
        );
    }
    let restored =
        restore_snapshot(file, TTL_ON).map_err(|e| TestCaseError::fail(format!("restore: {e}")))?;
    let mut rec = Recovered::from_snapshot(restored, z);
    let mut replayed = 0;
    for e in &d.log {
        if rec
            .replay(e)
            .map_err(|e| TestCaseError::fail(e.to_string()))?
        {
            replayed += 1;
        }
    }
    prop_assert_eq!(replayed, d.log.iter().filter(|e| e.header.zxid > z).count());
    prop_assert_eq!(rec.last_zxid, d.zxid);
    prop_assert_eq!(&rec.sessions, &d.sessions);
    prop_assert_eq!(rec.digest_mismatches(), &[]);
    prop_assert_eq!(rec.pending_snapshot_digest(), None);
    prop_assert_eq!(rec.tree_digest(), d.eng.tree_digest());
    assert_same_tree(&rec.tree, d.eng.tree());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_snapshot_of_a_changing_tree_plus_the_log_gives_the_live_tree(
        before in proptest::collection::vec(op(), 0..40),
        during in proptest::collection::vec(proptest::collection::vec(op(), 0..6), 0..30),
        budget in 1usize..4,
    ) {
        converges(&before, &during, budget)?;
    }
}

/// The cases the argument turns on, each forced: a node deleted and
/// created anew behind the walk and ahead of it, an open node's subtree
/// removed mid-walk, an ACL set after the walk began (rule 2) on a node not
/// yet written, a new node under a node not yet written (rule 1), a
/// session closed mid-walk, a node created under a node already
/// written.
#[test]
fn the_hard_cases_converge() {
    use Op::*;
    let before = vec![
        Create {
            s: 0,
            p: 0,
            flags: 0,
            acl: 1,
            data: 1,
        }, // /a
        Create {
            s: 0,
            p: 2,
            flags: 0,
            acl: 2,
            data: 2,
        }, // /a/x
        Create {
            s: 0,
            p: 4,
            flags: 0,
            acl: 3,
            data: 3,
        }, // /a/x/z
        Create {
            s: 0,
            p: 7,
            flags: 1,
            acl: 0,
            data: 4,
        }, // /a/x/z/w, ephemeral of s0
        Create {
            s: 1,
            p: 3,
            flags: 1,
            acl: 4,
            data: 5,
        }, // /a/y, ephemeral of s1
        Create {
            s: 0,
            p: 1,
            flags: 4,
            acl: 0,
            data: 6,
        }, // /b, container
        Create {
            s: 0,
            p: 6,
            flags: 0,
            acl: 0,
            data: 7,
        }, // /c
    ];
    let during = vec![
        vec![], // root, /a
        vec![
            SetAcl { s: 0, p: 4, acl: 5 }, // /a/x/z: an ACL the cache has
            Create {
                s: 0,
                p: 6,
                flags: 2,
                acl: 0,
                data: 10,
            }, // /c000…: new, under the written root
        ],
        vec![
            Delete { s: 0, p: 7 },         // /a/x/z/w gone
            Close { s: 1 },                // s1 closed: /a/y and its ACL entry gone
            SetAcl { s: 0, p: 6, acl: 4 }, // so /c's new ACL gets a new number
        ],
        vec![Create {
            s: 2,
            p: 3,
            flags: 1,
            acl: 1,
            data: 8,
        }], // /a/y again, new owner
        vec![Create {
            s: 0,
            p: 5,
            flags: 0,
            acl: 0,
            data: 9,
        }], // /b/x under a container not yet written
        vec![Delete { s: 0, p: 5 }, Reap { p: 1 }], // /b reaped
        vec![SetData {
            s: 0,
            p: 0,
            data: None,
        }],
    ];
    for budget in 1..4 {
        converges(&before, &during, budget).unwrap();
    }
}
