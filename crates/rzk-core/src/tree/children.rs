//! A node's children: name to arena index, sorted by name, cheap to copy.
//!
//! Copies matter because a frozen tree (a snapshot being written) shares
//! every node with the live tree, and the live tree's first change to a
//! shared map copies it. Two representations keep that copy small at any
//! size without slowing down the common case:
//!
//! * up to [`SMALL_MAX`] children, a `BTreeMap` behind an `Arc`: compact
//!   (nodes packed full when built from a sorted list, as a snapshot load
//!   does), fast to look up, and copied whole on the first change while
//!   shared — at most [`SMALL_MAX`] entries, tens of microseconds;
//! * above that, a persistent B-tree (`imbl::OrdMap`), where a change
//!   copies only the few map nodes on its path. Copying a `BTreeMap` of a
//!   million children would stall the writer for tens of milliseconds.
//!   Its nodes are half full when filled in order, so it costs about twice
//!   the memory and is built a few times slower; only large parents pay.
//!
//! A map that grows past [`SMALL_MAX`] becomes persistent and stays so
//! until it is emptied.

use std::collections::{btree_map, BTreeMap};
use std::ops::Bound;
use std::sync::Arc;

use super::node::{Name, NodeId};

/// Children above which a map is persistent.
const SMALL_MAX: usize = 4096;

type Persistent = imbl::OrdMap<Name, NodeId>;

/// Children by name, sorted. See the module documentation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Children(Repr);

#[derive(Debug, Clone, Default)]
enum Repr {
    #[default]
    Empty,
    Small(Arc<BTreeMap<Name, NodeId>>),
    Large(Box<Persistent>),
}

impl Children {
    /// No children.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Number of children.
    pub(crate) fn len(&self) -> usize {
        match &self.0 {
            Repr::Empty => 0,
            Repr::Small(m) => m.len(),
            Repr::Large(m) => m.len(),
        }
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The child called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&NodeId> {
        match &self.0 {
            Repr::Empty => None,
            Repr::Small(m) => m.get(name),
            Repr::Large(m) => m.get(name),
        }
    }

    /// Adds or replaces the child `name`; returns the one replaced.
    pub(crate) fn insert(&mut self, name: Name, id: NodeId) -> Option<NodeId> {
        let old = match &mut self.0 {
            Repr::Empty => {
                self.0 = Repr::Small(Arc::new(BTreeMap::from([(name, id)])));
                return None;
            }
            Repr::Small(m) => Arc::make_mut(m).insert(name, id),
            Repr::Large(m) => return m.insert(name, id),
        };
        if let Repr::Small(m) = &mut self.0 {
            if m.len() > SMALL_MAX {
                let m = std::mem::take(Arc::make_mut(m));
                self.0 = Repr::Large(Box::new(m.into_iter().collect()));
            }
        }
        old
    }

    /// Removes the child `name`, returning its index.
    pub(crate) fn remove(&mut self, name: &str) -> Option<NodeId> {
        let removed = match &mut self.0 {
            Repr::Empty => None,
            Repr::Small(m) => {
                if !m.contains_key(name) {
                    // Not copied while shared just to find nothing.
                    return None;
                }
                Arc::make_mut(m).remove(name)
            }
            Repr::Large(m) => m.remove(name),
        };
        if removed.is_some() && self.is_empty() {
            self.0 = Repr::Empty;
        }
        removed
    }

    /// Every child, by name.
    pub(crate) fn iter(&self) -> ChildRange<'_> {
        self.after(None)
    }

    /// The children whose names sort after `after` (all for `None`).
    pub(crate) fn after(&self, after: Option<&str>) -> ChildRange<'_> {
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        ChildRange(match &self.0 {
            Repr::Empty => RangeRepr::Empty,
            Repr::Small(m) => RangeRepr::Small(m.range::<str, _>((from, Bound::Unbounded))),
            Repr::Large(m) => RangeRepr::Large(m.range::<_, str>((from, Bound::Unbounded))),
        })
    }

    /// The names, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Name> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// The indices, in name order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &NodeId> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// Adds every pair of `sorted` (ascending, distinct names) to a node
    /// that has no children yet; a map that has some takes them one by
    /// one.
    pub(crate) fn extend_sorted(&mut self, sorted: Vec<(Name, NodeId)>) {
        if !self.is_empty() {
            for (name, id) in sorted {
                self.insert(name, id);
            }
            return;
        }
        self.0 = if sorted.is_empty() {
            Repr::Empty
        } else if sorted.len() <= SMALL_MAX {
            // Sorted input: BTreeMap builds packed nodes in one pass.
            Repr::Small(Arc::new(sorted.into_iter().collect()))
        } else {
            Repr::Large(Box::new(sorted.into_iter().collect()))
        };
    }

    /// Every child, by value (taking the map apart).
    pub(crate) fn into_pairs(self) -> Vec<(Name, NodeId)> {
        match self.0 {
            Repr::Empty => Vec::new(),
            Repr::Small(m) => Arc::unwrap_or_clone(m).into_iter().collect(),
            Repr::Large(m) => m.into_iter().collect(),
        }
    }

    /// Whether this map is the persistent kind (for tests).
    #[cfg(test)]
    fn is_persistent(&self) -> bool {
        matches!(self.0, Repr::Large(_))
    }
}

