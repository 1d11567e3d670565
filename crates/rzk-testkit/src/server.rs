//! Server processes for tests: Apache ZooKeeper (`QuorumPeerMain`, as
//! `zkServer.sh` starts it) or `rzk server`, each on 127.0.0.1 with a `zoo.cfg` the test shapes, on a
//! fresh data directory or on one the test gives (to restart on it, or to
//! hand one server's files to the other). Stopping is either graceful
//! (SIGTERM, as `zkServer.sh stop` does) or a crash (SIGKILL).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::dirs::remove_unless_panicking;
use crate::{four_letter_word, StartError, TempDir};

const JARS: &[&str] = &[
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/zookeeper-jute.jar",
    "/usr/share/java/slf4j-api.jar",
    "/usr/share/java/slf4j-simple.jar",
];

/// How long a server may take to start serving, and to exit on SIGTERM.
const START_LIMIT: Duration = Duration::from_secs(60);
const STOP_LIMIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);

/// Extra `zoo.cfg` lines, JVM system properties and the data directory for
/// a test server.
#[derive(Debug, Clone, Default)]
pub struct ZkOptions {
    /// Additional `key=value` lines for zoo.cfg (e.g. `snapCount=50`,
    /// `dataLogDir=…`).
    pub cfg: Vec<String>,
    /// Additional `-Dkey=value` JVM properties (Apache ZooKeeper only; rzk
    /// refuses to start with any, see [`RzkServer::start_with`]).
    pub properties: Vec<String>,
    /// Serve this `dataDir` instead of a fresh one. It is the caller's: the
    /// server never removes it.
    pub data_dir: Option<PathBuf>,
}

/// How a test server is started.
#[derive(Debug, Clone)]
enum Launch {
    /// Apache ZooKeeper's `QuorumPeerMain`, with JVM properties.
    Apache { properties: Vec<String> },
    /// `<bin> server <zoo.cfg>`.
    Rzk { bin: PathBuf },
}

/// A server process on 127.0.0.1 with its own directory (`zoo.cfg`,
/// `server.log`, and the data directory unless one was given); killed, and
/// its own directory removed, when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Set once the child has been reaped.
    exit: Option<ExitStatus>,
    port: u16,
    dir: PathBuf,
    data_dir: PathBuf,
    launch: Launch,
}

