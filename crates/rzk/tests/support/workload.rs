//! A seeded, scripted workload that leaves a data directory with every
//! kind of thing ZooKeeper persists: nested trees; binary, empty and null
//! data; several distinct ACLs (digest, world, ip and `auth` mixes, so the
//! snapshot's ACL cache holds several refs); persistent and ephemeral
//! sequentials; ephemerals of sessions that stay open when the server stops
//! and of sessions closed on the way; containers with children, drained
//! and never used; TTL nodes; committed and failed multis; failed single
//! writes (error txns); and a long setData / setACL / delete history.
//!
//! The workload does not have to replay identically on two servers: each
//! comparison is between what one server served and what a server
//! restarted on the same files serves. Errors the server answers with (a
//! node already deleted, NoAuth, a failed check) are part of the history;
//! a lost connection or an undecodable reply fails the test.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode, Error, Id, OpResult};
use rzk_proto::codes::perms::{ADMIN, ALL, CREATE, READ, WRITE};

use super::rng::Rng;

/// The two digest users; a session authenticated as both (and on
/// 127.0.0.1) may read and administer every node the workload creates.
pub const ALICE: &str = "alice:secret";
/// See [`ALICE`].
pub const BOB: &str = "bob:hunter2";

/// Session timeout asked for by every workload session: long enough that
/// the sessions left open survive a restart while the tree is compared
/// (the servers must allow it: `maxSessionTimeout` ≥ this).
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(90);

/// TTL of the long-lived TTL nodes: none expires during a test.
const TTL_MS: i64 = 3_600_000;
/// TTL of the short-lived ones: expired by the time anything reads them
/// (servers reap them only when their container check runs).
const SHORT_TTL_MS: i64 = 1;

/// The distinct ACLs nodes get. Every one grants READ and ADMIN to alice,
/// bob or 127.0.0.1, so a session with both digests sees everything.
pub fn acls() -> Vec<Vec<Acl>> {
    let alice = Id::digest(ALICE);
    let bob = Id::digest(BOB);
    let local = Id::new("ip", "127.0.0.1");
    vec![
        Acl::open_unsafe(),
        vec![Acl::new(READ, Id::anyone()), Acl::new(ALL, alice.clone())],
        vec![Acl::new(ALL, local.clone())],
        vec![
            Acl::new(ALL, Id::new("ip", "10.0.0.0/8")),
            Acl::new(ALL, bob.clone()),
        ],
        vec![
            Acl::new(READ | WRITE | CREATE, bob),
            Acl::new(ALL, alice.clone()),
        ],
        vec![
            Acl::new(READ, local),
            Acl::new(READ | WRITE | ADMIN, alice),
            Acl::new(READ | WRITE, Id::anyone()),
        ],
        // Resolved by the server to the creating session's digests (and
        // refused, InvalidACL, for a session without any).
        Acl::creator_all(),
    ]
}

/// A session authenticated as both users, for writing anywhere and for
/// reading the whole tree.
pub async fn admin_session(connect: &str) -> Client {
    Client::builder(connect)
        .session_timeout(SESSION_TIMEOUT)
        .auth("digest", ALICE)
        .auth("digest", BOB)
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connect to {connect}: {e}"))
}

async fn session(connect: &str, auths: &[&str]) -> Client {
    let mut b = Client::builder(connect).session_timeout(SESSION_TIMEOUT);
    for a in auths {
        b = b.auth("digest", a.to_string());
    }
    b.connect()
        .await
        .unwrap_or_else(|e| panic!("connect to {connect}: {e}"))
}

/// What a node is, as far as the workload's choices go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Persistent,
    /// Owned by `owners[i]`.
    Ephemeral(usize),
    Container,
    Ttl {
        short: bool,
    },
}

impl Kind {
    fn ttl_ms(self) -> i64 {
        match self {
            Kind::Ttl { short: true } => SHORT_TTL_MS,
            _ => TTL_MS,
        }
    }
}

