//! The remaining server commands: sync, getEphemerals,
//! getAllChildrenNumber, config, reconfig, addWatch, removewatches,
//! version.

use rzk_client::{AddWatchMode, Error, KeeperState, WatchedEvent, WatcherType};

use super::error::{keeper_exception_text, CliError};
use super::getopt::{flag, Spec};
use super::output::{out, out_lines};
use super::session::Session;
use super::stat::stat_lines;
use super::usage::usage_of;
use super::walk::{keep_one_shot, keep_persistent, parse, valid};
use super::watch_book::WatchKind;

const NONE: Spec = Spec {
    opts: &[],
    group: None,
};
const CONFIG: Spec = Spec {
    opts: &[flag('s'), flag('w'), flag('c')],
    group: None,
};
const ADD_WATCH: Spec = Spec {
    opts: &[super::getopt::valued('m')],
    group: None,
};
const REMOVE_WATCHES: Spec = Spec {
    opts: &[flag('c'), flag('d'), flag('a'), flag('l')],
    group: None,
};

/// Where servers keep the dynamic configuration.
const CONFIG_NODE: &str = "/zookeeper/config";

/// `sync path`: zkCli reports a failed sync on stdout, as a return code.
pub async fn sync(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&NONE, &words)?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::new(usage_of("sync")));
    };
    valid(path)?;
    match s.client.sync(path).await {
        Ok(_) => out("Sync is OK"),
        Err(e) => {
            let rc = e.code().map_or(-1, |c| c.code());
            out(&format!("Sync has failed. rc={rc}"));
        }
    }
    Ok(())
}

/// `getEphemerals [path]`, printed as a Java list.
pub async fn get_ephemerals(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&NONE, &words)?;
    let prefix = p.args.get(1).map_or("/", String::as_str);
    valid(prefix)?;
    let list = s
        .client
        .get_ephemerals(prefix)
        .await
        .map_err(|e| CliError::keeper(&e, prefix))?;
    out(&format!("[{}]", list.join(", ")));
    Ok(())
}

/// `getAllChildrenNumber path`.
pub async fn get_all_children_number(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&NONE, &words)?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::new(usage_of("getAllChildrenNumber")));
    };
    valid(path)?;
    let n = s
        .client
        .get_all_children_number(path)
        .await
        .map_err(|e| CliError::keeper(&e, path))?;
    out(&n.to_string());
    Ok(())
}

/// `ConfigUtils.getClientConfigStr`: the config version, a blank, and the
/// client addresses of the `server.N` lines (in file order; Java's order
/// comes from a hash table).
pub fn client_config(text: &str) -> String {
    let mut version = String::new();
    let mut addrs = Vec::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key == "version" {
            version = value.to_string();
        }
        if !key.starts_with("server.") {
            continue;
        }
        // host:quorum:election[:role][;[clientHost:]clientPort]
        if let Some((_, client)) = value.split_once(';') {
            let addr = match client.rsplit_once(':') {
                Some((h, p)) => format!("{h}:{p}"),
                None => format!("0.0.0.0:{client}"),
            };
            addrs.push(addr);
        }
    }
    format!("{version} {}", addrs.join(","))
}

/// `config [-c] [-w] [-s]`.
pub async fn config(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&CONFIG, &words)?;
    let fail = |e: Error| CliError::keeper(&e, CONFIG_NODE);
    let (data, stat) = if p.has('w') {
        let (d, st, w) = s.client.get_data_watch(CONFIG_NODE).await.map_err(fail)?;
        keep_one_shot(w);
        s.watched(WatchKind::Data, CONFIG_NODE);
        (d, st)
    } else {
        s.client.get_data(CONFIG_NODE).await.map_err(fail)?
    };
    let text = data.map_or_else(
        || "null".into(),
        |d| String::from_utf8_lossy(&d).into_owned(),
    );
    out(&if p.has('c') {
        client_config(&text)
    } else {
        text
    });
    if p.has('s') {
        out_lines(&stat_lines(&stat));
    }
    Ok(())
}

/// Commons CLI's complaint about an option given without its value.
fn missing_value(option: &str) -> CliError {
    CliError::new(format!(
        "org.apache.commons.cli.MissingArgumentException: Missing argument for option: {}",
        option.trim_start_matches('-')
    ))
}

