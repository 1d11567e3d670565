//! Table tests for `zoo.cfg`: every key's default, parse and errors; the
//! quorum lines; myid and the dynamic file; and the sample config Debian
//! ships as /etc/zookeeper/conf/zoo.cfg.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rzk_proto::codec::FourLetterCommand;

use super::*;

pub(super) type Files = BTreeMap<PathBuf, Vec<u8>>;

pub(super) fn files(list: &[(&str, &str)]) -> Files {
    list.iter()
        .map(|(p, b)| (PathBuf::from(p), b.as_bytes().to_vec()))
        .collect()
}

pub(super) fn parse_with(text: &str, fs: &Files) -> Result<ServerConfig, ConfigError> {
    ServerConfig::from_properties(&Properties::parse(text).unwrap(), fs)
}

pub(super) fn parse(text: &str) -> Result<ServerConfig, ConfigError> {
    parse_with(text, &Files::new())
}

pub(super) fn ok(text: &str) -> ServerConfig {
    match parse(text) {
        Ok(c) => c,
        Err(e) => panic!("{text:?}: {e}"),
    }
}

pub(super) const ENSEMBLE: &str = "dataDir=/zk\nclientPort=2181\ninitLimit=10\nsyncLimit=5\n\
    server.1=zk1:2888:3888\nserver.2=zk2:2888:3888\nserver.3=zk3:2888:3888\n";

/// The sample zoo.cfg of Debian's `zookeeper` package (as shipped, from
/// upstream's conf/zoo_sample.cfg), comments and trailing blanks included.
const DEBIAN_ZOO_CFG: &str = "# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial 
# synchronization phase can take
initLimit=10
# The number of ticks that can pass between 
# sending a request and getting an acknowledgement
syncLimit=5
# the directory where the snapshot is stored.
# do not use /tmp for storage, /tmp here is just 
# example sakes.
dataDir=/tmp/zookeeper
# the port at which the clients will connect
clientPort=2181
# the maximum number of client connections.
# increase this if you need to handle more clients
#maxClientCnxns=60
#
# Be sure to read the maintenance section of the 
# administrator guide before turning on autopurge.
#
# https://zookeeper.apache.org/doc/current/zookeeperAdmin.html#sc_maintenance
#
# The number of snapshots to retain in dataDir
#autopurge.snapRetainCount=3
# Purge task interval in hours
# Set to \"0\" to disable auto purge feature
#autopurge.purgeInterval=1

## Metrics Providers
#
# https://prometheus.io Metrics Exporter
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
#metricsProvider.httpHost=0.0.0.0
#metricsProvider.httpPort=7000
#metricsProvider.exportJvmInfo=true
";

#[test]
fn debian_sample_config() {
    let c = ok(DEBIAN_ZOO_CFG);
    assert_eq!(c.tick_time, Duration::from_millis(2000));
    assert_eq!((c.init_limit, c.sync_limit), (10, 5));
    assert_eq!(c.data_dir, Path::new("/tmp/zookeeper"));
    assert_eq!(c.data_log_dir, Path::new("/tmp/zookeeper"));
    let client = c.client_address.clone().unwrap();
    assert_eq!((client.host.as_str(), client.port), ("0.0.0.0", 2181));
    assert_eq!(c.min_session_timeout, Duration::from_millis(4000));
    assert_eq!(c.max_session_timeout, Duration::from_millis(40000));
    assert_eq!(c.max_client_cnxns, 60);
    assert!(!c.is_distributed());
    assert!(c.system_properties.is_empty());
    assert_eq!(c.tunables, Tunables::default());
    // Debian's package also ships a myid; in standalone it is read too.
    let fs = files(&[("/tmp/zookeeper/myid", "1\n")]);
    assert_eq!(parse_with(DEBIAN_ZOO_CFG, &fs).unwrap().server_id, Some(1));
}

