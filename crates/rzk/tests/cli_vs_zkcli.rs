//! `rzk cli` against Apache ZooKeeper's own `zkCli.sh`: the same scripted
//! session, every command and many of their errors, run by both against
//! fresh real servers, must print the same lines and exit the same way.
//!
//! Both outputs are stdout and stderr in one file, in order, as a user sees
//! them. Before comparing, zkCli's log and banner noise is dropped and the
//! things that differ between two runs are masked: times, zxids, session
//! ids, the server address. Watch events ("WATCHER::" blocks) are compared
//! as their own sequence: zkCli prints them from its event thread, so
//! where they fall between command output lines is a race in zkCli itself.
//!
//! This test fails, and does not skip, when zkCli.sh or the server is
//! missing: `apt-get install -y zookeeper zookeeper-bin libzookeeper-java`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rzk_testkit::ApacheZk;

const ZKCLI: &str = "/usr/share/zookeeper/bin/zkCli.sh";
const RZK: &str = env!("CARGO_BIN_EXE_rzk");
/// Long enough for a server's answer to arrive before the next command.
const PAUSE: Duration = Duration::from_secs(1);
/// A whole scripted session, JVM start included, finishes well within this.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Every command of the brief, with failures of most kinds. `{server}` is
/// replaced by the server's address. TTLs are long so no node expires
/// during the run. A `sync` stands between an event and `printwatches`:
/// zkCli checks the flag when its event thread gets round to the event, so
/// without the pause whether it prints is a race in zkCli. No
/// `removewatches` removes two kinds at once: zkCli's order for those comes
/// from a hash map.
const SCRIPT: &str = include_str!("fixtures/session.zk");

fn server() -> ApacheZk {
    ApacheZk::start().unwrap_or_else(|e| panic!("{e}"))
}

fn zkcli() -> &'static Path {
    let p = Path::new(ZKCLI);
    assert!(
        p.exists(),
        "{ZKCLI} is missing: apt-get install -y zookeeper zookeeper-bin libzookeeper-java"
    );
    p
}

/// A file name no other run of this process uses (tests run in parallel).
fn temp(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("rzk-cli-test-{}-{n}-{name}", std::process::id()))
}

/// Runs `cmd` with `input` on stdin and stdout+stderr in one file; returns
/// that text and the exit status. Kills it and fails past `RUN_LIMIT`.
/// A `{pause}` line in the input holds the rest back for `PAUSE`, so the
/// server's answer to what came before is in before the next command runs.
fn run(mut cmd: Command, input: &str, tag: &str) -> (String, i32) {
    let out_path = temp(&format!("{tag}.out"));
    let out = File::create(&out_path).unwrap();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::from(out.try_clone().unwrap()))
        .stderr(Stdio::from(out))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {tag}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let chunks: Vec<String> = input.split("{pause}\n").map(String::from).collect();
    // Writes end when the input does (a few pauses at most); a child that
    // exits early makes them fail, which is fine.
    let writer = std::thread::spawn(move || {
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 {
                std::thread::sleep(PAUSE);
            }
            if stdin
                .write_all(chunk.as_bytes())
                .and_then(|()| stdin.flush())
                .is_err()
            {
                return;
            }
        }
    });
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if waited >= RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{tag} did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(step);
        waited += step;
    };
    let _ = writer.join();
    let mut text = String::new();
    File::open(&out_path)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let _ = std::fs::remove_file(&out_path);
    (text, status.code().unwrap_or(-1))
}

fn zkcli_cmd(server: &str, args: &[&str]) -> Command {
    let mut c = Command::new(zkcli());
    c.arg("-server").arg(server).args(args);
    c
}

fn rzk_cmd(server: &str, args: &[&str]) -> Command {
    let mut c = Command::new(RZK);
    c.arg("cli").arg("-server").arg(server).args(args);
    c
}

