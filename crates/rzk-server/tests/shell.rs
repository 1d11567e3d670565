//! The network shell with a small scripted core: framing, ordering,
//! four-letter words and the whitelist, connection limits, and closing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use bytes::Bytes;
use rzk_proto::codec::FourLetterCommand;
use rzk_server::clock::Now;
use rzk_server::core::{ConnId, Core, Output};
use rzk_server::net::{serve, NetConfig};

/// Echoes each frame back prefixed with its connection's frame count, closes
/// the connection on a frame "bye", and answers four-letter words with the
/// command's name.
#[derive(Default)]
struct EchoCore {
    counts: std::collections::BTreeMap<ConnId, u32>,
}

impl Core for EchoCore {
    fn open(&mut self, conn: ConnId, _peer: SocketAddr, _now: Now) -> Vec<Output> {
        self.counts.insert(conn, 0);
        vec![]
    }
    fn frame(&mut self, conn: ConnId, payload: Bytes, _now: Now) -> Vec<Output> {
        let n = self.counts.entry(conn).or_default();
        *n += 1;
        if &payload[..] == b"bye" {
            return vec![
                Output::Send {
                    conn,
                    payload: Bytes::from_static(b"ciao"),
                    received: None,
                },
                Output::Close { conn },
            ];
        }
        let mut out = format!("{n}:").into_bytes();
        out.extend_from_slice(&payload);
        vec![Output::Send {
            conn,
            payload: out.into(),
            received: None,
        }]
    }
    fn closed(&mut self, conn: ConnId, _now: Now) -> Vec<Output> {
        self.counts.remove(&conn);
        vec![]
    }
    fn tick(&mut self, _now: Now) -> Vec<Output> {
        vec![]
    }
    fn four_letter(&mut self, c: FourLetterCommand, _m: Option<i64>, _now: Now) -> String {
        format!("answer:{}", c.name())
    }
}

fn start(
    cfg: NetConfig,
) -> (
    u16,
    tokio::runtime::Runtime,
    tokio::sync::oneshot::Sender<()>,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(serve(listener, EchoCore::default(), cfg, async move {
        let _ = rx.await;
    }));
    (port, rt, tx)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn send(s: &mut TcpStream, payload: &[u8]) {
    let mut b = (payload.len() as u32).to_be_bytes().to_vec();
    b.extend_from_slice(payload);
    s.write_all(&b).unwrap();
}

fn recv(s: &mut TcpStream) -> Vec<u8> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut b = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut b).unwrap();
    b
}

fn read_to_end(s: &mut TcpStream) -> String {
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn pipelined_frames_are_answered_in_order_and_close_is_after_queued_replies() {
    let (port, _rt, _stop) = start(NetConfig::default());
    let mut s = connect(port);
    // Everything written at once, split arbitrarily by TCP.
    for i in 0..100 {
        send(&mut s, format!("m{i}").as_bytes());
    }
    send(&mut s, b"bye");
    for i in 0..100 {
        assert_eq!(recv(&mut s), format!("{}:m{i}", i + 1).into_bytes());
    }
    assert_eq!(recv(&mut s), b"ciao");
    assert_eq!(
        read_to_end(&mut s),
        "",
        "the server closes after its last reply"
    );
}

#[test]
fn four_letter_words_obey_the_whitelist_and_close() {
    let mut cfg = NetConfig::default();
    cfg.four_letter_whitelist.insert(FourLetterCommand::Ruok);
    let (port, _rt, _stop) = start(cfg);
    let mut s = connect(port);
    s.write_all(b"ruok").unwrap();
    assert_eq!(read_to_end(&mut s), "answer:ruok");
    let mut s = connect(port);
    s.write_all(b"mntr").unwrap();
    assert_eq!(
        read_to_end(&mut s),
        "mntr is not executed because it is not in the whitelist.\n"
    );
    // After a frame, the same bytes are a length over the limit: closed, no reply.
    let mut s = connect(port);
    send(&mut s, b"hello");
    assert_eq!(recv(&mut s), b"1:hello");
    s.write_all(b"ruok").unwrap();
    assert_eq!(read_to_end(&mut s), "");
}

#[test]
fn oversized_frames_close_only_that_connection() {
    let (port, _rt, _stop) = start(NetConfig::default());
    let mut good = connect(port);
    send(&mut good, b"a");
    assert_eq!(recv(&mut good), b"1:a");
    let mut bad = connect(port);
    bad.write_all(&0x0010_0000u32.to_be_bytes()).unwrap();
    assert_eq!(read_to_end(&mut bad), "");
    send(&mut good, b"b");
    assert_eq!(recv(&mut good), b"2:b", "other connections keep working");
}

#[test]
fn connections_per_ip_are_capped() {
    let cfg = NetConfig {
        max_client_cnxns: 2,
        ..NetConfig::default()
    };
    let (port, _rt, _stop) = start(cfg);
    let mut a = connect(port);
    let mut b = connect(port);
    send(&mut a, b"x");
    send(&mut b, b"y");
    assert_eq!(recv(&mut a), b"1:x");
    assert_eq!(recv(&mut b), b"1:y");
    let mut c = connect(port);
    assert_eq!(
        read_to_end(&mut c),
        "",
        "the third connection from one IP is closed"
    );
    drop(a);
    // The slot comes back once the first connection is gone.
    // Bounded wait: at most 200 tries, 50 ms apart.
    for attempt in 0.. {
        let mut d = connect(port);
        send(&mut d, b"z");
        let mut len = [0u8; 4];
        if d.read_exact(&mut len).is_ok() {
            break;
        }
        assert!(attempt < 200, "slot never freed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_connection_that_never_connects_is_dropped() {
    let cfg = NetConfig {
        sessionless_timeout: Duration::from_millis(200),
        ..NetConfig::default()
    };
    let (port, _rt, _stop) = start(cfg);
    let mut s = connect(port);
    assert_eq!(read_to_end(&mut s), "");
}
