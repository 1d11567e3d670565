//! `QuorumPeerConfig.parseProperties` and what follows it
//! (`setupQuorumPeerConfig`: quorum, myid, client port, peer type,
//! validity), rule for rule. Keys are matched exactly (case-sensitive)
//! after trimming, values are trimmed, and the last occurrence of a key
//! wins, as in Java.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::ConfigError;
use super::properties::{java_trim, Properties};
use super::quorum::{ClientAddress, LearnerType, QuorumConfig};
use super::tunables::Tunables;
use super::values::{int, long, port, strict_bool};
use super::{read_properties, FileSource, ServerConfig};

/// The largest server id when TTL nodes are enabled
/// (`EphemeralType.MAX_EXTENDED_SERVER_ID`).
const MAX_EXTENDED_SERVER_ID: i64 = 0xFE;

/// A count of ticks or similar that ZooKeeper reads as an int but that only
/// makes sense non-negative.
fn non_negative(key: &str, value: &str) -> Result<u32, ConfigError> {
    u32::try_from(int(key, value)?)
        .map_err(|_| ConfigError::invalid(key, value, "a non-negative integer"))
}

/// A session-timeout key: −1 (ZooKeeper's "unset") or a non-negative ms
/// count. Java accepts other negative numbers and then misbehaves.
fn timeout_ms(key: &str, value: &str) -> Result<Option<u64>, ConfigError> {
    match int(key, value)? {
        -1 => Ok(None),
        v => u64::try_from(v)
            .map(Some)
            .map_err(|_| ConfigError::invalid(key, value, "milliseconds (or -1 for the default)")),
    }
}

fn is_wildcard(host: &str) -> bool {
    matches!(host, "0.0.0.0" | "::" | "0:0:0:0:0:0:0:0")
}

/// Builds the listener address of `clientPort` + `clientPortAddress` (or
/// the secure pair); an address without a port is an error.
fn listen_address(
    port_key: &str,
    port: Option<u16>,
    address_key: &str,
    address: Option<String>,
) -> Result<Option<ClientAddress>, ConfigError> {
    match (port, address) {
        (None, None) => Ok(None),
        (None, Some(a)) => Err(ConfigError::rule(
            address_key,
            &a,
            format!("is set but {port_key} is not set"),
        )),
        (Some(port), a) => Ok(Some(ClientAddress {
            host: a.unwrap_or_else(|| "0.0.0.0".to_owned()),
            port,
        })),
    }
}

