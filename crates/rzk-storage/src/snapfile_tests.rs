use std::fs;
use std::sync::Arc;

use bytes::Bytes;
use rzk_proto::data::StatPersisted;
use rzk_proto::disk::{
    parse_log_file_name, DataTreeImage, FileHeader, SessionEntry, SnapNode, Snapshot, SnapshotTail,
    TreeHead, ZxidDigest, OPEN_ACL_UNSAFE_REF,
};

use super::*;
use crate::compress::{gzip, snappy_java_encode};
use crate::FsDisk;

fn snapshot(nodes: usize, data_len: usize) -> Snapshot {
    let mut list = vec![SnapNode {
        path: String::new(),
        acl_ref: OPEN_ACL_UNSAFE_REF,
        ..SnapNode::default()
    }];
    for i in 0..nodes {
        list.push(SnapNode {
            path: format!("/n{i}"),
            data: Some(Bytes::from(vec![b'a' + (i % 26) as u8; data_len])),
            acl_ref: OPEN_ACL_UNSAFE_REF,
            stat: StatPersisted {
                czxid: i as i64 + 1,
                mzxid: i as i64 + 1,
                pzxid: i as i64 + 1,
                ..StatPersisted::default()
            },
        });
    }
    Snapshot {
        header: FileHeader::snapshot(),
        tree: DataTreeImage {
            head: TreeHead {
                sessions: vec![SessionEntry {
                    session_id: 0x100,
                    timeout: 30000,
                }],
                acl_cache: vec![],
            },
            nodes: list,
        },
        tail: SnapshotTail {
            digest: Some(ZxidDigest::new(nodes as i64, 12345)),
            last_processed_zxid: None,
        },
    }
}

fn disk() -> Arc<dyn Disk> {
    Arc::new(FsDisk)
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    n.sort();
    n
}

/// Writes `bytes` (over 101,000 of them) as small pieces, a piece bigger
/// than the sink's buffer, then the rest.
fn write_in_mixed_pieces(sink: &mut SnapshotSink, bytes: &[u8]) {
    let (a, rest) = bytes.split_at(1000);
    let (b, c) = rest.split_at(100_000);
    for piece in a.chunks(7) {
        sink.write(piece).unwrap();
    }
    sink.write(b).unwrap();
    sink.write(c).unwrap();
}

#[test]
fn the_temporary_name_is_neither_a_snapshot_nor_a_log_to_zookeeper() {
    for zxid in [0, 1, 0x1_0000_000b, i64::MAX] {
        let name = tmp_snapshot_name(zxid);
        assert!(parse_snapshot_file_name(&name).is_none(), "{name}");
        assert!(parse_log_file_name(&name).is_none(), "{name}");
        assert!(!name.starts_with("snapshot.") && !name.starts_with("log."));
    }
    assert_eq!(tmp_snapshot_name(0x1_0000_000b), "tmp.snapshot.10000000b");
}

#[test]
fn a_finished_sink_installs_the_exact_bytes_under_the_snapshot_name() {
    let d = tempfile::tempdir().unwrap();
    let snap = snapshot(50, 3000); // ~150 KiB: several buffer flushes
    let bytes = snap.encode();
    let mut sink = SnapshotSink::create(disk(), d.path(), 0x1_0000_0032).unwrap();
    assert_eq!(sink.tmp_path(), d.path().join("tmp.snapshot.100000032"));
    assert!(sink.is_empty());
    write_in_mixed_pieces(&mut sink, &bytes);
    assert_eq!(sink.len(), bytes.len() as u64);
    let path = sink.finish().unwrap();
    assert_eq!(path, d.path().join("snapshot.100000032"));
    assert_eq!(names(d.path()), vec!["snapshot.100000032"]);
    let back = fs::read(&path).unwrap();
    assert_eq!(back, &bytes[..]);
    assert_eq!(Snapshot::decode(back).unwrap(), snap);
}

