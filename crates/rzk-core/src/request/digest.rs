//! The tree digest (`srv/DigestCalculator`, version 2; `PROTOCOL.md` §5.7):
//! a CRC32 per node over its path, data and 60 bytes of stat, and the tree
//! digest as the wrapping sum of all node digests. Nodes under
//! `/zookeeper/` count 0 (their quota stats are updated locally, outside
//! txns); `/zookeeper` itself counts. The root is digested under `""`.

use rzk_proto::data::StatPersisted;

use crate::tree::DataTree;

/// The digest version written in every `TxnDigest`.
pub const DIGEST_VERSION: i32 = 2;

/// `DigestCalculator.calculateDigest(path, data, stat)`.
pub fn node_digest(path: &str, data: Option<&[u8]>, stat: &StatPersisted) -> u64 {
    if path.starts_with("/zookeeper/") {
        return 0;
    }
    // "" and "/" both name the root; ZooKeeper digests it as "".
    let path = if path == "/" { "" } else { path };
    let mut stat_bytes = [0u8; STAT_LEN];
    let longs = [stat.czxid, stat.mzxid, stat.pzxid, stat.ctime, stat.mtime];
    for (i, v) in longs.iter().enumerate() {
        stat_bytes[i * 8..i * 8 + 8].copy_from_slice(&v.to_be_bytes());
    }
    stat_bytes[40..44].copy_from_slice(&stat.version.to_be_bytes());
    stat_bytes[44..48].copy_from_slice(&stat.cversion.to_be_bytes());
    stat_bytes[48..52].copy_from_slice(&stat.aversion.to_be_bytes());
    stat_bytes[52..60].copy_from_slice(&stat.ephemeral_owner.to_be_bytes());
    let data = data.unwrap_or(&[]);
    // crc32fast computes the same IEEE CRC-32 as `java.util.zip.CRC32`,
    // with SIMD where the CPU has it. Each call has a fixed cost that
    // outweighs hashing a short slice, and restoring a snapshot digests
    // every node, so a small node is hashed in one call from one buffer.
    let mut crc = crc32fast::Hasher::new();
    let len = path.len() + data.len() + STAT_LEN;
    if len <= ONE_CALL_LEN {
        let mut buf = [0u8; ONE_CALL_LEN];
        buf[..path.len()].copy_from_slice(path.as_bytes());
        buf[path.len()..path.len() + data.len()].copy_from_slice(data);
        buf[len - STAT_LEN..len].copy_from_slice(&stat_bytes);
        crc.update(&buf[..len]);
    } else {
        crc.update(path.as_bytes());
        crc.update(data);
        crc.update(&stat_bytes);
    }
    u64::from(crc.finalize())
}

/// The stat fields a node digest covers, in bytes.
const STAT_LEN: usize = 60;

/// Nodes whose path, data and stat fit in this many bytes are hashed in
/// one call.
const ONE_CALL_LEN: usize = 256;

/// The digest of the node at `path` in `tree`, 0 when it does not exist.
pub fn tree_node_digest(tree: &DataTree, path: &str) -> u64 {
    tree.node(path).map_or(0, |n| {
        node_digest(path, n.data().map(|d| &d[..]), n.persisted())
    })
}

/// The digest of the whole tree, walked from the root (counted once).
pub fn full_tree_digest(tree: &DataTree) -> u64 {
    let mut sum = 0u64;
    tree.visit(|p, n| {
        sum = sum.wrapping_add(node_digest(p, n.data().map(|d| &d[..]), n.persisted()));
    });
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_log_keeps_every_128th_zxid_and_the_newest_1024() {
        let mut log = DigestLog::default();
        for z in 1..=0x100 {
            log.record(z, z * 10);
        }
        assert_eq!(
            log.entries().collect::<Vec<_>>(),
            [(0x80, 0x500), (0x100, 0xa00)]
        );
        assert_eq!(log.text(), "80: 1280\n100: 2560\n");
        assert_eq!(log.zeroed().text(), "80: 0\n100: 0\n");
        // Epochs sit above bit 32, so the rule holds for the counter.
        log.record(0x5_0000_0080, -7);
        assert!(log.text().ends_with("500000080: -7\n"));
        for k in 0..2000 {
            log.record(0x6_0000_0000 + k * 0x80, k);
        }
        assert_eq!(log.entries().count(), DigestLog::LIMIT);
        assert_eq!(
            log.entries().next(),
            Some((0x6_0000_0000 + 976 * 0x80, 976))
        );
    }

    /// `java.util.zip.CRC32` is the IEEE polynomial, reflected, with the
    /// standard check value.
    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    /// One call over a joined buffer and three calls give the same CRC,
    /// on both sides of the size where node_digest switches.
    #[test]
    fn small_and_large_nodes_digest_alike() {
        let stat = StatPersisted {
            czxid: 1,
            mzxid: 2,
            pzxid: 3,
            ctime: 4,
            mtime: 5,
            version: 6,
            cversion: -7,
            aversion: 8,
            ephemeral_owner: i64::MIN,
        };
        for n in [0, 1, 191, 192, 193, 2000] {
            let data = vec![0xa5u8; n];
            let mut h = crc32fast::Hasher::new();
            h.update(b"/a/b");
            h.update(&data);
            let mut s = Vec::new();
            for v in [1i64, 2, 3, 4, 5] {
                s.extend_from_slice(&v.to_be_bytes());
            }
            for v in [6i32, -7, 8] {
                s.extend_from_slice(&v.to_be_bytes());
            }
            s.extend_from_slice(&i64::MIN.to_be_bytes());
            h.update(&s);
            let want = u64::from(h.finalize());
            assert_eq!(node_digest("/a/b", Some(&data), &stat), want, "{n} bytes");
        }
        assert_eq!(
            node_digest("/a", None, &stat),
            node_digest("/a", Some(&[]), &stat),
            "null data digests as empty"
        );
    }

    /// Golden.java pins the digest of a fresh tree (root and /zookeeper).
    #[test]
    fn empty_tree_digest_is_zookeepers() {
        assert_eq!(full_tree_digest(&DataTree::default()), 0x51c6_d660);
    }
}

/// The history of tree digests the `hash` four-letter word prints, as
/// ZooKeeper's `DataTree` keeps it: the digest after every txn whose zxid
/// is a multiple of 128 (0x80, so servers' lines align), the newest 1024.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestLog {
    entries: std::collections::VecDeque<(i64, i64)>,
}

impl DigestLog {
    /// Txns between recorded digests (`DIGEST_LOG_INTERVAL`).
    pub const INTERVAL: i64 = 128;
    /// Digests kept (`DIGEST_LOG_LIMIT`).
    pub const LIMIT: usize = 1024;

    /// Notes the tree's digest after the txn `zxid` (`logZxidDigest`).
    pub fn record(&mut self, zxid: i64, digest: i64) {
        if zxid % Self::INTERVAL == 0 {
            self.entries.push_back((zxid, digest));
            if self.entries.len() > Self::LIMIT {
                self.entries.pop_front();
            }
        }
    }

    /// The same zxids with every digest 0.
    pub fn zeroed(&self) -> Self {
        Self {
            entries: self.entries.iter().map(|&(z, _)| (z, 0)).collect(),
        }
    }

    /// (zxid, digest), oldest first.
    pub fn entries(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.entries.iter().copied()
    }

    /// `hash`'s text: `<hex zxid>: <digest>` per line, oldest first.
    pub fn text(&self) -> String {
        self.entries
            .iter()
            .map(|(z, d)| format!("{z:x}: {d}\n"))
            .collect()
    }
}
