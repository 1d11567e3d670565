//! Leader election with Curator's `LeaderLatch` layout: each participant
//! creates `<path>/_c_<uuid>-latch-<seq>` (ephemeral-sequential, data = its
//! id); the lowest sequence leads; the others each watch their
//! predecessor. rzk and Curator latches on one path elect one leader.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rzk_proto::codes::EventType;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::lock_internals::sorted;
use super::protected::NodeGuard;
use super::{default_acl, delete_guaranteed, join, node_name, retry, spawn_delete, validate_path};
use crate::client::Client;
use crate::error::Result;
use crate::state::SessionState;

const LATCH_NAME: &str = "latch-";

/// A participant in a leader election on a path.
///
/// Guarantees: [`LeaderLatch::has_leadership`] is true only while this
/// participant's node is the lowest under the path *and* the session is
/// connected: on a disconnect leadership is dropped at once (Curator's
/// default "suspended is an error" policy) and re-checked on reconnect, so
/// two connected participants never both report leadership for long
/// (a partitioned leader learns of it within its session timeout). After
/// [`LeaderLatch::close`] the node is deleted and the next participant leads.
#[derive(Debug)]
pub struct LeaderLatch {
    client: Client,
    dir: String,
    id: String,
    our_path: Arc<Mutex<Option<String>>>,
    /// Shared with the runner, so close can clear leadership after
    /// stopping it.
    leader_tx: Arc<watch::Sender<bool>>,
    leader: watch::Receiver<bool>,
    task: Option<JoinHandle<()>>,
}

/// Leadership changes of one latch, as a watch on a boolean.
#[derive(Debug, Clone)]
pub struct Leadership {
    client: Client,
    rx: watch::Receiver<bool>,
}

impl Leadership {
    /// Whether the latch leads now.
    pub fn current(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits for the next change and returns the new value; `None` once the
    /// latch is closed or its session has ended.
    pub async fn changed(&mut self) -> Option<bool> {
        tokio::select! {
            biased;
            r = self.rx.changed() => {
                r.ok()?;
                Some(*self.rx.borrow_and_update())
            }
            _ = self.client.wait_for_state(SessionState::is_terminal) => None,
        }
    }
}

impl LeaderLatch {
    /// Joins the election on `path` under `id` (stored as the node's data,
    /// as Curator does). Returns at once; leadership comes later.
    pub fn start(client: &Client, path: &str, id: &str) -> Result<Self> {
        let dir = validate_path(path)?;
        let (tx, rx) = watch::channel(false);
        let tx = Arc::new(tx);
        let our_path = Arc::new(Mutex::new(None));
        let runner = Runner {
            client: client.clone(),
            dir: dir.clone(),
            id: Bytes::from(id.to_string()),
            our_path: our_path.clone(),
            leader: tx.clone(),
        };
        let task = tokio::spawn(runner.run());
        Ok(Self {
            client: client.clone(),
            dir,
            id: id.to_string(),
            our_path,
            leader_tx: tx,
            leader: rx,
            task: Some(task),
        })
    }

    /// Whether this participant leads now.
    pub fn has_leadership(&self) -> bool {
        *self.leader.borrow()
    }

    /// A view of leadership changes.
    pub fn leadership(&self) -> Leadership {
        Leadership {
            client: self.client.clone(),
            rx: self.leader.clone(),
        }
    }

    /// Waits until this participant leads. Fails with `Closed` or
    /// `SessionExpired` if it never can.
    pub async fn await_leadership(&self) -> Result<()> {
        let mut rx = self.leader.clone();
        tokio::select! {
            biased;
            r = rx.wait_for(|l| *l) => match r {
                Ok(_) => Ok(()),
                Err(_) => Err(super::session_ended(&self.client)),
            },
            _ = self.client.wait_for_state(SessionState::is_terminal) => {
                Err(super::session_ended(&self.client))
            }
        }
    }

    /// Like [`LeaderLatch::await_leadership`], giving up after `timeout`
    /// (`Ok(false)`).
    pub async fn await_leadership_timeout(&self, timeout: Duration) -> Result<bool> {
        match tokio::time::timeout(timeout, self.await_leadership()).await {
            Ok(r) => r.map(|()| true),
            Err(_) => Ok(false),
        }
    }

    /// This participant's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// This participant's node, once created.
    pub fn our_path(&self) -> Option<String> {
        self.our_path.lock().ok().and_then(|p| p.clone())
    }

