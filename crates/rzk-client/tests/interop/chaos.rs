//! Chaos: the server is restarted three times (SIGKILL, SIGTERM, SIGKILL)
//! while workers keep a pipeline of creates full. Every request resolves;
//! each either succeeded (and its node survives every restart) or failed
//! with ConnectionLoss (and was applied at most once); none ran twice. Watches
//! set before the first restart fire exactly once afterwards.
//!
//! "Ran twice" is observable because every create is sequential: a request
//! replayed by the client or the server would leave two nodes with its
//! prefix.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use super::*;

/// Concurrent workers, and requests each keeps in flight at once.
const WORKERS: usize = 6;
const BATCH: usize = 16;
/// Acknowledged creates required between restarts (so every restart hits a
/// running workload, not an idle client).
const BETWEEN: usize = 150;
/// Workers pause once this many more than a round's start are acknowledged:
/// a restart can take seconds (a JVM), and an unbounded workload would grow
/// `/p` past what one getChildren reply may carry.
const ROUND_CAP: usize = 3 * BETWEEN;

/// The bound for a wait that may span a restart: longer than the test kit
/// gives a server to start (60 s; a JVM on a loaded machine can take many
/// seconds), so only a request that is really stuck fails the test.
const OUTAGE: Duration = Duration::from_secs(90);

async fn within_outage<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(OUTAGE, f)
        .await
        .unwrap_or_else(|_| panic!("timed out ({OUTAGE:?}) waiting for {what}"))
}

