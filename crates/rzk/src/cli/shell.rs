//! The shell proper (`ZooKeeperMain.executeLine`/`processZKCmd`): history,
//! redo, printwatches, connect, the "Not connected" gate, dispatch to the
//! commands, and the exit status of the last command.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rzk_client::{Client, Error, SessionState};
use tokio::sync::mpsc;

use super::error::{keeper_message, CliError};
use super::output::{err_lines, out};
use super::session::{flush, spawn_printer, EventSink, Printable, Session};
use super::tokens::split_words;
use super::usage::{is_command, usage_lines};
use super::{cmd_acl, cmd_misc, cmd_nodes, cmd_quota};

/// The pause between connection attempts.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Whether the shell goes on after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next command.
    Continue,
    /// `quit` was given.
    Quit,
}

/// How the shell connects (`-server`, `-timeout`, `-r`).
#[derive(Debug, Clone)]
pub struct Connection {
    /// The connect string.
    pub server: String,
    /// The session timeout asked for.
    pub timeout: Duration,
    /// Whether read-only servers are accepted.
    pub read_only: bool,
}

/// One shell: its session, history and exit status.
pub struct Shell {
    conn: Connection,
    session: Option<Session>,
    print_watches: Arc<AtomicBool>,
    events: mpsc::UnboundedSender<Printable>,
    history: BTreeMap<i64, String>,
    count: i64,
    exit_code: i32,
    /// The current client, for path completion on the editing thread.
    current: Arc<Mutex<Option<Client>>>,
    sink: EventSink,
}