#[test]
fn defaults_of_a_minimal_config() {
    let c = ok("dataDir=/d");
    let b = ServerConfig::builtin();
    assert_eq!(c.tick_time, Duration::from_millis(3000));
    assert_eq!(c.min_session_timeout, Duration::from_millis(6000));
    assert_eq!(c.max_session_timeout, Duration::from_millis(60000));
    assert_eq!(c.client_address, None);
    assert_eq!(c.data_log_dir, Path::new("/d"));
    assert_eq!(c.server_id, None);
    assert_eq!(c.quorum, QuorumConfig::default());
    // Everything else matches the built-in config's ZooKeeper defaults.
    let c = ServerConfig {
        tick_time: b.tick_time,
        min_session_timeout: b.min_session_timeout,
        max_session_timeout: b.max_session_timeout,
        client_address: b.client_address.clone(),
        data_dir: b.data_dir.clone(),
        data_log_dir: b.data_log_dir.clone(),
        ..c
    };
    assert_eq!(c, b);
    assert_eq!(b.session_timeout_bounds_ms(), (4000, 40000));
    assert_eq!(b.snap_retain_count, 3);
    assert_eq!(b.election_alg, 3);
    assert!(b.sync_enabled && b.standalone_enabled && !b.reconfig_enabled);
    assert_eq!(b.metrics_provider_class_name, DEFAULT_METRICS_PROVIDER);
}

#[test]
fn builtin_config() {
    let b = ServerConfig::builtin();
    let client = b.client_address.clone().unwrap();
    assert_eq!((client.host.as_str(), client.port), ("127.0.0.1", 2181));
    assert_eq!(b.data_dir, Path::new("./rzk-data"));
    assert_eq!(b.tick_time, Duration::from_millis(2000));
    assert!(!b.is_distributed());
}

