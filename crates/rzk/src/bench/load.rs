//! `rzk bench run`: S sessions, each keeping K requests in flight (pipelined
//! on its one connection), drawing ops from a mix over a key space, for a
//! duration or an op count, after an optional warm-up.
//!
//! Each session is one task that owns its client, its keys and its
//! recorder, and keeps up to K op futures in a `FuturesUnordered`: no locks
//! on the request path, and the only shared state is the [`Control`]
//! counters. An op counts when it was issued in the measured phase and
//! answered before the measurement ended; throughput is successes divided
//! by the measured time.
//!
//! By default the load is closed-loop: a session sends a request as soon as
//! one of its K slots frees. With `--rate R` it is open-loop: the sessions
//! together send R requests per second on a fixed schedule (K still bounds
//! what is outstanding), so two servers can be compared at the same offered
//! load. Latency is then still measured from the actual send; when a server
//! cannot keep up, the achieved rate falls short of R, which the report
//! shows next to the target.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use rzk_client::{Acl, Client, Error};

use super::clock;
use super::control::{Control, Phase};
use super::error::BenchError;
use super::keys::{KeyPool, KeySpace, Shape};
use super::mix::Mix;
use super::ops::{self, OpContext};
use super::progress::Progress;
use super::report::{op_report, op_reports, RunReport};
use super::rng::Rng;
use super::sessions::{close_all, ensure_path, pipelined, SessionOptions};
use super::stats::Recorder;

/// Requests in flight per session while creating the key space (not
/// measured, so as fast as the server allows).
const SETUP_IN_FLIGHT: usize = 64;

/// When the measurement ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After this long.
    After(Duration),
    /// Once this many requests were answered.
    Ops(u64),
}

/// How to run `rzk bench run`.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// How sessions are opened.
    pub sessions: SessionOptions,
    /// Number of sessions.
    pub session_count: usize,
    /// Requests in flight per session.
    pub in_flight: usize,
    /// The op mix.
    pub mix: Mix,
    /// Bytes per written value.
    pub value_size: usize,
    /// Keys created before the measurement (when the mix needs them).
    pub keys: u64,
    /// Key layout.
    pub shape: Shape,
    /// When to stop.
    pub stop: Stop,
    /// Unrecorded run time first.
    pub warmup: Duration,
    /// Seeds every choice.
    pub seed: u64,
    /// The parent of every run's own znode.
    pub root: String,
    /// Progress line interval (`None`: no progress line).
    pub progress: Option<Duration>,
    /// Open-loop target: requests per second over all sessions (`None`:
    /// closed loop).
    pub rate: Option<f64>,
}

/// What one session task brings back.
struct SessionResult {
    recorder: Recorder,
    fallbacks: u64,
}

/// Everything a session task needs, owned.
struct SessionTask {
    index: u64,
    client: Client,
    keys: Arc<KeySpace>,
    pool: KeyPool,
    mix: Mix,
    value: Bytes,
    in_flight: usize,
    seed: u64,
    ctl: Arc<Control>,
    /// Time between two sends of this session (open loop), or `None`.
    period: Option<Duration>,
}

