//! The reference-counted ACL cache (`srv/ReferenceCountedACLCache`,
//! `PROTOCOL.md` §6.3): each distinct ACL list is stored once under a
//! number, and nodes hold the number. Numbers are handed out 1, 2, 3… and
//! never reused while the tree lives; −1 stands for OPEN_ACL_UNSAFE and is
//! never stored. An entry disappears when its last user lets go.
//!
//! As in ZooKeeper, only a *missing* ACL maps to −1 (the built-in nodes and
//! snapshot nodes that carry −1); an explicit `[31, world, anyone]` from a
//! client is an ordinary entry. Snapshots therefore round-trip.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use rzk_proto::data::Acl;

/// The reference meaning OPEN_ACL_UNSAFE.
pub const OPEN_ACL_REF: i64 = -1;

/// An ACL list as a map key: ordered entry by entry on (perms, scheme, id),
/// since the jute record type has no `Ord`.
#[derive(Debug, Clone)]
struct AclKey(Arc<[Acl]>);

impl AclKey {
    fn cmp_lists(a: &[Acl], b: &[Acl]) -> Ordering {
        fn key(x: &Acl) -> (i32, &str, &str) {
            (x.perms, x.id.scheme.as_str(), x.id.id.as_str())
        }
        a.iter().map(key).cmp(b.iter().map(key))
    }
}

impl PartialEq for AclKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for AclKey {}
impl PartialOrd for AclKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for AclKey {
    fn cmp(&self, other: &Self) -> Ordering {
        Self::cmp_lists(&self.0, &other.0)
    }
}

#[derive(Debug, Clone)]
struct Entry {
    acl: Arc<[Acl]>,
    refs: u64,
}

/// The cache. Lookups by number and by list are both logarithmic, and
/// iteration is in number order, so a snapshot writer sees a stable order.
#[derive(Debug, Clone)]
pub struct AclCache {
    by_ref: BTreeMap<i64, Entry>,
    by_acl: BTreeMap<AclKey, i64>,
    /// The last number handed out (`aclIndex`).
    last: i64,
    open: Arc<[Acl]>,
}

impl Default for AclCache {
    fn default() -> Self {
        Self::new()
    }
}

impl AclCache {
    /// An empty cache; the first new ACL gets number 1.
    pub fn new() -> Self {
        Self {
            by_ref: BTreeMap::new(),
            by_acl: BTreeMap::new(),
            last: 0,
            open: Acl::open_unsafe().into(),
        }
    }

    /// `convertAcls`: the number for `acl` (allocating the next one for a
    /// list not yet stored), with its use count raised by one.
    pub fn intern(&mut self, acl: &[Acl]) -> i64 {
        // The probe key is built from a fresh Arc; it is cheap next to the
        // create or setACL that calls this, and keeps the maps simple.
        let key = AclKey(acl.into());
        let r = match self.by_acl.get(&key) {
            Some(&r) => r,
            None => {
                self.last += 1;
                let r = self.last;
                self.by_ref.insert(
                    r,
                    Entry {
                        acl: key.0.clone(),
                        refs: 0,
                    },
                );
                self.by_acl.insert(key, r);
                r
            }
        };
        self.add_usage(r);
        r
    }

    /// `addUsage`: one more user of `r`. Unknown numbers and −1 are
    /// ignored, as in ZooKeeper.
    pub fn add_usage(&mut self, r: i64) {
        if let Some(e) = self.by_ref.get_mut(&r) {
            e.refs += 1;
        }
    }

    /// `removeUsage`: one user fewer; the entry goes when none are left.
    /// Unknown numbers and −1 are ignored.
    pub fn release(&mut self, r: i64) {
        let Some(e) = self.by_ref.get_mut(&r) else {
            return;
        };
        e.refs = e.refs.saturating_sub(1);
        if e.refs == 0 {
            self.remove(r);
        }
    }

    fn remove(&mut self, r: i64) {
        if let Some(e) = self.by_ref.remove(&r) {
            // A loaded snapshot may hold one list under two numbers; the
            // list's lookup entry belongs to whichever was stored last, and
            // must not go with the other one.
            let key = AclKey(e.acl);
            if self.by_acl.get(&key) == Some(&r) {
                self.by_acl.remove(&key);
            }
        }
    }

    /// `convertLong`: the list behind `r` (OPEN_ACL_UNSAFE for −1), or
    /// `None` for a number not in the cache (Java throws).
    pub fn get(&self, r: i64) -> Option<&Arc<[Acl]>> {
        if r == OPEN_ACL_REF {
            return Some(&self.open);
        }
        self.by_ref.get(&r).map(|e| &e.acl)
    }

