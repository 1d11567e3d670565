//! Curator-style recipes against a real Apache ZooKeeper 3.8 server, with
//! many contending sessions, and against Curator 5.4 itself (Java) on the
//! same paths.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode};
use rzk_testkit::ApacheZk;

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

fn server() -> ApacheZk {
    ApacheZk::start().unwrap_or_else(|e| panic!("{e}"))
}

async fn client(zk: &ApacheZk) -> Client {
    Client::builder(zk.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap()
}

/// `n` clients, each with its own session, as `n` separate processes would be.
async fn clients(zk: &ApacheZk, n: usize) -> Vec<Client> {
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

/// A loopback TCP proxy to a server that the test can cut: while cut, its
/// connections are closed and new ones are dropped at once, so a client
/// behind it loses contact the way a network partition would.
struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    /// Bumped on every cut, so forwarders of older connections stop.
    epoch: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let epoch = Arc::new(AtomicU64::new(0));
        let (c, e) = (cut.clone(), epoch.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((down, _)) = listener.accept().await else {
                    return;
                };
                if c.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection close
                }
                let Ok(up) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
                    continue;
                };
                let (born, e) = (e.load(Ordering::SeqCst), e.clone());
                tokio::spawn(async move {
                    let (mut down, mut up) = (down, up);
                    let copy = tokio::io::copy_bidirectional(&mut down, &mut up);
                    let cut_off = async {
                        while e.load(Ordering::SeqCst) == born {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    tokio::select! {
                        _ = copy => {}
                        _ = cut_off => {}
                    }
                });
            }
        });
        Proxy {
            port,
            cut,
            epoch,
            task,
        }
    }

    fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Cuts (true) or heals (false) the link.
    fn cut(&self, on: bool) {
        self.cut.store(on, Ordering::SeqCst);
        if on {
            self.epoch.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
