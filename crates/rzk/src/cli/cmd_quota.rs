//! Quota commands (setquota, listquota, delquota) over the
//! `/zookeeper/quota` tree (PROTOCOL.md §3.12), step for step as zkCli's
//! `SetQuotaCommand`, `ListQuotaCommand` and `DelQuotaCommand` do them, so
//! the same nodes are created and the same messages printed.

use bytes::Bytes;
use rzk_client::{Acl, CreateMode, Error};

use super::error::CliError;
use super::getopt::{flag, valued, Group, Spec};
use super::output::{err, out};
use super::session::Session;
use super::stats_track::{StatsTrack, BYTES, BYTES_HARD, COUNT, COUNT_HARD};
use super::usage::usage_of;
use super::walk::{join, parse, valid, visit_dfs};

const QUOTA_ROOT: &str = "/zookeeper/quota";
const LIMITS: &str = "zookeeper_limits";
const STATS: &str = "zookeeper_stats";

const SETQUOTA: Spec = Spec {
    opts: &[valued('n'), valued('b'), valued('N'), valued('B')],
    group: Some(Group {
        members: &['n', 'b', 'N', 'B'],
        required: Some(
            "[-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]",
        ),
    }),
};
const DELQUOTA: Spec = Spec {
    opts: &[flag('n'), flag('b'), flag('N'), flag('B')],
    group: Some(Group {
        members: &['n', 'b', 'N', 'B'],
        required: None,
    }),
};
const LISTQUOTA: Spec = Spec {
    opts: &[],
    group: None,
};

fn limit_path(path: &str) -> String {
    format!("{QUOTA_ROOT}{path}/{LIMITS}")
}

fn stat_path(path: &str) -> String {
    format!("{QUOTA_ROOT}{path}/{STATS}")
}

/// Reads a quota node's text.
async fn read(s: &Session, path: &str) -> Result<StatsTrack, Error> {
    let (data, _) = s.client.get_data(path).await?;
    Ok(StatsTrack::parse(&String::from_utf8_lossy(
        data.as_deref().unwrap_or_default(),
    )))
}

/// Creates a node with no data, tolerating a concurrent creation.
async fn ensure(s: &Session, path: &str) -> Result<(), Error> {
    if s.client.exists(path).await?.is_some() {
        return Ok(());
    }
    match s
        .client
        .create(path, None, &Acl::open_unsafe(), CreateMode::Persistent)
        .await
    {
        Err(e) if !e.is_node_exists() => Err(e),
        _ => Ok(()),
    }
}

/// Parses an option value; zkCli reports a bad one on stderr and succeeds.
fn limits(p: &super::getopt::Parsed) -> Option<StatsTrack> {
    let mut q = StatsTrack::default();
    for k in [COUNT, BYTES, COUNT_HARD, BYTES_HARD] {
        q.set(k, -1);
    }
    let checks = [
        ('n', COUNT, 1, "the num quota must be greater than zero"),
        (
            'b',
            BYTES,
            0,
            "the bytes quota must be greater than or equal to zero",
        ),
        (
            'N',
            COUNT_HARD,
            1,
            "the num quota must be greater than zero",
        ),
        (
            'B',
            BYTES_HARD,
            0,
            "the bytes quota must be greater than or equal to zero",
        ),
    ];
    for (opt, key, min, complaint) in checks {
        let Some(v) = p.value(opt) else { continue };
        // Counts are Java ints, byte sizes longs.
        let parsed = if min == 1 {
            v.parse::<i32>().map(i64::from)
        } else {
            v.parse::<i64>()
        };
        match parsed {
            Ok(n) if n >= min => q.set(key, n),
            Ok(_) => {
                err(complaint);
                return None;
            }
            Err(_) => {
                err("NumberFormatException happens when parsing the option value");
                return None;
            }
        }
    }
    Some(q)
}

/// `setquota -n|-b|-N|-B val path`.
pub async fn setquota(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&SETQUOTA, &words)?;
    if p.args.len() < 2 {
        return Err(CliError::new(usage_of("setquota")));
    }
    let path = &p.args[1];
    if path.starts_with(QUOTA_ROOT) {
        err(&format!("cannot set a quota under the path: {QUOTA_ROOT}"));
        return Ok(());
    }
    let Some(quota) = limits(&p) else {
        return Ok(());
    };
    create_quota(s, path, quota).await
}

