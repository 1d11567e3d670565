//! The differential test, end to end: the same seeded operations against
//! Apache ZooKeeper 3.8.0 (Debian's package) and the `rzk server` process
//! (with `rzk.compat=3.8.0`), every reply (code, zxid, body) and every
//! watch event compared. `RZK_DIFF_SEEDS` and `RZK_DIFF_STEPS` size the run
//! (default 50 seeds × 400 steps = 20,000 operations); a failure prints the
//! seed and the first diverging step, and `RZK_DIFF_TRACE=1` with
//! `RZK_DIFF_FIRST_SEED=<seed> RZK_DIFF_SEEDS=1` prints the whole run.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;

use rzk_difftest::{run, Config};
use rzk_testkit::{ApacheZk, RzkServer};

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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
        let rzk =
            RzkServer::start(Path::new(env!("CARGO_BIN_EXE_rzk")), &["rzk.compat=3.8.0"]).unwrap();
        let cfg = Config {
            seed,
            steps,
            sessions: 3,
            trace: std::env::var_os("RZK_DIFF_TRACE").is_some(),
        };
        if let Err(e) = run(&zk.connect_string(), &rzk.connect_string(), &cfg).await {
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
