//! The watch manager (`PROTOCOL.md` §3.8, §9 items 10–13): ZooKeeper's two
//! tables (data and child), registration per operation, the trigger table
//! of create / delete / setData, removeWatches / checkWatches, connection
//! cleanup, setWatches catch-up, and the counts behind `wchs`/`wchc`/`wchp`.
//!
//! A watcher is a connection, named by an opaque [`ConnId`]. Triggers return
//! [`Notification`]s in a fixed order — per trigger, connections ascending;
//! triggers in ZooKeeper's order — and at most one per connection per
//! trigger. Delivery is filtered by a caller-supplied predicate, standing for
//! ZooKeeper's READ check on the affected node (3.8.4+/3.9.2+,
//! CVE-2024-23944): the caller knows the connection's ids and which ACL
//! applies (the event path's node, captured before a delete; for
//! NodeChildrenChanged the event path *is* the parent). As in ZooKeeper a
//! standard watch whose event is filtered out is still consumed.
//!
//! removeWatches/checkWatches (`WatcherType`): Children, Data and Any
//! match every mode on the (path, connection) pair, as 3.8 does (3.9 makes
//! Children and Data match standard watches only); Persistent (4) and
//! PersistentRecursive (5), which 3.8 does not know, behave as in 3.9.
//! 3.8's `containsWatcher` also answered true when *another* connection
//! watched the path; we check the asking connection.

mod table;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use rzk_proto::client::{SetWatches2, WatcherEvent};
use rzk_proto::codes::{AddWatchMode, EventType, KeeperState, WatcherType};

use crate::path;
use table::Table;
pub use table::{Modes, WatchMode};

/// A connection, as the watch tables know it.
pub type ConnId = u64;

/// One event for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The receiving connection.
    pub conn: ConnId,
    /// The zxid of the triggering txn, or −1 for setWatches catch-up
    /// events. 3.9 puts it in the notification's ReplyHeader; 3.8 sends −1.
    pub zxid: i64,
    /// The event (state is always SyncConnected).
    pub event: WatcherEvent,
}

/// What setWatches needs to know about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeZxids {
    /// zxid of the last setData (or the create).
    pub mzxid: i64,
    /// zxid of the last change to the children.
    pub pzxid: i64,
}

/// Which table a report reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// getData/exists/addWatch watches.
    Data,
    /// getChildren/addWatch(PERSISTENT) watches.
    Child,
}

/// `wchs`: connections, paths and (path, connection) pairs of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WatchSummary {
    /// Connections with at least one watch.
    pub connections: usize,
    /// Watched paths.
    pub paths: usize,
    /// (path, connection) pairs.
    pub watches: usize,
}

fn event(kind: EventType, path: &str) -> WatcherEvent {
    WatcherEvent {
        event_type: kind.code(),
        state: KeeperState::SyncConnected.code(),
        path: path.to_owned(),
    }
}

/// Both tables. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct WatchManager {
    data: Table,
    child: Table,
    /// ZooKeeper 3.8's `addWatch` puts a recursive watch in the child table
    /// too, so removeWatches/checkWatches of type Children see it (3.9 keeps
    /// it in the data table only). Events are the same either way.
    recursive_in_child_table: bool,
}

impl WatchManager {
    /// An empty manager with 3.9's tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty manager with ZooKeeper 3.8's tables: a recursive watch is
    /// also registered in the child table, and a (connection, path) pair
    /// holds one mode, the last one set (so an exists watch replaces a
    /// recursive watch on the same path).
    pub fn with_3_8_tables() -> Self {
        Self {
            data: Table::single_mode(),
            child: Table::single_mode(),
            recursive_in_child_table: true,
        }
    }

    fn table(&self, kind: TableKind) -> &Table {
        match kind {
            TableKind::Data => &self.data,
            TableKind::Child => &self.child,
        }
    }

    /// A standard data watch: getData(watch) on an existing node, or
    /// exists(watch) whether or not the node exists (§9 item 10: exists
    /// registers before it looks).
    pub fn add_data_watch(&mut self, path: &str, conn: ConnId) {
        self.data.add(path, conn, WatchMode::Standard);
    }

    /// A standard child watch: getChildren/getChildren2(watch) on an
    /// existing node.
    pub fn add_child_watch(&mut self, path: &str, conn: ConnId) {
        self.child.add(path, conn, WatchMode::Standard);
    }

    /// addWatch: PERSISTENT goes in both tables, PERSISTENT_RECURSIVE in the
    /// data table only (so it never sees NodeChildrenChanged). No existence
    /// or ACL check, as in ZooKeeper.
    pub fn add_watch(&mut self, path: &str, conn: ConnId, mode: AddWatchMode) {
        match mode {
            AddWatchMode::Persistent => {
                self.data.add(path, conn, WatchMode::Persistent);
                self.child.add(path, conn, WatchMode::Persistent);
            }
            AddWatchMode::PersistentRecursive => {
                self.data.add(path, conn, WatchMode::PersistentRecursive);
                if self.recursive_in_child_table {
                    self.child.add(path, conn, WatchMode::PersistentRecursive);
                }
            }
        }
    }

