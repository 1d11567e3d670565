//! An ephemeral registration that stays registered (Curator's
//! `PersistentNode` in EPHEMERAL mode, as used for service discovery): the
//! node is re-created when it is deleted, checked after every reconnect,
//! and — when the node owns its session — re-created in a fresh session
//! after the old one expires.

use std::time::Duration;

use bytes::Bytes;
use rzk_proto::codes::{CreateMode, EventType};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{default_acl, ensure_parents, validate_path, wait_connected};
use crate::client::{Client, ClientBuilder};
use crate::error::Result;
use crate::state::SessionState;

/// Where the registration gets its sessions from.
#[derive(Debug, Clone)]
enum Sessions {
    /// A caller's client: the registration ends with its session.
    Borrowed,
    /// Its own sessions, re-made from the builder after an expiry.
    Owned(ClientBuilder),
}

/// An ephemeral node kept in place.
///
/// Guarantees: while the registration runs and a session is connected,
/// the node exists with the registration's data within one round trip of
/// any deletion; after an expiry an owned registration connects a new
/// session and re-creates the node. If another session owns a node at the
/// path, the registration waits for that node to go rather than delete it.
#[derive(Debug)]
pub struct EphemeralNode {
    path: String,
    stop: watch::Sender<bool>,
    /// The session currently registering the node (`None` between sessions).
    current: watch::Receiver<Option<Client>>,
    /// Set each time the node is known to exist with our session.
    created: watch::Receiver<u64>,
    task: Option<JoinHandle<()>>,
}

impl EphemeralNode {
    /// Registers `path` on the caller's client. The registration survives
    /// deletions and reconnects, and ends with the client's session.
    pub fn start_on(client: &Client, path: &str, data: impl Into<Bytes>) -> Result<Self> {
        Self::spawn(Sessions::Borrowed, path, data.into(), Some(client.clone()))
    }

    /// Registers `path` on sessions of its own, made from `builder`; after a
    /// session expires a new one is connected and the node re-created.
    pub async fn start(builder: ClientBuilder, path: &str, data: impl Into<Bytes>) -> Result<Self> {
        let client = builder.clone().connect().await?;
        Self::spawn(Sessions::Owned(builder), path, data.into(), Some(client))
    }

    fn spawn(sessions: Sessions, path: &str, data: Bytes, first: Option<Client>) -> Result<Self> {
        let path = validate_path(path)?;
        let (stop, stop_rx) = watch::channel(false);
        let (current_tx, current) = watch::channel(first);
        let (created_tx, created) = watch::channel(0);
        let runner = Runner {
            sessions,
            path: path.clone(),
            data,
            stop: stop_rx,
            current: current_tx,
            created: created_tx,
        };
        let task = tokio::spawn(runner.run());
        Ok(Self {
            path,
            stop,
            current,
            created,
            task: Some(task),
        })
    }

    /// The registered path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The client whose session holds the node now.
    pub fn client(&self) -> Option<Client> {
        self.current.borrow().clone()
    }

    /// Waits until the node has been (re-)created at least `n` times in
    /// total; false after `timeout`. `n = 1` waits for the first creation.
    pub async fn wait_created(&self, n: u64, timeout: Duration) -> bool {
        let mut rx = self.created.clone();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|c| *c >= n)).await;
        matches!(reached, Ok(Ok(_)))
    }

    /// Stops re-creating, deletes the node, and closes an owned session.
    pub async fn close(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for EphemeralNode {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

struct Runner {
    sessions: Sessions,
    path: String,
    data: Bytes,
    stop: watch::Receiver<bool>,
    current: watch::Sender<Option<Client>>,
    created: watch::Sender<u64>,
}

/// Pause between attempts to connect a new session, so a dead ensemble is
/// not hammered.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

impl Runner {
    async fn run(mut self) {
        loop {
            if *self.stop.borrow() {
                break;
            }
            let Some(client) = self.session().await else {
                break;
            };
            let mut stop = self.stop.clone();
            let r = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => break,
                r = self.keep(&client) => r,
            };
            if let Err(e) = r {
                tracing::debug!(path = %self.path, error = %e, "ephemeral registration interrupted");
            }
        }
        let last = self.current.borrow().clone();
        if let Some(c) = last {
            let _ = c.delete(&self.path, -1).await;
            if matches!(self.sessions, Sessions::Owned(_)) {
                let _ = c.close().await;
            }
        }
    }

    /// A live session: the current one, or (owned) a new one after expiry.
    async fn session(&mut self) -> Option<Client> {
        loop {
            let cur = self.current.borrow().clone();
            match (cur, &self.sessions) {
                (Some(c), _) if !c.state().is_terminal() => return Some(c),
                (_, Sessions::Borrowed) => return None,
                (_, Sessions::Owned(b)) => {
                    let b = b.clone();
                    let connected = tokio::select! {
                        biased;
                        _ = self.stop.wait_for(|s| *s) => return None,
                        r = b.connect() => r,
                    };
                    match connected {
                        Ok(c) => {
                            self.current.send_replace(Some(c));
                        }
                        Err(_) => {
                            self.current.send_replace(None);
                            tokio::time::sleep(RECONNECT_PAUSE).await;
                        }
                    }
                }
            }
        }
    }

    /// Ensures the node and waits for whatever could undo it. Returns when
    /// the caller should check again.
    async fn keep(&self, c: &Client) -> Result<()> {
        wait_connected(c).await?;
        let mode = CreateMode::Ephemeral;
        match c
            .create(&self.path, self.data.clone(), &default_acl(), mode)
            .await
        {
            Ok(_) => {
                self.created.send_modify(|n| *n += 1);
            }
            Err(e) if e.is_no_node() => {
                ensure_parents(c, &self.path, &default_acl()).await?;
                return Ok(());
            }
            Err(e) if e.is_node_exists() || e.is_connection_loss() => {}
            Err(e) => return Err(e),
        }
        let (stat, watch) = c.exists_watch(&self.path).await?;
        if stat.is_none() {
            return Ok(());
        }
        let mut states = c.state_changes();
        tokio::select! {
            biased;
            s = states.recv() => {
                match s {
                    Ok(SessionState::Disconnected) => wait_connected(c).await,
                    Ok(s) if s.is_terminal() => Err(super::session_ended(c)),
                    _ => Ok(()),
                }
            }
            ev = watch => {
                if ev.event_type == EventType::None {
                    return Err(super::session_ended(c));
                }
                Ok(())
            }
        }
    }
}
