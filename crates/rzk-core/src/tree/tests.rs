//! Unit tests of the DataTree against the values PROTOCOL.md records from a
//! live ZooKeeper (§3.4–§3.6, §3.11, §3.13, §6.3, §9 items 14–15, 22).

use bytes::Bytes;
use rzk_proto::data::{Acl, Id};

use super::ephemeral::{ttl_owner, CONTAINER_OWNER};
use super::*;

const SESSION: i64 = 0x0100_0004_550b_0000;

fn tree() -> DataTree {
    DataTree::default()
}

fn b(s: &str) -> Option<Bytes> {
    Some(Bytes::copy_from_slice(s.as_bytes()))
}

/// Creates `path` the way a create txn would: parentCVersion = the
/// parent's persisted cversion + 1.
fn create(t: &mut DataTree, path: &str, zxid: i64) -> Result<Created, TreeError> {
    create_owned(t, path, 0, zxid)
}

fn create_owned(t: &mut DataTree, path: &str, owner: i64, zxid: i64) -> Result<Created, TreeError> {
    let parent = crate::path::parent(path).unwrap_or("");
    let pcv = t.node(parent).map_or(0, |n| n.persisted().cversion + 1);
    t.create_node(
        path,
        b("d"),
        &Acl::open_unsafe(),
        owner,
        pcv,
        zxid,
        1000 + zxid,
    )
}

/// §3.11: the built-in nodes of an empty server.
#[test]
fn fresh_tree_builtins_3_11() {
    let t = tree();
    assert_eq!(t.znode_count(), 5); // the root counts twice
    let root = t.node("/").map(|n| n.stat());
    assert_eq!(root.as_ref().map(|s| s.cversion), Some(-1));
    assert_eq!(root.as_ref().map(|s| s.num_children), Some(1));
    assert_eq!(t.stat("").map(|s| s.cversion), Some(-1)); // the root's other name
    let zk = t.stat("/zookeeper").unwrap_or_default();
    assert_eq!(
        (zk.cversion, zk.num_children, zk.czxid, zk.pzxid),
        (-2, 2, 0, 0)
    );
    assert_eq!(
        t.children("/zookeeper"),
        Some(vec!["config".into(), "quota".into()])
    );
    let quota = t.stat("/zookeeper/quota").unwrap_or_default();
    assert_eq!(quota, rzk_proto::data::Stat::default());
    let config = t
        .node("/zookeeper/config")
        .map(|n| (n.stat(), n.acl().to_vec(), n.acl_ref()));
    let (cstat, cacl, cref) = config.unwrap_or_default();
    assert_eq!(cstat.aversion, -1);
    assert_eq!(cstat.version, 0);
    assert_eq!(cacl, Acl::read_unsafe());
    assert_eq!(cref, 1);
    for p in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
        let n = t.node(p);
        assert_eq!(
            n.and_then(|n| n.data().cloned()),
            Some(Bytes::new()),
            "{p} data is empty, not null"
        );
    }
    for p in ["/", "/zookeeper", "/zookeeper/quota"] {
        assert_eq!(t.node(p).map(|n| n.acl_ref()), Some(OPEN_ACL_REF), "{p}");
        assert_eq!(
            t.node(p).map(|n| n.acl().to_vec()),
            Some(Acl::open_unsafe()),
            "{p}"
        );
    }
    assert_eq!(t.all_children_number("/"), Some(3));
    assert_eq!(t.all_children_number(""), Some(4));
    assert_eq!(t.all_children_number("/zookeeper"), Some(2));
    assert_eq!(t.all_children_number("/nope"), None);
    assert_eq!(t.approximate_data_size(), 1 + 10 + 16 + 17);
    assert_eq!(t.acl_cache().len(), 1);
}

