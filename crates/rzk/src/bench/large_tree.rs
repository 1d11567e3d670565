//! `rzk bench large-tree`: create N znodes of V bytes as fast as the server
//! takes them — several sessions, many requests in flight each — for
//! memory and restart measurements. Znode `i` is `<root>/p<i / fanout>/n<i>`
//! (or `<root>/n<i>` with fanout 0), so a tree of a million znodes has no
//! parent with a million children, and anyone can name any of them.

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode};
use serde::Serialize;

use super::clock;
use super::error::BenchError;
use super::procfs::rss_kb;
use super::rng::Rng;
use super::sessions::{close_all, ensure_path, pipelined, SessionOptions};

/// How to build the tree.
#[derive(Debug, Clone)]
pub struct TreeConfig {
    /// Leaf znodes.
    pub count: u64,
    /// Bytes per leaf.
    pub value_size: usize,
    /// Leaves per parent (0: no parents).
    pub fanout: u64,
    /// Sessions.
    pub sessions: usize,
    /// Requests in flight per session.
    pub in_flight: usize,
    /// The tree's root (must not exist).
    pub root: String,
    /// Server process whose RSS is read afterwards.
    pub pid: Option<u32>,
    /// Seeds the value bytes.
    pub seed: u64,
}

impl TreeConfig {
    /// The path of leaf `i`.
    pub fn leaf(&self, i: u64) -> String {
        let root = self.root.trim_end_matches('/');
        match i.checked_div(self.fanout) {
            None => format!("{root}/n{i}"),
            Some(parent) => format!("{root}/p{parent}/n{i}"),
        }
    }

    /// The parent znodes, in order.
    pub fn parents(&self) -> Vec<String> {
        let root = self.root.trim_end_matches('/');
        if self.fanout == 0 {
            return Vec::new();
        }
        (0..self.count.div_ceil(self.fanout))
            .map(|p| format!("{root}/p{p}"))
            .collect()
    }
}

/// What building the tree took.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TreeReport {
    /// Always `large-tree`.
    pub workload: String,
    /// Leaves created.
    pub count: u64,
    /// Parents created.
    pub parents: u64,
    /// getAllChildrenNumber of the root afterwards (leaves + parents).
    pub descendants: i64,
    /// Bytes per leaf.
    pub value_size: usize,
    /// The last leaf (a path to probe after a restart).
    pub last_path: String,
    /// Seconds from the first create to the last reply.
    pub elapsed_s: f64,
    /// Leaves per second.
    pub creates_per_sec: f64,
    /// Server RSS after the load, kB (when --pid was given).
    pub rss_kb: Option<u64>,
}

impl TreeReport {
    /// The human-readable summary.
    pub fn text(&self) -> String {
        let rss = self
            .rss_kb
            .map_or(String::new(), |kb| format!(", server RSS {kb} kB"));
        format!(
            "large tree: {} znodes of {} B (+{} parents) in {:.2} s, {:.0} creates/s{rss}\n",
            self.count, self.value_size, self.parents, self.elapsed_s, self.creates_per_sec
        )
    }
}

/// Builds the tree and reports.
pub async fn run(opts: &SessionOptions, cfg: &TreeConfig) -> Result<TreeReport, BenchError> {
    if cfg.sessions == 0 || cfg.in_flight == 0 {
        return Err(BenchError::Failed(
            "--sessions and --in-flight must be at least 1".into(),
        ));
    }
    let clients = opts.connect_many(cfg.sessions).await?;
    let result = build(&clients, cfg).await;
    close_all(&clients).await;
    result
}

async fn build(clients: &[Client], cfg: &TreeConfig) -> Result<TreeReport, BenchError> {
    let first = &clients[0];
    let root = cfg.root.trim_end_matches('/');
    if let Some((parent, _)) = root.rsplit_once('/') {
        if !parent.is_empty() {
            ensure_path(first, parent).await?;
        }
    }
    let acl = Acl::open_unsafe();
    let value = Bytes::from(Rng::stream(cfg.seed, 0).bytes(cfg.value_size));
    let began = clock::now();
    create(first, root, None, &acl).await?;
    let parents = cfg.parents();
    // Parents first, spread over the sessions, then the leaves; each
    // session keeps `in_flight` requests outstanding.
    let parent_count = parents.len() as u64;
    pipelined(
        parents
            .iter()
            .enumerate()
            .map(|(i, p)| create(&clients[i % clients.len()], p, None, &acl)),
        cfg.in_flight * clients.len(),
    )
    .await?;
    let n = clients.len() as u64;
    let per_session = clients.iter().enumerate().map(|(s, c)| {
        let (value, acl) = (&value, &acl);
        async move {
            let leaves = (s as u64..cfg.count).step_by(n as usize);
            pipelined(
                leaves.map(|i| {
                    let path = cfg.leaf(i);
                    async move { create(c, &path, Some(value.clone()), acl).await }
                }),
                cfg.in_flight,
            )
            .await
            .map(drop)
        }
    });
    pipelined(per_session, clients.len()).await?;
    let elapsed_s = (clock::now() - began).as_secs_f64();
    let descendants = first
        .get_all_children_number(root)
        .await
        .map_err(|source| BenchError::Setup {
            step: format!("getAllChildrenNumber {root}"),
            source,
        })?;
    let expected = cfg.count + parent_count;
    if u64::try_from(descendants).ok() != Some(expected) {
        return Err(BenchError::Failed(format!(
            "{root} has {descendants} descendants, expected {expected}"
        )));
    }
    let rss_kb = cfg.pid.map(rss_kb).transpose()?;
    Ok(TreeReport {
        workload: "large-tree".into(),
        count: cfg.count,
        parents: parent_count,
        descendants: descendants.into(),
        value_size: cfg.value_size,
        last_path: cfg.leaf(cfg.count.saturating_sub(1)),
        elapsed_s,
        creates_per_sec: cfg.count as f64 / elapsed_s.max(1e-9),
        rss_kb,
    })
}

async fn create(
    client: &Client,
    path: &str,
    value: Option<Bytes>,
    acl: &[Acl],
) -> Result<(), BenchError> {
    client
        .create(path, value, acl, CreateMode::Persistent)
        .await
        .map(drop)
        .map_err(|source| BenchError::Setup {
            step: format!("create {path}"),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(count: u64, fanout: u64) -> TreeConfig {
        TreeConfig {
            count,
            value_size: 1,
            fanout,
            sessions: 1,
            in_flight: 1,
            root: "/big/".into(),
            pid: None,
            seed: 0,
        }
    }

    #[test]
    fn leaves_sit_under_their_parents() {
        let c = cfg(2500, 1000);
        assert_eq!(c.parents(), vec!["/big/p0", "/big/p1", "/big/p2"]);
        assert_eq!(c.leaf(0), "/big/p0/n0");
        assert_eq!(c.leaf(1999), "/big/p1/n1999");
        assert_eq!(c.leaf(2499), "/big/p2/n2499");
        let flat = cfg(3, 0);
        assert!(flat.parents().is_empty());
        assert_eq!(flat.leaf(2), "/big/n2");
    }
}
