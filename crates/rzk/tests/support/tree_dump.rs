//! What a server serves, captured so two servers (or one server before and
//! after a restart) can be compared field by field: every node's data
//! (null and empty kept apart), ACL and full Stat, read through the client
//! API; and, through the `srvr` and `dump` four-letter words, the last
//! zxid, the live sessions and each session's ephemerals.
//!
//! [`differences`] lists every mismatch as `where: what: A = …, B = …`;
//! [`assert_same`] panics with that list.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use bytes::Bytes;
use rzk_client::{Acl, Client, Stat};
use rzk_testkit::four_letter_word;

/// One znode as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// getData's data: `None` is a null buffer, distinct from empty.
    pub data: Option<Bytes>,
    /// getACL's list, in the server's order.
    pub acl: Vec<Acl>,
    /// getData's Stat (getACL's and the child count agree with it, or
    /// [`read_tree`] fails).
    pub stat: Stat,
}

/// Every node, by path.
pub type Tree = BTreeMap<String, Node>;

/// What the four-letter words say about the server's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionView {
    /// `srvr`'s `Zxid:` (the last processed zxid).
    pub zxid: i64,
    /// Every session `dump` lists in the session tracker.
    pub sessions: BTreeSet<i64>,
    /// `dump`'s "Sessions with Ephemerals": owner → paths.
    pub ephemerals: BTreeMap<i64, BTreeSet<String>>,
}

/// A server's state under a name for messages ("Apache ZooKeeper", "rzk").
#[derive(Debug, Clone)]
pub struct Served {
    /// Who served it.
    pub label: String,
    /// The four-letter-word view.
    pub view: SessionView,
    /// The tree.
    pub tree: Tree,
}

/// Reads every node under `/` with getData, getACL and getChildren. The
/// tree must not change meanwhile: a Stat that disagrees between the calls
/// is reported as an error rather than compared.
pub async fn read_tree(c: &Client) -> Result<Tree, String> {
    let mut out = Tree::new();
    let mut stack = vec!["/".to_string()];
    while let Some(path) = stack.pop() {
        let (data, stat) = c
            .get_data(&path)
            .await
            .map_err(|e| format!("getData {path}: {e}"))?;
        let (acl, acl_stat) = c
            .get_acl(&path)
            .await
            .map_err(|e| format!("getACL {path}: {e}"))?;
        let children = c
            .get_children(&path)
            .await
            .map_err(|e| format!("getChildren {path}: {e}"))?;
        if acl_stat != stat || usize::try_from(stat.num_children).ok() != Some(children.len()) {
            return Err(format!(
                "{path} changed while the tree was read: getData {stat:?}, getACL {acl_stat:?}, {} children",
                children.len()
            ));
        }
        for child in children {
            stack.push(if path == "/" {
                format!("/{child}")
            } else {
                format!("{path}/{child}")
            });
        }
        out.insert(path, Node { data, acl, stat });
    }
    Ok(out)
}

/// Reads `srvr` and `dump` from the server on 127.0.0.1:`port`.
pub fn read_sessions(port: u16) -> Result<SessionView, String> {
    let srvr = four_letter_word(port, "srvr").map_err(|e| format!("srvr: {e}"))?;
    let zxid = srvr
        .lines()
        .find_map(|l| l.strip_prefix("Zxid: 0x"))
        .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        .map(|z| z as i64)
        .ok_or_else(|| format!("no Zxid line in srvr:\n{srvr}"))?;
    let dump = four_letter_word(port, "dump").map_err(|e| format!("dump: {e}"))?;
    let mut view = parse_dump(&dump)?;
    view.zxid = zxid;
    Ok(view)
}

/// Parses `dump`: tab-indented `0x<id>` lines under "SessionTracker dump:"
/// are live sessions; under "Sessions with Ephemerals", `0x<id>:` starts an
/// owner and tab-indented lines are its paths. Owners listed with no paths
/// are left out.
fn parse_dump(text: &str) -> Result<SessionView, String> {
    let hex = |s: &str| {
        s.strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .map(|v| v as i64)
            .ok_or_else(|| format!("bad session id {s:?} in dump:\n{text}"))
    };
    let mut view = SessionView::default();
    let mut in_ephemerals = false;
    let mut owner = None;
    for line in text.lines() {
        if line.starts_with("Sessions with Ephemerals") {
            in_ephemerals = true;
        } else if line.starts_with("Connections dump") {
            break;
        } else if !in_ephemerals {
            if let Some(id) = line.strip_prefix('\t') {
                view.sessions.insert(hex(id.trim())?);
            }
        } else if let Some(path) = line.strip_prefix('\t') {
            let o = owner.ok_or_else(|| format!("ephemeral before an owner in dump:\n{text}"))?;
            view.ephemerals
                .entry(o)
                .or_default()
                .insert(path.to_string());
        } else if let Some(id) = line.strip_suffix(':') {
            let o = hex(id.trim())?;
            view.ephemerals.entry(o).or_default();
            owner = Some(o);
        }
    }
    // A session whose ephemerals were all deleted keeps an empty entry in
    // Apache ZooKeeper's memory (DataTree.ephemerals) until it closes; the
    // entry is not persisted, so a restarted server has none. Only owners
    // of at least one ephemeral are state.
    view.ephemerals.retain(|_, paths| !paths.is_empty());
    Ok(view)
}

