//! Bad input: every way a snapshot or a log can be wrong gives a typed
//! error that says where.

use bytes::Bytes;
use rzk_proto::data::{Acl, StatPersisted};
use rzk_proto::disk::{
    AclCacheEntry, DataTreeImage, FileHeader, SessionEntry, SnapNode, Snapshot, SnapshotTail,
    TreeHead, FILE_HEADER_LEN,
};
use rzk_proto::jute::{DecodeErrorKind, Jute};

use super::golden::{golden_log, golden_snapshot, TTL_ON};
use super::restore_both as restore_snapshot;
use crate::persist::{NodeProblem, Recovered, ReplayError, RestoreError};
use crate::tree::ExtendedTypes;

fn node(path: &str, acl_ref: i64) -> SnapNode {
    SnapNode {
        path: path.into(),
        data: Some(Bytes::from_static(b"d")),
        acl_ref,
        stat: StatPersisted::default(),
    }
}

fn head() -> TreeHead {
    TreeHead {
        sessions: vec![SessionEntry {
            session_id: 7,
            timeout: 5000,
        }],
        acl_cache: vec![AclCacheEntry {
            acl_ref: 1,
            acls: Acl::creator_all(),
        }],
    }
}

fn file(nodes: Vec<SnapNode>) -> Bytes {
    Snapshot {
        header: FileHeader::snapshot(),
        tree: DataTreeImage {
            head: head(),
            nodes,
        },
        tail: SnapshotTail::default(),
    }
    .encode()
}

/// Offset of node `i` in `file(nodes)`.
fn offset_of(nodes: &[SnapNode], i: usize) -> usize {
    FILE_HEADER_LEN
        + head().encoded_len()
        + nodes[..i].iter().map(SnapNode::encoded_len).sum::<usize>()
}

fn load(nodes: Vec<SnapNode>) -> Result<crate::persist::Restored, RestoreError> {
    restore_snapshot(file(nodes), ExtendedTypes::default())
}

#[test]
fn misplaced_nodes_are_named_with_their_offset() {
    let cases = [
        (
            vec![node("", -1), node("/a/b", -1)],
            1,
            NodeProblem::MissingParent,
        ),
        (vec![node("/a", -1)], 0, NodeProblem::RootNotFirst),
        (
            vec![node("", -1), node("/a", -1), node("/a", 1)],
            2,
            NodeProblem::Duplicate,
        ),
        (vec![node("", -1), node("a", -1)], 1, NodeProblem::NotAPath),
        (
            vec![node("", -1), node("/a", -1), node("/a/", -1)],
            2,
            NodeProblem::NotAPath,
        ),
        (vec![node("", -1), node("", -1)], 1, NodeProblem::NotAPath),
        (
            vec![node("", -1), node("/a", -1), node("//a", -1)],
            2,
            NodeProblem::MissingParent,
        ),
        // Siblings out of name order, then one seen before.
        (
            vec![node("", -1), node("/b", -1), node("/a", -1), node("/b", -1)],
            3,
            NodeProblem::Duplicate,
        ),
        (
            vec![
                node("", -1),
                node("/a", -1),
                node("/a/x", -1),
                node("/a", -1),
            ],
            3,
            NodeProblem::Duplicate,
        ),
    ];
    for (nodes, bad, problem) in cases {
        let want = RestoreError::Node {
            path: nodes[bad].path.clone(),
            offset: offset_of(&nodes, bad),
            problem,
        };
        let got = load(nodes).unwrap_err();
        assert_eq!(got, want);
        assert!(got.to_string().contains(&format!(
            "at byte {}",
            match &got {
                RestoreError::Node { offset, .. } => *offset,
                _ => unreachable!(),
            }
        )));
    }
    let empty = load(vec![]).unwrap_err();
    assert_eq!(
        empty,
        RestoreError::NoRoot {
            offset: FILE_HEADER_LEN + head().encoded_len()
        }
    );
}

