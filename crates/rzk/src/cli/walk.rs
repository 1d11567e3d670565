//! Helpers every command uses: option parsing into `CliError`s, path
//! checks, number parsing, keeping watch futures alive, and zkCli's two
//! tree walks (`ZKUtil.visitSubTreeDFS` and `listSubTreeBFS`).

use rzk_client::{OneShotWatch, PersistentWatch};

use super::error::CliError;
use super::getopt::{self, Parsed, Spec};
use super::path;
use super::session::Session;
use super::watch_book::WatchKind;

/// Parses a command line; a parser exception becomes zkCli's message.
pub fn parse(spec: &Spec, words: &[String]) -> Result<Parsed, CliError> {
    getopt::parse(spec, words).map_err(CliError::new)
}

/// Checks a path as the Java client does before sending
/// (`MalformedPathException` with `PathUtils`' message).
pub fn valid(p: &str) -> Result<(), CliError> {
    path::validate(p, false).map_err(CliError::new)
}

/// `Integer.parseInt`.
pub fn java_int(s: &str) -> Result<i32, CliError> {
    s.parse().map_err(|_| CliError::number_format(s))
}

/// `child` under `parent` (the root has no trailing separator to add).
pub fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

/// Keeps a one-shot watch registered: the client forgets (and does not
/// re-register after a reconnect) watches whose future was dropped. The
/// event itself is printed from the session's notification stream.
pub fn keep_one_shot(w: OneShotWatch) {
    tokio::spawn(async move {
        let _ = w.await;
    });
}

/// Keeps a persistent watch registered until the session ends.
pub fn keep_persistent(mut w: PersistentWatch) {
    tokio::spawn(async move { while w.next_event().await.is_some() {} });
}

async fn children(s: &Session, p: &str, watch: bool) -> rzk_client::Result<Vec<String>> {
    if watch {
        let (kids, w) = s.client.get_children_watch(p).await?;
        keep_one_shot(w);
        s.watched(WatchKind::Child, p);
        Ok(kids)
    } else {
        s.client.get_children(p).await
    }
}

/// `ZKUtil.visitSubTreeDFS`: the root (read with getData, which fails if it
/// is missing), then each node's sorted children before descending into
/// them. Nodes deleted during the walk are skipped. Returns the paths in
/// visiting order and the error that stopped the walk, if any, so callers
/// can act on what was visited before it as zkCli does.
pub async fn visit_dfs(s: &Session, root: &str, watch: bool) -> (Vec<String>, Option<CliError>) {
    if let Err(e) = valid(root) {
        return (Vec::new(), Some(e));
    }
    let first = if watch {
        s.client.get_data_watch(root).await.map(|(_, _, w)| {
            keep_one_shot(w);
            s.watched(WatchKind::Data, root);
        })
    } else {
        s.client.get_data(root).await.map(|_| ())
    };
    if let Err(e) = first {
        return (Vec::new(), Some(CliError::keeper(&e, root)));
    }
    let mut seen = vec![root.to_string()];
    // A stack of sibling lists, each reversed so `pop` yields them in order.
    let mut stack: Vec<Vec<String>> = vec![vec![root.to_string()]];
    while let Some(top) = stack.last_mut() {
        let Some(p) = top.pop() else {
            stack.pop();
            continue;
        };
        match children(s, &p, watch).await {
            Ok(mut kids) => {
                kids.sort();
                let paths: Vec<String> = kids.iter().map(|k| join(&p, k)).collect();
                seen.extend(paths.iter().cloned());
                stack.push(paths.into_iter().rev().collect());
            }
            Err(e) if e.is_no_node() => {}
            Err(e) => return (seen, Some(CliError::keeper(&e, &p))),
        }
    }
    (seen, None)
}

/// `ZKUtil.listSubTreeBFS`: the root and every descendant, breadth first,
/// children in server order.
pub async fn list_bfs(s: &Session, root: &str) -> Result<Vec<String>, CliError> {
    valid(root)?;
    let mut tree = vec![root.to_string()];
    let mut next = 0;
    while next < tree.len() {
        let node = tree[next].clone();
        next += 1;
        let kids = s
            .client
            .get_children(&node)
            .await
            .map_err(|e| CliError::keeper(&e, &node))?;
        tree.extend(kids.iter().map(|k| join(&node, k)));
    }
    Ok(tree)
}
