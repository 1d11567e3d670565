//! Double barrier, queue, semaphore, leader selector and ephemeral
//! registration, each with many sessions.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rzk_client::recipes::{
    DistributedQueue, DoubleBarrier, EphemeralNode, LeaderSelector, Semaphore,
};
use rzk_client::SessionState;

use super::*;
use crate::Proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_passes_the_barrier_before_all_arrive_or_leaves_before_all_leave() {
    let zk = server();
    let cs = clients(&zk, 10).await;
    let entered = Arc::new(AtomicUsize::new(0));
    let left = Arc::new(AtomicUsize::new(0));
    let (hold_tx, hold_rx) = tokio::sync::oneshot::channel::<()>();
    let mut hold_rx = Some(hold_rx);
    let spawn = |c: Client, hold: Option<tokio::sync::oneshot::Receiver<()>>| {
        let (entered, left) = (entered.clone(), left.clone());
        tokio::spawn(async move {
            let b = DoubleBarrier::new(&c, "/barrier", 10).unwrap();
            assert!(b.enter().await.unwrap());
            entered.fetch_add(1, Ordering::SeqCst);
            if let Some(h) = hold {
                h.await.unwrap();
            }
            assert!(b.leave().await.unwrap());
            left.fetch_add(1, Ordering::SeqCst);
        })
    };
    let mut tasks: Vec<_> = cs[..9].iter().map(|c| spawn(c.clone(), None)).collect();
    let watcher = cs[0].clone();
    eventually("nine members registered", || {
        let w = watcher.clone();
        async move {
            w.get_children("/barrier")
                .await
                .map(|c| c.len() == 9)
                .unwrap_or(false)
        }
    })
    .await;
    assert_eq!(
        entered.load(Ordering::SeqCst),
        0,
        "entered before all arrived"
    );
    // The tenth arrives; it will hold back its leave.
    tasks.push(spawn(cs[9].clone(), hold_rx.take()));
    eventually("everyone through enter", || {
        let n = entered.load(Ordering::SeqCst);
        async move { n == 10 }
    })
    .await;
    // Nine want to leave; they must wait for the tenth.
    eventually("the others to start leaving", || {
        let w = watcher.clone();
        async move {
            w.get_children("/barrier")
                .await
                .map(|c| c.len() <= 3)
                .unwrap_or(false)
        }
    })
    .await;
    assert_eq!(
        left.load(Ordering::SeqCst),
        0,
        "left before the last member"
    );
    hold_tx.send(()).unwrap();
    for t in tasks {
        within("members", t).await.unwrap();
    }
    assert_eq!(left.load(Ordering::SeqCst), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_is_fifo_and_every_item_is_taken_once() {
    let zk = server();
    let cs = clients(&zk, 10).await;
    let q = DistributedQueue::new(&cs[0], "/q").unwrap();
    let items: Vec<String> = (0..30).map(|i| format!("item-{i:02}")).collect();
    for i in &items {
        let p = q.put(i.clone()).await.unwrap();
        assert!(p.starts_with("/q/qn-"), "Curator's layout: {p}");
    }
    assert_eq!(q.peek().await.unwrap().unwrap(), Bytes::from("item-00"));
    let mut got = Vec::new();
    for _ in 0..30 {
        got.push(String::from_utf8(q.take().await.unwrap().to_vec()).unwrap());
    }
    assert_eq!(got, items, "one consumer sees put order");
    assert_eq!(q.poll().await.unwrap(), None);

    // Ten consumers racing, with the producer still putting.
    let mut consumers = Vec::new();
    for c in cs.clone() {
        consumers.push(tokio::spawn(async move {
            let q = DistributedQueue::new(&c, "/q").unwrap();
            let mut mine = Vec::new();
            for _ in 0..5 {
                mine.push(q.take().await.unwrap());
            }
            mine
        }));
    }
    for i in 0..50 {
        q.put(format!("x{i}")).await.unwrap();
    }
    let mut all = Vec::new();
    for t in consumers {
        all.extend(within("consumers", t).await.unwrap());
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 50, "every item taken exactly once");
    assert_eq!(
        q.take_timeout(Duration::from_millis(200)).await.unwrap(),
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semaphore_never_grants_more_than_its_leases() {
    let zk = server();
    let cs = clients(&zk, 10).await;
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for c in cs.clone() {
        let (inside, max_inside) = (inside.clone(), max_inside.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = Semaphore::new(&c, "/sem", 3).unwrap();
            for _ in 0..3 {
                let lease = s.acquire().await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max_inside.fetch_max(now, Ordering::SeqCst);
                assert!(
                    lease.path().starts_with("/sem/leases/_c_") && lease.path().contains("-lease-")
                );
                c.exists("/sem").await.unwrap(); // hold it for a round trip
                inside.fetch_sub(1, Ordering::SeqCst);
                lease.release().await.unwrap();
            }
        }));
    }
    for t in tasks {
        within("semaphore users", t).await.unwrap();
    }
    let max = max_inside.load(Ordering::SeqCst);
    assert!((1..=3).contains(&max), "max holders {max}");
    // A full semaphore times out, and a returned lease makes room.
    let mut s = Semaphore::new(&cs[0], "/sem", 1).unwrap();
    let l = s.acquire().await.unwrap();
    let mut other = Semaphore::new(&cs[1], "/sem", 1).unwrap();
    assert!(other
        .try_acquire(Duration::from_millis(300))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        s.participant_nodes().await.unwrap().len(),
        1,
        "timed-out lease removed"
    );
    l.release().await.unwrap();
    assert!(other.try_acquire(LIMIT).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_selector_runs_one_leader_at_a_time() {
    let zk = server();
    let cs = clients(&zk, 10).await;
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let turns = Arc::new(AtomicUsize::new(0));
    let mut selectors = Vec::new();
    for (i, c) in cs.iter().enumerate() {
        let (inside, max_inside, turns) = (inside.clone(), max_inside.clone(), turns.clone());
        let s = LeaderSelector::start(c, "/leader", &format!("s{i}"), true, move |ctx| {
            let (inside, max_inside, turns) = (inside.clone(), max_inside.clone(), turns.clone());
            async move {
                // Counted out on drop too: close cancels a running term.
                let _term = Term::enter(&inside, &max_inside);
                ctx.client.exists("/leader").await.unwrap();
                turns.fetch_add(1, Ordering::SeqCst);
            }
        })
        .unwrap();
        selectors.push(s);
    }
    eventually("30 leadership turns (requeue)", || {
        let n = turns.load(Ordering::SeqCst);
        async move { n >= 30 }
    })
    .await;
    for s in selectors {
        s.close().await;
    }
    assert_eq!(max_inside.load(Ordering::SeqCst), 1);
    let left = cs[0]
        .get_children("/leader")
        .await
        .map(|c| c.len())
        .unwrap_or(0);
    assert_eq!(left, 0, "closed selectors leave no node");
}

#[tokio::test]
async fn ephemeral_registration_comes_back_after_delete_and_expiry() {
    let zk = server();
    let other = client(&zk).await;
    // The registration connects through a proxy the test can cut, so its
    // session really expires on the server (4 s, the 3.8 minimum).
    let proxy = Proxy::start(zk.port()).await;
    let builder = Client::builder(proxy.connect_string()).session_timeout(Duration::from_secs(4));
    let reg = EphemeralNode::start(builder, "/services/api/node-1", "10.0.0.1:80")
        .await
        .unwrap();
    assert!(reg.wait_created(1, LIMIT).await);
    let first = reg.client().unwrap();
    let (data, stat) = other.get_data("/services/api/node-1").await.unwrap();
    assert_eq!(data.as_deref(), Some(&b"10.0.0.1:80"[..]));
    assert_eq!(stat.ephemeral_owner, first.session_id());

    other.delete("/services/api/node-1", -1).await.unwrap();
    assert!(reg.wait_created(2, LIMIT).await, "re-created after delete");

    proxy.cut(true);
    eventually("the session to expire on the server", || {
        let o = other.clone();
        async move { o.exists("/services/api/node-1").await.unwrap().is_none() }
    })
    .await;
    proxy.cut(false);
    assert!(
        reg.wait_created(3, LIMIT).await,
        "re-created in a new session"
    );
    assert_eq!(first.state(), SessionState::Expired);
    let second = reg.client().unwrap();
    assert_ne!(second.session_id(), first.session_id());
    let (_, stat) = other.get_data("/services/api/node-1").await.unwrap();
    assert_eq!(stat.ephemeral_owner, second.session_id());

    reg.close().await;
    assert!(other
        .exists("/services/api/node-1")
        .await
        .unwrap()
        .is_none());
}

/// One leadership term in the selector test: counts itself in on creation
/// and out on drop, so a cancelled term is counted out as well.
struct Term(Arc<AtomicUsize>);

impl Term {
    fn enter(inside: &Arc<AtomicUsize>, max_inside: &Arc<AtomicUsize>) -> Term {
        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
        max_inside.fetch_max(now, Ordering::SeqCst);
        Term(inside.clone())
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
