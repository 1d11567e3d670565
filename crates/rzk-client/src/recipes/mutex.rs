//! A distributed re-entrant mutex with Curator's `InterProcessMutex` layout:
//! contenders create `<path>/_c_<uuid>-lock-<seq>` (ephemeral-sequential);
//! the lowest sequence holds the lock; each waiter watches only the node
//! just ahead of it. An rzk mutex and a Curator mutex on the same path
//! exclude each other.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rzk_proto::data::Acl;

use super::lock_internals::{LockQueue, Predicate, LOCK_NAME};
use super::{default_acl, spawn_delete, validate_path};
use crate::client::Client;
use crate::error::{Error, Result};

/// A distributed mutex on a path.
///
/// Guarantees: while [`InterProcessMutex::acquire`] has returned and
/// [`InterProcessMutex::release`] has not, no other holder (rzk or Curator)
/// of a mutex on the same path and the same ZooKeeper ensemble has
/// returned from acquire — as long as this client's session lives (an
/// expired session loses the lock with its ephemeral node; watch
/// [`Client::state_changes`] if that matters). Re-entrant per handle, as
/// Curator's is per thread: a handle that holds the lock may acquire again
/// and must release as many times. Use one handle per task that contends.
/// Dropping a handle that holds the lock deletes its node in the
/// background.
#[derive(Debug)]
pub struct InterProcessMutex {
    queue: LockQueue,
    held: Option<Held>,
}

#[derive(Debug)]
struct Held {
    path: String,
    count: usize,
}

impl InterProcessMutex {
    /// A mutex on `path` (created on first use, as a container, with its
    /// missing parents). Fails only for an invalid path.
    pub fn new(client: &Client, path: &str) -> Result<Self> {
        Self::with_lock_name(
            client,
            path,
            LOCK_NAME,
            &[LOCK_NAME],
            Predicate::MaxLeases(1),
        )
    }

    pub(crate) fn with_lock_name(
        client: &Client,
        path: &str,
        lock_name: &'static str,
        sort_names: &'static [&'static str],
        predicate: Predicate,
    ) -> Result<Self> {
        Ok(Self {
            queue: LockQueue {
                client: client.clone(),
                dir: validate_path(path)?,
                lock_name,
                sort_names,
                predicate,
                data: None,
                acl: default_acl(),
                bypass: None,
                pending: Arc::default(),
            },
            held: None,
        })
    }

    /// Deletes, and waits for, the node of an acquire whose future was
    /// dropped before it finished (the drop already scheduled it).
    pub(crate) async fn clean_abandoned(&self) -> Result<()> {
        self.queue.clean_abandoned().await
    }

    /// Lets this mutex through whenever `flag` is set (the read half of a
    /// read/write lock whose write half this handle holds).
    pub(crate) fn set_bypass(&mut self, flag: Arc<AtomicBool>) {
        self.queue.bypass = Some(flag);
    }

    /// Sets the data written into this handle's lock nodes (Curator writes
    /// the host's IP address by default; rzk writes no data).
    pub fn set_node_data(&mut self, data: impl Into<Option<Bytes>>) {
        self.queue.data = data.into();
    }

    /// Sets the ACL of the lock nodes and of parents created for them.
    pub fn set_acl(&mut self, acl: Vec<Acl>) {
        self.queue.acl = acl;
    }

    /// Waits until this handle holds the lock. Re-entrant: if it already
    /// does, only the hold count goes up. On error (or if the future is
    /// dropped) this handle's node is removed so it blocks nobody.
    pub async fn acquire(&mut self) -> Result<()> {
        if self.reenter() {
            return Ok(());
        }
        match self.queue.acquire(None).await? {
            Some(path) => {
                self.held = Some(Held { path, count: 1 });
                Ok(())
            }
            // Without a deadline the queue only returns with the lock.
            None => Err(Error::ConnectionLoss),
        }
    }

    /// Like [`InterProcessMutex::acquire`], giving up after `timeout`:
    /// `Ok(false)` means the lock was not taken and this handle's node has
    /// been deleted.
    pub async fn try_acquire(&mut self, timeout: Duration) -> Result<bool> {
        if self.reenter() {
            return Ok(true);
        }
        match self.queue.acquire(Some(timeout)).await? {
            Some(path) => {
                self.held = Some(Held { path, count: 1 });
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn reenter(&mut self) -> bool {
        match &mut self.held {
            Some(h) => {
                h.count += 1;
                true
            }
            None => false,
        }
    }

    /// Undoes one acquire; the last one deletes the lock node, letting the
    /// next waiter in. Fails with `BadArguments` if this handle does not
    /// hold the lock. If the delete fails with connection loss the handle
    /// no longer holds the lock and the delete is retried in the
    /// background until it lands or the session ends.
    pub async fn release(&mut self) -> Result<()> {
        let Some(h) = &mut self.held else {
            return Err(Error::BadArguments(format!(
                "this handle does not hold the lock {}",
                self.queue.dir
            )));
        };
        h.count -= 1;
        if h.count > 0 {
            return Ok(());
        }
        let path = std::mem::take(&mut h.path);
        self.held = None;
        super::delete_guaranteed(&self.queue.client, &path).await
    }

    /// Whether this handle holds the lock.
    pub fn is_acquired(&self) -> bool {
        self.held.is_some()
    }

    /// This handle's lock node while it holds the lock.
    pub fn lock_path(&self) -> Option<&str> {
        self.held.as_ref().map(|h| h.path.as_str())
    }

    /// The lock path this mutex guards.
    pub fn path(&self) -> &str {
        &self.queue.dir
    }

    /// Every node queued for the lock (full paths), holder first.
    pub async fn participant_nodes(&self) -> Result<Vec<String>> {
        self.queue.participants().await
    }
}

impl Drop for InterProcessMutex {
    fn drop(&mut self) {
        if let Some(h) = self.held.take() {
            spawn_delete(self.queue.client.clone(), h.path);
        }
    }
}
