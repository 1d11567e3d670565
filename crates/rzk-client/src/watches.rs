//! The client side of watches: which waiting futures and streams an event
//! from the server wakes, what to re-register after a reconnect, and what to
//! tell every watcher when the session ends.
//!
//! Delivery follows the Java client (`ZKWatchManager.materialize`):
//! NodeCreated and NodeDataChanged wake data and exist watches of the path;
//! NodeChildrenChanged wakes child watches; NodeDeleted wakes data, exist and
//! child watches; persistent watches on the path see every type, and
//! persistent-recursive watches on the path or an ancestor see every type
//! except NodeChildrenChanged.

use std::collections::BTreeMap;

use rzk_proto::client::{SetWatches, SetWatches2};
use rzk_proto::codes::{EventType, KeeperState, WatcherType};
use tokio::sync::{mpsc, oneshot};

use crate::state::WatchedEvent;

/// Which one-shot table a watch goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OneShotKind {
    /// getData, or exists on an existing node.
    Data,
    /// exists on a missing node.
    Exist,
    /// getChildren / getChildren2.
    Child,
}

type Waiters = BTreeMap<String, Vec<oneshot::Sender<WatchedEvent>>>;
type Streams = BTreeMap<String, Vec<mpsc::UnboundedSender<WatchedEvent>>>;

/// Every registered watch of the session, by client path (chroot removed).
#[derive(Default)]
pub(crate) struct WatchRegistry {
    data: Waiters,
    exist: Waiters,
    child: Waiters,
    persistent: Streams,
    recursive: Streams,
    /// Receivers of every notification, once each, before the watches it
    /// wakes (the Java client's default-watcher view; used by the shell).
    taps: Vec<mpsc::UnboundedSender<WatchedEvent>>,
}

fn take(map: &mut Waiters, path: &str, out: &mut Vec<oneshot::Sender<WatchedEvent>>) {
    if let Some(v) = map.remove(path) {
        out.extend(v);
    }
}

fn send_all(map: &mut Streams, path: &str, ev: &WatchedEvent) {
    if let Some(v) = map.get_mut(path) {
        v.retain(|tx| tx.send(ev.clone()).is_ok());
        if v.is_empty() {
            map.remove(path);
        }
    }
}

/// Ancestors of `path`, itself included: `/a/b` → `/a/b`, `/a`, `/`.
fn self_and_ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let cur = next?;
        next = match cur.rfind('/') {
            _ if cur == "/" => None,
            Some(0) => Some("/"),
            Some(i) => Some(&cur[..i]),
            None => None,
        };
        Some(cur)
    })
}

impl WatchRegistry {
    /// Adds a one-shot watch; the receiver resolves with the event that
    /// fires it.
    pub(crate) fn add_one_shot(
        &mut self,
        kind: OneShotKind,
        path: String,
        tx: oneshot::Sender<WatchedEvent>,
    ) {
        let map = match kind {
            OneShotKind::Data => &mut self.data,
            OneShotKind::Exist => &mut self.exist,
            OneShotKind::Child => &mut self.child,
        };
        map.entry(path).or_default().push(tx);
    }

    /// Adds a persistent (or recursive) watch stream.
    pub(crate) fn add_persistent(
        &mut self,
        recursive: bool,
        path: String,
        tx: mpsc::UnboundedSender<WatchedEvent>,
    ) {
        let map = if recursive {
            &mut self.recursive
        } else {
            &mut self.persistent
        };
        map.entry(path).or_default().push(tx);
    }

    /// Adds a receiver of every notification from now on.
    pub(crate) fn add_tap(&mut self, tx: mpsc::UnboundedSender<WatchedEvent>) {
        self.taps.push(tx);
    }

