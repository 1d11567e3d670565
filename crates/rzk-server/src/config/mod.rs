//! `zoo.cfg` and `myid` (`PROTOCOL.md` §6.1, §7; `q/QuorumPeerConfig`).
//!
//! [`ServerConfig::load`] reads a `zoo.cfg` the way ZooKeeper 3.9 does:
//! a Java `.properties` file ([`properties`]), every key of §7.2 typed with
//! its default, unknown keys kept as `zookeeper.<key>` properties (and
//! the ones rzk honours typed in [`Tunables`]), `server.N`/`group`/`weight`
//! lines or a `dynamicConfigFile` parsed into a [`QuorumConfig`], `myid`
//! read from `dataDir`, and the validation rules of §7.1. Errors name the
//! key and the bad value ([`ConfigError`]).
//!
//! Files are read through [`FileSource`] so tests (and the simulator) can
//! hand in a map instead of a disk.

mod error;
mod parse;
pub mod properties;
#[cfg(test)]
mod proptests;
mod quorum;
#[cfg(test)]
mod quorum_tests;
#[cfg(test)]
mod tests;
mod tunables;
mod values;
mod whitelist;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::ConfigError;
pub use properties::{Properties, PropertiesError};
pub use quorum::{ClientAddress, Hierarchy, LearnerType, PeerAddress, QuorumConfig, QuorumServer};
pub use tunables::{AdminServer, Tunables};
pub use whitelist::FourLetterWhitelist;

/// Where config files come from.
pub trait FileSource {
    /// The bytes of `path`, or `None` when it is not a regular file (a
    /// missing `myid` is not an error in standalone mode).
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskFiles;

impl FileSource for DiskFiles {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => std::fs::read(path).map(Some),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// In-memory files, for tests and simulations.
impl FileSource for BTreeMap<PathBuf, Vec<u8>> {
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        Ok(self.get(path).cloned())
    }
}

/// Quorum SASL settings (`quorum.auth.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumSasl {
    /// `quorum.auth.enableSasl` (false).
    pub enabled: bool,
    /// `quorum.auth.learnerRequireSasl` (false).
    pub learner_require: bool,
    /// `quorum.auth.serverRequireSasl` (false).
    pub server_require: bool,
    /// `quorum.auth.learner.saslLoginContext` (`QuorumLearner`).
    pub learner_login_context: String,
    /// `quorum.auth.server.saslLoginContext` (`QuorumServer`).
    pub server_login_context: String,
    /// `quorum.auth.kerberos.servicePrincipal` (`zkquorum/localhost`).
    pub kerberos_service_principal: String,
}

impl Default for QuorumSasl {
    fn default() -> Self {
        Self {
            enabled: false,
            learner_require: false,
            server_require: false,
            learner_login_context: "QuorumLearner".to_owned(),
            server_login_context: "QuorumServer".to_owned(),
            kerberos_service_principal: "zkquorum/localhost".to_owned(),
        }
    }
}

/// A parsed and validated server configuration (§7.2). Durations are
/// resolved (session timeouts from tickTime when unset), `dataLogDir`
/// defaults to `dataDir`, and the client address comes from `clientPort`/
/// `clientPortAddress` or this server's `server.N` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// `tickTime` (3000 ms).
    pub tick_time: Duration,
    /// `initLimit` in ticks (0 = unset; required in quorum mode).
    pub init_limit: u32,
    /// `syncLimit` in ticks (0 = unset; required in quorum mode).
    pub sync_limit: u32,
    /// `connectToLearnerMasterLimit` in ticks; `None` (unset, or ≤ 0)
    /// means initLimit.
    pub connect_to_learner_master_limit: Option<u32>,
    /// `dataDir`: snapshots, myid, epoch files.
    pub data_dir: PathBuf,
    /// `dataLogDir` (= dataDir): txn logs.
    pub data_log_dir: PathBuf,
    /// The client listener; `None` when no client port is configured.
    /// The host is `0.0.0.0` unless `clientPortAddress` or the server line
    /// gives one.
    pub client_address: Option<ClientAddress>,
    /// The TLS client listener (`secureClientPort[Address]`).
    pub secure_client_address: Option<ClientAddress>,
    /// `observerMasterPort`: followers serve observers on it.
    pub observer_master_port: Option<u16>,
    /// `clientPortListenBacklog` (−1 = OS default).
    pub client_port_listen_backlog: i32,
    /// `maxClientCnxns` per client IP (60; 0 or less = unlimited).
    pub max_client_cnxns: i32,
    /// `minSessionTimeout` (2 × tickTime).
    pub min_session_timeout: Duration,
    /// `maxSessionTimeout` (20 × tickTime).
    pub max_session_timeout: Duration,
    /// `localSessionsEnabled` (false).
    pub local_sessions_enabled: bool,
    /// `localSessionsUpgradingEnabled` (false).
    pub local_sessions_upgrading_enabled: bool,
    /// `electionAlg`: always 3.
    pub election_alg: u8,
    /// `quorumListenOnAllIPs` (false).
    pub quorum_listen_on_all_ips: bool,
    /// This server's role: `peerType`, overridden by its `server.N` line.
    pub peer_type: LearnerType,
    /// Observers log and snapshot: `syncEnabled`, overridden by
    /// `observer.syncEnabled` when that is set.
    pub sync_enabled: bool,
    /// `dynamicConfigFile`.
    pub dynamic_config_file: Option<PathBuf>,
    /// `autopurge.snapRetainCount` (3; smaller values become 3).
    pub snap_retain_count: u32,
    /// `autopurge.purgeInterval` in hours (0 = off).
    pub purge_interval: Duration,
    /// `standaloneEnabled` (true).
    pub standalone_enabled: bool,
    /// `reconfigEnabled` (false).
    pub reconfig_enabled: bool,
    /// `sslQuorum` (false).
    pub ssl_quorum: bool,
    /// `portUnification` (false).
    pub port_unification: bool,
    /// `sslQuorumReloadCertFiles` (false).
    pub ssl_quorum_reload_cert_files: bool,
    /// `quorum.auth.*`.
    pub quorum_sasl: QuorumSasl,
    /// `quorum.cnxn.threads.size` (0 = ZooKeeper's default of 20).
    pub quorum_cnxn_threads_size: i32,
    /// `metricsProvider.className`.
    pub metrics_provider_class_name: String,
    /// `metricsProvider.<k>` settings, prefix removed.
    pub metrics_provider: BTreeMap<String, String>,
    /// `multiAddress.enabled` (false).
    pub multi_address_enabled: bool,
    /// `multiAddress.reachabilityCheckEnabled` (true).
    pub multi_address_reachability_check_enabled: bool,
    /// `multiAddress.reachabilityCheckTimeoutMs` (1000 ms).
    pub multi_address_reachability_check_timeout: Duration,
    /// `oraclePath`.
    pub oracle_path: Option<PathBuf>,
    /// The ensemble (empty for a plain standalone config).
    pub quorum: QuorumConfig,
    /// From `dataDir/myid`, if the file exists.
    pub server_id: Option<i64>,
    /// Every key ZooKeeper would have made a system property, as
    /// `zookeeper.<key>` → value.
    pub system_properties: BTreeMap<String, String>,
    /// The honoured system properties, typed.
    pub tunables: Tunables,
}