/// What a server's container reaper (ZooKeeper's ContainerManager) may
/// delete, as far as the workload made it: invisible in a served Stat
/// (ephemeralOwner reads 0 for both), so this is how a test knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reapable {
    /// A container: reaped once childless after having had a child.
    Container,
    /// A TTL node with a 1 ms TTL: reaped once childless.
    ExpiredTtl,
    /// A TTL node with a TTL of an hour: not reaped during a test.
    LiveTtl,
}

/// The paths the workload believes exist (it learns from every reply).
#[derive(Debug)]
struct Model {
    root: String,
    nodes: BTreeMap<String, Kind>,
    /// Nodes the random history leaves alone: the null/empty witnesses
    /// the tests look for.
    kept: Vec<String>,
}

/// Nodes under the run's root kept for the whole run, so creates always
/// have homes.
const ANCHORS: &[&str] = &[
    "app",
    "data",
    "acl",
    "seq",
    "locks",
    "containers",
    "ttl",
    "multi",
    "eph",
];

impl Model {
    fn add(&mut self, path: &str, kind: Kind) {
        self.nodes.insert(path.to_string(), kind);
    }
    fn remove(&mut self, path: &str) {
        self.nodes.remove(path);
    }
    fn has_children(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.nodes
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix))
    }
    /// Nodes that may have children.
    fn parents(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, k)| !matches!(k, Kind::Ephemeral(_)))
            .map(|(p, _)| p.clone())
            .collect()
    }
    fn is_anchor(&self, path: &str) -> bool {
        path == self.root
            || path
                .strip_prefix(&self.root)
                .and_then(|r| r.strip_prefix('/'))
                .is_some_and(|name| ANCHORS.contains(&name))
    }
    /// Every node but the root, the anchors and the kept witnesses.
    fn movable(&self) -> Vec<String> {
        self.nodes
            .keys()
            .filter(|p| !self.is_anchor(p) && !self.kept.contains(p))
            .cloned()
            .collect()
    }
    /// Childless nodes but the anchors.
    fn leaves(&self) -> Vec<String> {
        self.movable()
            .into_iter()
            .filter(|p| !self.has_children(p))
            .collect()
    }
}

/// What the run did, for the test's log.
#[derive(Debug, Default)]
pub struct Tally {
    /// Writes the server applied.
    pub ok: usize,
    /// Writes the server refused (each still a txn: an error txn or a
    /// failed multi).
    pub refused: usize,
    /// Sessions opened and closed on the way (besides the fixed ones).
    pub sessions_opened: usize,
    /// See `sessions_opened`.
    pub sessions_closed: usize,
}

/// The run's result: the sessions that must stay open until the server is
/// stopped (their ephemerals are part of what is compared), the containers
/// and TTL nodes it believes exist, and the tally.
pub struct Workload {
    /// Open sessions; drop them only after the server has stopped.
    pub open_sessions: Vec<Client>,
    /// Containers and TTL nodes, by path.
    pub reapable: BTreeMap<String, Reapable>,
    /// Counts.
    pub tally: Tally,
}

struct Runner {
    rng: Rng,
    /// Every path the run creates is under this node.
    root: String,
    connect: String,
    acls: Vec<Vec<Acl>>,
    /// Writers: [0] alice+bob, [1] alice, [2] bob, [3] anonymous.
    writers: Vec<Client>,
    /// Sessions that own ephemerals; `None` once closed.
    owners: Vec<Option<Client>>,
    model: Model,
    next_name: u64,
    tally: Tally,
}

/// Outcome of one write, for the tally and the model.
fn expect_answer<T>(what: &str, r: Result<T, Error>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(Error::Server(_) | Error::MultiFailed { .. }) => None,
        Err(e) => panic!("workload: {what}: the server did not answer: {e}"),
    }
}

impl Runner {
    fn data(&mut self) -> Option<Bytes> {
        let r = &mut self.rng;
        match r.below(20) {
            0 | 1 => None,
            2 | 3 => Some(Bytes::new()),
            4 => {
                let n = r.range(4096, 100_000) as usize;
                Some(Bytes::from(r.bytes(n)))
            }
            5..=11 => Some(Bytes::from(format!("value-{}", r.next_u64()))),
            _ => {
                let n = r.range(1, 600) as usize;
                Some(Bytes::from(r.bytes(n)))
            }
        }
    }

