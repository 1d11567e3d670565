//! The client against a real server started by each test on loopback.
//! The server is Apache ZooKeeper 3.8 or the `rzk` binary, as
//! `RZK_TEST_SERVER=apache|rzk` (with `RZK_BIN`) selects
//! (`rzk_testkit::TestServer`): the same tests prove both.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use rzk_client::*;
use rzk_testkit::TestServer;

#[path = "interop/chaos.rs"]
mod chaos;

fn server() -> TestServer {
    TestServer::start().unwrap_or_else(|e| panic!("{e}"))
}

async fn client(zk: &TestServer) -> Client {
    Client::builder(zk.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap()
}

fn open() -> Vec<Acl> {
    Acl::open_unsafe()
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test]
async fn crud_and_stat_rules() {
    let zk = server();
    let c = client(&zk).await;
    assert_eq!(c.state(), SessionState::Connected);
    assert!(
        c.session_id() >> 56 == 1,
        "standalone session ids start with server id 1"
    );
    assert_eq!(c.session_timeout(), Duration::from_secs(10));

    let p = c
        .create(
            "/a",
            Some(Bytes::from_static(b"x")),
            &open(),
            CreateMode::Persistent,
        )
        .await
        .unwrap();
    assert_eq!(p, "/a");
    let (data, stat) = c.get_data("/a").await.unwrap();
    assert_eq!(data.as_deref(), Some(&b"x"[..]));
    assert_eq!(
        (stat.version, stat.data_length, stat.num_children),
        (0, 1, 0)
    );
    assert_eq!(stat.czxid, stat.mzxid);

    let s2 = c.set_data("/a", None, 0).await.unwrap();
    assert_eq!(s2.version, 1);
    assert_eq!(
        c.get_data("/a").await.unwrap().0,
        None,
        "null data stays null"
    );
    assert!(c
        .set_data("/a", None, 0)
        .await
        .unwrap_err()
        .is_bad_version());

    let (_, s) = c
        .create2("/a/b", Some(Bytes::new()), &open(), CreateMode::Persistent)
        .await
        .unwrap();
    assert_eq!(s.data_length, 0);
    let (children, parent) = c.get_children2("/a").await.unwrap();
    assert_eq!(children, vec!["b"]);
    assert_eq!((parent.num_children, parent.cversion), (1, 1));

    assert_eq!(
        c.delete("/a", -1).await.unwrap_err(),
        Error::Server(ErrorCode::NotEmpty)
    );
    c.delete("/a/b", -1).await.unwrap();
    c.delete("/a", -1).await.unwrap();
    assert_eq!(c.exists("/a").await.unwrap(), None);
    assert!(c.get_data("/a").await.unwrap_err().is_no_node());
    assert!(c
        .create("/x/y", None, &open(), CreateMode::Persistent)
        .await
        .unwrap_err()
        .is_no_node());
    assert_eq!(
        c.get_all_children_number("/").await.unwrap(),
        3,
        "the /zookeeper subtree"
    );
    assert_eq!(c.sync("/").await.unwrap(), "/");
}

#[tokio::test]
async fn sequential_and_ephemeral_nodes() {
    let zk = server();
    let c = client(&zk).await;
    c.create("/q", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    let a = c
        .create("/q/n-", None, &open(), CreateMode::PersistentSequential)
        .await
        .unwrap();
    let b = c
        .create("/q/n-", None, &open(), CreateMode::EphemeralSequential)
        .await
        .unwrap();
    assert_eq!(a, "/q/n-0000000000");
    assert_eq!(b, "/q/n-0000000001");
    assert_eq!(
        c.get_ephemerals("/").await.unwrap(),
        vec!["/q/n-0000000001"]
    );
    let (_, stat) = c.get_data(&b).await.unwrap();
    assert_eq!(stat.ephemeral_owner, c.session_id());
    assert_eq!(
        c.create(
            "/q/n-0000000001/child",
            None,
            &open(),
            CreateMode::Persistent
        )
        .await
        .unwrap_err(),
        Error::Server(ErrorCode::NoChildrenForEphemerals)
    );

    let other = client(&zk).await;
    let (_, gone) = other.exists_watch(&b).await.unwrap();
    c.close().await.unwrap();
    assert_eq!(c.state(), SessionState::Closed);
    let ev = within("ephemeral deletion", gone).await;
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeDeleted, b.as_str())
    );
    assert_eq!(other.exists(&b).await.unwrap(), None);
    assert_eq!(c.exists("/q").await.unwrap_err(), Error::Closed);
}

