//! Hard quotas with `enforceQuota=true`: the same writes against Apache
//! ZooKeeper and rzk get the same answers (PROTOCOL.md §3.12).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode};
use rzk_testkit::{ApacheZk, RzkServer, ZkOptions};

async fn outcomes(hosts: &str) -> Vec<String> {
    let c = Client::connect(hosts).await.unwrap();
    let open = Acl::open_unsafe();
    let mut out = Vec::new();
    let mut note = |what: &str, r: Result<String, rzk_client::Error>| {
        out.push(format!(
            "{what}: {}",
            r.map_or_else(|e| e.to_string(), |_| "ok".into())
        ));
    };
    let data = |s: &'static str| Some(Bytes::from_static(s.as_bytes()));
    for (p, d) in [
        ("/q", ""),
        ("/zookeeper/quota/q", ""),
        (
            "/zookeeper/quota/q/zookeeper_limits",
            "count=-1,bytes=-1=;byteHardLimit=8;countHardLimit=3",
        ),
        ("/zookeeper/quota/q/zookeeper_stats", "count=0,bytes=0"),
    ] {
        c.create(p, data(d), &open, CreateMode::Persistent)
            .await
            .unwrap();
    }
    note(
        "a",
        c.create("/q/a", data("1234"), &open, CreateMode::Persistent)
            .await,
    );
    note(
        "b",
        c.create("/q/b", data("12"), &open, CreateMode::Persistent)
            .await,
    );
    note(
        "c: 4th node",
        c.create("/q/c", None, &open, CreateMode::Persistent).await,
    );
    note(
        "grow a past 8 bytes",
        c.set_data("/q/a", data("123456789"), -1)
            .await
            .map(|_| String::new()),
    );
    note(
        "shrink a",
        c.set_data("/q/a", data("1"), -1)
            .await
            .map(|_| String::new()),
    );
    note(
        "outside",
        c.create("/free", data("123456789012"), &open, CreateMode::Persistent)
            .await,
    );
    let stats = c
        .get_data("/zookeeper/quota/q/zookeeper_stats")
        .await
        .unwrap()
        .0;
    out.push(format!("stats: {stats:?}"));
    out
}

#[tokio::test]
async fn hard_quota_answers_match_apache_zookeeper() {
    let apache = ApacheZk::start_with(ZkOptions {
        cfg: vec!["enforceQuota=true".into()],
        ..ZkOptions::default()
    })
    .unwrap();
    let rzk =
        RzkServer::start(Path::new(env!("CARGO_BIN_EXE_rzk")), &["enforceQuota=true"]).unwrap();
    let a = outcomes(&apache.connect_string()).await;
    let b = outcomes(&rzk.connect_string()).await;
    assert!(
        a.iter().any(|l| l.contains("Quota has exceeded")),
        "Apache enforced nothing: {a:#?}"
    );
    assert_eq!(a, b);
}
