//! Micro-benchmarks of the txn log's append path: encoding and buffering
//! txns, and a group commit of 64 of them (write + padding; the data sync
//! is off so the figure is the CPU cost, not the disk's). Run with
//! `cargo bench -p rzk-storage --bench txnlog`.

// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]
#![allow(clippy::unwrap_used)] // bench code: a panic is the failure report

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rzk_proto::jute::Record;
use rzk_proto::txn::{SetDataTxn, TxnBody, TxnEntry};
use rzk_storage::{Disk, FsDisk, LogOptions, SimDisk, TxnLog};

/// A setData txn of `value` bytes, as the server logs it.
fn txn(zxid: i64, value: usize) -> Vec<u8> {
    TxnEntry::new(
        0x100,
        1,
        zxid,
        1_700_000_000_000,
        TxnBody::SetData(SetDataTxn {
            path: "/bench/key-000042".into(),
            data: Some(vec![0x5A; value].into()),
            version: 1,
        }),
        None,
    )
    .to_bytes()
    .to_vec()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("txnlog");
    let one = txn(1, 100);
    g.throughput(Throughput::Elements(64));
    for (name, disk) in [
        (
            "group commit of 64 x 100 B txns, SimDisk",
            Arc::new(SimDisk::new()) as Arc<dyn Disk>,
        ),
        (
            "group commit of 64 x 100 B txns, FsDisk (no fsync)",
            Arc::new(FsDisk) as Arc<dyn Disk>,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("version-2");
        let mut log = TxnLog::open(
            disk,
            path,
            LogOptions {
                prealloc_size: 64 << 20,
                force_sync: false,
                size_limit: None,
            },
        )
        .unwrap();
        let mut zxid = 0i64;
        g.bench_function(name, |b| {
            b.iter(|| {
                for _ in 0..64 {
                    zxid += 1;
                    log.append(zxid, black_box(&one)).unwrap();
                }
                log.commit().unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
