//! Tick buckets (`PROTOCOL.md` §3.9, `srv/ExpiryQueue`).
//!
//! An element touched at `now` with timeout `t` goes to the bucket
//! `((now + t) / interval + 1) × interval`: the next interval boundary
//! strictly after `now + t`. Rounding *up* gives every session a grace of
//! up to one tick and lets the tracker expire whole buckets at once, so a
//! server with many sessions wakes once per tick, not once per session.
//!
//! Unlike Java's queue, which polls one interval per wake-up from a cursor
//! seeded with the wall clock, [`ExpiryQueue::poll`] takes `now` and drains
//! every bucket whose time has come, in time order and element order, so
//! the result does not depend on how often it is called.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;

/// Elements grouped by the time (ms) their bucket expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryQueue<E: Ord + Copy> {
    interval: i64,
    /// Element → its bucket time.
    elems: BTreeMap<E, i64>,
    /// Bucket time → elements. Never holds an empty set.
    buckets: BTreeMap<i64, BTreeSet<E>>,
}

impl<E: Ord + Copy> ExpiryQueue<E> {
    /// An empty queue with buckets `interval` ms wide (ZooKeeper uses the
    /// tickTime for sessions).
    pub fn new(interval: NonZeroU32) -> Self {
        Self {
            interval: i64::from(interval.get()),
            elems: BTreeMap::new(),
            buckets: BTreeMap::new(),
        }
    }

    /// The bucket width in ms.
    pub fn interval(&self) -> i64 {
        self.interval
    }

    /// `roundToNextInterval`: the first bucket boundary strictly after
    /// `time`. Saturates instead of overflowing on absurd inputs.
    pub fn round_to_next_interval(&self, time: i64) -> i64 {
        (time.div_euclid(self.interval).saturating_add(1)).saturating_mul(self.interval)
    }

    /// `update`: (re)places `elem` in the bucket for `now + timeout` and
    /// returns the new bucket time, or `None` when it was already there.
    pub fn update(&mut self, elem: E, now: i64, timeout: i32) -> Option<i64> {
        let at = self.round_to_next_interval(now.saturating_add(i64::from(timeout)));
        let prev = self.elems.insert(elem, at);
        if prev == Some(at) {
            return None;
        }
        if let Some(prev) = prev {
            self.take_from_bucket(prev, elem);
        }
        self.buckets.entry(at).or_default().insert(elem);
        Some(at)
    }

    /// `remove`: forgets `elem`; returns the bucket time it had.
    pub fn remove(&mut self, elem: E) -> Option<i64> {
        let at = self.elems.remove(&elem)?;
        self.take_from_bucket(at, elem);
        Some(at)
    }

    fn take_from_bucket(&mut self, at: i64, elem: E) {
        if let Some(set) = self.buckets.get_mut(&at) {
            set.remove(&elem);
            // Java leaves empty sets for the poller to discard; we drop them
            // at once so `dump` and `next_expiration` see only live buckets.
            if set.is_empty() {
                self.buckets.remove(&at);
            }
        }
    }

    /// The bucket time of `elem`, if queued.
    pub fn expiry_of(&self, elem: E) -> Option<i64> {
        self.elems.get(&elem).copied()
    }

    /// The earliest bucket time, i.e. when the runtime should next call
    /// [`Self::poll`]; `None` when the queue is empty.
    pub fn next_expiration(&self) -> Option<i64> {
        self.buckets.keys().next().copied()
    }

    /// Removes and returns every element whose bucket time is ≤ `now`,
    /// earliest bucket first, ascending within a bucket.
    pub fn poll(&mut self, now: i64) -> Vec<E> {
        let later = match now.checked_add(1) {
            Some(n) => self.buckets.split_off(&n),
            None => BTreeMap::new(),
        };
        let due = std::mem::replace(&mut self.buckets, later);
        let mut out = Vec::new();
        for set in due.into_values() {
            for e in set {
                self.elems.remove(&e);
                out.push(e);
            }
        }
        out
    }

    /// The buckets in time order, for `dump` (`getExpiryMap`).
    pub fn buckets(&self) -> impl Iterator<Item = (i64, &BTreeSet<E>)> {
        self.buckets.iter().map(|(t, s)| (*t, s))
    }

    /// Number of queued elements.
    pub fn len(&self) -> usize {
        self.elems.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.elems.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(interval: u32) -> ExpiryQueue<u64> {
        ExpiryQueue::new(NonZeroU32::new(interval).unwrap())
    }

    /// §3.9: `((now + timeout) / tick + 1) × tick`.
    #[test]
    fn bucket_formula() {
        let mut q = q(2000);
        assert_eq!(q.update(1, 0, 4000), Some(6000));
        assert_eq!(q.update(2, 1999, 4000), Some(6000));
        assert_eq!(q.update(3, 2000, 4000), Some(8000));
        assert_eq!(q.update(4, 2001, 3999), Some(8000));
        assert_eq!(q.round_to_next_interval(-1), 0);
        assert_eq!(q.round_to_next_interval(i64::MAX), i64::MAX);
    }

    #[test]
    fn touch_moves_between_buckets_and_reports_no_change() {
        let mut q = q(10);
        assert_eq!(q.update(7, 0, 30), Some(40));
        assert_eq!(q.update(7, 5, 30), None, "same bucket");
        assert_eq!(q.update(7, 12, 30), Some(50));
        assert_eq!(q.buckets().map(|(t, _)| t).collect::<Vec<_>>(), [50]);
        assert_eq!(q.expiry_of(7), Some(50));
        assert_eq!(q.remove(7), Some(50));
        assert_eq!(q.remove(7), None);
        assert!(q.is_empty());
        assert_eq!(q.next_expiration(), None);
    }

    #[test]
    fn poll_drains_due_buckets_in_order() {
        let mut q = q(10);
        q.update(9, 0, 10); // 20
        q.update(3, 0, 10); // 20
        q.update(5, 0, 0); // 10
        q.update(1, 0, 40); // 50
        assert_eq!(q.next_expiration(), Some(10));
        assert_eq!(q.poll(9), Vec::<u64>::new());
        assert_eq!(q.poll(25), [5, 3, 9]);
        assert_eq!(q.len(), 1);
        assert_eq!(q.poll(i64::MAX), [1]);
        assert!(q.is_empty());
    }
}