    fn acl(&mut self) -> Vec<Acl> {
        let i = self.rng.below(self.acls.len());
        self.acls[i].clone()
    }

    fn name(&mut self) -> String {
        self.next_name += 1;
        format!("n{}", self.next_name)
    }

    /// Mostly the all-powerful writer; sometimes one with fewer rights.
    fn writer(&mut self) -> Client {
        let i = if self.rng.chance(70) {
            0
        } else {
            self.rng.below(self.writers.len())
        };
        self.writers[i].clone()
    }

    fn open_owner(&mut self) -> Option<(usize, Client)> {
        let open: Vec<usize> = (0..self.owners.len())
            .filter(|i| self.owners[*i].is_some())
            .collect();
        let i = *self.rng.pick(&open);
        self.owners[i].clone().map(|c| (i, c))
    }

    fn note<T>(&mut self, what: &str, r: Result<T, Error>) -> Option<T> {
        let v = expect_answer(what, r);
        if v.is_some() {
            self.tally.ok += 1;
        } else {
            self.tally.refused += 1;
        }
        v
    }

    async fn create(
        &mut self,
        c: &Client,
        path: &str,
        data: Option<Bytes>,
        acl: &[Acl],
        mode: CreateMode,
        kind: Kind,
    ) -> Option<String> {
        let r = if mode.is_ttl() {
            let ttl = Duration::from_millis(kind.ttl_ms() as u64);
            c.create_ttl(path, data, acl, mode, ttl)
                .await
                .map(|(p, _)| p)
        } else {
            c.create(path, data, acl, mode).await
        };
        self.note(&format!("create {path}"), r)
    }

    /// Creates and records a node.
    async fn create_as(
        &mut self,
        path: &str,
        data: Option<Bytes>,
        acl: &[Acl],
        mode: CreateMode,
        kind: Kind,
    ) -> Option<String> {
        let c = match kind {
            Kind::Ephemeral(i) => self.owners[i].clone()?,
            _ => self.writers[0].clone(),
        };
        let created = self.create(&c, path, data, acl, mode, kind).await?;
        self.model.add(&created, kind);
        Some(created)
    }