impl ServerProcess {
    /// Writes the config (test defaults plus `extra` lines), starts the
    /// server and waits for it to serve.
    fn start(
        tag: &str,
        launch: Launch,
        extra: Vec<String>,
        data_dir: Option<PathBuf>,
    ) -> Result<Self, StartError> {
        // The handle owns this directory and removes it in its own Drop.
        let dir = TempDir::new(tag)?.into_path();
        let data_dir = match data_dir {
            Some(d) => d,
            None => {
                let d = dir.join("data");
                std::fs::create_dir_all(&d).map_err(|e| StartError::Io("mkdir", e))?;
                d
            }
        };
        let port = crate::free_port()?;
        let mut cfg = vec![
            "tickTime=2000".to_string(),
            format!("dataDir={}", data_dir.display()),
            format!("clientPort={port}"),
            "clientPortAddress=127.0.0.1".into(),
            "admin.enableServer=false".into(),
            "4lw.commands.whitelist=*".into(),
            "extendedTypesEnabled=true".into(),
            "maxClientCnxns=0".into(),
        ];
        cfg.extend(extra);
        let written = std::fs::write(dir.join("zoo.cfg"), cfg.join("\n") + "\n");
        let child = written
            .map_err(|e| StartError::Io("write zoo.cfg", e))
            .and_then(|()| spawn(&launch, &dir));
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                remove_unless_panicking(&dir);
                return Err(e);
            }
        };
        let mut server = Self {
            child,
            exit: None,
            port,
            dir,
            data_dir,
            launch,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// Polls `srvr` until the server reports a mode (`ruok` is not enough:
    /// it answers as soon as the port is open, before the server accepts
    /// sessions). Fails at once if the process exits, and after
    /// [`START_LIMIT`] if it never serves.
    fn wait_ready(&mut self) -> Result<(), StartError> {
        let mut waited = Duration::ZERO;
        while waited < START_LIMIT {
            if let Some(status) = self.reap() {
                return Err(StartError::Exited(status, self.log()));
            }
            if four_letter_word(self.port, "srvr").is_ok_and(|r| r.contains("Mode: ")) {
                return Ok(());
            }
            std::thread::sleep(POLL);
            waited += POLL;
        }
        self.kill();
        Err(StartError::NotReady(START_LIMIT, self.log()))
    }

    /// The exit status if the process has exited (reaping it).
    fn reap(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// The client port on 127.0.0.1 (kept by [`ServerProcess::restart`],
    /// changed by [`ServerProcess::restart_on_new_port`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's log so far (every run of it, appended).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// The last `n` lines of the log, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// The data directory (`dataDir`, the parent of `version-2`).
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone()
    }

    /// The process id of the running server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.reap().is_none()
    }

    /// Stops the server abruptly (SIGKILL: no chance to flush or clean
    /// up), keeping its files. Returns once the process is gone.
    pub fn kill(&mut self) {
        if self.reap().is_some() {
            return;
        }
        // std's Child::kill is SIGKILL on Unix.
        let _ = self.child.kill();
        self.exit = self.child.wait().ok();
    }

    /// Stops the server gracefully (SIGTERM, what `zkServer.sh stop` sends)
    /// and waits for it to exit, keeping its files. A server that is still
    /// running after 30 s is killed and reported as [`StartError::StopTimeout`].
    pub fn stop(&mut self) -> Result<ExitStatus, StartError> {
        if let Some(status) = self.reap() {
            return Ok(status);
        }
        let pid = i32::try_from(self.child.id())
            .map_err(|_| StartError::Io("pid", std::io::ErrorKind::InvalidData.into()))?;
        kill(Pid::from_raw(pid), Signal::SIGTERM)
            .map_err(|e| StartError::Io("SIGTERM", std::io::Error::from(e)))?;
        let mut waited = Duration::ZERO;
        while waited < STOP_LIMIT {
            if let Some(status) = self.reap() {
                return Ok(status);
            }
            std::thread::sleep(POLL);
            waited += POLL;
        }
        self.kill();
        Err(StartError::StopTimeout(STOP_LIMIT, self.log_tail(40)))
    }

    /// Like [`ServerProcess::restart`], on a fresh client port: clients of
    /// the previous run (and requests still queued in them) can never reach
    /// the new one.
    pub fn restart_on_new_port(&mut self) -> Result<(), StartError> {
        self.kill();
        let path = self.dir.join("zoo.cfg");
        let cfg = std::fs::read_to_string(&path).map_err(|e| StartError::Io("read zoo.cfg", e))?;
        let port = crate::free_port()?;
        let cfg: Vec<String> = cfg
            .lines()
            .map(|l| {
                if l.starts_with("clientPort=") {
                    format!("clientPort={port}")
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&path, cfg.join("\n") + "\n")
            .map_err(|e| StartError::Io("write zoo.cfg", e))?;
        self.port = port;
        self.restart()
    }

    /// Starts the server again — on the same port, config and data — after
    /// [`ServerProcess::kill`] or [`ServerProcess::stop`] (a running server
    /// is killed first), and waits for it to serve.
    pub fn restart(&mut self) -> Result<(), StartError> {
        self.kill();
        self.child = spawn(&self.launch, &self.dir)?;
        self.exit = None;
        self.wait_ready()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        remove_unless_panicking(&self.dir);
    }
}

/// Starts the server of `launch` on `dir/zoo.cfg`, appending to
/// `dir/server.log`.
fn spawn(launch: &Launch, dir: &Path) -> Result<Child, StartError> {
    let log = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.join("server.log"))
        .map_err(|e| StartError::Io("log", e))?;
    let log2 = log.try_clone().map_err(|e| StartError::Io("log", e))?;
    let mut cmd = match launch {
        Launch::Apache { properties } => {
            let mut c = Command::new("java");
            c.arg("-Xmx512m")
                .arg("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
                .args(properties.iter().map(|p| format!("-D{p}")))
                .arg("-cp")
                .arg(JARS.join(":"))
                // What zkServer.sh runs. With no server.N lines it serves
                // standalone (ZooKeeperServerMain), after starting the
                // autopurge task that ZooKeeperServerMain alone never runs.
                .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain");
            c
        }
        Launch::Rzk { bin } => {
            let mut c = Command::new(bin);
            // The log is a file: no colour escapes in it.
            c.arg("server").env("NO_COLOR", "1");
            c
        }
    };
    cmd.arg(dir.join("zoo.cfg"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| StartError::Io("spawn server", e))
}

/// A running Apache ZooKeeper 3.8 standalone server.
#[derive(Debug)]
pub struct ApacheZk(pub(crate) ServerProcess);

impl ApacheZk {
    /// Starts a server with default test settings (tickTime 2000, all 4lw
    /// enabled, TTL nodes enabled, admin server off).
    pub fn start() -> Result<Self, StartError> {
        Self::start_with(ZkOptions::default())
    }

    /// Starts a server with extra settings. Fails with
    /// [`StartError::NotInstalled`] when Debian's ZooKeeper jars are missing.
    pub fn start_with(opts: ZkOptions) -> Result<Self, StartError> {
        if let Some(missing) = JARS.iter().find(|j| !Path::new(j).exists()) {
            return Err(StartError::NotInstalled((*missing).to_string()));
        }
        let launch = Launch::Apache {
            properties: opts.properties,
        };
        ServerProcess::start("apache", launch, opts.cfg, opts.data_dir).map(Self)
    }
}

/// A running `rzk server` process (the binary under test).
#[derive(Debug)]
pub struct RzkServer(pub(crate) ServerProcess);

impl RzkServer {
    /// Starts `bin server <dir>/zoo.cfg` with the same test settings as
    /// [`ApacheZk`] plus `extra` zoo.cfg lines.
    pub fn start(bin: &Path, extra: &[&str]) -> Result<Self, StartError> {
        Self::start_with(
            bin,
            ZkOptions {
                cfg: extra.iter().map(|l| l.to_string()).collect(),
                ..ZkOptions::default()
            },
        )
    }

    /// Starts `bin server` with extra zoo.cfg lines and, if given, on an
    /// existing data directory. rzk has no JVM: options with `properties`
    /// are refused with [`StartError::Unsupported`] rather than ignored.
    pub fn start_with(bin: &Path, opts: ZkOptions) -> Result<Self, StartError> {
        if !opts.properties.is_empty() {
            return Err(StartError::Unsupported(format!(
                "JVM properties for rzk: {:?}",
                opts.properties
            )));
        }
        let launch = Launch::Rzk {
            bin: bin.to_path_buf(),
        };
        ServerProcess::start("rzk", launch, opts.cfg, opts.data_dir).map(Self)
    }
}

macro_rules! server_process {
    ($($t:ty),*) => {$(
        impl std::ops::Deref for $t {
            type Target = ServerProcess;
            fn deref(&self) -> &ServerProcess {
                &self.0
            }
        }
        impl std::ops::DerefMut for $t {
            fn deref_mut(&mut self) -> &mut ServerProcess {
                &mut self.0
            }
        }
    )*};
}
server_process!(ApacheZk, RzkServer);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rzk_refuses_jvm_properties_instead_of_ignoring_them() {
        let err = RzkServer::start_with(
            Path::new("/nonexistent/rzk"),
            ZkOptions {
                properties: vec!["zookeeper.x=1".into()],
                ..ZkOptions::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, StartError::Unsupported(_)), "{err}");
    }

    #[test]
    fn a_missing_binary_is_an_io_error_and_leaves_no_directory() {
        let err = RzkServer::start(Path::new("/nonexistent/rzk"), &[]).unwrap_err();
        assert!(matches!(err, StartError::Io("spawn server", _)), "{err}");
        // Only this test starts "rzk" servers in this process.
        let prefix = format!("rzk-test-rzk-{}-", std::process::id());
        let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
