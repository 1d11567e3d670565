//! Hostile input against the `rzk` process: seeded attackers send random
//! bytes, truncated and oversized frames, unknown opcodes, undecodable
//! bodies, invalid paths, ACL violations and connect/disconnect churn,
//! while a well-behaved session keeps creating, writing and reading. The
//! server must never die, must keep answering the good session correctly,
//! and must answer what it answers as ZooKeeper does (an error code, or
//! closing that one connection).
//!
//! `RZK_HOSTILE_SECS` sets the duration (default 5; CI runs 60) and
//! `RZK_HOSTILE_SEED` the seed (printed on failure).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode, Error, ErrorCode};
use rzk_proto::client::*;
use rzk_proto::codes::OpCode;
use rzk_proto::data::Id;
use rzk_proto::jute::Record;
use rzk_testkit::{four_letter_word, RzkServer};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut b = (payload.len() as u32).to_be_bytes().to_vec();
    b.extend_from_slice(payload);
    b
}

fn connect_frame() -> Vec<u8> {
    let req = ConnectRequest {
        timeout: 4000,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
        ..Default::default()
    };
    frame(&req.to_bytes())
}

/// Reads until EOF or timeout; returns what arrived.
fn drain(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.len() > 1 << 20 {
            break;
        }
    }
    out
}

/// One attack on a fresh connection (50 of them for churn). Returns false if the server did not
/// even accept the connection (which would mean it is down).
fn attack(port: u16, rng: &mut Rng) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let kind = rng.below(8);
    let bytes: Vec<u8> = match kind {
        // Random bytes from the first byte on.
        0 => {
            let n = rng.below(300) as usize;
            rng.bytes(n)
        }
        // A frame longer than jute.maxbuffer, or a negative length.
        1 => {
            let len = if rng.below(2) == 0 {
                0x0010_0000 + rng.below(1 << 20) as u32
            } else {
                0x8000_0000 | rng.below(1 << 20) as u32
            };
            len.to_be_bytes().to_vec()
        }
        // A truncated frame.
        2 => {
            let mut f = connect_frame();
            f.truncate(rng.below(f.len() as u64) as usize);
            f
        }
        // A session, then frames with random opcodes and random bodies.
        3 | 4 => {
            let mut b = connect_frame();
            for x in 0..1 + rng.below(6) {
                let op = *[
                    1i32, 2, 4, 5, 7, 8, 12, 14, 15, 16, 19, 20, 21, 22, 99, 101, 103, 104, 105,
                    106, -11, 0, 10,
                ]
                .get(rng.below(23) as usize)
                .unwrap_or(&1);
                let mut p = RequestHeader {
                    xid: x as i32 + 1,
                    opcode: op,
                }
                .to_bytes()
                .to_vec();
                let n = rng.below(64) as usize;
                p.extend(rng.bytes(n));
                b.extend(frame(&p));
            }
            b
        }
        // Invalid paths and ACL violations on a real session.
        5 => {
            let mut b = connect_frame();
            let bad = [
                "",
                "x",
                "/a/",
                "//",
                "/a/./b",
                "/\u{1}",
                "/zookeeper",
                "/zookeeper/quota",
            ];
            for (i, p) in bad.iter().enumerate() {
                let req = Request::Create {
                    opcode: OpCode::Create,
                    request: CreateRequest {
                        path: (*p).into(),
                        data: None,
                        acl: vec![Acl::new(31, Id::new("digest", "bad"))],
                        flags: rng.below(8) as i32,
                    },
                };
                b.extend(frame(&RequestFrame::encode(i as i32 + 1, &req)));
                let del = Request::Delete(DeleteRequest {
                    path: (*p).into(),
                    version: -1,
                });
                b.extend(frame(&RequestFrame::encode(100 + i as i32, &del)));
            }
            b
        }
        // Four-letter words, known and unknown.
        6 => [
            &b"ruok"[..],
            b"stat",
            b"mntr",
            b"wchp",
            b"dump",
            b"kill",
            b"stmk\0\0\0\0\0\0\0\x01",
        ][rng.below(7) as usize]
            .to_vec(),
        // Connect and drop at once (churn).
        _ => connect_frame(),
    };
    let _ = s.write_all(&bytes);
    if kind == 7 {
        // Churn: many sessions opened and dropped at once.
        for _ in 0..50 {
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = c.write_all(&bytes);
            }
        }
    } else {
        let _ = drain(&mut s);
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_survives_hostile_clients_and_keeps_serving() {
    let secs: u64 = std::env::var("RZK_HOSTILE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let seed: u64 = std::env::var("RZK_HOSTILE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    let server = RzkServer::start(Path::new(env!("CARGO_BIN_EXE_rzk")), &[]).unwrap();
    let port = server.port();
    let stop = Arc::new(AtomicBool::new(false));
    let attacks = Arc::new(AtomicU64::new(0));
    let mut attackers = Vec::new();
    for t in 0..2u64 {
        let (stop, attacks) = (stop.clone(), attacks.clone());
        attackers.push(std::thread::spawn(move || {
            let mut rng = Rng(seed.wrapping_add(t).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            while !stop.load(Ordering::Relaxed) {
                assert!(
                    attack(port, &mut rng),
                    "seed {seed}: the server stopped accepting connections"
                );
                attacks.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // The well-behaved session: every reply must be right.
    let good = Client::connect(&server.connect_string()).await.unwrap();
    let open = Acl::open_unsafe();
    good.create("/good", None, &open, CreateMode::Persistent)
        .await
        .unwrap();
    good.create("/ro", None, &Acl::read_unsafe(), CreateMode::Persistent)
        .await
        .unwrap();
    let rounds = secs * 20;
    for i in 0..rounds {
        let path = format!("/good/n{i}");
        let data = Bytes::from(format!("value-{i}"));
        good.create(&path, Some(data.clone()), &open, CreateMode::Persistent)
            .await
            .unwrap();
        let stat = good.set_data(&path, Some(data.clone()), 0).await.unwrap();
        assert_eq!(stat.version, 1);
        assert_eq!(good.get_data(&path).await.unwrap().0, Some(data));
        assert_eq!(
            good.set_data("/ro", None, -1).await.unwrap_err(),
            Error::Server(ErrorCode::NoAuth),
            "ACL violations are refused with NoAuth"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.join().unwrap();
    }
    assert_eq!(
        good.get_children("/good").await.unwrap().len() as u64,
        rounds
    );
    assert_eq!(four_letter_word(port, "ruok").unwrap(), "imok");
    let n = attacks.load(Ordering::Relaxed);
    assert!(n > secs * 20, "only {n} attacks ran in {secs} s");
    eprintln!(
        "{n} hostile connections in {secs} s (seed {seed}); the good session did {rounds} rounds"
    );
}