    /// The use count of `r` (0 for unknown numbers and −1).
    pub fn refs(&self, r: i64) -> u64 {
        self.by_ref.get(&r).map_or(0, |e| e.refs)
    }

    /// Number of stored lists (`aclCacheSize`).
    pub fn len(&self) -> usize {
        self.by_ref.len()
    }

    /// Whether no list is stored.
    pub fn is_empty(&self) -> bool {
        self.by_ref.is_empty()
    }

    /// Every stored (number, list), in number order — what a snapshot
    /// writes.
    pub fn entries(&self) -> impl Iterator<Item = (i64, &[Acl])> {
        self.by_ref.iter().map(|(r, e)| (*r, &e.acl[..]))
    }

    /// Snapshot loading (`deserialize`): stores `acl` under `r` with no
    /// users yet, and keeps later numbers above every loaded one.
    pub fn insert_loaded(&mut self, r: i64, acl: Vec<Acl>) {
        self.remove(r);
        let key = AclKey(acl.into());
        self.by_acl.insert(key.clone(), r);
        self.by_ref.insert(
            r,
            Entry {
                acl: key.0,
                refs: 0,
            },
        );
        self.last = self.last.max(r);
    }

    /// Keeps every number up to `r` from being handed out again. A
    /// snapshot written while ACLs changed may give a node a number its
    /// ACL cache section lacks (ZooKeeper loads such a node and the
    /// replayed setACL repairs it); until then the number must not come to
    /// mean some other list.
    pub fn reserve(&mut self, r: i64) {
        self.last = self.last.max(r);
    }

    /// `purgeUnused`: drops entries no node uses (after snapshot loading).
    pub fn purge_unused(&mut self) {
        let unused: Vec<i64> = self
            .by_ref
            .iter()
            .filter(|(_, e)| e.refs == 0)
            .map(|(r, _)| *r)
            .collect();
        for r in unused {
            self.remove(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rzk_proto::data::Id;

    /// §6.3: refs 1, 2, 3…, −1 is open and never stored, counts drop
    /// entries at zero, numbers are not reused.
    #[test]
    fn numbering_and_counts_6_3() {
        let mut c = AclCache::new();
        let open = Acl::open_unsafe();
        let read = Acl::read_unsafe();
        assert_eq!(c.intern(&read), 1);
        assert_eq!(c.intern(&open), 2); // explicit open is a normal entry
        assert_eq!(c.intern(&read), 1);
        assert_eq!(c.refs(1), 2);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(OPEN_ACL_REF).map(|a| a.to_vec()), Some(open.clone()));
        c.add_usage(OPEN_ACL_REF); // ignored
        c.release(OPEN_ACL_REF);
        assert_eq!(c.refs(OPEN_ACL_REF), 0);
        c.release(2);
        assert_eq!(c.get(2), None);
        assert_eq!(c.intern(&open), 3); // 2 is not reused
        c.release(1);
        c.release(1);
        assert!(c.get(1).is_none());
        c.release(99); // unknown: ignored
        assert_eq!(c.entries().map(|(r, _)| r).collect::<Vec<_>>(), vec![3]);
        // Same entries in a different order are a different list.
        let ab = vec![
            Acl::new(1, Id::new("ip", "1.1.1.1")),
            Acl::new(1, Id::anyone()),
        ];
        let ba: Vec<Acl> = ab.iter().rev().cloned().collect();
        assert_ne!(c.intern(&ab), c.intern(&ba));
    }

    #[test]
    fn snapshot_loading_6_3() {
        let mut c = AclCache::new();
        c.insert_loaded(7, Acl::read_unsafe());
        c.insert_loaded(3, Acl::open_unsafe());
        c.add_usage(3);
        c.purge_unused();
        assert!(c.get(7).is_none());
        assert_eq!(c.intern(&Acl::open_unsafe()), 3);
        assert_eq!(c.intern(&Acl::read_unsafe()), 8);
        assert!(!c.is_empty());
        c.reserve(20);
        c.reserve(10);
        assert_eq!(c.intern(&Acl::creator_all()), 21);
    }

    /// The same list loaded under two numbers: dropping the older number
    /// keeps the list findable under the newer one.
    #[test]
    fn a_list_loaded_twice_survives_losing_one_number() {
        let mut c = AclCache::new();
        c.insert_loaded(1, Acl::read_unsafe());
        c.insert_loaded(2, Acl::read_unsafe());
        c.add_usage(1);
        c.add_usage(2);
        c.release(1);
        assert_eq!(c.intern(&Acl::read_unsafe()), 2);
        assert_eq!(c.refs(2), 2);
    }
}
