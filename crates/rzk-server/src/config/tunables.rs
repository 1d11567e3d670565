//! The `zookeeper.*` system properties rzk honours, typed.
//!
//! ZooKeeper turns every zoo.cfg key it does not recognise into the system
//! property `zookeeper.<key>` (§7.1), and each subsystem later reads the
//! one it cares about with its own parser and default. This module reads
//! the same properties from the map [`super::ServerConfig`] keeps, with the
//! same parser and default per key, so `forceSync=maybe` means "yes" here
//! exactly as it does under Java. One deliberate difference: where Java's
//! `Integer.getInteger` silently ignores a malformed number, rzk refuses
//! the config.

use std::collections::BTreeMap;
use std::time::Duration;

use rzk_proto::disk::SnapCompression;

use super::error::ConfigError;
use super::values;
use super::whitelist::FourLetterWhitelist;
use crate::storage::FlushPolicy;

/// The embedded admin HTTP server (`zookeeper.admin.*`, §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminServer {
    /// `admin.enableServer`: on unless exactly `false`.
    pub enabled: bool,
    /// `admin.serverAddress` (default `0.0.0.0`).
    pub address: String,
    /// `admin.serverPort` (default 8080).
    pub port: u16,
    /// `admin.commandURL` (default `/commands`).
    pub command_url: String,
    /// `admin.idleTimeout` (default 30000 ms).
    pub idle_timeout: Duration,
}

/// Typed view of the honoured `zookeeper.*` properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunables {
    /// `4lw.commands.whitelist` (read-only mode off; see
    /// [`FourLetterWhitelist::parse`] to add `isro`).
    pub four_letter_words: FourLetterWhitelist,
    /// `globalOutstandingLimit` (1000).
    pub global_outstanding_limit: i32,
    /// `forceSync`: fsync the txn log unless exactly `no` (default yes).
    pub force_sync: bool,
    /// `preAllocSize` in KiB, as bytes (64 MiB).
    pub pre_alloc_size: u64,
    /// `fsync.warningthresholdms` (1000): a txn log sync slower than this
    /// is logged as a warning; negative flags every sync.
    pub fsync_warning_threshold_ms: i64,
    /// `snapCount` (100000; values below 2 become 2).
    pub snap_count: u32,
    /// `snapSizeLimitInKb` as bytes (4 GiB); `None` when ≤ 0 (disabled).
    pub snap_size_limit: Option<u64>,
    /// `txnLogSizeLimitInKb` as bytes; `None` when ≤ 0 (the default −1).
    pub txn_log_size_limit: Option<u64>,
    /// `extendedTypesEnabled` (false): TTL nodes.
    pub extended_types_enabled: bool,
    /// `emulate353TTLNodes` (false).
    pub emulate_353_ttl_nodes: bool,
    /// `digest.enabled` (true).
    pub digest_enabled: bool,
    /// `skipACL`: only exactly `yes` skips ACL checks (default no).
    pub skip_acl: bool,
    /// `enforceQuota` (false).
    pub enforce_quota: bool,
    /// `maxCnxns`: total connection cap, 0 = unlimited (negative → 0).
    pub max_cnxns: u32,
    /// `leaderServes`: the leader takes clients unless exactly `no`.
    pub leader_serves: bool,
    /// `cnxTimeout`: election connect timeout (5000 ms; 0 = none).
    pub cnx_timeout: Duration,
    /// `quorumCnxnTimeoutMs`: election socket read timeout; `None` (the
    /// default −1) means syncLimit × tickTime.
    pub quorum_cnxn_timeout: Option<Duration>,
    /// `observer.syncEnabled`, when set: overrides `syncEnabled`.
    pub observer_sync_enabled: Option<bool>,
    /// `closeSessionTxn.enabled` (true): list ephemerals in closeSession.
    pub close_session_txn_enabled: bool,
    /// `snapshot.compression.method`: how new snapshots are wrapped —
    /// `gz`, `snappy`, or plain (`Checked`) for `""` and any name
    /// ZooKeeper does not know.
    pub snapshot_compression: SnapCompression,
    /// `flushDelay` (0), `maxWriteQueuePollTime` (flushDelay / 3) and
    /// `maxBatchSize` (1000): when the txn log syncs.
    pub flush: FlushPolicy,
    /// `snapshot.trust.empty` (false): start on logs without a snapshot.
    pub snapshot_trust_empty: bool,
    /// `admin.*`.
    pub admin: AdminServer,
}

impl Default for Tunables {
    /// Every default, as with no `zookeeper.*` property set.
    fn default() -> Self {
        Self {
            four_letter_words: FourLetterWhitelist::default(),
            global_outstanding_limit: 1000,
            force_sync: true,
            pre_alloc_size: 65536 * 1024,
            fsync_warning_threshold_ms: 1000,
            snap_count: 100_000,
            snap_size_limit: Some(4_194_304 * 1024),
            txn_log_size_limit: None,
            extended_types_enabled: false,
            emulate_353_ttl_nodes: false,
            digest_enabled: true,
            skip_acl: false,
            enforce_quota: false,
            max_cnxns: 0,
            leader_serves: true,
            cnx_timeout: Duration::from_millis(5000),
            quorum_cnxn_timeout: None,
            observer_sync_enabled: None,
            close_session_txn_enabled: true,
            snapshot_compression: SnapCompression::Checked,
            flush: FlushPolicy::default(),
            snapshot_trust_empty: false,
            admin: AdminServer {
                enabled: true,
                address: "0.0.0.0".to_owned(),
                port: 8080,
                command_url: "/commands".to_owned(),
                idle_timeout: Duration::from_millis(30000),
            },
        }
    }
}

