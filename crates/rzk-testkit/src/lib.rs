//! Starts real servers for tests — Apache ZooKeeper and the `rzk` binary: each on 127.0.0.1, on a port it
//! picks, with its own temporary directory, stopped (and its files
//! removed) when the handle is dropped. A server can also run on a data
//! directory the test gives, be stopped gracefully (SIGTERM) or killed
//! (SIGKILL), and be restarted on the same files. Readiness is a bounded
//! wait on the `srvr` four-letter word, never a bare sleep.
//!
//! Server-neutral suites start [`TestServer`], which is Apache ZooKeeper or
//! rzk as `RZK_TEST_SERVER` (and `RZK_BIN`) select.

mod dirs;
mod proxy;
mod select;
mod server;
pub mod suites;

pub use dirs::{TempDir, Version2Files};
pub use proxy::Proxy;
pub use select::{ServerKind, TestServer, BIN_ENV, SERVER_ENV};
pub use server::{ApacheZk, RzkServer, ServerProcess, ZkOptions};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitStatus;
use std::time::Duration;

/// Why a server could not be started (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Apache ZooKeeper's jars are not installed.
    #[error("Apache ZooKeeper is not installed ({0} missing): apt-get install -y zookeeper libzookeeper-java")]
    NotInstalled(String),
    /// Filesystem or process failure.
    #[error("{0}: {1}")]
    Io(&'static str, std::io::Error),
    /// The server did not report a mode through `srvr` in time; its log is attached.
    #[error("server did not become ready within {0:?}; log:\n{1}")]
    NotReady(Duration, String),
    /// The server process exited before it served; its log is attached.
    #[error("server exited ({0}) before serving; log:\n{1}")]
    Exited(ExitStatus, String),
    /// The server was still running this long after SIGTERM, and was
    /// killed; the end of its log is attached.
    #[error("server did not exit within {0:?} of SIGTERM (killed); log tail:\n{1}")]
    StopTimeout(Duration, String),
    /// The options ask for something this server cannot do.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// `RZK_TEST_SERVER` / `RZK_BIN` do not name a server that can be
    /// started (see [`ServerKind::from_env`]).
    #[error("test server selection: {0}")]
    Selection(String),
}

fn free_port() -> Result<u16, StartError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| StartError::Io("bind", e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| StartError::Io("local_addr", e))
}

/// Sends a four-letter word and returns the reply text.
pub fn four_letter_word(port: u16, cmd: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(cmd.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}
