//! LeaderLatch: one leader at a time among many sessions, and handover.

use rzk_client::recipes::LeaderLatch;

use super::*;
use crate::Proxy;

fn leaders(latches: &[Option<LeaderLatch>]) -> Vec<usize> {
    latches
        .iter()
        .enumerate()
        .filter(|(_, l)| l.as_ref().is_some_and(|l| l.has_leadership()))
        .map(|(i, _)| i)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_participants_one_leader_and_handover_on_close() {
    let zk = server();
    let cs = clients(&zk, 10).await;
    let mut latches: Vec<Option<LeaderLatch>> = cs
        .iter()
        .enumerate()
        .map(|(i, c)| Some(LeaderLatch::start(c, "/election", &format!("p{i}")).unwrap()))
        .collect();
    let mut seen = Vec::new();
    for round in 0..10 {
        let mut current = Vec::new();
        eventually("exactly one leader", || {
            current = leaders(&latches);
            let ok = current.len() == 1;
            async move { ok }
        })
        .await;
        let leader = current[0];
        let l = latches[leader].as_ref().unwrap();
        // The leader is the participant with the lowest node, and the
        // participants list (leader first) agrees.
        let ids = l.participant_ids().await.unwrap();
        assert_eq!(ids.len(), 10 - round);
        assert_eq!(ids[0], format!("p{leader}"));
        let name = l.our_path().unwrap();
        assert!(name.contains("/_c_") && name.contains("-latch-"), "{name}");
        // A handful of samples while nothing changes: still one leader.
        for _ in 0..5 {
            assert_eq!(leaders(&latches).len(), 1);
            tokio::task::yield_now().await;
        }
        seen.push(leader);
        latches[leader].take().unwrap().close().await.unwrap();
    }
    seen.sort();
    assert_eq!(seen, (0..10).collect::<Vec<_>>(), "everyone led once");
}

#[tokio::test]
async fn leadership_stream_and_session_loss() {
    let zk = server();
    let (a, b) = (client(&zk).await, client(&zk).await);
    let first = LeaderLatch::start(&a, "/l2", "a").unwrap();
    assert!(first.await_leadership_timeout(LIMIT).await.unwrap());
    let second = LeaderLatch::start(&b, "/l2", "b").unwrap();
    let mut changes = second.leadership();
    assert!(!second
        .await_leadership_timeout(Duration::from_millis(300))
        .await
        .unwrap());
    assert!(!changes.current());
    // The leader's session ends: its latch stops leading and the other
    // one takes over.
    a.close().await.unwrap();
    assert!(
        within("leadership change", async {
            loop {
                if changes.changed().await == Some(true) {
                    return true;
                }
            }
        })
        .await
    );
    assert!(second.has_leadership());
    eventually("the closed session's latch to step down", || {
        let l = first.has_leadership();
        async move { !l }
    })
    .await;
    assert!(
        first.await_leadership().await.is_err(),
        "a closed session never leads"
    );
    assert_eq!(
        second.participant_ids().await.unwrap(),
        vec!["b".to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_leader_steps_down_before_anyone_else_leads() {
    let zk = server();
    let proxy = Proxy::start(zk.port()).await;
    let a = Client::builder(proxy.connect_string())
        .session_timeout(Duration::from_secs(4))
        .connect()
        .await
        .unwrap();
    let b = client(&zk).await;
    let first = LeaderLatch::start(&a, "/pl", "a").unwrap();
    assert!(first.await_leadership_timeout(LIMIT).await.unwrap());
    let second = LeaderLatch::start(&b, "/pl", "b").unwrap();
    eventually("b to queue", || async {
        second.participant_ids().await.unwrap().len() == 2
    })
    .await;

    proxy.cut(true);
    // Until b leads (after a's session expires on the server), sample: a
    // must have stepped down, and the two never lead together.
    within("b to take over", async {
        loop {
            let (la, lb) = (first.has_leadership(), second.has_leadership());
            assert!(!(la && lb), "two leaders at once");
            if lb {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(!first.has_leadership());
    proxy.cut(false);
    eventually("a to learn its session expired", || {
        let s = a.state();
        async move { s.is_terminal() }
    })
    .await;
    assert!(first.await_leadership().await.is_err());
}
