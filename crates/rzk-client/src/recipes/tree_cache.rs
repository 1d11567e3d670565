//! A local mirror of a subtree, as Curator 5's `CuratorCache`: one
//! persistent recursive watch on the root (added before the initial load,
//! so no change falls between load and watch), then every event re-reads
//! the node it names. After a reconnect the whole subtree is reloaded and
//! diffed, because a persistent watch does not replay what happened while
//! the client was away.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rzk_proto::codes::{AddWatchMode, EventType, WatcherType};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::node_cache::NodeData;
use super::{join, retry, validate_path};
use crate::client::Client;
use crate::error::Result;
use crate::state::SessionState;
use crate::watch::PersistentWatch;

/// A change seen by a [`TreeCache`].
#[derive(Debug, Clone, PartialEq)]
pub enum TreeCacheEvent {
    /// A node appeared (including every node of the initial load).
    Created(NodeData),
    /// A node's data changed.
    Changed {
        /// What the cache held before.
        old: NodeData,
        /// What it holds now.
        new: NodeData,
    },
    /// A node went away.
    Deleted(NodeData),
    /// The initial load is complete: every node present at start has been
    /// reported as `Created`.
    Initialized,
}

/// The map a cache keeps: path → node, sorted by path.
pub(crate) type Tree = BTreeMap<String, NodeData>;

/// The shared engine of [`TreeCache`] and the node cache: a watch, a map,
/// an event channel and the task feeding them.
#[derive(Debug)]
pub(crate) struct Engine {
    pub(crate) client: Client,
    pub(crate) root: String,
    pub(crate) tree: Arc<Mutex<Tree>>,
    task: Option<JoinHandle<()>>,
}

impl Engine {
    /// Watches `root` (recursively or not), loads it, and starts following.
    /// Returns after the initial load; its events are already queued.
    pub(crate) async fn start(
        client: &Client,
        root: &str,
        recursive: bool,
        events: mpsc::UnboundedSender<TreeCacheEvent>,
    ) -> Result<Self> {
        let root = validate_path(root)?;
        let mode = if recursive {
            AddWatchMode::PersistentRecursive
        } else {
            AddWatchMode::Persistent
        };
        let watch = retry(client, || client.add_watch(&root, mode)).await?;
        let tree = Arc::new(Mutex::new(Tree::new()));
        let follower = Follower {
            client: client.clone(),
            root: root.clone(),
            recursive,
            tree: tree.clone(),
            events,
        };
        follower.refresh().await?;
        let _ = follower.events.send(TreeCacheEvent::Initialized);
        let task = tokio::spawn(follower.run(watch));
        Ok(Self {
            client: client.clone(),
            root,
            tree,
            task: Some(task),
        })
    }