/// Parent-first is all the loader needs: a depth-first file with
/// siblings in any order (ZooKeeper writes hash order) and a
/// breadth-first file load too.
#[test]
fn any_parent_first_order_loads() {
    let nodes = ["", "/z", "/z/2", "/z/1", "/z/1/x", "/a", "/a/q", "/m", "/b"];
    let r = load(nodes.iter().map(|p| node(p, 1)).collect()).unwrap();
    let mut seen = Vec::new();
    r.tree.visit(|p, _| seen.push(p.to_owned()));
    assert_eq!(
        seen,
        ["", "/a", "/a/q", "/b", "/m", "/z", "/z/1", "/z/1/x", "/z/2"]
    );

    let nodes = ["", "/a", "/b", "/a/x", "/b/y", "/a/x/1", "/a/z"];
    let r = load(nodes.iter().map(|p| node(p, 1)).collect()).unwrap();
    let mut seen = Vec::new();
    r.tree.visit(|p, _| seen.push(p.to_owned()));
    assert_eq!(seen, ["", "/a", "/a/x", "/a/x/1", "/a/z", "/b", "/b/y"]);
    assert_eq!(r.tree.acl_cache().refs(1), 7);
    assert_eq!(r.sessions, [(7, 5000)]);
}

/// A node whose ACL number the file's ACL section lacks loads (as in
/// ZooKeeper, whose fuzzy snapshots can hold one until the log's setACL
/// is replayed); it grants nothing, and the number is never handed out to
/// another list.
#[test]
fn an_acl_number_missing_from_the_file_fails_closed() {
    let r = load(vec![node("", -1), node("/a", 9)]).unwrap();
    let a = r.tree.node("/a").unwrap();
    assert_eq!(a.acl_ref(), 9);
    assert!(a.acl().iter().all(|e| e.perms == 0), "{:?}", a.acl());
    assert!(
        r.tree.acl_cache().is_empty(),
        "entry 1 had no user and was purged"
    );
    let mut t = r.tree;
    t.create_node("/b", None, &Acl::read_unsafe(), 0, -1, 1, 0)
        .unwrap();
    assert_eq!(t.node("/b").unwrap().acl_ref(), 10);
    t.set_acl("/a", &Acl::read_unsafe(), 1).unwrap();
    assert_eq!(t.node("/a").unwrap().acl().to_vec(), Acl::read_unsafe());
}

#[test]
fn corrupt_bytes_are_decode_errors_with_an_offset() {
    let good = golden_snapshot();
    // A byte of node data flipped: the first seal no longer matches.
    let mut bad = good.to_vec();
    let at = bad.len() / 2;
    bad[at] ^= 0x55;
    match restore_snapshot(Bytes::from(bad), TTL_ON).unwrap_err() {
        RestoreError::Decode(e) => assert!(e.offset > 0, "{e}"),
        other => panic!("{other:?}"),
    }
    let cut = good.slice(..good.len() - 20);
    let e = restore_snapshot(cut, TTL_ON).unwrap_err();
    assert!(
        matches!(e, RestoreError::Decode(ref d) if matches!(d.kind, DecodeErrorKind::Truncated { .. })),
        "{e}"
    );
    let log = Bytes::from_static(b"ZKLG\0\0\0\x02\0\0\0\0\0\0\0\0");
    let e = restore_snapshot(log, TTL_ON).unwrap_err();
    assert!(
        matches!(e, RestoreError::Decode(ref d) if d.field == "magic" && d.offset == 0),
        "{e}"
    );
}

#[test]
fn a_missing_txn_is_a_gap_naming_both_zxids() {
    let log = golden_log();
    let mut rec = Recovered::empty(TTL_ON);
    assert_eq!(rec.replay(&log[0]), Ok(true), "epoch 0 → 1 is allowed");
    let e = rec.replay(&log[2]).unwrap_err();
    assert_eq!(
        e,
        ReplayError::Gap {
            last: 0x1_0000_0001,
            next: 0x1_0000_0003
        }
    );
    assert!(e.to_string().contains("0x100000003") && e.to_string().contains("0x100000001"));
    assert_eq!(rec.last_zxid, 0x1_0000_0001, "nothing applied");
    assert_eq!(rec.replay(&log[0]), Ok(false), "already applied");
    assert_eq!(rec.replay(&log[1]), Ok(true));

    // A new epoch may start anywhere; within it txns must follow on.
    let mut next_epoch = log[2].clone();
    next_epoch.header.zxid = 0x2_0000_0001;
    assert_eq!(rec.replay(&next_epoch), Ok(true));
    let mut skip = log[3].clone();
    skip.header.zxid = 0x2_0000_0003;
    assert_eq!(
        rec.replay(&skip),
        Err(ReplayError::Gap {
            last: 0x2_0000_0001,
            next: 0x2_0000_0003
        })
    );
}
