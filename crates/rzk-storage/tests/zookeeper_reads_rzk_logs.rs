//! Apache ZooKeeper 3.8 reads the txn logs rzk writes: its own
//! `TxnLogToolkit` (which reads entries exactly as `FileTxnIterator` does,
//! and verifies each checksum) dumps every file `TxnLog` wrote on the real
//! file system, including one whose torn tail `read_logs` cut.
//!
//! Needs Java and Debian's ZooKeeper jars (`apt-get install -y zookeeper
//! libzookeeper-java`); fails, never skips, without them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use bytes::Bytes;
use rzk_proto::data::{Acl, Id};
use rzk_proto::jute::Record;
use rzk_proto::txn::{CreateTxn, SetDataTxn, TxnBody, TxnDigest, TxnEntry};
use rzk_storage::{read_logs, Disk, FsDisk, LogOptions, TxnLog};

const JARS: &[&str] = &[
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/zookeeper-jute.jar",
    "/usr/share/java/slf4j-api.jar",
    "/usr/share/java/slf4j-nop.jar",
    "/usr/share/java/commons-cli.jar",
];

fn txn(zxid: i64) -> Vec<u8> {
    let body = if zxid % 3 == 0 {
        TxnBody::SetData(SetDataTxn {
            path: "/app".into(),
            data: Some(Bytes::from(vec![b'x'; (zxid % 500) as usize])),
            version: zxid as i32,
        })
    } else {
        TxnBody::Create(CreateTxn {
            path: format!("/app/n{zxid:x}"),
            data: Some(Bytes::from_static(b"v")),
            acl: vec![Acl {
                perms: 31,
                id: Id {
                    scheme: "world".into(),
                    id: "anyone".into(),
                },
            }],
            ephemeral: false,
            parent_cversion: zxid as i32,
        })
    };
    let digest = Some(TxnDigest {
        version: 2,
        tree_digest: zxid,
    });
    TxnEntry::new(0x77, zxid as i32, zxid, 1_700_000_000_000, body, digest)
        .to_bytes()
        .to_vec()
}

/// TxnLogToolkit's dump of `file`.
fn zookeeper_dump(file: &Path) -> String {
    for jar in JARS {
        assert!(
            Path::new(jar).exists(),
            "{jar} missing: apt-get install -y zookeeper libzookeeper-java"
        );
    }
    let out = Command::new("java")
        .arg("-cp")
        .arg(JARS.join(":"))
        .arg("org.apache.zookeeper.server.persistence.TxnLogToolkit")
        .arg(file)
        .output()
        .expect("java must be installed (apt-get install -y default-jre-headless)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "TxnLogToolkit failed on {}:\n{text}{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn assert_zookeeper_reads(file: &Path, zxids: &[i64]) {
    let dump = zookeeper_dump(file);
    assert!(
        dump.starts_with("ZooKeeper Transactional Log File with dbid 0 txnlog format version 2"),
        "{dump}"
    );
    assert!(!dump.contains("CRC ERROR"), "{dump}");
    assert!(
        dump.contains(&format!("EOF reached after {} txns.", zxids.len())),
        "{}: {dump}",
        file.display()
    );
    for z in zxids {
        assert!(
            dump.contains(&format!(" zxid {z:#x} ")),
            "zxid {z:#x}: {dump}"
        );
    }
}

#[test]
fn zookeeper_reads_every_file_txnlog_wrote_and_read_logs_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("version-2");
    let opts = LogOptions {
        prealloc_size: 64 * 1024,
        force_sync: true,
        size_limit: None,
    };
    let mut log = TxnLog::open(Arc::new(FsDisk), dir.clone(), opts).unwrap();
    for z in 1..=40 {
        log.append(z, &txn(z)).unwrap();
        if z % 9 == 0 {
            log.commit().unwrap();
        }
        if z == 25 {
            log.roll().unwrap();
        }
    }
    log.commit().unwrap();
    // A new epoch's file, then a crash tearing its last entry.
    let epoch = 1i64 << 32;
    log.roll().unwrap();
    for z in epoch + 1..=epoch + 3 {
        log.append(z, &txn(z)).unwrap();
    }
    log.commit().unwrap();
    drop(log);
    let newest = dir.join(format!("log.{:x}", epoch + 1));
    let whole = FsDisk.read(&newest).unwrap().len();
    assert_eq!(whole, 16 + 64 * 1024);
    let end = 16 + (1..=3).map(|i| 13 + txn(epoch + i).len()).sum::<usize>();
    let mut f = FsDisk.open_write(&newest).unwrap();
    f.set_len((end - 7) as u64).unwrap(); // the last entry loses its tail
    f.sync().unwrap();

    let read = read_logs(&FsDisk, &dir, 0).unwrap();
    let repaired = read.repaired.expect("the torn tail is cut");
    assert_eq!(repaired.file, newest);
    assert_eq!(read.entries.len(), 42);

    assert_zookeeper_reads(&dir.join("log.1"), &(1..=25).collect::<Vec<_>>());
    assert_zookeeper_reads(&dir.join("log.1a"), &(26..=40).collect::<Vec<_>>());
    assert_zookeeper_reads(&newest, &[epoch + 1, epoch + 2]);
}