/// §3.2 / §3.6: lookups are exact-string, like ZooKeeper's path map.
#[test]
fn lookups_are_exact_3_6() {
    let mut t = tree();
    create(&mut t, "/a", 1).unwrap();
    for (p, found) in [
        ("/a", true),
        ("", true),
        ("/", true),
        ("/a/", false),
        ("a", false),
        ("//a", false),
        ("/a//", false),
        ("/zookeeper/", false),
    ] {
        assert_eq!(t.exists(p), found, "{p:?}");
    }
}

/// §3.4 / §3.5: a create's effects on the parent and the new node.
#[test]
fn create_stats_3_4() {
    let mut t = tree();
    let c = create(&mut t, "/a", 7).unwrap();
    let s = c.stat;
    assert_eq!((s.czxid, s.mzxid, s.pzxid), (7, 7, 7));
    assert_eq!((s.ctime, s.mtime), (1007, 1007));
    assert_eq!((s.version, s.cversion, s.aversion), (0, 0, 0));
    assert_eq!(
        (s.data_length, s.num_children, s.ephemeral_owner),
        (1, 0, 0)
    );
    let root = t.node("/").unwrap();
    assert_eq!(root.persisted().cversion, 1);
    assert_eq!(root.persisted().pzxid, 7);
    // "after one user create under / it reports 0"
    assert_eq!(root.stat().cversion, 0);
    assert_eq!(c.parent_acl.to_vec(), Acl::open_unsafe());
    // The first client ACL gets number 2: /zookeeper/config took 1.
    assert_eq!(t.node("/a").map(|n| n.acl_ref()), Some(2));
    assert_eq!(t.znode_count(), 6);
    assert_eq!(create(&mut t, "/x/y", 8).unwrap_err(), TreeError::NoNode);
    assert_eq!(create(&mut t, "/a", 9).unwrap_err(), TreeError::NodeExists);
    assert_eq!(
        t.create_node("nopath", None, &[], 0, -1, 1, 1).unwrap_err(),
        TreeError::BadPath
    );
    assert_eq!(
        t.create_node("/a/", None, &[], 0, -1, 1, 1).unwrap_err(),
        TreeError::BadPath
    );
}

/// §3.5: `/t1` with 4 creates, 1 delete and 3 children reports cversion 5;
/// §3.4 / §9 item 14: the sequence counter is never reused after deletes.
#[test]
fn cversion_counts_changes_and_counter_never_reused_3_5() {
    let mut t = tree();
    create(&mut t, "/t1", 1).unwrap();
    for (i, z) in (2..6).enumerate() {
        let seq = t.node("/t1").unwrap().persisted().cversion;
        assert_eq!(seq, i as i32);
        create(
            &mut t,
            &format!("/t1/s-{}", crate::path::sequence_suffix(seq)),
            z,
        )
        .unwrap();
    }
    t.delete_node("/t1/s-0000000001", 6).unwrap();
    let s = t.stat("/t1").unwrap();
    assert_eq!((s.cversion, s.num_children, s.pzxid), (5, 3, 6));
    assert_eq!(t.node("/t1").unwrap().persisted().cversion, 4); // delete left it
    assert_eq!(crate::path::sequence_suffix(4), "0000000004");
}

/// §9 further items: null and empty data are distinct and both kept.
#[test]
fn null_and_empty_data_3_5() {
    let mut t = tree();
    t.create_node("/n", None, &Acl::open_unsafe(), 0, -1, 1, 1)
        .unwrap();
    t.create_node("/e", Some(Bytes::new()), &Acl::open_unsafe(), 0, -1, 2, 1)
        .unwrap();
    assert_eq!(t.node("/n").and_then(|n| n.data().cloned()), None);
    assert_eq!(
        t.node("/e").and_then(|n| n.data().cloned()),
        Some(Bytes::new())
    );
    assert_eq!(t.stat("/n").map(|s| s.data_length), Some(0));
    assert_eq!(t.stat("/e").map(|s| s.data_length), Some(0));
    let ds = t.set_data("/e", None, 1, 3, 5).unwrap();
    assert_eq!(t.node("/e").and_then(|n| n.data().cloned()), None);
    assert_eq!(
        (ds.stat.version, ds.stat.mzxid, ds.stat.mtime, ds.stat.czxid),
        (1, 3, 5, 2)
    );
}

