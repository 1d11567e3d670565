//! `Client::notifications` against a real server: one event per server
//! notification, however many watches it wakes.
//! The server is Apache ZooKeeper 3.8 or the `rzk` binary, as
//! `RZK_TEST_SERVER=apache|rzk` (with `RZK_BIN`) selects
//! (`rzk_testkit::TestServer`): the same tests prove both.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::time::Duration;

use rzk_client::*;
use rzk_testkit::TestServer;

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test]
async fn one_event_per_notification_in_arrival_order() {
    let zk = TestServer::start().unwrap_or_else(|e| panic!("{e}"));
    let c = Client::connect(&zk.connect_string()).await.unwrap();
    let mut notes = c.notifications();
    let open = Acl::open_unsafe();
    c.create("/n", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    // A data and a child watch on one node: its deletion wakes both, but
    // the server sends one notification, and the tap reports it once.
    let (_, _, data) = c.get_data_watch("/n").await.unwrap();
    let (_, child) = c.get_children_watch("/n").await.unwrap();
    let (_, root) = c.get_children_watch("/").await.unwrap();
    c.delete("/n", -1).await.unwrap();
    let first = within("first notification", notes.next_event())
        .await
        .unwrap();
    let second = within("second notification", notes.next_event())
        .await
        .unwrap();
    assert_eq!(
        [
            (first.event_type, first.path.as_str()),
            (second.event_type, second.path.as_str())
        ],
        [
            (EventType::NodeDeleted, "/n"),
            (EventType::NodeChildrenChanged, "/")
        ]
    );
    // The individual watches fired too.
    for w in [data, child, root] {
        within("watch", w).await;
    }
    c.close().await.unwrap();
    assert!(
        within("end of stream", notes.next_event()).await.is_none(),
        "the stream ends with the session"
    );
}
