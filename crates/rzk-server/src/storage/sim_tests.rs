//! Recovery of the whole server state on a simulated disk: the real core,
//! the real txn log and snapshot files, and rzk-storage's crash-modelling
//! [`SimDisk`], under power loss (unsynced data lost, the last write torn),
//! full disks during log commits and snapshots, and corrupted snapshots.
//!
//! The invariant, checked after every restart: the recovered database is
//! exactly the state the live server had after some zxid at or past the
//! last acknowledged one (its tree digest matches the one recorded after
//! that zxid), so no acknowledged write is lost and nothing half-applied
//! or invented appears. Every failure names its seed; `RZK_SIM_SEED=n`
//! reruns one. `RZK_SIM_SEEDS` sets the count (default 1000).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rzk_core::persist::FrozenWalk;
use rzk_core::standalone::{Standalone, StandaloneConfig};
use rzk_core::tree::ephemeral::ExtendedTypes;
use rzk_proto::client::{
    ConnectRequest, CreateRequest, DeleteRequest, MultiOp, MultiRequest, Request, RequestFrame,
    SetDataRequest,
};
use rzk_proto::codes::{CreateMode, OpCode};
use rzk_proto::data::Acl;
use rzk_proto::disk::{parse_snapshot_file_name, SnapCompression};
use rzk_proto::jute::Record;
use rzk_storage::snapfile::uncompress;
use rzk_storage::{Disk, SimDisk, SnapshotSink, TxnLog};

use super::flush_policy::FlushPolicy;
use super::open::{open_on, StorageConfig, StorageStartError};
use super::snapshot_thread::{self, Sealed};
use crate::core::Now;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn now(ms: i64) -> Now {
    Now {
        wall_ms: 1_700_000_000_000 + ms,
        mono_ms: ms,
    }
}

fn peer() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 40000))
}

/// A running server over the simulated disk.
struct Server {
    core: Standalone,
    log: TxnLog,
    conn: u64,
    xid: i32,
    /// A snapshot being written: the walk of the frozen state, its file.
    snap: Option<(FrozenWalk, Sealed)>,
}

enum Boot {
    Up(Box<Server>),
    /// Recovery refused: every snapshot was corrupted.
    NoSnapshot(String),
}

struct World {
    seed: u64,
    cfg: StorageConfig,
    /// The tree digest after each zxid of the current history.
    digests: BTreeMap<i64, i64>,
    /// The highest zxid a commit acknowledged.
    acked: i64,
    t: i64,
    conns: u64,
}

impl World {
    fn boot(&mut self, disk: &SimDisk) -> Boot {
        let types = ExtendedTypes::default();
        let disk_dyn: Arc<dyn Disk> = Arc::new(disk.clone());
        let opened = match open_on(disk_dyn.clone(), &self.cfg, types) {
            Ok(o) => o,
            Err(StorageStartError::NoUsableSnapshot { tried, .. }) => {
                return Boot::NoSnapshot(tried)
            }
            Err(e) => panic!("seed {}: recovery refused: {e}", self.seed),
        };
        let recovered_zxid = opened.recovered.last_zxid;
        assert!(
            recovered_zxid >= self.acked,
            "seed {}: acknowledged zxid 0x{:x} lost (recovered 0x{recovered_zxid:x})",
            self.seed,
            self.acked
        );
        let cfg = StandaloneConfig::with_tick_time(NonZeroU32::new(2000).unwrap());
        let core = Standalone::restore(cfg, opened.recovered, now(self.t));
        let digest = core.engine().tree_digest();
        if recovered_zxid > 0 || !self.digests.is_empty() {
            let expected = self.digests.get(&recovered_zxid).copied();
            assert_eq!(
                Some(digest),
                expected,
                "seed {}: the tree recovered at 0x{recovered_zxid:x} is not the state the server had after that zxid",
                self.seed
            );
        }
        // Txns after the recovered zxid are gone; their zxids will be
        // reused by new txns.
        self.digests.retain(|z, _| *z <= recovered_zxid);
        self.digests.insert(recovered_zxid, digest);
        let mut server = Server {
            core,
            log: opened.log,
            conn: 0,
            xid: 0,
            snap: None,
        };
        // Txns restoring applied, and the first snapshot, as the server.
        self.log_new_txns(&mut server);
        if server.log.commit().is_ok() {
            self.acked = server.core.last_zxid();
        }
        if !opened.had_snapshot {
            let _ = snapshot_thread::write_now(
                disk_dyn,
                &self.cfg.snap_dir(),
                self.cfg.snapshot_compression,
                server.core.freeze_snapshot(),
            );
        }
        self.conns += 1;
        server.conn = self.conns;
        server.core.open(server.conn, peer(), now(self.t));
        let req = ConnectRequest {
            timeout: 30_000,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: Some(false),
            ..Default::default()
        };
        server.core.frame(server.conn, req.to_bytes(), now(self.t));
        self.log_new_txns(&mut server);
        Boot::Up(Box::new(server))
    }

