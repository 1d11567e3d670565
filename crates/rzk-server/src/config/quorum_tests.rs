//! Tests of the quorum side of zoo.cfg: quorum mode's requirements,
//! `server.N` lines, this server's line versus the static settings,
//! hierarchical quorums and the dynamic config file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::tests::{files, ok, parse, parse_with, ENSEMBLE};
use super::*;

#[test]
fn quorum_mode_needs_limits_and_myid() {
    let myid = files(&[("/zk/myid", "2\n")]);
    let c = parse_with(ENSEMBLE, &myid).unwrap();
    assert!(c.is_distributed());
    assert_eq!(c.server_id, Some(2));
    assert_eq!(c.quorum.voters().count(), 3);
    assert!(matches!(
        parse(ENSEMBLE),
        Err(ConfigError::MyidMissing { .. })
    ));
    let no_init = ENSEMBLE.replace("initLimit=10\n", "");
    assert_eq!(
        parse_with(&no_init, &myid).unwrap_err().to_string(),
        "initLimit is not set"
    );
    let no_sync = ENSEMBLE.replace("syncLimit=5\n", "");
    assert_eq!(
        parse_with(&no_sync, &myid).unwrap_err().to_string(),
        "syncLimit is not set"
    );
    let bad = files(&[("/zk/myid", "two\n")]);
    let e = parse_with(ENSEMBLE, &bad).unwrap_err();
    assert_eq!(e.to_string(), "/zk/myid: serverid \"two\" is not a number");
    // Only the first line counts, surrounding blanks ignored.
    let first = files(&[("/zk/myid", " 3 \r\nsecond line")]);
    assert_eq!(parse_with(ENSEMBLE, &first).unwrap().server_id, Some(3));
    // A single voter with standaloneEnabled=false still runs the quorum code.
    let one = "dataDir=/zk\ninitLimit=5\nsyncLimit=2\nstandaloneEnabled=false\nserver.1=a:1:2\n";
    let c = parse_with(one, &files(&[("/zk/myid", "1")])).unwrap();
    assert!(c.is_distributed());
    // With standaloneEnabled, a lone server line is ignored for the mode.
    let c = ok("dataDir=/zk\nserver.1=a:1:2\n");
    assert!(!c.is_distributed());
}

#[test]
fn extended_types_cap_the_server_id() {
    let cfg = "dataDir=/zk\nextendedTypesEnabled=true\n";
    assert!(parse_with(cfg, &files(&[("/zk/myid", "254")])).is_ok());
    let e = parse_with(cfg, &files(&[("/zk/myid", "255")])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "extendedTypesEnabled=\"true\": needs a server id of at most 254, but myid is 255"
    );
    assert!(parse_with("dataDir=/zk\n", &files(&[("/zk/myid", "255")])).is_ok());
}

#[test]
fn server_lines() {
    let text = "dataDir=/zk\ninitLimit=5\nsyncLimit=2\nmultiAddress.enabled=true\n\
        server.1=zk1:2888:3888;2181\n\
        server.2=[fe80::1]:2888:3888:participant;[::1]:2182\n\
        server.3= zk3:2888:3888:observer \n\
        server.4=b:1:2|a:3:4;10.0.0.4:2183\n";
    let c = parse_with(text, &files(&[("/zk/myid", "1")])).unwrap();
    let s = &c.quorum.servers;
    assert_eq!(
        s[&1].client,
        Some(ClientAddress {
            host: "0.0.0.0".into(),
            port: 2181
        })
    );
    assert_eq!(s[&2].addresses[0].host, "fe80::1");
    assert_eq!(
        s[&2].client,
        Some(ClientAddress {
            host: "::1".into(),
            port: 2182
        })
    );
    assert_eq!(s[&3].learner_type, LearnerType::Observer);
    assert_eq!(s[&4].addresses.len(), 2);
    assert_eq!(
        c.quorum.voters().map(|s| s.id).collect::<Vec<_>>(),
        [1, 2, 4]
    );
    assert_eq!(c.quorum.observers().map(|s| s.id).collect::<Vec<_>>(), [3]);
    // Without clientPort, this server's client address comes from its line.
    assert_eq!(
        c.client_address,
        Some(ClientAddress {
            host: "0.0.0.0".into(),
            port: 2181
        })
    );
    assert_eq!(
        c.quorum.to_text(),
        "server.1=zk1:2888:3888:participant;0.0.0.0:2181\n\
         server.2=[fe80::1]:2888:3888:participant;[::1]:2182\n\
         server.3=zk3:2888:3888:observer\n\
         server.4=a:3:4|b:1:2:participant;10.0.0.4:2183\n\
         version=0"
    );
}

