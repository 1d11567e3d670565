//! How long a restart of a large database takes: builds a tree of N
//! znodes, writes its snapshot with the stepped walk, then restores it
//! (decode + tree build + digest, then the server over it) and prints the
//! times. With a path argument the snapshot is also written there, so
//! Apache ZooKeeper can be timed loading the same file (its log says
//! "Snapshot loaded in N ms").
//!
//! `cargo run --release -p rzk-core --example restore_bench -- 1000000 [dir]`

use std::num::NonZeroU32;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use rzk_core::persist::{restore_snapshot, Recovered, SnapshotWalk};
use rzk_core::request::digest::full_tree_digest;
use rzk_core::shell::Now;
use rzk_core::standalone::{Standalone, StandaloneConfig};
use rzk_core::tree::{DataTree, ExtendedTypes};
use rzk_proto::data::Acl;

/// Times are the point of this program; it is not protocol code.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

/// CPU time this thread has run, in ns (Linux's schedstat), so a busy
/// machine's waiting is not counted; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn cpu_ms_since(start: Option<u64>) -> String {
    match (start, cpu_ns()) {
        (Some(a), Some(b)) => format!("{:.1} ms cpu", (b - a) as f64 / 1e6),
        _ => "cpu time unknown".into(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let first = args.next().unwrap_or_else(|| "1000000".into());
    if let Some(name) = first
        .rsplit('/')
        .next()
        .filter(|n| n.starts_with("snapshot."))
    {
        // A snapshot file (e.g. one Apache ZooKeeper wrote): time loading it.
        let zxid = i64::from_str_radix(&name["snapshot.".len()..], 16)?;
        let file = Bytes::from(std::fs::read(&first)?);
        return restarts(&file, zxid, None);
    }
    let n: usize = first.parse()?;
    let dir = args.next();

    // 1000 children per parent, 32 bytes of data each, a few ACLs.
    let t = now();
    let mut tree = DataTree::new(ExtendedTypes::default());
    let acls = [Acl::open_unsafe(), Acl::read_unsafe(), Acl::creator_all()];
    let mut zxid = 0i64;
    let data = Bytes::from_static(b"0123456789abcdef0123456789abcdef");
    let parents = n.div_ceil(1000);
    for p in 0..parents {
        zxid += 1;
        tree.create_node(
            &format!("/app{p:04}"),
            Some(data.clone()),
            &acls[0],
            0,
            -1,
            zxid,
            zxid,
        )?;
        for c in 0..999.min(n - p * 1000 - 1) {
            zxid += 1;
            let path = format!("/app{p:04}/node-{c:06}");
            tree.create_node(&path, Some(data.clone()), &acls[c % 3], 0, -1, zxid, zxid)?;
        }
    }
    let digest = full_tree_digest(&tree) as i64;
    println!(
        "built {} znodes in {:?}, digest {digest}",
        tree.znode_count() - 1,
        t.elapsed()
    );

    let t = now();
    let mut out = BytesMut::new();
    let sessions = [(0x0100_0000_0000_0001, 30_000)];
    let mut walk = SnapshotWalk::begin(&tree, &sessions, zxid, &mut out);
    let mut steps = 0;
    while !walk.step(&tree, 1000, &mut out, zxid, Some(digest)) {
        steps += 1;
    }
    let file = out.freeze();
    println!(
        "snapshot: {} bytes in {steps} steps of 1000 nodes, {:?}",
        file.len(),
        t.elapsed()
    );
    drop(tree);
    if let Some(dir) = dir {
        let path = format!("{dir}/snapshot.{zxid:x}");
        std::fs::write(&path, &file)?;
        println!("wrote {path}");
    }

    restarts(&file, zxid, Some(digest))
}

/// Restores `file` (named after `zxid`) five times, timing each restart.
fn restarts(
    file: &Bytes,
    zxid: i64,
    digest: Option<i64>,
) -> Result<(), Box<dyn std::error::Error>> {
    for round in 0..5 {
        let (t, cpu) = (now(), cpu_ns());
        let restored = restore_snapshot(file.clone(), ExtendedTypes::default())?;
        let loaded = (t.elapsed(), cpu_ms_since(cpu));
        let rec = Recovered::from_snapshot(restored, zxid);
        assert_eq!(rec.digest_mismatch(), None);
        let cfg = StandaloneConfig::with_tick_time(NonZeroU32::new(2000).ok_or("tick")?);
        let server = Standalone::restore(cfg, rec, Now::default());
        let total = (t.elapsed(), cpu_ms_since(cpu));
        let tree = server.engine().tree();
        if let Some(d) = digest {
            assert_eq!(server.engine().tree_digest(), d);
        }
        println!(
            "round {round}: restore_snapshot {:?} ({}), restart total {:?} ({}); {} znodes, digest {}",
            loaded.0,
            loaded.1,
            total.0,
            total.1,
            tree.znode_count() - 1,
            server.engine().tree_digest()
        );
    }
    Ok(())
}
