//! The standalone server in-process on loopback, driven by rzk-client: the
//! whole path from socket to tree and back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::num::NonZeroU32;
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode, Error, ErrorCode, EventType, OpResult};
use rzk_core::standalone::{Standalone, StandaloneConfig};
use rzk_server::clock;
use rzk_server::net::{serve, NetConfig};
use rzk_server::standalone::StandaloneCore;

async fn start() -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let cfg = StandaloneConfig::with_tick_time(NonZeroU32::new(2000).unwrap());
    let core = StandaloneCore::new(Standalone::new(cfg, clock::now()), String::new());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, core, NetConfig::default(), async move {
        let _ = rx.await;
    }));
    (addr, tx)
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test]
async fn client_against_rzk_standalone() {
    let (addr, _stop) = start().await;
    let c = Client::builder(&addr)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    assert_eq!(c.session_timeout(), Duration::from_secs(10));
    let open = Acl::open_unsafe();
    assert_eq!(
        c.create(
            "/a",
            Some(Bytes::from_static(b"x")),
            &open,
            CreateMode::Persistent
        )
        .await
        .unwrap(),
        "/a"
    );
    let (data, stat) = c.get_data("/a").await.unwrap();
    assert_eq!((data.as_deref(), stat.version), (Some(&b"x"[..]), 0));
    assert!(c
        .create("/a", None, &open, CreateMode::Persistent)
        .await
        .unwrap_err()
        .is_node_exists());
    assert_eq!(
        c.create("/a/s-", None, &open, CreateMode::PersistentSequential)
            .await
            .unwrap(),
        "/a/s-0000000000"
    );
    assert_eq!(
        c.delete("/a", -1).await.unwrap_err(),
        Error::Server(ErrorCode::NotEmpty)
    );

    let other = Client::connect(&addr).await.unwrap();
    let (_, _, watch) = other.get_data_watch("/a").await.unwrap();
    c.set_data("/a", None, 0).await.unwrap();
    let ev = within("NodeDataChanged", watch).await;
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeDataChanged, "/a")
    );

    let err = c
        .transaction()
        .create("/m", None, &open, CreateMode::Persistent)
        .delete("/missing", -1)
        .commit()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultiFailed {
                index: 1,
                code: -101,
                ..
            }
        ),
        "{err:?}"
    );
    let ok = c
        .transaction()
        .create("/m", None, &open, CreateMode::Persistent)
        .check("/m", 0)
        .commit()
        .await
        .unwrap();
    assert_eq!(ok[0], OpResult::Create { path: "/m".into() });

    c.add_auth("digest", Bytes::from_static(b"user:pass"))
        .await
        .unwrap();
    c.create("/secret", None, &Acl::creator_all(), CreateMode::Persistent)
        .await
        .unwrap();
    assert_eq!(
        other.get_data("/secret").await.unwrap_err(),
        Error::Server(ErrorCode::NoAuth)
    );

    let e = c
        .create("/eph", None, &open, CreateMode::Ephemeral)
        .await
        .unwrap();
    let (_, gone) = other.exists_watch(&e).await.unwrap();
    c.close().await.unwrap();
    assert_eq!(
        within("ephemeral deletion", gone).await.event_type,
        EventType::NodeDeleted
    );
    assert_eq!(other.get_all_children_number("/").await.unwrap(), 7);
}
