//! ACL and identity commands: getAcl, setAcl, addauth, whoami.

use bytes::Bytes;
use futures::FutureExt;
use rzk_client::{Error, ErrorCode};

use super::acl;
use super::error::{keeper_exception_text, keeper_message, CliError};
use super::getopt::{flag, valued, Spec};
use super::output::{err_lines, out, out_lines, out_raw};
use super::session::Session;
use super::stat::stat_lines;
use super::usage::usage_of;
use super::walk::{java_int, parse, valid, visit_dfs};

const GET_ACL: Spec = Spec {
    opts: &[flag('s')],
    group: None,
};
const SET_ACL: Spec = Spec {
    opts: &[flag('s'), valued('v'), flag('R')],
    group: None,
};
const NONE: Spec = Spec {
    opts: &[],
    group: None,
};

/// `getAcl [-s] path`.
pub async fn get_acl(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&GET_ACL, &words)?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::new(usage_of("getAcl")));
    };
    valid(path)?;
    let (acls, stat) = s
        .client
        .get_acl(path)
        .await
        .map_err(|e| CliError::keeper(&e, path))?;
    let lines: Vec<String> = acls.iter().flat_map(acl::entry_lines).collect();
    out_lines(&lines);
    if p.has('s') {
        out_lines(&stat_lines(&stat));
    }
    Ok(())
}

/// `setAcl [-s] [-v version] [-R] path acl`. With -R every node of the
/// subtree gets the ACL, and failures are printed without a newline and do
/// not stop the walk, exactly as zkCli does.
pub async fn set_acl(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&SET_ACL, &words)?;
    if p.args.len() < 3 {
        return Err(CliError::new(usage_of("setAcl")));
    }
    let path = &p.args[1];
    let (acls, warnings) = acl::parse(&p.args[2]);
    err_lines(&warnings);
    let version = p.value('v').map_or(Ok(-1), java_int)?;
    if p.has('R') {
        let (nodes, failure) = visit_dfs(s, path, false).await;
        for node in &nodes {
            let result = if acls.is_empty() {
                Err(keeper_exception_text(ErrorCode::InvalidAcl, None))
            } else {
                s.client
                    .set_acl(node, &acls, version)
                    .await
                    .map(|_| ())
                    .map_err(|e| keeper_text(&e, node))
            };
            if let Err(text) = result {
                out_raw(&text);
            }
        }
        return failure.map_or(Ok(()), Err);
    }
    valid(path)?;
    if acls.is_empty() {
        return Err(CliError::new(keeper_message(
            &Error::Server(ErrorCode::InvalidAcl),
            None,
        )));
    }
    let stat = s
        .client
        .set_acl(path, &acls, version)
        .await
        .map_err(|e| CliError::keeper(&e, path))?;
    if p.has('s') {
        out_lines(&stat_lines(&stat));
    }
    Ok(())
}

/// The Java `KeeperException.getMessage()` for a client error.
fn keeper_text(e: &Error, path: &str) -> String {
    match e.code() {
        Some(code) => keeper_exception_text(code, Some(path)),
        None => e.to_string(),
    }
}

/// `addauth scheme auth`. zkCli sends the credentials and returns at once;
/// a rejection shows up as an AuthFailed event and fails the commands sent
/// after it, so nothing is printed here. To keep that order, the request is
/// queued to the session here (the first poll sends it) and its answer
/// awaited in the background.
pub async fn add_auth(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&NONE, &words)?;
    let Some(scheme) = p.args.get(1) else {
        return Err(CliError::new(usage_of("addauth")));
    };
    let auth = p
        .args
        .get(2)
        .map(|a| Bytes::from(a.clone().into_bytes()))
        .unwrap_or_default();
    let client = s.client.clone();
    let scheme = scheme.clone();
    let mut answer = Box::pin(async move { client.add_auth(&scheme, auth).await });
    if (&mut answer).now_or_never().is_none() {
        tokio::spawn(answer);
    }
    Ok(())
}

/// `whoami`.
pub async fn who_am_i(s: &Session) -> Result<(), CliError> {
    let infos = s
        .client
        .who_am_i()
        .await
        .map_err(|e| CliError::new(keeper_text(&e, "")))?;
    out("Auth scheme: User");
    let lines: Vec<String> = infos
        .iter()
        .map(|i| format!("{}: {}", i.auth_scheme, i.user))
        .collect();
    out_lines(&lines);
    Ok(())
}