    /// The fixed part: one of everything, in a known shape.
    async fn script(&mut self) {
        let open = Acl::open_unsafe();
        let p = CreateMode::Persistent;
        let root = self.root.clone();
        self.create_as(&root, None, &open, p, Kind::Persistent)
            .await;
        for a in ANCHORS {
            self.create_as(&format!("{root}/{a}"), None, &open, p, Kind::Persistent)
                .await;
        }
        // A deep path with text and binary data and a restricted ACL.
        let text = Some(Bytes::from_static(b"{\"db\":\"primary\"}"));
        let acl1 = self.acls[1].clone();
        self.create_as(
            &format!("{root}/app/config"),
            text,
            &acl1,
            p,
            Kind::Persistent,
        )
        .await;
        let mut path = format!("{root}/app/config");
        for level in ["db", "primary", "host", "port"] {
            path = format!("{path}/{level}");
            let bin = Some(Bytes::from(self.rng.bytes(32)));
            let acl = self.acl();
            self.create_as(&path, bin, &acl, p, Kind::Persistent).await;
        }
        // Null and empty, and each turned into the other.
        self.create_as(
            &format!("{root}/data/null"),
            None,
            &open,
            p,
            Kind::Persistent,
        )
        .await;
        self.create_as(
            &format!("{root}/data/empty"),
            Some(Bytes::new()),
            &open,
            p,
            Kind::Persistent,
        )
        .await;
        self.create_as(
            &format!("{root}/data/null-then-empty"),
            None,
            &open,
            p,
            Kind::Persistent,
        )
        .await;
        let w = self.writers[0].clone();
        let r = w
            .set_data(&format!("{root}/data/null-then-empty"), Bytes::new(), -1)
            .await;
        self.note("setData empty", r);
        self.create_as(
            &format!("{root}/data/empty-then-null"),
            Some(Bytes::new()),
            &open,
            p,
            Kind::Persistent,
        )
        .await;
        let r = w
            .set_data(&format!("{root}/data/empty-then-null"), None, -1)
            .await;
        self.note("setData null", r);
        let big = Some(Bytes::from(self.rng.bytes(200_000)));
        self.create_as(&format!("{root}/data/big"), big, &open, p, Kind::Persistent)
            .await;
        // One node per ACL, each ACL twice (the cache counts references).
        for i in 0..self.acls.len() {
            for copy in 0..2 {
                let acl = self.acls[i].clone();
                let d = self.data();
                self.create_as(
                    &format!("{root}/acl/a{i}-{copy}"),
                    d,
                    &acl,
                    p,
                    Kind::Persistent,
                )
                .await;
            }
        }
        // creator_all from a session with only alice's digest.
        let alice = self.writers[1].clone();
        let r = alice
            .create(
                &format!("{root}/acl/alice-only"),
                None,
                &Acl::creator_all(),
                p,
            )
            .await;
        if self.note("create creator_all", r).is_some() {
            self.model
                .add(&format!("{root}/acl/alice-only"), Kind::Persistent);
        }
        // Sequentials, persistent and ephemeral (sessions 0 and 1 stay open).
        for _ in 0..5 {
            let d = self.data();
            self.create_as(
                &format!("{root}/seq/item-"),
                d,
                &open,
                CreateMode::PersistentSequential,
                Kind::Persistent,
            )
            .await;
        }
        for owner in [0, 1, 0, 2, 1] {
            self.create_as(
                &format!("{root}/locks/lock-"),
                None,
                &open,
                CreateMode::EphemeralSequential,
                Kind::Ephemeral(owner),
            )
            .await;
        }
        for owner in [0, 1, 2] {
            let d = self.data();
            self.create_as(
                &format!("{root}/eph/e{owner}"),
                d,
                &open,
                CreateMode::Ephemeral,
                Kind::Ephemeral(owner),
            )
            .await;
        }
        // Containers: with children (one of them an ephemeral), never used,
        // and drained (had a child, now empty: cversion > 0).
        let c = CreateMode::Container;
        for name in ["with", "never", "drained", "of-closed"] {
            self.create_as(
                &format!("{root}/containers/{name}"),
                None,
                &open,
                c,
                Kind::Container,
            )
            .await;
        }
        self.create_as(
            &format!("{root}/containers/with/child"),
            None,
            &open,
            p,
            Kind::Persistent,
        )
        .await;
        self.create_as(
            &format!("{root}/containers/with/lock-"),
            None,
            &open,
            CreateMode::EphemeralSequential,
            Kind::Ephemeral(0),
        )
        .await;
        self.create_as(
            &format!("{root}/containers/drained/child"),
            None,
            &open,
            p,
            Kind::Persistent,
        )
        .await;
        let r = w
            .delete(&format!("{root}/containers/drained/child"), -1)
            .await;
        if self.note("delete drained child", r).is_some() {
            self.model
                .remove(&format!("{root}/containers/drained/child"));
        }
        // Owner 2 is closed below: this container loses its only child then.
        self.create_as(
            &format!("{root}/containers/of-closed/e"),
            None,
            &open,
            CreateMode::Ephemeral,
            Kind::Ephemeral(2),
        )
        .await;
        // TTL nodes: plain, sequential, and one with a child.
        let t = CreateMode::PersistentWithTtl;
        let d = self.data();
        self.create_as(
            &format!("{root}/ttl/one"),
            d,
            &open,
            t,
            Kind::Ttl { short: false },
        )
        .await;
        self.create_as(
            &format!("{root}/ttl/seq-"),
            None,
            &open,
            CreateMode::PersistentSequentialWithTtl,
            Kind::Ttl { short: false },
        )
        .await;
        self.create_as(
            &format!("{root}/ttl/parent"),
            None,
            &open,
            t,
            Kind::Ttl { short: false },
        )
        .await;
        self.create_as(
            &format!("{root}/ttl/parent/child"),
            None,
            &open,
            p,
            Kind::Persistent,
        )
        .await;
        // Expired TTL nodes: alone (reapable), with a child (kept), and
        // drained (reapable once the server checks).
        let short = Kind::Ttl { short: true };
        for name in ["short", "short-parent", "short-drained"] {
            self.create_as(&format!("{root}/ttl/{name}"), None, &open, t, short)
                .await;
        }
        for name in ["short-parent", "short-drained"] {
            self.create_as(
                &format!("{root}/ttl/{name}/kid"),
                None,
                &open,
                p,
                Kind::Persistent,
            )
            .await;
        }
        let r = w.delete(&format!("{root}/ttl/short-drained/kid"), -1).await;
        if self.note("delete drained TTL child", r).is_some() {
            self.model.remove(&format!("{root}/ttl/short-drained/kid"));
        }
        // Multis: committed (with a TTL and a container create inside),
        // and failed (nothing applied, but logged).
        let r = w
            .transaction()
            .create(
                &format!("{root}/multi/a"),
                Bytes::from_static(b"a"),
                &open,
                p,
            )
            .create(&format!("{root}/multi/b"), None, &self.acls[2], p)
            .create_ttl(&format!("{root}/multi/ttl"), None, &open, t, TTL_MS)
            .create(&format!("{root}/multi/container"), None, &open, c)
            .set_data(
                &format!("{root}/app/config"),
                Bytes::from_static(b"{\"db\":\"secondary\"}"),
                -1,
            )
            .check(&format!("{root}/multi"), -1)
            .delete(&format!("{root}/seq/item-0000000000"), -1)
            .commit()
            .await;
        if self.note("committed multi", r).is_some() {
            for (path, kind) in [
                (&format!("{root}/multi/a"), Kind::Persistent),
                (&format!("{root}/multi/b"), Kind::Persistent),
                (&format!("{root}/multi/ttl"), Kind::Ttl { short: false }),
                (&format!("{root}/multi/container"), Kind::Container),
            ] {
                self.model.add(path, kind);
            }
            self.model.remove(&format!("{root}/seq/item-0000000000"));
        }
        let r = w
            .transaction()
            .create(&format!("{root}/multi/never"), None, &open, p)
            .set_data(&format!("{root}/multi/a"), None, -1)
            .check(&format!("{root}/multi/a"), 12345)
            .commit()
            .await;
        assert!(
            matches!(r, Err(Error::MultiFailed { .. })),
            "a multi with a failing check must fail: {r:?}"
        );
        self.tally.refused += 1;
        // Failed single writes (each an error txn in the log).
        let failures = [
            w.create(&format!("{root}/app"), None, &open, p)
                .await
                .map(|_| ()),
            w.delete(&format!("{root}/app"), -1).await,
            w.delete(&format!("{root}/nowhere"), -1).await,
            w.set_data(&format!("{root}/app"), None, 99)
                .await
                .map(|_| ()),
            w.set_acl(&format!("{root}/app"), &open, 99)
                .await
                .map(|_| ()),
            self.writers[3]
                .set_data(&format!("{root}/app/config"), None, -1)
                .await
                .map(|_| ()),
            self.writers[3]
                .create(&format!("{root}/app/x"), None, &Acl::creator_all(), p)
                .await
                .map(|_| ()),
        ];
        for r in failures {
            assert!(
                matches!(r, Err(Error::Server(_))),
                "this write must be refused: {r:?}"
            );
            self.tally.refused += 1;
        }
        // A session with ephemerals closes (they go; a closeSession txn).
        if let Some(c) = self.owners[2].take() {
            c.close().await.unwrap_or_else(|e| panic!("close: {e}"));
            self.drop_ephemerals_of(2);
        }
    }