    /// Delivers a node event to every watcher it concerns.
    pub(crate) fn deliver(&mut self, ev: &WatchedEvent) {
        self.taps.retain(|tx| tx.send(ev.clone()).is_ok());
        let mut wake = Vec::new();
        let p = ev.path.as_str();
        match ev.event_type {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                take(&mut self.data, p, &mut wake);
                take(&mut self.exist, p, &mut wake);
            }
            EventType::NodeChildrenChanged => take(&mut self.child, p, &mut wake),
            EventType::NodeDeleted => {
                take(&mut self.data, p, &mut wake);
                take(&mut self.exist, p, &mut wake);
                take(&mut self.child, p, &mut wake);
            }
            _ => {}
        }
        for tx in wake {
            let _ = tx.send(ev.clone());
        }
        send_all(&mut self.persistent, p, ev);
        if ev.event_type != EventType::NodeChildrenChanged {
            for anc in self_and_ancestors(p) {
                send_all(&mut self.recursive, anc, ev);
            }
        }
    }

    /// Drops watches of `path` matching `kind` (as removeWatches with
    /// `local=true` does); returns whether any existed.
    pub(crate) fn remove(&mut self, path: &str, kind: WatcherType) -> bool {
        let mut removed = false;
        let mut drop_in = |m: &mut Waiters| removed |= m.remove(path).is_some();
        match kind {
            WatcherType::Children => drop_in(&mut self.child),
            WatcherType::Data => {
                drop_in(&mut self.data);
                drop_in(&mut self.exist);
            }
            WatcherType::Any => {
                drop_in(&mut self.data);
                drop_in(&mut self.exist);
                drop_in(&mut self.child);
            }
            WatcherType::Persistent | WatcherType::PersistentRecursive => {}
        }
        if matches!(kind, WatcherType::Persistent | WatcherType::Any) {
            removed |= self.persistent.remove(path).is_some();
        }
        if matches!(kind, WatcherType::PersistentRecursive | WatcherType::Any) {
            removed |= self.recursive.remove(path).is_some();
        }
        removed
    }

    /// Forgets watchers whose receivers were dropped.
    fn prune(&mut self) {
        for m in [&mut self.data, &mut self.exist, &mut self.child] {
            m.retain(|_, v| {
                v.retain(|tx| !tx.is_closed());
                !v.is_empty()
            });
        }
        for m in [&mut self.persistent, &mut self.recursive] {
            m.retain(|_, v| {
                v.retain(|tx| !tx.is_closed());
                !v.is_empty()
            });
        }
    }

    /// The re-registration request to send after a reconnect (paths with
    /// `chroot` prepended), or `None` when there is nothing to re-register.
    /// Like the Java client it uses setWatches unless persistent watches
    /// exist, so older servers keep working.
    pub(crate) fn reregistration(
        &mut self,
        relative_zxid: i64,
        chroot: &dyn Fn(&str) -> String,
    ) -> Option<Reregistration> {
        self.prune();
        let keys = |m: &Waiters| m.keys().map(|k| chroot(k)).collect::<Vec<_>>();
        let skeys = |m: &Streams| m.keys().map(|k| chroot(k)).collect::<Vec<_>>();
        let (data, exist, child) = (keys(&self.data), keys(&self.exist), keys(&self.child));
        let (persistent, recursive) = (skeys(&self.persistent), skeys(&self.recursive));
        if persistent.is_empty() && recursive.is_empty() {
            if data.is_empty() && exist.is_empty() && child.is_empty() {
                return None;
            }
            return Some(Reregistration::V1(SetWatches {
                relative_zxid,
                data_watches: data,
                exist_watches: exist,
                child_watches: child,
            }));
        }
        Some(Reregistration::V2(SetWatches2 {
            relative_zxid,
            data_watches: data,
            exist_watches: exist,
            child_watches: child,
            persistent_watches: persistent,
            persistent_recursive_watches: recursive,
        }))
    }

    /// Ends every watch: one-shot watchers get a `None` event carrying the
    /// final state; streams end.
    pub(crate) fn close_all(&mut self, state: KeeperState) {
        let ev = WatchedEvent {
            event_type: EventType::None,
            state,
            path: String::new(),
            zxid: -1,
        };
        for m in [&mut self.data, &mut self.exist, &mut self.child] {
            for tx in std::mem::take(m).into_values().flatten() {
                let _ = tx.send(ev.clone());
            }
        }
        self.persistent.clear();
        self.recursive.clear();
        self.taps.clear();
    }
}

