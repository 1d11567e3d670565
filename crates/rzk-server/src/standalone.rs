//! The standalone server: rzk-core's [`Standalone`] state machine behind the
//! network shell, plus the four-letter words about the process itself.

use std::net::SocketAddr;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use rzk_core::persist::FrozenSnapshot;
use rzk_core::standalone::{FourLetterInfo, Standalone};
use rzk_proto::codec::FourLetterCommand;
use rzk_proto::txn::TxnEntry;

use crate::core::{ConnId, Core, Now, Output};

/// The `Zookeeper version:` text: a 3.8 version number first, because
/// monitoring tools parse it, then what this server really is.
pub fn version_text() -> String {
    format!(
        "3.8.4-rzk-{}, built on {}",
        env!("CARGO_PKG_VERSION"),
        option_env!("RZK_BUILD_DATE").unwrap_or("unknown")
    )
}

/// [`Standalone`] as the shell's [`Core`].
#[derive(Debug)]
pub struct StandaloneCore {
    core: Standalone,
    info: FourLetterInfo,
    conf: String,
    trace_mask: i64,
    /// The snapshot and log directories, for `dirs`.
    dirs: Option<(PathBuf, PathBuf)>,
}

/// Bytes in the regular files directly in `dir` (what ZooKeeper's `dirs`
/// reports for its `version-2` directories).
fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum()
    })
}

impl StandaloneCore {
    /// Wraps `core`; `conf` is the text `conf` prints (`key=value` lines).
    pub fn new(core: Standalone, conf: String) -> Self {
        Self {
            core,
            info: FourLetterInfo {
                version: version_text(),
                ..FourLetterInfo::default()
            },
            conf,
            // ZooKeeper's default trace mask.
            trace_mask: 306,
            dirs: None,
        }
    }

    /// Names the snapshot and log directories `dirs` reports on.
    pub fn with_dirs(mut self, snap_dir: PathBuf, log_dir: PathBuf) -> Self {
        self.dirs = Some((snap_dir, log_dir));
        self
    }

    /// The state machine, for inspection.
    pub fn inner(&self) -> &Standalone {
        &self.core
    }
}

impl Core for StandaloneCore {
    fn open(&mut self, conn: ConnId, peer: SocketAddr, now: Now) -> Vec<Output> {
        self.core.open(conn, peer, now)
    }

    fn frame(&mut self, conn: ConnId, payload: Bytes, now: Now) -> Vec<Output> {
        self.core.frame(conn, payload, now)
    }

    fn closed(&mut self, conn: ConnId, now: Now) -> Vec<Output> {
        self.core.closed(conn, now)
    }

    fn tick(&mut self, now: Now) -> Vec<Output> {
        self.core.tick(now)
    }

    fn take_txns(&mut self) -> Vec<TxnEntry> {
        self.core.take_txns()
    }

    fn last_zxid(&self) -> i64 {
        self.core.last_zxid()
    }

    fn replied(&mut self, conn: ConnId, received: i64, now: Now) {
        self.core.replied(conn, received, now);
    }

    fn freeze_snapshot(&mut self) -> Option<FrozenSnapshot> {
        Some(self.core.freeze_snapshot())
    }

    fn four_letter(&mut self, command: FourLetterCommand, mask: Option<i64>, now: Now) -> String {
        use FourLetterCommand::*;
        match command {
            Ruok => "imok".into(),
            Srvr => self.core.srvr(&self.info),
            Stat => self.core.stat(&self.info),
            Cons => self.core.cons(),
            Mntr => self.core.mntr(&self.info, now),
            Wchs => self.core.wchs(),
            Wchc => self.core.wchc(),
            Wchp => self.core.wchp(),
            Dump => self.core.dump(now),
            Isro => "rw".into(),
            Conf => self.conf.clone(),
            Envi => format!(
                "Environment:\nzookeeper.version={}\nhost.name={}\nos.name={}\nos.arch={}\n",
                self.info.version,
                "localhost",
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
            Dirs => format!(
                "datadir_size: {}\nlogdir_size: {}\n",
                self.dirs.as_ref().map_or(0, |(d, _)| dir_size(d)),
                self.dirs.as_ref().map_or(0, |(_, l)| dir_size(l)),
            ),
            Gtmk => self.trace_mask.to_string(),
            Stmk => {
                if let Some(m) = mask {
                    self.trace_mask = m;
                }
                self.trace_mask.to_string()
            }
            Crst => {
                self.core.reset_connection_stats();
                "Connection stats reset.\n".into()
            }
            Srst => {
                self.core.reset_server_stats();
                "Server stats reset.\n".into()
            }
            Hash => self.core.hash(),
            TelnetClose => String::new(),
        }
    }
}
