//! A real reconnect against the `rzk server` process: the link is cut (the
//! server stays up), things change while the client is away, the link
//! heals; the client resumes the same session (ephemerals intact), and the
//! setWatches it sends brings the events it missed and re-arms its watches.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use rzk_client::{Acl, AddWatchMode, Client, CreateMode, EventType, SessionState};
use rzk_testkit::{Proxy, RzkServer};

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_link_resumes_the_session_and_catches_up_on_watches() {
    let server = RzkServer::start(Path::new(env!("CARGO_BIN_EXE_rzk")), &[]).unwrap();
    let proxy = Proxy::start(server.port()).await;
    let open = Acl::open_unsafe();
    let other = Client::connect(&server.connect_string()).await.unwrap();
    other
        .create("/w", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    other
        .create("/r", None, &open, CreateMode::Persistent)
        .await
        .unwrap();

    let c = Client::builder(proxy.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let id = c.session_id();
    let eph = c
        .create("/eph", None, &open, CreateMode::Ephemeral)
        .await
        .unwrap();
    let (_, _, data_changed) = c.get_data_watch("/w").await.unwrap();
    let (_, created) = c.exists_watch("/missing").await.unwrap();
    let mut recursive = c
        .add_watch("/r", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let mut states = c.state_changes();

    proxy.cut(true);
    within("Disconnected", async {
        while states.recv().await.unwrap() != SessionState::Disconnected {}
    })
    .await;
    // While the client is away: its connection's watches are gone from the
    // server, so only setWatches can tell it about these.
    other
        .set_data("/w", Some(Bytes::from_static(b"changed")), -1)
        .await
        .unwrap();
    other
        .create("/missing", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    proxy.cut(false);
    within("Connected again", async {
        while states.recv().await.unwrap() != SessionState::Connected {}
    })
    .await;

    assert_eq!(c.session_id(), id, "the same session");
    assert!(
        other.exists(&eph).await.unwrap().is_some(),
        "its ephemeral survived"
    );
    assert_eq!(
        within("missed NodeDataChanged", data_changed)
            .await
            .event_type,
        EventType::NodeDataChanged
    );
    assert_eq!(
        within("missed NodeCreated", created).await.event_type,
        EventType::NodeCreated
    );
    other
        .create("/r/new", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    let ev = within("re-armed recursive watch", recursive.next())
        .await
        .unwrap();
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeCreated, "/r/new")
    );
    c.close().await.unwrap();
    assert!(
        other.exists(&eph).await.unwrap().is_none(),
        "closing the session removes it"
    );
}
