//! The glue the request layer will write, through the public API only:
//! apply a txn to the tree, then fire watches with the READ filter built
//! from the ACLs the apply returned (`PROTOCOL.md` §3.8 delivery filter,
//! §3.10). Proves the pieces fit.

use std::collections::BTreeMap;

use bytes::Bytes;
use rzk_core::acl::{digest, AuthConfig};
use rzk_core::tree::DataTree;
use rzk_core::watch::{ConnId, NodeZxids, WatchManager};
use rzk_proto::client::SetWatches2;
use rzk_proto::codes::{perms, AddWatchMode, EventType};
use rzk_proto::data::{Acl, Id};

const ANON: ConnId = 1;
const ALICE: ConnId = 2;

#[test]
fn events_are_filtered_by_the_affected_nodes_acl_3_8() {
    let auth = AuthConfig::default();
    let mut ids: BTreeMap<ConnId, Vec<Id>> = BTreeMap::new();
    ids.insert(ANON, vec![Id::new("ip", "10.0.0.9")]);
    let mut alice = vec![Id::new("ip", "10.0.0.8")];
    alice.extend(
        auth.digest_authenticate(b"alice:secret")
            .unwrap_or_default(),
    );
    ids.insert(ALICE, alice.clone());

    let mut tree = DataTree::default();
    let mut watches = WatchManager::new();
    for c in [ANON, ALICE] {
        watches.add_watch("/", c, AddWatchMode::PersistentRecursive);
        watches.add_child_watch("/", c);
    }

    // create /secret with CREATOR_ALL_ACL, expanded to alice's digest id.
    let acl = auth
        .fixup_acl(&alice, &Acl::creator_all())
        .unwrap_or_default();
    assert_eq!(
        acl,
        vec![Acl::new(
            perms::ALL,
            Id::new("digest", digest::digest_id("alice:secret"))
        )]
    );
    let parent_cv = tree.node("/").map_or(0, |n| n.persisted().cversion + 1);
    let created = tree
        .create_node(
            "/secret",
            Some(Bytes::from_static(b"x")),
            &acl,
            0,
            parent_cv,
            1,
            100,
        )
        .unwrap();
    let ns = watches.node_created("/secret", 1, |conn, ev| {
        let node_acl = if ev.event_type == EventType::NodeChildrenChanged.code() {
            &created.parent_acl
        } else {
            &created.acl
        };
        auth.check_acl(node_acl, perms::READ, &ids[&conn]).is_ok()
    });
    let seen: Vec<(ConnId, i32)> = ns.iter().map(|n| (n.conn, n.event.event_type)).collect();
    assert_eq!(
        seen,
        vec![
            (ALICE, EventType::NodeCreated.code()),
            (ANON, EventType::NodeChildrenChanged.code()),
            (ALICE, EventType::NodeChildrenChanged.code()),
        ]
    );

    // delete: the node is gone from the tree, its ACL came back from the apply.
    let deleted = tree.delete_node("/secret", 2).unwrap();
    let ns = watches.node_deleted("/secret", 2, |conn, ev| {
        let node_acl = if ev.event_type == EventType::NodeChildrenChanged.code() {
            &deleted.parent_acl
        } else {
            &deleted.acl
        };
        auth.check_acl(node_acl, perms::READ, &ids[&conn]).is_ok()
    });
    let deliveries: Vec<ConnId> = ns
        .iter()
        .filter(|n| n.event.event_type == EventType::NodeDeleted.code())
        .map(|n| n.conn)
        .collect();
    assert_eq!(deliveries, vec![ALICE]);

    // Reconnect catch-up uses the tree's zxids.
    let req = SetWatches2 {
        relative_zxid: 0,
        data_watches: vec!["/zookeeper".into(), "/secret".into()],
        ..SetWatches2::default()
    };
    let ns = watches.set_watches(ANON, &req, |p| {
        tree.node(p).map(|n| NodeZxids {
            mzxid: n.persisted().mzxid,
            pzxid: n.persisted().pzxid,
        })
    });
    assert_eq!(ns.len(), 1);
    assert_eq!(ns[0].event.event_type, EventType::NodeDeleted.code());
}