    fn drop_ephemerals_of(&mut self, owner: usize) {
        self.model.nodes.retain(|_, k| *k != Kind::Ephemeral(owner));
    }

    /// The random part: `steps` writes of every kind.
    async fn history(&mut self, steps: usize) {
        for _ in 0..steps {
            match self.rng.below(100) {
                0..=37 => self.random_create().await,
                38..=61 => self.random_set_data().await,
                62..=69 => self.random_set_acl().await,
                70..=77 => self.random_delete().await,
                78..=93 => self.random_multi().await,
                _ => self.session_churn().await,
            }
        }
    }

    async fn random_create(&mut self) {
        let parents = self.model.parents();
        let parent = self.rng.pick(&parents).clone();
        let path = format!("{parent}/{}", self.name());
        let data = self.data();
        let acl = self.acl();
        let (mode, kind) = match self.rng.below(20) {
            0..=9 => (CreateMode::Persistent, Kind::Persistent),
            10 | 11 => (CreateMode::PersistentSequential, Kind::Persistent),
            12..=14 => (CreateMode::Container, Kind::Container),
            15 => {
                let short = self.rng.chance(50);
                (CreateMode::PersistentWithTtl, Kind::Ttl { short })
            }
            16 => {
                let short = self.rng.chance(50);
                (CreateMode::PersistentSequentialWithTtl, Kind::Ttl { short })
            }
            _ => {
                let Some((i, _)) = self.open_owner() else {
                    return;
                };
                let mode = if self.rng.chance(50) {
                    CreateMode::Ephemeral
                } else {
                    CreateMode::EphemeralSequential
                };
                (mode, Kind::Ephemeral(i))
            }
        };
        let c = match kind {
            Kind::Ephemeral(i) => match self.owners[i].clone() {
                Some(c) => c,
                None => return,
            },
            _ => self.writer(),
        };
        if let Some(created) = self.create(&c, &path, data, &acl, mode, kind).await {
            self.model.add(&created, kind);
        }
    }

