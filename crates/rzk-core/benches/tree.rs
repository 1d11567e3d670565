//! Micro-benchmarks of rzk-core's hot paths at scale: the DataTree's
//! getData, setData and create with 1,000,000 znodes in it, a snapshot
//! walk of that tree, and one setData firing 10,000 data watches. Everything is built through the
//! public API. Run with `cargo bench -p rzk-core --bench tree` (building
//! the tree takes a few seconds before the first measurement).

// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]
#![allow(clippy::unwrap_used)] // bench code: a panic is the failure report

use std::cell::RefCell;
use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use rzk_core::persist::SnapshotWalk;
use rzk_core::tree::DataTree;
use rzk_core::watch::WatchManager;
use rzk_proto::data::Acl;

/// Znodes in the big tree (leaves; plus PARENTS parents).
const NODES: u64 = 1_000_000;
/// Leaves per parent, as `rzk bench large-tree` lays them out.
const FANOUT: u64 = 1000;
/// Watchers of the watch-trigger benchmark.
const WATCHERS: u64 = 10_000;

fn leaf(i: u64) -> String {
    format!("/big/p{}/n{i}", i / FANOUT)
}

/// A tree with NODES leaves of 100 bytes under NODES / FANOUT parents.
fn big_tree() -> DataTree {
    let mut tree = DataTree::default();
    let acl = Acl::open_unsafe();
    let value = Bytes::from(vec![0x5A; 100]);
    let mut zxid = 1;
    let mut create = |tree: &mut DataTree, path: &str, data: Option<Bytes>| {
        tree.create_node(path, data, &acl, 0, -1, zxid, 0)
            .unwrap_or_else(|e| panic!("create {path}: {e:?}"));
        zxid += 1;
    };
    create(&mut tree, "/big", None);
    for p in 0..NODES / FANOUT {
        create(&mut tree, &format!("/big/p{p}"), None);
    }
    for i in 0..NODES {
        create(&mut tree, &leaf(i), Some(value.clone()));
    }
    tree
}

/// A fixed pseudo-random walk over the leaves, so lookups miss the cache
/// as a real load would.
fn spread(n: usize) -> Vec<String> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            leaf(x % NODES)
        })
        .collect()
}

fn tree_at_1m(c: &mut Criterion) {
    let tree = RefCell::new(big_tree());
    // An empty tree counts 5 (the root twice, as ZooKeeper does, and the
    // three /zookeeper nodes); then /big, the parents and the leaves.
    assert_eq!(
        tree.borrow().znode_count() as u64,
        5 + 1 + NODES / FANOUT + NODES
    );
    let paths = spread(4096);
    let mut g = c.benchmark_group("tree_1m");

    g.bench_function("get_data", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % paths.len();
            let t = tree.borrow();
            black_box(t.node(&paths[i]).map(|n| n.data().map(Bytes::len)))
        })
    });

    let value = Bytes::from(vec![0xA5; 100]);
    g.bench_function("set_data", |b| {
        let mut i = 0;
        let mut zxid = 10_000_000;
        b.iter(|| {
            i = (i + 1) % paths.len();
            zxid += 1;
            black_box(
                tree.borrow_mut()
                    .set_data(&paths[i], Some(value.clone()), 1, zxid, 0)
                    .unwrap(),
            )
        })
    });

    // Creates new leaves; each batch's setup deletes as many as the last
    // batch created (untimed), so the tree stays at one million.
    let created = RefCell::new(Vec::<String>::new());
    let acl = Acl::open_unsafe();
    g.bench_function("create", |b| {
        let mut n = 0u64;
        let mut zxid = 20_000_000;
        b.iter_batched(
            || {
                if let Some(old) = created.borrow_mut().pop() {
                    zxid += 1;
                    tree.borrow_mut().delete_node(&old, zxid).unwrap();
                }
                n += 1;
                format!("/big/p{}/new{n}", n % (NODES / FANOUT))
            },
            |path| {
                tree.borrow_mut()
                    .create_node(&path, Some(value.clone()), &acl, 0, -1, 30_000_000, 0)
                    .unwrap();
                created.borrow_mut().push(path);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// A whole snapshot of the 1M-znode tree, walked in the 32-node steps the
/// server takes between requests (the bytes are serialized, not written).
fn snapshot_walk(c: &mut Criterion) {
    let tree = big_tree();
    let mut g = c.benchmark_group("snapshot_1m");
    g.sample_size(10);
    let mut out = BytesMut::with_capacity(2 << 20);
    g.bench_function("walk_in_32_node_steps", |b| {
        b.iter(|| {
            out.clear();
            let mut walk = SnapshotWalk::begin_unsealed(&tree, &[], i64::MAX, &mut out);
            while !walk.step(&tree, 32, &mut out, i64::MAX, None) {
                if out.len() >= 1 << 20 {
                    out.clear();
                }
            }
            assert_eq!(walk.nodes_written() as usize, tree.znode_count() - 1);
            black_box(walk.nodes_written())
        })
    });
    g.finish();
}

fn watch_trigger(c: &mut Criterion) {
    let mut prepared = WatchManager::new();
    for conn in 0..WATCHERS {
        prepared.add_data_watch("/watched", conn);
    }
    let mut g = c.benchmark_group("watch");
    g.bench_function("set_data_fires_10k_watches", |b| {
        b.iter_batched_ref(
            // Standard watches are one-shot: each run needs them set again.
            || prepared.clone(),
            |wm| {
                let fired = wm.node_data_changed("/watched", 7, |_, _| true);
                assert_eq!(fired.len() as u64, WATCHERS);
                black_box(fired)
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, tree_at_1m, snapshot_walk, watch_trigger);
criterion_main!(benches);
