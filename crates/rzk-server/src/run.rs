//! Starting a server from its configuration: the glue between `zoo.cfg`
//! and the running listener.

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;

use rzk_core::acl::AuthConfig;
use rzk_core::request::Compat;
use rzk_core::session::SessionConfig;
use rzk_core::standalone::{Standalone, StandaloneConfig};
use tokio::net::TcpListener;

use crate::clock;
use crate::config::ServerConfig;
use crate::core::Core;
use crate::net::{self, NetConfig};
use crate::standalone::StandaloneCore;
use crate::storage::{self, StorageConfig};
use rzk_proto::jute::Record;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration describes an ensemble; rzk runs standalone only so far.
    #[error("this configuration has server.N lines (an ensemble); rzk does not support ensembles yet — remove them to run standalone")]
    EnsembleNotSupported,
    /// No client port to listen on.
    #[error("clientPort is not set")]
    NoClientPort,
    /// A setting is out of the range rzk can use.
    #[error("{key}: {why}")]
    Setting {
        /// The zoo.cfg key.
        key: &'static str,
        /// What is wrong.
        why: String,
    },
    /// The data directory cannot be recovered.
    #[error("data directory: {0}")]
    Storage(#[from] crate::storage::StorageStartError),
    /// A storage thread could not be started or the start-up snapshot
    /// could not be written.
    #[error("storage: {0}")]
    StorageIo(String),
    /// Binding or serving the client port failed.
    #[error("client port {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The socket error.
        source: std::io::Error,
    },
}

/// The core settings a `zoo.cfg` implies.
pub fn standalone_config(cfg: &ServerConfig) -> Result<StandaloneConfig, RunError> {
    let tick = u32::try_from(cfg.tick_time.as_millis())
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or(RunError::Setting {
            key: "tickTime",
            why: "must be between 1 and 4294967295 ms".into(),
        })?;
    let (min, max) = cfg.session_timeout_bounds_ms();
    let mut core = StandaloneConfig::with_tick_time(tick);
    core.sessions = SessionConfig {
        tick_time: tick,
        min_session_timeout: min,
        max_session_timeout: max,
    };
    core.auth = AuthConfig {
        skip_acl: cfg.tunables.skip_acl,
        super_digest: cfg
            .system_properties
            .get("zookeeper.DigestAuthenticationProvider.superDigest")
            .cloned(),
        ..AuthConfig::default()
    };
    core.extended_types = cfg.tunables.extended_types_enabled;
    core.emulate_353_ttl_nodes = cfg.tunables.emulate_353_ttl_nodes;
    core.compat = compat(cfg)?;
    core.enforce_quota = cfg.tunables.enforce_quota;
    Ok(core)
}

/// The behaviour profile: `rzk.compat=3.8.0` in zoo.cfg answers as the
/// 3.8.0 server (Debian's) does where later releases changed behaviour
/// (PROTOCOL.md §8); the default is 3.8.4+/3.9. `digest.enabled=false`
/// turns the tree digest off as in ZooKeeper: txns are logged without a
/// TxnDigest, snapshots end without a digest block, `hash` lists zeros.
/// `closeSessionTxn.enabled=false` logs closeSession without its list of
/// ephemerals, as ZooKeeper before 3.6 did (for a downgrade).
pub fn compat(cfg: &ServerConfig) -> Result<Compat, RunError> {
    let profile = match cfg
        .system_properties
        .get("zookeeper.rzk.compat")
        .map(String::as_str)
    {
        None | Some("3.9") | Some("3.8.4") => Compat::V3_9,
        Some("3.8.0") => Compat::V3_8_0,
        Some(other) => {
            return Err(RunError::Setting {
                key: "rzk.compat",
                why: format!("{other:?} is not a known profile (3.8.0 or 3.9)"),
            })
        }
    };
    Ok(Compat {
        digest_enabled: cfg.tunables.digest_enabled,
        close_session_txn: cfg.tunables.close_session_txn_enabled,
        ..profile
    })
}

/// The client-port settings a `zoo.cfg` implies.
pub fn net_config(cfg: &ServerConfig) -> NetConfig {
    NetConfig {
        max_client_cnxns: usize::try_from(cfg.max_client_cnxns).unwrap_or(0),
        max_cnxns: usize::try_from(cfg.tunables.max_cnxns).unwrap_or(usize::MAX),
        four_letter_whitelist: cfg.tunables.four_letter_words.commands().collect(),
        global_outstanding_limit: usize::try_from(cfg.tunables.global_outstanding_limit)
            .unwrap_or(1)
            .max(1),
        ..NetConfig::default()
    }
}