#[tokio::test]
async fn one_shot_watches_fire_once_with_the_right_type() {
    let zk = server();
    let c = client(&zk).await;
    let (none, created) = c.exists_watch("/w").await.unwrap();
    assert!(none.is_none());
    let writer = client(&zk).await;
    writer
        .create("/w", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    let ev = within("NodeCreated", created).await;
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeCreated, "/w")
    );

    let (_, _, changed) = c.get_data_watch("/w").await.unwrap();
    let (_, children) = c.get_children_watch("/w").await.unwrap();
    writer
        .set_data("/w", Some(Bytes::from_static(b"1")), -1)
        .await
        .unwrap();
    assert_eq!(
        within("NodeDataChanged", changed).await.event_type,
        EventType::NodeDataChanged
    );
    writer
        .create("/w/c", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    let ev = within("NodeChildrenChanged", children).await;
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeChildrenChanged, "/w")
    );
}

#[tokio::test]
async fn own_write_event_arrives_before_the_write_reply() {
    let zk = server();
    let c = client(&zk).await;
    c.create("/o", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    let (_, _, mut watch) = c.get_data_watch("/o").await.unwrap();
    c.set_data("/o", None, -1).await.unwrap();
    // ZooKeeper writes the notification before the reply (PROTOCOL.md §9.1),
    // so by the time set_data returns the watch must already have fired.
    let ev =
        futures::FutureExt::now_or_never(&mut watch).expect("event delivered before the reply");
    assert_eq!(ev.event_type, EventType::NodeDataChanged);
}

#[tokio::test]
async fn persistent_recursive_watch_streams_every_descendant_change() {
    let zk = server();
    let c = client(&zk).await;
    let mut stream = c
        .add_watch("/r", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    c.create("/r", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    c.create("/r/a", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    c.set_data("/r/a", Some(Bytes::from_static(b"v")), -1)
        .await
        .unwrap();
    c.delete("/r/a", -1).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let ev = within("recursive event", stream.next()).await.unwrap();
        seen.push((ev.event_type, ev.path));
    }
    assert_eq!(
        seen,
        vec![
            (EventType::NodeCreated, "/r".to_string()),
            (EventType::NodeCreated, "/r/a".to_string()),
            (EventType::NodeDataChanged, "/r/a".to_string()),
            (EventType::NodeDeleted, "/r/a".to_string()),
        ]
    );
    c.check_watches("/r", WatcherType::Any).await.unwrap();
    c.remove_watches("/r", WatcherType::Any).await.unwrap();
    assert_eq!(
        c.check_watches("/r", WatcherType::Any).await.unwrap_err(),
        Error::Server(ErrorCode::NoWatcher)
    );
}

#[tokio::test]
async fn multi_is_all_or_nothing_with_per_op_results() {
    let zk = server();
    let c = client(&zk).await;
    let ok = c
        .transaction()
        .create("/m", None, &open(), CreateMode::Persistent)
        .create(
            "/m/a",
            Some(Bytes::from_static(b"a")),
            &open(),
            CreateMode::Persistent,
        )
        .set_data("/m/a", Some(Bytes::from_static(b"b")), 0)
        .check("/m/a", 1)
        .commit()
        .await
        .unwrap();
    assert_eq!(ok.len(), 4);
    assert_eq!(ok[0], OpResult::Create { path: "/m".into() });
    assert!(matches!(&ok[2], OpResult::SetData { stat } if stat.version == 1));

    let err = c
        .transaction()
        .create("/m/b", None, &open(), CreateMode::Persistent)
        .delete("/m/missing", -1)
        .set_data("/m/a", None, -1)
        .commit()
        .await
        .unwrap_err();
    match err {
        Error::MultiFailed {
            index,
            code,
            results,
        } => {
            assert_eq!((index, code), (1, -101));
            assert_eq!(
                results,
                vec![
                    OpResult::Error { err: 0 },
                    OpResult::Error { err: -101 },
                    OpResult::Error { err: -2 }
                ]
            );
        }
        other => panic!("expected MultiFailed, got {other:?}"),
    }
    assert_eq!(
        c.exists("/m/b").await.unwrap(),
        None,
        "nothing of a failed multi is applied"
    );

    let reads = c
        .multi_read(vec![
            MultiOp::GetData(rzk_proto::client::GetDataRequest {
                path: "/m/a".into(),
                watch: false,
            }),
            MultiOp::GetChildren(rzk_proto::client::GetChildrenRequest {
                path: "/nope".into(),
                watch: false,
            }),
        ])
        .await
        .unwrap();
    assert!(matches!(&reads[0], OpResult::GetData { data: Some(d), .. } if &d[..] == b"b"));
    assert_eq!(reads[1], OpResult::Error { err: -101 });
}

#[tokio::test]
async fn digest_auth_acls_and_who_am_i() {
    let zk = server();
    let c = client(&zk).await;
    c.add_auth("digest", Bytes::from_static(b"user:pass"))
        .await
        .unwrap();
    let who = c.who_am_i().await.unwrap();
    assert!(
        who.iter()
            .any(|i| i.auth_scheme == "digest" && i.user == "user"),
        "{who:?}"
    );
    c.create("/secret", None, &Acl::creator_all(), CreateMode::Persistent)
        .await
        .unwrap();
    let (acl, _) = c.get_acl("/secret").await.unwrap();
    assert_eq!(
        acl,
        vec![Acl::new(
            31,
            Id::new("digest", "user:smGaoVKd/cQkjm7b88GyorAUz20=")
        )]
    );

    let stranger = client(&zk).await;
    assert_eq!(
        stranger.get_data("/secret").await.unwrap_err(),
        Error::Server(ErrorCode::NoAuth)
    );
    assert_eq!(
        stranger
            .create("/open", None, &Acl::creator_all(), CreateMode::Persistent)
            .await
            .unwrap_err(),
        Error::Server(ErrorCode::InvalidAcl)
    );
    let bad = Client::builder(zk.connect_string())
        .connect()
        .await
        .unwrap();
    assert_eq!(
        bad.add_auth("nosuchscheme", Bytes::from_static(b"x")).await,
        Err(Error::AuthFailed)
    );
    assert_eq!(
        bad.wait_for_state(|s| s == SessionState::AuthFailed).await,
        SessionState::AuthFailed
    );
}

#[tokio::test]
async fn chroot_is_applied_to_requests_replies_and_events() {
    let zk = server();
    let root = client(&zk).await;
    root.create("/app", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    let c = Client::connect(&format!("{}/app", zk.connect_string()))
        .await
        .unwrap();
    let (_, w) = c.exists_watch("/x").await.unwrap();
    assert_eq!(
        c.create("/x", None, &open(), CreateMode::Persistent)
            .await
            .unwrap(),
        "/x"
    );
    assert_eq!(within("chrooted event", w).await.path, "/x");
    assert!(root.exists("/app/x").await.unwrap().is_some());
    assert_eq!(c.get_children("/").await.unwrap(), vec!["x"]);
}

#[tokio::test]
async fn ttl_and_container_nodes() {
    let zk = server();
    let c = client(&zk).await;
    let (p, stat) = c
        .create_ttl(
            "/t",
            None,
            &open(),
            CreateMode::PersistentWithTtl,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(p, "/t");
    assert_eq!(stat.ephemeral_owner, 0, "TTL owners are masked");
    let (_, stat) = c
        .create2("/c", None, &open(), CreateMode::Container)
        .await
        .unwrap();
    assert_eq!(stat.ephemeral_owner, 0, "container owners are masked");
}

#[tokio::test]
async fn reconnect_keeps_the_session_and_rearms_watches() {
    let mut zk = server();
    let c = client(&zk).await;
    c.create("/k", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    let (_, _, watch) = c.get_data_watch("/k").await.unwrap();
    let id = c.session_id();
    let mut changes = c.state_changes();

    zk.restart().unwrap();
    within("Disconnected", async {
        while changes.recv().await.unwrap() != SessionState::Disconnected {}
    })
    .await;
    within("Connected again", async {
        while changes.recv().await.unwrap() != SessionState::Connected {}
    })
    .await;
    assert_eq!(c.session_id(), id, "the session survives a server restart");

    let writer = client(&zk).await;
    writer
        .set_data("/k", Some(Bytes::from_static(b"after")), -1)
        .await
        .unwrap();
    let ev = within("watch re-registered by setWatches", watch).await;
    assert_eq!(ev.event_type, EventType::NodeDataChanged);
}