/// Masks what legitimately differs between runs: a `key = 0x…` zxid or
/// session id, a date, the server address.
fn mask(line: &str, server: &str) -> String {
    let line = line.replace(server, "<server>");
    for key in ["cZxid", "mZxid", "pZxid", "ephemeralOwner"] {
        if let Some(v) = line.strip_prefix(&format!("{key} = ")) {
            let v = if v == "0x0" { "0x0" } else { "<id>" };
            return format!("{key} = {v}");
        }
    }
    for key in ["ctime", "mtime"] {
        if let Some(v) = line.strip_prefix(&format!("{key} = ")) {
            let v = if v.ends_with(" 1970") { v } else { "<time>" };
            return format!("{key} = {v}");
        }
    }
    line
}

/// The output split into command lines and watch events, noise removed.
fn normalise(text: &str, server: &str) -> (Vec<String>, Vec<String>) {
    let noise = [
        "SLF4J:",
        "Connecting to ",
        "Welcome to ZooKeeper!",
        "JLine support is ",
    ];
    let mut lines: Vec<String> = Vec::new();
    let mut events = Vec::new();
    for raw in text.lines() {
        if noise.iter().any(|n| raw.starts_with(n)) {
            continue;
        }
        // Each watcher line is printed as "\n" + text in one write.
        if raw == "WATCHER::" && lines.last().is_some_and(String::is_empty) {
            lines.pop();
            continue;
        }
        if raw.starts_with("WatchedEvent ") && lines.last().is_some_and(String::is_empty) {
            lines.pop();
            events.push(mask(raw, server));
            continue;
        }
        lines.push(mask(raw, server));
    }
    sort_removal_runs(&mut events);
    (lines, events)
}

/// One `removewatches` produces a client-local event per removed watch
/// type. The Java client emits them from a HashMap keyed by the EventType
/// enum, whose order follows identity hash codes and changes from one JVM
/// run to the next; so each run of consecutive `*WatchRemoved` events for
/// one path is compared as a set (sorted). Every other event keeps its
/// order.
fn sort_removal_runs(events: &mut [String]) {
    let key = |e: &str| -> Option<String> {
        e.contains("WatchRemoved path:")
            .then(|| e.rsplit_once(" path:").map(|(_, p)| p.to_string()))
            .flatten()
    };
    let mut i = 0;
    while i < events.len() {
        let Some(path) = key(&events[i]) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < events.len() && key(&events[j]).as_deref() == Some(path.as_str()) {
            j += 1;
        }
        events[i..j].sort();
        i = j;
    }
}

fn assert_same(what: &str, zk: &[String], rzk: &[String]) {
    for (i, (a, b)) in zk.iter().zip(rzk).enumerate() {
        assert_eq!(
            a,
            b,
            "{what}: line {} differs\n--- zkCli:\n{}\n--- rzk:\n{}",
            i + 1,
            zk.join("\n"),
            rzk.join("\n")
        );
    }
    assert_eq!(
        zk.len(),
        rzk.len(),
        "{what}: zkCli printed {} lines, rzk {}\n--- zkCli:\n{}\n--- rzk:\n{}",
        zk.len(),
        rzk.len(),
        zk.join("\n"),
        rzk.join("\n")
    );
}

/// Runs `script` through zkCli.sh and rzk cli, each against its own fresh
/// server (same state, same sequence numbers), and compares the outputs.
/// Returns the number of command lines compared and rzk's raw output.
fn compare(script: &str) -> (usize, String) {
    zkcli();
    let (a, b) = (server(), server());
    let (sa, sb) = (a.connect_string(), b.connect_string());
    let (zk_text, zk_code) = run(
        zkcli_cmd(&sa, &[]),
        &script.replace("{server}", &sa),
        "zkcli",
    );
    let (rzk_text, rzk_code) = run(rzk_cmd(&sb, &[]), &script.replace("{server}", &sb), "rzk");
    // Shown only if the test fails: the raw outputs behind the diff.
    eprintln!("=== zkCli raw output:\n{zk_text}\n=== rzk raw output:\n{rzk_text}");
    let (zk_lines, zk_events) = normalise(&zk_text, &sa);
    let (rzk_lines, rzk_events) = normalise(&rzk_text, &sb);
    assert_same("command output", &zk_lines, &rzk_lines);
    assert_same("watch events", &zk_events, &rzk_events);
    assert_eq!(zk_code, rzk_code, "exit status");
    (zk_lines.len(), rzk_text)
}