#[test]
fn a_compressed_sink_installs_a_gz_or_snappy_file_that_unwraps_to_the_stream() {
    let snap = snapshot(60, 3000); // ~180 KiB: several blocks and flushes
    let bytes = snap.encode();
    for (compression, name) in [
        (SnapCompression::Gzip, "snapshot.100000032.gz"),
        (SnapCompression::Snappy, "snapshot.100000032.snappy"),
    ] {
        let d = tempfile::tempdir().unwrap();
        let mut sink =
            SnapshotSink::create_as(disk(), d.path(), 0x1_0000_0032, compression).unwrap();
        assert_eq!(sink.tmp_path(), d.path().join("tmp.snapshot.100000032"));
        write_in_mixed_pieces(&mut sink, &bytes);
        assert_eq!(sink.len(), bytes.len() as u64, "{compression:?}");
        let path = sink.finish().unwrap();
        assert_eq!(path, d.path().join(name));
        assert_eq!(names(d.path()), vec![name]);
        let file = fs::read(&path).unwrap();
        // Compressed: the test data repeats, so much smaller.
        assert!(
            file.len() < bytes.len() / 4,
            "{compression:?}: {}",
            file.len()
        );
        // ZooKeeper's cheap check, then its whole read.
        let found = snapshot_candidates(disk().as_ref(), d.path()).unwrap();
        assert_eq!(found.len(), 1, "{compression:?}");
        assert_eq!(found[0].compression, compression);
        let stream = read_snapshot(disk().as_ref(), &found[0]).unwrap();
        assert_eq!(stream, bytes, "{compression:?}");
        assert_eq!(Snapshot::decode(stream.to_vec()).unwrap(), snap);
    }
    // The same bytes the one-shot wrappers give (snappy framing is exact;
    // deflate output is only compared after unwrapping).
    let d = tempfile::tempdir().unwrap();
    let mut sink = SnapshotSink::create_as(disk(), d.path(), 3, SnapCompression::Snappy).unwrap();
    sink.write(&bytes).unwrap();
    let path = sink.finish().unwrap();
    assert_eq!(fs::read(path).unwrap(), snappy_java_encode(&bytes).unwrap());
}

#[test]
fn a_compressed_stream_is_sealed_by_its_uncompressed_bytes() {
    let bytes = snapshot(3, 10).encode();
    for compression in [SnapCompression::Gzip, SnapCompression::Snappy] {
        let d = tempfile::tempdir().unwrap();
        let mut sink = SnapshotSink::create_as(disk(), d.path(), 7, compression).unwrap();
        sink.write(&bytes[..bytes.len() - 1]).unwrap();
        let e = sink.finish().unwrap_err();
        assert!(matches!(e, SnapError::NotSealed { .. }), "{e}");
        assert!(names(d.path()).is_empty(), "{compression:?}");

        // Sealed, it is installed even when its bytes arrive one at a time.
        let mut sink = SnapshotSink::create_as(disk(), d.path(), 7, compression).unwrap();
        for b in bytes.iter() {
            sink.write(&[*b]).unwrap();
        }
        let path = sink.finish().unwrap();
        let file = fs::read(path).unwrap();
        assert_eq!(
            &uncompress(compression, file).unwrap()[..],
            &bytes[..],
            "{compression:?}"
        );
    }
}

#[test]
fn a_large_snapshot_goes_to_the_device_in_pieces_and_is_synced_once() {
    let sim = crate::SimDisk::new();
    let dir = Path::new("/srv/zk/version-2");
    sim.create_dir_all(dir).unwrap();
    let bytes = snapshot(100, 40_000).encode(); // ~4 MiB
    let before = sim.stats();
    let mut sink = SnapshotSink::create(Arc::new(sim.clone()), dir, 0x64).unwrap();
    let tmp = sink.tmp_path().to_path_buf();
    for piece in bytes.chunks(10_000) {
        sink.write(piece).unwrap();
    }
    let during = sim.stats();
    // One hand-over per WRITE_BEHIND bytes written through, and no sync:
    // each sync would be a cache flush the txn log's syncs wait behind.
    assert_eq!(
        during.write_behinds - before.write_behinds,
        sink.len() / WRITE_BEHIND,
        "{during:?}"
    );
    assert_eq!(during.syncs, before.syncs, "{during:?}");
    // Handing bytes over made none of them durable.
    assert_eq!(sim.synced_len(&tmp).unwrap_or(0), 0);
    let path = sink.finish().unwrap();
    assert_eq!(sim.stats().syncs - before.syncs, 1);
    assert_eq!(sim.synced_len(&path), Some(bytes.len() as u64));
    assert_eq!(sim.read(&path).unwrap(), &bytes[..]);
}

