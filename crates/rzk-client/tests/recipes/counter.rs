//! DistributedAtomicLong: concurrent increments are never lost.

use rzk_client::recipes::DistributedAtomicLong;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_incrementers_lose_nothing() {
    let zk = server();
    let cs = clients(&zk, 10).await;
    const EACH: usize = 20;
    let mut tasks = Vec::new();
    for c in cs.clone() {
        tasks.push(tokio::spawn(async move {
            let mut n = DistributedAtomicLong::new(&c, "/counters/a").unwrap();
            let mut pres = Vec::new();
            for _ in 0..EACH {
                let v = n.increment().await.unwrap();
                assert!(v.succeeded, "retry budget exhausted: {v:?}");
                assert_eq!(v.post_value, v.pre_value + 1);
                pres.push(v.pre_value);
            }
            pres
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(within("incrementers", t).await.unwrap());
    }
    // Every increment was applied on a distinct previous value: none was
    // lost or applied twice.
    all.sort();
    assert_eq!(all, (0..(10 * EACH) as i64).collect::<Vec<_>>());
    let n = DistributedAtomicLong::new(&cs[0], "/counters/a").unwrap();
    assert_eq!(n.get().await.unwrap(), (10 * EACH) as i64);
    // Curator's layout: 8 big-endian bytes.
    let (data, _) = cs[0].get_data("/counters/a").await.unwrap();
    assert_eq!(data.unwrap().as_ref(), &200i64.to_be_bytes());
}

#[tokio::test]
async fn compare_and_set_add_and_initialize() {
    let zk = server();
    let c = client(&zk).await;
    let mut n = DistributedAtomicLong::new(&c, "/cas").unwrap();
    assert_eq!(n.get().await.unwrap(), 0, "a missing node reads as 0");
    assert!(n.initialize(5).await.unwrap());
    assert!(!n.initialize(9).await.unwrap());
    let v = n.compare_and_set(4, 10).await.unwrap();
    assert!(!v.succeeded);
    assert_eq!(v.pre_value, 5);
    assert!(n.compare_and_set(5, 10).await.unwrap().succeeded);
    assert_eq!(n.add(7).await.unwrap().post_value, 17);
    assert_eq!(n.subtract(20).await.unwrap().post_value, -3);
    assert_eq!(n.decrement().await.unwrap().post_value, -4);
    assert!(n.try_set(42).await.unwrap().succeeded);
    assert_eq!(n.get().await.unwrap(), 42);
}

#[tokio::test]
async fn shared_count_follows_writes_and_refuses_stale_versions() {
    use rzk_client::recipes::SharedCount;
    let zk = server();
    let (a, b) = (client(&zk).await, client(&zk).await);
    let mut ca = SharedCount::start(&a, "/shared/count", 7).await.unwrap();
    let cb = SharedCount::start(&b, "/shared/count", 99).await.unwrap();
    assert_eq!((ca.count(), cb.count()), (7, 7), "the first seed wins");
    let (data, _) = a.get_data("/shared/count").await.unwrap();
    assert_eq!(
        data.unwrap().as_ref(),
        &7i32.to_be_bytes(),
        "Curator's 4-byte layout"
    );

    let seen = cb.versioned();
    cb.set_count(8).await.unwrap();
    let v = within("the change to reach the other participant", ca.changed())
        .await
        .unwrap();
    assert_eq!(v.value, 8);
    assert!(
        !cb.try_set_count(seen, 100).await.unwrap(),
        "stale version refused"
    );
    assert!(ca.try_set_count(ca.versioned(), 9).await.unwrap());
    let cb_sees = || {
        let n = cb.count();
        async move { n == 9 }
    };
    eventually("9 everywhere", cb_sees).await;
}
