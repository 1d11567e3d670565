//! What every workload needs from the client: opening many sessions at
//! once, creating a path's missing ancestors, and running many requests
//! with a bounded number in flight.

use std::future::Future;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use rzk_client::{Acl, Client, CreateMode};

use super::error::BenchError;

/// Sessions opened concurrently at most while connecting many: enough to
/// be quick, few enough not to trip the server's accept backlog.
const CONNECT_PARALLEL: usize = 64;

/// How sessions are opened.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The connect string.
    pub server: String,
    /// Requested session timeout.
    pub session_timeout: Duration,
    /// Per-request timeout (`None`: wait for the answer or the connection
    /// loss).
    pub request_timeout: Option<Duration>,
    /// Seed for each client's server-order shuffle (plus the session index).
    pub seed: u64,
}

impl SessionOptions {
    /// Opens session number `index`.
    pub async fn connect_one(&self, index: usize) -> Result<Client, BenchError> {
        let mut b = Client::builder(self.server.clone())
            .session_timeout(self.session_timeout)
            .seed(self.seed.wrapping_add(index as u64));
        if let Some(t) = self.request_timeout {
            b = b.request_timeout(t);
        }
        b.connect().await.map_err(|source| BenchError::Connect {
            index,
            server: self.server.clone(),
            source,
        })
    }

    /// Opens `n` sessions, a bounded number at a time, in index order.
    pub async fn connect_many(&self, n: usize) -> Result<Vec<Client>, BenchError> {
        let clients: Vec<Result<Client, BenchError>> = stream::iter(0..n)
            .map(|i| self.connect_one(i))
            .buffered(CONNECT_PARALLEL)
            .collect()
            .await;
        clients.into_iter().collect()
    }
}

/// Creates `path` and whichever of its ancestors are missing (empty,
/// open ACL). Existing znodes are left alone.
pub async fn ensure_path(client: &Client, path: &str) -> Result<(), BenchError> {
    let mut at = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        at.push('/');
        at.push_str(part);
        match client
            .create(&at, None, &Acl::open_unsafe(), CreateMode::Persistent)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_node_exists() => {}
            Err(source) => {
                return Err(BenchError::Setup {
                    step: format!("create {at}"),
                    source,
                })
            }
        }
    }
    Ok(())
}

/// Runs `requests` with at most `in_flight` of them outstanding (pipelined
/// on whichever clients they use); stops at the first failure.
pub async fn pipelined<F, T>(
    requests: impl IntoIterator<Item = F>,
    in_flight: usize,
) -> Result<Vec<T>, BenchError>
where
    F: Future<Output = Result<T, BenchError>>,
{
    let mut out = Vec::new();
    let mut s = stream::iter(requests).buffer_unordered(in_flight.max(1));
    while let Some(r) = s.next().await {
        out.push(r?);
    }
    Ok(out)
}

/// Closes every session, ignoring sessions already gone.
pub async fn close_all(clients: &[Client]) {
    stream::iter(clients)
        .for_each_concurrent(CONNECT_PARALLEL, |c| async move {
            let _ = c.close().await;
        })
        .await;
}
