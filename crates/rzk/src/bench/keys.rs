//! The key space of `rzk bench run`: where keys live (flat or a tree), which
//! session owns which keys, and each session's book of the keys that exist.
//!
//! Every key belongs to exactly one session, and only that session touches
//! it. So a session knows, without asking the server, which of its keys
//! exist and at which version: creates use names never used before (no
//! NodeExists by design), deletes and CAS target keys that exist at the
//! version the driver expects (no NoNode/BadVersion by design). Any error
//! that shows up is then the server's doing, and is reported.

use std::collections::BTreeMap;

use super::rng::{mix64, Rng};

/// How keys are laid out under the run's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// Every key a child of the run's root.
    Flat,
    /// Keys spread over 16 × 16 directories two levels below the root, so
    /// paths are deeper and parents smaller.
    Tree,
}

/// Directories per level of the tree shape.
const FANOUT: u64 = 16;

/// Names and partitions of one run's keys.
#[derive(Debug, Clone)]
pub struct KeySpace {
    root: String,
    shape: Shape,
    keys: u64,
    sessions: u64,
}

impl KeySpace {
    /// `keys` keys under `root` (the run's own znode), split evenly over
    /// `sessions` sessions.
    pub fn new(root: impl Into<String>, shape: Shape, keys: u64, sessions: u64) -> Self {
        Self {
            root: root.into(),
            shape,
            keys,
            sessions: sessions.max(1),
        }
    }

    /// The run's root znode.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The directories below the root to create before any key, parents
    /// before children.
    pub fn dirs(&self) -> Vec<String> {
        match self.shape {
            Shape::Flat => Vec::new(),
            Shape::Tree => {
                let mut out = Vec::with_capacity((FANOUT * (FANOUT + 1)) as usize);
                for a in 0..FANOUT {
                    out.push(format!("{}/d{a:x}", self.root));
                }
                for a in 0..FANOUT {
                    for b in 0..FANOUT {
                        out.push(format!("{}/d{a:x}/d{b:x}", self.root));
                    }
                }
                out
            }
        }
    }

    /// How many keys session `session` owns before the measurement.
    pub fn initial_keys(&self, session: u64) -> u64 {
        let base = self.keys / self.sessions;
        base + u64::from(session < self.keys % self.sessions)
    }

    /// The parent znode of key `id` of `session`.
    pub fn parent(&self, session: u64, id: u64) -> String {
        match self.shape {
            Shape::Flat => self.root.clone(),
            Shape::Tree => {
                let h = mix64((session << 40) ^ id);
                format!(
                    "{}/d{:x}/d{:x}",
                    self.root,
                    h % FANOUT,
                    (h / FANOUT) % FANOUT
                )
            }
        }
    }

    /// The path of key `id` of `session`. Distinct (session, id) pairs give
    /// distinct paths.
    pub fn path(&self, session: u64, id: u64) -> String {
        format!("{}/s{session}-{id}", self.parent(session, id))
    }
}

/// One session's book of its keys: which exist, at which version, and which
/// have requests in flight.
#[derive(Debug, Clone)]
pub struct KeyPool {
    /// Keys that exist and have no delete planned, in no order.
    present: Vec<u64>,
    /// The data version of each key id ever created (index = id).
    versions: Vec<i32>,
    /// Requests in flight per key id (absent = none).
    busy: BTreeMap<u64, u32>,
    next_id: u64,
}

/// Random draws an exclusive pick makes before giving up on a pool whose
/// keys are all busy.
const EXCLUSIVE_TRIES: usize = 16;

impl KeyPool {
    /// A pool whose keys `0..initial` exist at version 0.
    pub fn new(initial: u64) -> Self {
        Self {
            present: (0..initial).collect(),
            versions: vec![0; initial as usize],
            busy: BTreeMap::new(),
            next_id: initial,
        }
    }

