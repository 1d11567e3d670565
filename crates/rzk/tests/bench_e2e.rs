//! `rzk bench` as a real process against a real `rzk server`: each
//! workload runs to the end, its JSON says what happened, and the server's
//! tree agrees with what the driver claims to have done.
//!
//! With `--features interop` the load driver also runs against Apache
//! ZooKeeper 3.8, the server every figure is compared with.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

use rzk_client::Client;
use rzk_testkit::RzkServer;
use serde_json::Value;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rzk"))
}

fn server() -> RzkServer {
    RzkServer::start(bin(), &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let d = std::env::temp_dir().join(format!("rzk-bench-e2e-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `rzk bench <args> --json <file>`; returns the JSON (panics with
/// stderr if the command failed).
fn bench(scratch: &Scratch, args: &[&str]) -> Value {
    let json = scratch.file("report.json");
    let _ = std::fs::remove_file(&json);
    // --json right after the workload: restart-time ends with a command.
    let out = Command::new(bin())
        .arg("bench")
        .arg(args[0])
        .arg("--json")
        .arg(&json)
        .args(&args[1..])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rzk bench {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Checks a run's report against the server's tree: every op answered,
/// none failed, and the run's root holds exactly keys + creates + multis −
/// deletes znodes.
fn check_run_against(connect: &str, r: &Value, ops: u64) {
    assert_eq!(r["total"]["ok"], ops, "{r:#}");
    assert_eq!(r["total"]["errors"], 0, "{r:#}");
    let by_op = |name: &str| {
        r["ops"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["op"] == name)
            .map_or(0, |o| o["ok"].as_u64().unwrap())
    };
    for op in [
        "create", "set", "get", "exists", "children", "delete", "multi", "check",
    ] {
        assert!(by_op(op) > 0, "no {op} ran: {r:#}");
    }
    let total: u64 = r["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ok"].as_u64().unwrap())
        .sum();
    assert_eq!(total, ops);
    let p = &r["total"]["latency_ms"];
    let (p50, p99, max) = (
        p["p50"].as_f64().unwrap(),
        p["p99"].as_f64().unwrap(),
        p["max"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{p}");
    assert!(r["elapsed_s"].as_f64().unwrap() > 0.0);
    let expected = r["keys"].as_u64().unwrap() + by_op("create") + by_op("multi") - by_op("delete");
    let root = r["root"].as_str().unwrap().to_string();
    let n = runtime().block_on(async {
        let c = Client::connect(connect).await.unwrap();
        let n = c.get_children(&root).await.unwrap().len();
        c.close().await.unwrap();
        n
    });
    assert_eq!(n as u64, expected, "znodes under {root}");
}

#[test]
fn run_does_every_op_without_an_error_and_the_tree_agrees() {
    let zk = server();
    let s = Scratch::new("run");
    let mix = "create=30,set=15,get=20,exists=10,children=5,delete=10,multi=5,check=5";
    let r = bench(
        &s,
        &[
            "run",
            "--server",
            &zk.connect_string(),
            "--sessions",
            "3",
            "--in-flight",
            "8",
            "--mix",
            mix,
            "--keys",
            "300",
            "--ops",
            "3000",
            "--seed",
            "7",
            "--progress",
            "0",
        ],
    );
    assert_eq!(r["mix"], mix);
    check_run_against(&zk.connect_string(), &r, 3000);
}

#[test]
fn a_timed_run_with_warmup_measures_for_its_duration_in_a_tree() {
    let zk = server();
    let s = Scratch::new("timed");
    let r = bench(
        &s,
        &[
            "run",
            "--server",
            &zk.connect_string(),
            "--sessions",
            "2",
            "--in-flight",
            "4",
            "--mix",
            "get=50,check=50",
            "--keys",
            "100",
            "--shape",
            "tree",
            "--duration",
            "1s",
            "--warmup",
            "500ms",
            "--progress",
            "0",
        ],
    );
    let elapsed = r["elapsed_s"].as_f64().unwrap();
    assert!((1.0..1.5).contains(&elapsed), "measured {elapsed} s");
    assert_eq!(r["warmup_s"], 0.5);
    assert_eq!(r["total"]["errors"], 0, "{r:#}");
    assert!(r["total"]["ok"].as_u64().unwrap() > 0);
    let rate = r["total"]["ops_per_sec"].as_f64().unwrap();
    let ok = r["total"]["ok"].as_f64().unwrap();
    assert!((rate - ok / elapsed).abs() < 1e-6 * rate.max(1.0));
}

#[test]
fn an_open_loop_run_offers_the_asked_rate() {
    let zk = server();
    let s = Scratch::new("rate");
    let r = bench(
        &s,
        &[
            "run",
            "--server",
            &zk.connect_string(),
            "--sessions",
            "4",
            "--in-flight",
            "4",
            "--mix",
            "get=80,set=20",
            "--keys",
            "100",
            "--rate",
            "400",
            "--duration",
            "1500ms",
            "--progress",
            "0",
        ],
    );
    assert_eq!(r["target_rate"], 400.0);
    assert_eq!(r["total"]["errors"], 0, "{r:#}");
    // A light load on a local server: the schedule is what sets the rate.
    let rate = r["total"]["ops_per_sec"].as_f64().unwrap();
    assert!(
        (340.0..=420.0).contains(&rate),
        "achieved {rate}/s of 400/s"
    );
}

#[test]
fn a_create_only_mix_never_meets_node_exists_across_runs() {
    let zk = server();
    let s = Scratch::new("creates");
    for _ in 0..2 {
        // The same seed twice: each run still gets fresh names.
        let r = bench(
            &s,
            &[
                "run",
                "--server",
                &zk.connect_string(),
                "--sessions",
                "2",
                "--in-flight",
                "16",
                "--mix",
                "create=100",
                "--ops",
                "500",
                "--progress",
                "0",
            ],
        );
        assert_eq!(r["keys"], 0, "a create-only mix needs no key space");
        assert_eq!(r["total"]["ok"], 500, "{r:#}");
        assert_eq!(r["total"]["errors"], 0, "{r:#}");
    }
}

#[test]
fn bad_arguments_fail_with_a_reason() {
    let out = Command::new(bin())
        .args([
            "bench",
            "run",
            "--server",
            "127.0.0.1:1",
            "--mix",
            "create=60,get=60",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("add up to 120, not 100"), "{err}");
}

#[test]
fn watch_fanout_hears_every_watcher_every_round() {
    let zk = server();
    let s = Scratch::new("fanout");
    let r = bench(
        &s,
        &[
            "watch-fanout",
            "--server",
            &zk.connect_string(),
            "--watchers",
            "25",
            "--rounds",
            "3",
        ],
    );
    assert_eq!(r["watchers"], 25);
    assert_eq!(r["rounds"], 3);
    let send = r["send_to_last_ms"]["max"].as_f64().unwrap();
    let each = r["send_to_each_ms"]["max"].as_f64().unwrap();
    assert!(
        send > 0.0 && (each - send).abs() < 0.01 * send.max(1.0),
        "{r:#}"
    );
}

#[test]
fn large_tree_creates_every_znode_and_refuses_an_existing_root() {
    let zk = server();
    let s = Scratch::new("large");
    let r = bench(
        &s,
        &[
            "large-tree",
            "--server",
            &zk.connect_string(),
            "--count",
            "2500",
            "--fanout",
            "1000",
            "--sessions",
            "2",
            "--in-flight",
            "32",
        ],
    );
    assert_eq!(r["count"], 2500);
    assert_eq!(r["parents"], 3);
    assert_eq!(r["descendants"], 2503);
    assert_eq!(r["last_path"], "/rzk-large/p2/n2499");
    // The tree exists as reported.
    runtime().block_on(async {
        let c = Client::connect(&zk.connect_string()).await.unwrap();
        let (data, _) = c.get_data("/rzk-large/p2/n2499").await.unwrap();
        assert_eq!(data.unwrap().len(), 100);
        c.close().await.unwrap();
    });
    // A second tree in the same place is refused, not silently merged.
    let out = Command::new(bin())
        .args([
            "bench",
            "large-tree",
            "--server",
            &zk.connect_string(),
            "--count",
            "1",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("create /rzk-large"));
}

#[test]
fn restart_time_starts_a_server_and_idle_sessions_reads_its_memory() {
    let s = Scratch::new("restart");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::create_dir_all(s.file("data")).unwrap();
    std::fs::write(
        s.file("zoo.cfg"),
        format!(
            "tickTime=2000\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\nadmin.enableServer=false\n",
            s.file("data").display()
        ),
    )
    .unwrap();
    let connect = format!("127.0.0.1:{port}");
    let cfg = s.file("zoo.cfg");
    let log = s.file("server.log");
    // Without --stop the server keeps running: its pid is in the report.
    let r = bench(
        &s,
        &[
            "restart-time",
            "--server",
            &connect,
            "--path",
            "/zookeeper",
            "--count-under",
            "/zookeeper",
            "--log",
            log.to_str().unwrap(),
            "--",
            bin().to_str().unwrap(),
            "server",
            cfg.to_str().unwrap(),
        ],
    );
    let pid = r["pid"].as_u64().unwrap() as u32;
    struct Stop(u32);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = Command::new("kill").arg(self.0.to_string()).status();
        }
    }
    let _stop = Stop(pid);
    assert!(r["ready_ms"].as_f64().unwrap() > 0.0);
    assert!(r["rss_kb"].as_u64().unwrap() > 0);
    assert!(r["descendants"].as_i64().unwrap() >= 1, "{r:#}");
    assert_eq!(r["stop_ms"], Value::Null);
    let idle = bench(
        &s,
        &[
            "idle-sessions",
            "--server",
            &connect,
            "--pid",
            &pid.to_string(),
            "--sessions",
            "50",
            "--hold-secs",
            "0",
        ],
    );
    assert_eq!(idle["sessions"], 50);
    assert!(idle["rss_after_kb"].as_u64().unwrap() > 0);
    // And with --stop the driver stops what it started.
    let other = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg2 = s.file("zoo2.cfg");
    std::fs::write(
        &cfg2,
        std::fs::read_to_string(&cfg).unwrap().replace(
            &format!("clientPort={port}"),
            &format!("clientPort={other}"),
        ),
    )
    .unwrap();
    let r2 = bench(
        &s,
        &[
            "restart-time",
            "--server",
            &format!("127.0.0.1:{other}"),
            "--path",
            "/",
            "--stop",
            "--",
            bin().to_str().unwrap(),
            "server",
            cfg2.to_str().unwrap(),
        ],
    );
    assert!(r2["stop_ms"].as_f64().is_some(), "{r2:#}");
    let gone = Path::new(&format!("/proc/{}", r2["pid"])).exists();
    assert!(!gone, "the stopped server is gone");
}

#[test]
fn failover_with_a_harmless_command_sees_no_outage() {
    let zk = server();
    let s = Scratch::new("failover");
    let r = bench(
        &s,
        &[
            "failover",
            "--server",
            &zk.connect_string(),
            "--command",
            "exit 3",
            "--after",
            "200ms",
            "--duration",
            "1s",
        ],
    );
    assert_eq!(r["command_status"], 3);
    assert_eq!(r["recovered"], true);
    assert_eq!(r["recreated"], 0);
    assert!(r["writes_ok"].as_u64().unwrap() > 10, "{r:#}");
    assert!(r["errors_by_code"].as_object().unwrap().is_empty(), "{r:#}");
    let at = r["command_at_s"].as_f64().unwrap();
    assert!((0.2..0.5).contains(&at), "{r:#}");
}

#[test]
fn fsync_reports_latencies() {
    let s = Scratch::new("fsync");
    let r = bench(
        &s,
        &["fsync", "--dir", s.0.to_str().unwrap(), "--count", "10"],
    );
    assert_eq!(r["count"], 10);
    assert_eq!(r["mode"], "preallocated");
    assert!(r["latency_ms"]["p50"].as_f64().unwrap() > 0.0);
}

/// The driver against the server every figure is compared with.
#[cfg(feature = "interop")]
#[test]
fn run_against_apache_zookeeper() {
    let zk = rzk_testkit::ApacheZk::start().unwrap_or_else(|e| panic!("{e}"));
    let s = Scratch::new("apache");
    let mix = "create=30,set=15,get=20,exists=10,children=5,delete=10,multi=5,check=5";
    let r = bench(
        &s,
        &[
            "run",
            "--server",
            &zk.connect_string(),
            "--sessions",
            "2",
            "--in-flight",
            "8",
            "--mix",
            mix,
            "--keys",
            "200",
            "--ops",
            "2000",
            "--progress",
            "0",
        ],
    );
    check_run_against(&zk.connect_string(), &r, 2000);
}
