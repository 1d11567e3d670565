//! The server handle's life cycle against a real Apache ZooKeeper: a given
//! data directory is used and kept, SIGTERM stops the server, restarts
//! (same port or a new one) serve the same files, and a server that cannot
//! start is reported at once with its log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use rzk_testkit::{four_letter_word, ApacheZk, StartError, TempDir, Version2Files, ZkOptions};

fn zxid(port: u16) -> String {
    four_letter_word(port, "srvr")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Zxid: "))
        .unwrap()
        .to_string()
}

#[test]
fn a_given_data_dir_survives_stop_kill_and_restarts() {
    let data = TempDir::new("lifecycle").unwrap();
    let mut zk = ApacheZk::start_with(ZkOptions {
        data_dir: Some(data.path().to_path_buf()),
        ..ZkOptions::default()
    })
    .unwrap();
    assert_eq!(zk.data_dir(), data.path());
    assert!(zk.is_running());
    let status = zk.stop().unwrap();
    assert!(!zk.is_running());
    // The JVM has no handler for SIGTERM: it dies of it (128 + 15).
    assert_eq!(status.code(), Some(143), "{status}");
    // Apache ZooKeeper snapshots the empty tree at start-up.
    let files = Version2Files::list(data.path()).unwrap();
    assert_eq!(
        files.snapshots.first().map(|(z, _)| *z),
        Some(0),
        "{files:?}"
    );

    let port = zk.port();
    zk.restart().unwrap();
    assert_eq!(zk.port(), port);
    assert_eq!(zxid(port), "Zxid: 0x0");
    zk.restart_on_new_port().unwrap();
    assert_ne!(zk.port(), port);
    assert!(four_letter_word(port, "srvr").is_err(), "old port closed");
    assert_eq!(zxid(zk.port()), "Zxid: 0x0");
    zk.kill();
    assert!(!zk.is_running());
    assert_eq!(zk.stop().unwrap().code(), None, "killed by SIGKILL");

    drop(zk);
    assert!(
        data.path().join("version-2").is_dir(),
        "the caller's dir is kept"
    );
}

#[test]
fn a_server_that_exits_is_reported_at_once_with_its_log() {
    let err = ApacheZk::start_with(ZkOptions {
        cfg: vec!["tickTime=often".into()],
        ..ZkOptions::default()
    })
    .unwrap_err();
    match err {
        StartError::Exited(status, log) => {
            assert_eq!(
                status.code(),
                Some(2),
                "ZooKeeper's exit code for a bad config"
            );
            assert!(log.contains("\"often\""), "{log}");
        }
        other => panic!("expected Exited, got {other}"),
    }
}