pub(super) fn parse(
    props: &Properties,
    files: &dyn FileSource,
) -> Result<ServerConfig, ConfigError> {
    let mut c = ServerConfig::builtin();
    c.client_address = None;
    let mut data_dir: Option<PathBuf> = None;
    let mut data_log_dir: Option<PathBuf> = None;
    let mut client_port: Option<u16> = None;
    let mut client_port_address: Option<String> = None;
    let mut secure_client_port: Option<u16> = None;
    let mut secure_client_port_address: Option<String> = None;
    let mut tick_ms: i32 = 3000;
    let mut min_timeout: Option<u64> = None;
    let mut max_timeout: Option<u64> = None;
    let mut snap_retain: i32 = 3;
    let has_dynamic_file = props.contains_key("dynamicConfigFile");

    for (raw_key, raw_value) in props.iter() {
        let key = java_trim(raw_key);
        let value = java_trim(raw_value);
        match key {
            "dataDir" => data_dir = Some(PathBuf::from(value)),
            "dataLogDir" => data_log_dir = Some(PathBuf::from(value)),
            "clientPort" => client_port = Some(port(key, value)?),
            "localSessionsEnabled" => c.local_sessions_enabled = strict_bool(key, value)?,
            "localSessionsUpgradingEnabled" => {
                c.local_sessions_upgrading_enabled = strict_bool(key, value)?;
            }
            "clientPortAddress" => client_port_address = Some(value.to_owned()),
            "secureClientPort" => secure_client_port = Some(port(key, value)?),
            "secureClientPortAddress" => secure_client_port_address = Some(value.to_owned()),
            "observerMasterPort" => {
                // ≤ 0 means "not set"; a positive value must be a port.
                c.observer_master_port = match int(key, value)? {
                    v if v <= 0 => None,
                    _ => Some(port(key, value)?),
                };
            }
            "clientPortListenBacklog" => c.client_port_listen_backlog = int(key, value)?,
            "tickTime" => tick_ms = int(key, value)?,
            "maxClientCnxns" => c.max_client_cnxns = int(key, value)?,
            "minSessionTimeout" => min_timeout = timeout_ms(key, value)?,
            "maxSessionTimeout" => max_timeout = timeout_ms(key, value)?,
            "initLimit" => c.init_limit = non_negative(key, value)?,
            "syncLimit" => c.sync_limit = non_negative(key, value)?,
            "connectToLearnerMasterLimit" => {
                // Learner only uses it when > 0; anything else means
                // initLimit, so Java's acceptance of negatives is harmless.
                c.connect_to_learner_master_limit =
                    u32::try_from(int(key, value)?).ok().filter(|v| *v > 0);
            }
            "electionAlg" => {
                if int(key, value)? != 3 {
                    return Err(ConfigError::rule(
                        key,
                        value,
                        "only 3 (FastLeaderElection) is supported",
                    ));
                }
            }
            "quorumListenOnAllIPs" => c.quorum_listen_on_all_ips = strict_bool(key, value)?,
            "peerType" => {
                // Java lower-cases but does not trim beyond the value trim.
                c.peer_type = match value.to_lowercase().as_str() {
                    "observer" => LearnerType::Observer,
                    "participant" => LearnerType::Participant,
                    _ => {
                        return Err(ConfigError::invalid(
                            key,
                            value,
                            "'observer' or 'participant'",
                        ))
                    }
                };
            }
            "syncEnabled" => c.sync_enabled = strict_bool(key, value)?,
            "dynamicConfigFile" => c.dynamic_config_file = Some(PathBuf::from(value)),
            "autopurge.snapRetainCount" => snap_retain = int(key, value)?,
            "autopurge.purgeInterval" => {
                // Hours (3.9); 0 or less disables the purge task.
                let hours = u64::try_from(int(key, value)?).unwrap_or(0);
                c.purge_interval = Duration::from_secs(hours * 3600);
            }
            "standaloneEnabled" => c.standalone_enabled = strict_bool(key, value)?,
            "reconfigEnabled" => c.reconfig_enabled = strict_bool(key, value)?,
            "sslQuorum" => c.ssl_quorum = strict_bool(key, value)?,
            "portUnification" => c.port_unification = strict_bool(key, value)?,
            "sslQuorumReloadCertFiles" => c.ssl_quorum_reload_cert_files = strict_bool(key, value)?,
            k if (k.starts_with("server.")
                || k.starts_with("group")
                || k.starts_with("weight"))
                && has_dynamic_file =>
            {
                return Err(ConfigError::rule(
                    key,
                    value,
                    "must be in the separate dynamic config file, as dynamicConfigFile is set",
                ));
            }
            "quorum.auth.enableSasl" => c.quorum_sasl.enabled = strict_bool(key, value)?,
            "quorum.auth.serverRequireSasl" => {
                c.quorum_sasl.server_require = strict_bool(key, value)?
            }
            "quorum.auth.learnerRequireSasl" => {
                c.quorum_sasl.learner_require = strict_bool(key, value)?
            }
            "quorum.auth.learner.saslLoginContext" => {
                value.clone_into(&mut c.quorum_sasl.learner_login_context);
            }
            "quorum.auth.server.saslLoginContext" => {
                value.clone_into(&mut c.quorum_sasl.server_login_context);
            }
            "quorum.auth.kerberos.servicePrincipal" => {
                value.clone_into(&mut c.quorum_sasl.kerberos_service_principal);
            }
            "quorum.cnxn.threads.size" => c.quorum_cnxn_threads_size = int(key, value)?,
            // The JVM pause monitor has no rzk counterpart; the keys are
            // still checked, so a config Java refuses is refused here too.
            "jvm.pause.info-threshold.ms"
            | "jvm.pause.warn-threshold.ms"
            | "jvm.pause.sleep.time.ms" => {
                long(key, value)?;
            }
            "jvm.pause.monitor" => {
                strict_bool(key, value)?;
            }
            "metricsProvider.className" => value.clone_into(&mut c.metrics_provider_class_name),
            k if k.starts_with("metricsProvider.") => {
                let sub = &k["metricsProvider.".len()..];
                c.metrics_provider.insert(sub.to_owned(), value.to_owned());
            }
            "multiAddress.enabled" => c.multi_address_enabled = strict_bool(key, value)?,
            "multiAddress.reachabilityCheckTimeoutMs" => {
                let ms = u64::try_from(int(key, value)?).map_err(|_| {
                    ConfigError::invalid(key, value, "a non-negative number of milliseconds")
                })?;
                c.multi_address_reachability_check_timeout = Duration::from_millis(ms);
            }
            "multiAddress.reachabilityCheckEnabled" => {
                c.multi_address_reachability_check_enabled = strict_bool(key, value)?;
            }
            "oraclePath" => c.oracle_path = Some(PathBuf::from(value)),
            _ => {
                c.system_properties
                    .insert(format!("zookeeper.{key}"), value.to_owned());
            }
        }
    }

    let sasl = &c.quorum_sasl;
    if !sasl.enabled && sasl.server_require {
        return Err(ConfigError::rule(
            "quorum.auth.serverRequireSasl",
            "true",
            "needs quorum.auth.enableSasl=true",
        ));
    }
    if !sasl.enabled && sasl.learner_require {
        return Err(ConfigError::rule(
            "quorum.auth.learnerRequireSasl",
            "true",
            "needs quorum.auth.enableSasl=true",
        ));
    }
    if !sasl.learner_require && sasl.server_require {
        return Err(ConfigError::rule(
            "quorum.auth.serverRequireSasl",
            "true",
            "needs quorum.auth.learnerRequireSasl=true",
        ));
    }

    // PurgeTxnLog keeps at least 3 snapshots; ZooKeeper raises smaller values.
    c.snap_retain_count = u32::try_from(snap_retain.max(3)).unwrap_or(3);

    let data_dir = data_dir.ok_or(ConfigError::Missing { key: "dataDir" })?;
    c.data_log_dir = data_log_dir.unwrap_or_else(|| data_dir.clone());
    c.data_dir = data_dir;

    c.client_address = listen_address(
        "clientPort",
        client_port,
        "clientPortAddress",
        client_port_address,
    )?;
    c.secure_client_address = listen_address(
        "secureClientPort",
        secure_client_port,
        "secureClientPortAddress",
        secure_client_port_address,
    )?;

    match tick_ms {
        0 => return Err(ConfigError::Missing { key: "tickTime" }),
        t if t < 0 => {
            return Err(ConfigError::invalid(
                "tickTime",
                &t.to_string(),
                "a positive number of milliseconds",
            ))
        }
        t => c.tick_time = Duration::from_millis(u64::try_from(t).unwrap_or(3000)),
    }
    let tick = u64::try_from(tick_ms).unwrap_or(3000);
    let min = min_timeout.unwrap_or(tick * 2);
    let max = max_timeout.unwrap_or(tick * 20);
    if min > max {
        return Err(ConfigError::rule(
            "minSessionTimeout",
            &min.to_string(),
            format!("must not be larger than maxSessionTimeout ({max})"),
        ));
    }
    c.min_session_timeout = Duration::from_millis(min);
    c.max_session_timeout = Duration::from_millis(max);

    c.tunables = Tunables::from_system_properties(&c.system_properties)?;
    if let Some(observer_sync) = c.tunables.observer_sync_enabled {
        c.sync_enabled = observer_sync;
    }

    c.quorum = match &c.dynamic_config_file {
        None => QuorumConfig::from_properties(props, c.multi_address_enabled)?,
        Some(path) => read_dynamic_file(path, files, c.multi_address_enabled)?,
    };
    check_membership(&c)?;
    c.server_id = read_myid(&c.data_dir, files)?;
    // EphemeralType.validateServerId: a TTL node's owner is 0xFF in the top
    // byte, where session ids carry the server id, so with extended types
    // server ids stop at 254.
    if let Some(id) = c.server_id {
        if c.tunables.extended_types_enabled && id > MAX_EXTENDED_SERVER_ID {
            return Err(ConfigError::rule(
                "extendedTypesEnabled",
                "true",
                format!("needs a server id of at most {MAX_EXTENDED_SERVER_ID}, but myid is {id}"),
            ));
        }
    }
    setup_client_port(&mut c)?;
    // setupPeerType: the server list decides, whatever peerType says —
    // even without a myid (Java looks up the unset id −1, finds no
    // observer, and settles on participant).
    let listed_observer = c
        .server_id
        .and_then(|id| c.quorum.servers.get(&id))
        .is_some_and(|s| s.learner_type == LearnerType::Observer);
    c.peer_type = if listed_observer {
        LearnerType::Observer
    } else {
        LearnerType::Participant
    };
    if c.is_distributed() {
        if c.init_limit == 0 {
            return Err(ConfigError::Missing { key: "initLimit" });
        }
        if c.sync_limit == 0 {
            return Err(ConfigError::Missing { key: "syncLimit" });
        }
        if c.server_id.is_none() {
            return Err(ConfigError::MyidMissing {
                path: c.myid_path(),
            });
        }
    }
    Ok(c)
}

