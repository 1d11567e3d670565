//! A model-based property test: random operations from two sessions go
//! through the standalone state machine as real frames, and every reply is
//! checked against a plain model of ZooKeeper's rules (a map of path →
//! data, versions and owner): error codes, data, versions, child counts,
//! sequential names, and ephemerals vanishing with their session.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;

use bytes::Bytes;
use proptest::prelude::*;
use rzk_proto::client::*;
use rzk_proto::codes::{CreateMode, ErrorCode, OpCode};
use rzk_proto::data::Acl;
use rzk_proto::jute::{Jute, Reader, Record};

use super::{Standalone, StandaloneConfig};
use crate::shell::{ConnId, Now, Output};

const PATHS: &[&str] = &["/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z"];

#[derive(Debug, Clone)]
enum Op {
    Create {
        s: usize,
        p: usize,
        mode: CreateMode,
        data: u8,
    },
    Delete {
        s: usize,
        p: usize,
        version: i32,
    },
    SetData {
        s: usize,
        p: usize,
        version: i32,
        data: u8,
    },
    GetData {
        s: usize,
        p: usize,
    },
    Children {
        s: usize,
        p: usize,
    },
    Reconnect {
        s: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..2usize;
    let p = 0..PATHS.len();
    let v = prop_oneof![Just(-1), 0..3i32];
    let mode = prop_oneof![
        Just(CreateMode::Persistent),
        Just(CreateMode::Ephemeral),
        Just(CreateMode::PersistentSequential)
    ];
    prop_oneof![
        4 => (s.clone(), p.clone(), mode, any::<u8>()).prop_map(|(s, p, mode, data)| Op::Create { s, p, mode, data }),
        2 => (s.clone(), p.clone(), v.clone()).prop_map(|(s, p, version)| Op::Delete { s, p, version }),
        3 => (s.clone(), p.clone(), v, any::<u8>()).prop_map(|(s, p, version, data)| Op::SetData { s, p, version, data }),
        2 => (s.clone(), p.clone()).prop_map(|(s, p)| Op::GetData { s, p }),
        1 => (s.clone(), p).prop_map(|(s, p)| Op::Children { s, p }),
        1 => s.prop_map(|s| Op::Reconnect { s }),
    ]
}

#[derive(Debug, Clone)]
struct Node {
    data: u8,
    version: i32,
    owner: Option<usize>,
    creates: i32,
}

/// ZooKeeper's rules, written as plainly as possible.
#[derive(Default)]
struct Model {
    nodes: BTreeMap<String, Node>,
    /// Children created under `/` (its sequence counter; the built-in
    /// `/zookeeper` does not count).
    root_creates: i32,
}

fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) => "/",
        Some(i) => &p[..i],
        None => "",
    }
}

impl Model {
    fn exists(&self, p: &str) -> bool {
        p == "/" || self.nodes.contains_key(p)
    }
    fn children(&self, p: &str) -> Vec<String> {
        let prefix = if p == "/" {
            "/".to_string()
        } else {
            format!("{p}/")
        };
        self.nodes
            .keys()
            .filter(|k| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
            .map(|k| k[prefix.len()..].to_string())
            .collect()
    }
    /// Create: Ok(actual path) or the code.
    fn create(
        &mut self,
        s: usize,
        p: &str,
        mode: CreateMode,
        data: u8,
    ) -> Result<String, ErrorCode> {
        let par = parent(p);
        if !self.exists(par) {
            return Err(ErrorCode::NoNode);
        }
        let seq = self.nodes.get(par).map_or(self.root_creates, |n| n.creates);
        let full = if mode.is_sequential() {
            format!("{p}{seq:010}")
        } else {
            p.to_string()
        };
        if self.exists(&full) {
            return Err(ErrorCode::NodeExists);
        }
        if self.nodes.get(par).is_some_and(|n| n.owner.is_some()) {
            return Err(ErrorCode::NoChildrenForEphemerals);
        }
        match self.nodes.get_mut(par) {
            Some(n) => n.creates += 1,
            None => self.root_creates += 1,
        }
        let owner = mode.is_ephemeral().then_some(s);
        self.nodes.insert(
            full.clone(),
            Node {
                data,
                version: 0,
                owner,
                creates: 0,
            },
        );
        Ok(full)
    }
    fn delete(&mut self, p: &str, version: i32) -> Result<(), ErrorCode> {
        let n = self.nodes.get(p).ok_or(ErrorCode::NoNode)?;
        if version != -1 && version != n.version {
            return Err(ErrorCode::BadVersion);
        }
        if !self.children(p).is_empty() {
            return Err(ErrorCode::NotEmpty);
        }
        self.nodes.remove(p);
        Ok(())
    }
    fn set_data(&mut self, p: &str, version: i32, data: u8) -> Result<i32, ErrorCode> {
        let n = self.nodes.get_mut(p).ok_or(ErrorCode::NoNode)?;
        if version != -1 && version != n.version {
            return Err(ErrorCode::BadVersion);
        }
        n.version += 1;
        n.data = data;
        Ok(n.version)
    }
    fn end_session(&mut self, s: usize) {
        self.nodes.retain(|_, n| n.owner != Some(s));
    }
}

struct Harness {
    server: Standalone,
    conns: [ConnId; 2],
    next_conn: ConnId,
    xid: i32,
    t: i64,
}

fn now(t: i64) -> Now {
    Now {
        wall_ms: 1_700_000_000_000 + t,
        mono_ms: t,
    }
}

impl Harness {
    fn new() -> Self {
        let cfg =
            StandaloneConfig::with_tick_time(NonZeroU32::new(2000).unwrap_or(NonZeroU32::MIN));
        let mut h = Self {
            server: Standalone::new(cfg, now(0)),
            conns: [0, 0],
            next_conn: 1,
            xid: 0,
            t: 0,
        };
        h.conns = [h.open(), h.open()];
        h
    }
    fn open(&mut self) -> ConnId {
        let c = self.next_conn;
        self.next_conn += 1;
        let peer: SocketAddr = "127.0.0.1:1"
            .parse()
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 1)));
        self.server.open(c, peer, now(self.t));
        let req = ConnectRequest {
            timeout: 30_000,
            passwd: Bytes::from_static(&[0; 16]),
            ..Default::default()
        };
        self.server.frame(c, req.to_bytes(), now(self.t));
        c
    }
    /// Sends `req` on session `s`; returns (err, body reader).
    fn call(&mut self, s: usize, req: &Request) -> (i32, Reader) {
        self.xid += 1;
        self.t += 1;
        let conn = self.conns[s];
        let out = self
            .server
            .frame(conn, RequestFrame::encode(self.xid, req), now(self.t));
        let reply = out
            .iter()
            .filter_map(|o| match o {
                Output::Send {
                    conn: c, payload, ..
                } if *c == conn => Some(payload.clone()),
                _ => None,
            })
            .next_back()
            .unwrap_or_default();
        let mut r = Reader::new(reply);
        let h = ReplyHeader::read(&mut r, "h").unwrap_or_default();
        assert_eq!(h.xid, self.xid, "replies follow their requests");
        (h.err, r)
    }
    fn reconnect(&mut self, s: usize) {
        self.call(s, &Request::CloseSession);
        self.server.closed(self.conns[s], now(self.t));
        self.conns[s] = self.open();
    }
}

