//! Table tests of the watch manager (`PROTOCOL.md` §3.8, §9 items 10–13).

use super::*;
use rzk_proto::codes::EventType::{NodeChildrenChanged, NodeCreated, NodeDataChanged, NodeDeleted};

const A: ConnId = 1;
const B: ConnId = 2;
const C: ConnId = 3;

fn all(_: ConnId, _: &WatcherEvent) -> bool {
    true
}

/// (conn, event type, path) triples, for compact expectations.
fn got(ns: &[Notification]) -> Vec<(ConnId, EventType, &str)> {
    ns.iter()
        .map(|n| {
            assert_eq!(n.event.state, 3, "server events are SyncConnected");
            let t = EventType::from_code(n.event.event_type).unwrap_or(EventType::None);
            (n.conn, t, n.event.path.as_str())
        })
        .collect()
}

/// §3.8 trigger table: create fires NodeCreated on the path and
/// NodeChildrenChanged on the parent (`/` for children of the root).
#[test]
fn create_triggers_3_8() {
    let mut w = WatchManager::new();
    w.add_data_watch("/p/c", A); // exists on a missing node
    w.add_child_watch("/p", B);
    w.add_child_watch("/", C);
    w.add_data_watch("/p", C); // a data watch on the parent does not fire
    let ns = w.node_created("/p/c", 7, all);
    assert_eq!(
        got(&ns),
        vec![(A, NodeCreated, "/p/c"), (B, NodeChildrenChanged, "/p")]
    );
    assert!(ns.iter().all(|n| n.zxid == 7));
    assert_eq!(
        got(&w.node_created("/q", 8, all)),
        vec![(C, NodeChildrenChanged, "/")]
    );
    // Standard watches were consumed.
    assert!(w.node_created("/p/c", 9, all).is_empty());
    assert_eq!(w.watch_count(), 1); // C's data watch on /p
}

/// §3.8: delete fires NodeDeleted on data and child tables without double
/// delivery, then NodeChildrenChanged on the parent.
#[test]
fn delete_triggers_without_double_delivery_3_8() {
    let mut w = WatchManager::new();
    w.add_data_watch("/p/c", A);
    w.add_child_watch("/p/c", A); // same connection in both tables
    w.add_child_watch("/p/c", B);
    w.add_child_watch("/p", C);
    let ns = w.node_deleted("/p/c", 5, all);
    assert_eq!(
        got(&ns),
        vec![
            (A, NodeDeleted, "/p/c"),
            (B, NodeDeleted, "/p/c"),
            (C, NodeChildrenChanged, "/p")
        ]
    );
    assert_eq!(w.watch_count(), 0);
}

/// §3.8: setData fires NodeDataChanged from the data table only.
#[test]
fn set_data_triggers_3_8() {
    let mut w = WatchManager::new();
    w.add_data_watch("/a", A);
    w.add_child_watch("/a", B);
    assert_eq!(
        got(&w.node_data_changed("/a", 3, all)),
        vec![(A, NodeDataChanged, "/a")]
    );
    assert!(w.node_data_changed("/a", 4, all).is_empty());
    assert_eq!(w.watch_count(), 1);
}

/// §3.8: PERSISTENT sees every event type for its own path only, and stays.
#[test]
fn persistent_watch_3_8() {
    let mut w = WatchManager::new();
    w.add_watch("/p", A, AddWatchMode::Persistent);
    for _ in 0..2 {
        assert_eq!(
            got(&w.node_created("/p", 1, all)),
            vec![(A, NodeCreated, "/p")]
        );
        assert_eq!(
            got(&w.node_data_changed("/p", 2, all)),
            vec![(A, NodeDataChanged, "/p")]
        );
        assert_eq!(
            got(&w.node_created("/p/x", 3, all)),
            vec![(A, NodeChildrenChanged, "/p")]
        );
        assert_eq!(
            got(&w.node_deleted("/p", 4, all)),
            vec![(A, NodeDeleted, "/p")]
        );
        assert!(w.node_data_changed("/p/x", 5, all).is_empty()); // not recursive
    }
    assert_eq!(w.watch_count(), 2); // one pair in each table
}

/// §3.8: PERSISTENT_RECURSIVE fires for the path and every descendant,
/// never NodeChildrenChanged; at most one event per connection per trigger.
#[test]
fn recursive_watch_3_8() {
    let mut w = WatchManager::new();
    w.add_watch("/r", A, AddWatchMode::PersistentRecursive);
    w.add_watch("/", A, AddWatchMode::PersistentRecursive); // two ancestors match
    w.add_data_watch("/r/x/y", A); // and a standard watch on the node itself
    let ns = w.node_data_changed("/r/x/y", 1, all);
    assert_eq!(got(&ns), vec![(A, NodeDataChanged, "/r/x/y")]);
    let ns = w.node_created("/r/z", 2, all);
    assert_eq!(got(&ns), vec![(A, NodeCreated, "/r/z")]); // no NodeChildrenChanged
    let ns = w.node_deleted("/r", 3, all);
    assert_eq!(got(&ns), vec![(A, NodeDeleted, "/r")]);
    assert!(w.node_created("/other", 4, all).len() == 1); // via "/"
                                                          // A standard child watch on a descendant still delivers its event to
                                                          // the same connection (the 3.9 client filters it, ZOOKEEPER-4475).
    w.add_child_watch("/r/x", A);
    let ns = w.node_created("/r/x/n", 5, all);
    assert_eq!(
        got(&ns),
        vec![(A, NodeCreated, "/r/x/n"), (A, NodeChildrenChanged, "/r/x")]
    );
}

