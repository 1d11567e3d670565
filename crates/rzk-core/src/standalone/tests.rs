//! The standalone state machine driven with real client frames: sessions,
//! replies, event-before-reply order, auth, closing, expiry and the
//! protocol-violation rules.

use std::net::SocketAddr;
use std::num::NonZeroU32;

use bytes::{Bytes, BytesMut};
use rzk_proto::client::*;
use rzk_proto::codes::{xid, CreateMode, ErrorCode, EventType, OpCode};
use rzk_proto::data::Acl;
use rzk_proto::jute::{Jute, Reader, Record};

use super::{Standalone, StandaloneConfig};
use crate::shell::{ConnId, Now, Output};

pub(super) fn now(ms: i64) -> Now {
    Now {
        wall_ms: 1_700_000_000_000 + ms,
        mono_ms: ms,
    }
}

pub(super) fn server() -> Standalone {
    let tick = NonZeroU32::new(2000).unwrap();
    Standalone::new(StandaloneConfig::with_tick_time(tick), now(0))
}

pub(super) fn peer() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

pub(super) fn sends(out: &[Output], conn: ConnId) -> Vec<Bytes> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send {
                conn: c, payload, ..
            } if *c == conn => Some(payload.clone()),
            _ => None,
        })
        .collect()
}

fn closes(out: &[Output], conn: ConnId) -> bool {
    out.iter().any(|o| *o == Output::Close { conn })
}

/// Opens `conn` and creates a session; returns the ConnectResponse.
pub(super) fn connect(s: &mut Standalone, conn: ConnId, t: i64) -> ConnectResponse {
    s.open(conn, peer(), now(t));
    let req = ConnectRequest {
        timeout: 30_000,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
        ..Default::default()
    };
    let out = s.frame(conn, req.to_bytes(), now(t));
    let replies = sends(&out, conn);
    assert_eq!(replies.len(), 1, "{out:?}");
    ConnectResponse::from_bytes(replies[0].clone()).unwrap()
}

pub(super) fn call(s: &mut Standalone, conn: ConnId, x: i32, req: &Request, t: i64) -> Vec<Output> {
    s.frame(conn, RequestFrame::encode(x, req), now(t))
}

fn header(payload: &Bytes) -> (ReplyHeader, Reader) {
    let mut r = Reader::new(payload.clone());
    let h = ReplyHeader::read(&mut r, "h").unwrap();
    (h, r)
}

pub(super) fn create(path: &str, mode: CreateMode) -> Request {
    Request::Create {
        opcode: OpCode::Create,
        request: CreateRequest {
            path: path.into(),
            data: Some(Bytes::from_static(b"d")),
            acl: Acl::open_unsafe(),
            flags: mode.code(),
        },
    }
}

#[test]
fn a_new_session_is_a_txn_and_gets_timeout_id_and_password() {
    let mut s = server();
    let r = connect(&mut s, 1, 0);
    assert_eq!(r.timeout, 30_000);
    assert_eq!(r.session_id >> 56, 1, "standalone server id 1");
    assert_eq!(r.passwd.len(), 16);
    assert_eq!(r.read_only, Some(false), "the readOnly byte is echoed");
    assert_eq!(s.last_zxid(), 1, "createSession consumes a zxid");
    // Timeouts are clamped to [2, 20] ticks.
    let mut s = server();
    s.open(2, peer(), now(0));
    let req = ConnectRequest {
        timeout: 100,
        passwd: Bytes::from_static(&[0; 16]),
        ..Default::default()
    };
    let out = s.frame(2, req.to_bytes(), now(0));
    let r = ConnectResponse::from_bytes(sends(&out, 2)[0].clone()).unwrap();
    assert_eq!((r.timeout, r.read_only), (4000, None));
}

#[test]
fn writes_reply_with_their_zxid_and_failed_writes_consume_one() {
    let mut s = server();
    connect(&mut s, 1, 0);
    let out = call(&mut s, 1, 1, &create("/a", CreateMode::Persistent), 1);
    let (h, mut r) = header(&sends(&out, 1)[0]);
    assert_eq!((h.xid, h.zxid, h.err), (1, 2, 0));
    assert_eq!(CreateResponse::read(&mut r, "b").unwrap().path, "/a");
    let out = call(&mut s, 1, 2, &create("/a", CreateMode::Persistent), 2);
    let payload = &sends(&out, 1)[0];
    let (h, _) = header(payload);
    assert_eq!((h.zxid, h.err), (3, ErrorCode::NodeExists.code()));
    assert_eq!(payload.len(), 16, "error replies carry no body");
}