/// Every difference between `a` and `b`, one line each, in path order.
pub fn differences(a: &Served, b: &Served) -> Vec<String> {
    let (la, lb) = (a.label.as_str(), b.label.as_str());
    let mut out = Vec::new();
    let mut field = |what: String, x: String, y: String| {
        if x != y {
            out.push(format!("{what}: {la} = {x}, {lb} = {y}"));
        }
    };
    field(
        "last zxid (srvr)".into(),
        format!("{:#x}", a.view.zxid),
        format!("{:#x}", b.view.zxid),
    );
    field(
        "live sessions (dump)".into(),
        ids(&a.view.sessions),
        ids(&b.view.sessions),
    );
    let owners: BTreeSet<i64> = a
        .view
        .ephemerals
        .keys()
        .chain(b.view.ephemerals.keys())
        .copied()
        .collect();
    for o in owners {
        let show = |v: &SessionView| {
            v.ephemerals
                .get(&o)
                .map_or_else(|| "no entry".to_string(), |p| format!("{p:?}"))
        };
        field(
            format!("ephemerals of {o:#x} (dump)"),
            show(&a.view),
            show(&b.view),
        );
    }
    let paths: BTreeSet<&String> = a.tree.keys().chain(b.tree.keys()).collect();
    for path in paths {
        match (a.tree.get(path), b.tree.get(path)) {
            (Some(_), None) => out.push(format!("{path}: only {la} serves it")),
            (None, Some(_)) => out.push(format!("{path}: only {lb} serves it")),
            (Some(x), Some(y)) => node_differences(path, x, y, la, lb, &mut out),
            (None, None) => {}
        }
    }
    out
}

fn node_differences(path: &str, x: &Node, y: &Node, la: &str, lb: &str, out: &mut Vec<String>) {
    if x.data != y.data {
        out.push(format!(
            "{path}: data: {la} = {}, {lb} = {}{}",
            show_data(&x.data),
            show_data(&y.data),
            first_difference(&x.data, &y.data)
        ));
    }
    if x.acl != y.acl {
        out.push(format!(
            "{path}: acl: {la} = {}, {lb} = {}",
            show_acl(&x.acl),
            show_acl(&y.acl)
        ));
    }
    let (s, t) = (&x.stat, &y.stat);
    let hex = |v: i64| format!("{v:#x}");
    let fields: [(&str, String, String); 11] = [
        ("czxid", hex(s.czxid), hex(t.czxid)),
        ("mzxid", hex(s.mzxid), hex(t.mzxid)),
        ("ctime", s.ctime.to_string(), t.ctime.to_string()),
        ("mtime", s.mtime.to_string(), t.mtime.to_string()),
        ("version", s.version.to_string(), t.version.to_string()),
        ("cversion", s.cversion.to_string(), t.cversion.to_string()),
        ("aversion", s.aversion.to_string(), t.aversion.to_string()),
        (
            "ephemeralOwner",
            hex(s.ephemeral_owner),
            hex(t.ephemeral_owner),
        ),
        (
            "dataLength",
            s.data_length.to_string(),
            t.data_length.to_string(),
        ),
        (
            "numChildren",
            s.num_children.to_string(),
            t.num_children.to_string(),
        ),
        ("pzxid", hex(s.pzxid), hex(t.pzxid)),
    ];
    for (name, u, v) in fields {
        if u != v {
            out.push(format!("{path}: stat.{name}: {la} = {u}, {lb} = {v}"));
        }
    }
}

fn ids(set: &BTreeSet<i64>) -> String {
    let v: Vec<String> = set.iter().map(|i| format!("{i:#x}")).collect();
    format!("[{}]", v.join(", "))
}