/// Polls `cond` until it holds, failing the test after [`OUTAGE`].
async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    within_outage(what, async {
        while !cond().await {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// How one request ended.
#[derive(Debug)]
enum Outcome {
    Created(String),
    Lost,
}

/// How a server is taken down before it is started again on the same port
/// and files.
#[derive(Debug, Clone, Copy)]
enum Down {
    Kill,
    Term,
}

/// The workers' shared counters and switches.
#[derive(Default)]
struct Load {
    /// Creates acknowledged so far.
    acked: AtomicUsize,
    /// Workers send no new batch while `acked` is at or above this.
    cap: AtomicUsize,
    stop: AtomicBool,
}

impl Load {
    fn acked(&self) -> usize {
        self.acked.load(Ordering::Acquire)
    }

    /// Waits until `n` creates are acknowledged.
    async fn reach(&self, n: usize) {
        eventually(&format!("{n} acknowledged creates"), || async move {
            self.acked() >= n
        })
        .await;
    }
}

/// Pipelined sequential creates under `/p`, named `w<worker>-<n>-`, until
/// `stop`; returns every request's prefix and outcome.
async fn worker(c: Client, w: usize, load: Arc<Load>) -> Vec<(String, Outcome)> {
    let mut done = Vec::new();
    let mut n = 0;
    while !load.stop.load(Ordering::Acquire) {
        if load.acked() >= load.cap.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let batch: Vec<String> = (n..n + BATCH).map(|i| format!("w{w}-{i}-")).collect();
        n += BATCH;
        let calls = batch.iter().map(|prefix| {
            let c = &c;
            async move {
                let path = format!("/p/{prefix}");
                c.create(
                    &path,
                    None,
                    &Acl::open_unsafe(),
                    CreateMode::PersistentSequential,
                )
                .await
            }
        });
        let results = within_outage("a batch of creates", futures::future::join_all(calls)).await;
        for (prefix, r) in batch.into_iter().zip(results) {
            let outcome = match r {
                Ok(p) => {
                    load.acked.fetch_add(1, Ordering::AcqRel);
                    Outcome::Created(p)
                }
                Err(Error::ConnectionLoss) => Outcome::Lost,
                Err(e) => panic!("create {prefix}: unexpected {e}"),
            };
            done.push((prefix, outcome));
        }
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_under_pipelined_load_lose_nothing_and_run_nothing_twice() {
    let mut zk = server();
    let c = Client::builder(zk.connect_string())
        .session_timeout(Duration::from_secs(20))
        .max_in_flight(64)
        .connect()
        .await
        .unwrap();
    let id = c.session_id();
    c.create("/p", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    for path in ["/w", "/w/d0", "/w/d1", "/w/d2", "/r", "/end"] {
        c.create(path, None, &open(), CreateMode::Persistent)
            .await
            .unwrap();
    }

    // Watches of every kind, set before the first restart.
    let mut notes = c.notifications();
    let mut data_watches = Vec::new();
    for i in 0..3 {
        let (_, _, w) = c.get_data_watch(&format!("/w/d{i}")).await.unwrap();
        data_watches.push(w);
    }
    let (_, child_watch) = c.get_children_watch("/w").await.unwrap();
    let (_, created_watch) = c.exists_watch("/w/new").await.unwrap();
    let mut recursive = c
        .add_watch("/r", AddWatchMode::PersistentRecursive)
        .await
        .unwrap();
    let (_, _, end_watch) = c.get_data_watch("/end").await.unwrap();

    let load = Arc::new(Load {
        cap: AtomicUsize::new(ROUND_CAP),
        ..Load::default()
    });
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| tokio::spawn(worker(c.clone(), w, load.clone())))
        .collect();

    let mut changes = c.state_changes();
    for (round, down) in [Down::Kill, Down::Term, Down::Kill].into_iter().enumerate() {
        let base = load.acked();
        load.cap.store(base + ROUND_CAP, Ordering::Release);
        load.reach(base + BETWEEN).await;
        // The restart blocks (it waits for the server to serve): off the
        // runtime, so the workers keep sending into the outage.
        zk = tokio::task::spawn_blocking(move || {
            match down {
                Down::Kill => zk.kill(),
                Down::Term => {
                    zk.stop().unwrap();
                }
            }
            zk.restart().unwrap();
            zk
        })
        .await
        .unwrap();
        within("Disconnected", async {
            while changes.recv().await.unwrap() != SessionState::Disconnected {}
        })
        .await;
        // Bounded by OUTAGE, not by the 10 s of `within`: a connection
        // made while the server was starting can be left open and silent
        // (Apache ZooKeeper 3.8 throws a NullPointerException closing it,
        // seen in CI), and the client, as the Java client does, then waits
        // its whole connect budget (the 20 s session timeout over one
        // server) for a ConnectResponse before it tries again.
        within_outage("Connected again", async {
            while changes.recv().await.unwrap() != SessionState::Connected {}
        })
        .await;
        assert_eq!(c.session_id(), id, "the session survives restart {round}");
    }
    // Work continues on the last server run before the workers stop.
    let base = load.acked();
    load.cap.store(base + ROUND_CAP, Ordering::Release);
    load.reach(base + BETWEEN).await;
    load.stop.store(true, Ordering::Release);
    let mut outcomes = Vec::new();
    for w in workers {
        outcomes.extend(within_outage("workers", w).await.unwrap());
    }

    // What the server holds, by request prefix ("w3-17-" of "w3-17-0000000042").
    let children = c.get_children("/p").await.unwrap();
    let mut by_prefix: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in &children {
        let cut = name.len().saturating_sub(10);
        by_prefix.entry(&name[..cut]).or_default().push(name);
    }
    let mut lost = 0;
    for (prefix, outcome) in &outcomes {
        let found = by_prefix.remove(prefix.as_str()).unwrap_or_default();
        match outcome {
            Outcome::Created(path) => assert_eq!(
                found,
                vec![path.trim_start_matches("/p/")],
                "acknowledged {path}: exactly it must exist"
            ),
            Outcome::Lost => {
                lost += 1;
                assert!(found.len() <= 1, "{prefix} ran twice: {found:?}");
            }
        }
    }
    assert!(
        by_prefix.is_empty(),
        "nodes no request asked for: {by_prefix:?}"
    );
    assert!(
        lost > 0,
        "no request was in flight at any restart: the test proved nothing"
    );
    assert!(outcomes.len() - lost >= 4 * BETWEEN);

    // Now fire every watch set before the restarts, each change twice (a
    // re-armed one-shot watch must still fire only once).
    let writer = client(&zk).await;
    for _ in 0..2 {
        for i in 0..3 {
            writer
                .set_data(&format!("/w/d{i}"), Some(Bytes::from_static(b"x")), -1)
                .await
                .unwrap();
        }
    }
    writer
        .create("/w/new", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    writer
        .create("/w/more", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    writer
        .create("/r/x", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    writer.delete("/r/x", -1).await.unwrap();
    // Notifications reach a session in zxid order: once /end's arrives,
    // every earlier one has.
    writer.set_data("/end", None, -1).await.unwrap();

    for (i, w) in data_watches.into_iter().enumerate() {
        let ev = within("a data watch", w).await;
        assert_eq!(
            (ev.event_type, ev.path),
            (EventType::NodeDataChanged, format!("/w/d{i}"))
        );
    }
    let ev = within("the child watch", child_watch).await;
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeChildrenChanged, "/w")
    );
    let ev = within("the exists watch", created_watch).await;
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeCreated, "/w/new")
    );
    within("the /end watch", end_watch).await;
    let mut seen = Vec::new();
    loop {
        let ev = within("notifications", notes.next_event()).await.unwrap();
        if ev.event_type == EventType::None {
            continue; // connection state, not a watch
        }
        let last = ev.path == "/end";
        seen.push((ev.event_type, ev.path));
        if last {
            break;
        }
    }
    let want: Vec<(EventType, String)> = [
        (EventType::NodeDataChanged, "/w/d0"),
        (EventType::NodeDataChanged, "/w/d1"),
        (EventType::NodeDataChanged, "/w/d2"),
        (EventType::NodeCreated, "/w/new"),
        (EventType::NodeChildrenChanged, "/w"),
        (EventType::NodeCreated, "/r/x"),
        (EventType::NodeDeleted, "/r/x"),
        (EventType::NodeDataChanged, "/end"),
    ]
    .into_iter()
    .map(|(t, p)| (t, p.to_string()))
    .collect();
    assert_eq!(seen, want, "each watch fired once, in zxid order");
    let mut rec = Vec::new();
    for _ in 0..2 {
        let ev = within("recursive watch", recursive.next_event())
            .await
            .unwrap();
        rec.push((ev.event_type, ev.path));
    }
    assert_eq!(
        rec,
        vec![
            (EventType::NodeCreated, "/r/x".to_string()),
            (EventType::NodeDeleted, "/r/x".to_string())
        ]
    );
}