/// §3.6: delete raises pzxid only upward and leaves the persisted cversion.
#[test]
fn delete_rules_3_6() {
    let mut t = tree();
    create(&mut t, "/p", 1).unwrap();
    create(&mut t, "/p/c", 5).unwrap();
    create(&mut t, "/p/d", 6).unwrap();
    let d = t.delete_node("/p/c", 9).unwrap();
    assert_eq!(d.acl.to_vec(), Acl::open_unsafe());
    let p = t.node("/p").unwrap();
    assert_eq!((p.persisted().pzxid, p.persisted().cversion), (9, 2));
    // A replayed delete with an older zxid does not lower pzxid, and a
    // missing child still answers NoNode after the parent is touched.
    assert_eq!(t.delete_node("/p/c", 3).unwrap_err(), TreeError::NoNode);
    assert_eq!(t.node("/p").unwrap().persisted().pzxid, 9);
    assert_eq!(t.delete_node("/p/zz", 12).unwrap_err(), TreeError::NoNode);
    assert_eq!(t.node("/p").unwrap().persisted().pzxid, 12);
    assert_eq!(t.delete_node("/q/c", 13).unwrap_err(), TreeError::NoNode);
    assert_eq!(t.znode_count(), 7);
}

/// §6.3: a replay over a fuzzy snapshot. A create that finds its node only
/// fixes the parent's cversion/pzxid (through set_cversion_pzxid, for txn
/// type create), and an older parentCVersion never lowers the parent's.
#[test]
fn fuzzy_snapshot_replay_6_3() {
    let mut t = tree();
    create(&mut t, "/p", 1).unwrap();
    t.create_node("/p/a", b("x"), &Acl::open_unsafe(), 0, 1, 2, 2)
        .unwrap();
    t.create_node("/p/b", b("x"), &Acl::open_unsafe(), 0, 2, 3, 3)
        .unwrap();
    let before = t.node("/p").unwrap().persisted().clone();
    // Replaying the create of /p/a (parentCVersion 1) finds it.
    let err = t.create_node("/p/a", b("x"), &Acl::read_unsafe(), 0, 1, 2, 2);
    assert_eq!(err.unwrap_err(), TreeError::NodeExists);
    assert_eq!(t.node("/p").unwrap().persisted(), &before);
    // The existing node takes the txn's ACL, as in ZooKeeper.
    assert_eq!(t.node("/p/a").unwrap().acl().to_vec(), Acl::read_unsafe());
    t.set_cversion_pzxid("/p", 1, 2).unwrap(); // older: no change
    assert_eq!(t.node("/p").unwrap().persisted(), &before);
    t.set_cversion_pzxid("/p/", 5, 20).unwrap(); // trailing '/' ignored
    let p = t.node("/p").unwrap().persisted().clone();
    assert_eq!((p.cversion, p.pzxid), (5, 20));
    t.set_cversion_pzxid("/p", -1, 21).unwrap(); // −1: one more
    assert_eq!(t.node("/p").unwrap().persisted().cversion, 6);
    assert_eq!(t.set_cversion_pzxid("/zz", 1, 1), Err(TreeError::NoNode));
    // A create whose parentCVersion is not above the parent's adds the
    // child but leaves the parent's cversion and pzxid alone.
    t.create_node("/p/c", None, &Acl::open_unsafe(), 0, 3, 22, 22)
        .unwrap();
    let p = t.node("/p").unwrap().persisted().clone();
    assert_eq!((p.cversion, p.pzxid), (6, 21));
    // A delete of a node that (in the snapshot) still has children frees
    // the whole subtree.
    create_owned(&mut t, "/p/c/e", SESSION, 23).unwrap();
    t.delete_node("/p/c", 24).unwrap();
    assert!(!t.exists("/p/c/e"));
    assert!(t.ephemerals(SESSION).is_empty());
}