#[test]
fn scripted_session_prints_what_zkcli_prints() {
    let (compared, rzk_text) = compare(SCRIPT);
    assert!(compared > 100, "zkCli did not run the script");
    // Where zkCli races, rzk is deterministic: a command's events follow
    // its output.
    let created = "Created /t/b\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeCreated path:/t/b\n";
    assert!(rzk_text.contains(created), "{rzk_text}");
}

/// A rejected `addauth` ends the session with an AuthFailed event; once
/// the server has answered, commands print "Not connected". (A command sent
/// before the answer fails with AuthFailed instead, or sees the dead
/// session: a race in zkCli as in rzk, hence the pause.)
#[test]
fn rejected_credentials_end_the_session_like_zkcli() {
    let _ = compare("addauth nosuchscheme secret\n{pause}\nls /\nwhoami\nhistory\nquit\n");
}

#[test]
fn one_shot_commands_exit_like_zkcli() {
    zkcli();
    let zk = server();
    let s = zk.connect_string();
    let cases: [(&[&str], i32, &str); 6] = [
        (&["get", "/nope"], 1, "Node does not exist: /nope"),
        (&["ls"], 1, "ls [-s] [-w] [-R] path"),
        (&["nosuchcommand"], 127, "Command not found"),
        (&["ls", "-x", "/"], 1, "Unrecognized option: -x"),
        (&["ls", "/"], 0, "[zookeeper]"),
        (&["stat", "/"], 0, "cZxid = 0x0"),
    ];
    for (args, code, text) in cases {
        let (zk_out, zk_code) = run(zkcli_cmd(&s, args), "", "zkcli-one");
        let (rzk_out, rzk_code) = run(rzk_cmd(&s, args), "", "rzk-one");
        assert_eq!(zk_code, code, "zkCli {args:?}:\n{zk_out}");
        assert_eq!(rzk_code, code, "rzk {args:?}:\n{rzk_out}");
        assert!(zk_out.contains(text), "zkCli {args:?}:\n{zk_out}");
        // The lines must match too. Events are not compared: zkCli may exit
        // before its event thread prints the connection event.
        let what = format!("{args:?}");
        assert_same(&what, &normalise(&zk_out, &s).0, &normalise(&rzk_out, &s).0);
    }
}

#[test]
fn piped_sessions_exit_with_zkclis_status() {
    zkcli();
    let zk = server();
    let s = zk.connect_string();
    // zkCli exits with the status of the last command that ran: quit itself
    // does not reset it, and end of input keeps it too.
    let cases = [
        ("get /nope\nquit\n", 1),
        ("get /nope\n", 1),
        ("get /nope\nls /\n", 0),
        ("ls /\nfoo\n", 127),
    ];
    for (input, code) in cases {
        let (zk_out, zk_code) = run(zkcli_cmd(&s, &[]), input, "zkcli-piped");
        let (rzk_out, rzk_code) = run(rzk_cmd(&s, &[]), input, "rzk-piped");
        assert_eq!(zk_code, code, "zkCli {input:?}:\n{zk_out}");
        assert_eq!(rzk_code, code, "rzk {input:?}:\n{rzk_out}");
    }
}