#[test]
fn the_tail_is_checked_however_the_last_bytes_arrive() {
    let d = tempfile::tempdir().unwrap();
    let bytes = snapshot(1, 1).encode();
    let mut sink = SnapshotSink::create(disk(), d.path(), 1).unwrap();
    for b in bytes.iter() {
        sink.write(&[*b]).unwrap();
    }
    sink.finish().unwrap();
    assert_eq!(fs::read(d.path().join("snapshot.1")).unwrap(), &bytes[..]);
}

#[test]
fn an_unsealed_stream_is_not_installed() {
    let d = tempfile::tempdir().unwrap();
    let bytes = snapshot(3, 10).encode();
    let mut sink = SnapshotSink::create(disk(), d.path(), 7).unwrap();
    sink.write(&bytes[..bytes.len() - 1]).unwrap();
    let e = sink.finish().unwrap_err();
    assert!(matches!(e, SnapError::NotSealed { .. }), "{e}");
    assert!(e.to_string().contains("tmp.snapshot.7"), "{e}");
    assert!(names(d.path()).is_empty());

    // Too short to be a snapshot even with the right last bytes.
    let mut sink = SnapshotSink::create(disk(), d.path(), 7).unwrap();
    sink.write(&[0, 0, 0, 1, b'/']).unwrap();
    assert!(matches!(
        sink.finish(),
        Err(SnapError::NotSealed { len: 5, .. })
    ));
    assert!(names(d.path()).is_empty());
}

#[test]
fn abandoning_or_dropping_removes_the_temporary_file() {
    let d = tempfile::tempdir().unwrap();
    let mut sink = SnapshotSink::create(disk(), d.path(), 9).unwrap();
    sink.write(b"partial").unwrap();
    assert_eq!(names(d.path()), vec!["tmp.snapshot.9"]);
    sink.abandon();
    assert!(names(d.path()).is_empty());

    {
        let mut sink = SnapshotSink::create(disk(), d.path(), 9).unwrap();
        sink.write(&[1u8; 100_000]).unwrap();
    }
    assert!(names(d.path()).is_empty());
}

#[test]
fn a_stale_temporary_file_of_the_same_zxid_is_replaced() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("tmp.snapshot.a"), vec![0xee; 50_000]).unwrap();
    let bytes = snapshot(2, 2).encode();
    let mut sink = SnapshotSink::create(disk(), d.path(), 10).unwrap();
    sink.write(&bytes).unwrap();
    let path = sink.finish().unwrap();
    assert_eq!(fs::read(path).unwrap(), &bytes[..]);
    assert_eq!(names(d.path()), vec!["snapshot.a"]);
}

#[test]
fn finishing_replaces_an_existing_snapshot_of_the_same_zxid() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("snapshot.5"), b"old").unwrap();
    let bytes = snapshot(1, 1).encode();
    let mut sink = SnapshotSink::create(disk(), d.path(), 5).unwrap();
    sink.write(&bytes).unwrap();
    sink.finish().unwrap();
    assert_eq!(fs::read(d.path().join("snapshot.5")).unwrap(), &bytes[..]);
}

#[test]
fn creating_in_a_missing_directory_names_it() {
    let d = tempfile::tempdir().unwrap();
    let e = SnapshotSink::create(disk(), &d.path().join("nope"), 1).unwrap_err();
    assert!(matches!(e, SnapError::Io { op: "create", .. }), "{e}");
    assert!(e.to_string().contains("nope/tmp.snapshot.1"), "{e}");
}

