//! Quota usage (`PROTOCOL.md` §3.12; `DataTree.updateQuotaStat`,
//! `updateQuotaForPath`): for every path with a
//! `/zookeeper/quota<path>/zookeeper_limits` node, the server keeps
//! `…/zookeeper_stats` at `count=<nodes in the subtree>,bytes=<their data>`.
//! These updates are local to each server as it applies txns: no txn, no
//! zxid, no Stat change (nodes under `/zookeeper/` are outside the digest
//! for that reason), and, as in ZooKeeper, they do not count toward the
//! approximate data size.

use std::collections::BTreeSet;

use bytes::Bytes;

use super::DataTree;
use crate::path;

const LIMIT_NODE: &str = "zookeeper_limits";
const STAT_NODE: &str = "zookeeper_stats";

/// The paths that have a quota (the trie of `DataTree.pTrie`).
#[derive(Debug, Clone, Default)]
pub(crate) struct QuotaPaths(BTreeSet<String>);

impl QuotaPaths {
    /// The deepest quota'd path that is `path` or one of its ancestors,
    /// component by component; never `/` (as `getMaxPrefixWithQuota`).
    fn max_prefix(&self, path: &str) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        let mut p = path;
        loop {
            if p.is_empty() || p == "/" {
                return None;
            }
            if self.0.contains(p) {
                return Some(p.to_owned());
            }
            p = p.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
    }
}

/// `Quotas.trimQuotaPath`: `/zookeeper/quota/a/b` → `/a/b`.
fn trim_quota_path(p: &str) -> &str {
    p.strip_prefix(path::QUOTA).unwrap_or(p)
}

/// A quota value as `StatsTrack` reads it: `count=N,bytes=M` and, from
/// 3.7, `=;byteHardLimit=B;countHardLimit=C`; -1 where unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Track {
    count: i64,
    bytes: i64,
    count_hard: i64,
    bytes_hard: i64,
}

fn parse_track(data: Option<&Bytes>) -> Track {
    let text = data
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default();
    let mut t = Track {
        count: -1,
        bytes: -1,
        count_hard: -1,
        bytes_hard: -1,
    };
    for part in text.split([',', ';']) {
        let mut kv = part.splitn(2, '=');
        let (k, v) = (kv.next().unwrap_or(""), kv.next().unwrap_or(""));
        let Ok(v) = v.trim_end_matches('=').parse::<i64>() else {
            continue;
        };
        match k.trim() {
            "count" => t.count = v,
            "bytes" => t.bytes = v,
            "countHardLimit" => t.count_hard = v,
            "byteHardLimit" => t.bytes_hard = v,
            _ => {}
        }
    }
    t
}

/// Parses a stats value (`count=N,bytes=M[=;…]`): (count, bytes).
fn parse_stats(data: Option<&Bytes>) -> (i64, i64) {
    let t = parse_track(data);
    (t.count, t.bytes)
}

impl DataTree {
    /// `PrepRequestProcessor.checkQuota` with `zookeeper.enforceQuota=true`:
    /// whether adding `count_diff` nodes and `bytes_diff` bytes under `path`
    /// stays within the *hard* limits of the governing (deepest) quota.
    /// Soft limits only make ZooKeeper log, so they never refuse.
    pub fn quota_allows(&self, path: &str, bytes_diff: i64, count_diff: i64) -> bool {
        let Some(prefix) = self.quotas.max_prefix(path) else {
            return true;
        };
        let node_data = |name: &str| {
            let p = format!("{}{prefix}/{name}", path::QUOTA);
            self.find(&p)
                .and_then(|id| self.nodes.get(id))
                .map(|n| parse_track(n.data.as_ref()))
        };
        let (Some(limits), Some(usage)) = (node_data(LIMIT_NODE), node_data(STAT_NODE)) else {
            return true;
        };
        let over = |diff: i64, used: i64, hard: i64| diff != 0 && hard > -1 && used + diff > hard;
        !over(count_diff, usage.count, limits.count_hard)
            && !over(bytes_diff, usage.bytes, limits.bytes_hard)
    }