    /// Fires one table at `path`, skipping `suppress`ed connections, and
    /// appends the deliveries that pass `filter`. Returns every connection
    /// the trigger matched (before suppression and filtering), which is
    /// what ZooKeeper hands on as the next trigger's suppress set.
    fn fire(
        table: &mut Table,
        path: &str,
        kind: EventType,
        zxid: i64,
        suppress: &[ConnId],
        filter: &mut impl FnMut(ConnId, &WatcherEvent) -> bool,
        out: &mut Vec<Notification>,
    ) -> Vec<ConnId> {
        let children_changed = kind == EventType::NodeChildrenChanged;
        let fired: Vec<ConnId> = table.trigger(path, children_changed).into_iter().collect();
        let ev = event(kind, path);
        for &conn in &fired {
            if suppress.binary_search(&conn).is_err() && filter(conn, &ev) {
                out.push(Notification {
                    conn,
                    zxid,
                    event: ev.clone(),
                });
            }
        }
        fired
    }

    /// A create of `path` was applied: NodeCreated from the data table at
    /// `path` (and recursive watches above it), then NodeChildrenChanged
    /// from the child table at the parent (`/` for a child of the root).
    pub fn node_created(
        &mut self,
        created: &str,
        zxid: i64,
        mut filter: impl FnMut(ConnId, &WatcherEvent) -> bool,
    ) -> Vec<Notification> {
        let mut out = Vec::new();
        Self::fire(
            &mut self.data,
            created,
            EventType::NodeCreated,
            zxid,
            &[],
            &mut filter,
            &mut out,
        );
        self.parent_changed(created, zxid, &mut filter, &mut out);
        out
    }

    fn parent_changed(
        &mut self,
        child: &str,
        zxid: i64,
        filter: &mut impl FnMut(ConnId, &WatcherEvent) -> bool,
        out: &mut Vec<Notification>,
    ) {
        if let Some(parent) = path::parent(child) {
            let parent = path::watch_parent(parent);
            Self::fire(
                &mut self.child,
                parent,
                EventType::NodeChildrenChanged,
                zxid,
                &[],
                filter,
                out,
            );
        }
    }

    /// A delete of `path` was applied: NodeDeleted from the data table, then
    /// NodeDeleted from the child table at `path` for connections the data
    /// table did not already match, then NodeChildrenChanged at the parent.
    pub fn node_deleted(
        &mut self,
        deleted: &str,
        zxid: i64,
        mut filter: impl FnMut(ConnId, &WatcherEvent) -> bool,
    ) -> Vec<Notification> {
        let mut out = Vec::new();
        let kind = EventType::NodeDeleted;
        let seen = Self::fire(
            &mut self.data,
            deleted,
            kind,
            zxid,
            &[],
            &mut filter,
            &mut out,
        );
        Self::fire(
            &mut self.child,
            deleted,
            kind,
            zxid,
            &seen,
            &mut filter,
            &mut out,
        );
        self.parent_changed(deleted, zxid, &mut filter, &mut out);
        out
    }

    /// A setData of `path` was applied: NodeDataChanged from the data table.
    /// (setACL fires nothing.)
    pub fn node_data_changed(
        &mut self,
        changed: &str,
        zxid: i64,
        mut filter: impl FnMut(ConnId, &WatcherEvent) -> bool,
    ) -> Vec<Notification> {
        let mut out = Vec::new();
        let kind = EventType::NodeDataChanged;
        Self::fire(
            &mut self.data,
            changed,
            kind,
            zxid,
            &[],
            &mut filter,
            &mut out,
        );
        out
    }

    /// setWatches / setWatches2 after a reconnect (`DataTree.setWatches`):
    /// lists are handled in record order (data, exist, child, persistent,
    /// recursive); `lookup` gives a node's zxids or `None` when it is
    /// missing. Catch-up events carry zxid −1 and are not ACL-filtered.
    ///
    /// * data: missing → NodeDeleted; mzxid > `relative_zxid` →
    ///   NodeDataChanged; else a standard data watch;
    /// * exist: present → NodeCreated; else a standard data watch;
    /// * child: missing → NodeDeleted; pzxid > `relative_zxid` →
    ///   NodeChildrenChanged; else a standard child watch;
    /// * persistent / recursive: registered as by addWatch, no event.
    ///
    /// A setWatches (101) request is a `SetWatches2` with empty persistent
    /// lists.
    pub fn set_watches(
        &mut self,
        conn: ConnId,
        req: &SetWatches2,
        lookup: impl Fn(&str) -> Option<NodeZxids>,
    ) -> Vec<Notification> {
        let mut out = Vec::new();
        let mut push = |kind: EventType, p: &str| {
            out.push(Notification {
                conn,
                zxid: -1,
                event: event(kind, p),
            })
        };
        let rel = req.relative_zxid;
        for p in &req.data_watches {
            match lookup(p) {
                None => push(EventType::NodeDeleted, p),
                Some(z) if z.mzxid > rel => push(EventType::NodeDataChanged, p),
                Some(_) => self.add_data_watch(p, conn),
            }
        }
        for p in &req.exist_watches {
            match lookup(p) {
                Some(_) => push(EventType::NodeCreated, p),
                None => self.add_data_watch(p, conn),
            }
        }
        for p in &req.child_watches {
            match lookup(p) {
                None => push(EventType::NodeDeleted, p),
                Some(z) if z.pzxid > rel => push(EventType::NodeChildrenChanged, p),
                Some(_) => self.add_child_watch(p, conn),
            }
        }
        for p in &req.persistent_watches {
            self.add_watch(p, conn, AddWatchMode::Persistent);
        }
        for p in &req.persistent_recursive_watches {
            self.add_watch(p, conn, AddWatchMode::PersistentRecursive);
        }
        out
    }