/// §3.8: the delivery filter drops events silently, and a standard watch
/// is consumed even when its event is filtered.
#[test]
fn delivery_filter_3_8() {
    let mut w = WatchManager::new();
    w.add_data_watch("/s", A);
    w.add_data_watch("/s", B);
    w.add_child_watch("/", A);
    let mut seen = Vec::new();
    let ns = w.node_created("/s", 1, |c, e| {
        seen.push((c, e.event_type));
        c == B || e.event_type == NodeChildrenChanged.code()
    });
    assert_eq!(
        got(&ns),
        vec![(B, NodeCreated, "/s"), (A, NodeChildrenChanged, "/")]
    );
    assert_eq!(seen.len(), 3);
    assert_eq!(w.watch_count(), 0);
}

/// §3.8: checkWatches/removeWatches per WatcherType.
#[test]
fn check_and_remove_by_type_3_8() {
    use WatcherType::*;
    let setup = || {
        let mut w = WatchManager::new();
        w.add_data_watch("/a", A);
        w.add_child_watch("/a", A);
        w.add_watch("/p", A, AddWatchMode::Persistent);
        w.add_watch("/r", A, AddWatchMode::PersistentRecursive);
        w
    };
    let w = setup();
    #[rustfmt::skip]
    let contains = [
        ("/a", Children, true), ("/a", Data, true), ("/a", Any, true),
        ("/a", Persistent, false), ("/a", PersistentRecursive, false),
        // 3.8: Children/Data/Any do not look at the mode.
        ("/p", Children, true), ("/p", Data, true), ("/p", Persistent, true),
        ("/p", PersistentRecursive, false),
        ("/r", Children, false), ("/r", Data, true), ("/r", Any, true),
        ("/r", Persistent, false), ("/r", PersistentRecursive, true),
        ("/none", Any, false),
    ];
    for (p, t, want) in contains {
        assert_eq!(w.contains(p, A, t), want, "contains {p} {t:?}");
        assert!(!w.contains(p, B, t), "other connection {p} {t:?}");
    }
    #[rustfmt::skip]
    let removals: [(&str, WatcherType, bool, usize); 9] = [
        // path, type, removed?, (path, conn) pairs left of the 5
        ("/a", Children, true, 4),
        ("/a", Persistent, false, 5),
        ("/p", Data, true, 4), // 3.8: a Data removal takes the persistent watch's data half
        ("/p", Persistent, true, 3),
        ("/p", Any, true, 3),
        ("/r", Children, false, 5),
        ("/r", PersistentRecursive, true, 4),
        ("/r", Persistent, false, 5),
        ("/x", Any, false, 5),
    ];
    for (p, t, removed, left) in removals {
        let mut w = setup();
        assert!(!w.remove(p, B, t), "other connection");
        assert_eq!(w.remove(p, A, t), removed, "remove {p} {t:?}");
        assert_eq!(w.watch_count(), left, "left after {p} {t:?}");
    }
    // After removing the recursive watch, descendants no longer fire.
    let mut w = setup();
    w.remove("/r", A, PersistentRecursive);
    assert!(w.node_created("/r/c", 1, all).is_empty());
}

/// §3.8: a closed connection's watches all go, others stay.
#[test]
fn remove_connection_3_8() {
    let mut w = WatchManager::new();
    w.add_data_watch("/a", A);
    w.add_watch("/", A, AddWatchMode::PersistentRecursive);
    w.add_watch("/a", B, AddWatchMode::Persistent);
    w.remove_connection(A);
    assert_eq!(
        got(&w.node_data_changed("/a", 1, all)),
        vec![(B, NodeDataChanged, "/a")]
    );
    assert_eq!(w.watch_count(), 2);
    w.remove_connection(B);
    assert_eq!(w.watch_count(), 0);
}