    /// After a create of `path` with `bytes` of data.
    pub(super) fn quota_after_create(&mut self, path: &str, bytes: i64) {
        if let Some((parent, name)) = path.rsplit_once('/') {
            if parent.starts_with(path::QUOTA) {
                if name == LIMIT_NODE {
                    self.quotas.0.insert(trim_quota_path(parent).to_owned());
                }
                if name == STAT_NODE {
                    self.recount_quota(trim_quota_path(parent));
                }
            }
        }
        if let Some(prefix) = self.quotas.max_prefix(path) {
            self.update_quota_stat(&prefix, bytes, 1);
        }
    }

    /// Before the delete of the childless `path` holding `bytes` of data.
    pub(super) fn quota_before_delete(&mut self, path: &str, bytes: i64) {
        if let Some((parent, name)) = path.rsplit_once('/') {
            if parent.starts_with(path::ZOOKEEPER) && name == LIMIT_NODE {
                self.quotas.0.remove(trim_quota_path(parent));
            }
        }
        if let Some(prefix) = self.quotas.max_prefix(path) {
            self.update_quota_stat(&prefix, -bytes, -1);
        }
    }

    /// After a setData of `path` that changed its size by `diff`.
    pub(super) fn quota_after_set_data(&mut self, path: &str, diff: i64) {
        if let Some(prefix) = self.quotas.max_prefix(path) {
            self.update_quota_stat(&prefix, diff, 0);
        }
    }

    /// `updateQuotaStat`: adds to the stats node of quota'd `prefix`.
    fn update_quota_stat(&mut self, prefix: &str, bytes_diff: i64, count_diff: i64) {
        let stat_path = format!("{}{prefix}/{STAT_NODE}", path::QUOTA);
        let Some(id) = self.find(&stat_path) else {
            return;
        };
        if let Some(node) = self.nodes.get_mut(id) {
            let (count, bytes) = parse_stats(node.data.as_ref());
            node.data = Some(Bytes::from(format!(
                "count={},bytes={}",
                count + count_diff,
                bytes + bytes_diff
            )));
        }
    }

    /// `setupQuota` (after loading a snapshot): every leaf under
    /// `/zookeeper/quota` whose path ends in `/zookeeper_limits` puts a
    /// quota on the path between `/zookeeper/quota` and the *first*
    /// `/zookeeper_limits` (Java's `indexOf`), whose stats node is then
    /// recounted from the tree. Limit nodes with children count for
    /// nothing, as in ZooKeeper.
    pub(super) fn setup_quota(&mut self) {
        let limit_suffix = format!("/{LIMIT_NODE}");
        let mut quota_paths = Vec::new();
        self.visit_subtree(path::QUOTA, |p, n| {
            if n.num_children() == 0 && p.ends_with(&limit_suffix) {
                if let Some(end) = p.find(&limit_suffix) {
                    quota_paths.push(p[path::QUOTA.len()..end].to_owned());
                }
            }
        });
        for q in quota_paths {
            self.recount_quota(&q);
            self.quotas.0.insert(q);
        }
    }

