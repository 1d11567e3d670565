//! The fixed values tools/golden/Golden.java uses (see its file comment),
//! rebuilt on the Rust side so each check states what it expects.

#![allow(dead_code)] // each check module uses a different subset

use bytes::Bytes;
use rzk_proto::data::{Acl, Id, Stat};

pub const S1: i64 = 0x0100_0a3b_c1d2_0000;
pub const S2: i64 = 0x0100_0a3b_c1d2_0001;
pub const S3: i64 = 0x0100_0a3b_c1d2_0002;
pub const T0: i64 = 1_700_000_000_000;
pub const BIN: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
pub const DIGEST_ID: &str = "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=";
pub const CONFIG_2: &str =
    "server.1=127.0.0.1:22888:23888:participant\nserver.2=127.0.0.1:22889:23889:participant\n";

pub fn bin() -> Bytes {
    Bytes::from_static(BIN)
}

pub fn bytes(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

pub fn world() -> Id {
    Id::new("world", "anyone")
}

pub fn digest() -> Id {
    Id::new("digest", DIGEST_ID)
}

pub fn ip() -> Id {
    Id::new("ip", "127.0.0.1")
}

pub fn open() -> Vec<Acl> {
    vec![Acl::new(31, world())]
}

pub fn digest_all() -> Vec<Acl> {
    vec![Acl::new(31, digest())]
}

pub fn ip_rwcd() -> Vec<Acl> {
    vec![Acl::new(15, ip())]
}

pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Golden.stat1().
pub fn stat1() -> Stat {
    Stat {
        czxid: 0x1_0000_0004,
        mzxid: 0x1_0000_0009,
        ctime: T0 + 4000,
        mtime: T0 + 9000,
        version: 1,
        cversion: 3,
        aversion: 0,
        ephemeral_owner: 0,
        data_length: 5,
        num_children: 3,
        pzxid: 0x1_0000_0008,
    }
}

/// Golden.stat2(): an ephemeral of S2, never modified.
pub fn stat2() -> Stat {
    Stat {
        czxid: 0x1_0000_0008,
        mzxid: 0x1_0000_0008,
        ctime: T0 + 8000,
        mtime: T0 + 8000,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeral_owner: S2,
        data_length: 0,
        num_children: 0,
        pzxid: 0x1_0000_0008,
    }
}

/// `java.util.Random(seed).nextBytes(n)`: ZooKeeper derives a session's
/// password as `Random(sessionId ^ 0xB3415C00).nextBytes(16)` (§3.9).
pub fn java_random_bytes(seed: i64, n: usize) -> Vec<u8> {
    const MULT: i64 = 0x5_DEEC_E66D;
    const MASK: i64 = (1 << 48) - 1;
    let mut s = (seed ^ MULT) & MASK;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        s = (s.wrapping_mul(MULT).wrapping_add(0xB)) & MASK;
        let mut r = (s >> 16) as i32;
        for _ in 0..4.min(n - out.len()) {
            out.push(r as u8);
            r >>= 8;
        }
    }
    out
}

/// The password ZooKeeper hands out for session `id`.
pub fn passwd(id: i64) -> Bytes {
    Bytes::from(java_random_bytes(id ^ 0xB341_5C00, 16))
}
