//! The standalone server: rzk-core's [`Standalone`] state machine behind the
//! network shell, plus the four-letter words about the process itself.

use std::net::SocketAddr;

use bytes::Bytes;
use rzk_core::standalone::{FourLetterInfo, Standalone};
use rzk_proto::codec::FourLetterCommand;

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
        }
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
            // Everything is in memory until durable storage arrives.
            Dirs => "datadir_size: 0\nlogdir_size: 0\n".into(),
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
            // Digests are computed per txn but no history is kept yet.
            Hash => String::new(),
            TelnetClose => String::new(),
        }
    }
}