    /// checkWatches: whether `conn` holds a watch of type `kind` on `path`
    /// (see the module documentation for the matching rules).
    pub fn contains(&self, path: &str, conn: ConnId, kind: WatcherType) -> bool {
        let data = self.data.modes(path, conn);
        let child = self.child.modes(path, conn);
        match kind {
            WatcherType::Children => !child.is_empty(),
            WatcherType::Data => !data.is_empty(),
            WatcherType::Any => !child.is_empty() || !data.is_empty(),
            WatcherType::Persistent => data.has(WatchMode::Persistent),
            WatcherType::PersistentRecursive => data.has(WatchMode::PersistentRecursive),
        }
    }

    /// checkWatches as ZooKeeper 3.8.0 answers it (`DataTree.containsWatcher`
    /// before ZOOKEEPER-4466): a table matches when any connection watches
    /// the path there, or `conn` holds a recursive watch on it; Any asks the
    /// child table, then the data table. `None` where 3.8.0 threw (a path
    /// without `/`: MarshallingError to the client).
    pub fn contains_3_8_0(&self, path: &str, conn: ConnId, kind: WatcherType) -> Option<bool> {
        let child = |this: &Self| this.child.contains_3_8_0(path, conn);
        match kind {
            WatcherType::Children => child(self),
            WatcherType::Data => self.data.contains_3_8_0(path, conn),
            _ => {
                let c = child(self)?;
                let d = self.data.contains_3_8_0(path, conn)?;
                Some(c || d)
            }
        }
    }

    /// removeWatches: removes `conn`'s watches of type `kind` on `path` and
    /// says whether anything was removed (NoWatcher otherwise). No event is
    /// sent; clients make their own `*WatchRemoved` events.
    pub fn remove(&mut self, path: &str, conn: ConnId, kind: WatcherType) -> bool {
        match kind {
            WatcherType::Children => self.child.remove(path, conn, None),
            WatcherType::Data => self.data.remove(path, conn, None),
            WatcherType::Any => {
                let c = self.child.remove(path, conn, None);
                let d = self.data.remove(path, conn, None);
                c || d
            }
            WatcherType::Persistent => {
                let mode = Some(WatchMode::Persistent);
                let c = self.child.remove(path, conn, mode);
                let d = self.data.remove(path, conn, mode);
                c || d
            }
            WatcherType::PersistentRecursive => {
                self.data
                    .remove(path, conn, Some(WatchMode::PersistentRecursive))
            }
        }
    }

    /// Drops every watch of a closed connection.
    pub fn remove_connection(&mut self, conn: ConnId) {
        self.data.remove_conn(conn);
        self.child.remove_conn(conn);
    }

    /// `zk_watch_count`: (path, connection) pairs in both tables.
    pub fn watch_count(&self) -> usize {
        self.data.pairs() + self.child.pairs()
    }

    /// The counts of one table. ZooKeeper's `wchs` and the admin `watch_summary`
    /// report the data table only.
    pub fn summary(&self, kind: TableKind) -> WatchSummary {
        let t = self.table(kind);
        WatchSummary {
            connections: t.connections(),
            paths: t.paths(),
            watches: t.pairs(),
        }
    }

    /// `wchc`: each connection's watched paths in one table (ZooKeeper's
    /// report reads the data table), sorted.
    pub fn paths_by_connection(&self, kind: TableKind) -> BTreeMap<ConnId, Vec<String>> {
        self.table(kind)
            .by_conn()
            .iter()
            .map(|(c, p)| (*c, p.iter().cloned().collect()))
            .collect()
    }

    /// `wchp`: each watched path's connections in one table, sorted.
    pub fn connections_by_path(&self, kind: TableKind) -> BTreeMap<String, Vec<ConnId>> {
        self.table(kind)
            .by_path()
            .map(|(p, c)| (p.to_owned(), c))
            .collect()
    }

    /// The modes `conn` holds on `path` in one table.
    pub fn modes(&self, path: &str, conn: ConnId, kind: TableKind) -> Modes {
        self.table(kind).modes(path, conn)
    }
}