#[test]
fn a_watch_event_on_the_writers_connection_precedes_the_reply() {
    let mut s = server();
    connect(&mut s, 1, 0);
    call(&mut s, 1, 1, &create("/w", CreateMode::Persistent), 1);
    let out = call(
        &mut s,
        1,
        2,
        &Request::GetData(GetDataRequest {
            path: "/w".into(),
            watch: true,
        }),
        2,
    );
    assert_eq!(header(&sends(&out, 1)[0]).0.err, 0);
    let set = Request::SetData(SetDataRequest {
        path: "/w".into(),
        data: None,
        version: -1,
    });
    let out = call(&mut s, 1, 3, &set, 3);
    let frames = sends(&out, 1);
    assert_eq!(frames.len(), 2);
    let (h0, mut r0) = header(&frames[0]);
    assert_eq!(h0.xid, xid::NOTIFICATION);
    let ev = WatcherEvent::read(&mut r0, "e").unwrap();
    assert_eq!(
        (ev.event_type, ev.path.as_str()),
        (EventType::NodeDataChanged.code(), "/w")
    );
    assert_eq!(header(&frames[1]).0.xid, 3);
}

#[test]
fn pings_and_unknown_opcodes() {
    let mut s = server();
    connect(&mut s, 1, 0);
    let out = s.frame(
        1,
        RequestHeader {
            xid: xid::PING,
            opcode: OpCode::Ping.code(),
        }
        .to_bytes(),
        now(1),
    );
    let (h, _) = header(&sends(&out, 1)[0]);
    assert_eq!((h.xid, h.zxid, h.err), (-2, 1, 0));
    let out = s.frame(1, RequestHeader { xid: 5, opcode: 10 }.to_bytes(), now(2));
    let (h, _) = header(&sends(&out, 1)[0]);
    assert_eq!(
        (h.xid, h.zxid, h.err),
        (5, -1, ErrorCode::Unimplemented.code())
    );
    assert!(closes(&out, 1), "Unimplemented closes the connection");
}

#[test]
fn clients_may_not_send_the_reapers_delete_container() {
    let mut s = server();
    connect(&mut s, 1, 0);
    call(
        &mut s,
        1,
        1,
        &Request::Create {
            opcode: OpCode::CreateContainer,
            request: CreateRequest {
                path: "/c".into(),
                data: None,
                acl: Acl::open_unsafe(),
                flags: 4,
            },
        },
        1,
    );
    let out = call(
        &mut s,
        1,
        2,
        &Request::DeleteContainer(DeleteContainerRequest { path: "/c".into() }),
        2,
    );
    let (h, _) = header(&sends(&out, 1)[0]);
    assert_eq!((h.zxid, h.err), (-1, ErrorCode::Unimplemented.code()));
    assert!(closes(&out, 1));
    assert!(s.engine().tree().exists("/c"));
}

/// An auth packet for `scheme` with `auth`.
fn auth_frame(scheme: &str, auth: &'static [u8]) -> Bytes {
    let mut body = BytesMut::new();
    RequestHeader {
        xid: xid::AUTH,
        opcode: OpCode::Auth.code(),
    }
    .write(&mut body);
    AuthPacket {
        auth_type: 0,
        scheme: scheme.into(),
        auth: Bytes::from_static(auth),
    }
    .write(&mut body);
    body.freeze()
}

#[test]
fn digest_auth_adds_ids_and_a_bad_scheme_closes() {
    let mut s = server();
    connect(&mut s, 1, 0);
    let out = s.frame(1, auth_frame("digest", b"user:pass"), now(1));
    let (h, _) = header(&sends(&out, 1)[0]);
    assert_eq!((h.xid, h.zxid, h.err), (-4, 0, 0));
    let out = call(&mut s, 1, 1, &Request::WhoAmI, 2);
    let (_, mut r) = header(&sends(&out, 1)[0]);
    let who = WhoAmIResponse::read(&mut r, "b").unwrap();
    assert!(who
        .client_info
        .iter()
        .any(|c| c.auth_scheme == "digest" && c.user == "user"));

    let out = s.frame(1, auth_frame("nosuch", b""), now(3));
    assert_eq!(
        header(&sends(&out, 1)[0]).0.err,
        ErrorCode::AuthFailed.code()
    );
    assert!(closes(&out, 1));
}