/// `Integer.decode`: decimal, `0x`/`#` hex, leading-zero octal, with sign.
fn java_decode(s: &str) -> Result<i64, CliError> {
    let bad = || CliError::number_format(s);
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if let Some(h) = body.strip_prefix('#') {
            (16, h)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || digits.starts_with(['-', '+']) {
        return Err(bad());
    }
    let v = i64::from_str_radix(digits, radix).map_err(|_| bad())?;
    let v = if neg { -v } else { v };
    i32::try_from(v).map(i64::from).map_err(|_| bad())
}

impl Shell {
    /// A shell that is not connected yet. Must be called inside the
    /// runtime (it starts the event printer).
    pub fn new(conn: Connection) -> Self {
        let print_watches = Arc::new(AtomicBool::new(true));
        let sink = EventSink::default();
        let events = spawn_printer(print_watches.clone(), sink.clone());
        Self {
            conn,
            session: None,
            print_watches,
            events,
            history: BTreeMap::new(),
            count: 0,
            exit_code: 0,
            current: Arc::new(Mutex::new(None)),
            sink,
        }
    }

    /// Sends event text to `print` instead of stdout from now on.
    pub fn set_event_sink(&self, print: Box<dyn FnMut(String) + Send>) {
        *self.sink.lock().unwrap_or_else(PoisonError::into_inner) = Some(print);
    }

    /// The status zkCli would exit with now.
    pub fn exit_code(&self) -> i32 {
        self.exit_code
    }

    /// The client used for completion (shared with the editor thread).
    pub fn current_client(&self) -> Arc<Mutex<Option<Client>>> {
        self.current.clone()
    }

    /// zkCli's prompt: `[zk: host(STATE) N] `.
    pub fn prompt(&self) -> String {
        let state = match self.session.as_ref().map(|s| s.client.state()) {
            Some(SessionState::Connected) => "CONNECTED",
            Some(SessionState::ConnectedReadOnly) => "CONNECTEDREADONLY",
            Some(SessionState::Disconnected) => "CONNECTING",
            Some(SessionState::AuthFailed) => "AUTH_FAILED",
            _ => "CLOSED",
        };
        format!("[zk: {}({state}) {}] ", self.conn.server, self.count)
    }

    /// `connectToZK`: closes a live session, then connects to `host`. A
    /// failure is reported and leaves the shell unconnected.
    pub async fn connect(&mut self, host: &str) -> Result<(), CliError> {
        self.close_session().await;
        self.conn.server = host.to_string();
        match self.connect_within().await {
            Ok(s) => {
                *self.current.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(s.client.clone());
                self.session = Some(s);
                // The "SyncConnected" event comes before any command output.
                self.flush().await;
                Ok(())
            }
            Err(e) => Err(CliError::new(keeper_message(&e, None))),
        }
    }

    /// Tries to connect until two thirds of the session timeout have
    /// passed, as the Java client keeps trying for its read timeout before
    /// failing a request with ConnectionLoss: a server still starting up
    /// is waited for, an absent one is reported.
    async fn connect_within(&self) -> rzk_client::Result<Session> {
        let c = &self.conn;
        let attempts = async {
            loop {
                match Session::connect(&c.server, c.timeout, c.read_only, self.events.clone()).await
                {
                    Err(Error::Connect(_) | Error::ConnectionLoss | Error::Timeout) => {
                        tokio::time::sleep(RETRY_PAUSE).await;
                    }
                    other => return other,
                }
            }
        };
        tokio::time::timeout(c.timeout * 2 / 3, attempts)
            .await
            .unwrap_or(Err(Error::ConnectionLoss))
    }

    /// Prints every event received so far.
    async fn flush(&self) {
        match &self.session {
            Some(s) => s.flush().await,
            None => flush(&self.events).await,
        }
    }

    async fn close_session(&mut self) {
        if let Some(s) = self.session.take() {
            s.close().await;
        }
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Ends the session without printing its "Closed" event: zkCli exits at
    /// end of input (and after a one-shot command) without closing, so it
    /// prints none; rzk still closes, so ephemerals go now rather than at
    /// session expiry.
    pub async fn finish(&mut self) {
        self.flush().await;
        self.print_watches.store(false, Ordering::Relaxed);
        self.close_session().await;
    }

    /// `executeLine`: one line of input; empty lines are skipped and not
    /// numbered.
    pub async fn execute_line(&mut self, line: &str) -> Flow {
        if line.is_empty() {
            return Flow::Continue;
        }
        let words = split_words(line);
        self.history.insert(self.count, line.to_string());
        let flow = self.process_cmd(words).await;
        self.count += 1;
        flow
    }

    /// `processCmd`: runs a command, prints its failure, records the status.
    pub async fn process_cmd(&mut self, words: Vec<String>) -> Flow {
        let _ = self.events.send(Printable::Hold);
        let result = self.process_zk_cmd(words).await;
        // Watch events the command caused arrived before its reply; print
        // them now, after its output.
        self.flush().await;
        match result {
            Ok(Flow::Quit) => Flow::Quit,
            Ok(Flow::Continue) => {
                self.exit_code = 0;
                Flow::Continue
            }
            Err(e) => {
                self.exit_code = e.code;
                super::output::err(&e.message);
                Flow::Continue
            }
        }
    }

    async fn process_zk_cmd(&mut self, words: Vec<String>) -> Result<Flow, CliError> {
        let Some(cmd) = words.first().cloned() else {
            err_lines(&usage_lines());
            return Err(CliError::new("No command entered"));
        };
        if !is_command(&cmd) {
            err_lines(&usage_lines());
            return Err(CliError::not_found(&cmd));
        }
        match cmd.as_str() {
            "quit" => {
                self.close_session().await;
                return Ok(Flow::Quit);
            }
            "redo" if words.len() >= 2 => {
                let i = java_decode(&words[1])?;
                if self.count <= i || i < 0 {
                    return Err(CliError::new("Command index out of range"));
                }
                let line = self.history.get(&i).cloned().unwrap_or_default();
                let again = split_words(&line);
                if again.first().map(String::as_str) == Some("redo") {
                    return Err(CliError::new("No redoing redos"));
                }
                self.history.insert(self.count, line);
                if Box::pin(self.process_cmd(again)).await == Flow::Quit {
                    return Ok(Flow::Quit);
                }
            }
            "history" => {
                for i in (self.count - 10).max(0)..=self.count {
                    let line = self.history.get(&i).map_or("null", String::as_str);
                    out(&format!("{i} - {line}"));
                }
            }
            "printwatches" => match words.get(1) {
                None => out(&format!(
                    "printwatches is {}",
                    if self.print_watches.load(Ordering::Relaxed) {
                        "on"
                    } else {
                        "off"
                    }
                )),
                Some(v) => self.print_watches.store(v == "on", Ordering::Relaxed),
            },
            "connect" => {
                let host = words
                    .get(1)
                    .cloned()
                    .unwrap_or_else(|| self.conn.server.clone());
                if let Err(e) = self.connect(&host).await {
                    super::output::err(&e.message);
                }
            }
            _ => {}
        }
        // Everything below needs a live session.
        if !self.session.as_ref().is_some_and(Session::alive) {
            out("Not connected");
            return Ok(Flow::Continue);
        }
        if cmd == "close" {
            self.close_session().await;
            return Ok(Flow::Continue);
        }
        let Some(s) = self.session.as_ref() else {
            return Ok(Flow::Continue);
        };
        match cmd.as_str() {
            "ls" => cmd_nodes::ls(s, words).await?,
            "get" => cmd_nodes::get(s, words).await?,
            "set" => cmd_nodes::set(s, words).await?,
            "stat" => cmd_nodes::stat(s, words).await?,
            "create" => cmd_nodes::create(s, words).await?,
            "delete" => cmd_nodes::delete(s, words).await?,
            "deleteall" => cmd_nodes::deleteall(s, words).await?,
            "getAcl" => cmd_acl::get_acl(s, words).await?,
            "setAcl" => cmd_acl::set_acl(s, words).await?,
            "addauth" => cmd_acl::add_auth(s, words).await?,
            "whoami" => cmd_acl::who_am_i(s).await?,
            "sync" => cmd_misc::sync(s, words).await?,
            "getEphemerals" => cmd_misc::get_ephemerals(s, words).await?,
            "getAllChildrenNumber" => cmd_misc::get_all_children_number(s, words).await?,
            "config" => cmd_misc::config(s, words).await?,
            "reconfig" => cmd_misc::reconfig(s, words).await?,
            "addWatch" => cmd_misc::add_watch(s, words).await?,
            "removewatches" => cmd_misc::remove_watches(s, words).await?,
            "setquota" => cmd_quota::setquota(s, words).await?,
            "listquota" => cmd_quota::listquota(s, words).await?,
            "delquota" => cmd_quota::delquota(s, words).await?,
            "version" => cmd_misc::version(),
            // history, redo, printwatches, connect: done above.
            _ => {}
        }
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_decode_like_java() {
        assert_eq!(java_decode("12").unwrap(), 12);
        assert_eq!(java_decode("0x1f").unwrap(), 31);
        assert_eq!(java_decode("#10").unwrap(), 16);
        assert_eq!(java_decode("010").unwrap(), 8);
        assert_eq!(java_decode("-3").unwrap(), -3);
        assert_eq!(java_decode("0").unwrap(), 0);
        assert_eq!(
            java_decode("abc").unwrap_err().message,
            "java.lang.NumberFormatException: For input string: \"abc\""
        );
        assert!(java_decode("99999999999").is_err());
    }
}