    async fn random_set_data(&mut self) {
        let nodes = self.model.movable();
        if nodes.is_empty() {
            return;
        }
        let path = self.rng.pick(&nodes).clone();
        let data = self.data();
        let c = self.writer();
        let r = c.set_data(&path, data, -1).await;
        self.note(&format!("setData {path}"), r);
    }

    async fn random_set_acl(&mut self) {
        let nodes = self.model.movable();
        if nodes.is_empty() {
            return;
        }
        let path = self.rng.pick(&nodes).clone();
        let acl = self.acl();
        let version = if self.rng.chance(10) { 77 } else { -1 };
        let c = self.writer();
        let r = c.set_acl(&path, &acl, version).await;
        self.note(&format!("setACL {path}"), r);
    }

    async fn random_delete(&mut self) {
        let leaves = self.model.leaves();
        if leaves.is_empty() {
            return;
        }
        let path = self.rng.pick(&leaves).clone();
        let c = self.writer();
        let r = c.delete(&path, -1).await;
        if self.note(&format!("delete {path}"), r).is_some() {
            self.model.remove(&path);
        }
    }

    async fn random_multi(&mut self) {
        let parents = self.model.parents();
        let parent = self.rng.pick(&parents).clone();
        let created = format!("{parent}/{}", self.name());
        let movable = self.model.movable();
        let leaves: Vec<String> = self
            .model
            .leaves()
            .into_iter()
            .filter(|l| *l != parent)
            .collect();
        if movable.is_empty() || leaves.is_empty() {
            return;
        }
        let target = self.rng.pick(&movable).clone();
        let doomed = self.rng.pick(&leaves).clone();
        let fail = self.rng.chance(30);
        let container = self.rng.chance(20);
        let (d1, d2) = (self.data(), self.data());
        let acl = self.acl();
        let w = self.writers[0].clone();
        let mut t = w.transaction();
        t = if container {
            t.create(&created, d1, &acl, CreateMode::Container)
        } else {
            t.create(&created, d1, &acl, CreateMode::Persistent)
        };
        if target != doomed {
            t = t.set_data(&target, d2, -1);
        }
        t = t.check(&parent, -1).delete(&doomed, -1);
        if fail {
            t = t.check(&format!("{}/app", self.root), 1_000_000);
        }
        let r = t.commit().await;
        if let Some(results) = self.note("multi", r) {
            assert!(!fail, "a multi with a failing check committed: {results:?}");
            for res in &results {
                if let OpResult::Error { err } = res {
                    panic!("a committed multi reported error {err}: {results:?}");
                }
            }
            let kind = if container {
                Kind::Container
            } else {
                Kind::Persistent
            };
            self.model.add(&created, kind);
            self.model.remove(&doomed);
        }
    }

