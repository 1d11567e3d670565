//! InterProcessMutex: exclusion under contention, timeouts, re-entrancy,
//! cleanup of abandoned attempts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rzk_client::recipes::InterProcessMutex;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_sessions_never_hold_the_mutex_together() {
    let zk = server();
    let cs = clients(&zk, 12).await;
    create_counter(&cs[0], "/counter").await;
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    const ROUNDS: usize = 8;
    let mut tasks = Vec::new();
    for c in cs.clone() {
        let (inside, max_inside) = (inside.clone(), max_inside.clone());
        tasks.push(tokio::spawn(async move {
            let mut m = InterProcessMutex::new(&c, "/locks/m").unwrap();
            for _ in 0..ROUNDS {
                m.acquire().await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max_inside.fetch_max(now, Ordering::SeqCst);
                unsafe_increment(&c, "/counter").await;
                inside.fetch_sub(1, Ordering::SeqCst);
                m.release().await.unwrap();
            }
        }));
    }
    for t in tasks {
        within("contenders", t).await.unwrap();
    }
    assert_eq!(read_counter(&cs[0], "/counter").await, (12 * ROUNDS) as i64);
    assert_eq!(max_inside.load(Ordering::SeqCst), 1);
    // Every lock node was deleted; only the container parent remains.
    assert!(cs[0]
        .get_children("/locks/m")
        .await
        .map(|c| c.is_empty())
        .unwrap_or(true));
}

#[tokio::test]
async fn lock_nodes_use_curators_protected_names() {
    let zk = server();
    let c = client(&zk).await;
    let mut m = InterProcessMutex::new(&c, "/l").unwrap();
    m.acquire().await.unwrap();
    let p = m.lock_path().unwrap().to_string();
    let name = p.strip_prefix("/l/").unwrap();
    // _c_ + 36-char uuid + "-lock-" + 10-digit sequence
    assert!(name.starts_with("_c_"), "{name}");
    assert_eq!(&name[39..45], "-lock-", "{name}");
    assert_eq!(name.len(), 3 + 36 + 6 + 10, "{name}");
    let (_, stat) = c.get_data(&p).await.unwrap();
    assert_eq!(stat.ephemeral_owner, c.session_id());
    assert_eq!(m.participant_nodes().await.unwrap(), vec![p]);
}

#[tokio::test]
async fn reentrant_per_handle_and_release_balances() {
    let zk = server();
    let (a, b) = (client(&zk).await, client(&zk).await);
    let mut m1 = InterProcessMutex::new(&a, "/r").unwrap();
    let mut m2 = InterProcessMutex::new(&b, "/r").unwrap();
    m1.acquire().await.unwrap();
    assert!(m1.try_acquire(Duration::from_millis(10)).await.unwrap());
    m1.release().await.unwrap();
    assert!(m1.is_acquired(), "one release of two keeps the lock");
    assert!(!m2.try_acquire(Duration::from_millis(300)).await.unwrap());
    m1.release().await.unwrap();
    assert!(!m1.is_acquired());
    assert!(
        m1.release().await.is_err(),
        "releasing an unheld lock is an error"
    );
    assert!(m2.try_acquire(Duration::from_secs(5)).await.unwrap());
}

#[tokio::test]
async fn timeout_and_cancellation_remove_the_waiters_node() {
    let zk = server();
    let (a, b) = (client(&zk).await, client(&zk).await);
    let mut holder = InterProcessMutex::new(&a, "/t").unwrap();
    holder.acquire().await.unwrap();
    let mut waiter = InterProcessMutex::new(&b, "/t").unwrap();
    assert!(!waiter
        .try_acquire(Duration::from_millis(200))
        .await
        .unwrap());
    assert_eq!(holder.participant_nodes().await.unwrap().len(), 1);

    // A cancelled acquire (future dropped while queued) must not leave a
    // node that would block everyone behind it.
    let mut cancelled = InterProcessMutex::new(&b, "/t").unwrap();
    let r = tokio::time::timeout(Duration::from_millis(300), cancelled.acquire()).await;
    assert!(r.is_err());
    eventually("the cancelled waiter's node to go", || async {
        holder.participant_nodes().await.unwrap().len() == 1
    })
    .await;

    // Lock passes to the next waiter on release.
    let next = tokio::spawn(async move {
        let mut w = InterProcessMutex::new(&b, "/t").unwrap();
        w.acquire().await.unwrap();
        w.lock_path().unwrap().to_string()
    });
    eventually("the waiter to queue", || async {
        holder.participant_nodes().await.unwrap().len() == 2
    })
    .await;
    holder.release().await.unwrap();
    within("handover", next).await.unwrap();
}