/// §3.6: setACL sets aversion, counts ACL uses, fires nothing.
#[test]
fn set_acl_and_cache_counts_6_3() {
    let mut t = tree();
    let mine = vec![Acl::new(31, Id::new("digest", "u:h"))];
    t.create_node("/a", None, &mine, 0, -1, 1, 1).unwrap();
    t.create_node("/b", None, &mine, 0, -1, 2, 1).unwrap();
    assert_eq!(t.acl_cache().refs(2), 2);
    let s = t.set_acl("/a", &Acl::open_unsafe(), 1).unwrap();
    assert_eq!(s.aversion, 1);
    assert_eq!(t.acl_cache().refs(2), 1);
    assert_eq!(t.node("/a").map(|n| n.acl_ref()), Some(3));
    // Re-setting an unshared ACL: released first, so a new number.
    t.set_acl("/a", &Acl::open_unsafe(), 2).unwrap();
    assert_eq!(t.node("/a").map(|n| n.acl_ref()), Some(4));
    t.delete_node("/b", 3).unwrap();
    assert_eq!(t.acl_cache().get(2), None);
    assert_eq!(t.set_acl("/zz", &mine, 1).unwrap_err(), TreeError::NoNode);
    let cfg = t
        .set_acl("/zookeeper/config", &Acl::read_unsafe(), 0)
        .unwrap();
    assert_eq!(cfg.aversion, 0);
}

/// §3.4 / §9 item 22: owners as clients see them, and the kind indexes.
#[test]
fn owner_masking_and_indexes_3_4() {
    let mut t = DataTree::new(ExtendedTypes {
        enabled: true,
        emulate_353: false,
    });
    let ttl = ttl_owner(100).unwrap();
    create_owned(&mut t, "/eph", SESSION, 1).unwrap();
    create_owned(&mut t, "/con", CONTAINER_OWNER, 2).unwrap();
    create_owned(&mut t, "/ttl", ttl, 3).unwrap();
    assert_eq!(t.stat("/eph").map(|s| s.ephemeral_owner), Some(SESSION));
    assert_eq!(t.stat("/con").map(|s| s.ephemeral_owner), Some(0));
    assert_eq!(t.stat("/ttl").map(|s| s.ephemeral_owner), Some(0));
    assert_eq!(
        t.node("/con").unwrap().persisted().ephemeral_owner,
        CONTAINER_OWNER
    );
    assert_eq!(t.node("/ttl").unwrap().kind(), EphemeralType::Ttl);
    assert_eq!(t.ephemerals(SESSION), vec!["/eph".to_string()]);
    assert_eq!(t.containers().collect::<Vec<_>>(), vec!["/con"]);
    assert_eq!(t.ttls().collect::<Vec<_>>(), vec!["/ttl"]);
    assert_eq!(t.ephemerals_count(), 1);
    t.delete_node("/con", 4).unwrap();
    t.delete_node("/ttl", 5).unwrap();
    t.delete_node("/eph", 6).unwrap();
    assert_eq!(
        t.containers().count() + t.ttls().count() + t.ephemerals_count(),
        0
    );
    assert!(t.sessions_with_ephemerals().is_empty());
}

/// §3.6: getEphemerals filters by plain string prefix.
#[test]
fn get_ephemerals_prefix_3_6() {
    let mut t = tree();
    for (p, z) in [("/a", 1), ("/ab", 2), ("/b", 3)] {
        create_owned(&mut t, p, SESSION, z).unwrap();
    }
    create_owned(&mut t, "/other", SESSION + 1, 4).unwrap();
    let all = vec!["/a".to_string(), "/ab".into(), "/b".into()];
    assert_eq!(t.ephemerals_with_prefix(SESSION, None), all);
    assert_eq!(t.ephemerals_with_prefix(SESSION, Some("")), all);
    assert_eq!(t.ephemerals_with_prefix(SESSION, Some(" / ")), all);
    assert_eq!(
        t.ephemerals_with_prefix(SESSION, Some("/a")),
        vec!["/a".to_string(), "/ab".into()]
    );
    assert_eq!(
        t.ephemerals_with_prefix(SESSION, Some(" /a")),
        Vec::<String>::new()
    );
    assert_eq!(
        t.ephemerals_with_prefix(SESSION + 9, None),
        Vec::<String>::new()
    );
}