fn code(r: Result<(), ErrorCode>) -> i32 {
    r.err().map_or(0, ErrorCode::code)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn replies_follow_the_model(ops in proptest::collection::vec(op(), 1..80)) {
        let mut h = Harness::new();
        let mut m = Model::default();
        for op in ops {
            match op {
                Op::Create { s, p, mode, data } => {
                    let path = if mode.is_sequential() { format!("{}-", PATHS[p]) } else { PATHS[p].to_string() };
                    let req = Request::Create { opcode: OpCode::Create, request: CreateRequest {
                        path: path.clone(), data: Some(Bytes::from(vec![data])), acl: Acl::open_unsafe(), flags: mode.code() } };
                    let (err, mut r) = h.call(s, &req);
                    match m.create(s, &path, mode, data) {
                        Ok(full) => {
                            prop_assert_eq!(err, 0, "create {}", path);
                            prop_assert_eq!(CreateResponse::read(&mut r, "b").map(|c| c.path).ok(), Some(full));
                        }
                        Err(e) => prop_assert_eq!(err, e.code(), "create {}", path),
                    }
                }
                Op::Delete { s, p, version } => {
                    let (err, _) = h.call(s, &Request::Delete(DeleteRequest { path: PATHS[p].into(), version }));
                    prop_assert_eq!(err, code(m.delete(PATHS[p], version)), "delete {} v{}", PATHS[p], version);
                }
                Op::SetData { s, p, version, data } => {
                    let req = Request::SetData(SetDataRequest { path: PATHS[p].into(), data: Some(Bytes::from(vec![data])), version });
                    let (err, mut r) = h.call(s, &req);
                    match m.set_data(PATHS[p], version, data) {
                        Ok(v) => {
                            prop_assert_eq!(err, 0);
                            prop_assert_eq!(SetDataResponse::read(&mut r, "b").map(|x| x.stat.version).ok(), Some(v));
                        }
                        Err(e) => prop_assert_eq!(err, e.code()),
                    }
                }
                Op::GetData { s, p } => {
                    let (err, mut r) = h.call(s, &Request::GetData(GetDataRequest { path: PATHS[p].into(), watch: false }));
                    match m.nodes.get(PATHS[p]) {
                        Some(n) => {
                            prop_assert_eq!(err, 0);
                            let resp = GetDataResponse::read(&mut r, "b");
                            prop_assert!(resp.is_ok());
                            let resp = resp.unwrap_or_default();
                            prop_assert_eq!(resp.data.as_deref(), Some(&[n.data][..]));
                            prop_assert_eq!(resp.stat.version, n.version);
                            prop_assert_eq!(resp.stat.num_children as usize, m.children(PATHS[p]).len());
                            prop_assert_eq!(resp.stat.ephemeral_owner != 0, n.owner.is_some());
                        }
                        None => prop_assert_eq!(err, ErrorCode::NoNode.code()),
                    }
                }
                Op::Children { s, p } => {
                    let (err, mut r) = h.call(s, &Request::GetChildren(GetChildrenRequest { path: PATHS[p].into(), watch: false }));
                    if m.exists(PATHS[p]) {
                        prop_assert_eq!(err, 0);
                        let mut got = GetChildrenResponse::read(&mut r, "b").map(|c| c.children).unwrap_or_default();
                        got.sort();
                        prop_assert_eq!(got, m.children(PATHS[p]));
                    } else {
                        prop_assert_eq!(err, ErrorCode::NoNode.code());
                    }
                }
                Op::Reconnect { s } => {
                    h.reconnect(s);
                    m.end_session(s);
                }
            }
        }
    }
}
