//! Differential testing (run end to end by `crates/rzk/tests/difftest.rs`):
//! the same seeded sequence of operations, from
//! several sessions, against two ZooKeeper-compatible servers (Apache
//! ZooKeeper and rzk), comparing every reply — error code, zxid and body —
//! and every watch event, in order. A divergence reports its seed and step,
//! so `run` with that seed reproduces it exactly.

#![forbid(unsafe_code)]

mod gen;
mod normalize;
pub mod rng;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::FutureExt as _;
use rzk_client::{Client, PersistentWatch};
use rzk_proto::client::{Request, SyncRequest};

pub use gen::Step;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The seed of the operation sequence.
    pub seed: u64,
    /// Steps to run.
    pub steps: usize,
    /// Concurrent sessions per server.
    pub sessions: usize,
    /// Print every step and both answers to stderr (to study a divergence).
    pub trace: bool,
}

/// The first difference found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seed {seed}, step {step}: {what}\n  op: {op}\n  A: {a}\n  B: {b}")]
pub struct Divergence {
    /// The run's seed.
    pub seed: u64,
    /// The step at which the servers differed.
    pub step: usize,
    /// The operation.
    pub op: String,
    /// What differed (reply, events).
    pub what: &'static str,
    /// Server A's normalised answer.
    pub a: String,
    /// Server B's normalised answer.
    pub b: String,
}

/// Why a run could not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The servers behaved differently.
    #[error(transparent)]
    Diverged(#[from] Box<Divergence>),
    /// A client call failed outright (connection lost, timeout…).
    #[error("seed {seed}, step {step}: server {server}: {error}")]
    Client {
        /// The run's seed.
        seed: u64,
        /// The step.
        step: usize,
        /// "A" or "B".
        server: &'static str,
        /// The client error.
        error: rzk_client::Error,
    },
}

struct Side {
    name: &'static str,
    hosts: String,
    clients: Vec<Client>,
    events: Vec<PersistentWatch>,
    names: BTreeMap<i64, usize>,
    next_name: usize,
}

impl normalize::Sessions for Side {
    fn name(&self, id: i64) -> String {
        self.names
            .get(&id)
            .map_or_else(|| format!("{id:#x}"), |i| format!("s{i}"))
    }
}

impl Side {
    async fn open(&mut self) -> Result<(Client, PersistentWatch), rzk_client::Error> {
        let c = Client::builder(self.hosts.clone())
            .session_timeout(Duration::from_secs(30))
            .request_timeout(Duration::from_secs(20))
            .connect()
            .await?;
        self.names.insert(c.session_id(), self.next_name);
        self.next_name += 1;
        let events = c.notifications();
        Ok((c, events))
    }

    /// Collects the events each session received, using a sync on every
    /// session as a barrier: a reply leaves after every notification queued
    /// before it on the same connection.
    async fn drain_events(&mut self) -> Result<Vec<String>, rzk_client::Error> {
        let mut out = Vec::new();
        for (i, c) in self.clients.iter().enumerate() {
            c.raw(Request::Sync(SyncRequest { path: "/".into() }))
                .await?;
            while let Some(Some(ev)) = self.events[i].next_event().now_or_never() {
                out.push(format!(
                    "s{i}: {:?} {:?} {} zxid={}",
                    ev.event_type, ev.state, ev.path, ev.zxid
                ));
            }
        }
        Ok(out)
    }
}

async fn side(name: &'static str, hosts: &str, sessions: usize) -> Result<Side, rzk_client::Error> {
    let mut s = Side {
        name,
        hosts: hosts.to_string(),
        clients: Vec::new(),
        events: Vec::new(),
        names: BTreeMap::new(),
        next_name: 0,
    };
    for i in 0..sessions {
        let (c, ev) = s.open().await?;
        // Session 0 authenticates, so digest and auth ACLs get exercised.
        if i == 0 {
            c.add_auth("digest", bytes::Bytes::from_static(b"user:pass"))
                .await?;
        }
        s.clients.push(c);
        s.events.push(ev);
    }
    Ok(s)
}

/// Runs one seeded sequence against servers `a` and `b`.
pub async fn run(a: &str, b: &str, cfg: &Config) -> Result<(), RunError> {
    let client_err = |server: &'static str, step: usize| {
        move |error| RunError::Client {
            seed: cfg.seed,
            step,
            server,
            error,
        }
    };
    let mut sa = side("A", a, cfg.sessions)
        .await
        .map_err(client_err("A", 0))?;
    let mut sb = side("B", b, cfg.sessions)
        .await
        .map_err(client_err("B", 0))?;
    let mut rng = rng::Rng::new(cfg.seed);
    for step in 1..=cfg.steps {
        let s = gen::step(&mut rng, cfg.sessions);
        let op = format!("{s:?}");
        let diverged = |what, a: String, b: String| {
            Box::new(Divergence {
                seed: cfg.seed,
                step,
                op: op.clone(),
                what,
                a,
                b,
            })
        };
        match &s {
            Step::Request { session, request } => {
                let code = request.opcode();
                let ra = sa.clients[*session].raw(request.clone()).await;
                let rb = sb.clients[*session].raw(request.clone()).await;
                // The header's zxid too: both servers start empty, so every
                // write must consume the same zxids and every read report
                // the same last one.
                let ta = match ra {
                    Ok(r) => format!(
                        "zxid={:#x} {}",
                        r.zxid,
                        normalize::reply(code, r.err, &r.body, &sa)
                    ),
                    Err(e) => format!("client error: {e}"),
                };
                let tb = match rb {
                    Ok(r) => format!(
                        "zxid={:#x} {}",
                        r.zxid,
                        normalize::reply(code, r.err, &r.body, &sb)
                    ),
                    Err(e) => format!("client error: {e}"),
                };
                if cfg.trace {
                    eprintln!("{step}: {op}\n    A: {ta}\n    B: {tb}");
                }
                if ta != tb {
                    return Err(diverged("reply", ta, tb).into());
                }
            }
            Step::Reopen { session } => {
                for side in [&mut sa, &mut sb] {
                    let _ = side.clients[*session].close().await;
                    let (c, ev) = side.open().await.map_err(client_err(side.name, step))?;
                    side.clients[*session] = c;
                    side.events[*session] = ev;
                }
            }
        }
        let mut ea = sa.drain_events().await.map_err(client_err("A", step))?;
        let mut eb = sb.drain_events().await.map_err(client_err("B", step))?;
        if matches!(s, Step::Reopen { .. }) {
            // A closing session's ephemerals are deleted in Java's HashSet
            // order, which PROTOCOL.md §10 leaves unspecified (clients must
            // not depend on it) and rzk does in path order; so the events of
            // one session close are compared as a set. Every other step's
            // events are compared in order.
            ea.sort();
            eb.sort();
        }
        if cfg.trace && !(ea.is_empty() && eb.is_empty()) {
            eprintln!("    events A: {ea:?}\n    events B: {eb:?}");
        }
        if ea != eb {
            return Err(diverged("events", ea.join(" | "), eb.join(" | ")).into());
        }
    }
    for side in [&sa, &sb] {
        for c in &side.clients {
            let _ = c.close().await;
        }
    }
    Ok(())
}
