//! LeaderLatch: one leader at a time among many sessions, and handover.

use rzk_client::recipes::LeaderLatch;

use super::*;

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