    /// `updateQuotaForPath`: sets the stats node of `quota_path` to the
    /// subtree's node count and data bytes, counting the node itself.
    fn recount_quota(&mut self, quota_path: &str) {
        let (mut count, mut bytes) = (0i64, 0i64);
        if let Some(root) = self.find(quota_path) {
            let mut stack = vec![root];
            while let Some(id) = stack.pop() {
                if let Some(n) = self.nodes.get(id) {
                    count += 1;
                    bytes += n.data.as_ref().map_or(0, |d| d.len() as i64);
                    stack.extend(n.children.values().copied());
                }
            }
        }
        let stat_path = format!("{}{quota_path}/{STAT_NODE}", path::QUOTA);
        if let Some(id) = self.find(&stat_path) {
            if let Some(node) = self.nodes.get_mut(id) {
                node.data = Some(Bytes::from(format!("count={count},bytes={bytes}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rzk_proto::data::Acl;

    fn create(t: &mut DataTree, p: &str, data: &'static [u8], zxid: i64) {
        t.create_node(
            p,
            Some(Bytes::from_static(data)),
            &Acl::open_unsafe(),
            0,
            -1,
            zxid,
            0,
        )
        .unwrap();
    }

    fn stats(t: &DataTree, p: &str) -> String {
        let n = t
            .node(&format!("/zookeeper/quota{p}/zookeeper_stats"))
            .unwrap();
        String::from_utf8(n.data().unwrap().to_vec()).unwrap()
    }

    /// §3.12: zkCli's setquota creates the limits node and then the stats
    /// node; from then on every create, delete and setData under the path
    /// moves the counts, with no Stat change on the stats node.
    #[test]
    fn stats_follow_creates_deletes_and_set_data_3_12() {
        let mut t = DataTree::default();
        create(&mut t, "/t", b"ab", 1);
        create(&mut t, "/t/a", b"xyz", 2);
        create(&mut t, "/zookeeper/quota/t", b"", 3);
        create(
            &mut t,
            "/zookeeper/quota/t/zookeeper_limits",
            b"count=5,bytes=100",
            4,
        );
        create(
            &mut t,
            "/zookeeper/quota/t/zookeeper_stats",
            b"count=0,bytes=0",
            5,
        );
        assert_eq!(stats(&t, "/t"), "count=2,bytes=5");
        let before = t
            .node("/zookeeper/quota/t/zookeeper_stats")
            .unwrap()
            .persisted()
            .clone();
        create(&mut t, "/t/a/b", b"1234", 6);
        assert_eq!(stats(&t, "/t"), "count=3,bytes=9");
        t.set_data("/t/a", Some(Bytes::from_static(b"x")), 1, 7, 0)
            .unwrap();
        assert_eq!(stats(&t, "/t"), "count=3,bytes=7");
        t.delete_node("/t/a/b", 8).unwrap();
        assert_eq!(stats(&t, "/t"), "count=2,bytes=3");
        create(&mut t, "/other", b"zzz", 9);
        assert_eq!(
            stats(&t, "/t"),
            "count=2,bytes=3",
            "outside the quota'd subtree"
        );
        assert_eq!(
            *t.node("/zookeeper/quota/t/zookeeper_stats")
                .unwrap()
                .persisted(),
            before
        );
        t.delete_node("/zookeeper/quota/t/zookeeper_limits", 10)
            .unwrap();
        create(&mut t, "/t/c", b"", 11);
        assert_eq!(
            stats(&t, "/t"),
            "count=2,bytes=3",
            "no limits node, no tracking"
        );
    }

    /// §3.12: hard limits refuse (with enforceQuota), soft limits do not.
    #[test]
    fn hard_limits_refuse_and_soft_limits_do_not_3_12() {
        let mut t = DataTree::default();
        create(&mut t, "/h", b"", 1);
        create(&mut t, "/zookeeper/quota/h", b"", 2);
        create(
            &mut t,
            "/zookeeper/quota/h/zookeeper_limits",
            b"count=-1,bytes=-1=;byteHardLimit=10;countHardLimit=2",
            3,
        );
        create(
            &mut t,
            "/zookeeper/quota/h/zookeeper_stats",
            b"count=0,bytes=0",
            4,
        );
        assert!(t.quota_allows("/h/a", 3, 1), "2nd node of 2");
        create(&mut t, "/h/a", b"abc", 5);
        assert!(
            !t.quota_allows("/h/b", 0, 1),
            "a 3rd node exceeds countHardLimit=2"
        );
        assert!(
            !t.quota_allows("/h/a", 8, 0),
            "11 bytes exceed byteHardLimit=10"
        );
        assert!(t.quota_allows("/h/a", 7, 0));
        assert!(t.quota_allows("/other", 100, 1), "outside the quota");
        create(&mut t, "/s", b"", 6);
        create(&mut t, "/zookeeper/quota/s", b"", 7);
        create(
            &mut t,
            "/zookeeper/quota/s/zookeeper_limits",
            b"count=1,bytes=1",
            8,
        );
        create(
            &mut t,
            "/zookeeper/quota/s/zookeeper_stats",
            b"count=0,bytes=0",
            9,
        );
        assert!(t.quota_allows("/s/x", 100, 5), "soft limits only log");
    }

    #[test]
    fn the_deepest_quota_wins_and_the_root_never_counts() {
        let q = QuotaPaths(["/a".to_string(), "/a/b".to_string()].into_iter().collect());
        assert_eq!(q.max_prefix("/a/b/c").as_deref(), Some("/a/b"));
        assert_eq!(q.max_prefix("/a/bc").as_deref(), Some("/a"));
        assert_eq!(q.max_prefix("/x"), None);
        assert_eq!(
            parse_stats(Some(&Bytes::from_static(
                b"count=3,bytes=9=;byteHardLimit=-1"
            ))),
            (3, 9)
        );
    }
}