impl SessionTask {
    async fn run(mut self) -> SessionResult {
        let mut rng = Rng::stream(self.seed, self.index);
        let mut recorder = Recorder::default();
        let mut fallbacks = 0;
        let acl = Acl::open_unsafe();
        let cx = OpContext {
            client: &self.client,
            keys: &self.keys,
            session: self.index,
            value: &self.value,
            acl: &acl,
        };
        let mut pending = FuturesUnordered::new();
        let mut issuing = true;
        // Open loop: the next send is due at `due`; sends that fell behind
        // (all slots busy, or a late timer) go out as soon as they can.
        let mut due = clock::now();
        let mut last_phase = self.ctl.phase();
        loop {
            let phase_now = self.ctl.phase();
            if phase_now != last_phase {
                // A backlog left by the warm-up is not part of the measured
                // load: the schedule restarts at the measurement.
                due = due.max(clock::now());
                last_phase = phase_now;
            }
            while issuing && pending.len() < self.in_flight {
                if let Some(period) = self.period {
                    if clock::now() < due {
                        break;
                    }
                    due += period;
                }
                let phase = self.ctl.phase();
                if !self.ctl.try_issue(phase) {
                    // Stopped or out of budget: neither comes back.
                    issuing = false;
                    break;
                }
                let kind = self.mix.pick(&mut rng);
                let (plan, fell_back) = ops::plan(kind, &mut self.pool, &mut rng);
                if fell_back && phase == Phase::Measure {
                    fallbacks += 1;
                }
                pending.push(async move {
                    let started = clock::now();
                    let result = ops::execute(cx, plan).await;
                    (plan, phase, started, clock::now(), result)
                });
            }
            let next = match self.period {
                Some(_) if issuing && pending.len() < self.in_flight => {
                    if self.ctl.phase() == Phase::Stop {
                        if pending.is_empty() {
                            break;
                        }
                        pending.next().await
                    } else {
                        tokio::select! {
                            biased;
                            done = pending.next(), if !pending.is_empty() => done,
                            _ = tokio::time::sleep_until(due.into()) => continue,
                        }
                    }
                }
                _ => pending.next().await,
            };
            let Some((plan, phase, started, finished, result)) = next else {
                break;
            };
            ops::settle(&plan, &result, &mut self.pool);
            // Counted only if issued while measuring and answered before
            // the measurement ended.
            let counted = phase == Phase::Measure && self.ctl.phase() == Phase::Measure;
            match &result {
                Ok(()) if counted => recorder.ok(plan.kind(), finished - started),
                Err(e) if counted => recorder.err(plan.kind(), e),
                _ => {}
            }
            if phase == Phase::Warmup || counted {
                self.ctl.completed(phase, result.is_ok());
            }
            if let Err(e) = &result {
                // A session that can never work again stops issuing.
                if matches!(e, Error::SessionExpired | Error::Closed | Error::AuthFailed) {
                    issuing = false;
                }
            }
        }
        SessionResult {
            recorder,
            fallbacks,
        }
    }
}

/// Runs the workload and returns its report.
pub async fn run(cfg: &LoadConfig) -> Result<RunReport, BenchError> {
    if cfg.session_count == 0 || cfg.in_flight == 0 {
        return Err(BenchError::Failed(
            "--sessions and --in-flight must be at least 1".into(),
        ));
    }
    if cfg.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err(BenchError::Failed(
            "--rate must be a positive number".into(),
        ));
    }
    let clients = cfg.sessions.connect_many(cfg.session_count).await?;
    let result = measure(cfg, &clients).await;
    close_all(&clients).await;
    result
}

