//! One watch table (ZooKeeper's `WatchManager`, 3.9 form): path →
//! connection → set of modes, the reverse index connection → paths, and a
//! count of recursive registrations so triggers only walk ancestors when a
//! recursive watch exists somewhere.
//!
//! A connection may hold several modes on one path at once (3.9's
//! `WatchStats`; 3.8 kept one mode and let a later registration overwrite
//! an earlier one, losing e.g. a persistent watch to an exists watch).

use std::collections::{BTreeMap, BTreeSet};

use super::ConnId;

/// How a watch behaves once triggered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WatchMode {
    /// One-shot: removed by its first trigger (getData, exists, getChildren).
    Standard,
    /// Stays; fires for its own path only (addWatch mode 0).
    Persistent,
    /// Stays; fires for its path and every descendant (addWatch mode 1).
    PersistentRecursive,
}

impl WatchMode {
    fn bit(self) -> u8 {
        match self {
            WatchMode::Standard => 1,
            WatchMode::Persistent => 2,
            WatchMode::PersistentRecursive => 4,
        }
    }
}

/// A set of [`WatchMode`]s, as one (path, connection) holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Modes(u8);

impl Modes {
    /// Whether `mode` is in the set.
    pub fn has(self, mode: WatchMode) -> bool {
        self.0 & mode.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn with(self, mode: WatchMode) -> Self {
        Modes(self.0 | mode.bit())
    }

    fn without(self, mode: WatchMode) -> Self {
        Modes(self.0 & !mode.bit())
    }
}

/// `path`, then each ancestor up to and including `/` (ZooKeeper's
/// `PathParentIterator`). A path without `/` yields only itself.
pub(crate) fn self_and_ancestors(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |p| {
        if *p == "/" {
            return None;
        }
        match p.rfind('/') {
            Some(0) => Some("/"),
            Some(i) => Some(&p[..i]),
            None => None,
        }
    })
}

/// The table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    by_path: BTreeMap<String, BTreeMap<ConnId, Modes>>,
    by_conn: BTreeMap<ConnId, BTreeSet<String>>,
    /// (path, connection) pairs holding `PersistentRecursive`.
    recursive: usize,
    /// ZooKeeper 3.8's model: one mode per (path, connection).
    single_mode: bool,
}

impl Table {
    /// An empty table with ZooKeeper 3.8's one-mode-per-pair rule.
    pub(crate) fn single_mode() -> Self {
        Self {
            single_mode: true,
            ..Self::default()
        }
    }

    /// The modes `conn` holds on `path`.
    pub(crate) fn modes(&self, path: &str, conn: ConnId) -> Modes {
        self.by_path
            .get(path)
            .and_then(|m| m.get(&conn))
            .copied()
            .unwrap_or_default()
    }

    /// Adds `mode` for (`path`, `conn`); whether it was new.
    pub(crate) fn add(&mut self, path: &str, conn: ConnId, mode: WatchMode) -> bool {
        let entry = self
            .by_path
            .entry(path.to_owned())
            .or_default()
            .entry(conn)
            .or_default();
        let old = *entry;
        // 3.8 keeps one mode per (connection, path): a later watch of
        // another mode replaces it. 3.9 accumulates them.
        *entry = if self.single_mode {
            Modes::default().with(mode)
        } else {
            old.with(mode)
        };
        if old == *entry {
            return false;
        }
        let (was, is) = (
            old.has(WatchMode::PersistentRecursive),
            entry.has(WatchMode::PersistentRecursive),
        );
        if is && !was {
            self.recursive += 1;
        }
        if was && !is {
            self.recursive -= 1;
        }
        self.by_conn
            .entry(conn)
            .or_default()
            .insert(path.to_owned());
        true
    }

    /// Removes `mode` (or every mode, for `None`) of (`path`, `conn`);
    /// whether anything changed.
    pub(crate) fn remove(&mut self, path: &str, conn: ConnId, mode: Option<WatchMode>) -> bool {
        let Some(conns) = self.by_path.get_mut(path) else {
            return false;
        };
        let Some(old) = conns.get(&conn).copied() else {
            return false;
        };
        let new = mode.map_or(Modes::default(), |m| old.without(m));
        if new == old {
            return false;
        }
        if old.has(WatchMode::PersistentRecursive) && !new.has(WatchMode::PersistentRecursive) {
            self.recursive -= 1;
        }
        if new.is_empty() {
            self.unlink(path, conn);
        } else {
            conns.insert(conn, new);
        }
        true
    }

    /// Drops (`path`, `conn`) from both indexes.
    fn unlink(&mut self, path: &str, conn: ConnId) {
        if let Some(conns) = self.by_path.get_mut(path) {
            conns.remove(&conn);
            if conns.is_empty() {
                self.by_path.remove(path);
            }
        }
        if let Some(paths) = self.by_conn.get_mut(&conn) {
            paths.remove(path);
            if paths.is_empty() {
                self.by_conn.remove(&conn);
            }
        }
    }

    /// Drops every watch of `conn`.
    pub(crate) fn remove_conn(&mut self, conn: ConnId) {
        for path in self.by_conn.remove(&conn).into_iter().flatten() {
            if let Some(conns) = self.by_path.get_mut(&path) {
                if conns
                    .remove(&conn)
                    .is_some_and(|m| m.has(WatchMode::PersistentRecursive))
                {
                    self.recursive -= 1;
                }
                if conns.is_empty() {
                    self.by_path.remove(&path);
                }
            }
        }
    }

