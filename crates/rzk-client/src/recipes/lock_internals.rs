//! The queue every lock-like recipe shares (Curator's `LockInternals`):
//! create a protected ephemeral-sequential node, sort the children by
//! sequence, and either own the lock or watch the one node that must go
//! first. The rule deciding "go" is a [`Predicate`], so the mutex, the
//! read/write lock and the semaphore's inner mutex use one loop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rzk_proto::codes::EventType;
use rzk_proto::data::Acl;

use super::protected::NodeGuard;
use super::{join, node_name, retry};
use crate::client::Client;
use crate::clock;
use crate::error::{Error, Result};

/// Curator's mutex node name: `_c_<uuid>-lock-<seq>`.
pub(crate) const LOCK_NAME: &str = "lock-";

/// How a child name is turned into its sort key: everything after the last
/// occurrence of a lock name, so the uuid prefix never influences order
/// (Curator's `standardFixForSorting`). Applied once per name, in order, as
/// the read/write lock's driver does.
pub(crate) fn sort_key<'a>(name: &'a str, lock_names: &[&str]) -> &'a str {
    let mut s = name;
    for ln in lock_names {
        if let Some(i) = s.rfind(ln) {
            s = &s[i + ln.len()..];
        }
    }
    s
}

/// The children sorted by their sequence (ties by full name, so the order
/// is total and deterministic).
pub(crate) fn sorted(mut children: Vec<String>, lock_names: &[&str]) -> Vec<String> {
    children.sort_by(|a, b| {
        sort_key(a, lock_names)
            .cmp(sort_key(b, lock_names))
            .then_with(|| a.cmp(b))
    });
    children
}

/// Who may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Predicate {
    /// The first `n` nodes hold the lock; others watch the node `n` places
    /// ahead (a mutex is `MaxLeases(1)`: watch the predecessor).
    MaxLeases(usize),
    /// A reader proceeds unless a writer is queued ahead of it, and then
    /// watches the first such writer (Curator's read lock).
    Read {
        /// The writers' node name (`__WRIT__`).
        write_name: &'static str,
    },
}

/// The verdict for our node among the sorted children: `Ok(None)` to go,
/// `Ok(Some(name))` to wait for `name` to disappear, `Err(NoNode)` if our
/// node is not among them.
pub(crate) fn verdict(pred: Predicate, sorted: &[String], ours: &str) -> Result<Option<String>> {
    let idx = sorted
        .iter()
        .position(|c| c == ours)
        .ok_or(Error::Server(rzk_proto::codes::ErrorCode::NoNode))?;
    match pred {
        Predicate::MaxLeases(n) => Ok(if idx < n {
            None
        } else {
            Some(sorted[idx - n].clone())
        }),
        Predicate::Read { write_name } => Ok(sorted[..idx]
            .iter()
            .find(|c| c.contains(write_name))
            .cloned()),
    }
}

/// One queue: a directory, the name our nodes get, and the rule.
#[derive(Debug, Clone)]
pub(crate) struct LockQueue {
    pub(crate) client: Client,
    pub(crate) dir: String,
    pub(crate) lock_name: &'static str,
    /// Every lock name used in `dir` (for sorting), ours included.
    pub(crate) sort_names: &'static [&'static str],
    pub(crate) predicate: Predicate,
    pub(crate) data: Option<Bytes>,
    pub(crate) acl: Vec<Acl>,
    /// Set while a sibling lock of the same handle holds the write lock: a
    /// reader whose handle writes goes at once (Curator's downgrade rule).
    pub(crate) bypass: Option<Arc<AtomicBool>>,
    /// The guid of an attempt in progress. Still set after `acquire`
    /// returns only if its future was dropped mid-way; then
    /// [`LockQueue::clean_abandoned`] can delete the node it may have made.
    pub(crate) pending: Arc<std::sync::Mutex<Option<String>>>,
}

/// How many times the whole attempt starts over because our node vanished
/// (its session expired, or someone deleted it) while we waited.
const LOST_NODE_RETRIES: u32 = 3;

impl LockQueue {
    /// Joins the queue and waits until the predicate lets us go, or until
    /// `timeout` (if any) passes. Returns our node's path when we hold the
    /// lock, `None` on timeout. On timeout, error or cancellation our node
    /// is deleted, so it never blocks those behind it.
    pub(crate) async fn acquire(&self, timeout: Option<Duration>) -> Result<Option<String>> {
        let r = self.acquire_inner(timeout).await;
        self.set_pending(None);
        r
    }

    fn set_pending(&self, guid: Option<String>) {
        if let Ok(mut p) = self.pending.lock() {
            *p = guid;
        }
    }

    /// Deletes the node of an attempt whose future was dropped, waiting
    /// for the delete (dropping also schedules it in the background; this
    /// is for callers that must know it is done).
    pub(crate) async fn clean_abandoned(&self) -> Result<()> {
        let guid = self.pending.lock().ok().and_then(|mut p| p.take());
        match guid {
            Some(g) => super::protected::delete_by_guid(&self.client, &self.dir, &g).await,
            None => Ok(()),
        }
    }

