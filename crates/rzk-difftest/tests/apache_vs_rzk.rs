//! The same seeded operations against Apache ZooKeeper 3.8.0 (Debian's
//! package, started by the test) and rzk (with `rzk.compat=3.8.0`), every
//! reply and event compared. `RZK_DIFF_SEEDS` and `RZK_DIFF_STEPS` size the
//! run (default 50 seeds × 400 steps = 20,000 operations); a failure prints
//! the seed and the first diverging step; `RZK_DIFF_TRACE=1` with
//! `RZK_DIFF_FIRST_SEED=<seed> RZK_DIFF_SEEDS=1` prints the whole run.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::num::NonZeroU32;

use rzk_core::request::Compat;
use rzk_core::standalone::{Standalone, StandaloneConfig};
use rzk_difftest::{run, Config};
use rzk_server::net::{serve, NetConfig};
use rzk_server::standalone::StandaloneCore;
use rzk_testkit::ApacheZk;

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn rzk() -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut cfg = StandaloneConfig::with_tick_time(NonZeroU32::new(2000).unwrap());
    cfg.compat = Compat::V3_8_0;
    cfg.extended_types = true;
    let core = StandaloneCore::new(
        Standalone::new(cfg, rzk_server::clock::now()),
        String::new(),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(
        listener,
        core,
        NetConfig {
            max_client_cnxns: 0,
            ..NetConfig::default()
        },
        async move {
            let _ = rx.await;
        },
    ));
    (addr, tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_replies_and_events_as_apache_zookeeper() {
    let seeds = env_usize("RZK_DIFF_SEEDS", 50);
    let steps = env_usize("RZK_DIFF_STEPS", 400);
    let first = env_usize("RZK_DIFF_FIRST_SEED", 1) as u64;
    let mut failures = Vec::new();
    for seed in first..first + seeds as u64 {
        // Fresh servers per seed: zxids and session names then line up.
        let zk = ApacheZk::start().unwrap();
        let (addr, _stop) = rzk().await;
        let cfg = Config {
            seed,
            steps,
            sessions: 3,
            trace: std::env::var_os("RZK_DIFF_TRACE").is_some(),
        };
        if let Err(e) = run(&zk.connect_string(), &addr, &cfg).await {
            failures.push(e.to_string());
            if failures.len() >= 3 {
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} seed(s) diverged:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
