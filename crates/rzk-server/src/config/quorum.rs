//! The ensemble: `server.N`, `group.G`, `weight.N` and `version` lines
//! (`PROTOCOL.md` §5.1, §7.2, §7.3; `q/QuorumPeer.QuorumServer`,
//! `q/flexible/QuorumMaj`, `q/flexible/QuorumHierarchical`).
//!
//! A spec is `host:quorumPort:electionPort[:participant|observer]`, several
//! of them joined by `|` when multi-address is enabled, optionally followed
//! by `;[clientHost:]clientPort`. IPv6 hosts are written in brackets. Hosts
//! are kept as written: resolving them is the runtime's business.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::error::ConfigError;
use super::properties::{java_trim, Properties};
use super::values;

/// A member's role (`LearnerType`; numbers as on the wire, §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LearnerType {
    /// A voter (0).
    #[default]
    Participant,
    /// A non-voting member (1).
    Observer,
}

impl LearnerType {
    /// Reads `participant`/`observer` in any case, surrounding blanks
    /// ignored, as `QuorumServer.getType` and `peerType` do.
    pub fn parse(s: &str) -> Option<Self> {
        match java_trim(s).to_ascii_lowercase().as_str() {
            "participant" => Some(LearnerType::Participant),
            "observer" => Some(LearnerType::Observer),
            _ => None,
        }
    }

    /// The name ZooKeeper writes.
    pub fn name(self) -> &'static str {
        match self {
            LearnerType::Participant => "participant",
            LearnerType::Observer => "observer",
        }
    }
}

/// One `host:quorumPort:electionPort` group of a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerAddress {
    /// Host name or address, without IPv6 brackets.
    pub host: String,
    /// The port followers connect to the leader on.
    pub quorum_port: u16,
    /// The leader-election port.
    pub election_port: u16,
}

/// A client address; the host is `0.0.0.0` when only a port was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress {
    /// Host name or address, without IPv6 brackets.
    pub host: String,
    /// The port.
    pub port: u16,
}

/// One `server.N` member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumServer {
    /// N.
    pub id: i64,
    /// Its address groups (one unless multi-address is enabled).
    pub addresses: Vec<PeerAddress>,
    /// Its role.
    pub learner_type: LearnerType,
    /// The client address from `;…`, or for this server the static
    /// clientPort (see `client_from_static`).
    pub client: Option<ClientAddress>,
    /// The client address came from `clientPort`, not the spec, so the
    /// dynamic-config text leaves it out (`isClientAddrFromStatic`).
    pub client_from_static: bool,
}

/// `String.split(sep)`: trailing empty pieces are dropped.
fn java_split(s: &str, sep: char) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(sep).collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

/// `ConfigUtils.getHostAndPort`: `[v6]:a:b` or `host:a:b` into pieces.
fn host_and_ports(s: &str) -> Result<Vec<&str>, String> {
    if let Some(rest) = s.strip_prefix('[') {
        let close = rest
            .find(']')
            .ok_or_else(|| format!("{s} starts with '[' but has no matching ']:'"))?;
        let host = &rest[..close];
        let after = &rest[close + 1..];
        let Some(ports) = after.strip_prefix(':') else {
            return if after.is_empty() {
                Ok(vec![host])
            } else {
                Err(format!("{s} has no ':' after ']'"))
            };
        };
        if ports.is_empty() {
            return Err(format!("{s} doesn't have a port after colon"));
        }
        let mut out = vec![host];
        out.extend(java_split(ports, ':'));
        Ok(out)
    } else {
        Ok(java_split(s, ':'))
    }
}