fn show_acl(acl: &[Acl]) -> String {
    let v: Vec<String> = acl
        .iter()
        .map(|a| format!("{}:{}:{:#x}", a.id.scheme, a.id.id, a.perms))
        .collect();
    format!("[{}]", v.join(", "))
}

/// `null`, `empty`, or the length and (up to 24 bytes of) the content, as
/// text when it is printable and as hex otherwise.
pub fn show_data(d: &Option<Bytes>) -> String {
    match d {
        None => "null".into(),
        Some(b) if b.is_empty() => "empty (0 bytes, not null)".into(),
        Some(b) => {
            let head = &b[..b.len().min(24)];
            let more = if b.len() > head.len() { "…" } else { "" };
            match std::str::from_utf8(head) {
                Ok(s) if s.chars().all(|c| !c.is_control()) => {
                    format!("{} bytes {s:?}{more}", b.len())
                }
                _ => format!("{} bytes 0x{}{more}", b.len(), hex(head)),
            }
        }
    }
}

/// Where two non-null values first differ, when the summaries may not show
/// it.
fn first_difference(x: &Option<Bytes>, y: &Option<Bytes>) -> String {
    let (Some(x), Some(y)) = (x, y) else {
        return String::new();
    };
    match x.iter().zip(y.iter()).position(|(p, q)| p != q) {
        Some(i) => format!(" (first difference at byte {i})"),
        None => String::new(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

/// Panics, listing every difference (up to 80 lines), unless `a` and `b`
/// are the same; `context` says what was compared, `epilogue` (may be
/// empty) follows the list.
pub fn assert_same(a: &Served, b: &Served, context: &str, epilogue: &str) {
    let diffs = differences(a, b);
    if diffs.is_empty() {
        return;
    }
    let shown = diffs
        .iter()
        .take(80)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n  ");
    let more = diffs
        .len()
        .checked_sub(80)
        .filter(|n| *n > 0)
        .map_or_else(String::new, |n| format!("\n  … and {n} more"));
    panic!(
        "{context}: {} differences between {} ({} nodes) and {} ({} nodes):\n  {shown}{more}{epilogue}",
        diffs.len(),
        a.label,
        a.tree.len(),
        b.label,
        b.tree.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(data: Option<&'static [u8]>) -> Node {
        Node {
            data: data.map(Bytes::from_static),
            acl: Acl::open_unsafe(),
            stat: Stat::default(),
        }
    }

    fn served(label: &str, nodes: &[(&str, Node)]) -> Served {
        Served {
            label: label.into(),
            view: SessionView::default(),
            tree: nodes
                .iter()
                .map(|(p, n)| (p.to_string(), n.clone()))
                .collect(),
        }
    }

    #[test]
    fn null_and_empty_data_differ_and_every_stat_field_is_named() {
        let mut moved = node(Some(b"x"));
        moved.stat.pzxid = 0x11;
        // The container marker: shown as Java's Long.toHexString shows it.
        moved.stat.ephemeral_owner = i64::MIN;
        let a = served(
            "A",
            &[
                ("/n", node(None)),
                ("/m", node(Some(b"x"))),
                ("/gone", node(None)),
            ],
        );
        let b = served(
            "B",
            &[("/n", node(Some(b""))), ("/m", moved), ("/new", node(None))],
        );
        assert_eq!(
            differences(&a, &b),
            vec![
                "/gone: only A serves it",
                "/m: stat.ephemeralOwner: A = 0x0, B = 0x8000000000000000",
                "/m: stat.pzxid: A = 0x0, B = 0x11",
                "/n: data: A = null, B = empty (0 bytes, not null)",
                "/new: only B serves it",
            ]
        );
        assert!(differences(&a, &a).is_empty());
    }

    #[test]
    fn dump_text_gives_sessions_and_ephemerals() {
        let text = "SessionTracker dump:\nSession Sets (2)/(3):\n1 expire at Thu Jan 01 00:00:06 UTC 1970:\n\t0x10\n2 expire at Thu Jan 01 00:00:12 UTC 1970:\n\t0x20\n\t0x30\nephemeral nodes dump:\nSessions with Ephemerals (1):\n0x20:\n\t/a\n\t/b/c\n0x30:\nConnections dump:\n";
        let v = parse_dump(text).unwrap();
        assert_eq!(v.sessions, [0x10, 0x20, 0x30].into_iter().collect());
        assert_eq!(
            v.ephemerals,
            [(
                0x20,
                ["/a".to_string(), "/b/c".to_string()].into_iter().collect()
            )]
            .into_iter()
            .collect()
        );
        assert!(parse_dump("SessionTracker dump:\n\tzz\n").is_err());
    }
}
