//! Interop with Curator 5.4 on the same znodes: mutexes exclude each
//! other, latches elect one leader, atomic longs add up. The Java side is
//! tests/curator/CuratorRecipes.java, compiled here against Debian's jars;
//! missing java, javac or jars fail the test (they are part of the
//! machine's contract, like the ZooKeeper server itself). Curator talks to
//! the same server as the rzk side, Apache ZooKeeper or rzk: against rzk
//! this also proves an unchanged Curator's recipes on the rzk server.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use rzk_client::recipes::{DistributedAtomicLong, InterProcessMutex, LeaderLatch, Semaphore};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use super::*;

const JARS: &[&str] = &[
    "/usr/share/java/curator-recipes.jar",
    "/usr/share/java/curator-framework.jar",
    "/usr/share/java/curator-client.jar",
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/zookeeper-jute.jar",
    "/usr/share/java/guava.jar",
    "/usr/share/java/slf4j-api.jar",
    "/usr/share/java/slf4j-nop.jar",
];

/// Compiles the Java helpers once per test binary; returns the classpath.
fn classpath() -> String {
    static CP: OnceLock<String> = OnceLock::new();
    CP.get_or_init(|| {
        for j in JARS {
            assert!(
                PathBuf::from(j).exists(),
                "{j} is missing: apt-get install libcurator-*-java"
            );
        }
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/curator");
        let srcs = [dir.join("CuratorRecipes.java")];
        // Under the target directory, so the classes go when the build does
        // and never pile up in the machine's /tmp.
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("curator-recipes");
        std::fs::create_dir_all(&out).unwrap();
        let jars = JARS.join(":");
        let status = std::process::Command::new("javac")
            .arg("-d")
            .arg(&out)
            .arg("-cp")
            .arg(&jars)
            .args(&srcs)
            .status()
            .unwrap_or_else(|e| panic!("javac could not run: {e}"));
        assert!(status.success(), "javac failed on {}", dir.display());
        format!("{}:{jars}", out.display())
    })
    .clone()
}

fn curator(zk: &TestServer, args: &[&str]) -> Child {
    Command::new("java")
        .arg("-cp")
        .arg(classpath())
        .arg("CuratorRecipes")
        .arg(zk.connect_string())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("java could not run: {e}"))
}

/// The next stdout line of a Curator process.
async fn line(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    within("a line from the Curator process", lines.next_line())
        .await
        .unwrap()
        .expect("the Curator process ended early")
}

/// Waits for the rzk incrementer tasks, then for every Curator process to
/// print DONE and exit successfully.
async fn join_all(tasks: Vec<tokio::task::JoinHandle<()>>, javas: &mut [Child]) {
    for t in tasks {
        within("rzk incrementers", t).await.unwrap();
    }
    for j in javas {
        let mut out = lines(j);
        assert_eq!(line(&mut out).await, "DONE");
        assert!(within("curator exit", j.wait()).await.unwrap().success());
    }
}