    /// `triggerWatch`'s lookup: every connection with any mode on `path`
    /// (standard modes there are consumed), plus connections with a
    /// recursive watch on an ancestor. Sorted, each once.
    pub(crate) fn trigger(&mut self, path: &str, children_changed: bool) -> BTreeSet<ConnId> {
        let mut fired = BTreeSet::new();
        let mut emptied = Vec::new();
        if let Some(conns) = self.by_path.get_mut(path) {
            for (conn, modes) in conns.iter_mut() {
                // A recursive watcher never sees NodeChildrenChanged (only
                // 3.8's child table holds one, ZooKeeper 3.8's triggerWatch
                // skips it there).
                let only_recursive =
                    !modes.has(WatchMode::Standard) && !modes.has(WatchMode::Persistent);
                if children_changed && only_recursive {
                    continue;
                }
                fired.insert(*conn);
                *modes = modes.without(WatchMode::Standard);
                if modes.is_empty() {
                    emptied.push(*conn);
                }
            }
        }
        for conn in emptied {
            self.unlink(path, conn);
        }
        if self.recursive > 0 && !children_changed {
            for ancestor in self_and_ancestors(path).skip(1) {
                if let Some(conns) = self.by_path.get(ancestor) {
                    fired.extend(
                        conns
                            .iter()
                            .filter(|(_, m)| m.has(WatchMode::PersistentRecursive))
                            .map(|(c, _)| *c),
                    );
                }
            }
        }
        fired
    }

    /// Number of (path, connection) pairs (`WatchManager.size`).
    pub(crate) fn pairs(&self) -> usize {
        self.by_path.values().map(BTreeMap::len).sum()
    }

    /// Number of watched paths.
    pub(crate) fn paths(&self) -> usize {
        self.by_path.len()
    }

    /// Number of connections with at least one watch.
    pub(crate) fn connections(&self) -> usize {
        self.by_conn.len()
    }

    /// Paths per connection, both sorted.
    pub(crate) fn by_conn(&self) -> &BTreeMap<ConnId, BTreeSet<String>> {
        &self.by_conn
    }

    /// Connections per path, both sorted.
    pub(crate) fn by_path(&self) -> impl Iterator<Item = (&str, Vec<ConnId>)> {
        self.by_path
            .iter()
            .map(|(p, c)| (p.as_str(), c.keys().copied().collect()))
    }

    /// ZooKeeper 3.8.0's `WatchManager.containsWatcher(path, watcher)`: true
    /// when *any* connection watches `path` here, or `conn` holds a
    /// recursive watch on it. `None` where 3.8.0's `PathParentIterator`
    /// throws (a non-empty path without `/`), which it answers as
    /// MarshallingError.
    pub(crate) fn contains_3_8_0(&self, path: &str, conn: ConnId) -> Option<bool> {
        if path.is_empty() {
            return Some(false);
        }
        if !path.contains('/') {
            return None;
        }
        let anyone = self.by_path.get(path).is_some_and(|m| !m.is_empty());
        Some(anyone || self.modes(path, conn).has(WatchMode::PersistentRecursive))
    }

    /// Recursive registrations (for invariant checks in tests).
    #[cfg(test)]
    pub(crate) fn recursive_count(&self) -> usize {
        self.recursive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_like_path_parent_iterator_3_8() {
        let v: Vec<&str> = self_and_ancestors("/a/b/c").collect();
        assert_eq!(v, vec!["/a/b/c", "/a/b", "/a", "/"]);
        assert_eq!(self_and_ancestors("/").collect::<Vec<_>>(), vec!["/"]);
        assert_eq!(
            self_and_ancestors("/a").collect::<Vec<_>>(),
            vec!["/a", "/"]
        );
        assert_eq!(self_and_ancestors("rel").collect::<Vec<_>>(), vec!["rel"]);
    }

    #[test]
    fn modes_accumulate_and_standard_is_consumed_3_8() {
        let mut t = Table::default();
        assert!(t.add("/a", 1, WatchMode::Persistent));
        assert!(t.add("/a", 1, WatchMode::Standard));
        assert!(!t.add("/a", 1, WatchMode::Standard));
        assert_eq!(t.trigger("/a", false), BTreeSet::from([1]));
        let m = t.modes("/a", 1);
        assert!(m.has(WatchMode::Persistent) && !m.has(WatchMode::Standard));
        assert!(t.remove("/a", 1, Some(WatchMode::Persistent)));
        assert_eq!(t.pairs() + t.paths() + t.connections(), 0);
        assert!(!t.remove("/a", 1, None));
    }

    #[test]
    fn recursive_count_follows_every_removal() {
        let mut t = Table::default();
        t.add("/a", 1, WatchMode::PersistentRecursive);
        t.add("/b", 1, WatchMode::PersistentRecursive);
        t.add("/b", 2, WatchMode::PersistentRecursive);
        t.add("/b", 2, WatchMode::Standard);
        assert_eq!(t.recursive_count(), 3);
        assert!(t.remove("/a", 1, None));
        assert!(!t.remove("/b", 2, Some(WatchMode::Persistent)));
        t.remove_conn(1);
        assert_eq!(t.recursive_count(), 1);
        t.trigger("/b", false); // consumes only the standard mode
        assert_eq!(t.recursive_count(), 1);
        assert!(t.remove("/b", 2, Some(WatchMode::PersistentRecursive)));
        assert_eq!(t.recursive_count(), 0);
        assert_eq!(t.pairs(), 0);
    }
}
