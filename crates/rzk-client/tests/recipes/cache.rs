//! NodeCache and TreeCache: initial load, then ordered change events.

use rzk_client::recipes::{NodeCache, NodeCacheEvent, TreeCache, TreeCacheEvent};

use super::*;

fn open() -> Vec<Acl> {
    Acl::open_unsafe()
}

async fn next(cache: &mut TreeCache) -> TreeCacheEvent {
    within("a tree cache event", cache.next_event())
        .await
        .unwrap()
}

/// (kind, path) of an event, for compact assertions.
fn brief(e: &TreeCacheEvent) -> (&'static str, String) {
    match e {
        TreeCacheEvent::Created(n) => ("created", n.path.clone()),
        TreeCacheEvent::Changed { new, .. } => ("changed", new.path.clone()),
        TreeCacheEvent::Deleted(n) => ("deleted", n.path.clone()),
        TreeCacheEvent::Initialized => ("initialized", String::new()),
    }
}

#[tokio::test]
async fn tree_cache_loads_then_follows_changes() {
    let zk = server();
    let (c, writer) = (client(&zk).await, client(&zk).await);
    for p in ["/tc", "/tc/a", "/tc/a/b"] {
        c.create(p, Some(Bytes::from(p)), &open(), CreateMode::Persistent)
            .await
            .unwrap();
    }
    let mut cache = TreeCache::start(&c, "/tc").await.unwrap();
    let mut initial = Vec::new();
    loop {
        let e = next(&mut cache).await;
        if e == TreeCacheEvent::Initialized {
            break;
        }
        initial.push(brief(&e));
    }
    let created = |p: &str| ("created", p.to_string());
    assert_eq!(
        initial,
        vec![created("/tc"), created("/tc/a"), created("/tc/a/b")]
    );
    assert_eq!(
        cache.get("/tc/a/b").unwrap().data.as_deref(),
        Some(&b"/tc/a/b"[..])
    );

    writer
        .set_data("/tc/a", Some(Bytes::from_static(b"new")), -1)
        .await
        .unwrap();
    writer
        .create("/tc/c", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    writer.delete("/tc/a/b", -1).await.unwrap();
    let e = next(&mut cache).await;
    match &e {
        TreeCacheEvent::Changed { old, new } => {
            assert_eq!(old.data.as_deref(), Some(&b"/tc/a"[..]));
            assert_eq!(new.data.as_deref(), Some(&b"new"[..]));
        }
        other => panic!("expected a change, got {other:?}"),
    }
    assert_eq!(brief(&next(&mut cache).await), created("/tc/c"));
    assert_eq!(
        brief(&next(&mut cache).await),
        ("deleted", "/tc/a/b".to_string())
    );
    assert_eq!(
        cache.children("/tc"),
        vec!["a".to_string(), "c".to_string()]
    );
    assert!(cache.children("/tc/a").is_empty());
    assert_eq!(cache.snapshot().len(), 3);

    // Deleting the root is reported too, and re-creating it is seen.
    writer.delete("/tc/c", -1).await.unwrap();
    writer.delete("/tc/a", -1).await.unwrap();
    writer.delete("/tc", -1).await.unwrap();
    writer
        .create("/tc", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    let mut rest = Vec::new();
    for _ in 0..4 {
        rest.push(brief(&next(&mut cache).await));
    }
    assert_eq!(
        rest,
        vec![
            ("deleted", "/tc/c".to_string()),
            ("deleted", "/tc/a".to_string()),
            ("deleted", "/tc".to_string()),
            created("/tc"),
        ]
    );
    cache.close().await;
}

#[tokio::test]
async fn node_cache_follows_one_node() {
    let zk = server();
    let (c, writer) = (client(&zk).await, client(&zk).await);
    let mut cache = NodeCache::start(&c, "/nc").await.unwrap();
    assert_eq!(cache.current(), None);
    writer
        .create(
            "/nc",
            Some(Bytes::from_static(b"1")),
            &open(),
            CreateMode::Persistent,
        )
        .await
        .unwrap();
    // A child does not change the node's data: no event for it.
    writer
        .create("/nc/child", None, &open(), CreateMode::Persistent)
        .await
        .unwrap();
    writer
        .set_data("/nc", Some(Bytes::from_static(b"2")), -1)
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..2 {
        match within("a node cache event", cache.next_event())
            .await
            .unwrap()
        {
            NodeCacheEvent::Changed(n) => seen.push(n.data.unwrap()),
            NodeCacheEvent::Deleted => panic!("unexpected delete"),
        }
    }
    assert_eq!(
        seen,
        vec![Bytes::from_static(b"1"), Bytes::from_static(b"2")]
    );
    assert_eq!(cache.current().unwrap().data.as_deref(), Some(&b"2"[..]));
    writer.delete("/nc/child", -1).await.unwrap();
    writer.delete("/nc", -1).await.unwrap();
    assert_eq!(
        within("delete", cache.next_event()).await,
        Some(NodeCacheEvent::Deleted)
    );
    assert_eq!(cache.current(), None);
    cache.close().await;
}