/// A setWatches or setWatches2 body.
pub(crate) enum Reregistration {
    /// Only standard watches.
    V1(SetWatches),
    /// Some persistent watches too.
    V2(SetWatches2),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: EventType, path: &str) -> WatchedEvent {
        WatchedEvent {
            event_type: t,
            state: KeeperState::SyncConnected,
            path: path.into(),
            zxid: -1,
        }
    }

    #[test]
    fn ancestors_walk_to_the_root() {
        let v: Vec<_> = self_and_ancestors("/a/b/c").collect();
        assert_eq!(v, vec!["/a/b/c", "/a/b", "/a", "/"]);
        assert_eq!(self_and_ancestors("/").collect::<Vec<_>>(), vec!["/"]);
    }

    #[test]
    fn delivery_table_matches_the_java_client() {
        let mut r = WatchRegistry::default();
        let (dtx, mut drx) = oneshot::channel();
        let (ctx, mut crx) = oneshot::channel();
        let (etx, mut erx) = oneshot::channel();
        r.add_one_shot(OneShotKind::Data, "/a".into(), dtx);
        r.add_one_shot(OneShotKind::Child, "/a".into(), ctx);
        r.add_one_shot(OneShotKind::Exist, "/b".into(), etx);
        let (rtx, mut rrx) = mpsc::unbounded_channel();
        r.add_persistent(true, "/".into(), rtx);

        r.deliver(&ev(EventType::NodeChildrenChanged, "/a"));
        assert_eq!(
            crx.try_recv().unwrap().event_type,
            EventType::NodeChildrenChanged
        );
        assert!(
            drx.try_recv().is_err(),
            "data watch must not fire on children change"
        );
        assert!(
            rrx.try_recv().is_err(),
            "recursive watches never see NodeChildrenChanged"
        );

        r.deliver(&ev(EventType::NodeCreated, "/b"));
        assert_eq!(erx.try_recv().unwrap().event_type, EventType::NodeCreated);
        assert_eq!(rrx.try_recv().unwrap().path, "/b");

        r.deliver(&ev(EventType::NodeDeleted, "/a"));
        assert_eq!(drx.try_recv().unwrap().event_type, EventType::NodeDeleted);
        assert_eq!(rrx.try_recv().unwrap().path, "/a");
    }

    #[test]
    fn taps_see_each_notification_once_and_end_with_the_session() {
        let mut r = WatchRegistry::default();
        let (dtx, _drx) = oneshot::channel();
        let (ctx, _crx) = oneshot::channel();
        r.add_one_shot(OneShotKind::Data, "/a".into(), dtx);
        r.add_one_shot(OneShotKind::Child, "/a".into(), ctx);
        let (ttx, mut trx) = mpsc::unbounded_channel();
        r.add_tap(ttx);
        r.deliver(&ev(EventType::NodeDeleted, "/a"));
        assert_eq!(trx.try_recv().unwrap().event_type, EventType::NodeDeleted);
        assert!(trx.try_recv().is_err(), "one event per notification");
        r.close_all(KeeperState::Closed);
        assert!(matches!(
            trx.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }

    #[test]
    fn reregistration_prefers_set_watches_v1_and_prefixes_chroot() {
        let mut r = WatchRegistry::default();
        assert!(r.reregistration(5, &|p| p.to_string()).is_none());
        let (tx, _rx) = oneshot::channel();
        r.add_one_shot(OneShotKind::Exist, "/x".into(), tx);
        match r.reregistration(5, &|p| format!("/root{p}")) {
            Some(Reregistration::V1(sw)) => {
                assert_eq!(sw.exist_watches, vec!["/root/x"]);
                assert_eq!(sw.relative_zxid, 5);
            }
            _ => panic!("expected setWatches"),
        }
        let (ptx, _prx) = mpsc::unbounded_channel();
        r.add_persistent(false, "/p".into(), ptx);
        assert!(matches!(
            r.reregistration(5, &|p| p.to_string()),
            Some(Reregistration::V2(_))
        ));
    }

    #[test]
    fn dropped_receivers_are_not_reregistered_and_close_all_notifies() {
        let mut r = WatchRegistry::default();
        let (tx, rx) = oneshot::channel();
        r.add_one_shot(OneShotKind::Data, "/gone".into(), tx);
        drop(rx);
        assert!(r.reregistration(0, &|p| p.to_string()).is_none());
        let (tx, mut rx) = oneshot::channel();
        r.add_one_shot(OneShotKind::Data, "/x".into(), tx);
        r.close_all(KeeperState::Expired);
        let e = rx.try_recv().unwrap();
        assert_eq!(
            (e.event_type, e.state),
            (EventType::None, KeeperState::Expired)
        );
    }
}
