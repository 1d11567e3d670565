//! The iteration order of Java's `HashMap`/`HashSet`, for printing a loaded
//! snapshot in the order ZooKeeper's `SnapshotFormatter` prints it (a
//! node's children come from a `HashSet<String>`, sessions from a
//! `HashMap<Long, Integer>`).
//!
//! Java iterates a hash map bucket by bucket; a key's bucket is its spread
//! hash (`h ^ (h >>> 16)`) masked by the table size, and keys sharing a
//! bucket come in insertion order (resizing splits a bucket without
//! reordering it). The table size depends on the insertion history: it
//! doubles when the size passes three quarters of it, and also when a
//! bucket reaches 9 keys while the table is smaller than 64 (instead of
//! turning the bucket into a tree). This module replays that history.
//!
//! Not replayed: once a table has 64 buckets, a bucket reaching 9 keys
//! becomes a red-black tree whose iteration order depends on the tree's
//! shape. That takes 9 keys with equal low hash bits, which real znode
//! names practically never have; [`JavaHashOrder::treeified`] says when it
//! happened, so the caller can warn that the order may differ.

use std::collections::BTreeSet;

/// Java's `HashMap.TREEIFY_THRESHOLD` minus one: a bucket already holding
/// this many keys treeifies (or resizes) when one more arrives.
const TREEIFY_AT: usize = 8;

/// Java's `HashMap.MIN_TREEIFY_CAPACITY`.
const MIN_TREEIFY_CAPACITY: usize = 64;

/// Java's `String.hashCode` (over UTF-16 code units).
pub fn string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Java's `Long.hashCode`.
pub fn long_hash(v: i64) -> i32 {
    (v ^ ((v as u64) >> 32) as i64) as i32
}

/// The keys of one Java hash map in the order Java iterates them.
///
/// Guarantees: keys are unique (inserting an existing key changes
/// nothing, as `put` keeps its position); [`JavaHashOrder::iter`] yields
/// the order Java would, unless [`JavaHashOrder::treeified`] is true.
#[derive(Debug, Clone)]
pub struct JavaHashOrder<K> {
    /// Table size once allocated (Java allocates on the first put).
    capacity: usize,
    threshold: usize,
    keys: Vec<(u32, K)>,
    seen: BTreeSet<K>,
    bucket_len: Vec<usize>,
    treeified: bool,
}

impl<K: Ord + Clone> JavaHashOrder<K> {
    /// `new HashMap<>()`: 16 buckets at the first put.
    pub fn new() -> Self {
        Self::with_initial_capacity(16)
    }

    /// `new HashMap<>(initial)` (`new HashSet<>(initial)`): the table size
    /// is the next power of two, allocated at the first put.
    pub fn with_initial_capacity(initial: usize) -> Self {
        let capacity = initial.max(1).next_power_of_two();
        Self {
            capacity,
            threshold: capacity * 3 / 4,
            keys: Vec::new(),
            seen: BTreeSet::new(),
            bucket_len: Vec::new(),
            treeified: false,
        }
    }

    /// `put(key, …)` with `hash` = the key's Java `hashCode()`. Returns
    /// whether the key was new.
    pub fn insert(&mut self, hash: i32, key: K) -> bool {
        if self.seen.contains(&key) {
            return false;
        }
        if self.bucket_len.is_empty() {
            self.bucket_len = vec![0; self.capacity];
        }
        let spread = spread(hash);
        let bucket = self.bucket(spread);
        let already = self.bucket_len[bucket];
        self.seen.insert(key.clone());
        self.keys.push((spread, key));
        self.bucket_len[bucket] += 1;
        if already >= TREEIFY_AT {
            if self.capacity < MIN_TREEIFY_CAPACITY {
                self.resize();
            } else {
                self.treeified = true;
            }
        }
        if self.keys.len() > self.threshold {
            self.resize();
        }
        true
    }

    /// The keys in Java's iteration order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        let mut order: Vec<(usize, usize)> = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, (h, _))| (self.bucket(*h), i))
            .collect();
        order.sort_unstable();
        order.into_iter().map(move |(_, i)| &self.keys[i].1)
    }

    /// Whether some bucket became a tree in Java, so the order within it
    /// may differ from the one given here.
    pub fn treeified(&self) -> bool {
        self.treeified
    }

    fn bucket(&self, spread: u32) -> usize {
        spread as usize & (self.capacity - 1)
    }

    fn resize(&mut self) {
        self.capacity *= 2;
        self.threshold = self.capacity * 3 / 4;
        let mut lens = vec![0; self.capacity];
        for (h, _) in &self.keys {
            lens[*h as usize & (self.capacity - 1)] += 1;
        }
        self.bucket_len = lens;
    }
}