/// `setupClientPort` and `setupPeerType`.
#[test]
fn this_servers_line_and_static_settings() {
    let base = "dataDir=/zk\ninitLimit=5\nsyncLimit=2\nserver.1=a:1:2;2181\nserver.2=b:1:2\nserver.3=c:1:2:observer\n";
    let fs1 = files(&[("/zk/myid", "1")]);
    // Same port on the wildcard: fine.
    assert!(parse_with(&format!("{base}clientPort=2181"), &fs1).is_ok());
    let e = parse_with(&format!("{base}clientPort=2182"), &fs1).unwrap_err();
    assert!(e.to_string().contains("client address differs"), "{e}");
    let e = parse_with(
        &format!("{base}clientPort=2181\nclientPortAddress=10.1.1.1"),
        &fs1,
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("server.1=\"0.0.0.0:2181\""),
        "{e}"
    );
    // No client part on server 2: the static clientPort is recorded, but
    // not written into the dynamic text.
    let fs2 = files(&[("/zk/myid", "2")]);
    let c = parse_with(&format!("{base}clientPort=2190"), &fs2).unwrap();
    assert_eq!(
        c.quorum.servers[&2].client.as_ref().map(|a| a.port),
        Some(2190)
    );
    assert!(c.quorum.servers[&2].client_from_static);
    assert!(c.quorum.to_text().contains("server.2=b:1:2:participant\n"));
    // The server list decides the role, whatever peerType says.
    let fs3 = files(&[("/zk/myid", "3")]);
    let c = parse_with(&format!("{base}peerType=participant"), &fs3).unwrap();
    assert_eq!(c.peer_type, LearnerType::Observer);
    let c = parse_with(&format!("{base}peerType=observer"), &fs2).unwrap();
    assert_eq!(c.peer_type, LearnerType::Participant);
}

#[test]
fn hierarchical_quorums() {
    let text = "dataDir=/zk\ninitLimit=5\nsyncLimit=2\n\
        server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2:observer\n\
        group.1=2:1\ngroup.2=3\nweight.1=3\nversion=100000000\n";
    let c = parse_with(text, &files(&[("/zk/myid", "1")])).unwrap();
    let h = c.quorum.hierarchy.clone().unwrap();
    assert_eq!(h.groups[&1], [2, 1], "as written");
    assert_eq!(h.weights, BTreeMap::from([(1, 3), (2, 1), (3, 1)]));
    assert_eq!(c.quorum.version, 0x1_0000_0000);
    assert!(c.quorum.to_text().ends_with(
        "group.1=1:2\ngroup.2=3\nweight.1=3\nweight.2=1\nweight.3=1\nversion=100000000"
    ));
}

#[test]
fn dynamic_config_file() {
    let cfg = "dataDir=/zk\ninitLimit=5\nsyncLimit=2\nclientPort=2181\n\
        dynamicConfigFile=/conf/zoo.cfg.dynamic.100000000\n";
    let dynamic = "server.1=a:1:2:participant;2181\nserver.2=b:1:2\nserver.3=c:1:2\n";
    let fs = files(&[
        ("/zk/myid", "1"),
        ("/conf/zoo.cfg.dynamic.100000000", dynamic),
        ("/conf/zoo.cfg", cfg),
    ]);
    let c = ServerConfig::load_from(Path::new("/conf/zoo.cfg"), &fs).unwrap();
    assert_eq!(c.quorum.servers.len(), 3);
    assert_eq!(c.quorum.version, 0x1_0000_0000);
    assert_eq!(
        c.dynamic_config_file,
        Some(PathBuf::from("/conf/zoo.cfg.dynamic.100000000"))
    );

    let mut with_version = fs.clone();
    with_version.insert(
        "/conf/zoo.cfg.dynamic.100000000".into(),
        b"server.1=a:1:2\nversion=1\n".to_vec(),
    );
    let e = ServerConfig::load_from(Path::new("/conf/zoo.cfg"), &with_version).unwrap_err();
    assert!(
        e.to_string().starts_with("version=\"1\": must not appear"),
        "{e}"
    );

    let mut stray = fs.clone();
    stray.insert(
        "/conf/zoo.cfg.dynamic.100000000".into(),
        b"server.1=a:1:2\ntickTime=5\n".to_vec(),
    );
    let e = ServerConfig::load_from(Path::new("/conf/zoo.cfg"), &stray).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("tickTime=\"5\": unrecognised parameter"),
        "{e}"
    );

    let mut missing = fs;
    missing.remove(Path::new("/conf/zoo.cfg.dynamic.100000000"));
    let e = ServerConfig::load_from(Path::new("/conf/zoo.cfg"), &missing).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }), "{e}");

    assert_eq!(
        parse::version_from_filename(Path::new("zoo.cfg.dynamic")),
        None
    );
    assert_eq!(
        parse::version_from_filename(Path::new("zoo.cfg.dynamic.0")),
        Some(0)
    );
}