/// The dynamic config file: only `server.`/`group`/`weight` keys, no
/// `version` inside (it comes from the file name's hex suffix).
fn read_dynamic_file(
    path: &Path,
    files: &dyn FileSource,
    multi: bool,
) -> Result<QuorumConfig, ConfigError> {
    let mut props = read_properties(path, files)?;
    let file = path.display().to_string();
    if let Some(v) = props.get("version") {
        return Err(ConfigError::rule(
            "version",
            v,
            format!("must not appear inside the dynamic config file {file}"),
        ));
    }
    for (k, v) in props.iter() {
        let k = java_trim(k);
        if !(k.starts_with("server.") || k.starts_with("group") || k.starts_with("weight")) {
            return Err(ConfigError::rule(
                k,
                v,
                format!("unrecognised parameter in the dynamic config file {file}"),
            ));
        }
    }
    if let Some(version) = version_from_filename(path) {
        props.set("version", format!("{version:x}"));
    }
    QuorumConfig::from_properties(&props, multi)
}

/// `getVersionFromFilename`: the hex after the last `.`, if it is one.
pub(super) fn version_from_filename(path: &Path) -> Option<i64> {
    let name = path.to_str()?;
    let (_, suffix) = name.rsplit_once('.')?;
    i64::from_str_radix(suffix, 16).ok()
}

