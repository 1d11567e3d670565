//! The shell's record of the watches it set, mirroring the Java client's
//! `ZKWatchManager` for zkCli's one default watcher. The record decides
//! what `removewatches` may remove (zkCli refuses locally, without asking
//! the server, when it holds no such watch) and which "…WatchRemoved"
//! events it then prints.

use std::collections::BTreeSet;

use rzk_client::{EventType, WatchedEvent, WatcherType};

/// Watches by kind and path. Data and exists watches share a set: both
/// are removed as `Data`, and zkCli's single watcher makes them one.
#[derive(Debug, Default)]
pub struct WatchBook {
    data: BTreeSet<String>,
    child: BTreeSet<String>,
    persistent: BTreeSet<String>,
}

/// Which table a newly set watch goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// get -w, stat -w, config -w, ls -R -w on the root.
    Data,
    /// ls -w.
    Child,
    /// addWatch, either mode.
    Persistent,
}

impl WatchBook {
    /// Records a watch set on `path`.
    pub fn add(&mut self, kind: WatchKind, path: &str) {
        let set = match kind {
            WatchKind::Data => &mut self.data,
            WatchKind::Child => &mut self.child,
            WatchKind::Persistent => &mut self.persistent,
        };
        set.insert(path.to_string());
    }

    /// Forgets the one-shot watches an event fires (the Java client's
    /// `materialize`); persistent ones stay.
    pub fn fired(&mut self, ev: &WatchedEvent) {
        match ev.event_type {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                self.data.remove(&ev.path);
            }
            EventType::NodeChildrenChanged => {
                self.child.remove(&ev.path);
            }
            EventType::NodeDeleted => {
                self.data.remove(&ev.path);
                self.child.remove(&ev.path);
            }
            _ => {}
        }
    }

    /// Whether a watch of `kind` on `path` is held (`containsWatcher`).
    pub fn holds(&self, path: &str, kind: WatcherType) -> bool {
        let (d, c, p) = (
            self.data.contains(path),
            self.child.contains(path),
            self.persistent.contains(path),
        );
        match kind {
            WatcherType::Children => c,
            WatcherType::Data => d,
            WatcherType::Any => d || c || p,
            WatcherType::Persistent | WatcherType::PersistentRecursive => p,
        }
    }

    /// Removes watches of `kind` on `path` and returns the removal events
    /// zkCli prints, in the order rzk prints them (child, data,
    /// persistent; Java's order comes from a hash map and varies).
    pub fn remove(&mut self, path: &str, kind: WatcherType) -> Vec<EventType> {
        let mut events = Vec::new();
        let any = kind == WatcherType::Any;
        if (any || kind == WatcherType::Children) && self.child.remove(path) {
            events.push(EventType::ChildWatchRemoved);
        }
        if (any || kind == WatcherType::Data) && self.data.remove(path) {
            events.push(EventType::DataWatchRemoved);
        }
        if any && self.persistent.remove(path) {
            events.push(EventType::PersistentWatchRemoved);
        }
        events
    }

    /// Forgets everything (the session ended).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rzk_client::KeeperState;

    fn ev(t: EventType, p: &str) -> WatchedEvent {
        WatchedEvent {
            event_type: t,
            state: KeeperState::SyncConnected,
            path: p.into(),
            zxid: -1,
        }
    }

    #[test]
    fn firing_and_removal_follow_the_java_client() {
        let mut b = WatchBook::default();
        b.add(WatchKind::Data, "/a");
        b.add(WatchKind::Child, "/a");
        b.add(WatchKind::Persistent, "/p");
        assert!(b.holds("/a", WatcherType::Data) && b.holds("/a", WatcherType::Children));
        b.fired(&ev(EventType::NodeChildrenChanged, "/a"));
        assert!(!b.holds("/a", WatcherType::Children));
        assert!(b.holds("/a", WatcherType::Data));
        b.fired(&ev(EventType::NodeDataChanged, "/p"));
        assert!(b.holds("/p", WatcherType::Any), "persistent watches stay");
        assert_eq!(b.remove("/a", WatcherType::Children), vec![]);
        assert_eq!(
            b.remove("/a", WatcherType::Any),
            vec![EventType::DataWatchRemoved]
        );
        assert!(!b.holds("/a", WatcherType::Any));
        assert_eq!(
            b.remove("/p", WatcherType::Data),
            vec![],
            "-d does not remove persistent watches"
        );
        assert_eq!(
            b.remove("/p", WatcherType::Any),
            vec![EventType::PersistentWatchRemoved]
        );
        b.add(WatchKind::Child, "/d");
        b.add(WatchKind::Data, "/d");
        b.fired(&ev(EventType::NodeDeleted, "/d"));
        assert!(!b.holds("/d", WatcherType::Any));
    }
}