    async fn acquire_inner(&self, timeout: Option<Duration>) -> Result<Option<String>> {
        let deadline = timeout.map(|t| clock::now() + t);
        let mut lost = 0;
        loop {
            let mut guard = NodeGuard::new(&self.client, &self.dir);
            self.set_pending(Some(guard.guid().to_string()));
            let attempt = async {
                let ours = guard
                    .create(self.lock_name, self.data.clone(), &self.acl)
                    .await?;
                self.wait_turn(node_name(&ours), deadline).await
            };
            // The deadline bounds the whole attempt, retries through a
            // connection loss included; a create cut short is in doubt and
            // `delete_now` finds its node by the guid.
            let outcome = match deadline {
                Some(d) => tokio::time::timeout_at(d, attempt)
                    .await
                    .unwrap_or(Ok(false)),
                None => attempt.await,
            };
            match outcome {
                Ok(true) => return guard.keep().map(Some),
                Ok(false) => {
                    guard.delete_now().await?;
                    return Ok(None);
                }
                Err(e) if e.is_no_node() && guard.path().is_some() && lost < LOST_NODE_RETRIES => {
                    // Our node is gone (not by us): start over with a new one.
                    lost += 1;
                    guard.delete_now().await?;
                }
                Err(e) => {
                    // Best effort: the error to report is the first one.
                    let _ = guard.delete_now().await;
                    return Err(e);
                }
            }
        }
    }

    /// Loops until our turn (`true`) or the deadline (`false`).
    async fn wait_turn(&self, ours: &str, deadline: Option<tokio::time::Instant>) -> Result<bool> {
        loop {
            let children = retry(&self.client, || self.client.get_children(&self.dir)).await?;
            let sorted = sorted(children, self.sort_names);
            if self
                .bypass
                .as_ref()
                .is_some_and(|b| b.load(Ordering::Acquire))
            {
                return Ok(true);
            }
            let Some(ahead) = verdict(self.predicate, &sorted, ours)? else {
                return Ok(true);
            };
            // A data watch rather than exists: if the node is already gone
            // we learn it from NoNode and no watch is left behind.
            let path = join(&self.dir, &ahead);
            let watch = match retry(&self.client, || self.client.get_data_watch(&path)).await {
                Ok((_, _, w)) => w,
                Err(e) if e.is_no_node() => continue,
                Err(e) => return Err(e),
            };
            let event = match deadline {
                None => watch.await,
                Some(d) => match tokio::time::timeout_at(d, watch).await {
                    Ok(ev) => ev,
                    Err(_) => return Ok(false),
                },
            };
            if event.event_type == EventType::None {
                // The watch can no longer fire: the session ended.
                return Err(super::session_ended(&self.client));
            }
        }
    }

    /// The queue's nodes (full paths) in lock order.
    pub(crate) async fn participants(&self) -> Result<Vec<String>> {
        match retry(&self.client, || self.client.get_children(&self.dir)).await {
            Ok(c) => Ok(sorted(c, self.sort_names)
                .iter()
                .filter(|n| n.contains(self.lock_name))
                .map(|n| join(&self.dir, n))
                .collect()),
            Err(e) if e.is_no_node() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sorting_ignores_the_protected_prefix() {
        let c = v(&[
            "_c_ffffffff-9423-4e0c-a7b5-9f819e3ec2e1-lock-0000000001",
            "_c_00000000-9423-4e0c-a7b5-9f819e3ec2e1-lock-0000000002",
            "lock-0000000000",
        ]);
        let s = sorted(c, &[LOCK_NAME]);
        assert!(s[0].ends_with("0000"));
        assert!(s[1].ends_with("0001"));
        assert!(s[2].ends_with("0002"));
    }

    #[test]
    fn mutex_watches_its_predecessor_and_reader_watches_first_writer() {
        let s = v(&["a-lock-1", "b-lock-2", "c-lock-3"]);
        assert_eq!(
            verdict(Predicate::MaxLeases(1), &s, "a-lock-1").unwrap(),
            None
        );
        assert_eq!(
            verdict(Predicate::MaxLeases(1), &s, "c-lock-3")
                .unwrap()
                .as_deref(),
            Some("b-lock-2")
        );
        assert!(verdict(Predicate::MaxLeases(1), &s, "x")
            .unwrap_err()
            .is_no_node());
        let rw = v(&["r__READ__1", "w__WRIT__2", "r__READ__3", "r__READ__4"]);
        let read = Predicate::Read {
            write_name: "__WRIT__",
        };
        assert_eq!(verdict(read, &rw, "r__READ__1").unwrap(), None);
        assert_eq!(
            verdict(read, &rw, "r__READ__4").unwrap().as_deref(),
            Some("w__WRIT__2")
        );
    }
}