/// §3.8 / §9 item 13: setWatches catch-up by relativeZxid.
#[test]
fn set_watches_catch_up_3_8() {
    let nodes = |p: &str| match p {
        "/old" => Some(NodeZxids { mzxid: 5, pzxid: 5 }),
        "/new" => Some(NodeZxids {
            mzxid: 20,
            pzxid: 30,
        }),
        _ => None,
    };
    let req = SetWatches2 {
        relative_zxid: 10,
        data_watches: vec!["/gone".into(), "/new".into(), "/old".into()],
        exist_watches: vec!["/new".into(), "/gone".into()],
        child_watches: vec!["/gone".into(), "/new".into(), "/old".into()],
        persistent_watches: vec!["/p".into()],
        persistent_recursive_watches: vec!["/r".into()],
    };
    let mut w = WatchManager::new();
    let ns = w.set_watches(A, &req, nodes);
    assert_eq!(
        got(&ns),
        vec![
            (A, NodeDeleted, "/gone"),
            (A, NodeDataChanged, "/new"),
            (A, NodeCreated, "/new"),
            (A, NodeDeleted, "/gone"),
            (A, NodeChildrenChanged, "/new"),
        ]
    );
    assert!(ns.iter().all(|n| n.zxid == -1));
    // Re-registered: data /old, exist /gone, child /old, persistent /p, recursive /r.
    assert!(w.modes("/old", A, TableKind::Data).has(WatchMode::Standard));
    assert!(w
        .modes("/gone", A, TableKind::Data)
        .has(WatchMode::Standard));
    assert!(w
        .modes("/old", A, TableKind::Child)
        .has(WatchMode::Standard));
    assert!(w
        .modes("/p", A, TableKind::Child)
        .has(WatchMode::Persistent));
    assert!(w
        .modes("/r", A, TableKind::Data)
        .has(WatchMode::PersistentRecursive));
    assert!(!w.contains("/new", A, WatcherType::Any));
    assert_eq!(w.watch_count(), 6);
}

/// wchs / wchc / wchp counts (ZooKeeper reports the data table).
#[test]
fn reports() {
    let mut w = WatchManager::new();
    w.add_data_watch("/a", B);
    w.add_data_watch("/a", A);
    w.add_data_watch("/b", A);
    w.add_child_watch("/c", C);
    let s = w.summary(TableKind::Data);
    assert_eq!(
        s,
        WatchSummary {
            connections: 2,
            paths: 2,
            watches: 3
        }
    );
    assert_eq!(w.summary(TableKind::Child).watches, 1);
    assert_eq!(w.watch_count(), 4);
    let by_conn = w.paths_by_connection(TableKind::Data);
    assert_eq!(by_conn.get(&A), Some(&vec!["/a".to_string(), "/b".into()]));
    let by_path = w.connections_by_path(TableKind::Data);
    assert_eq!(by_path.get("/a"), Some(&vec![A, B]));
}

/// ZooKeeper 3.8.0's checkWatches, as the differential test against
/// Debian's server showed it: any connection's watch on the path counts, a
/// recursive watch counts for the child table too, and a path without '/'
/// is the MarshallingError of Java's PathParentIterator.
#[test]
fn check_watches_as_3_8_0_answers_it() {
    let mut w = WatchManager::with_3_8_tables();
    w.add_data_watch("/a", 1);
    assert_eq!(
        w.contains_3_8_0("/a", 2, WatcherType::Data),
        Some(true),
        "another connection's watch"
    );
    assert!(
        !w.contains("/a", 2, WatcherType::Data),
        "own watches only in 3.9"
    );
    assert_eq!(
        w.contains_3_8_0("/a", 2, WatcherType::Children),
        Some(false)
    );
    w.add_watch("/r", 3, AddWatchMode::PersistentRecursive);
    assert_eq!(
        w.contains_3_8_0("/r", 9, WatcherType::Children),
        Some(true),
        "recursive sits in 3.8's child table"
    );
    assert_eq!(w.contains_3_8_0("d", 1, WatcherType::Any), None);
    assert_eq!(w.contains_3_8_0("", 1, WatcherType::Any), Some(false));
}

/// In 3.8's tables a recursive watch has a child-table copy: removing
/// watches of type Children removes that copy only, events still flow from
/// the data table, and NodeChildrenChanged never reaches it.
#[test]
fn recursive_watches_in_3_8_tables() {
    let mut w = WatchManager::with_3_8_tables();
    w.add_watch("/r", 7, AddWatchMode::PersistentRecursive);
    let created = w.node_created("/r/c", 5, all);
    assert_eq!(
        got(&created),
        vec![(7, NodeCreated, "/r/c")],
        "no NodeChildrenChanged for /r"
    );
    assert!(w.remove("/r", 7, WatcherType::Children));
    assert_eq!(
        w.contains_3_8_0("/r", 7, WatcherType::Children),
        Some(false)
    );
    let changed = w.node_data_changed("/r/c", 6, all);
    assert_eq!(got(&changed), vec![(7, NodeDataChanged, "/r/c")]);
}

/// 3.8 keeps one mode per (connection, path): a standard watch set after a
/// recursive one on the same path replaces it (3.9 keeps both).
#[test]
fn a_later_standard_watch_replaces_a_recursive_one_in_3_8() {
    let mut w = WatchManager::with_3_8_tables();
    w.add_watch("/r", 7, AddWatchMode::PersistentRecursive);
    w.add_data_watch("/r", 7);
    assert!(
        w.node_data_changed("/r/c", 5, all).is_empty(),
        "recursive mode replaced"
    );
    let mut w = WatchManager::new();
    w.add_watch("/r", 7, AddWatchMode::PersistentRecursive);
    w.add_data_watch("/r", 7);
    assert_eq!(
        got(&w.node_data_changed("/r/c", 5, all)),
        vec![(7, NodeDataChanged, "/r/c")]
    );
}