impl<K: Ord + Clone> Default for JavaHashOrder<K> {
    fn default() -> Self {
        Self::new()
    }
}

/// `HashMap.hash`: the high half folded into the low half.
fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(names: &[&str], initial: usize) -> Vec<String> {
        let mut set = JavaHashOrder::with_initial_capacity(initial);
        for n in names {
            set.insert(string_hash(n), n.to_string());
        }
        set.iter().cloned().collect()
    }

    #[test]
    fn hashes_match_java() {
        // Values printed by Java: "app".hashCode(), "zookeeper".hashCode(), …
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("app"), 96801);
        assert_eq!(string_hash("zookeeper"), 1_600_681_804);
        assert_eq!(string_hash("é"), 233);
        assert_eq!(string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
        assert_eq!(
            long_hash(0x0100_0a3b_c1d2_0001),
            0x0100_0a3b ^ 0xc1d2_0001_u32 as i32
        );
        assert_eq!(long_hash(-1), 0);
    }

    #[test]
    fn the_formatters_orders_for_the_golden_snapshot() {
        // What SnapshotFormatter 3.8.0 printed for the golden snapshot.
        assert_eq!(order(&["zookeeper", "app"], 8), ["app", "zookeeper"]);
        assert_eq!(
            order(&["é", "container", "ttl"], 8),
            ["container", "é", "ttl"]
        );
        assert_eq!(order(&["quota", "config"], 8), ["config", "quota"]);
        let mut sessions = JavaHashOrder::new();
        for sid in [0x0100_0a3b_c1d2_0002_i64, 0x0100_0a3b_c1d2_0001] {
            sessions.insert(long_hash(sid), sid);
        }
        let got: Vec<i64> = sessions.iter().copied().collect();
        assert_eq!(got, [0x0100_0a3b_c1d2_0001, 0x0100_0a3b_c1d2_0002]);
    }

    #[test]
    fn growth_follows_the_load_factor() {
        // HashSet(8): 8 buckets up to 6 keys, then 16 up to 12, then 32.
        let mut set = JavaHashOrder::with_initial_capacity(8);
        for i in 0..6 {
            set.insert(i, i);
        }
        assert_eq!(set.capacity, 8);
        set.insert(6, 6);
        assert_eq!(set.capacity, 16);
        for i in 7..13 {
            set.insert(i, i);
        }
        assert_eq!(set.capacity, 32);
        // Keys 0..13 hash to themselves: bucket order is numeric order.
        assert_eq!(
            set.iter().copied().collect::<Vec<_>>(),
            (0..13).collect::<Vec<_>>()
        );
        assert!(!set.insert(3, 3), "a present key changes nothing");
        assert_eq!(set.iter().count(), 13);
    }

    #[test]
    fn collisions_keep_insertion_order_and_resize_small_tables() {
        // Hashes 16 apart share a bucket in a 16-table.
        let mut set = JavaHashOrder::new();
        for k in [48, 16, 32, 0] {
            set.insert(k, k);
        }
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), [48, 16, 32, 0]);
        // A ninth key in one bucket of a table under 64 doubles the table.
        let mut set = JavaHashOrder::new();
        for i in 0..9 {
            set.insert(i * 64, i * 64);
        }
        assert_eq!(set.capacity, 32);
        assert!(!set.treeified());
        // Far more colliding keys: Java's tables reach 64 and then treeify.
        for i in 9..20 {
            set.insert(i * 64, i * 64);
        }
        assert!(set.treeified());
    }

    #[test]
    fn spread_mixes_the_high_half_in() {
        let mut set = JavaHashOrder::new();
        // 0x10000 spreads to 0x10001 (bucket 1); 1 stays in bucket 1; 2 is
        // bucket 2.
        set.insert(2, 2);
        set.insert(0x10000, 0x10000);
        set.insert(1, 1);
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), [0x10000, 1, 2]);
    }
}
