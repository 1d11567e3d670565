//! Node commands: ls, get, set, stat, create, delete, deleteall.

use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, CreateMode, Error, ErrorCode};

use super::acl;
use super::error::{keeper_message, CliError};
use super::getopt::{flag, valued, Parsed, Spec};
use super::output::{err, err_lines, out, out_lines};
use super::path;
use super::session::Session;
use super::stat::stat_lines;
use super::usage::usage_of;
use super::walk::{java_int, keep_one_shot, list_bfs, parse, valid, visit_dfs};
use super::watch_book::WatchKind;

const LS: Spec = Spec {
    opts: &[flag('?'), flag('s'), flag('w'), flag('R')],
    group: None,
};
const GET: Spec = Spec {
    opts: &[flag('s'), flag('w')],
    group: None,
};
const SET: Spec = Spec {
    opts: &[flag('s'), valued('v')],
    group: None,
};
const STAT: Spec = Spec {
    opts: &[flag('w')],
    group: None,
};
const CREATE: Spec = Spec {
    opts: &[flag('e'), flag('s'), flag('c'), valued('t')],
    group: None,
};
const DELETE: Spec = Spec {
    opts: &[valued('v')],
    group: None,
};
const DELETEALL: Spec = Spec {
    opts: &[valued('b')],
    group: None,
};

/// The largest TTL (`EphemeralType.MAX_TTL`: 40 bits).
const MAX_TTL: i64 = 0xFF_FFFF_FFFF;

/// zkCli's `retainCompatibility`: a third word is the old `[watch]` (or
/// `[version]`) argument. zkCli warns, overwrites the third raw word with
/// `-w` when `rewrite` is set (whatever that word was), and parses again.
fn old_style(
    spec: &Spec,
    words: &mut [String],
    parsed: &mut Parsed,
    rewrite: bool,
    warning: &str,
) -> Result<(), CliError> {
    if parsed.args.len() > 2 {
        if rewrite {
            words[2] = "-w".into();
        }
        err(warning);
        *parsed = parse(spec, words)?;
    }
    Ok(())
}

fn children_line(mut kids: Vec<String>) -> String {
    kids.sort();
    format!("[{}]", kids.join(", "))
}

/// `ls [-s] [-w] [-R] path`.
pub async fn ls(s: &Session, mut words: Vec<String>) -> Result<(), CliError> {
    let mut p = parse(&LS, &words)?;
    if p.has('?') {
        out_lines(&[
            "usage: ls [options] path".into(),
            " -?   help".into(),
            " -R   recurse".into(),
            " -s   stat".into(),
            " -w   watch".into(),
        ]);
    }
    old_style(
        &LS,
        &mut words,
        &mut p,
        true,
        "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.",
    )?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::new(usage_of("ls")));
    };
    let watch = p.has('w');
    if p.has('R') {
        let (seen, failure) = visit_dfs(s, path, watch).await;
        out_lines(&seen);
        return failure.map_or(Ok(()), Err);
    }
    valid(path)?;
    let fail = |e: Error| CliError::keeper(&e, path);
    let kids = if watch {
        let (kids, w) = s.client.get_children_watch(path).await.map_err(fail)?;
        keep_one_shot(w);
        s.watched(WatchKind::Child, path);
        kids
    } else if !p.has('s') {
        s.client.get_children(path).await.map_err(fail)?
    } else {
        Vec::new()
    };
    if p.has('s') {
        // getChildren2 carries the stat; with -w the children come from the
        // watching call just made and the stat from a second read.
        let (kids2, stat) = s.client.get_children2(path).await.map_err(fail)?;
        let kids = if watch { kids } else { kids2 };
        out(&children_line(kids));
        out_lines(&stat_lines(&stat));
    } else {
        out(&children_line(kids));
    }
    Ok(())
}

/// `get [-s] [-w] path`.
pub async fn get(s: &Session, mut words: Vec<String>) -> Result<(), CliError> {
    let mut p = parse(&GET, &words)?;
    if p.args.len() < 2 {
        return Err(CliError::new(usage_of("get")));
    }
    old_style(
        &GET,
        &mut words,
        &mut p,
        true,
        "'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.",
    )?;
    let path = p.args.get(1).cloned().unwrap_or_default();
    valid(&path)?;
    let fail = |e: Error| CliError::keeper(&e, &path);
    let (data, stat) = if p.has('w') {
        let (d, st, w) = s.client.get_data_watch(&path).await.map_err(fail)?;
        keep_one_shot(w);
        s.watched(WatchKind::Data, &path);
        (d, st)
    } else {
        s.client.get_data(&path).await.map_err(fail)?
    };
    out(&data.map_or_else(
        || "null".into(),
        |d| String::from_utf8_lossy(&d).into_owned(),
    ));
    if p.has('s') {
        out_lines(&stat_lines(&stat));
    }
    Ok(())
}