async fn measure(cfg: &LoadConfig, clients: &[Client]) -> Result<RunReport, BenchError> {
    let first = &clients[0];
    // The first session's id is unique on the server: a fresh root per run,
    // so runs against one server never collide.
    let run_root = format!(
        "{}/run-{:x}",
        cfg.root.trim_end_matches('/'),
        first.session_id()
    );
    let keys = if cfg.mix.needs_existing() {
        cfg.keys
    } else {
        0
    };
    let space = Arc::new(KeySpace::new(
        run_root.clone(),
        cfg.shape,
        keys,
        cfg.session_count as u64,
    ));
    setup(cfg, clients, &space).await?;

    let value = Bytes::from(Rng::stream(cfg.seed, u64::MAX).bytes(cfg.value_size));
    let budget = match cfg.stop {
        Stop::Ops(n) => Some(n),
        Stop::After(_) => None,
    };
    let first_phase = if cfg.warmup.is_zero() {
        Phase::Measure
    } else {
        Phase::Warmup
    };
    let ctl = Arc::new(Control::new(first_phase, budget));
    let progress = cfg
        .progress
        .map(|every| Progress::start(ctl.clone(), every));
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let task = SessionTask {
                index: i as u64,
                client: c.clone(),
                keys: space.clone(),
                pool: KeyPool::new(space.initial_keys(i as u64)),
                mix: cfg.mix.clone(),
                value: value.clone(),
                in_flight: cfg.in_flight,
                seed: cfg.seed,
                ctl: ctl.clone(),
                period: cfg
                    .rate
                    .map(|r| Duration::from_secs_f64(cfg.session_count as f64 / r)),
            };
            tokio::spawn(task.run())
        })
        .collect();

    if !cfg.warmup.is_zero() {
        tokio::time::sleep(cfg.warmup).await;
        ctl.set_phase(Phase::Measure);
    }
    let mut ended = None;
    if let Stop::After(d) = cfg.stop {
        tokio::time::sleep(d).await;
        ctl.set_phase(Phase::Stop);
        ended = Some(clock::now());
    }
    let mut recorder = Recorder::default();
    let mut fallbacks = 0;
    for t in tasks {
        let r = t
            .await
            .map_err(|e| BenchError::Failed(format!("a session task failed: {e}")))?;
        recorder.merge(&r.recorder);
        fallbacks += r.fallbacks;
    }
    // An --ops run ends when its last request is answered.
    let ended = ended.unwrap_or_else(clock::now);
    ctl.set_phase(Phase::Stop);
    if let Some(p) = progress {
        p.finish().await;
    }
    let elapsed_s = ctl
        .started()
        .map_or(0.0, |s| ended.saturating_duration_since(s).as_secs_f64());
    Ok(RunReport {
        workload: "run".into(),
        server: cfg.sessions.server.clone(),
        sessions: cfg.session_count,
        in_flight: cfg.in_flight,
        target_rate: cfg.rate,
        mix: cfg.mix.to_string(),
        value_size: cfg.value_size,
        keys,
        shape: match cfg.shape {
            Shape::Flat => "flat".into(),
            Shape::Tree => "tree".into(),
        },
        seed: cfg.seed,
        root: run_root,
        warmup_s: cfg.warmup.as_secs_f64(),
        elapsed_s,
        total: op_report(&recorder, None, elapsed_s),
        ops: op_reports(&recorder, elapsed_s),
        fallbacks,
    })
}

/// Creates the run's root, its directories and every session's initial
/// keys (pipelined, not measured).
async fn setup(cfg: &LoadConfig, clients: &[Client], space: &KeySpace) -> Result<(), BenchError> {
    let first = &clients[0];
    ensure_path(first, space.root()).await?;
    let acl = Acl::open_unsafe();
    // Directories level by level: a parent must exist before its children.
    let dirs = space.dirs();
    for depth in [2usize, 3] {
        let level = dirs
            .iter()
            .filter(|d| d[space.root().len()..].matches('/').count() == depth - 1);
        pipelined(level.map(|d| create_empty(first, d, &acl)), SETUP_IN_FLIGHT).await?;
    }
    let value = Bytes::from(Rng::stream(cfg.seed, u64::MAX - 1).bytes(cfg.value_size));
    let per_session = clients.iter().enumerate().map(|(s, c)| {
        let value = value.clone();
        let acl = &acl;
        async move {
            let s = s as u64;
            pipelined(
                (0..space.initial_keys(s)).map(|id| {
                    let path = space.path(s, id);
                    let value = value.clone();
                    async move {
                        c.create(&path, value, acl, rzk_client::CreateMode::Persistent)
                            .await
                            .map_err(|source| BenchError::Setup {
                                step: format!("create {path}"),
                                source,
                            })
                    }
                }),
                SETUP_IN_FLIGHT,
            )
            .await
            .map(drop)
        }
    });
    pipelined(per_session, clients.len()).await?;
    Ok(())
}

async fn create_empty(client: &Client, path: &str, acl: &[Acl]) -> Result<(), BenchError> {
    client
        .create(path, None, acl, rzk_client::CreateMode::Persistent)
        .await
        .map(drop)
        .map_err(|source| BenchError::Setup {
            step: format!("create {path}"),
            source,
        })
}
