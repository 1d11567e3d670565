//! Starts real servers for tests — Apache ZooKeeper and the `rzk` binary: each on 127.0.0.1, on a port it
//! picks, with its own temporary data directory, stopped (and its files
//! removed) when the handle is dropped. Readiness is a bounded wait on the
//! `srvr` four-letter word, never a bare sleep.

mod proxy;
pub mod suites;

pub use proxy::Proxy;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Why a server could not be started.
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
}

const JARS: &[&str] = &[
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/zookeeper-jute.jar",
    "/usr/share/java/slf4j-api.jar",
    "/usr/share/java/slf4j-simple.jar",
];

/// Extra `zoo.cfg` lines and JVM system properties for a test server.
#[derive(Debug, Clone, Default)]
pub struct ZkOptions {
    /// Additional `key=value` lines for zoo.cfg.
    pub cfg: Vec<String>,
    /// Additional `-Dkey=value` JVM properties.
    pub properties: Vec<String>,
}

fn free_port() -> Result<u16, StartError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| StartError::Io("bind", e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| StartError::Io("local_addr", e))
}

fn temp_dir(tag: &str) -> Result<PathBuf, StartError> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rzk-test-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).map_err(|e| StartError::Io("mkdir", e))?;
    Ok(dir)
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

/// Polls `srvr` until the server reports a mode, for at most `limit`.
/// (`ruok` is not enough: it answers as soon as the port is open, before the
/// server accepts sessions.)
fn wait_ready(port: u16, limit: Duration) -> bool {
    let step = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while waited < limit {
        if four_letter_word(port, "srvr").is_ok_and(|r| r.contains("Mode: ")) {
            return true;
        }
        std::thread::sleep(step);
        waited += step;
    }
    false
}

/// How a test server is started.
#[derive(Debug, Clone)]
enum Launch {
    /// Apache ZooKeeper's `ZooKeeperServerMain`, with JVM properties.
    Apache { properties: Vec<String> },
    /// `<bin> server <zoo.cfg>`.
    Rzk { bin: PathBuf },
}

/// A server process on 127.0.0.1 with its own directory and `zoo.cfg`;
/// killed, and its files removed, when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    port: u16,
    dir: PathBuf,
    launch: Launch,
}

impl ServerProcess {
    /// Writes the config (test defaults plus `extra` lines), starts the
    /// server and waits for it to serve.
    fn start(tag: &str, launch: Launch, extra: Vec<String>) -> Result<Self, StartError> {
        let dir = temp_dir(tag)?;
        let port = free_port()?;
        let mut cfg = vec![
            "tickTime=2000".to_string(),
            format!("dataDir={}", dir.join("data").display()),
            format!("clientPort={port}"),
            "clientPortAddress=127.0.0.1".into(),
            "admin.enableServer=false".into(),
            "4lw.commands.whitelist=*".into(),
            "extendedTypesEnabled=true".into(),
            "maxClientCnxns=0".into(),
        ];
        cfg.extend(extra);
        std::fs::write(dir.join("zoo.cfg"), cfg.join("\n") + "\n")
            .map_err(|e| StartError::Io("write zoo.cfg", e))?;
        let mut server = Self {
            child: spawn(&launch, &dir)?,
            port,
            dir,
            launch,
        };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&mut self) -> Result<(), StartError> {
        let limit = Duration::from_secs(60);
        if wait_ready(self.port, limit) {
            return Ok(());
        }
        self.kill();
        Err(StartError::NotReady(limit, self.log()))
    }

    /// The client port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// The data directory (parent of `version-2`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Stops the server abruptly (SIGKILL), keeping its files.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Restarts a killed server on the same port, config and data.
    pub fn restart(&mut self) -> Result<(), StartError> {
        self.kill();
        self.child = spawn(&self.launch, &self.dir)?;
        self.wait_ready()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
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
                .arg("org.apache.zookeeper.server.ZooKeeperServerMain");
            c
        }
        Launch::Rzk { bin } => {
            let mut c = Command::new(bin);
            c.arg("server");
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
pub struct ApacheZk(ServerProcess);

impl ApacheZk {
    /// Starts a server with default test settings (tickTime 2000, all 4lw
    /// enabled, TTL nodes enabled, admin server off).
    pub fn start() -> Result<Self, StartError> {
        Self::start_with(ZkOptions::default())
    }

    /// Starts a server with extra settings.
    pub fn start_with(opts: ZkOptions) -> Result<Self, StartError> {
        if let Some(missing) = JARS.iter().find(|j| !Path::new(j).exists()) {
            return Err(StartError::NotInstalled((*missing).to_string()));
        }
        let launch = Launch::Apache {
            properties: opts.properties,
        };
        ServerProcess::start("apache", launch, opts.cfg).map(Self)
    }
}

/// A running `rzk server` process (the binary under test).
#[derive(Debug)]
pub struct RzkServer(ServerProcess);

impl RzkServer {
    /// Starts `bin server <dir>/zoo.cfg` with the same test settings as
    /// [`ApacheZk`] plus `extra` zoo.cfg lines.
    pub fn start(bin: &Path, extra: &[&str]) -> Result<Self, StartError> {
        let launch = Launch::Rzk {
            bin: bin.to_path_buf(),
        };
        let extra = extra.iter().map(|l| l.to_string()).collect();
        ServerProcess::start("rzk", launch, extra).map(Self)
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