/// A size in KiB as bytes; `None` when ≤ 0, which ZooKeeper reads as
/// "no limit".
fn kib(v: i64) -> Option<u64> {
    u64::try_from(v)
        .ok()
        .filter(|v| *v > 0)
        .map(|v| v.saturating_mul(1024))
}

/// A positive number of ms; `None` when ≤ 0.
fn positive_ms(v: i64) -> Option<Duration> {
    u64::try_from(v)
        .ok()
        .filter(|v| *v > 0)
        .map(Duration::from_millis)
}

impl Tunables {
    /// Reads the properties (keys with their `zookeeper.` prefix); unset
    /// keys keep [`Tunables::default`].
    pub fn from_system_properties(props: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let get = |k: &str| props.get(&format!("zookeeper.{k}")).map(String::as_str);
        let mut t = Self::default();
        // Integer.getInteger / Long.getLong: Integer.decode of a set value.
        let int = |k: &str| get(k).map(|v| values::decode_int(k, v)).transpose();
        let long = |k: &str| get(k).map(|v| values::decode_long(k, v)).transpose();
        let positive_ms_or = |k: &str, v: i64| {
            positive_ms(v).ok_or_else(|| {
                ConfigError::invalid(k, get(k).unwrap_or(""), "a positive number of milliseconds")
            })
        };

        t.four_letter_words = FourLetterWhitelist::parse(get("4lw.commands.whitelist"), false);
        if let Some(v) = int("globalOutstandingLimit")? {
            t.global_outstanding_limit = v;
        }
        // FileTxnLog: anything but exactly "no" syncs.
        t.force_sync = get("forceSync") != Some("no");
        if let Some(v) = get("preAllocSize") {
            // FilePadding reads it with Long.parseLong (decimal only).
            t.pre_alloc_size = kib(values::long("preAllocSize", v)?).unwrap_or(0);
        }
        // FileTxnLog: Long.getLong, so hex and octal are accepted too.
        if let Some(v) = long("fsync.warningthresholdms")? {
            t.fsync_warning_threshold_ms = v;
        }
        if let Some(v) = int("snapCount")? {
            // ZooKeeperServer.getSnapCount raises values below 2 to 2.
            t.snap_count = u32::try_from(v.max(2)).unwrap_or(2);
        }
        if let Some(v) = long("snapSizeLimitInKb")? {
            t.snap_size_limit = kib(v);
        }
        if let Some(v) = long("txnLogSizeLimitInKb")? {
            t.txn_log_size_limit = kib(v);
        }
        t.extended_types_enabled = get("extendedTypesEnabled").is_some_and(values::java_bool);
        t.emulate_353_ttl_nodes = get("emulate353TTLNodes").is_some_and(values::java_bool);
        t.digest_enabled = get("digest.enabled").is_none_or(values::java_bool);
        // ZooKeeperServer: only exactly "yes" skips ACLs.
        t.skip_acl = get("skipACL") == Some("yes");
        t.enforce_quota = get("enforceQuota").is_some_and(values::java_bool);
        if let Some(v) = int("maxCnxns")? {
            // ServerCnxnFactory resets a negative cap to 0 (unlimited).
            t.max_cnxns = u32::try_from(v).unwrap_or(0);
        }
        t.leader_serves = get("leaderServes") != Some("no");
        if let Some(v) = get("cnxTimeout") {
            // QuorumCnxManager uses Integer.parseInt, and a bad value stops
            // the peer. 0 is Socket.connect's "no timeout"; a negative one
            // makes every connect throw, so it is refused here.
            let ms = values::int("cnxTimeout", v)?;
            t.cnx_timeout = u64::try_from(ms).map(Duration::from_millis).map_err(|_| {
                ConfigError::invalid("cnxTimeout", v, "a non-negative number of milliseconds")
            })?;
        }
        if let Some(v) = int("quorumCnxnTimeoutMs")? {
            t.quorum_cnxn_timeout = positive_ms(i64::from(v));
        }
        t.observer_sync_enabled = get("observer.syncEnabled").map(values::java_bool);
        t.close_session_txn_enabled = get("closeSessionTxn.enabled").is_none_or(values::java_bool);
        // SnapStream.StreamMode.fromString: unknown names mean the default.
        t.snapshot_compression = match get("snapshot.compression.method") {
            Some(m) if m.eq_ignore_ascii_case("gz") => SnapCompression::Gzip,
            Some(m) if m.eq_ignore_ascii_case("snappy") => SnapCompression::Snappy,
            _ => SnapCompression::Checked,
        };
        // ZooKeeperServer: Long.getLong / Integer.getInteger, the poll
        // time defaulting to a third of the delay.
        t.flush = FlushPolicy::from_java(
            long("flushDelay")?.unwrap_or(0),
            long("maxWriteQueuePollTime")?,
            int("maxBatchSize")?.unwrap_or(1000),
        );
        // FileTxnSnapLog: Boolean.getBoolean.
        t.snapshot_trust_empty = get("snapshot.trust.empty").is_some_and(values::java_bool);
        t.admin.enabled = get("admin.enableServer") != Some("false");
        if let Some(v) = get("admin.serverAddress") {
            v.clone_into(&mut t.admin.address);
        }
        if let Some(v) = int("admin.serverPort")? {
            t.admin.port = u16::try_from(v).map_err(|_| {
                ConfigError::invalid(
                    "admin.serverPort",
                    get("admin.serverPort").unwrap_or(""),
                    "a port number (0-65535)",
                )
            })?;
        }
        if let Some(v) = get("admin.commandURL") {
            v.clone_into(&mut t.admin.command_url);
        }
        if let Some(v) = int("admin.idleTimeout")? {
            t.admin.idle_timeout = positive_ms_or("admin.idleTimeout", i64::from(v))?;
        }
        Ok(t)
    }
}
