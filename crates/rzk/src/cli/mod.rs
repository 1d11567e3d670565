//! `rzk cli`: a shell compatible with Apache ZooKeeper's `zkCli.sh`, on
//! rzk-client. Same flags (`-server`, `-timeout`, `-r`), same commands,
//! options, output text and exit statuses; one command from the command
//! line, commands piped on stdin one per line, or an interactive terminal
//! with line editing and completion.
//!
//! Modules: words and options (`tokens`, `getopt`), formats (`acl`,
//! `stat`, `stats_track`, `path`, `error`, `usage`), the session and its
//! event printing (`session`, `watch_book`), the commands (`cmd_*`, with
//! the tree walks in `walk`), and the loops (`shell`, `interactive`).
//!
//! # Where rzk knowingly differs from zkCli 3.8
//!
//! * Times print in UTC (`Thu Jan 01 00:00:00 UTC 1970`); Java uses the
//!   JVM's zone. Identical on UTC machines.
//! * Where zkCli dies with a Java stack trace (a non-number after `set -v`,
//!   `delete -v`, `setAcl -v`, `redo`; a relative path for `addWatch`), rzk
//!   prints the exception's message, sets status 1 and goes on.
//! * rzk waits for the session before the first command (zkCli's
//!   `-waitforconnection`), retrying for two thirds of `-timeout`; if none
//!   comes it prints `KeeperErrorCode = ConnectionLoss` (zkCli adds the
//!   command's path) and later commands print "Not connected".
//! * At end of input and after a one-shot command rzk closes its session,
//!   so ephemerals go at once; zkCli exits without closing and they last
//!   until the session expires. Neither prints a "Closed" event then.
//! * Watch events print after the output of the command that caused them;
//!   in zkCli their position is a race with its event thread.
//! * `removewatches` removing several kinds prints their events child,
//!   data, persistent; zkCli's order comes from a hash map.
//! * `removewatches -l` forgets the shell's record when the server cannot be
//!   told, but rzk-client keeps its own registration until the session ends.
//! * `config -c` lists servers in file order (Java: hash-table order).
//! * `reconfig -file` sends the file's `server.N` lines as written; zkCli
//!   normalises them through its config parser.
//! * A line of only quote characters: zkCli's parser keeps the previous
//!   command and runs it again; rzk reports "No command entered".
//! * `version` names rzk; there is no "JLine support is …" banner line;
//!   `-client-configuration` is accepted and ignored; `rzk cli -h/--help`
//!   prints rzk's help (zkCli would ignore the flag and start a shell).

mod acl;
mod cmd_acl;
mod cmd_misc;
mod cmd_nodes;
mod cmd_quota;
mod error;
mod getopt;
mod interactive;
mod output;
mod path;
mod session;
mod shell;
mod stat;
mod stats_track;
mod tokens;
mod usage;
mod walk;
mod watch_book;

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use shell::{Connection, Flow, Shell};

/// zkCli's own command-line flags, and the command if one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `-server`, default `localhost:2181`.
    pub server: String,
    /// `-timeout` in ms, default 30000 (kept as text: zkCli parses it later).
    pub timeout: String,
    /// `-r`: accept read-only servers.
    pub read_only: bool,
    /// The command and its arguments, if any.
    pub command: Vec<String>,
}

/// `MyCommandOptions.parseOptions`: flags until the first word that does
/// not start with `-`, which starts the command. Unknown flags are ignored
/// and a flag missing its value is reported, as in zkCli.
pub fn parse_options(args: &[String]) -> Options {
    let mut o = Options {
        server: "localhost:2181".into(),
        timeout: "30000".into(),
        read_only: false,
        command: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(opt) = it.next() {
        let mut value = |slot: &mut String| match it.next() {
            Some(v) => *slot = v.clone(),
            None => output::err(&format!("Error: no argument found for option {opt}")),
        };
        match opt.as_str() {
            "-server" => value(&mut o.server),
            "-timeout" => value(&mut o.timeout),
            "-r" => o.read_only = true,
            // Accepted for compatibility; rzk has no client configuration
            // file and always waits for the connection.
            "-client-configuration" => value(&mut String::new()),
            _ => {}
        }
        if !opt.starts_with('-') {
            o.command = std::iter::once(opt.clone()).chain(it.cloned()).collect();
            break;
        }
    }
    o
}

/// Runs `rzk cli` with `args` (what follows `cli`) and returns the process
/// exit status.
pub fn run(args: &[String]) -> i32 {
    let opts = parse_options(args);
    let Ok(timeout_ms) = opts.timeout.parse::<u32>() else {
        output::err(&format!(
            "java.lang.NumberFormatException: For input string: \"{}\"",
            opts.timeout
        ));
        return 1;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::err(&format!("cannot start the runtime: {e}"));
            return 1;
        }
    };
    let conn = Connection {
        server: opts.server.clone(),
        timeout: Duration::from_millis(u64::from(timeout_ms)),
        read_only: opts.read_only,
    };
    output::out(&format!("Connecting to {}", opts.server));
    let mut shell = rt.block_on(async { Shell::new(conn) });
    if opts.command.is_empty() {
        // zkCli greets before its connection completes.
        output::out("Welcome to ZooKeeper!");
    }
    let connected = rt.block_on(shell.connect(&opts.server));
    let code = if !opts.command.is_empty() {
        match connected {
            Ok(()) => {
                rt.block_on(shell.process_cmd(opts.command));
                shell.exit_code()
            }
            Err(e) => {
                output::err(&e.message);
                1
            }
        }
    } else {
        if let Err(e) = connected {
            output::err(&e.message);
        }
        if std::io::stdin().is_terminal() {
            if let Err(e) = interactive::run(&mut shell, &rt) {
                output::err(&format!("line editor failed: {e}"));
            }
        } else {
            read_piped(&mut shell, &rt);
        }
        shell.exit_code()
    };
    rt.block_on(shell.finish());
    rt.shutdown_timeout(Duration::from_millis(200));
    code
}

/// Commands piped on stdin, one per line, in one session.
fn read_piped(shell: &mut Shell, rt: &tokio::runtime::Runtime) {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match lines.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches('\n').trim_end_matches('\r');
        if rt.block_on(shell.execute_line(line)) == Flow::Quit {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn zkcli_flags_then_command() {
        let o = parse_options(&args("-server h:1 -timeout 5000 -r ls -s /"));
        assert_eq!(o.server, "h:1");
        assert_eq!(o.timeout, "5000");
        assert!(o.read_only);
        assert_eq!(o.command, ["ls", "-s", "/"]);
        let o = parse_options(&args("-x -server h:2"));
        assert_eq!((o.server.as_str(), o.command.len()), ("h:2", 0));
        assert!(parse_options(&[]).command.is_empty());
    }
}
