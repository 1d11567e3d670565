//! Curator-style recipes against a real server, with many contending
//! sessions, and against Curator 5.4 itself (Java) on the same paths.
//! The server is Apache ZooKeeper 3.8 or the `rzk` binary, as
//! `RZK_TEST_SERVER=apache|rzk` (with `RZK_BIN`) selects
//! (`rzk_testkit::TestServer`): the same tests prove both.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode};
use rzk_testkit::{Proxy, TestServer};

#[path = "recipes/cache.rs"]
mod cache;
#[path = "recipes/coordination.rs"]
mod coordination;
#[path = "recipes/counter.rs"]
mod counter;
#[path = "recipes/curator.rs"]
mod curator;
#[path = "recipes/latch.rs"]
mod latch;
#[path = "recipes/locks.rs"]
mod locks;

/// Upper bound for any single wait in these tests.
const LIMIT: Duration = Duration::from_secs(30);

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

/// `n` clients, each with its own session, as `n` separate processes would be.
async fn clients(zk: &TestServer, n: usize) -> Vec<Client> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(client(zk).await);
    }
    v
}

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Polls `cond` until it holds, failing the test after [`LIMIT`].
async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    within(what, async {
        while !cond().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

async fn create_counter(c: &Client, path: &str) {
    c.create(
        path,
        Some(Bytes::from_static(b"0")),
        &Acl::open_unsafe(),
        CreateMode::Persistent,
    )
    .await
    .unwrap();
}

/// Reads the decimal counter node.
async fn read_counter(c: &Client, path: &str) -> i64 {
    let (data, _) = c.get_data(path).await.unwrap();
    std::str::from_utf8(&data.unwrap_or_default())
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Read-modify-write with no version check: only a lock makes it safe.
async fn unsafe_increment(c: &Client, path: &str) {
    let v = read_counter(c, path).await;
    // Widen the race window so a broken lock would lose updates.
    tokio::task::yield_now().await;
    c.set_data(path, Some(Bytes::from((v + 1).to_string())), -1)
        .await
        .unwrap();
}