/// `parseDynamicConfig`'s membership rules.
fn check_membership(c: &ServerConfig) -> Result<(), ConfigError> {
    let voters = c.quorum.voters().count();
    let observers = c.quorum.observers().count();
    let reason = if voters == 0 && !c.standalone_enabled {
        "standaloneEnabled=false needs at least one participant"
    } else if voters == 0 && observers > 0 {
        "observers without participants"
    } else if voters == 1 && c.standalone_enabled && observers > 0 {
        "observers without a quorum (only one participant and standaloneEnabled=true)"
    } else {
        return Ok(());
    };
    Err(ConfigError::Quorum {
        reason: reason.to_owned(),
    })
}

/// `setupMyId`: the first line of `dataDir/myid`, if the file exists.
/// Surrounding whitespace is ignored (Java refuses `1 `).
fn read_myid(data_dir: &Path, files: &dyn FileSource) -> Result<Option<i64>, ConfigError> {
    let path = data_dir.join("myid");
    let Some(bytes) = files.read(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?
    else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let first = text.split(['\n', '\r']).next().unwrap_or("");
    first
        .trim()
        .parse::<i64>()
        .map(Some)
        .map_err(|_| ConfigError::MyidInvalid {
            path,
            value: first.to_owned(),
        })
}

/// `setupClientPort`: this server's `;clientPort` must agree with
/// `clientPort[Address]` (only the port when the static address is the
/// wildcard), and wins; with no client part, the static address is
/// recorded on the member (and left out of the dynamic text).
fn setup_client_port(c: &mut ServerConfig) -> Result<(), ConfigError> {
    let Some(id) = c.server_id else {
        return Ok(());
    };
    let Some(member) = c.quorum.servers.get_mut(&id) else {
        return Ok(());
    };
    match (&c.client_address, &member.client) {
        (Some(stat), Some(dynamic)) => {
            let differs = if is_wildcard(&stat.host) {
                stat.port != dynamic.port
            } else {
                stat != dynamic
            };
            if differs {
                return Err(ConfigError::rule(
                    &format!("server.{id}"),
                    &format!("{}:{}", dynamic.host, dynamic.port),
                    format!(
                        "client address differs from clientPort/clientPortAddress ({}:{})",
                        stat.host, stat.port
                    ),
                ));
            }
            c.client_address = Some(dynamic.clone());
        }
        (_, Some(dynamic)) => c.client_address = Some(dynamic.clone()),
        (stat, None) => {
            member.client = stat.clone();
            member.client_from_static = true;
        }
    }
    Ok(())
}