/// The default `metricsProvider.className`.
pub const DEFAULT_METRICS_PROVIDER: &str =
    "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider";

impl ServerConfig {
    /// rzk's built-in config for running without a `zoo.cfg`: standalone,
    /// clients on 127.0.0.1:2181, data in `./rzk-data`, tickTime 2000 ms
    /// (so sessions of 4–40 s); everything else at ZooKeeper's defaults.
    pub fn builtin() -> Self {
        let tick = Duration::from_millis(2000);
        Self {
            tick_time: tick,
            init_limit: 0,
            sync_limit: 0,
            connect_to_learner_master_limit: None,
            data_dir: PathBuf::from("./rzk-data"),
            data_log_dir: PathBuf::from("./rzk-data"),
            client_address: Some(ClientAddress {
                host: "127.0.0.1".to_owned(),
                port: 2181,
            }),
            secure_client_address: None,
            observer_master_port: None,
            client_port_listen_backlog: -1,
            max_client_cnxns: 60,
            min_session_timeout: tick * 2,
            max_session_timeout: tick * 20,
            local_sessions_enabled: false,
            local_sessions_upgrading_enabled: false,
            election_alg: 3,
            quorum_listen_on_all_ips: false,
            peer_type: LearnerType::Participant,
            sync_enabled: true,
            dynamic_config_file: None,
            snap_retain_count: 3,
            purge_interval: Duration::ZERO,
            standalone_enabled: true,
            reconfig_enabled: false,
            ssl_quorum: false,
            port_unification: false,
            ssl_quorum_reload_cert_files: false,
            quorum_sasl: QuorumSasl::default(),
            quorum_cnxn_threads_size: 0,
            metrics_provider_class_name: DEFAULT_METRICS_PROVIDER.to_owned(),
            metrics_provider: BTreeMap::new(),
            multi_address_enabled: false,
            multi_address_reachability_check_enabled: true,
            multi_address_reachability_check_timeout: Duration::from_millis(1000),
            oracle_path: None,
            quorum: QuorumConfig::default(),
            server_id: None,
            system_properties: BTreeMap::new(),
            tunables: Tunables::default(),
        }
    }

    /// Reads and validates `zoo.cfg` at `path` from disk.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_from(path, &DiskFiles)
    }

    /// Reads and validates `zoo.cfg` at `path` (and `myid`, and the
    /// dynamic config file) through `files`.
    pub fn load_from(path: &Path, files: &dyn FileSource) -> Result<Self, ConfigError> {
        let props = read_properties(path, files)?;
        Self::from_properties(&props, files)
    }

    /// Validates already-read properties; `files` supplies `myid` and the
    /// dynamic config file.
    pub fn from_properties(
        props: &Properties,
        files: &dyn FileSource,
    ) -> Result<Self, ConfigError> {
        parse::parse(props, files)
    }

    /// True when this config runs the quorum code (`isDistributed`): more
    /// than one voter, or `standaloneEnabled=false`.
    pub fn is_distributed(&self) -> bool {
        !self.standalone_enabled || self.quorum.voters().count() > 1
    }

    /// The session timeout bounds in ms, as the session tracker takes them.
    pub fn session_timeout_bounds_ms(&self) -> (i32, i32) {
        let ms = |d: Duration| i32::try_from(d.as_millis()).unwrap_or(i32::MAX);
        (ms(self.min_session_timeout), ms(self.max_session_timeout))
    }

    /// The `myid` file's path.
    pub fn myid_path(&self) -> PathBuf {
        self.data_dir.join("myid")
    }
}

/// Reads a `.properties` file as ISO-8859-1, as `Properties.load` does.
pub fn read_properties(path: &Path, files: &dyn FileSource) -> Result<Properties, ConfigError> {
    let bytes = files
        .read(path)
        .map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?
        .ok_or_else(|| ConfigError::Read {
            path: path.to_owned(),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
    Properties::parse_latin1(&bytes).map_err(|source| ConfigError::Syntax {
        path: path.to_owned(),
        source,
    })
}