/// §3.9: closeSession deletes the txn's paths first, then the rest.
#[test]
fn kill_session_order_3_9() {
    let mut t = tree();
    for (p, z) in [("/e1", 1), ("/e2", 2), ("/e3", 3)] {
        create_owned(&mut t, p, SESSION, z).unwrap();
    }
    create_owned(&mut t, "/foreign", SESSION + 1, 4).unwrap();
    let listed = vec!["/e3".to_string(), "/foreign".into(), "/gone".into()];
    let deleted = t.kill_session(SESSION, 10, Some(&listed));
    let paths: Vec<&str> = deleted.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, vec!["/e3", "/foreign", "/e1", "/e2"]);
    assert_eq!(t.ephemerals_count(), 0);
    assert_eq!(t.node("/").unwrap().persisted().pzxid, 10);
    assert!(t.kill_session(SESSION, 11, None).is_empty());
}

/// §3.13: reaping candidates for containers and TTL nodes.
#[test]
fn reap_candidates_3_13() {
    let mut t = DataTree::new(ExtendedTypes {
        enabled: true,
        emulate_353: false,
    });
    let ttl = ttl_owner(100).unwrap();
    create_owned(&mut t, "/used", CONTAINER_OWNER, 1).unwrap(); // mtime 1001
    create_owned(&mut t, "/used/c", 0, 2).unwrap();
    create_owned(&mut t, "/fresh", CONTAINER_OWNER, 3).unwrap(); // never had a child
    create_owned(&mut t, "/ttl", ttl, 4).unwrap(); // mtime 1004
    assert!(t.reap_candidates(1104, 0).is_empty()); // /used has a child; TTL not yet
    t.delete_node("/used/c", 5).unwrap();
    assert_eq!(t.reap_candidates(1104, 0), vec!["/used".to_string()]);
    assert_eq!(
        t.reap_candidates(1105, 0),
        vec!["/ttl".to_string(), "/used".into()]
    );
    assert_eq!(
        t.reap_candidates(1105, 50),
        vec!["/fresh".to_string(), "/ttl".into(), "/used".into()]
    );
    t.set_data("/ttl", None, 1, 6, 1100).unwrap(); // a write renews the TTL
    assert_eq!(t.reap_candidates(1105, 0), vec!["/used".to_string()]);
}

/// mntr's approximate data size follows creates, setData and deletes.
#[test]
fn approximate_data_size_tracks_changes() {
    let mut t = tree();
    let base = t.approximate_data_size();
    create(&mut t, "/é", 1).unwrap(); // 2 UTF-16 units + 1 data byte
    assert_eq!(t.approximate_data_size(), base + 3);
    t.set_data("/é", b("four"), 1, 2, 2).unwrap();
    assert_eq!(t.approximate_data_size(), base + 6);
    t.delete_node("/é", 3).unwrap();
    assert_eq!(t.approximate_data_size(), base);
}

#[test]
fn utf16_length_counts_java_chars() {
    for s in ["", "/", "/abc", "/é", "/€x", "/😀", "/a😀b€é"] {
        assert_eq!(super::utf16_len(s), s.encode_utf16().count() as i64, "{s}");
    }
}

/// Every node as a snapshot sees it: path, data, ACL list, persisted stat.
fn record(t: &DataTree) -> Vec<(String, Option<Bytes>, Vec<Acl>, StatPersisted)> {
    let mut v = Vec::new();
    t.visit(|p, n| {
        v.push((
            p.to_owned(),
            n.data().cloned(),
            n.acl().to_vec(),
            n.persisted().clone(),
        ))
    });
    v
}