/// Brackets an IPv6 host for writing (`delimitedHostString`).
fn delimited(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

const FORMAT: &str = "not of the form host:port:port[:participant|observer][|…][;[host:]port]";

impl QuorumServer {
    /// Parses the value of `server.<id>` (`key` is only for errors).
    /// Each piece is trimmed; Java leaves a trailing blank in a port and
    /// then refuses the number, rzk accepts it.
    pub fn parse(id: i64, key: &str, spec: &str, multi_address: bool) -> Result<Self, ConfigError> {
        let err = |reason: String| ConfigError::ServerSpec {
            key: key.to_owned(),
            value: spec.to_owned(),
            reason,
        };
        let port = |p: &str| -> Result<u16, ConfigError> {
            let p = java_trim(p);
            values::int(key, p)
                .ok()
                .and_then(|v| u16::try_from(v).ok())
                .ok_or_else(|| err(format!("{p:?} is not a port number")))
        };
        let server_client = java_split(spec, ';');
        if server_client.len() > 2 {
            return Err(err(FORMAT.to_owned()));
        }
        let client = match server_client.get(1) {
            Some(c) => {
                let parts = host_and_ports(java_trim(c)).map_err(err)?;
                let (host, p) = match parts.as_slice() {
                    [p] => ("0.0.0.0", *p),
                    [h, p] => (java_trim(h), *p),
                    _ => return Err(err(FORMAT.to_owned())),
                };
                Some(ClientAddress {
                    host: host.to_owned(),
                    port: port(p)?,
                })
            }
            None => None,
        };
        let groups = java_split(server_client.first().copied().unwrap_or(""), '|');
        if groups.len() > 1 && !multi_address {
            return Err(err(format!(
                "multiple addresses for sid {id} but multiAddress.enabled is false"
            )));
        }
        let mut addresses = Vec::new();
        let mut role: Option<LearnerType> = None;
        for group in &groups {
            let parts = host_and_ports(java_trim(group)).map_err(err)?;
            if !(3..=4).contains(&parts.len()) {
                return Err(err(FORMAT.to_owned()));
            }
            let addr = PeerAddress {
                host: java_trim(parts[0]).to_owned(),
                quorum_port: port(parts[1])?,
                election_port: port(parts[2])?,
            };
            if addr.quorum_port == addr.election_port {
                return Err(err(
                    "the quorum and election ports must be different".to_owned()
                ));
            }
            if let Some(t) = parts.get(3) {
                let t = LearnerType::parse(t)
                    .ok_or_else(|| err(format!("unrecognised peer type {:?}", java_trim(t))))?;
                match role {
                    Some(r) if r != t => {
                        return Err(err("all addresses must have the same role".to_owned()))
                    }
                    _ => role = Some(t),
                }
            }
            addresses.push(addr);
        }
        if addresses.is_empty() {
            return Err(err(FORMAT.to_owned()));
        }
        Ok(Self {
            id,
            addresses,
            learner_type: role.unwrap_or_default(),
            client,
            client_from_static: false,
        })
    }

    /// The spec as ZooKeeper writes it (`QuorumServer.toString`): address
    /// groups sorted by host, the role always, the client address only
    /// when it came from the spec.
    pub fn to_spec(&self) -> String {
        let mut addrs: Vec<&PeerAddress> = self.addresses.iter().collect();
        addrs.sort_by(|a, b| a.host.cmp(&b.host));
        let mut s = addrs
            .iter()
            .map(|a| {
                format!(
                    "{}:{}:{}",
                    delimited(&a.host),
                    a.quorum_port,
                    a.election_port
                )
            })
            .collect::<Vec<_>>()
            .join("|");
        s.push(':');
        s.push_str(self.learner_type.name());
        if let (Some(c), false) = (&self.client, self.client_from_static) {
            let _ = write!(s, ";{}:{}", delimited(&c.host), c.port);
        }
        s
    }
}

/// Hierarchical quorum data: groups of servers and their weights.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hierarchy {
    /// Group id → its servers, in the order written.
    pub groups: BTreeMap<i64, Vec<i64>>,
    /// Server id → weight (participants without a `weight.N` get 1).
    pub weights: BTreeMap<i64, i64>,
}

/// The ensemble a config describes (`QuorumVerifier`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuorumConfig {
    /// Members by id.
    pub servers: BTreeMap<i64, QuorumServer>,
    /// Present when any `group*`/`weight*` key exists.
    pub hierarchy: Option<Hierarchy>,
    /// The config version (`version=` in hex; 0 when absent).
    pub version: i64,
}