/// `reconfig [-s] [-v version] [-file path | -members …] [-add …] [-remove …]`.
/// Its options are words, not letters, so it has its own small parser.
pub async fn reconfig(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let usage = || CliError::new(usage_of("reconfig"));
    let (mut stat, mut version, mut file, mut members, mut add, mut remove) =
        (false, None, None, None, None, None);
    let mut it = words.iter().skip(1);
    while let Some(w) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| missing_value(w));
        match w.as_str() {
            "-s" => stat = true,
            "-v" => version = Some(value()?),
            "-file" => file = Some(value()?),
            "-members" => members = Some(value()?.to_lowercase()),
            "-add" => add = Some(value()?.to_lowercase()),
            "-remove" => remove = Some(value()?.to_lowercase()),
            _ => {}
        }
    }
    if file.is_none() && members.is_none() && add.is_none() && remove.is_none() {
        return Err(usage());
    }
    let version = match version {
        Some(v) => i64::from_str_radix(&v, 16)
            .map_err(|_| CliError::new("-v must be followed by a long (configuration version)"))?,
        None => -1,
    };
    if (file.is_some() || members.is_some()) && (add.is_some() || remove.is_some()) {
        return Err(CliError::new("Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)"));
    }
    if file.is_some() && members.is_some() {
        return Err(CliError::new(
            "Can't use -file and -members together (conflicting non-incremental modes)",
        ));
    }
    if let Some(f) = file {
        let text = std::fs::read_to_string(&f)
            .map_err(|e| CliError::new(format!("Error processing {f}{e}")))?;
        let servers: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("server."))
            .collect();
        members = Some(servers.join(","));
    }
    let (data, st) = s
        .client
        .reconfig(
            add.as_deref(),
            remove.as_deref(),
            members.as_deref(),
            version,
        )
        .await
        .map_err(|e| CliError::keeper(&e, ""))?;
    let text = data
        .map(|d| String::from_utf8_lossy(&d).into_owned())
        .unwrap_or_default();
    out(&format!("Committed new configuration:\n{text}"));
    if stat {
        out_lines(&stat_lines(&st));
    }
    Ok(())
}

/// `addWatch [-m mode] path`.
pub async fn add_watch(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&ADD_WATCH, &words)?;
    if p.args.len() != 2 {
        return Err(CliError::new(usage_of("addWatch")));
    }
    let mode = match p.value('m').map(str::to_uppercase).as_deref() {
        None | Some("PERSISTENT_RECURSIVE") => AddWatchMode::PersistentRecursive,
        Some("PERSISTENT") => AddWatchMode::Persistent,
        Some(_) => return Err(CliError::new(usage_of("addWatch"))),
    };
    let path = &p.args[1];
    valid(path)?;
    let w = s
        .client
        .add_watch(path, mode)
        .await
        .map_err(|e| CliError::keeper(&e, path))?;
    keep_persistent(w);
    s.watched(WatchKind::Persistent, path);
    Ok(())
}

/// `removewatches path [-c|-d|-a] [-l]`. Like the Java client, it refuses
/// without asking the server when the shell holds no such watch, and it
/// prints a "…WatchRemoved" event per kind removed.
pub async fn remove_watches(s: &Session, words: Vec<String>) -> Result<(), CliError> {
    let p = parse(&REMOVE_WATCHES, &words)?;
    let Some(path) = p.args.get(1) else {
        return Err(CliError::new(usage_of("removewatches")));
    };
    let kind = if p.has('c') {
        WatcherType::Children
    } else if p.has('d') {
        WatcherType::Data
    } else {
        WatcherType::Any
    };
    valid(path)?;
    let no_watcher = || {
        CliError::new(keeper_exception_text(
            rzk_client::ErrorCode::NoWatcher,
            Some(path),
        ))
    };
    if !s.book().holds(path, kind) {
        return Err(no_watcher());
    }
    if let Err(e) = s.client.remove_watches(path, kind).await {
        // -l removes the shell's record even when the server cannot be told.
        if !p.has('l') {
            return Err(CliError::keeper(&e, path));
        }
    }
    let removed = s.book().remove(path, kind);
    for event_type in removed {
        s.emit(WatchedEvent {
            event_type,
            state: KeeperState::SyncConnected,
            path: path.clone(),
            zxid: -1,
        });
    }
    Ok(())
}

/// `version`: rzk names itself; zkCli prints the Apache build.
pub fn version() {
    out(&format!(
        "ZooKeeper CLI version: rzk {}",
        env!("CARGO_PKG_VERSION")
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_config_string() {
        assert_eq!(client_config(""), " ");
        let cfg = "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\nserver.2=h2:2888:3888;2182\nversion=100000000";
        assert_eq!(client_config(cfg), "100000000 0.0.0.0:2181,0.0.0.0:2182");
    }
}