async fn create_quota(s: &Session, path: &str, quota: StatsTrack) -> Result<(), CliError> {
    let keeper = |e: Error, p: &str| CliError::keeper(&e, p);
    valid(path)?;
    if s.client
        .exists(path)
        .await
        .map_err(|e| keeper(e, path))?
        .is_none()
    {
        return Err(CliError::new(format!("{path} does not exist.")));
    }
    check_child_quota(s, path).await?;
    check_parent_quota(s, path).await?;
    // zkCli creates /zookeeper and /zookeeper/quota if missing, then one
    // node per component of the path under it.
    let mut quota_path = QUOTA_ROOT.to_string();
    if s.client
        .exists(QUOTA_ROOT)
        .await
        .map_err(|e| keeper(e, QUOTA_ROOT))?
        .is_none()
    {
        for p in ["/zookeeper", QUOTA_ROOT] {
            ensure(s, p).await.map_err(|e| keeper(e, p))?;
        }
    }
    for part in path.split('/').skip(1) {
        quota_path = format!("{quota_path}/{part}");
        ensure(s, &quota_path)
            .await
            .map_err(|e| keeper(e, &quota_path))?;
    }
    let (limits, stats) = (limit_path(path), stat_path(path));
    if s.client
        .exists(&limits)
        .await
        .map_err(|e| keeper(e, &limits))?
        .is_none()
    {
        let open = Acl::open_unsafe();
        let text = |t: &StatsTrack| Some(Bytes::from(t.to_string().into_bytes()));
        s.client
            .create(&limits, text(&quota), &open, CreateMode::Persistent)
            .await
            .map_err(|e| keeper(e, &limits))?;
        let mut zero = StatsTrack::default();
        zero.set(COUNT, 0);
        zero.set(BYTES, 0);
        s.client
            .create(&stats, text(&zero), &open, CreateMode::Persistent)
            .await
            .map_err(|e| keeper(e, &stats))?;
        let q = read(s, &limits).await.map_err(|e| keeper(e, &limits))?;
        let st = read(s, &stats).await.map_err(|e| keeper(e, &stats))?;
        warn_if_exceeded(&q, &st);
    } else {
        let mut q = read(s, &limits).await.map_err(|e| keeper(e, &limits))?;
        for k in [COUNT, BYTES, COUNT_HARD, BYTES_HARD] {
            if quota.get(k) > -1 {
                q.set(k, quota.get(k));
            }
        }
        let st = read(s, &stats).await.map_err(|e| keeper(e, &stats))?;
        warn_if_exceeded(&q, &st);
        let data = Bytes::from(q.to_string().into_bytes());
        s.client
            .set_data(&limits, data, -1)
            .await
            .map_err(|e| keeper(e, &limits))?;
    }
    Ok(())
}

fn warn_if_exceeded(q: &StatsTrack, st: &StatsTrack) {
    let over = |soft: &str, hard: &str, used: i64| {
        (q.get(soft) > -1 && q.get(soft) < used) || (q.get(hard) > -1 && q.get(hard) < used)
    };
    if over(COUNT, COUNT_HARD, st.get(COUNT)) {
        out(&format!(
            "[Warning]: the count quota you create is less than the existing count:{}",
            st.get(COUNT)
        ));
    }
    if over(BYTES, BYTES_HARD, st.get(BYTES)) {
        out(&format!(
            "[Warning]: the bytes quota you create is less than the existing bytes:{}",
            st.get(BYTES)
        ));
    }
}

/// A quota on a descendant of `path` forbids one on `path`.
async fn check_child_quota(s: &Session, path: &str) -> Result<(), CliError> {
    let real = format!("{QUOTA_ROOT}{path}");
    let (nodes, failure) = visit_dfs(s, &real, false).await;
    if let Some(e) = failure {
        // A missing quota subtree is fine; a malformed path is not.
        if nodes.is_empty() && e.message.starts_with("Node does not exist") {
            return Ok(());
        }
        return Err(e);
    }
    for node in nodes {
        let kids = match s.client.get_children(&node).await {
            Ok(k) => k,
            Err(_) => continue,
        };
        if node != real && kids.iter().any(|k| k == LIMITS) {
            let trimmed = &node[QUOTA_ROOT.len()..];
            return Err(CliError::new(format!(
                "{path} has a child {trimmed} which has a quota"
            )));
        }
    }
    Ok(())
}

