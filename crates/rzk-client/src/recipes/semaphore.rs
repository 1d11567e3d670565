//! A counting semaphore with Curator's `InterProcessSemaphoreV2` layout:
//! `<path>/locks` is an [`InterProcessMutex`] that serialises acquirers, and
//! each lease is a protected ephemeral-sequential node
//! `<path>/leases/_c_<uuid>-lease-<seq>`. An acquirer holding the inner
//! lock creates its lease, then waits (still holding the lock) until the
//! lease count is within the limit.

use std::time::Duration;

use bytes::Bytes;
use rzk_proto::codes::EventType;

use super::mutex::InterProcessMutex;
use super::protected::NodeGuard;
use super::{default_acl, delete_guaranteed, join, node_name, retry, spawn_delete, validate_path};
use crate::client::Client;
use crate::clock;
use crate::error::{Error, Result};

const LOCK_PARENT: &str = "locks";
const LEASE_PARENT: &str = "leases";
const LEASE_NAME: &str = "lease-";

/// A semaphore with at most `max_leases` leases out at a time, shared with
/// every client (rzk or Curator) using the same path and limit.
///
/// Guarantees: while every participant agrees on `max_leases`, at most
/// that many [`Lease`]s exist at any time (leases of ended sessions vanish
/// with them). A lease is held until [`Lease::release`] or until it is
/// dropped (then it is deleted in the background).
#[derive(Debug)]
pub struct Semaphore {
    client: Client,
    lock: InterProcessMutex,
    leases_dir: String,
    max_leases: usize,
    data: Option<Bytes>,
}

/// One granted lease: an ephemeral node under `<path>/leases`.
#[derive(Debug)]
pub struct Lease {
    client: Client,
    path: Option<String>,
}

impl Lease {
    /// The lease node's path.
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("")
    }

    /// Returns the lease (deletes its node; retried in the background if
    /// the connection is lost).
    pub async fn release(mut self) -> Result<()> {
        match self.path.take() {
            Some(p) => delete_guaranteed(&self.client, &p).await,
            None => Ok(()),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            spawn_delete(self.client.clone(), p);
        }
    }
}

impl Semaphore {
    /// A semaphore on `path` allowing `max_leases` concurrent leases.
    pub fn new(client: &Client, path: &str, max_leases: usize) -> Result<Self> {
        let path = validate_path(path)?;
        if max_leases == 0 {
            return Err(Error::BadArguments("max_leases must be at least 1".into()));
        }
        Ok(Self {
            client: client.clone(),
            lock: InterProcessMutex::new(client, &join(&path, LOCK_PARENT))?,
            leases_dir: join(&path, LEASE_PARENT),
            max_leases,
            data: None,
        })
    }

    /// Sets the data stored in this handle's lease nodes.
    pub fn set_node_data(&mut self, data: impl Into<Option<Bytes>>) {
        self.data = data.into();
    }

    /// Waits for a lease.
    pub async fn acquire(&mut self) -> Result<Lease> {
        self.acquire_until(None).await?.ok_or(Error::Closed)
    }

    /// Waits at most `timeout` for a lease (`Ok(None)` if none came).
    pub async fn try_acquire(&mut self, timeout: Duration) -> Result<Option<Lease>> {
        self.acquire_until(Some(clock::now() + timeout)).await
    }

    async fn acquire_until(
        &mut self,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Option<Lease>> {
        let got = match deadline {
            None => {
                self.lock.acquire().await?;
                true
            }
            Some(d) => {
                let left = d.saturating_duration_since(clock::now());
                self.lock.try_acquire(left).await?
            }
        };
        if !got {
            return Ok(None);
        }
        let outcome = self.lease_under_lock(deadline).await;
        // The inner lock only orders acquirers; release it whatever happened.
        let released = self.lock.release().await;
        let lease = outcome?;
        released?;
        Ok(lease)
    }

    /// Creates our lease and waits for room, holding the inner lock.
    async fn lease_under_lock(
        &self,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Option<Lease>> {
        let mut guard = NodeGuard::new(&self.client, &self.leases_dir);
        let ours = guard
            .create(LEASE_NAME, self.data.clone(), &default_acl())
            .await?;
        let name = node_name(&ours).to_string();
        loop {
            let (children, watch) = retry(&self.client, || {
                self.client.get_children_watch(&self.leases_dir)
            })
            .await?;
            if !children.contains(&name) {
                let _ = guard.delete_now().await;
                return Err(Error::Server(rzk_proto::codes::ErrorCode::NoNode));
            }
            if children.len() <= self.max_leases {
                let path = guard.keep()?;
                return Ok(Some(Lease {
                    client: self.client.clone(),
                    path: Some(path),
                }));
            }
            let ev = match deadline {
                None => watch.await,
                Some(d) => match tokio::time::timeout_at(d, watch).await {
                    Ok(ev) => ev,
                    Err(_) => {
                        guard.delete_now().await?;
                        return Ok(None);
                    }
                },
            };
            if ev.event_type == EventType::None {
                return Err(super::session_ended(&self.client));
            }
        }
    }

    /// The lease nodes currently out (names).
    pub async fn participant_nodes(&self) -> Result<Vec<String>> {
        match retry(&self.client, || self.client.get_children(&self.leases_dir)).await {
            Ok(c) => Ok(c),
            Err(e) if e.is_no_node() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}
