//! Interactive use on a terminal: line editing and history (rustyline), and
//! completion of command names and of znode paths, which asks the server
//! for the children of the node being typed (as zkCli's
//! `JLineZNodeCompleter` does).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, ExternalPrinter, Helper};
use rzk_client::Client;
use tokio::runtime::Handle;

use super::shell::{Flow, Shell};
use super::usage::COMMANDS;

/// How long completion waits for the server before offering nothing.
const COMPLETION_LIMIT: Duration = Duration::from_secs(2);

/// Completes command names and znode paths.
pub struct ZkHelper {
    client: Arc<Mutex<Option<Client>>>,
    rt: Handle,
}

/// Splits a typed path into the parent to list and the name prefix:
/// `/a/b` → (`/a`, `b`), `/a/` → (`/a`, ``), `/x` → (`/`, `x`).
pub fn split_for_completion(typed: &str) -> (&str, &str) {
    match typed.rfind('/') {
        Some(0) => ("/", &typed[1..]),
        Some(i) => (&typed[..i], &typed[i + 1..]),
        None => ("/", typed),
    }
}

impl ZkHelper {
    fn children(&self, parent: &str) -> Vec<String> {
        let client = self
            .client
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(client) = client else {
            return Vec::new();
        };
        let listing = self.rt.block_on(async {
            tokio::time::timeout(COMPLETION_LIMIT, client.get_children(parent)).await
        });
        let mut kids = match listing {
            Ok(Ok(kids)) => kids,
            _ => Vec::new(),
        };
        kids.sort();
        kids
    }
}

impl Completer for ZkHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &before[start..];
        let pair = |s: String| Pair {
            display: s.clone(),
            replacement: s,
        };
        if word.starts_with('/') {
            let (parent, prefix) = split_for_completion(word);
            let base = if parent == "/" {
                String::new()
            } else {
                parent.to_string()
            };
            let found = self
                .children(parent)
                .into_iter()
                .filter(|k| k.starts_with(prefix))
                .map(|k| pair(format!("{base}/{k}")))
                .collect();
            return Ok((start, found));
        }
        if start == 0 {
            let found = COMMANDS
                .iter()
                .filter(|(c, _)| c.starts_with(word))
                .map(|(c, _)| pair(format!("{c} ")))
                .collect();
            return Ok((0, found));
        }
        Ok((pos, Vec::new()))
    }
}

impl Hinter for ZkHelper {
    type Hint = String;
}
impl Highlighter for ZkHelper {}
impl Validator for ZkHelper {}
impl Helper for ZkHelper {}

/// Reads commands with the line editor until `quit` or end of input.
pub fn run(shell: &mut Shell, rt: &tokio::runtime::Runtime) -> Result<(), ReadlineError> {
    // List candidates like JLine (and bash) rather than cycling them.
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ZkHelper, DefaultHistory> = Editor::with_config(config)?;
    // Events then print above the line being typed instead of through it.
    if let Ok(mut printer) = editor.create_external_printer() {
        shell.set_event_sink(Box::new(move |text| {
            let _ = printer.print(text);
        }));
    }
    editor.set_helper(Some(ZkHelper {
        client: shell.current_client(),
        rt: rt.handle().clone(),
    }));
    loop {
        match editor.readline(&shell.prompt()) {
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                if rt.block_on(shell.execute_line(&line)) == Flow::Quit {
                    return Ok(());
                }
            }
            // Ctrl-C drops the line being typed, as in a shell.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_splits_paths() {
        assert_eq!(split_for_completion("/a/b"), ("/a", "b"));
        assert_eq!(split_for_completion("/a/"), ("/a", ""));
        assert_eq!(split_for_completion("/x"), ("/", "x"));
        assert_eq!(split_for_completion("/"), ("/", ""));
    }
}
