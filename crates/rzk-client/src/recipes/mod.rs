//! Curator-style coordination recipes built on [`Client`].
//!
//! Each recipe keeps Apache Curator 5.4's znode layout, so rzk and Curator
//! processes can take part in the same lock, latch, semaphore or counter:
//!
//! | recipe | Curator class | nodes under the recipe path |
//! |---|---|---|
//! | [`InterProcessMutex`] | `InterProcessMutex` | `_c_<uuid>-lock-<seq>` (ephemeral-sequential) |
//! | [`ReadWriteLock`] | `InterProcessReadWriteLock` | `_c_<uuid>-__READ__<seq>`, `_c_<uuid>-__WRIT__<seq>` |
//! | [`Semaphore`] | `InterProcessSemaphoreV2` | `locks/` (a mutex), `leases/_c_<uuid>-lease-<seq>` |
//! | [`LeaderLatch`] | `LeaderLatch` | `_c_<uuid>-latch-<seq>`, data = participant id |
//! | [`LeaderSelector`] | `LeaderSelector` | `_c_<uuid>-lock-<seq>`, data = participant id |
//! | [`DistributedAtomicLong`] | `DistributedAtomicLong` | the path itself: 8 bytes, big-endian |
//! | [`SharedCount`] | `SharedCount` | the path itself: 4 bytes, big-endian |
//! | [`DistributedQueue`] | `SimpleDistributedQueue` | `qn-<seq>` (persistent-sequential), data = item |
//! | [`DoubleBarrier`] | `DistributedDoubleBarrier` | `<uuid>` (ephemeral) per member, `ready` |
//! | [`NodeCache`], [`TreeCache`] | `CuratorCache` | none: a persistent (recursive) watch |
//! | [`EphemeralNode`] | `PersistentNode` (ephemeral) | the path itself |
//!
//! Rules shared by the queue-like recipes (as in Curator):
//!
//! * `_c_<uuid>-` is the protected-mode prefix: after a connection loss
//!   during a create, the parent is searched for the uuid instead of
//!   creating a second node;
//! * nodes are ordered by the text after the recipe's name (the sequence),
//!   never by the uuid;
//! * a waiter watches only the node it waits for (no herd effect);
//! * parents are created as containers, which the server deletes when empty;
//! * a participant's own node is deleted on timeout, error, cancellation
//!   (dropped future) and drop — from a background task when it cannot be
//!   awaited — so an abandoned attempt never blocks the queue.
//!
//! The shared plumbing lives here: path helpers, the connection-loss retry
//! loop, parent creation and guaranteed deletes.

use std::future::Future;
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::state::SessionState;
use rzk_proto::codes::CreateMode;
use rzk_proto::data::Acl;

mod atomic_long;
mod double_barrier;
mod ephemeral_node;
mod leader_latch;
mod leader_selector;
mod lock_internals;
mod mutex;
mod node_cache;
mod protected;
mod queue;
mod rw_lock;
mod semaphore;
mod shared_count;
mod tree_cache;

pub use atomic_long::{AtomicValue, DistributedAtomicLong};
pub use double_barrier::DoubleBarrier;
pub use ephemeral_node::EphemeralNode;
pub use leader_latch::{LeaderLatch, Leadership};
pub use leader_selector::{LeaderSelector, LeadershipContext};
pub use mutex::InterProcessMutex;
pub use node_cache::{NodeCache, NodeCacheEvent, NodeData};
pub use queue::DistributedQueue;
pub use rw_lock::{ReadLock, ReadWriteLock, WriteLock};
pub use semaphore::{Lease, Semaphore};
pub use shared_count::{SharedCount, VersionedValue};
pub use tree_cache::{TreeCache, TreeCacheEvent};

/// How many times an operation that failed with connection loss is
/// retried (each after the session is connected again) before the
/// connection loss is returned to the caller.
const MAX_RETRIES: u32 = 10;

/// Checks a recipe path the way ZooKeeper would: absolute, no trailing
/// slash (except the root), no empty segments.
pub(crate) fn validate_path(path: &str) -> Result<String> {
    let ok = path.starts_with('/')
        && (path == "/" || !path.ends_with('/'))
        && !path.contains("//")
        && !path.contains('\0');
    if ok {
        Ok(path.to_string())
    } else {
        Err(Error::BadArguments(format!("invalid recipe path {path:?}")))
    }
}

/// `parent/child`, handling the root.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

