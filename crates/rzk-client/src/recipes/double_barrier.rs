//! A double barrier with Curator's `DistributedDoubleBarrier` layout: each
//! member is an ephemeral `<path>/<uuid>`; the member that sees the N-th
//! arrival creates `<path>/ready`, which releases everyone from `enter`.
//! Leaving is the ZooKeeper recipe: the lowest member waits for the
//! highest, every other member deletes itself and waits for the lowest.

use std::time::Duration;

use rzk_proto::codes::{CreateMode, EventType};

use super::{default_acl, ensure_parents, join, retry, validate_path};
use crate::client::Client;
use crate::clock;
use crate::error::{Error, Result};
use crate::watch::OneShotWatch;

const READY: &str = "ready";

/// A barrier for a fixed number of members.
///
/// Guarantees: [`DoubleBarrier::enter`] returns `true` only once `members`
/// participants have entered (or the barrier was already open); and
/// [`DoubleBarrier::leave`] returns `true` only once every entered member
/// has left — no member leaves before all have arrived, and none runs past
/// `leave` while another is still inside.
#[derive(Debug)]
pub struct DoubleBarrier {
    client: Client,
    dir: String,
    members: usize,
    ours: String,
}

impl DoubleBarrier {
    /// A barrier on `path` for `members` participants (at least 1).
    pub fn new(client: &Client, path: &str, members: usize) -> Result<Self> {
        if members == 0 {
            return Err(Error::BadArguments(
                "a barrier needs at least one member".into(),
            ));
        }
        let dir = validate_path(path)?;
        Ok(Self {
            client: client.clone(),
            ours: join(&dir, &clock::random_uuid()),
            dir,
            members,
        })
    }

    /// Joins and waits until all members have joined.
    pub async fn enter(&self) -> Result<bool> {
        self.enter_until(None).await
    }

    /// Like [`DoubleBarrier::enter`], giving up after `timeout` (`false`;
    /// this member stays registered, so call `leave` to withdraw).
    pub async fn enter_timeout(&self, timeout: Duration) -> Result<bool> {
        self.enter_until(Some(clock::now() + timeout)).await
    }

    async fn enter_until(&self, deadline: Option<tokio::time::Instant>) -> Result<bool> {
        let ready = join(&self.dir, READY);
        // Watch `ready` before counting, so its creation cannot be missed.
        let (exists, mut watch) = retry(&self.client, || self.client.exists_watch(&ready)).await?;
        let acl = default_acl();
        ensure_parents(&self.client, &self.ours, &acl).await?;
        match retry(&self.client, || {
            self.client
                .create(&self.ours, None, &acl, CreateMode::Ephemeral)
        })
        .await
        {
            Ok(_) => {}
            Err(e) if e.is_node_exists() => {} // a retried create that had landed
            Err(e) => return Err(e),
        }
        if exists.is_some() {
            return Ok(true);
        }
        loop {
            let children = retry(&self.client, || self.client.get_children(&self.dir)).await?;
            let count = children.iter().filter(|c| *c != READY).count();
            if count >= self.members {
                let r = self
                    .client
                    .create(&ready, None, &acl, CreateMode::Persistent);
                match r.await {
                    Ok(_) => {}
                    Err(e) if e.is_node_exists() => {}
                    Err(e) => return Err(e),
                }
                return Ok(true);
            }
            if !self.wait(watch, deadline).await? {
                return Ok(false);
            }
            let (exists, w) = retry(&self.client, || self.client.exists_watch(&ready)).await?;
            if exists.is_some() {
                return Ok(true);
            }
            watch = w;
        }
    }

    /// Waits for the watch; false at the deadline.
    async fn wait(
        &self,
        watch: OneShotWatch,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<bool> {
        let ev = match deadline {
            None => watch.await,
            Some(d) => match tokio::time::timeout_at(d, watch).await {
                Ok(ev) => ev,
                Err(_) => return Ok(false),
            },
        };
        if ev.event_type == EventType::None {
            return Err(super::session_ended(&self.client));
        }
        Ok(true)
    }

    /// Leaves and waits until every member has left.
    pub async fn leave(&self) -> Result<bool> {
        self.leave_until(None).await
    }

    /// Like [`DoubleBarrier::leave`], giving up after `timeout` (`false`).
    pub async fn leave_timeout(&self, timeout: Duration) -> Result<bool> {
        self.leave_until(Some(clock::now() + timeout)).await
    }

    async fn leave_until(&self, deadline: Option<tokio::time::Instant>) -> Result<bool> {
        let ours = super::node_name(&self.ours).to_string();
        loop {
            let mut members =
                match retry(&self.client, || self.client.get_children(&self.dir)).await {
                    Ok(c) => c,
                    Err(e) if e.is_no_node() => Vec::new(),
                    Err(e) => return Err(e),
                };
            members.retain(|c| c != READY);
            members.sort();
            let Some(first) = members.first().cloned() else {
                break;
            };
            let present = members.contains(&ours);
            if members.len() == 1 && present {
                super::delete_guaranteed(&self.client, &self.ours).await?;
                break;
            }
            // The lowest member waits for the highest to go; the others
            // remove themselves and wait for the lowest, so each member
            // watches one node and the last one out is the lowest.
            let target = if first == ours {
                members[members.len() - 1].clone()
            } else {
                if present {
                    super::delete_guaranteed(&self.client, &self.ours).await?;
                }
                first
            };
            let path = join(&self.dir, &target);
            let (stat, watch) = retry(&self.client, || self.client.exists_watch(&path)).await?;
            if stat.is_some() && !self.wait(watch, deadline).await? {
                return Ok(false);
            }
        }
        // Reset for the next round; whoever gets here first removes it.
        match self.client.delete(&join(&self.dir, READY), -1).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_no_node() => Ok(true),
            Err(e) => Err(e),
        }
    }
}
