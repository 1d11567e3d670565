//! A distributed FIFO queue with Curator's `SimpleDistributedQueue` layout:
//! each item is a persistent-sequential node `<path>/qn-<seq>` holding the
//! item bytes; consumers take the lowest sequence first by reading it and
//! then deleting it — whoever deletes it owns the item. The queue node is a
//! container, as Curator makes it, so the server removes an empty queue.

use std::time::Duration;

use bytes::Bytes;
use rzk_proto::codes::{CreateMode, EventType};

use super::{default_acl, ensure_path, join, retry, validate_path};
use crate::client::Client;
use crate::clock;
use crate::error::{Error, Result};

const PREFIX: &str = "qn-";

/// A queue on a path, shared by every client using that path.
///
/// Guarantees: every item put is taken at most once (the consumer whose
/// delete succeeds gets it); a single consumer sees items in the order
/// their puts completed; items survive the putter's session. A take that
/// fails with connection loss after its delete was sent may have removed
/// the item without returning it (the same window Curator has).
#[derive(Debug, Clone)]
pub struct DistributedQueue {
    client: Client,
    path: String,
}

impl DistributedQueue {
    /// A queue at `path` (created on first use).
    pub fn new(client: &Client, path: &str) -> Result<Self> {
        Ok(Self {
            client: client.clone(),
            path: validate_path(path)?,
        })
    }

    /// Appends an item; returns its node path.
    pub async fn put(&self, item: impl Into<Bytes>) -> Result<String> {
        let node = join(&self.path, PREFIX);
        let item = item.into();
        let mode = CreateMode::PersistentSequential;
        // Not retried on connection loss: a second create would enqueue the
        // item twice. The error tells the caller the outcome is unknown.
        match self
            .client
            .create(&node, item.clone(), &default_acl(), mode)
            .await
        {
            Err(e) if e.is_no_node() => {
                ensure_path(
                    &self.client,
                    &self.path,
                    &default_acl(),
                    CreateMode::Container,
                )
                .await?;
                self.client.create(&node, item, &default_acl(), mode).await
            }
            other => other,
        }
    }

    /// The items' names in queue order.
    async fn ordered(&self, watch: bool) -> Result<(Vec<String>, Option<crate::OneShotWatch>)> {
        let r = if watch {
            retry(&self.client, || self.client.get_children_watch(&self.path))
                .await
                .map(|(c, w)| (c, Some(w)))
        } else {
            retry(&self.client, || self.client.get_children(&self.path))
                .await
                .map(|c| (c, None))
        };
        let (mut names, w) = match r {
            Ok(x) => x,
            Err(e) if e.is_no_node() => {
                // Make the directory so a child watch can be left on it.
                ensure_path(
                    &self.client,
                    &self.path,
                    &default_acl(),
                    CreateMode::Container,
                )
                .await?;
                return Box::pin(self.ordered(watch)).await;
            }
            Err(e) => return Err(e),
        };
        names.retain(|n| n.starts_with(PREFIX));
        // Same-width sequence suffixes: name order is sequence order.
        names.sort();
        Ok((names, w))
    }

    /// Takes the head item if there is one, without waiting.
    pub async fn poll(&self) -> Result<Option<Bytes>> {
        let (names, _) = self.ordered(false).await?;
        self.take_first_of(&names).await
    }

    /// Tries the names in order; the first one this call deletes is its.
    async fn take_first_of(&self, names: &[String]) -> Result<Option<Bytes>> {
        for n in names {
            let p = join(&self.path, n);
            let (data, stat) = match retry(&self.client, || self.client.get_data(&p)).await {
                Ok(r) => r,
                Err(e) if e.is_no_node() => continue,
                Err(e) => return Err(e),
            };
            // Deleting at the version read makes the claim exact.
            match self.client.delete(&p, stat.version).await {
                Ok(()) => return Ok(Some(data.unwrap_or_default())),
                Err(e) if e.is_no_node() => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// The head item without removing it.
    pub async fn peek(&self) -> Result<Option<Bytes>> {
        let (names, _) = self.ordered(false).await?;
        for n in names {
            let p = join(&self.path, &n);
            match retry(&self.client, || self.client.get_data(&p)).await {
                Ok((d, _)) => return Ok(Some(d.unwrap_or_default())),
                Err(e) if e.is_no_node() => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Waits for an item and takes it.
    pub async fn take(&self) -> Result<Bytes> {
        match self.take_within(None).await? {
            Some(b) => Ok(b),
            None => Err(Error::Closed),
        }
    }

    /// Waits at most `timeout` for an item; `Ok(None)` if none came.
    pub async fn take_timeout(&self, timeout: Duration) -> Result<Option<Bytes>> {
        self.take_within(Some(clock::now() + timeout)).await
    }

    async fn take_within(&self, deadline: Option<tokio::time::Instant>) -> Result<Option<Bytes>> {
        loop {
            let (names, watch) = self.ordered(true).await?;
            if let Some(item) = self.take_first_of(&names).await? {
                return Ok(Some(item));
            }
            let Some(watch) = watch else { continue };
            let ev = match deadline {
                None => watch.await,
                Some(d) => match tokio::time::timeout_at(d, watch).await {
                    Ok(ev) => ev,
                    Err(_) => return Ok(None),
                },
            };
            if ev.event_type == EventType::None {
                return Err(super::session_ended(&self.client));
            }
        }
    }
}