fn lines(child: &mut Child) -> tokio::io::Lines<BufReader<tokio::process::ChildStdout>> {
    BufReader::new(child.stdout.take().unwrap()).lines()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rzk_and_curator_mutexes_exclude_each_other() {
    let zk = server();
    let c = client(&zk).await;

    // rzk holds: Curator's timed acquire must fail.
    let mut m = InterProcessMutex::new(&c, "/shared/lock").unwrap();
    m.acquire().await.unwrap();
    let mut java = curator(&zk, &["mutex-try", "/shared/lock", "1500"]);
    let mut out = lines(&mut java);
    assert_eq!(line(&mut out).await, "TIMEOUT");
    within("curator exit", java.wait()).await.unwrap();
    assert_eq!(
        m.participant_nodes().await.unwrap().len(),
        1,
        "Curator cleaned up"
    );
    m.release().await.unwrap();

    // Curator holds: rzk's timed acquire must fail, then succeed after.
    let mut java = curator(&zk, &["mutex-hold", "/shared/lock"]);
    let mut out = lines(&mut java);
    let held = line(&mut out).await;
    assert!(held.starts_with("HELD /shared/lock/_c_"), "{held}");
    assert!(held.contains("-lock-"), "Curator's layout: {held}");
    assert!(!m.try_acquire(Duration::from_millis(500)).await.unwrap());
    let waiter = tokio::spawn(async move {
        m.acquire().await.unwrap();
        m
    });
    java.stdin.take().unwrap().write_all(b"go\n").await.unwrap();
    assert_eq!(line(&mut out).await, "RELEASED");
    let mut m = within("rzk to get the lock Curator released", waiter)
        .await
        .unwrap();
    m.release().await.unwrap();
    within("curator exit", java.wait()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rzk_and_curator_increment_one_counter_without_losing_updates() {
    let zk = server();
    let cs = clients(&zk, 4).await;
    create_counter(&cs[0], "/count").await;
    const JAVA_ROUNDS: usize = 60;
    const RZK_ROUNDS: usize = 15;
    let mut javas: Vec<Child> = (0..2)
        .map(|_| {
            curator(
                &zk,
                &[
                    "mutex-increment",
                    "/mix/lock",
                    "/count",
                    &JAVA_ROUNDS.to_string(),
                ],
            )
        })
        .collect();
    let mut tasks = Vec::new();
    for c in cs.clone() {
        tasks.push(tokio::spawn(async move {
            let mut m = InterProcessMutex::new(&c, "/mix/lock").unwrap();
            for _ in 0..RZK_ROUNDS {
                m.acquire().await.unwrap();
                unsafe_increment(&c, "/count").await;
                m.release().await.unwrap();
            }
        }));
    }
    join_all(tasks, &mut javas).await;
    let expect = (2 * JAVA_ROUNDS + cs.len() * RZK_ROUNDS) as i64;
    assert_eq!(read_counter(&cs[0], "/count").await, expect);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rzk_and_curator_latches_elect_one_leader() {
    let zk = server();
    let (a, b) = (client(&zk).await, client(&zk).await);
    let first = LeaderLatch::start(&a, "/mixed/latch", "rzk-a").unwrap();
    assert!(first.await_leadership_timeout(LIMIT).await.unwrap());
    let mut java = curator(&zk, &["latch", "/mixed/latch", "java"]);
    let mut out = lines(&mut java);
    assert_eq!(line(&mut out).await, "STARTED");
    eventually("Curator's latch node", || async {
        first.participant_ids().await.unwrap().len() == 2
    })
    .await;
    // Same node names, same order, same id payload on both sides.
    assert_eq!(
        first.participant_ids().await.unwrap(),
        vec!["rzk-a", "java"]
    );
    let names = a.get_children("/mixed/latch").await.unwrap();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("_c_") && n.contains("-latch-")),
        "{names:?}"
    );
    assert!(first.has_leadership());
    let quiet = tokio::time::timeout(Duration::from_millis(500), out.next_line()).await;
    assert!(
        quiet.is_err(),
        "Curator claimed leadership while rzk led: {quiet:?}"
    );

    first.close().await.unwrap();
    assert_eq!(
        line(&mut out).await,
        "LEADER",
        "Curator takes over from rzk"
    );
    let second = LeaderLatch::start(&b, "/mixed/latch", "rzk-b").unwrap();
    assert!(!second
        .await_leadership_timeout(Duration::from_millis(500))
        .await
        .unwrap());
    java.stdin
        .take()
        .unwrap()
        .write_all(b"close\n")
        .await
        .unwrap();
    assert!(
        second.await_leadership_timeout(LIMIT).await.unwrap(),
        "rzk takes over from Curator"
    );
    within("curator exit", java.wait()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rzk_and_curator_atomic_longs_add_up() {
    let zk = server();
    let cs = clients(&zk, 4).await;
    const JAVA_EACH: usize = 40;
    const RZK_EACH: usize = 20;
    let mut javas: Vec<Child> = (0..2)
        .map(|_| {
            curator(
                &zk,
                &["atomic-increment", "/mixed/n", &JAVA_EACH.to_string()],
            )
        })
        .collect();
    let mut tasks = Vec::new();
    for c in cs.clone() {
        tasks.push(tokio::spawn(async move {
            let mut n = DistributedAtomicLong::new(&c, "/mixed/n").unwrap();
            for _ in 0..RZK_EACH {
                assert!(n.increment().await.unwrap().succeeded);
            }
        }));
    }
    join_all(tasks, &mut javas).await;
    let n = DistributedAtomicLong::new(&cs[0], "/mixed/n").unwrap();
    assert_eq!(
        n.get().await.unwrap(),
        (2 * JAVA_EACH + cs.len() * RZK_EACH) as i64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rzk_and_curator_semaphores_count_each_others_leases() {
    let zk = server();
    let (a, b) = (client(&zk).await, client(&zk).await);
    let mut java = curator(&zk, &["semaphore-hold", "/mixed/sem", "2"]);
    let mut out = lines(&mut java);
    let held = line(&mut out).await;
    assert!(
        held.starts_with("HELD _c_") && held.contains("-lease-"),
        "{held}"
    );
    let mut s1 = Semaphore::new(&a, "/mixed/sem", 2).unwrap();
    let mut s2 = Semaphore::new(&b, "/mixed/sem", 2).unwrap();
    let lease = s1
        .try_acquire(LIMIT)
        .await
        .unwrap()
        .expect("one of two leases is free");
    // Curator's lease and ours fill the semaphore.
    assert!(s2
        .try_acquire(Duration::from_millis(500))
        .await
        .unwrap()
        .is_none());
    let mut names = a.get_children("/mixed/sem/leases").await.unwrap();
    names.sort();
    assert_eq!(names.len(), 2);
    java.stdin.take().unwrap().write_all(b"go\n").await.unwrap();
    assert_eq!(line(&mut out).await, "RELEASED");
    let second = s2.try_acquire(LIMIT).await.unwrap();
    assert!(second.is_some(), "Curator's returned lease makes room");
    lease.release().await.unwrap();
    second.unwrap().release().await.unwrap();
    within("curator exit", java.wait()).await.unwrap();
}
