//! `rzk server` as a real process: it serves clients, answers four-letter
//! words, refuses bad configurations with exit status 2 naming the key,
//! refuses ensembles clearly, and survives hostile bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode};
use rzk_testkit::{four_letter_word, RzkServer};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rzk"))
}

fn server() -> RzkServer {
    RzkServer::start(bin(), &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `rzk server` on a config with `lines`; returns (status, stderr).
fn start_with(lines: &str) -> (Option<i32>, String) {
    let dir =
        std::env::temp_dir().join(format!("rzk-badcfg-{}-{}", std::process::id(), lines.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("zoo.cfg");
    std::fs::write(&cfg, lines).unwrap();
    let out = Command::new(bin())
        .arg("server")
        .arg(&cfg)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Creates `{prefix}0` … `{prefix}{count - 1}`, each holding `value`, one
/// after the other.
async fn create_each(c: &Client, prefix: &str, count: usize, value: &Bytes) {
    for i in 0..count {
        c.create(
            &format!("{prefix}{i}"),
            Some(value.clone()),
            &Acl::open_unsafe(),
            CreateMode::Persistent,
        )
        .await
        .unwrap();
    }
}

#[test]
fn invalid_values_stop_startup_with_status_2_naming_the_key() {
    let (code, err) = start_with("tickTime=fast\ndataDir=/tmp/x\nclientPort=2181\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("tickTime"), "{err}");
    let (code, err) = start_with("tickTime=2000\ndataDir=/tmp/x\nclientPort=99999999\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("clientPort"), "{err}");
}

#[test]
fn ensembles_are_refused_with_a_clear_message() {
    let (code, err) = start_with(
        "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/rzk-ens\nclientPort=2181\n\
         server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("ensemble") || err.contains("myid"), "{err}");
}

#[tokio::test]
async fn serves_clients_and_four_letter_words() {
    let server = server();
    let c = Client::connect(&server.connect_string()).await.unwrap();
    c.create(
        "/hello",
        Some(Bytes::from_static(b"world")),
        &Acl::open_unsafe(),
        CreateMode::Persistent,
    )
    .await
    .unwrap();
    assert_eq!(
        c.get_data("/hello").await.unwrap().0.as_deref(),
        Some(&b"world"[..])
    );
    let srvr = four_letter_word(server.port(), "srvr").unwrap();
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    assert!(srvr.contains("Node count: 6"), "{srvr}");
    // Every reply the client has is a request over: none outstanding.
    assert!(srvr.contains("\nOutstanding: 0\n"), "{srvr}");
    assert_eq!(four_letter_word(server.port(), "ruok").unwrap(), "imok");
    let mntr = four_letter_word(server.port(), "mntr").unwrap();
    assert!(mntr.contains("zk_znode_count\t6\n"), "{mntr}");
    assert!(mntr.contains("zk_outstanding_requests\t0\n"), "{mntr}");
    // The txn log's sync times, as Apache ZooKeeper's mntr gives them.
    for key in ["avg", "min", "max", "cnt", "sum"] {
        assert!(mntr.contains(&format!("zk_{key}_fsynctime\t")), "{mntr}");
    }
    assert!(
        !mntr.contains("zk_cnt_fsynctime\t0\n"),
        "the writes were not timed: {mntr}"
    );
    assert_eq!(
        four_letter_word(server.port(), "srst").unwrap(),
        "Server stats reset.\n"
    );
    let mntr = four_letter_word(server.port(), "mntr").unwrap();
    assert!(
        mntr.contains("zk_cnt_fsynctime\t0\n"),
        "srst did not reset: {mntr}"
    );
    c.close().await.unwrap();
}

/// `fsync.warningthresholdms`: with a negative threshold every txn log
/// commit is slow, so each is logged as a warning.
#[tokio::test]
async fn slow_log_syncs_are_warned_of() {
    let server =
        RzkServer::start(bin(), &["fsync.warningthresholdms=-1"]).unwrap_or_else(|e| panic!("{e}"));
    let c = Client::connect(&server.connect_string()).await.unwrap();
    c.create("/n", None, &Acl::open_unsafe(), CreateMode::Persistent)
        .await
        .unwrap();
    let log = server.log();
    assert!(
        log.contains("fsync-ing the write ahead log took"),
        "no warning in the server log:\n{}",
        server.log_tail(20)
    );
    c.close().await.unwrap();
}

/// `txnLogSizeLimitInKb`: the log rolls whenever its file grows past the
/// limit, and a restart replays every file (and records the same `hash`
/// digests the live server did).
#[tokio::test]
async fn the_txn_log_rolls_past_its_size_limit_and_every_file_replays() {
    // 4 KiB preallocation steps, an 8 KiB limit: ~300 creates of 100 bytes
    // (~50 KiB of log) fill several files.
    let mut server = RzkServer::start(bin(), &["preAllocSize=4", "txnLogSizeLimitInKb=8"])
        .unwrap_or_else(|e| panic!("{e}"));
    let c = Client::connect(&server.connect_string()).await.unwrap();
    let value = Bytes::from(vec![7u8; 100]);
    create_each(&c, "/n", 300, &value).await;
    c.close().await.unwrap();
    // `hash`: the tree digest after every 128th zxid (createSession was
    // 0x1, so 0x80 and 0x100 fell among the creates).
    let hash = four_letter_word(server.port(), "hash").unwrap();
    let lines: Vec<&str> = hash.lines().collect();
    assert_eq!(lines.len(), 2, "{hash}");
    assert!(
        lines[0].starts_with("80: ") && lines[1].starts_with("100: "),
        "{hash}"
    );
    let logs = |dir: &Path| -> Vec<(String, u64)> {
        let mut v: Vec<_> = std::fs::read_dir(dir.join("version-2"))
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_name().to_string_lossy().starts_with("log."))
            .map(|e| {
                let len = e.metadata().unwrap().len();
                (e.file_name().to_string_lossy().into_owned(), len)
            })
            .collect();
        v.sort();
        v
    };
    let files = logs(&server.data_dir());
    assert!(files.len() >= 4, "the log did not roll: {files:?}");
    // A file is ended at the first commit that takes it past 8 KiB; one
    // 4 KiB preallocation step earlier it was within the limit.
    for (name, len) in &files {
        assert!(
            len - 4096 <= 8192,
            "{name} ran on past the limit: {len} bytes"
        );
    }
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let c = Client::connect(&server.connect_string()).await.unwrap();
    for i in 0..300 {
        let (data, _) = c.get_data(&format!("/n{i}")).await.unwrap();
        assert_eq!(data.as_ref(), Some(&value), "/n{i} after the restart");
    }
    // The replay recorded the same digests the live server had.
    assert_eq!(four_letter_word(server.port(), "hash").unwrap(), hash);
    c.close().await.unwrap();
}

/// `digest.enabled=false`: no tree digest is kept, so `hash` lists zeros
/// (as Apache ZooKeeper 3.8 does), and the log written without digests
/// replays.
#[tokio::test]
async fn with_digests_off_hash_lists_zeros_and_the_log_replays() {
    let mut server =
        RzkServer::start(bin(), &["digest.enabled=false"]).unwrap_or_else(|e| panic!("{e}"));
    let c = Client::connect(&server.connect_string()).await.unwrap();
    for i in 0..200 {
        c.create(
            &format!("/d{i}"),
            None,
            &Acl::open_unsafe(),
            CreateMode::Persistent,
        )
        .await
        .unwrap();
    }
    c.close().await.unwrap();
    let hash = four_letter_word(server.port(), "hash").unwrap();
    assert_eq!(hash, "80: 0\n", "{hash}");
    server.restart().unwrap_or_else(|e| panic!("{e}"));
    let c = Client::connect(&server.connect_string()).await.unwrap();
    assert!(c.exists("/d199").await.unwrap().is_some());
    assert_eq!(four_letter_word(server.port(), "hash").unwrap(), hash);
    c.close().await.unwrap();
}

/// `snapshot.compression.method` (ZooKeeper's system property, which a
/// zoo.cfg key becomes): every snapshot, the first one included, is
/// written wrapped (`snapshot.<zxid>.gz` / `.snappy`), and a restart loads
/// the newest of them.
#[tokio::test]
async fn snapshots_are_written_compressed_as_configured_and_load_again() {
    for (method, suffix) in [("gz", ".gz"), ("snappy", ".snappy")] {
        let mut server = RzkServer::start(
            bin(),
            &[
                "snapCount=20",
                &format!("snapshot.compression.method={method}"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = Client::connect(&server.connect_string()).await.unwrap();
        let value = Bytes::from(vec![3u8; 100]);
        create_each(&c, "/s", 200, &value).await;
        c.close().await.unwrap();
        let snapshots = |dir: &Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(dir.join("version-2"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("snapshot."))
                .collect();
            v.sort();
            v
        };
        // A snapshot falls due every 10 to 20 txns; they are written in the
        // background, so wait for a few to be published.
        let dir = server.data_dir();
        let waited = tokio::time::timeout(Duration::from_secs(30), async {
            while snapshots(&dir).len() < 4 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        let found = snapshots(&dir);
        assert!(
            waited.is_ok(),
            "{method}: too few snapshots after 30 s: {found:?}"
        );
        // Stopped, nothing more is written: the newest now is the one to load.
        server.stop().unwrap_or_else(|e| panic!("{e}"));
        let found = snapshots(&server.data_dir());
        assert!(
            found.iter().all(|n| n.ends_with(suffix)),
            "{method}: a snapshot was not compressed: {found:?}"
        );
        assert!(found.contains(&format!("snapshot.0{suffix}")), "{found:?}");
        let newest = found
            .iter()
            .max_by_key(|n| {
                let hex = n.trim_start_matches("snapshot.").trim_end_matches(suffix);
                i64::from_str_radix(hex, 16).unwrap()
            })
            .unwrap()
            .clone();
        server.restart().unwrap_or_else(|e| panic!("{e}"));
        let loaded = server
            .log()
            .lines()
            .rfind(|l| l.contains("loaded snapshot"))
            .map(str::to_owned)
            .unwrap_or_default();
        assert!(
            loaded.contains(&newest),
            "{method}: the restart did not load {newest}: {loaded:?}\n{}",
            server.log_tail(20)
        );
        let c = Client::connect(&server.connect_string()).await.unwrap();
        for i in 0..200 {
            let (data, _) = c.get_data(&format!("/s{i}")).await.unwrap();
            assert_eq!(data.as_ref(), Some(&value), "{method}: /s{i}");
        }
        c.close().await.unwrap();
    }
}

#[tokio::test]
async fn hostile_bytes_close_only_their_connection() {
    let server = server();
    let good = Client::connect(&server.connect_string()).await.unwrap();
    let junk: [&[u8]; 5] = [
        &[0xff, 0xff, 0xff, 0xff], // negative length
        &[0x7f, 0, 0, 0],          // 2 GiB frame
        &[0, 0, 0, 3, 1, 2, 3],    // a connect request too short to decode
        b"\0\0\0\x2c garbage garbage garbage garbage garbage",
        &[0, 0, 0, 0], // empty frame
    ];
    for bytes in junk {
        let mut s = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(bytes).unwrap();
        let mut rest = Vec::new();
        // The server closes the connection (EOF) rather than crash or hang.
        let _ = s.read_to_end(&mut rest);
    }
    good.create(
        "/still-here",
        None,
        &Acl::open_unsafe(),
        CreateMode::Persistent,
    )
    .await
    .unwrap();
    assert_eq!(four_letter_word(server.port(), "ruok").unwrap(), "imok");
}