/// `set [-s] [-v version] path data`.
pub async fn set(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&SET, &words)?;
    if p.args.len() < 3 {
        return Err(CliError::new(usage_of("set")));
    }
    let (path, data) = (&p.args[1], &p.args[2]);
    let version = p.value('v').map_or(Ok(-1), java_int)?;
    valid(path)?;
    let stat = s
        .client
        .set_data(path, Bytes::from(data.clone().into_bytes()), version)
        .await
        .map_err(|e| CliError::keeper(&e, path))?;
    if p.has('s') {
        out_lines(&stat_lines(&stat));
    }
    Ok(())
}

/// `stat [-w] path`.
pub async fn stat(s: &Session, mut words: Vec<String>) -> Result<(), CliError> {
    let mut p = parse(&STAT, &words)?;
    if p.args.len() < 2 {
        return Err(CliError::new(usage_of("stat")));
    }
    old_style(
        &STAT,
        &mut words,
        &mut p,
        true,
        "'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.",
    )?;
    let path = p.args.get(1).cloned().unwrap_or_default();
    valid(&path)?;
    let fail = |e: Error| CliError::keeper(&e, &path);
    let stat = if p.has('w') {
        let (st, w) = s.client.exists_watch(&path).await.map_err(fail)?;
        keep_one_shot(w);
        s.watched(WatchKind::Data, &path);
        st
    } else {
        s.client.exists(&path).await.map_err(fail)?
    };
    match stat {
        Some(st) => {
            out_lines(&stat_lines(&st));
            Ok(())
        }
        None => Err(fail(Error::Server(ErrorCode::NoNode))),
    }
}

/// The create mode for zkCli's flags, or its message for a bad mix.
fn create_mode(p: &Parsed) -> Result<(CreateMode, Option<i64>), CliError> {
    let (e, sq, c, t) = (p.has('e'), p.has('s'), p.has('c'), p.has('t'));
    if c && (e || sq) {
        return Err(CliError::new(
            "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.",
        ));
    }
    let ttl = match p.value('t') {
        Some(v) if t => Some(
            v.parse::<i64>()
                .map_err(|_| CliError::new("-t argument must be a long value"))?,
        ),
        _ => None,
    };
    if t && e {
        return Err(CliError::new("TTLs cannot be used with Ephemeral znodes"));
    }
    if t && c {
        return Err(CliError::new("TTLs cannot be used with Container znodes"));
    }
    let mode = match (e, sq, c, t) {
        (true, true, _, _) => CreateMode::EphemeralSequential,
        (true, false, _, _) => CreateMode::Ephemeral,
        (false, true, _, true) => CreateMode::PersistentSequentialWithTtl,
        (false, true, _, false) => CreateMode::PersistentSequential,
        (false, false, true, _) => CreateMode::Container,
        (false, false, false, true) => CreateMode::PersistentWithTtl,
        (false, false, false, false) => CreateMode::Persistent,
    };
    if let Some(ttl) = ttl {
        if ttl <= 0 || ttl > MAX_TTL {
            return Err(CliError::new(format!(
                "ttl must be positive and cannot be larger than: {MAX_TTL}"
            )));
        }
    }
    Ok((mode, ttl))
}