/// One key at a time on top of `dataDir=/d`: the field it sets.
#[test]
fn every_key_parses() {
    type Get = fn(&ServerConfig) -> String;
    #[rustfmt::skip]
    let cases: &[(&str, Get, &str)] = &[
        ("tickTime=500", |c| format!("{:?}", (c.tick_time, c.min_session_timeout, c.max_session_timeout)), "(500ms, 1s, 10s)"),
        ("initLimit=7", |c| c.init_limit.to_string(), "7"),
        ("syncLimit= 3 ", |c| c.sync_limit.to_string(), "3"),
        ("connectToLearnerMasterLimit=4", |c| format!("{:?}", c.connect_to_learner_master_limit), "Some(4)"),
        ("connectToLearnerMasterLimit=0", |c| format!("{:?}", c.connect_to_learner_master_limit), "None"),
        ("connectToLearnerMasterLimit=-2", |c| format!("{:?}", c.connect_to_learner_master_limit), "None"),
        ("cnxTimeout=0", |c| format!("{:?}", c.tunables.cnx_timeout), "0ns"),
        ("dataLogDir=/logs", |c| c.data_log_dir.display().to_string(), "/logs"),
        ("clientPort=0", |c| format!("{:?}", c.client_address.as_ref().map(|a| a.port)), "Some(0)"),
        ("clientPort=2181\nclientPortAddress=10.0.0.1", |c| format!("{:?}", c.client_address.as_ref().map(|a| &a.host)), "Some(\"10.0.0.1\")"),
        ("secureClientPort=2281", |c| format!("{:?}", c.secure_client_address.as_ref().map(|a| (&a.host, a.port))), "Some((\"0.0.0.0\", 2281))"),
        ("observerMasterPort=2191", |c| format!("{:?}", c.observer_master_port), "Some(2191)"),
        ("observerMasterPort=-1", |c| format!("{:?}", c.observer_master_port), "None"),
        ("clientPortListenBacklog=128", |c| c.client_port_listen_backlog.to_string(), "128"),
        ("maxClientCnxns=0", |c| c.max_client_cnxns.to_string(), "0"),
        ("minSessionTimeout=1000\nmaxSessionTimeout=90000", |c| format!("{:?}", c.session_timeout_bounds_ms()), "(1000, 90000)"),
        ("minSessionTimeout=-1", |c| c.min_session_timeout.as_millis().to_string(), "6000"),
        ("localSessionsEnabled=TRUE", |c| c.local_sessions_enabled.to_string(), "true"),
        ("localSessionsUpgradingEnabled=true", |c| c.local_sessions_upgrading_enabled.to_string(), "true"),
        ("electionAlg=3", |c| c.election_alg.to_string(), "3"),
        ("quorumListenOnAllIPs=true", |c| c.quorum_listen_on_all_ips.to_string(), "true"),
        // Parsed (a bad value is an error), then overridden by the server
        // list, which without myid and server lines says participant.
        ("peerType=OBSERVER", |c| format!("{:?}", c.peer_type), "Participant"),
        ("syncEnabled=false", |c| c.sync_enabled.to_string(), "false"),
        ("syncEnabled=false\nobserver.syncEnabled=true", |c| c.sync_enabled.to_string(), "true"),
        ("autopurge.snapRetainCount=1", |c| c.snap_retain_count.to_string(), "3"),
        ("autopurge.snapRetainCount=10", |c| c.snap_retain_count.to_string(), "10"),
        ("autopurge.purgeInterval=2", |c| format!("{:?}", c.purge_interval), "7200s"),
        ("autopurge.purgeInterval=-5", |c| format!("{:?}", c.purge_interval), "0ns"),
        ("standaloneEnabled=true", |c| c.standalone_enabled.to_string(), "true"),
        ("reconfigEnabled=true", |c| c.reconfig_enabled.to_string(), "true"),
        ("sslQuorum=true", |c| c.ssl_quorum.to_string(), "true"),
        ("portUnification=true", |c| c.port_unification.to_string(), "true"),
        ("sslQuorumReloadCertFiles=true", |c| c.ssl_quorum_reload_cert_files.to_string(), "true"),
        ("quorum.auth.enableSasl=true\nquorum.auth.learnerRequireSasl=true\nquorum.auth.serverRequireSasl=true",
            |c| format!("{:?}", (c.quorum_sasl.enabled, c.quorum_sasl.learner_require, c.quorum_sasl.server_require)), "(true, true, true)"),
        ("quorum.auth.learner.saslLoginContext=L\nquorum.auth.server.saslLoginContext=S\nquorum.auth.kerberos.servicePrincipal=zk/_HOST",
            |c| format!("{} {} {}", c.quorum_sasl.learner_login_context, c.quorum_sasl.server_login_context, c.quorum_sasl.kerberos_service_principal), "L S zk/_HOST"),
        ("quorum.cnxn.threads.size=8", |c| c.quorum_cnxn_threads_size.to_string(), "8"),
        ("jvm.pause.monitor=true\njvm.pause.sleep.time.ms=10", |c| c.system_properties.len().to_string(), "0"),
        ("metricsProvider.className=x.Prom\nmetricsProvider.httpPort=7000",
            |c| format!("{} {:?}", c.metrics_provider_class_name, c.metrics_provider), "x.Prom {\"httpPort\": \"7000\"}"),
        ("multiAddress.enabled=true\nmultiAddress.reachabilityCheckTimeoutMs=50\nmultiAddress.reachabilityCheckEnabled=false",
            |c| format!("{} {:?} {}", c.multi_address_enabled, c.multi_address_reachability_check_timeout, c.multi_address_reachability_check_enabled), "true 50ms false"),
        ("oraclePath=/o", |c| format!("{:?}", c.oracle_path), "Some(\"/o\")"),
        ("  tickTime  =  1000  ", |c| c.tick_time.as_millis().to_string(), "1000"),
    ];
    for (line, get, want) in cases {
        let c = ok(&format!("dataDir=/d\n{line}"));
        assert_eq!(get(&c), *want, "{line:?}");
    }
}