#[test]
fn close_session_deletes_ephemerals_fires_watches_then_replies_and_closes() {
    let mut s = server();
    connect(&mut s, 1, 0);
    connect(&mut s, 2, 0);
    call(&mut s, 1, 1, &create("/e", CreateMode::Ephemeral), 1);
    call(
        &mut s,
        2,
        1,
        &Request::Exists(ExistsRequest {
            path: "/e".into(),
            watch: true,
        }),
        1,
    );
    let out = call(&mut s, 1, 2, &Request::CloseSession, 2);
    let watcher = sends(&out, 2);
    assert_eq!(watcher.len(), 1);
    let (_, mut r) = header(&watcher[0]);
    assert_eq!(
        WatcherEvent::read(&mut r, "e").unwrap().event_type,
        EventType::NodeDeleted.code()
    );
    assert_eq!(header(&sends(&out, 1)[0]).0.xid, 2);
    assert!(closes(&out, 1));
    let out = call(
        &mut s,
        2,
        2,
        &Request::Exists(ExistsRequest {
            path: "/e".into(),
            watch: false,
        }),
        3,
    );
    assert_eq!(header(&sends(&out, 2)[0]).0.err, ErrorCode::NoNode.code());
}

#[test]
fn sessions_expire_on_ticks_and_take_their_ephemerals() {
    let mut s = server();
    let r = connect(&mut s, 1, 0);
    call(&mut s, 1, 1, &create("/eph", CreateMode::Ephemeral), 1);
    s.closed(1, now(2));
    // Not yet: the session lives for its timeout after its last touch.
    assert!(s.tick(now(20_000)).is_empty());
    assert!(s.engine().tree().exists("/eph"));
    s.tick(now(34_000));
    assert!(
        !s.engine().tree().exists("/eph"),
        "expiry removes ephemerals"
    );
    // Resuming the expired session: timeout 0, then close.
    s.open(3, peer(), now(35_000));
    let req = ConnectRequest {
        timeout: 30_000,
        session_id: r.session_id,
        passwd: r.passwd,
        ..Default::default()
    };
    let out = s.frame(3, req.to_bytes(), now(35_000));
    let resp = ConnectResponse::from_bytes(sends(&out, 3)[0].clone()).unwrap();
    assert_eq!((resp.timeout, resp.session_id), (0, 0));
    assert!(closes(&out, 3));
}

#[test]
fn resuming_a_session_moves_it_and_closes_the_old_connection() {
    let mut s = server();
    let r = connect(&mut s, 1, 0);
    s.open(2, peer(), now(1));
    let req = ConnectRequest {
        timeout: 30_000,
        last_zxid_seen: 1,
        session_id: r.session_id,
        passwd: r.passwd.clone(),
        ..Default::default()
    };
    let out = s.frame(2, req.to_bytes(), now(1));
    let resp = ConnectResponse::from_bytes(sends(&out, 2)[0].clone()).unwrap();
    assert_eq!(
        (resp.session_id, resp.passwd.clone()),
        (r.session_id, r.passwd.clone())
    );
    assert!(closes(&out, 1), "one connection per session");
    // A wrong password is an expired session to the client.
    s.open(3, peer(), now(2));
    let bad = ConnectRequest {
        timeout: 30_000,
        session_id: r.session_id,
        passwd: Bytes::from_static(&[1; 16]),
        ..Default::default()
    };
    let out = s.frame(3, bad.to_bytes(), now(2));
    assert_eq!(
        ConnectResponse::from_bytes(sends(&out, 3)[0].clone())
            .unwrap()
            .timeout,
        0
    );
}

#[test]
fn a_client_ahead_of_the_server_is_refused_without_a_reply() {
    let mut s = server();
    s.open(1, peer(), now(0));
    let req = ConnectRequest {
        timeout: 30_000,
        last_zxid_seen: 99,
        passwd: Bytes::from_static(&[0; 16]),
        ..Default::default()
    };
    let out = s.frame(1, req.to_bytes(), now(0));
    assert!(sends(&out, 1).is_empty());
    assert!(closes(&out, 1));
}