/// `create [-s] [-e] [-c] [-t ttl] path [data] [acl]`; "Created" goes to
/// stderr, as in zkCli.
pub async fn create(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&CREATE, &words)?;
    if p.args.len() < 2 {
        return Err(CliError::new(usage_of("create")));
    }
    let (mode, ttl) = create_mode(&p)?;
    let path = &p.args[1];
    let data = p.args.get(2).map(|d| Bytes::from(d.clone().into_bytes()));
    let acls = match p.args.get(3) {
        Some(text) => {
            let (acls, warnings) = acl::parse(text);
            err_lines(&warnings);
            acls
        }
        None => Acl::open_unsafe(),
    };
    path::validate(path, mode.is_sequential()).map_err(CliError::new)?;
    if acls.is_empty() {
        // The Java client refuses an empty ACL before sending; its
        // exception has no path.
        err("KeeperErrorCode = InvalidACL");
        return Err(CliError::new(keeper_message(
            &Error::Server(ErrorCode::InvalidAcl),
            None,
        )));
    }
    let made = match ttl {
        Some(ms) => {
            let ttl = Duration::from_millis(u64::try_from(ms).unwrap_or(0));
            s.client
                .create_ttl(path, data, &acls, mode, ttl)
                .await
                .map(|(p, _)| p)
        }
        None => s.client.create(path, data, &acls, mode).await,
    };
    match made {
        Ok(new_path) => {
            err(&format!("Created {new_path}"));
            Ok(())
        }
        Err(e) => {
            match e.code() {
                Some(ErrorCode::EphemeralOnLocalSession) => {
                    err("Unable to create ephemeral node on a local session")
                }
                Some(ErrorCode::InvalidAcl) => {
                    err(&format!("KeeperErrorCode = InvalidACL for {path}"))
                }
                _ => {}
            }
            Err(CliError::keeper(&e, path))
        }
    }
}

/// `delete [-v version] path`.
pub async fn delete(s: &Session, mut words: Vec<String>) -> Result<(), CliError> {
    let mut p = parse(&DELETE, &words)?;
    if p.args.len() < 2 {
        return Err(CliError::new(usage_of("delete")));
    }
    // zkCli warns about the old `delete path version` form but then ignores
    // the version: it parses the same words again.
    old_style(&DELETE, &mut words, &mut p, false, "'delete path [version]' has been deprecated. Please use 'delete [-v version] path' instead.")?;
    let path = &p.args[1];
    let version = p.value('v').map_or(Ok(-1), java_int)?;
    valid(path)?;
    s.client
        .delete(path, version)
        .await
        .map_err(|e| CliError::keeper(&e, path))
}

/// `deleteall path [-b batch size]`: the subtree, leaves first, in multis
/// of `batch` deletes (`ZKUtil.deleteRecursive`).
pub async fn deleteall(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&DELETEALL, &words)?;
    if p.args.len() < 2 {
        return Err(CliError::new(usage_of("deleteall")));
    }
    let batch = match p.value('b') {
        Some(v) => v
            .parse::<i32>()
            .map_err(|_| CliError::new("-b argument must be an int value"))?,
        None => 1000,
    };
    let tree = list_bfs(s, &p.args[1]).await?;
    // A batch size that is never reached (0 or less) means one multi.
    let size = usize::try_from(batch)
        .ok()
        .filter(|b| *b > 0)
        .unwrap_or(tree.len().max(1));
    let leaves_first: Vec<&String> = tree.iter().rev().collect();
    for chunk in leaves_first.chunks(size) {
        let txn = chunk
            .iter()
            .fold(s.client.transaction(), |t, p| t.delete(p, -1));
        if txn.commit().await.is_err() {
            err("Failed to delete some node(s) in the subtree!");
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(line: &str) -> Result<(CreateMode, Option<i64>), String> {
        let words: Vec<String> = line.split(' ').map(String::from).collect();
        let p = parse(&CREATE, &words).map_err(|e| e.message)?;
        create_mode(&p).map_err(|e| e.message)
    }

    #[test]
    fn create_flags_map_to_modes_as_in_zkcli() {
        assert_eq!(mode("create /a").unwrap(), (CreateMode::Persistent, None));
        assert_eq!(
            mode("create -e -s /a").unwrap().0,
            CreateMode::EphemeralSequential
        );
        assert_eq!(mode("create -c /a").unwrap().0, CreateMode::Container);
        assert_eq!(
            mode("create -s -t 10 /a").unwrap(),
            (CreateMode::PersistentSequentialWithTtl, Some(10))
        );
        assert_eq!(
            mode("create -c -s /a").unwrap_err(),
            "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential."
        );
        assert_eq!(
            mode("create -t x /a").unwrap_err(),
            "-t argument must be a long value"
        );
        assert_eq!(
            mode("create -t 5 -e /a").unwrap_err(),
            "TTLs cannot be used with Ephemeral znodes"
        );
        assert_eq!(
            mode("create -t 5 -c /a").unwrap_err(),
            "TTLs cannot be used with Container znodes"
        );
        assert_eq!(
            mode("create -t 0 /a").unwrap_err(),
            "ttl must be positive and cannot be larger than: 1099511627775"
        );
        assert!(mode("create -t 1099511627776 /a").is_err());
    }
}