/// Terminal output without control sequences and carriage returns.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ parameters… final letter.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if d.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Interactive use, through a pseudo-terminal (util-linux `script`): the
/// prompt, completion of a znode path with Tab, pasted lines all run
/// (rustyline keeps typeahead only with its buffer-redux feature), and a
/// watch event printed by the line editor's printer.
#[test]
fn terminal_session_prompts_completes_and_prints_events() {
    assert!(
        Path::new("/usr/bin/script").exists(),
        "/usr/bin/script is missing: apt-get install -y bsdutils"
    );
    let zk = server();
    let s = zk.connect_string();
    let mut cmd = Command::new("/usr/bin/script");
    cmd.args(["-qfc", &format!("{RZK} cli -server {s}"), "/dev/null"]);
    let input = "create /tty\ncreate /tty/kid\nls /tt\t\nls -w /tty\ncreate /tty/c\nquit\n";
    let (text, _) = run(cmd, input, "rzk-tty");
    let text = plain(&text);
    for expected in [
        &format!("[zk: {s}(CONNECTED) 0] ") as &str,
        "[zk: ",
        "(CONNECTED) 2] ls /tty\n[kid]\n",
        "Created /tty/c",
        "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/tty",
        "(CONNECTED) 5] quit",
        "WatchedEvent state:Closed type:None path:null",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

/// The server goes away and comes back within the session timeout: zkCli
/// and rzk, connected at the same time, both print Disconnected, then
/// SyncConnected for the same session, and go on.
#[test]
fn server_restart_prints_disconnected_then_reconnects_like_zkcli() {
    zkcli();
    let mut zk = server();
    let s = zk.connect_string();
    // The pauses give the test time to restart the server (bounded by
    // ApacheZk's own readiness wait) before the last command.
    let input = |node: &str| {
        format!(
            "create {node} x\n{}get {node}\nquit\n",
            "{pause}\n".repeat(6)
        )
    };
    let shells = [
        (zkcli_cmd(&s, &[]), input("/zk"), "zkcli-restart"),
        (rzk_cmd(&s, &[]), input("/rzk"), "rzk-restart"),
    ]
    .map(|(cmd, input, tag)| std::thread::spawn(move || run(cmd, &input, tag)));
    // Both have connected and created their node well within this.
    std::thread::sleep(PAUSE * 2);
    zk.restart().unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<String> = [
        "SyncConnected type:None",
        "Disconnected type:None",
        "SyncConnected type:None",
        "Closed type:None",
    ]
    .iter()
    .map(|e| format!("WatchedEvent state:{e} path:null"))
    .collect();
    for (shell, node) in shells.into_iter().zip(["/zk", "/rzk"]) {
        let (text, code) = shell.join().unwrap();
        let (lines, events) = normalise(&text, &s);
        assert_eq!(events, expected, "{text}");
        assert_eq!(lines, [format!("Created {node}"), "x".into()], "{text}");
        assert_eq!(code, 0, "{text}");
    }
}

/// Apache ZooKeeper's own shell against the rzk server: the same scripted
/// zkCli.sh session prints the same lines against rzk as against Apache
/// ZooKeeper (the server under test changes, the client does not).
#[test]
fn zkcli_against_rzk_prints_what_it_prints_against_apache_zookeeper() {
    zkcli();
    let apache = server();
    let rzk = rzk_testkit::RzkServer::start(Path::new(RZK), &[]).unwrap_or_else(|e| panic!("{e}"));
    let (sa, sb) = (apache.connect_string(), rzk.connect_string());
    let (apache_text, apache_code) = run(
        zkcli_cmd(&sa, &[]),
        &SCRIPT.replace("{server}", &sa),
        "zkcli-apache",
    );
    let (rzk_text, rzk_code) = run(
        zkcli_cmd(&sb, &[]),
        &SCRIPT.replace("{server}", &sb),
        "zkcli-rzk",
    );
    eprintln!("=== against Apache ZooKeeper:\n{apache_text}\n=== against rzk:\n{rzk_text}");
    let (a_lines, a_events) = normalise(&apache_text, &sa);
    let (r_lines, r_events) = normalise(&rzk_text, &sb);
    assert!(
        a_lines.len() > 100,
        "zkCli did not run the script:\n{apache_text}"
    );
    assert_same("zkCli output", &a_lines, &r_lines);
    assert_same("zkCli watch events", &a_events, &r_events);
    assert_eq!(apache_code, rzk_code, "exit status after quit");
}