/// The `conf` four-letter word's text, in ZooKeeper's key order.
pub fn conf_text(cfg: &ServerConfig, port: u16) -> String {
    let (min, max) = cfg.session_timeout_bounds_ms();
    format!(
        "clientPort={port}\nsecureClientPort=-1\ndataDir={}\ndataDirSize=0\ndataLogDir={}\ndataLogSize=0\ntickTime={}\nmaxClientCnxns={}\nminSessionTimeout={min}\nmaxSessionTimeout={max}\nclientPortListenBacklog={}\nserverId={}\n",
        cfg.data_dir.join("version-2").display(),
        cfg.data_log_dir.join("version-2").display(),
        cfg.tick_time.as_millis(),
        cfg.max_client_cnxns,
        cfg.client_port_listen_backlog,
        cfg.server_id.unwrap_or(0),
    )
}

/// Binds the configured client port. Returned separately from [`serve`] so
/// a caller (or test) knows the bound address before serving starts.
pub async fn bind(cfg: &ServerConfig) -> Result<TcpListener, RunError> {
    if cfg.is_distributed() {
        return Err(RunError::EnsembleNotSupported);
    }
    let client = cfg.client_address.as_ref().ok_or(RunError::NoClientPort)?;
    let host = if client.host.contains(':') {
        format!("[{}]", client.host)
    } else {
        client.host.clone()
    };
    let addr = format!("{host}:{}", client.port);
    TcpListener::bind(&addr)
        .await
        .map_err(|source| RunError::Listen { addr, source })
}

/// The storage settings a `zoo.cfg` implies.
pub fn storage_config(cfg: &ServerConfig) -> StorageConfig {
    StorageConfig {
        data_dir: cfg.data_dir.clone(),
        data_log_dir: cfg.data_log_dir.clone(),
        snap_count: cfg.tunables.snap_count,
        snap_size_limit: cfg.tunables.snap_size_limit,
        prealloc_size: cfg.tunables.pre_alloc_size,
        force_sync: cfg.tunables.force_sync,
        txn_log_size_limit: cfg.tunables.txn_log_size_limit,
        fsync_warning_threshold_ms: cfg.tunables.fsync_warning_threshold_ms,
        snap_retain_count: cfg.snap_retain_count,
        purge_interval: cfg.purge_interval,
        snapshot_compression: cfg.tunables.snapshot_compression,
        flush: cfg.tunables.flush,
        trust_empty_snapshot: cfg.tunables.snapshot_trust_empty,
    }
}

/// Serves a standalone server on `listener` until `shutdown` completes:
/// recovers the data directory first (refusing to start on corruption),
/// then serves with every write durable before it is acknowledged.
pub async fn serve(
    cfg: &ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RunError> {
    let core_cfg = standalone_config(cfg)?;
    let addr: SocketAddr = listener.local_addr().map_err(|source| RunError::Listen {
        addr: "client port".into(),
        source,
    })?;
    let storage_cfg = storage_config(cfg);
    let types = core_cfg.types();
    let open_cfg = storage_cfg.clone();
    let opened = tokio::task::spawn_blocking(move || storage::open(&open_cfg, types))
        .await
        .map_err(|e| RunError::StorageIo(e.to_string()))??;
    let storage::Opened {
        recovered,
        log,
        disk,
        had_snapshot,
        replayed,
    } = opened;
    let last_zxid = recovered.last_zxid;
    tracing::info!(
        zxid = format_args!("0x{last_zxid:x}"),
        replayed,
        "database recovered"
    );
    let now = clock::now();
    let mut core = StandaloneCore::new(
        Standalone::restore(core_cfg, recovered, now),
        conf_text(cfg, addr.port()),
    )
    .with_dirs(storage_cfg.snap_dir(), storage_cfg.log_dir());
    // Restoring may itself apply txns (closing sessions that own
    // ephemerals but were not in the snapshot, as ZooKeeper does at
    // start-up): they are made durable before anything else happens.
    let mut log = log;
    let startup_txns = core.take_txns();
    if !startup_txns.is_empty() {
        let commit = startup_txns
            .iter()
            .try_for_each(|t| log.append(t.header.zxid, &t.to_bytes()))
            .and_then(|()| log.commit());
        commit.map_err(|e| RunError::StorageIo(e.to_string()))?;
    }
    let last_zxid = core.last_zxid();
    if !had_snapshot {
        storage::write_snapshot_now(&mut core, disk.clone(), &storage_cfg)
            .map_err(|e| RunError::StorageIo(e.to_string()))?;
    }
    let seed = u64::try_from(now.wall_ms).unwrap_or(0) ^ u64::from(addr.port());
    let mut durability = storage::Durability::start(log, disk, &storage_cfg, last_zxid, seed)
        .map_err(|e| RunError::StorageIo(e.to_string()))?;
    if had_snapshot && replayed > 0 {
        // Like ZooKeeper's snapshot at start-up, but in the background.
        durability
            .begin_snapshot(&mut core)
            .map_err(|e| RunError::StorageIo(e.to_string()))?;
    }
    tracing::info!(%addr, "rzk standalone server listening");
    net::serve_with(listener, core, net_config(cfg), Some(durability), shutdown)
        .await
        .map_err(|source| RunError::Listen {
            addr: addr.to_string(),
            source,
        })
}