#[test]
fn four_letter_texts_have_zookeepers_shape() {
    let mut s = server();
    connect(&mut s, 1, 0);
    let info = super::FourLetterInfo {
        version: "3.8.4-rzk".into(),
        ..Default::default()
    };
    let srvr = s.srvr(&info);
    assert!(
        srvr.starts_with("Zookeeper version: 3.8.4-rzk\nLatency min/avg/max: 0/0.0/0\n"),
        "{srvr}"
    );
    assert!(
        srvr.contains("\nZxid: 0x1\nMode: standalone\nNode count: 5\n"),
        "{srvr}"
    );
    let mntr = s.mntr(&info, now(5));
    assert!(mntr.contains("zk_server_state\tstandalone\n"));
    assert!(mntr.contains("zk_znode_count\t5\n"));
    assert!(mntr.contains("zk_global_sessions\t1\n"));
    assert_eq!(
        s.wchs(),
        "0 connections watching 0 paths\nTotal watches:0\n"
    );
}

/// §3.12: with enforceQuota a create past a hard count limit is refused
/// with QuotaExceeded (and consumes a zxid, as every failed write does).
#[test]
fn hard_quotas_are_enforced_when_enabled() {
    let tick = NonZeroU32::new(2000).unwrap();
    let mut cfg = StandaloneConfig::with_tick_time(tick);
    cfg.enforce_quota = true;
    let mut s = Standalone::new(cfg, now(0));
    connect(&mut s, 1, 0);
    let mk = |path: &str, data: &'static [u8]| Request::Create {
        opcode: OpCode::Create,
        request: CreateRequest {
            path: path.into(),
            data: Some(Bytes::from_static(data)),
            acl: Acl::open_unsafe(),
            flags: 0,
        },
    };
    for (i, (p, d)) in [
        ("/q", &b""[..]),
        ("/zookeeper/quota/q", b""),
        (
            "/zookeeper/quota/q/zookeeper_limits",
            b"count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2",
        ),
        ("/zookeeper/quota/q/zookeeper_stats", b"count=0,bytes=0"),
        ("/q/a", b""),
    ]
    .into_iter()
    .enumerate()
    {
        let out = call(&mut s, 1, i as i32 + 1, &mk(p, d), 1);
        assert_eq!(header(&sends(&out, 1)[0]).0.err, 0, "{p}");
    }
    let out = call(&mut s, 1, 9, &mk("/q/b", b""), 2);
    assert_eq!(
        header(&sends(&out, 1)[0]).0.err,
        ErrorCode::QuotaExceeded.code()
    );
}

/// The `received` marks of `out`'s sends to `conn`, in order.
fn received_marks(out: &[Output], conn: ConnId) -> Vec<Option<i64>> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send {
                conn: c, received, ..
            } if *c == conn => Some(*received),
            _ => None,
        })
        .collect()
}

/// Reports every timed reply in `out` as handed over at `t`.
fn hand_over(s: &mut Standalone, out: &[Output], t: i64) {
    for o in out {
        if let Output::Send {
            conn,
            received: Some(r),
            ..
        } = o
        {
            s.replied(*conn, *r, now(t));
        }
    }
}

/// A ConnectRequest for a new session with a 30 s timeout.
fn session_request() -> Bytes {
    ConnectRequest {
        timeout: 30_000,
        passwd: Bytes::from_static(&[0; 16]),
        ..Default::default()
    }
    .to_bytes()
}

