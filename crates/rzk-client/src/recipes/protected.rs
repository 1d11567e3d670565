//! Protected ephemeral-sequential creates, as Curator's `withProtection()`.
//!
//! A create that fails with connection loss may still have been applied;
//! the client cannot tell from the reply. The node name therefore carries
//! a fresh uuid (`_c_<uuid>-<name><seq>`), and after a connection loss the
//! parent's children are searched for that prefix: if one is there (and
//! belongs to this session) it is ours, else the create is sent again.
//! A [`NodeGuard`] deletes the node if the caller gives up or is cancelled
//! before taking ownership of it, so no orphan keeps a place in a queue.

use bytes::Bytes;
use rzk_proto::codes::CreateMode;
use rzk_proto::data::Acl;

use super::{ensure_parents, join, retry, spawn_delete, wait_connected};
use crate::client::Client;
use crate::clock;
use crate::error::{Error, Result};

/// Curator's protected-name prefix.
pub(crate) const PROTECTED_PREFIX: &str = "_c_";

/// How many times a create is re-sent after connection loss or a vanished
/// parent before the error is returned.
const CREATE_ATTEMPTS: u32 = 10;

/// `_c_<uuid>-`: the prefix a protected node of this guid starts with.
fn prefix_for(guid: &str) -> String {
    format!("{PROTECTED_PREFIX}{guid}-")
}

/// Owns a protected node while a recipe is still deciding whether to keep
/// it. Dropping an armed guard deletes the node in the background — either
/// the known path or, if the create's outcome was never learned, whatever
/// child of `dir` carries the guard's guid.
#[derive(Debug)]
pub(crate) struct NodeGuard {
    client: Client,
    dir: String,
    guid: String,
    /// Set once the create is known to have succeeded.
    path: Option<String>,
    /// A create was sent whose outcome may be unknown.
    in_doubt: bool,
    armed: bool,
}

impl NodeGuard {
    /// A guard for a node to be created under `dir`.
    pub(crate) fn new(client: &Client, dir: &str) -> Self {
        Self {
            client: client.clone(),
            dir: dir.to_string(),
            guid: clock::random_uuid(),
            path: None,
            in_doubt: false,
            armed: true,
        }
    }

    /// The guid in this guard's node name.
    pub(crate) fn guid(&self) -> &str {
        &self.guid
    }