/// Children in name order, from [`Children::iter`] or [`Children::after`].
#[derive(Debug)]
pub(crate) struct ChildRange<'a>(RangeRepr<'a>);

#[derive(Debug)]
enum RangeRepr<'a> {
    Empty,
    Small(btree_map::Range<'a, Name, NodeId>),
    Large(imbl::ordmap::RangedIter<'a, Name, NodeId, imbl::shared_ptr::DefaultSharedPtr>),
}

impl<'a> Iterator for ChildRange<'a> {
    type Item = (&'a Name, &'a NodeId);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            RangeRepr::Empty => None,
            RangeRepr::Small(r) => r.next(),
            RangeRepr::Large(r) => r.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(i: usize) -> Name {
        Name::from(format!("n{i:06}"))
    }

    /// Every pair, in order.
    fn pairs(c: &Children) -> Vec<(Name, NodeId)> {
        c.iter().map(|(k, &v)| (k.clone(), v)).collect()
    }

    /// Both representations behave as one sorted map, across growth past
    /// the threshold, removal down to nothing and copies that are changed
    /// independently.
    #[test]
    fn both_kinds_behave_as_a_sorted_map_and_copies_are_independent() {
        let mut c = Children::new();
        let mut model = BTreeMap::new();
        assert!(c.is_empty() && c.get("n000000").is_none());
        // Inserted out of order (odd then even), past the threshold.
        let n = SMALL_MAX + 100;
        for i in (1..n).step_by(2).chain((0..n).step_by(2)) {
            assert_eq!(c.insert(name(i), i as NodeId), None);
            model.insert(name(i), i as NodeId);
            if i == 1 {
                assert!(!c.is_persistent());
            }
        }
        assert!(c.is_persistent());
        assert_eq!(c.len(), n);
        let snapshot = c.clone();
        assert_eq!(c.insert(name(7), 70), Some(7));
        model.insert(name(7), 70);
        for i in (0..n).step_by(3) {
            assert_eq!(c.remove(&name(i)), Some(model[&name(i)]));
            model.remove(&name(i));
        }
        assert_eq!(c.remove(&name(0)), None);
        assert_eq!(pairs(&c), model.clone().into_iter().collect::<Vec<_>>());
        let after: Vec<_> = c.after(Some("n000010")).map(|(k, _)| k.clone()).collect();
        let want: Vec<_> = model
            .range::<str, _>((Bound::Excluded("n000010"), Bound::Unbounded))
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(after, want);
        // The copy taken before is untouched.
        assert_eq!(snapshot.len(), n);
        assert_eq!(snapshot.get(&name(7)), Some(&7));
        assert_eq!(snapshot.get(&name(0)), Some(&0));
        // Emptied, the map holds nothing at all.
        for (k, _) in model {
            c.remove(&k);
        }
        assert!(c.is_empty() && matches!(c.0, Repr::Empty));
        assert_eq!(c.into_pairs(), Vec::new());
        assert_eq!(snapshot.into_pairs().len(), n);
    }

    #[test]
    fn a_small_map_copied_then_changed_leaves_the_copy_alone() {
        let mut c = Children::new();
        c.extend_sorted((0..10).map(|i| (name(i), i as NodeId)).collect());
        assert!(!c.is_persistent());
        let frozen = c.clone();
        c.insert(name(100), 100);
        assert_eq!(c.remove(&name(3)), Some(3));
        assert_eq!(c.remove(&name(3)), None);
        assert_eq!(frozen.len(), 10);
        assert_eq!(frozen.get(&name(3)), Some(&3));
        assert_eq!(frozen.get(&name(100)), None);
        assert_eq!(
            c.keys().cloned().collect::<Vec<_>>(),
            [0, 1, 2, 4, 5, 6, 7, 8, 9, 100].map(name)
        );
        assert_eq!(c.values().copied().sum::<NodeId>(), 45 - 3 + 100);
    }

    #[test]
    fn a_sorted_load_picks_the_kind_by_size_and_extends_a_nonempty_map() {
        let big: Vec<_> = (0..SMALL_MAX + 1).map(|i| (name(i), i as NodeId)).collect();
        let mut c = Children::new();
        c.extend_sorted(big.clone());
        assert!(c.is_persistent());
        assert_eq!(pairs(&c), big);
        let mut c = Children::new();
        c.insert(name(5), 5);
        c.extend_sorted(vec![(name(1), 1), (name(9), 9)]);
        assert_eq!(pairs(&c), vec![(name(1), 1), (name(5), 5), (name(9), 9)]);
        let mut c = Children::new();
        c.extend_sorted(Vec::new());
        assert!(c.is_empty());
    }
}