#[test]
fn latency_runs_from_a_request_reaching_the_core_to_its_reply_being_handed_over() {
    let mut s = server();
    let info = super::FourLetterInfo::default();
    s.open(1, peer(), now(0));
    // The session's creation is a request like any other (ZooKeeper's
    // "SESS"), handed over 3 ms later (a log sync, say).
    let out = s.frame(1, session_request(), now(10));
    assert_eq!(received_marks(&out, 1), vec![Some(10)]);
    assert!(s.srvr(&info).contains("\nOutstanding: 1\n"));
    hand_over(&mut s, &out, 13);
    assert!(s.srvr(&info).contains("\nOutstanding: 0\n"));

    // A watch armed, then a write on the same connection: the event is not
    // a request's reply, the write's reply is.
    let out = call(
        &mut s,
        1,
        1,
        &Request::GetData(GetDataRequest {
            path: "/".into(),
            watch: true,
        }),
        20,
    );
    hand_over(&mut s, &out, 20);
    let out = call(&mut s, 1, 2, &create("/x", CreateMode::Persistent), 30);
    // The create fires no watch on "/"'s data; a setData does.
    hand_over(&mut s, &out, 38);
    let out = call(
        &mut s,
        1,
        3,
        &Request::SetData(SetDataRequest {
            path: "/".into(),
            data: None,
            version: -1,
        }),
        40,
    );
    assert_eq!(received_marks(&out, 1), vec![None, Some(40)]);
    hand_over(&mut s, &out, 42);

    // Samples 3, 0, 8, 2: min 0, avg 13/4 = 3.25, max 8.
    let srvr = s.srvr(&info);
    assert!(srvr.contains("\nLatency min/avg/max: 0/3.25/8\n"), "{srvr}");
    let mntr = s.mntr(&info, now(50));
    for line in [
        "zk_avg_latency\t3.25\n",
        "zk_min_latency\t0\n",
        "zk_max_latency\t8\n",
        "zk_outstanding_requests\t0\n",
    ] {
        assert!(mntr.contains(line), "{line:?} not in {mntr}");
    }

    // A reply still held counts as outstanding; a clock that went back
    // gives no sample (as in ZooKeeper), but the request is over.
    let out = call(&mut s, 1, 4, &create("/y", CreateMode::Persistent), 60);
    assert!(s
        .mntr(&info, now(60))
        .contains("zk_outstanding_requests\t1\n"));
    hand_over(&mut s, &out, 59);
    let mntr = s.mntr(&info, now(61));
    assert!(mntr.contains("zk_outstanding_requests\t0\n"), "{mntr}");
    assert!(mntr.contains("zk_max_latency\t8\n"), "{mntr}");

    // srst starts the latencies over.
    s.reset_server_stats();
    assert!(s.srvr(&info).contains("\nLatency min/avg/max: 0/0.0/0\n"));
}

#[test]
fn auth_replies_are_not_timed() {
    let mut s = server();
    connect(&mut s, 1, 0);
    let out = s.frame(1, auth_frame("digest", b"user:pass"), now(1));
    assert_eq!(received_marks(&out, 1), vec![None]);
}

#[test]
fn cons_shows_each_connections_last_request_and_latencies_as_zookeeper_does() {
    let mut s = server();
    s.open(1, peer(), now(0));
    let out = s.frame(1, session_request(), now(0));
    hand_over(&mut s, &out, 2);
    let sid = s.conns[&1].session.unwrap();
    let line = |s: &Standalone| s.cons().lines().next().unwrap().to_string();
    assert_eq!(
        line(&s),
        format!(
            " /127.0.0.1:40000[1](queued=0,recved=1,sent=1,sid=0x{sid:x},lop=SESS,\
             est=1700000000000,to=30000,lcxid=0x0,lzxid=0x1,lresp=2,llat=2,minlat=2,\
             avglat=2,maxlat=2)"
        )
    );
    // A getData (xid 7) answered 5 ms after it came, then a ping (whose
    // special xid leaves lcxid alone) handed over at once.
    let get = Request::GetData(GetDataRequest {
        path: "/".into(),
        watch: false,
    });
    let out = call(&mut s, 1, 7, &get, 10);
    assert!(
        line(&s).contains("(queued=1,recved=2,sent=2,"),
        "a reply not yet handed over is queued: {}",
        line(&s)
    );
    hand_over(&mut s, &out, 15);
    let ping = RequestHeader {
        xid: xid::PING,
        opcode: OpCode::Ping.code(),
    };
    let out = s.frame(1, ping.to_bytes(), now(20));
    hand_over(&mut s, &out, 20);
    // Latencies 2, 5, 0: min 0, avg 7 / 3 = 2 (whole ms, rounded down),
    // max 5.
    assert_eq!(
        line(&s),
        format!(
            " /127.0.0.1:40000[1](queued=0,recved=3,sent=3,sid=0x{sid:x},lop=PING,\
             est=1700000000000,to=30000,lcxid=0x7,lzxid=0x1,lresp=20,llat=0,minlat=0,\
             avglat=2,maxlat=5)"
        )
    );
    // stat lists the connection briefly.
    let stat = s.stat(&super::FourLetterInfo::default());
    assert!(
        stat.contains("Clients:\n /127.0.0.1:40000[1](queued=0,recved=3,sent=3)\n\n"),
        "{stat}"
    );
    // crst starts the figures over: no cxid yet, zxid -1, op NA.
    s.reset_connection_stats();
    assert_eq!(
        line(&s),
        format!(
            " /127.0.0.1:40000[1](queued=0,recved=0,sent=0,sid=0x{sid:x},lop=NA,\
             est=1700000000000,to=30000,lzxid=0xffffffffffffffff,lresp=0,llat=0,minlat=0,\
             avglat=0,maxlat=0)"
        )
    );
}