    /// The created node's path, once known.
    pub(crate) fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// Creates `dir/_c_<guid>-<name><seq>` (ephemeral-sequential), creating
    /// missing parents as containers, resolving connection-loss doubt by
    /// looking for the guid. Returns the full path.
    pub(crate) async fn create(
        &mut self,
        name: &str,
        data: Option<Bytes>,
        acl: &[Acl],
    ) -> Result<String> {
        let path = join(&self.dir, &format!("{}{name}", prefix_for(&self.guid)));
        let mut attempts = 0;
        loop {
            attempts += 1;
            if self.in_doubt {
                // A previous send may have been applied: look before
                // creating a second node.
                wait_connected(&self.client).await?;
                if let Some(found) = self.find().await? {
                    self.in_doubt = false;
                    self.path = Some(found.clone());
                    return Ok(found);
                }
            }
            self.in_doubt = true;
            let sent = self
                .client
                .create(&path, data.clone(), acl, CreateMode::EphemeralSequential)
                .await;
            match sent {
                Ok(p) => {
                    self.in_doubt = false;
                    self.path = Some(p.clone());
                    return Ok(p);
                }
                Err(e) if e.is_connection_loss() && attempts < CREATE_ATTEMPTS => {}
                Err(e) if e.is_no_node() && attempts < CREATE_ATTEMPTS => {
                    // The parent is missing (never made, or a container
                    // reaped): nothing was created.
                    self.in_doubt = false;
                    ensure_parents(&self.client, &path, acl).await?;
                }
                Err(e) => {
                    if !e.is_connection_loss() {
                        self.in_doubt = false;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// The child of `dir` carrying our guid, if this session owns one. A
    /// node with our guid owned by another session cannot exist: guids are
    /// fresh per guard and the session is fixed per client.
    async fn find(&self) -> Result<Option<String>> {
        let children = match retry(&self.client, || self.client.get_children(&self.dir)).await {
            Ok(c) => c,
            Err(e) if e.is_no_node() => return Ok(None),
            Err(e) => return Err(e),
        };
        let prefix = prefix_for(&self.guid);
        Ok(children
            .iter()
            .find(|c| c.starts_with(&prefix))
            .map(|c| join(&self.dir, c)))
    }

    /// Deletes the node now (if there is one) and disarms the guard. Used on
    /// the error and timeout paths, where the caller can wait.
    pub(crate) async fn delete_now(mut self) -> Result<()> {
        self.armed = false;
        let path = match (&self.path, self.in_doubt) {
            (Some(p), _) => Some(p.clone()),
            (None, true) => self.find().await?,
            (None, false) => None,
        };
        match path {
            Some(p) => super::delete_guaranteed(&self.client, &p).await,
            None => Ok(()),
        }
    }

    /// Hands the node over to the caller: dropping the guard no longer
    /// deletes it. Fails if no node was created.
    pub(crate) fn keep(mut self) -> Result<String> {
        self.armed = false;
        self.path
            .take()
            .ok_or_else(|| Error::BadArguments("no protected node was created".into()))
    }
}

/// Deletes (and waits for) every child of `dir` created under `guid`:
/// the cleanup for an attempt abandoned before its outcome was known.
pub(crate) async fn delete_by_guid(client: &Client, dir: &str, guid: &str) -> Result<()> {
    let prefix = prefix_for(guid);
    let children = match retry(client, || client.get_children(dir)).await {
        Ok(c) => c,
        Err(e) if e.is_no_node() => return Ok(()),
        Err(e) => return Err(e),
    };
    for c in children.iter().filter(|c| c.starts_with(&prefix)) {
        super::delete_guaranteed(client, &join(dir, c)).await?;
    }
    Ok(())
}

impl Drop for NodeGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Some(p) = self.path.take() {
            spawn_delete(self.client.clone(), p);
        } else if self.in_doubt {
            // The create may have landed after we stopped listening.
            let (client, dir, guid) = (self.client.clone(), self.dir.clone(), self.guid.clone());
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let prefix = prefix_for(&guid);
                    if let Ok(children) = retry(&client, || client.get_children(&dir)).await {
                        for c in children.iter().filter(|c| c.starts_with(&prefix)) {
                            spawn_delete(client.clone(), join(&dir, c));
                        }
                    }
                });
            }
        }
    }
}

#[cfg(all(test, feature = "interop"))]
mod tests {
    use super::*;
    use rzk_proto::codes::CreateMode;

    #[allow(clippy::unwrap_used)] // test helper: a panic is the failure report
    async fn children(c: &Client) -> Vec<String> {
        c.get_children("/p").await.unwrap()
    }

    #[tokio::test]
    async fn doubt_is_resolved_by_the_guid_and_abandoned_nodes_are_deleted() {
        let zk = rzk_testkit::ApacheZk::start().unwrap();
        let c = Client::connect(&zk.connect_string()).await.unwrap();
        let acl = Acl::open_unsafe();
        c.create("/p", None, &acl, CreateMode::Persistent)
            .await
            .unwrap();
        let esq = CreateMode::EphemeralSequential;

        // A create that reached the server but whose reply was lost: the
        // retry must find that node, not make a second one.
        let mut g = NodeGuard::new(&c, "/p");
        let landed = format!("/p/{}lock-", prefix_for(g.guid()));
        let landed = c.create(&landed, None, &acl, esq).await.unwrap();
        g.in_doubt = true;
        assert_eq!(g.create("lock-", None, &acl).await.unwrap(), landed);
        assert_eq!(children(&c).await.len(), 1);

        // A guard dropped while in doubt deletes whatever carries its guid.
        let mut g2 = NodeGuard::new(&c, "/p");
        let orphan = format!("/p/{}lock-", prefix_for(g2.guid()));
        c.create(&orphan, None, &acl, esq).await.unwrap();
        g2.in_doubt = true;
        drop(g2);
        let deadline = clock::now() + std::time::Duration::from_secs(10);
        while children(&c).await.len() != 1 {
            assert!(clock::now() < deadline, "orphan never deleted");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        // delete_now removes the known node; keep() disarms.
        g.delete_now().await.unwrap();
        assert!(children(&c).await.is_empty());
        let mut g3 = NodeGuard::new(&c, "/p");
        g3.create("lock-", None, &acl).await.unwrap();
        let kept = g3.keep().unwrap();
        assert_eq!(children(&c).await, vec![kept[3..].to_string()]);
    }
}