    /// Opens a session that creates ephemerals, or closes one.
    async fn session_churn(&mut self) {
        let open: Vec<usize> = (0..self.owners.len())
            .filter(|i| self.owners[*i].is_some())
            .collect();
        // Owners 0, 1 and 3 stay open to the end (2 is closed by the
        // script).
        let closable: Vec<usize> = open.into_iter().filter(|i| *i > 3).collect();
        if !closable.is_empty() && self.rng.chance(40) {
            let i = *self.rng.pick(&closable);
            if let Some(c) = self.owners[i].take() {
                c.close().await.unwrap_or_else(|e| panic!("close: {e}"));
                self.drop_ephemerals_of(i);
                self.tally.sessions_closed += 1;
            }
            return;
        }
        let c = session(&self.connect, &[ALICE, BOB]).await;
        self.tally.sessions_opened += 1;
        self.owners.push(Some(c));
        let i = self.owners.len() - 1;
        for _ in 0..self.rng.range(0, 3) {
            let parents = self.model.parents();
            let parent = self.rng.pick(&parents).clone();
            let path = format!("{parent}/{}", self.name());
            let d = self.data();
            let acl = self.acl();
            self.create_as(&path, d, &acl, CreateMode::Ephemeral, Kind::Ephemeral(i))
                .await;
        }
    }
}

/// Runs the workload against `connect` under the new node `root` (e.g.
/// `/w1`; a second run on the same server takes another): the script, then
/// `steps` random writes. Panics if the server stops answering.
pub async fn run(connect: &str, root: &str, seed: u64, steps: usize) -> Workload {
    let writers = vec![
        session(connect, &[ALICE, BOB]).await,
        session(connect, &[ALICE]).await,
        session(connect, &[BOB]).await,
        session(connect, &[]).await,
    ];
    // Owner 0: both digests; 1: anonymous; 2: closed at the end of the
    // script; 3: open, never owns anything (a session without ephemerals
    // must survive the restart too).
    let owners = vec![
        Some(session(connect, &[ALICE, BOB]).await),
        Some(session(connect, &[]).await),
        Some(session(connect, &[ALICE, BOB]).await),
        Some(session(connect, &[BOB]).await),
    ];
    let mut r = Runner {
        rng: Rng::new(seed),
        root: root.to_string(),
        connect: connect.to_string(),
        acls: acls(),
        writers,
        owners,
        model: Model {
            root: root.to_string(),
            nodes: BTreeMap::new(),
            kept: ["null", "empty", "null-then-empty", "empty-then-null"]
                .iter()
                .map(|n| format!("{root}/data/{n}"))
                .collect(),
        },
        next_name: 0,
        tally: Tally::default(),
    };
    r.script().await;
    r.history(steps).await;
    for w in &r.writers {
        w.close().await.unwrap_or_else(|e| panic!("close: {e}"));
    }
    let reapable = r
        .model
        .nodes
        .iter()
        .filter_map(|(p, k)| {
            let what = match k {
                Kind::Container => Reapable::Container,
                Kind::Ttl { short: true } => Reapable::ExpiredTtl,
                Kind::Ttl { short: false } => Reapable::LiveTtl,
                _ => return None,
            };
            Some((p.clone(), what))
        })
        .collect();
    Workload {
        open_sessions: r.owners.into_iter().flatten().collect(),
        reapable,
        tally: r.tally,
    }
}