#[test]
fn candidates_are_valid_snapshots_newest_first() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let good = snapshot(2, 5).encode();
    fs::write(dir.join("snapshot.3"), &good).unwrap();
    fs::write(dir.join("snapshot.10"), &good).unwrap();
    fs::write(dir.join("snapshot.2"), &good).unwrap();
    fs::write(dir.join("snapshot.20"), &good[..good.len() - 3]).unwrap(); // torn
    fs::write(dir.join("snapshot.f.gz"), gzip(&good)).unwrap();
    fs::write(
        dir.join("snapshot.e.snappy"),
        snappy_java_encode(&good).unwrap(),
    )
    .unwrap();
    fs::write(dir.join("snapshot.30.gz"), &good).unwrap(); // no gzip magic
    fs::write(dir.join("snapshot.31.snappy"), gzip(&good)).unwrap(); // no snappy magic
    fs::write(dir.join("snapshot.1"), b"\0\0\0\x01/").unwrap(); // < 10 bytes
    fs::write(dir.join("tmp.snapshot.40"), &good).unwrap(); // stale temporary
    fs::write(dir.join("log.50"), &good).unwrap();
    fs::write(dir.join("snapshot.zz"), &good).unwrap(); // zxid does not parse

    let found = snapshot_candidates(&FsDisk, dir).unwrap();
    let got: Vec<(i64, String, SnapCompression)> = found
        .iter()
        .map(|c| {
            let name = c.path.file_name().unwrap().to_str().unwrap().to_owned();
            (c.zxid, name, c.compression)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0x10, "snapshot.10".into(), SnapCompression::Checked),
            (0xf, "snapshot.f.gz".into(), SnapCompression::Gzip),
            (0xe, "snapshot.e.snappy".into(), SnapCompression::Snappy),
            (3, "snapshot.3".into(), SnapCompression::Checked),
            (2, "snapshot.2".into(), SnapCompression::Checked),
        ]
    );
    assert!(
        !dir.join("tmp.snapshot.40").exists(),
        "stale temporary removed"
    );
    assert!(
        dir.join("snapshot.20").exists(),
        "torn snapshots are left alone"
    );

    for c in &found {
        assert_eq!(
            read_snapshot(&FsDisk, c).unwrap(),
            good,
            "{}",
            c.path.display()
        );
    }
}

#[test]
fn at_most_one_hundred_candidates() {
    let d = tempfile::tempdir().unwrap();
    let good = snapshot(0, 0).encode();
    for z in 1..=105 {
        fs::write(d.path().join(format!("snapshot.{z:x}")), &good).unwrap();
    }
    let found = snapshot_candidates(&FsDisk, d.path()).unwrap();
    assert_eq!(found.len(), MAX_SNAPSHOT_CANDIDATES);
    assert_eq!(found[0].zxid, 105);
    assert_eq!(found[99].zxid, 6);
}

#[test]
fn equal_zxids_come_in_name_order() {
    let d = tempfile::tempdir().unwrap();
    let good = snapshot(0, 0).encode();
    fs::write(
        d.path().join("snapshot.5.snappy"),
        snappy_java_encode(&good).unwrap(),
    )
    .unwrap();
    fs::write(d.path().join("snapshot.5"), &good).unwrap();
    fs::write(d.path().join("snapshot.5.gz"), gzip(&good)).unwrap();
    let found: Vec<SnapCompression> = snapshot_candidates(&FsDisk, d.path())
        .unwrap()
        .into_iter()
        .map(|c| c.compression)
        .collect();
    assert_eq!(
        found,
        vec![
            SnapCompression::Checked,
            SnapCompression::Gzip,
            SnapCompression::Snappy
        ]
    );
}

#[test]
fn a_missing_directory_is_an_error_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let e = snapshot_candidates(&FsDisk, &d.path().join("gone")).unwrap_err();
    assert!(matches!(e, SnapError::Io { op: "list", .. }), "{e}");
}

#[test]
fn corrupt_compressed_snapshots_are_decompress_errors_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let good = snapshot(1, 1).encode();
    let mut gz = gzip(&good);
    let n = gz.len();
    gz[n - 6] ^= 0xff; // CRC32 in the trailer
    let path = d.path().join("snapshot.1.gz");
    fs::write(&path, &gz).unwrap();
    let c = SnapshotCandidate {
        zxid: 1,
        path: path.clone(),
        compression: SnapCompression::Gzip,
    };
    let e = read_snapshot(&FsDisk, &c).unwrap_err();
    assert!(matches!(e, SnapError::Decompress { .. }), "{e}");
    assert!(e.to_string().contains("snapshot.1.gz"), "{e}");
}
