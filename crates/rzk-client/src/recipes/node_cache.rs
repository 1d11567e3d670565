//! A live copy of one node (Curator's `NodeCache`, built as Curator 5 does
//! on a persistent, non-recursive watch).

use bytes::Bytes;
use rzk_proto::data::Stat;
use tokio::sync::mpsc;

use super::tree_cache::{Engine, TreeCacheEvent};
use crate::client::Client;
use crate::error::Result;

/// A cached node: its path, data and Stat as last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeData {
    /// Full path.
    pub path: String,
    /// Data (`None` when the node stores null).
    pub data: Option<Bytes>,
    /// Stat at the time of the read.
    pub stat: Stat,
}

/// A change of the cached node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeCacheEvent {
    /// The node now holds this (it was created or its data changed).
    Changed(NodeData),
    /// The node no longer exists.
    Deleted,
}

/// A live copy of a single node, which need not exist.
///
/// Guarantees: after [`NodeCache::start`] returns, [`NodeCache::current`]
/// is the node as read during start; afterwards every creation, data
/// change and deletion the server makes is applied in order, and the copy
/// converges to the server's whenever changes stop (a reconnect triggers a
/// re-read, since a persistent watch does not replay missed changes).
#[derive(Debug)]
pub struct NodeCache {
    engine: Engine,
    events: mpsc::UnboundedReceiver<TreeCacheEvent>,
}

impl NodeCache {
    /// Starts caching `path`; returns once it has been read.
    pub async fn start(client: &Client, path: &str) -> Result<Self> {
        let (tx, mut events) = mpsc::unbounded_channel();
        let engine = Engine::start(client, path, false, tx).await?;
        // The initial read is the starting state, not a change.
        while let Ok(e) = events.try_recv() {
            if e == TreeCacheEvent::Initialized {
                break;
            }
        }
        Ok(Self { engine, events })
    }

    /// The node as cached now (`None` if it does not exist).
    pub fn current(&self) -> Option<NodeData> {
        self.engine
            .tree
            .lock()
            .ok()?
            .get(&self.engine.root)
            .cloned()
    }

    /// The next change, or `None` once the cache has stopped.
    pub async fn next_event(&mut self) -> Option<NodeCacheEvent> {
        loop {
            match self.events.recv().await? {
                TreeCacheEvent::Created(n) => return Some(NodeCacheEvent::Changed(n)),
                TreeCacheEvent::Changed { new, .. } => return Some(NodeCacheEvent::Changed(new)),
                TreeCacheEvent::Deleted(n) if n.path == self.engine.root => {
                    return Some(NodeCacheEvent::Deleted)
                }
                _ => {}
            }
        }
    }

    /// Stops the cache and removes its watch.
    pub async fn close(self) {
        self.engine.close().await;
    }
}
