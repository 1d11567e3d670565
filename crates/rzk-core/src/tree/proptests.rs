//! Model test: random create / delete / setData sequences applied both to
//! the DataTree and to a plain `BTreeMap` model of ZooKeeper's rules
//! (§3.4–§3.6), checking after every step that every Stat field agrees
//! (cversion = 2 × persisted − children, pzxid, numChildren, dataLength),
//! that listings and the ephemeral index agree, and that a sequential
//! suffix is never handed out twice under one parent.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use proptest::prelude::*;
use rzk_proto::data::Acl;

use super::{DataTree, TreeError};
use crate::path;

#[derive(Debug, Clone)]
struct MNode {
    data: Option<Vec<u8>>,
    czxid: i64,
    mzxid: i64,
    pzxid: i64,
    version: i32,
    cversion: i32,
    owner: i64,
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        parent: usize,
        name: u8,
        sequential: bool,
        owner: i64,
        data: Option<Vec<u8>>,
    },
    Delete(usize),
    SetData(usize, Option<Vec<u8>>),
}

fn op() -> impl Strategy<Value = Op> {
    let data = proptest::option::of(proptest::collection::vec(any::<u8>(), 0..4));
    prop_oneof![
        3 => (any::<usize>(), 0u8..4, any::<bool>(), prop_oneof![Just(0i64), Just(7), Just(9)], data.clone())
            .prop_map(|(parent, name, sequential, owner, data)| Op::Create { parent, name, sequential, owner, data }),
        2 => any::<usize>().prop_map(Op::Delete),
        1 => (any::<usize>(), data).prop_map(|(i, d)| Op::SetData(i, d)),
    ]
}

struct Model {
    nodes: BTreeMap<String, MNode>,
    /// (parent path, parent czxid, suffix): a parent deleted and created
    /// again is a new node whose counter starts over, so its czxid is part
    /// of the key.
    issued: BTreeSet<(String, i64, i32)>,
}

impl Model {
    fn new(t: &DataTree) -> Self {
        let mut nodes = BTreeMap::new();
        for p in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
            let n = t
                .node(p)
                .map(|n| (n.data().map(|d| d.to_vec()), n.persisted().clone()));
            if let Some((data, s)) = n {
                let m = MNode {
                    data,
                    czxid: s.czxid,
                    mzxid: s.mzxid,
                    pzxid: s.pzxid,
                    version: s.version,
                    cversion: s.cversion,
                    owner: s.ephemeral_owner,
                };
                nodes.insert(p.to_string(), m);
            }
        }
        Self {
            nodes,
            issued: BTreeSet::new(),
        }
    }

    fn pick(&self, i: usize) -> String {
        let keys: Vec<&String> = self.nodes.keys().collect();
        keys[i % keys.len()].clone()
    }

    fn children(&self, p: &str) -> Vec<String> {
        let prefix = if p == "/" {
            "/".to_string()
        } else {
            format!("{p}/")
        };
        self.nodes
            .keys()
            .filter(|k| {
                k.len() > prefix.len() && k.starts_with(&prefix) && !k[prefix.len()..].contains('/')
            })
            .map(|k| k[prefix.len()..].to_string())
            .collect()
    }
}

fn key(parent: &str) -> &str {
    if parent.is_empty() {
        "/"
    } else {
        parent
    }
}

