//! Fixture loading and the shared round-trip assertion.

use std::collections::BTreeSet;
use std::path::PathBuf;

use bytes::Bytes;
use rzk_proto::jute::Record;

/// A fixture name and the function that checks its bytes.
pub type Check = (&'static str, fn(&[u8]));

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The bytes of fixture `name` (`tests/golden/<name>.hex`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = dir().join(format!("{name}.hex"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let hex: String = text.split_whitespace().collect();
    hex::decode(&hex).unwrap_or_else(|e| panic!("{} is not hex: {e}", path.display()))
}

/// Names of every `.hex` fixture on disk.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".hex").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// Fixture names listed in `MANIFEST.txt` (first word of each line).
pub fn manifest() -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir().join("MANIFEST.txt")).expect("MANIFEST.txt");
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The record (or message) a fixture holds, from its name: `client.X.*`,
/// `data.X.*`, `txn.X.*`, `quorum.X` and `disk.FileHeader.*` hold record X;
/// the other prefixes hold one message kind each. `None` for whole frames,
/// which are not records.
pub fn record_of(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    let kind = match parts.as_slice() {
        ["frame", ..] => return None,
        ["multi", "request", ..] => "MultiOperationRecord",
        ["multi", "response", ..] => "MultiResponse",
        ["quorum", "handshake", ..] => "ElectionHandshake",
        ["quorum", "notification", ..] => "Notification",
        ["quorum", "packet", packet_type, ..] => packet_type,
        ["quorum", "snapbody", ..] => "SnapBody",
        ["txnentry", ..] => "TxnEntry",
        ["disk", "txnlog", ..] => "TxnLogFile",
        ["disk", "snapshot", ..] => "SnapshotFile",
        ["disk", record, ..] | ["client" | "data" | "txn" | "quorum", record, ..] => record,
        _ => panic!("fixture {name} has no known prefix"),
    };
    Some(kind.to_string())
}

/// The records PROTOCOL.md names: the first column of every record table in
/// §2.5, plus the messages of §2.6 and §5.2–5.6 and the files of §6, which
/// the document describes in prose and tables of their own.
pub fn protocol_md_records() -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/PROTOCOL.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = BTreeSet::new();
    let mut in_records = false;
    for line in text.lines() {
        if line.starts_with("### ") {
            in_records = line.starts_with("### 2.5 ");
            continue;
        }
        if !in_records || !line.starts_with("| ") || line.starts_with("| Record") {
            continue;
        }
        let first = line[2..].split('|').next().unwrap_or_default().trim();
        if first.starts_with("---") {
            continue;
        }
        // "Stat (the client form, 68 bytes)", "A / B / C", "A / B".
        for name in first.split(" / ") {
            let name = name.split_whitespace().next().unwrap_or_default();
            if !name.is_empty() {
                out.insert(name.to_string());
            }
        }
    }
    // Sections whose messages are not in a record table: each must appear
    // in the text, so a renamed section fails here rather than passing.
    let prose: &[(&str, &[&str])] = &[
        ("### 2.6 ", &["MultiOperationRecord", "MultiResponse"]),
        ("### 5.2 ", &["ElectionHandshake"]),
        ("### 5.3 ", &["Notification"]),
        (
            "### 5.4 ",
            &[
                "REQUEST",
                "PROPOSAL",
                "ACK",
                "COMMIT",
                "PING",
                "REVALIDATE",
                "SYNC",
                "INFORM",
                "COMMITANDACTIVATE",
                "NEWLEADER",
                "FOLLOWERINFO",
                "UPTODATE",
                "DIFF",
                "TRUNC",
                "SNAP",
                "OBSERVERINFO",
                "LEADERINFO",
                "ACKEPOCH",
                "INFORMANDACTIVATE",
            ],
        ),
        ("### 5.6 ", &["SnapBody"]),
        ("### 5.7 ", &["TxnEntry"]),
        ("### 6.2 ", &["TxnLogFile"]),
        ("### 6.3 ", &["SnapshotFile"]),
    ];
    for (heading, names) in prose {
        assert!(
            text.contains(heading),
            "PROTOCOL.md has no section {heading}"
        );
        out.extend(names.iter().map(|n| n.to_string()));
    }
    out
}

/// Decodes `bytes` as `T`, checks it equals `expected`, and checks that
/// encoding `expected` gives `bytes` back exactly.
pub fn roundtrip<T: Record + std::fmt::Debug + PartialEq>(bytes: &[u8], expected: &T) {
    let decoded = T::from_bytes(Bytes::copy_from_slice(bytes))
        .unwrap_or_else(|e| panic!("decode {}: {e}", T::NAME));
    assert_eq!(&decoded, expected, "decoded {} differs", T::NAME);
    let encoded = expected.to_bytes();
    assert_eq!(
        hex::encode(&encoded),
        hex::encode(bytes),
        "re-encoded {} differs",
        T::NAME
    );
    assert_eq!(
        expected.encoded_len(),
        bytes.len(),
        "encoded_len of {}",
        T::NAME
    );
}