/// Unknown keys become `zookeeper.<key>`; the honoured ones are typed.
#[test]
fn unknown_keys_become_zookeeper_properties() {
    let c = ok("dataDir=/d\nfoo.bar = baz \n4lw.commands.whitelist=ruok, mntr\nleaderServes=no\n\
         forceSync=no\nskipACL=yes\nsnapCount=1\nglobalOutstandingLimit=0x10\npreAllocSize=1024\n\
         snapSizeLimitInKb=0\ntxnLogSizeLimitInKb=100\nextendedTypesEnabled=TRUE\ndigest.enabled=no\n\
         enforceQuota=true\nmaxCnxns=-4\ncnxTimeout=700\nquorumCnxnTimeoutMs=900\n\
         snapshot.compression.method=GZ\nadmin.enableServer=false\nadmin.serverPort=9090\n\
         closeSessionTxn.enabled=false\nemulate353TTLNodes=true\nadmin.idleTimeout=10\n\
         admin.serverAddress=127.0.0.1\nadmin.commandURL=/c\nflushDelay=30\nmaxBatchSize=0x10\nsnapshot.trust.empty=TRUE");
    assert_eq!(
        c.system_properties
            .get("zookeeper.foo.bar")
            .map(String::as_str),
        Some("baz")
    );
    assert_eq!(c.system_properties.len(), 27);
    let t = &c.tunables;
    let w: Vec<_> = t.four_letter_words.commands().collect();
    assert_eq!(
        w,
        [
            FourLetterCommand::Mntr,
            FourLetterCommand::Ruok,
            FourLetterCommand::Srvr
        ]
    );
    assert!(!t.leader_serves && !t.force_sync && t.skip_acl);
    assert_eq!(t.snap_count, 2, "snapCount below 2 becomes 2");
    assert_eq!(
        t.global_outstanding_limit, 16,
        "Integer.getInteger decodes hex"
    );
    assert_eq!(t.pre_alloc_size, 1024 * 1024);
    assert_eq!(t.snap_size_limit, None);
    assert_eq!(t.txn_log_size_limit, Some(100 * 1024));
    assert_eq!(
        crate::run::storage_config(&c).txn_log_size_limit,
        Some(100 * 1024),
        "the limit reaches the txn log"
    );
    let flush = crate::storage::FlushPolicy {
        delay_ms: 30,
        max_poll_ms: 10,
        max_batch: 16,
    };
    assert_eq!(
        t.flush, flush,
        "maxWriteQueuePollTime defaults to flushDelay / 3"
    );
    assert_eq!(
        crate::run::storage_config(&c).flush,
        flush,
        "flushDelay and maxBatchSize reach the txn log"
    );
    assert!(
        t.snapshot_trust_empty && crate::run::storage_config(&c).trust_empty_snapshot,
        "Boolean.getBoolean ignores case, and the setting reaches start-up"
    );
    assert!(t.extended_types_enabled && t.emulate_353_ttl_nodes);
    assert!(!t.digest_enabled, "Boolean.parseBoolean(\"no\") is false");
    let types = crate::run::standalone_config(&c).unwrap().types();
    assert!(
        types.enabled && types.emulate_353,
        "extendedTypesEnabled and emulate353TTLNodes reach the tree"
    );
    let compat = crate::run::compat(&c).unwrap();
    assert!(!compat.digest_enabled, "digest.enabled reaches the core");
    assert!(
        !compat.close_session_txn,
        "closeSessionTxn.enabled reaches the core"
    );
    assert!(t.enforce_quota);
    assert_eq!(t.max_cnxns, 0);
    assert_eq!(t.cnx_timeout, Duration::from_millis(700));
    assert_eq!(t.quorum_cnxn_timeout, Some(Duration::from_millis(900)));
    assert_eq!(
        t.snapshot_compression,
        rzk_proto::disk::SnapCompression::Gzip
    );
    assert!(!t.close_session_txn_enabled);
    assert_eq!(
        t.admin,
        AdminServer {
            enabled: false,
            address: "127.0.0.1".into(),
            port: 9090,
            command_url: "/c".into(),
            idle_timeout: Duration::from_millis(10),
        }
    );
}