/// A frozen tree keeps the state it was taken in, across more nodes than
/// one arena chunk holds, while the tree it came from is written all
/// over; and those writes land in the live tree exactly as they do in a
/// tree nobody froze.
#[test]
fn a_frozen_tree_keeps_its_moment_while_the_live_tree_changes() {
    fn build(t: &mut DataTree) -> i64 {
        let mut z = 1;
        for p in ["/a", "/b", "/b/c"] {
            create(t, p, z).unwrap();
            z += 1;
        }
        // Siblings created interleaved under two parents, past two chunk
        // boundaries (2^14 slots each).
        for i in 0..20_000 {
            create(t, &format!("/a/n{i:05}"), z).unwrap();
            create(t, &format!("/b/c/m{i:05}"), z + 1).unwrap();
            z += 2;
        }
        z
    }
    fn churn(t: &mut DataTree, mut z: i64) {
        let reader = [Acl::new(1, Id::anyone())];
        for i in (0..20_000).step_by(3) {
            t.set_data(&format!("/a/n{i:05}"), b("new"), 1, z, 5000)
                .unwrap();
            z += 1;
        }
        for i in (0..20_000).step_by(5) {
            t.delete_node(&format!("/b/c/m{i:05}"), z).unwrap();
            z += 1;
        }
        for i in (1..20_000).step_by(7) {
            t.set_acl(&format!("/a/n{i:05}"), &reader, 1).unwrap();
        }
        // New nodes take the freed slots first, then fresh ones.
        for i in 0..6_000 {
            create(t, &format!("/b/x{i:05}"), z).unwrap();
            z += 1;
        }
        t.delete_node("/a/n00001", z).unwrap();
    }
    let mut live = tree();
    let z = build(&mut live);
    let before = record(&live);
    let frozen = live.freeze();
    assert_eq!(frozen.node_count(), before.len());
    churn(&mut live, z);

    assert_eq!(record(frozen.tree()), before, "the frozen tree moved");
    assert_eq!(frozen.node_count(), before.len());
    let mut unfrozen = tree();
    let z = build(&mut unfrozen);
    churn(&mut unfrozen, z);
    assert_eq!(record(&live), record(&unfrozen));
    assert_eq!(live.znode_count(), unfrozen.znode_count());
    assert_eq!(
        live.approximate_data_size(),
        unfrozen.approximate_data_size()
    );
    assert_ne!(record(&live), before);
    // A frozen tree is for another thread.
    fn send<T: Send + Sync + 'static>(_: &T) {}
    send(&frozen);
}

#[test]
fn a_node_does_not_keep_the_buffer_its_data_came_in() {
    // A request's data is a slice of its whole frame; the node must hold
    // the value alone, or every znode would pin its create's frame.
    let frame = Bytes::from(vec![7u8; 1000]);
    let mut t = tree();
    t.create_node(
        "/a",
        Some(frame.slice(10..110)),
        &Acl::open_unsafe(),
        0,
        -1,
        1,
        0,
    )
    .unwrap();
    assert!(frame.is_unique(), "the node still refers to the frame");
    assert_eq!(
        t.node("/a").unwrap().data().map(|d| &d[..]),
        Some(&[7u8; 100][..])
    );

    let frame = Bytes::from(vec![9u8; 1000]);
    t.set_data("/a", Some(frame.slice(0..3)), 1, 2, 0).unwrap();
    assert!(
        frame.is_unique(),
        "setData left the node referring to the frame"
    );
    assert_eq!(
        t.node("/a").unwrap().data().map(|d| &d[..]),
        Some(&[9u8; 3][..])
    );

    // Null and empty stay distinct.
    t.set_data("/a", Some(frame.slice(0..0)), 2, 3, 0).unwrap();
    assert_eq!(t.node("/a").unwrap().data().map(|d| &d[..]), Some(&[][..]));
    t.set_data("/a", None, 3, 4, 0).unwrap();
    assert_eq!(t.node("/a").unwrap().data(), None);
}