    /// Appends the txns the core applied; records the digest after them.
    fn log_new_txns(&mut self, s: &mut Server) -> bool {
        let txns = s.core.take_txns();
        let mut ok = true;
        for t in &txns {
            if s.log.append(t.header.zxid, &t.to_bytes()).is_err() {
                ok = false;
            }
        }
        if let Some(last) = txns.last() {
            self.digests
                .insert(last.header.zxid, s.core.engine().tree_digest());
            // A frame applies one txn, so each zxid's digest is recorded.
            assert_eq!(txns.len(), 1, "seed {}: one frame, one txn", self.seed);
        }
        ok
    }

    fn write(&mut self, s: &mut Server, rng: &mut Rng) -> bool {
        let key = |rng: &mut Rng| format!("/k{}", rng.below(12));
        let data = |rng: &mut Rng| Some(Bytes::from(vec![b'x'; rng.below(300) as usize]));
        let req = match rng.below(4) {
            0 => Request::Create {
                opcode: OpCode::Create,
                request: CreateRequest {
                    path: key(rng),
                    data: data(rng),
                    acl: Acl::open_unsafe(),
                    flags: CreateMode::Persistent.code(),
                },
            },
            1 => Request::SetData(SetDataRequest {
                path: key(rng),
                data: data(rng),
                version: -1,
            }),
            2 => Request::Delete(DeleteRequest {
                path: key(rng),
                version: -1,
            }),
            _ => Request::Multi(MultiRequest {
                ops: vec![
                    MultiOp::Create {
                        opcode: OpCode::Create,
                        request: CreateRequest {
                            path: key(rng),
                            data: data(rng),
                            acl: Acl::open_unsafe(),
                            flags: CreateMode::Persistent.code(),
                        },
                    },
                    MultiOp::SetData(SetDataRequest {
                        path: key(rng),
                        data: data(rng),
                        version: -1,
                    }),
                ],
            }),
        };
        s.xid += 1;
        self.t += 1;
        s.core
            .frame(s.conn, RequestFrame::encode(s.xid, &req), now(self.t));
        self.log_new_txns(s)
    }
}

fn corrupt_a_snapshot(disk: &SimDisk, dir: &Path, rng: &mut Rng) -> Option<PathBuf> {
    let mut snaps: Vec<String> = disk
        .list(dir)
        .ok()?
        .into_iter()
        .filter(|n| n.starts_with("snapshot."))
        .collect();
    snaps.sort();
    if snaps.len() < 2 {
        return None;
    }
    let name = snaps.get(rng.below(snaps.len() as u64) as usize)?;
    let path = dir.join(name);
    let len = disk.read(&path).ok()?.len() as u64;
    disk.corrupt(&path, rng.below(len), 1 + rng.below(255) as u8)
        .ok()?;
    Some(path)
}

/// How often each path was taken, so the test fails if a fault stops
/// being exercised.
#[derive(Debug, Default)]
struct Coverage {
    restarts: u64,
    lost_unacked: u64,
    failed_commits: u64,
    snapshots_published: u64,
    fallbacks: u64,
    refusals: u64,
    power_cuts: u64,
}