#[test]
fn tunables_read_values_as_zookeeper_does() {
    type Get = fn(&Tunables) -> String;
    #[rustfmt::skip]
    let cases: &[(&str, Get, &str)] = &[
        ("forceSync=yes", |t| t.force_sync.to_string(), "true"),
        ("forceSync=NO", |t| t.force_sync.to_string(), "true"),
        ("forceSync=maybe", |t| t.force_sync.to_string(), "true"),
        ("skipACL=YES", |t| t.skip_acl.to_string(), "false"),
        ("skipACL=true", |t| t.skip_acl.to_string(), "false"),
        ("leaderServes=false", |t| t.leader_serves.to_string(), "true"),
        ("digest.enabled=TRUE", |t| t.digest_enabled.to_string(), "true"),
        ("extendedTypesEnabled=yes", |t| t.extended_types_enabled.to_string(), "false"),
        ("snapshot.compression.method=snappy", |t| format!("{:?}", t.snapshot_compression), "Snappy"),
        ("snapshot.compression.method=lz4", |t| format!("{:?}", t.snapshot_compression), "Checked"),
        ("snapCount=010", |t| t.snap_count.to_string(), "8"),
        ("fsync.warningthresholdms=0x14", |t| t.fsync_warning_threshold_ms.to_string(), "20"),
        ("fsync.warningthresholdms=-1", |t| t.fsync_warning_threshold_ms.to_string(), "-1"),
        ("tickTime=2000", |t| t.fsync_warning_threshold_ms.to_string(), "1000"),
        ("quorumCnxnTimeoutMs=-1", |t| format!("{:?}", t.quorum_cnxn_timeout), "None"),
        ("admin.enableServer=no", |t| t.admin.enabled.to_string(), "true"),
    ];
    for (line, get, want) in cases {
        let c = ok(&format!("dataDir=/d\n{line}"));
        assert_eq!(get(&c.tunables), *want, "{line:?}");
    }
}