/// The last segment of a path.
pub(crate) fn node_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The parent of a path (`/` for top-level nodes).
pub(crate) fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Waits until the session is connected again. Fails at once if the
/// session has ended, and with `ConnectionLoss` if no connection comes back
/// within one session timeout (by then the session is gone anyway).
pub(crate) async fn wait_connected(client: &Client) -> Result<()> {
    let limit = client.session_timeout().max(Duration::from_secs(1));
    let pred = |s: SessionState| s == SessionState::Connected || s.is_terminal();
    let state = tokio::time::timeout(limit, client.wait_for_state(pred))
        .await
        .map_err(|_| Error::ConnectionLoss)?;
    match state {
        SessionState::Connected => Ok(()),
        SessionState::Expired => Err(Error::SessionExpired),
        _ => Err(Error::Closed),
    }
}

/// The error for a watch or wait that can no longer complete because the
/// session is over: `SessionExpired` after an expiry, `Closed` otherwise.
pub(crate) fn session_ended(client: &Client) -> Error {
    if client.state() == SessionState::Expired {
        Error::SessionExpired
    } else {
        Error::Closed
    }
}

/// Runs `op`, running it again after a reconnect when it fails with
/// connection loss, at most [`MAX_RETRIES`] times. Only for operations
/// whose repetition is harmless, or whose caller handles the answer a
/// repetition can give (NodeExists after a create, NoNode after a delete).
pub(crate) async fn retry<T, F, Fut>(client: &Client, mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempts = 0;
    loop {
        match op().await {
            Err(e) if e.is_connection_loss() && attempts < MAX_RETRIES => {
                attempts += 1;
                wait_connected(client).await?;
            }
            other => return other,
        }
    }
}

/// Creates every missing ancestor of `path` (not `path` itself) as a
/// container node, as Curator's `creatingParentContainersIfNeeded` does:
/// the server deletes a container once its last child is gone, so recipe
/// directories do not pile up.
pub(crate) async fn ensure_parents(client: &Client, path: &str, acl: &[Acl]) -> Result<()> {
    let parent = parent_of(path);
    if parent == "/" {
        return Ok(());
    }
    ensure_path(client, parent, acl, CreateMode::Container).await
}

/// Creates `path` and its missing ancestors (ancestors as containers,
/// `path` itself with `mode`). Nodes that already exist are left alone.
pub(crate) async fn ensure_path(
    client: &Client,
    path: &str,
    acl: &[Acl],
    mode: CreateMode,
) -> Result<()> {
    if retry(client, || client.exists(path)).await?.is_some() {
        return Ok(());
    }
    let mut prefix = String::new();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (i, seg) in segments.iter().enumerate() {
        prefix.push('/');
        prefix.push_str(seg);
        let m = if i + 1 == segments.len() {
            mode
        } else {
            CreateMode::Container
        };
        match retry(client, || client.create(&prefix, None, acl, m)).await {
            Ok(_) => {}
            Err(e) if e.is_node_exists() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Deletes `path` until it is gone: connection loss is retried, and if the
/// session cannot be reached now the delete keeps being retried in the
/// background until it succeeds or the session ends (which removes an
/// ephemeral anyway). Curator calls this a guaranteed delete; recipes use
/// it for their own nodes so a failure never leaves a stale lock holder.
pub(crate) async fn delete_guaranteed(client: &Client, path: &str) -> Result<()> {
    match retry(client, || client.delete(path, -1)).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_no_node() => Ok(()),
        Err(e) if e.is_connection_loss() => {
            spawn_delete(client.clone(), path.to_string());
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Deletes `path` from a background task (for `Drop` and for cancelled
/// futures, which cannot await). Does nothing outside a tokio runtime: the
/// node then goes with its session.
pub(crate) fn spawn_delete(client: Client, path: String) {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(async move {
            loop {
                match client.delete(&path, -1).await {
                    Err(e) if e.is_connection_loss() && !client.state().is_terminal() => {
                        // Either reconnected (try again) or timed out
                        // waiting (the state check above decides).
                        let _ = wait_connected(&client).await;
                    }
                    _ => return,
                }
            }
        });
    }
}

/// The ACL recipe nodes get unless the caller chose one (Curator's default
/// ACL provider also answers OPEN_ACL_UNSAFE).
pub(crate) fn default_acl() -> Vec<Acl> {
    Acl::open_unsafe()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_helpers() {
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
        assert_eq!(node_name("/a/b"), "b");
        assert_eq!(parent_of("/a/b"), "/a");
        assert_eq!(parent_of("/a"), "/");
        assert!(validate_path("/a/b").is_ok());
        assert!(validate_path("a").is_err());
        assert!(validate_path("/a/").is_err());
        assert!(validate_path("/a//b").is_err());
    }
}