fn check(t: &DataTree, m: &Model) {
    assert_eq!(t.znode_count(), m.nodes.len() + 1);
    assert_eq!(t.all_children_number("/"), Some(m.nodes.len() as i32 - 1));
    let mut size: i64 = 0; // "" counts 0
    let mut eph: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (p, mn) in &m.nodes {
        let n = t.node(p).unwrap_or_else(|| panic!("{p} missing"));
        let s = n.stat();
        let kids = m.children(p);
        let nc = kids.len() as i32;
        assert_eq!(n.data().map(|d| d.to_vec()), mn.data, "{p} data");
        assert_eq!(
            s.data_length,
            mn.data.as_ref().map_or(0, |d| d.len() as i32),
            "{p}"
        );
        assert_eq!(s.num_children, nc, "{p} numChildren");
        assert_eq!(s.cversion, 2 * mn.cversion - nc, "{p} cversion formula");
        assert_eq!(
            n.persisted().cversion,
            mn.cversion,
            "{p} persisted cversion"
        );
        assert_eq!(
            (s.czxid, s.mzxid, s.pzxid, s.version),
            (mn.czxid, mn.mzxid, mn.pzxid, mn.version),
            "{p}"
        );
        assert_eq!(s.ephemeral_owner, mn.owner, "{p} owner");
        assert_eq!(t.children(p), Some(kids), "{p} children");
        size += p.encode_utf16().count() as i64 + mn.data.as_ref().map_or(0, |d| d.len() as i64);
        if mn.owner != 0 {
            eph.entry(mn.owner).or_default().push(p.clone());
        }
    }
    assert_eq!(t.approximate_data_size(), size);
    for (owner, paths) in eph {
        assert_eq!(t.ephemerals(owner), paths);
    }
}

fn step(t: &mut DataTree, m: &mut Model, op: Op, zxid: i64) {
    let open = Acl::open_unsafe();
    match op {
        Op::Create {
            parent,
            name,
            sequential,
            owner,
            data,
        } => {
            let parent = m.pick(parent);
            let (pcv, pczxid) = (m.nodes[&parent].cversion, m.nodes[&parent].czxid);
            let base = if parent == "/" {
                format!("/n{name}")
            } else {
                format!("{parent}/n{name}")
            };
            let p = if sequential {
                format!("{base}{}", path::sequence_suffix(pcv))
            } else {
                base
            };
            let bytes = data.as_ref().map(|d| Bytes::copy_from_slice(d));
            let got = t.create_node(&p, bytes, &open, owner, pcv + 1, zxid, zxid * 10);
            if m.nodes.contains_key(&p) {
                assert_eq!(got.map(|_| ()), Err(TreeError::NodeExists));
                return;
            }
            assert!(got.is_ok(), "create {p}: {got:?}");
            if sequential {
                assert!(
                    m.issued.insert((parent.clone(), pczxid, pcv)),
                    "suffix {pcv} reused under {parent}"
                );
            }
            let pm = m.nodes.get_mut(key(&parent)).unwrap();
            pm.cversion += 1;
            pm.pzxid = zxid;
            let n = MNode {
                data,
                czxid: zxid,
                mzxid: zxid,
                pzxid: zxid,
                version: 0,
                cversion: 0,
                owner,
            };
            m.nodes.insert(p, n);
        }
        Op::Delete(i) => {
            let p = m.pick(i);
            if path::is_special_path(&p) || !m.children(&p).is_empty() {
                return; // the request pipeline refuses these
            }
            assert!(t.delete_node(&p, zxid).is_ok(), "delete {p}");
            m.nodes.remove(&p);
            let parent = key(path::parent(&p).unwrap_or("")).to_string();
            let pm = m.nodes.get_mut(&parent).unwrap();
            pm.pzxid = pm.pzxid.max(zxid);
        }
        Op::SetData(i, data) => {
            let p = m.pick(i);
            let mn = m.nodes.get_mut(&p).unwrap();
            let version = mn.version + 1;
            let bytes = data.as_ref().map(|d| Bytes::copy_from_slice(d));
            let got = t.set_data(&p, bytes, version, zxid, zxid * 10).unwrap();
            mn.data = data;
            mn.mzxid = zxid;
            mn.version = version;
            assert_eq!(got.stat.version, version);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// §3.4–§3.6: the tree agrees with the model after every step.
    #[test]
    fn tree_matches_model_3_5(ops in proptest::collection::vec(op(), 1..80)) {
        let mut t = DataTree::default();
        let mut m = Model::new(&t);
        check(&t, &m);
        for (i, op) in ops.into_iter().enumerate() {
            step(&mut t, &mut m, op, i as i64 + 1);
            check(&t, &m);
        }
    }
}
