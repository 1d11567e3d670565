//! Snapshots written by real Apache ZooKeeper 3.8 in all three stream modes
//! (tests/fixtures/compressed, made by tools/snapshot-fixtures/regen.sh from
//! one DataTree): the .gz and .snappy files must unwrap to exactly the bytes
//! of the plain one, and that stream must decode with every seal intact.

use std::path::PathBuf;

use rzk_proto::disk::{SnapCompression, Snapshot};
use rzk_storage::compress::SNAPPY_JAVA_BLOCK_SIZE;
use rzk_storage::{read_snapshot, snapshot_candidates, FsDisk, SnapshotCandidate};

const ZXID: i64 = 0x2_0000_000f;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compressed")
}

fn candidate(compression: SnapCompression) -> SnapshotCandidate {
    let name = rzk_proto::disk::snapshot_file_name(ZXID, compression);
    SnapshotCandidate {
        zxid: ZXID,
        path: fixtures().join(name),
        compression,
    }
}

#[test]
fn gz_and_snappy_unwrap_to_the_plain_stream_byte_for_byte() {
    let plain = read_snapshot(&FsDisk, &candidate(SnapCompression::Checked)).unwrap();
    assert!(
        plain.len() > SNAPPY_JAVA_BLOCK_SIZE,
        "the fixture must span several snappy-java blocks"
    );
    for mode in [SnapCompression::Gzip, SnapCompression::Snappy] {
        let c = candidate(mode);
        let file_len = std::fs::metadata(&c.path).unwrap().len();
        assert!(file_len < plain.len() as u64 / 4, "{mode:?} is compressed");
        let unwrapped = read_snapshot(&FsDisk, &c).unwrap();
        assert!(unwrapped == plain, "{mode:?} differs from the plain stream");
    }
}

#[test]
fn the_stream_decodes_with_every_seal_checked() {
    let plain = read_snapshot(&FsDisk, &candidate(SnapCompression::Checked)).unwrap();
    let snap = Snapshot::decode(plain.clone()).unwrap();
    let paths: Vec<&str> = snap.tree.nodes.iter().map(|n| n.path.as_str()).collect();
    assert_eq!(paths[0], "", "the root comes first");
    assert!(paths.contains(&"/fixtures/big"));
    assert!(paths.contains(&"/fixtures/eph"));
    assert_eq!(
        paths.len(),
        4 + 1 + 12 + 2,
        "/, zookeeper x3, fixtures, n0..n11, big, eph"
    );
    let big = snap
        .tree
        .nodes
        .iter()
        .find(|n| n.path == "/fixtures/big")
        .unwrap();
    assert_eq!(big.data.as_ref().unwrap().len(), 48 * 1024);
    assert_eq!(snap.tree.head.sessions.len(), 1);
    let digest = snap
        .tail
        .digest
        .as_ref()
        .expect("3.8 writes the digest block");
    assert_eq!(digest.zxid, ZXID);
    // Re-encoding gives the file back: nothing was lost or reordered.
    assert_eq!(snap.encode(), plain);
}

#[test]
fn all_three_are_candidates_in_name_order() {
    let found = snapshot_candidates(&FsDisk, &fixtures()).unwrap();
    let modes: Vec<SnapCompression> = found.iter().map(|c| c.compression).collect();
    assert_eq!(
        modes,
        vec![
            SnapCompression::Checked,
            SnapCompression::Gzip,
            SnapCompression::Snappy
        ]
    );
    assert!(found.iter().all(|c| c.zxid == ZXID));
}
