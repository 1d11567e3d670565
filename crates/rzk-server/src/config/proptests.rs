//! A config file is input: no byte sequence may panic the reader, and no
//! combination of real keys with arbitrary values may panic the parser —
//! each must end in a config or a [`ConfigError`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;

use super::*;

const KEYS: &[&str] = &[
    "dataDir",
    "dataLogDir",
    "clientPort",
    "clientPortAddress",
    "secureClientPort",
    "secureClientPortAddress",
    "observerMasterPort",
    "clientPortListenBacklog",
    "tickTime",
    "maxClientCnxns",
    "minSessionTimeout",
    "maxSessionTimeout",
    "initLimit",
    "syncLimit",
    "connectToLearnerMasterLimit",
    "electionAlg",
    "peerType",
    "syncEnabled",
    "dynamicConfigFile",
    "autopurge.snapRetainCount",
    "autopurge.purgeInterval",
    "standaloneEnabled",
    "reconfigEnabled",
    "quorum.auth.enableSasl",
    "quorum.auth.serverRequireSasl",
    "quorum.auth.learnerRequireSasl",
    "multiAddress.enabled",
    "server.1",
    "server.2",
    "server.3",
    "group.1",
    "weight.1",
    "version",
    "snapCount",
    "preAllocSize",
    "4lw.commands.whitelist",
    "cnxTimeout",
    "admin.serverPort",
    "extendedTypesEnabled",
    "forceSync",
    "quorumCnxnTimeoutMs",
    "metricsProvider.x",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+0-9]{0,12}",
        "(true|false|yes|no|TRUE|observer|participant)",
        "[a-z0-9.:;|\\[\\] -]{0,30}",
        "\\PC{0,20}",
    ]
}

proptest! {
    #[test]
    fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Properties::parse_latin1(&bytes);
    }

    #[test]
    fn parser_never_panics(
        entries in proptest::collection::vec((0..KEYS.len(), value()), 0..12),
        myid in proptest::option::of("[0-9a-z ]{0,6}"),
    ) {
        let mut props = Properties::new();
        props.set("dataDir", "/zk");
        for (k, v) in entries {
            props.set(KEYS[k], v);
        }
        let mut files: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
        if let Some(m) = myid {
            files.insert(PathBuf::from("/zk/myid"), m.into_bytes());
        }
        if let Ok(c) = ServerConfig::from_properties(&props, &files) {
            // Whatever was accepted is consistent.
            prop_assert!(c.min_session_timeout <= c.max_session_timeout);
            prop_assert!(!c.tick_time.is_zero());
            prop_assert!(c.snap_retain_count >= 3);
            if c.is_distributed() {
                prop_assert!(c.server_id.is_some() && c.init_limit > 0 && c.sync_limit > 0);
            }
            let _ = c.quorum.to_text();
        }
    }
}