    /// Keys that exist now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.present.len()
    }

    /// A key id never used before, for a create.
    pub fn fresh(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Records that key `id` now exists at version 0.
    pub fn created(&mut self, id: u64) {
        let i = id as usize;
        if self.versions.len() <= i {
            self.versions.resize(i + 1, 0);
        }
        self.versions[i] = 0;
        self.present.push(id);
    }

    /// Any existing key (for reads); `None` when there is none.
    pub fn pick_any(&self, rng: &mut Rng) -> Option<u64> {
        if self.present.is_empty() {
            return None;
        }
        Some(self.present[rng.below(self.present.len() as u64) as usize])
    }

    fn pick_idle_index(&self, rng: &mut Rng) -> Option<usize> {
        if self.present.is_empty() {
            return None;
        }
        (0..EXCLUSIVE_TRIES)
            .map(|_| rng.below(self.present.len() as u64) as usize)
            .find(|i| !self.busy.contains_key(&self.present[*i]))
    }

    /// An existing key with nothing in flight (for writes, which must not
    /// race another request on the same key); `None` when none was found.
    pub fn pick_idle(&self, rng: &mut Rng) -> Option<u64> {
        self.pick_idle_index(rng).map(|i| self.present[i])
    }

    /// An existing key with nothing in flight, removed from the pool now so
    /// no later request targets it: the key a delete will remove.
    pub fn take_for_delete(&mut self, rng: &mut Rng) -> Option<u64> {
        let i = self.pick_idle_index(rng)?;
        Some(self.present.swap_remove(i))
    }

    /// Forgets key `id` (a write on it failed: its state is unknown).
    pub fn retire(&mut self, id: u64) {
        if let Some(i) = self.present.iter().position(|k| *k == id) {
            self.present.swap_remove(i);
        }
    }

    /// The version the server holds for key `id`, as far as the driver knows.
    pub fn version(&self, id: u64) -> i32 {
        self.versions.get(id as usize).copied().unwrap_or(0)
    }

    /// Records one successful setData of key `id`.
    pub fn bump(&mut self, id: u64) {
        if let Some(v) = self.versions.get_mut(id as usize) {
            *v = v.wrapping_add(1);
        }
    }

    /// Marks a request on key `id` as sent.
    pub fn begin(&mut self, id: u64) {
        *self.busy.entry(id).or_insert(0) += 1;
    }

    /// Marks a request on key `id` as answered.
    pub fn end(&mut self, id: u64) {
        if let Some(n) = self.busy.get_mut(&id) {
            *n -= 1;
            if *n == 0 {
                self.busy.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn partitions_cover_the_key_space_exactly() {
        let ks = KeySpace::new("/r", Shape::Flat, 10, 3);
        let sizes: Vec<u64> = (0..3).map(|s| ks.initial_keys(s)).collect();
        assert_eq!(sizes, vec![4, 3, 3]);
        assert_eq!(sizes.iter().sum::<u64>(), 10);
    }

    #[test]
    fn paths_are_distinct_and_under_their_parents() {
        for shape in [Shape::Flat, Shape::Tree] {
            let ks = KeySpace::new("/bench/run-1", shape, 100, 4);
            let dirs: BTreeSet<String> = ks.dirs().into_iter().collect();
            let mut paths = BTreeSet::new();
            for s in 0..4 {
                for id in 0..200 {
                    let p = ks.path(s, id);
                    let parent = ks.parent(s, id);
                    assert!(p.starts_with(&format!("{parent}/")), "{p} under {parent}");
                    if shape == Shape::Tree {
                        assert!(dirs.contains(&parent), "{parent} is created first");
                    } else {
                        assert_eq!(parent, "/bench/run-1");
                    }
                    assert!(paths.insert(p));
                }
            }
        }
    }

    #[test]
    fn tree_dirs_come_parents_first() {
        let ks = KeySpace::new("/r", Shape::Tree, 1, 1);
        let dirs = ks.dirs();
        assert_eq!(dirs.len(), 16 + 256);
        let mut made = BTreeSet::from(["/r".to_string()]);
        for d in dirs {
            let parent = &d[..d.rfind('/').unwrap()];
            assert!(made.contains(parent), "{d} before {parent}");
            made.insert(d);
        }
    }

    #[test]
    fn deletes_take_idle_keys_out_of_the_pool() {
        let mut pool = KeyPool::new(2);
        let mut rng = Rng::new(5);
        pool.begin(0);
        // Key 0 is busy: a delete can only take key 1.
        assert_eq!(pool.take_for_delete(&mut rng), Some(1));
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.take_for_delete(&mut rng), None, "0 is still busy");
        assert_eq!(
            pool.pick_any(&mut rng),
            Some(0),
            "reads may share a busy key"
        );
        pool.end(0);
        assert_eq!(pool.take_for_delete(&mut rng), Some(0));
        assert_eq!(pool.pick_any(&mut rng), None);
    }

    #[test]
    fn creates_use_fresh_ids_and_versions_follow_sets() {
        let mut pool = KeyPool::new(3);
        let id = pool.fresh();
        assert_eq!(id, 3);
        assert_eq!(pool.fresh(), 4, "never reused, even if the first fails");
        pool.created(id);
        assert_eq!(pool.len(), 4);
        pool.bump(id);
        pool.bump(id);
        assert_eq!(pool.version(id), 2);
        pool.retire(id);
        assert_eq!(pool.len(), 3);
    }
}