#[tokio::test]
async fn holders_session_close_hands_the_lock_over() {
    let zk = server();
    let (a, b) = (client(&zk).await, client(&zk).await);
    let mut m1 = InterProcessMutex::new(&a, "/s").unwrap();
    m1.acquire().await.unwrap();
    let mut m2 = InterProcessMutex::new(&b, "/s").unwrap();
    let waiter = tokio::spawn(async move {
        m2.acquire().await.unwrap();
        m2
    });
    a.close().await.unwrap();
    let m2 = within("the lock after the holder's session closed", waiter)
        .await
        .unwrap();
    assert!(m2.is_acquired());
}

#[tokio::test]
async fn readers_share_writers_exclude_and_queued_writers_block_readers() {
    use rzk_client::recipes::ReadWriteLock;
    let zk = server();
    let cs = clients(&zk, 4).await;
    let mut r1 = ReadWriteLock::new(&cs[0], "/rw").unwrap();
    let mut r2 = ReadWriteLock::new(&cs[1], "/rw").unwrap();
    let mut w = ReadWriteLock::new(&cs[2], "/rw").unwrap();
    let mut r3 = ReadWriteLock::new(&cs[3], "/rw").unwrap();
    r1.read_lock().acquire().await.unwrap();
    assert!(
        r2.read_lock()
            .try_acquire(Duration::from_secs(5))
            .await
            .unwrap(),
        "readers share"
    );
    assert!(!w
        .write_lock()
        .try_acquire(Duration::from_millis(300))
        .await
        .unwrap());

    // A writer queues behind the readers; a later reader queues behind it.
    let writer = tokio::spawn(async move {
        w.write_lock().acquire().await.unwrap();
        w
    });
    eventually("the writer to queue", || async {
        cs[0].get_children("/rw").await.unwrap().len() == 3
    })
    .await;
    assert!(!r3
        .read_lock()
        .try_acquire(Duration::from_millis(300))
        .await
        .unwrap());
    r1.read_lock().release().await.unwrap();
    r2.read_lock().release().await.unwrap();
    let mut w = within("the writer", writer).await.unwrap();
    assert!(w.write_lock().is_acquired());
    assert!(!r1
        .read_lock()
        .try_acquire(Duration::from_millis(300))
        .await
        .unwrap());
    // Downgrade: the writer's own read lock goes at once.
    assert!(w
        .read_lock()
        .try_acquire(Duration::from_millis(300))
        .await
        .unwrap());
    w.write_lock().release().await.unwrap();
    assert!(r3
        .read_lock()
        .try_acquire(Duration::from_secs(5))
        .await
        .unwrap());
    let names = cs[0].get_children("/rw").await.unwrap();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("_c_") && n.contains("__READ__")),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_survives_a_connection_loss_and_still_gets_the_lock() {
    use rzk_client::SessionState;
    let zk = server();
    let proxy = crate::Proxy::start(zk.port()).await;
    let flaky = Client::builder(proxy.connect_string())
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let steady = client(&zk).await;
    let mut holder = InterProcessMutex::new(&steady, "/flaky").unwrap();
    holder.acquire().await.unwrap();
    let f = flaky.clone();
    let waiter = tokio::spawn(async move {
        let mut m = InterProcessMutex::new(&f, "/flaky").unwrap();
        m.acquire().await.unwrap();
        m
    });
    eventually("the waiter to queue", || async {
        holder.participant_nodes().await.unwrap().len() == 2
    })
    .await;
    proxy.cut(true);
    within(
        "the disconnect",
        flaky.wait_for_state(|s| s == SessionState::Disconnected),
    )
    .await;
    proxy.cut(false);
    within(
        "the reconnect",
        flaky.wait_for_state(|s| s == SessionState::Connected),
    )
    .await;
    // Same session: the waiter's node and its watch on the holder survive.
    assert_eq!(holder.participant_nodes().await.unwrap().len(), 2);
    holder.release().await.unwrap();
    let m = within("the waiter to get the lock", waiter).await.unwrap();
    assert!(m.is_acquired());
    assert_eq!(holder.participant_nodes().await.unwrap().len(), 1);
}
