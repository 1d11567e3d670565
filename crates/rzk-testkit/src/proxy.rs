//! A TCP proxy a test can cut, to make a client lose its connection the way
//! a network partition would, without touching the server.

#![allow(clippy::expect_used)] // test support: a failed bind is the failure report

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A loopback TCP proxy to a server that the test can cut: while cut, its
/// connections are closed and new ones are dropped at once, so a client
/// behind it loses contact the way a network partition would.
pub struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    /// Bumped on every cut, so forwarders of older connections stop.
    epoch: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port forwarding to `upstream`.
    pub async fn start(upstream: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("a bound address").port();
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

    /// `127.0.0.1:<port>` of the proxy.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Cuts (true) or heals (false) the link.
    pub fn cut(&self, on: bool) {
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
