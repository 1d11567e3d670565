//! `rzk snapshot verify FILE`: decodes the whole snapshot, checks every
//! seal and the tree's structure, and says what it checked.
//!
//! Beyond what ZooKeeper's loader checks (magic, seals, parents before
//! children), verify also refuses what the loader lets through but the
//! server later trips over or silently loses: a node whose ACL reference is
//! not in the ACL cache (`convertLong` fails when the ACL is read), a path
//! stored twice, a session or ACL reference stored twice.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use rzk_core::request::digest::node_digest;
use rzk_proto::disk::{DigestValue, SnapshotTail, OPEN_ACL_UNSAFE_REF, ROOT_PATH};

use super::snapload::{stream_note, JavaTree, Loaded};

/// What verify found: the lines to print, and the first problem if any.
#[derive(Debug)]
pub struct Verdict {
    /// What was checked, one fact per line.
    pub report: String,
    /// The first problem, naming the offset; `None` when all is well.
    pub problem: Option<String>,
}

/// Checks a loaded snapshot.
pub fn verify(snap: &Loaded) -> Verdict {
    let mut r = String::new();
    let name = |z: Option<i64>| z.map_or("(name has no zxid)".to_owned(), |z| format!("0x{z:x}"));
    let _ = writeln!(r, "file: {}", snap.path.display());
    let _ = writeln!(r, "zxid (from the name): {}", name(snap.name_zxid));
    let _ = writeln!(
        r,
        "format: {:?}, {} bytes on disk, {} bytes uncompressed",
        snap.compression, snap.file_len, snap.stream_len
    );
    let _ = writeln!(
        r,
        "header: magic {:#x}, version {}, dbid {}",
        snap.header.magic, snap.header.version, snap.header.dbid
    );
    let _ = writeln!(r, "sessions: {}", snap.head.sessions.len());
    let _ = writeln!(r, "acl cache: {} entries", snap.head.acl_cache.len());
    let _ = writeln!(r, "nodes: {}", snap.nodes.len());
    let fail = |r: String, what: String| Verdict {
        report: r,
        problem: Some(format!(
            "{}: {}{what}",
            snap.path.display(),
            stream_note(snap.compression)
        )),
    };

    if let Some(problem) = structure_problem(snap) {
        return fail(r, problem);
    }
    let _ = writeln!(
        r,
        "structure: root first, every parent before its children, no path twice, every ACL reference in the cache"
    );

    let tail = match &snap.tail {
        Ok(t) => t,
        Err(e) => return fail(r, e.to_string()),
    };
    let _ = writeln!(r, "seals: {} checked, all match", seal_count(tail));
    match &tail.digest {
        None => {
            let _ = writeln!(
                r,
                "digest: none (written with zookeeper.digest.enabled=false or before 3.6)"
            );
        }
        Some(d) => {
            let computed = snap
                .nodes
                .iter()
                .map(|(_, n)| node_digest(&n.path, n.data.as_deref(), &n.stat))
                .fold(0u64, u64::wrapping_add) as i64;
            match &d.digest {
                DigestValue::Long(v) if *v == computed => {
                    let _ = writeln!(
                        r,
                        "digest: version {} at zxid 0x{:x}: {v}, equal to the digest of the nodes",
                        d.digest_version, d.zxid
                    );
                }
                DigestValue::Long(v) => {
                    // Snapshots are fuzzy: txns applied while one is written
                    // change the nodes but not the recorded digest, and
                    // ZooKeeper only compares the two after replaying the
                    // log. So a difference is reported, not failed.
                    let _ = writeln!(
                        r,
                        "digest: version {} at zxid 0x{:x}: {v}; the nodes digest to {computed} (expected only if txns were applied while the snapshot was written)",
                        d.digest_version, d.zxid
                    );
                }
                DigestValue::Hex(h) => {
                    let _ = writeln!(
                        r,
                        "digest: version {} at zxid 0x{:x}: {} (old hex form, not recomputed)",
                        d.digest_version,
                        d.zxid,
                        h.as_deref().unwrap_or("null")
                    );
                }
            }
        }
    }
    match tail.last_processed_zxid {
        Some(z) => {
            let _ = writeln!(r, "last processed zxid: 0x{z:x}");
        }
        None => {
            let _ = writeln!(r, "last processed zxid: not recorded (3.9+ writes it)");
        }
    }
    Verdict {
        report: r,
        problem: None,
    }
}

fn seal_count(tail: &SnapshotTail) -> usize {
    1 + usize::from(tail.digest.is_some()) + usize::from(tail.last_processed_zxid.is_some())
}

fn structure_problem(snap: &Loaded) -> Option<String> {
    let mut sessions = BTreeSet::new();
    for s in &snap.head.sessions {
        if !sessions.insert(s.session_id) {
            return Some(format!("session 0x{:x} is stored twice", s.session_id));
        }
    }
    let mut refs = BTreeSet::new();
    for e in &snap.head.acl_cache {
        if !refs.insert(e.acl_ref) {
            return Some(format!("ACL reference {} is stored twice", e.acl_ref));
        }
    }
    match snap.nodes.first() {
        Some((_, n)) if n.path == ROOT_PATH => {}
        Some((at, n)) => {
            return Some(format!(
                "node at offset {at}: the first node must be the root (path \"\"), found {:?}",
                n.path
            ))
        }
        None => return Some("the snapshot has no nodes, not even the root".into()),
    }
    if let Err(e) = JavaTree::build(&snap.nodes) {
        return Some(e.to_string());
    }
    let mut paths = BTreeSet::new();
    for (at, n) in &snap.nodes {
        if n.path != ROOT_PATH && !n.path.starts_with('/') {
            return Some(format!(
                "node at offset {at}: path {:?} is not absolute",
                n.path
            ));
        }
        if !paths.insert(n.path.as_str()) {
            return Some(format!(
                "node at offset {at}: path {:?} is stored twice",
                n.path
            ));
        }
        if n.acl_ref != OPEN_ACL_UNSAFE_REF && !refs.contains(&n.acl_ref) {
            return Some(format!(
                "node at offset {at}: {:?} refers to ACL {}, which is not in the ACL cache",
                n.path, n.acl_ref
            ));
        }
    }
    None
}