fn run_seed(seed: u64, cov: &mut Coverage) {
    let mut rng = Rng(seed);
    let separate = rng.below(2) == 0;
    let cfg = StorageConfig {
        data_dir: PathBuf::from("/sim/data"),
        data_log_dir: PathBuf::from(if separate { "/sim/logs" } else { "/sim/data" }),
        snap_count: 100_000,
        snap_size_limit: None,
        txn_log_size_limit: None,
        // Small, so padding and extension happen often.
        prealloc_size: 8192,
        force_sync: true,
        fsync_warning_threshold_ms: 1000,
        snap_retain_count: 3,
        purge_interval: Duration::ZERO,
        // Every wrapping ZooKeeper writes, so that recovery meets each
        // under torn writes and lost data.
        snapshot_compression: [
            SnapCompression::Checked,
            SnapCompression::Gzip,
            SnapCompression::Snappy,
        ][rng.below(3) as usize],
        flush: FlushPolicy::default(),
        trust_empty_snapshot: false,
    };
    let mut world = World {
        seed,
        cfg,
        digests: BTreeMap::new(),
        acked: 0,
        t: 0,
        conns: 0,
    };
    let mut disk = SimDisk::new();
    let mut server = match world.boot(&disk) {
        Boot::Up(s) => s,
        Boot::NoSnapshot(why) => panic!("seed {seed}: a fresh disk has no snapshot problem: {why}"),
    };
    for _step in 0..120 {
        let roll = rng.below(100);
        let mut restart = false;
        if roll < 55 {
            if !world.write(&mut server, &mut rng) {
                restart = true; // the log cannot be written: the server stops
            }
        } else if roll < 75 {
            match server.log.commit() {
                Ok(()) => world.acked = server.core.last_zxid(),
                Err(_) => {
                    cov.failed_commits += 1;
                    restart = true;
                }
            }
        } else if roll < 85 {
            // Snapshot: freeze, or write a few nodes while the server goes
            // on, or publish (after the log covers it).
            let snap_dir = world.cfg.snap_dir();
            match server.snap.take() {
                None => {
                    let frozen = server.core.freeze_snapshot();
                    let _ = server.log.roll();
                    let disk_dyn: Arc<dyn Disk> = Arc::new(disk.clone());
                    if let Ok(sink) = SnapshotSink::create_as(
                        disk_dyn,
                        &snap_dir,
                        frozen.zxid(),
                        world.cfg.snapshot_compression,
                    ) {
                        let mut file = Sealed::new(sink);
                        let mut buf = BytesMut::new();
                        let walk = frozen.begin(&mut buf);
                        if file.write(&buf).is_ok() {
                            server.snap = Some((walk, file));
                        } else {
                            file.abandon();
                        }
                    }
                }
                Some((mut walk, mut file)) => {
                    let budget = 1 + rng.below(4) as usize;
                    let mut buf = BytesMut::new();
                    let tail = walk.step(budget, &mut buf);
                    if file.write(&buf).is_err() {
                        file.abandon();
                        continue;
                    }
                    match tail {
                        // Publish only once the log holds everything the
                        // frozen state contains.
                        Some(tail) => {
                            if server.log.commit().is_ok() {
                                world.acked = server.core.last_zxid();
                                if file.finish(&tail).is_ok() {
                                    cov.snapshots_published += 1;
                                }
                            } else {
                                file.abandon();
                                restart = true;
                            }
                        }
                        None => server.snap = Some((walk, file)),
                    }
                }
            }
        } else if roll < 92 {
            // Power loss.
            restart = true;
        } else if roll < 94 {
            // Power goes out a few disk operations from now: whatever the
            // server is doing then (a commit, a snapshot's rename) is cut.
            disk.power_cut_after(rng.below(8));
            cov.power_cuts += 1;
        } else if roll < 96 {
            // The disk fills up a little past where it is.
            let used = disk.used_space();
            disk.set_space_limit(Some(used + rng.below(600)));
        } else if corrupt_a_snapshot(&disk, &world.cfg.snap_dir(), &mut rng).is_some() {
            // A corrupted snapshot: recovery must fall back to an older
            // one (logs are never purged here) or refuse if none is left.
            cov.fallbacks += 1;
            restart = true;
        }
        if restart {
            cov.restarts += 1;
            let before = server.core.last_zxid();
            drop(server);
            disk.set_space_limit(None);
            disk = disk.crash(rng.next());
            disk.restore_power();
            match world.boot(&disk) {
                Boot::Up(s) => {
                    if s.core.last_zxid() < before {
                        cov.lost_unacked += 1;
                    }
                    server = s;
                }
                Boot::NoSnapshot(why) => {
                    // Acceptable only if every snapshot is really corrupt:
                    // each must fail to load on its own.
                    let dir = world.cfg.snap_dir();
                    for name in disk.list(&dir).unwrap_or_default() {
                        if let Some((_, compression)) = parse_snapshot_file_name(&name) {
                            let file = disk.read(&dir.join(&name)).unwrap();
                            let loads = uncompress(compression, file).is_ok_and(|bytes| {
                                rzk_core::persist::restore_snapshot(bytes, ExtendedTypes::default())
                                    .is_ok()
                            });
                            assert!(
                                !loads,
                                "seed {seed}: refused to start although {name} loads: {why}"
                            );
                        }
                    }
                    cov.refusals += 1;
                    break;
                }
            }
        }
    }
}

#[test]
fn recovery_on_a_simulated_disk() {
    let mut cov = Coverage::default();
    if let Ok(one) = std::env::var("RZK_SIM_SEED") {
        run_seed(one.parse().expect("RZK_SIM_SEED is a number"), &mut cov);
        return;
    }
    let seeds: u64 = std::env::var("RZK_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    for seed in 0..seeds {
        run_seed(seed, &mut cov);
    }
    println!("{seeds} seeds: {cov:?}");
    if seeds >= 1000 {
        assert!(cov.restarts > 1000, "{cov:?}");
        assert!(
            cov.lost_unacked > 100,
            "unsynced txns are never lost: {cov:?}"
        );
        assert!(cov.failed_commits > 50, "{cov:?}");
        assert!(cov.snapshots_published > 200, "{cov:?}");
        assert!(cov.fallbacks > 50, "{cov:?}");
    }
}