/// The id after the first dot of `prefix.N` (`Long.parseLong`).
fn key_id(key: &str) -> Result<i64, ConfigError> {
    let id = key.split_once('.').map(|(_, id)| id).unwrap_or(key);
    values::long(key, id).map_err(|_| ConfigError::invalid(key, id, "a numeric id after the '.'"))
}

impl QuorumConfig {
    /// Reads the quorum keys of `props` (others are ignored, as in the
    /// backward-compatible static file). `hierarchy` is chosen, as in
    /// ZooKeeper, by the mere presence of a key starting `group` or
    /// `weight`.
    pub fn from_properties(props: &Properties, multi_address: bool) -> Result<Self, ConfigError> {
        let mut q = QuorumConfig::default();
        let mut hierarchy: Option<Hierarchy> = None;
        let mut server_group: BTreeMap<i64, i64> = BTreeMap::new();
        for (key, value) in props.iter() {
            let key = java_trim(key);
            if key.starts_with("server.") {
                let id = key_id(key)?;
                q.servers
                    .insert(id, QuorumServer::parse(id, key, value, multi_address)?);
            } else if key.starts_with("group") {
                let gid = key_id(key)?;
                let h = hierarchy.get_or_insert_with(Hierarchy::default);
                let mut members = Vec::new();
                for sid in java_split(value, ':') {
                    let sid = values::long(key, java_trim(sid))?;
                    if server_group.insert(sid, gid).is_some() {
                        return Err(ConfigError::rule(
                            key,
                            value,
                            format!("server {sid} is in multiple groups"),
                        ));
                    }
                    members.push(sid);
                }
                h.groups.entry(gid).or_default().extend(members);
            } else if key.starts_with("weight") {
                let sid = key_id(key)?;
                let w = values::long(key, java_trim(value))?;
                hierarchy
                    .get_or_insert_with(Hierarchy::default)
                    .weights
                    .insert(sid, w);
            } else if key == "version" {
                let v = java_trim(value);
                q.version = i64::from_str_radix(v, 16)
                    .map_err(|_| ConfigError::invalid(key, v, "a hexadecimal version"))?;
            }
        }
        if let Some(h) = &mut hierarchy {
            for s in q.servers.values() {
                if s.learner_type == LearnerType::Participant {
                    if !server_group.contains_key(&s.id) {
                        return Err(ConfigError::Quorum {
                            reason: format!("server {} is not in a group", s.id),
                        });
                    }
                    h.weights.entry(s.id).or_insert(1);
                }
            }
        }
        q.hierarchy = hierarchy;
        Ok(q)
    }

    /// The voting members.
    pub fn voters(&self) -> impl Iterator<Item = &QuorumServer> {
        self.servers
            .values()
            .filter(|s| s.learner_type == LearnerType::Participant)
    }

    /// The observers.
    pub fn observers(&self) -> impl Iterator<Item = &QuorumServer> {
        self.servers
            .values()
            .filter(|s| s.learner_type == LearnerType::Observer)
    }

    /// The `QuorumVerifier.toString` text carried by FLE notifications,
    /// NEWLEADER and `/zookeeper/config` (§7.3): `server.N=spec` lines,
    /// then for hierarchies `group.G=a:b` and `weight.N=w` lines, then
    /// `version=<hex>` with no newline.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for m in self.servers.values() {
            let _ = writeln!(s, "server.{}={}", m.id, m.to_spec());
        }
        if let Some(h) = &self.hierarchy {
            for (gid, members) in &h.groups {
                // Java rebuilds each group from a sid-keyed map, so members
                // come out in ascending id order, not as written.
                let mut sorted = members.clone();
                sorted.sort_unstable();
                let ids: Vec<String> = sorted.iter().map(i64::to_string).collect();
                let _ = writeln!(s, "group.{gid}={}", ids.join(":"));
            }
            for (sid, w) in &h.weights {
                let _ = writeln!(s, "weight.{sid}={w}");
            }
        }
        let _ = write!(s, "version={:x}", self.version);
        s
    }
}