/// Every error names its key and the bad value.
#[test]
fn errors_name_key_and_value() {
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("clientPort=2181", "dataDir is not set"),
        ("dataDir=/d\ntickTime=0", "tickTime is not set"),
        ("dataDir=/d\ntickTime=-3", "tickTime=\"-3\": a positive number of milliseconds"),
        ("dataDir=/d\ntickTime=2s", "tickTime=\"2s\": an integer"),
        ("dataDir=/d\nclientPort=70000", "clientPort=\"70000\": a port number"),
        ("dataDir=/d\nclientPortAddress=1.2.3.4", "clientPortAddress=\"1.2.3.4\": is set but clientPort is not set"),
        ("dataDir=/d\nsecureClientPortAddress=h", "secureClientPortAddress=\"h\": is set but secureClientPort is not set"),
        ("dataDir=/d\nminSessionTimeout=5000\nmaxSessionTimeout=4000", "minSessionTimeout=\"5000\": must not be larger than maxSessionTimeout (4000)"),
        ("dataDir=/d\ntickTime=3000\nmaxSessionTimeout=5000", "minSessionTimeout=\"6000\": must not be larger than maxSessionTimeout (5000)"),
        ("dataDir=/d\nmaxSessionTimeout=-7", "maxSessionTimeout=\"-7\": milliseconds"),
        ("dataDir=/d\nelectionAlg=1", "electionAlg=\"1\": only 3"),
        ("dataDir=/d\nstandaloneEnabled=yes", "standaloneEnabled=\"yes\": 'true' or 'false'"),
        ("dataDir=/d\npeerType=leader", "peerType=\"leader\": 'observer' or 'participant'"),
        ("dataDir=/d\ninitLimit=-1", "initLimit=\"-1\": a non-negative integer"),
        ("dataDir=/d\nquorum.auth.serverRequireSasl=true", "quorum.auth.serverRequireSasl=\"true\": needs quorum.auth.enableSasl=true"),
        ("dataDir=/d\nquorum.auth.learnerRequireSasl=true", "quorum.auth.learnerRequireSasl=\"true\": needs quorum.auth.enableSasl=true"),
        ("dataDir=/d\nquorum.auth.enableSasl=true\nquorum.auth.serverRequireSasl=true", "needs quorum.auth.learnerRequireSasl=true"),
        ("dataDir=/d\nsnapCount=lots", "snapCount=\"lots\": an integer"),
        ("dataDir=/d\nfsync.warningthresholdms=1s", "fsync.warningthresholdms=\"1s\": an integer (decimal, 0x hex or 0 octal)"),
        ("dataDir=/d\nflushDelay=20ms", "flushDelay=\"20ms\": an integer (decimal, 0x hex or 0 octal)"),
        ("dataDir=/d\nmaxBatchSize=many", "maxBatchSize=\"many\": an integer"),
        ("dataDir=/d\npreAllocSize=0x10", "preAllocSize=\"0x10\": an integer (64-bit, decimal)"),
        ("dataDir=/d\ncnxTimeout=-1", "cnxTimeout=\"-1\": a non-negative number of milliseconds"),
        ("dataDir=/d\nadmin.serverPort=99999", "admin.serverPort=\"99999\": a port number"),
        ("dataDir=/d\njvm.pause.monitor=on", "jvm.pause.monitor=\"on\": 'true' or 'false'"),
        ("dataDir=/d\ndynamicConfigFile=/dyn\nserver.1=h:1:2", "server.1=\"h:1:2\": must be in the separate dynamic config file"),
        ("dataDir=/d\nserver.1=h:2888", "server.1=\"h:2888\": not of the form"),
        ("dataDir=/d\nserver.1=h:2888:2888", "the quorum and election ports must be different"),
        ("dataDir=/d\nserver.1=h:2888:3888:leader", "unrecognised peer type \"leader\""),
        ("dataDir=/d\nserver.1=h:x:3888", "\"x\" is not a port number"),
        ("dataDir=/d\nserver.1=a:1:2|b:1:2", "multiAddress.enabled is false"),
        ("dataDir=/d\nserver.1=a:1:2;b:3;c", "not of the form"),
        ("dataDir=/d\nserver.1=a:1:2;h:p:3", "not of the form"),
        ("dataDir=/d\nserver.1=[::1:1:2", "has no matching ']:'"),
        ("dataDir=/d\nserver.x=a:1:2", "server.x=\"x\": a numeric id"),
        ("dataDir=/d\nserver.1=a:1:2:observer", "invalid quorum: observers without participants"),
        ("dataDir=/d\nserver.1=a:1:2\nserver.2=b:1:2:observer", "observers without a quorum"),
        ("dataDir=/d\nstandaloneEnabled=false", "needs at least one participant"),
        ("dataDir=/d\nversion=zz\nserver.1=a:1:2", "version=\"zz\": a hexadecimal version"),
        ("dataDir=/d\ngroup.1=1:2\ngroup.2=2:3", "group.2=\"2:3\": server 2 is in multiple groups"),
        ("dataDir=/d\nserver.1=a:1:2\nserver.2=b:1:2\ngroup.1=1", "server 2 is not in a group"),
    ];
    for (text, want) in cases {
        match parse(text) {
            Ok(_) => panic!("{text:?} parsed"),
            Err(e) => assert!(e.to_string().contains(want), "{text:?}: got {e:?} / {e}"),
        }
    }
}

#[test]
fn load_reads_latin1_and_reports_syntax_errors() {
    let fs: Files = [
        (PathBuf::from("/a.cfg"), b"dataDir=/d\xe4t\n".to_vec()),
        (PathBuf::from("/b.cfg"), b"dataDir=/d\nx=\\u12\n".to_vec()),
    ]
    .into_iter()
    .collect();
    let c = ServerConfig::load_from(Path::new("/a.cfg"), &fs).unwrap();
    assert_eq!(c.data_dir, Path::new("/d\u{e4}t"));
    let e = ServerConfig::load_from(Path::new("/b.cfg"), &fs).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/b.cfg: line 2: malformed \\uxxxx encoding in \"x=\\\\u12\""
    );
    let e = ServerConfig::load_from(Path::new("/none.cfg"), &fs).unwrap_err();
    assert!(e.to_string().starts_with("cannot read /none.cfg"), "{e}");
}

#[test]
fn disk_files_treat_directories_and_missing_files_as_absent() {
    let dir = std::env::temp_dir();
    assert_eq!(DiskFiles.read(&dir).unwrap(), None);
    assert_eq!(
        DiskFiles
            .read(&dir.join("rzk-surely-missing-file"))
            .unwrap(),
        None
    );
}