    /// The ids of every participant, leader first (each node's data; a
    /// node that vanishes while being read is skipped).
    pub async fn participant_ids(&self) -> Result<Vec<String>> {
        let children = match retry(&self.client, || self.client.get_children(&self.dir)).await {
            Ok(c) => c,
            Err(e) if e.is_no_node() => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut ids = Vec::new();
        for c in sorted(children, &[LATCH_NAME]) {
            let p = join(&self.dir, &c);
            match retry(&self.client, || self.client.get_data(&p)).await {
                Ok((d, _)) => ids.push(String::from_utf8_lossy(&d.unwrap_or_default()).into()),
                Err(e) if e.is_no_node() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(ids)
    }

    /// Leaves the election: leadership ends, the node is deleted (the next
    /// participant takes over), and the change stream ends.
    pub async fn close(mut self) -> Result<()> {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
        // Stop claiming leadership before the node goes, so this latch and
        // the next leader never both report it.
        self.leader_tx.send_replace(false);
        let path = self.our_path.lock().ok().and_then(|mut p| p.take());
        match path {
            Some(p) => delete_guaranteed(&self.client, &p).await,
            None => Ok(()),
        }
    }
}

impl Drop for LeaderLatch {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        self.leader_tx.send_replace(false);
        if let Some(p) = self.our_path.lock().ok().and_then(|mut p| p.take()) {
            spawn_delete(self.client.clone(), p);
        }
    }
}

/// The background task that keeps the latch's view current.
struct Runner {
    client: Client,
    dir: String,
    id: Bytes,
    our_path: Arc<Mutex<Option<String>>>,
    leader: Arc<watch::Sender<bool>>,
}

/// What woke the runner.
enum Wake {
    Watch(EventType),
    State(SessionState),
}

impl Runner {
    async fn run(self) {
        let mut states = self.client.state_changes();
        loop {
            if self.client.state().is_terminal() {
                break;
            }
            if let Err(e) = self.step(&mut states).await {
                if self.client.state().is_terminal() {
                    break;
                }
                tracing::debug!(dir = %self.dir, error = %e, "leader latch step failed; retrying");
                self.leader.send_replace(false);
                // Errors here are connection trouble: wait for the session.
                let _ = super::wait_connected(&self.client).await;
            }
        }
        self.leader.send_replace(false);
    }

    fn ours(&self) -> Option<String> {
        self.our_path.lock().ok().and_then(|p| p.clone())
    }

    /// One round: make sure our node exists, decide, and wait for the event
    /// that may change the decision.
    async fn step(&self, states: &mut broadcast::Receiver<SessionState>) -> Result<()> {
        let ours = match self.ours() {
            Some(p) => p,
            None => {
                let mut guard = NodeGuard::new(&self.client, &self.dir);
                guard
                    .create(LATCH_NAME, Some(self.id.clone()), &default_acl())
                    .await?;
                let p = guard.keep()?;
                if let Ok(mut slot) = self.our_path.lock() {
                    *slot = Some(p.clone());
                }
                p
            }
        };
        let children = retry(&self.client, || self.client.get_children(&self.dir)).await?;
        let sorted = sorted(children, &[LATCH_NAME]);
        let name = node_name(&ours);
        let Some(idx) = sorted.iter().position(|c| c == name) else {
            // Our node vanished (deleted by someone): join again.
            tracing::debug!(%ours, "latch node missing; recreating");
            self.leader.send_replace(false);
            if let Ok(mut slot) = self.our_path.lock() {
                *slot = None;
            }
            return Ok(());
        };
        // Leader: watch our own node (its loss ends leadership). Follower:
        // watch the predecessor only.
        let watched = if idx == 0 {
            ours.clone()
        } else {
            join(&self.dir, &sorted[idx - 1])
        };
        let watch = match retry(&self.client, || self.client.get_data_watch(&watched)).await {
            Ok((_, _, w)) => w,
            Err(e) if e.is_no_node() => return Ok(()),
            Err(e) => return Err(e),
        };
        self.leader.send_replace(idx == 0);
        let wake = tokio::select! {
            biased;
            s = states.recv() => Wake::State(s.unwrap_or_else(|_| self.client.state())),
            ev = watch => Wake::Watch(ev.event_type),
        };
        match wake {
            Wake::State(SessionState::Connected) => Ok(()),
            Wake::State(s) if s.is_terminal() => Ok(()),
            Wake::State(_) => {
                // Disconnected: we cannot know whether we still lead.
                self.leader.send_replace(false);
                super::wait_connected(&self.client).await
            }
            Wake::Watch(EventType::None) => Ok(()),
            Wake::Watch(_) => Ok(()),
        }
    }
}
