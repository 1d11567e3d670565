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
    let mut b = [0u8; 60];
    let longs = [stat.czxid, stat.mzxid, stat.pzxid, stat.ctime, stat.mtime];
    for (i, v) in longs.iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&v.to_be_bytes());
    }
    b[40..44].copy_from_slice(&stat.version.to_be_bytes());
    b[44..48].copy_from_slice(&stat.cversion.to_be_bytes());
    b[48..52].copy_from_slice(&stat.aversion.to_be_bytes());
    b[52..60].copy_from_slice(&stat.ephemeral_owner.to_be_bytes());
    // crc32fast computes the same IEEE CRC-32 as `java.util.zip.CRC32`,
    // with SIMD where the CPU has it: restoring a million-node snapshot
    // digests every node, so this is on the restart path.
    let mut crc = crc32fast::Hasher::new();
    crc.update(path.as_bytes());
    if let Some(d) = data {
        crc.update(d);
    }
    crc.update(&b);
    u64::from(crc.finalize())
}

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

    /// `java.util.zip.CRC32` is the IEEE polynomial, reflected, with the
    /// standard check value.
    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    /// Golden.java pins the digest of a fresh tree (root and /zookeeper).
    #[test]
    fn empty_tree_digest_is_zookeepers() {
        assert_eq!(full_tree_digest(&DataTree::default()), 0x51c6_d660);
    }
}
