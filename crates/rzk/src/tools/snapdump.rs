//! `rzk snapshot dump FILE [--data] [--json]`.
//!
//! The text form is `SnapshotFormatter`'s (`zkSnapShotToolkit.sh`, 3.8):
//! `ZNode Details (count=N):`, each node after a `----` line with its stat
//! (zxids as `%#016x`, times as `Date.toString()` in UTC) and its data
//! length (or, with `--data`, its data in base64), then `----`, the
//! sessions with their ephemeral counts, and `----` / `Last zxid: 0x…`.
//! Nodes and sessions come in the order Java's hash sets give them.
//!
//! The JSON form is rzk's own (ZooKeeper's `-json` is an ncdu file-size
//! tree): the header, sessions, the ACL cache and every node in file
//! order, with zxids and ids as numbers.

use std::io::{self, Write};

use base64::Engine as _;
use rzk_core::standalone::java_date_utc;
use rzk_proto::disk::{SnapNode, ROOT_PATH};
use serde_json::{json, Value};

use super::snapload::{sessions_in_java_order, JavaTree, Loaded};

/// Writes `SnapshotFormatter`'s text for the loaded snapshot.
pub fn write_text(
    snap: &Loaded,
    tree: &JavaTree,
    with_data: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "ZNode Details (count={}):", tree.node_count())?;
    let mut last = i64::MIN;
    for (path, i) in tree.walk() {
        let node = &snap.nodes[i].1;
        let s = &node.stat;
        last = last.max(s.mzxid.max(s.pzxid));
        writeln!(out, "----")?;
        writeln!(out, "{path}")?;
        writeln!(out, "  cZxid = {:#016x}", s.czxid)?;
        writeln!(out, "  ctime = {}", java_date_utc(s.ctime))?;
        writeln!(out, "  mZxid = {:#016x}", s.mzxid)?;
        writeln!(out, "  mtime = {}", java_date_utc(s.mtime))?;
        writeln!(out, "  pZxid = {:#016x}", s.pzxid)?;
        writeln!(out, "  cversion = {}", s.cversion)?;
        writeln!(out, "  dataVersion = {}", s.version)?;
        writeln!(out, "  aclVersion = {}", s.aversion)?;
        writeln!(out, "  ephemeralOwner = {:#016x}", s.ephemeral_owner)?;
        if with_data {
            writeln!(out, "  data = {}", base64_data(node))?;
        } else {
            writeln!(out, "  dataLength = {}", data_len(node))?;
        }
    }
    writeln!(out, "----")?;
    writeln!(out, "Session Details (sid, timeout, ephemeralCount):")?;
    for (sid, timeout) in sessions_in_java_order(&snap.head) {
        writeln!(out, "{sid:#016x}, {timeout}, {}", tree.ephemeral_count(sid))?;
    }
    let last = last.max(snap.name_zxid.unwrap_or(-1));
    writeln!(out, "----")?;
    writeln!(out, "Last zxid: 0x{last:x}")
}

fn data_len(node: &SnapNode) -> usize {
    node.data.as_ref().map_or(0, |d| d.len())
}

fn base64_data(node: &SnapNode) -> String {
    node.data
        .as_ref()
        .map(|d| base64::engine::general_purpose::STANDARD.encode(d))
        .unwrap_or_default()
}

/// The JSON form (see the module docs).
pub fn to_json(snap: &Loaded, tree: &JavaTree, with_data: bool) -> Value {
    let sessions: Vec<Value> = snap
        .head
        .sessions
        .iter()
        .map(|s| {
            json!({
                "id": s.session_id,
                "timeout": s.timeout,
                "ephemeral_count": tree.ephemeral_count(s.session_id),
            })
        })
        .collect();
    let acls: Vec<Value> = snap
        .head
        .acl_cache
        .iter()
        .map(|e| {
            let list: Vec<Value> = e
                .acls
                .iter()
                .map(|a| json!({"perms": a.perms, "scheme": a.id.scheme, "id": a.id.id}))
                .collect();
            json!({"ref": e.acl_ref, "acl": list})
        })
        .collect();
    let nodes: Vec<Value> = snap
        .nodes
        .iter()
        .map(|(_, n)| {
            let s = &n.stat;
            let path = if n.path == ROOT_PATH { "/" } else { &n.path };
            let mut v = json!({
                "path": path,
                "acl_ref": n.acl_ref,
                "czxid": s.czxid,
                "mzxid": s.mzxid,
                "pzxid": s.pzxid,
                "ctime": s.ctime,
                "mtime": s.mtime,
                "version": s.version,
                "cversion": s.cversion,
                "aversion": s.aversion,
                "ephemeral_owner": s.ephemeral_owner,
                "data_length": data_len(n),
            });
            if with_data {
                v["data"] = match &n.data {
                    Some(_) => Value::String(base64_data(n)),
                    None => Value::Null,
                };
            }
            v
        })
        .collect();
    let tail = snap.tail.as_ref().ok();
    let digest = tail.and_then(|t| t.digest.as_ref()).map(|d| {
        let value = match &d.digest {
            rzk_proto::disk::DigestValue::Long(v) => json!(v),
            rzk_proto::disk::DigestValue::Hex(h) => json!(h),
        };
        json!({"zxid": d.zxid, "version": d.digest_version, "digest": value})
    });
    json!({
        "file": snap.path.display().to_string(),
        "zxid": snap.name_zxid,
        "header": {
            "magic": snap.header.magic,
            "version": snap.header.version,
            "dbid": snap.header.dbid,
        },
        "sessions": sessions,
        "acls": acls,
        "node_count": snap.nodes.len(),
        "nodes": nodes,
        "digest": digest,
        "last_processed_zxid": tail.and_then(|t| t.last_processed_zxid),
    })
}