    /// Stops following and removes the server-side watch.
    pub(crate) async fn close(mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        // `Any` is the only type 3.8 servers accept for removing a
        // persistent watch; it also drops this session's other watches on
        // the root path, which recipes do not share.
        let _ = self
            .client
            .remove_watches(&self.root, WatcherType::Any)
            .await;
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// The task side of the engine.
struct Follower {
    client: Client,
    root: String,
    recursive: bool,
    tree: Arc<Mutex<Tree>>,
    events: mpsc::UnboundedSender<TreeCacheEvent>,
}

impl Follower {
    async fn run(self, mut watch: PersistentWatch) {
        let mut states = self.client.state_changes();
        let mut was_disconnected = false;
        loop {
            tokio::select! {
                biased;
                s = states.recv() => {
                    let s = s.unwrap_or_else(|_| self.client.state());
                    if s.is_terminal() {
                        return;
                    }
                    if s == SessionState::Disconnected {
                        was_disconnected = true;
                    } else if s == SessionState::Connected && was_disconnected {
                        was_disconnected = false;
                        if let Err(e) = self.refresh().await {
                            tracing::debug!(root = %self.root, error = %e, "cache refresh failed");
                        }
                    }
                }
                ev = watch.next_event() => {
                    let Some(ev) = ev else { return };
                    if let Err(e) = self.on_event(&ev.path, ev.event_type).await {
                        tracing::debug!(root = %self.root, error = %e, "cache update failed");
                    }
                }
            }
        }
    }

    fn emit(&self, e: TreeCacheEvent) {
        // A dropped receiver only means nobody listens; the map stays current.
        let _ = self.events.send(e);
    }

    async fn on_event(&self, path: &str, kind: EventType) -> Result<()> {
        match kind {
            EventType::NodeDeleted => {
                self.remove_subtree(path);
                Ok(())
            }
            EventType::NodeCreated | EventType::NodeDataChanged => self.reread(path).await,
            _ => Ok(()),
        }
    }

    /// Re-reads one node and records what changed.
    async fn reread(&self, path: &str) -> Result<()> {
        match retry(&self.client, || self.client.get_data(path)).await {
            Ok((data, stat)) => {
                self.upsert(NodeData {
                    path: path.to_string(),
                    data,
                    stat,
                });
                Ok(())
            }
            Err(e) if e.is_no_node() => {
                self.remove_subtree(path);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn upsert(&self, node: NodeData) {
        let old = match self.tree.lock() {
            Ok(mut t) => {
                let old = t.get(&node.path).cloned();
                // An older read (mzxid below ours) never replaces a newer one.
                if old.as_ref().is_some_and(|o| {
                    o.stat.mzxid >= node.stat.mzxid && o.stat.czxid == node.stat.czxid
                }) {
                    return;
                }
                t.insert(node.path.clone(), node.clone());
                old
            }
            Err(_) => return,
        };
        match old {
            None => self.emit(TreeCacheEvent::Created(node)),
            Some(old) if old.stat.czxid != node.stat.czxid => {
                // Deleted and re-created between our reads.
                self.emit(TreeCacheEvent::Deleted(old));
                self.emit(TreeCacheEvent::Created(node));
            }
            Some(old) => self.emit(TreeCacheEvent::Changed { old, new: node }),
        }
    }

    fn remove_subtree(&self, path: &str) {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let gone: Vec<NodeData> = match self.tree.lock() {
            Ok(mut t) => {
                let keys: Vec<String> = t
                    .keys()
                    .filter(|k| *k == path || k.starts_with(&prefix))
                    .cloned()
                    .collect();
                // Deepest first, as the server deletes them.
                keys.iter().rev().filter_map(|k| t.remove(k)).collect()
            }
            Err(_) => return,
        };
        for n in gone {
            self.emit(TreeCacheEvent::Deleted(n));
        }
    }

    /// Loads the whole subtree and reconciles the map with it.
    async fn refresh(&self) -> Result<()> {
        let mut fresh = Tree::new();
        let mut pending = vec![self.root.clone()];
        while let Some(p) = pending.pop() {
            let (data, stat) = match retry(&self.client, || self.client.get_data(&p)).await {
                Ok(r) => r,
                Err(e) if e.is_no_node() => continue,
                Err(e) => return Err(e),
            };
            if self.recursive && stat.num_children > 0 {
                match retry(&self.client, || self.client.get_children(&p)).await {
                    Ok(children) => pending.extend(children.iter().map(|c| join(&p, c))),
                    Err(e) if e.is_no_node() => {}
                    Err(e) => return Err(e),
                }
            }
            fresh.insert(
                p.clone(),
                NodeData {
                    path: p,
                    data,
                    stat,
                },
            );
        }
        let stale: Vec<String> = match self.tree.lock() {
            Ok(t) => t
                .keys()
                .filter(|k| !fresh.contains_key(*k))
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        };
        for k in stale.iter().rev() {
            self.remove_subtree(k);
        }
        // Parents before children, so Created events come top-down.
        for (_, node) in fresh {
            self.upsert(node);
        }
        Ok(())
    }
}

/// A live copy of every node under a path (the path included).
///
/// Guarantees: after [`TreeCache::start`] returns, the cache holds the
/// subtree as the server had it at some point during the load; from then
/// on every change is applied in the order the server made it, and the
/// cache converges to the server's state whenever changes stop (after a
/// reconnect, by a full reload). Events describe each change the cache
/// saw; several quick changes to one node may be seen as one.
#[derive(Debug)]
pub struct TreeCache {
    engine: Engine,
    events: mpsc::UnboundedReceiver<TreeCacheEvent>,
}

impl TreeCache {
    /// Starts caching the subtree at `path` (which need not exist yet) and
    /// returns once the initial load is done.
    pub async fn start(client: &Client, path: &str) -> Result<Self> {
        let (tx, events) = mpsc::unbounded_channel();
        let engine = Engine::start(client, path, true, tx).await?;
        Ok(Self { engine, events })
    }

    /// The cached node at `path`, if any.
    pub fn get(&self, path: &str) -> Option<NodeData> {
        self.engine.tree.lock().ok()?.get(path).cloned()
    }

    /// The cached children names of `path`, sorted.
    pub fn children(&self, path: &str) -> Vec<String> {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let Ok(t) = self.engine.tree.lock() else {
            return Vec::new();
        };
        t.range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| {
                let rest = &k[prefix.len()..];
                (!rest.contains('/')).then(|| rest.to_string())
            })
            .collect()
    }

    /// A copy of the whole cache, by path.
    pub fn snapshot(&self) -> BTreeMap<String, NodeData> {
        self.engine
            .tree
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default()
    }

    /// The next change, or `None` once the cache has stopped (closed or
    /// session ended). Events queue until read.
    pub async fn next_event(&mut self) -> Option<TreeCacheEvent> {
        self.events.recv().await
    }

    /// Stops the cache and removes its watch.
    pub async fn close(self) {
        self.engine.close().await;
    }
}