/// A quota on an ancestor of `path` forbids one on `path`.
async fn check_parent_quota(s: &Session, path: &str) -> Result<(), CliError> {
    let parts: Vec<&str> = path.split('/').collect();
    let mut quota_path = QUOTA_ROOT.to_string();
    for part in parts.iter().take(parts.len().saturating_sub(1)).skip(1) {
        quota_path = format!("{quota_path}/{part}");
        let kids = match s.client.get_children(&quota_path).await {
            Ok(k) => k,
            Err(e) if e.is_no_node() => return Ok(()),
            Err(e) => return Err(CliError::keeper(&e, &quota_path)),
        };
        if kids.is_empty() {
            return Ok(());
        }
        if kids.iter().any(|k| k == LIMITS) {
            let trimmed = &quota_path[QUOTA_ROOT.len()..];
            return Err(CliError::new(format!(
                "{path} has a parent {trimmed} which has a quota"
            )));
        }
    }
    Ok(())
}

/// `listquota path`.
pub async fn listquota(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&LISTQUOTA, &words)?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::new(usage_of("listquota")));
    };
    let limits = limit_path(path);
    err(&format!("absolute path is {limits}"));
    valid(&limits)?;
    let result = async {
        let q = read(s, &limits).await.map_err(|e| (e, limits.clone()))?;
        let st_path = stat_path(path);
        let st = read(s, &st_path).await.map_err(|e| (e, st_path))?;
        Ok::<_, (Error, String)>((q, st))
    }
    .await;
    match result {
        Ok((q, st)) => {
            out(&format!("Output quota for {path} {q}"));
            out(&format!("Output stat for {path} {st}"));
            Ok(())
        }
        Err((e, _)) if e.is_no_node() => {
            err(&format!("quota for {path} does not exist."));
            Ok(())
        }
        Err((e, at)) => Err(CliError::keeper(&e, &at)),
    }
}

/// `delquota [-n|-b|-N|-B] path`: one limit reset to -1, or (no flag) the
/// whole quota removed and empty quota parents trimmed.
pub async fn delquota(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&DELQUOTA, &words)?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::new(usage_of("delquota")));
    };
    valid(&limit_path(path))?;
    match del_quota(s, &p, path).await {
        Ok(()) => Ok(()),
        Err((e, _)) if e.is_no_node() => {
            err(&format!("quota for {path} does not exist."));
            Ok(())
        }
        Err((e, at)) => Err(CliError::keeper(&e, &at)),
    }
}

async fn del_quota(
    s: &Session,
    p: &super::getopt::Parsed,
    path: &str,
) -> Result<(), (Error, String)> {
    let parent = format!("{QUOTA_ROOT}{path}");
    let limits = limit_path(path);
    let at = |q: &str| {
        let q = q.to_string();
        move |e: Error| (e, q)
    };
    if s.client
        .exists(&limits)
        .await
        .map_err(at(&limits))?
        .is_none()
    {
        out(&format!("Quota does not exist for {path}"));
        return Ok(());
    }
    let mut q = read(s, &limits).await.map_err(at(&limits))?;
    let flags = [
        ('n', COUNT),
        ('b', BYTES),
        ('N', COUNT_HARD),
        ('B', BYTES_HARD),
    ];
    if flags.iter().any(|(f, _)| p.has(*f)) {
        for (f, key) in flags {
            if p.has(f) {
                q.set(key, -1);
            }
        }
        let data = Bytes::from(q.to_string().into_bytes());
        s.client
            .set_data(&limits, data, -1)
            .await
            .map_err(at(&limits))?;
        return Ok(());
    }
    for kid in s.client.get_children(&parent).await.map_err(at(&parent))? {
        let k = join(&parent, &kid);
        s.client.delete(&k, -1).await.map_err(at(&k))?;
    }
    // Trim quota parents that are now empty, up to the quota root.
    let mut node = parent;
    while node != QUOTA_ROOT {
        if !s
            .client
            .get_children(&node)
            .await
            .map_err(at(&node))?
            .is_empty()
        {
            break;
        }
        s.client.delete(&node, -1).await.map_err(at(&node))?;
        let cut = node.rfind('/').unwrap_or(0);
        node.truncate(cut);
    }
    Ok(())
}
