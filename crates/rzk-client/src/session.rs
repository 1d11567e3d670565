//! The session task: connects to one server after another, keeps the
//! session alive with pings, pipelines requests and matches replies, routes
//! notifications, and re-establishes auth and watches after a reconnect.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use rzk_proto::client::{
    AuthPacket, ConnectRequest, ConnectResponse, ReplyHeader, Request, RequestFrame, RequestHeader,
    WatcherEvent,
};
use rzk_proto::codec::{FrameCodec, Inbound};
use rzk_proto::codes::{xid, EventType, KeeperState, OpCode};
use rzk_proto::jute::{Jute, Record};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep, sleep_until, timeout};
use tokio_util::codec::Framed;

use crate::clock;
use crate::error::{Error, Result};
use crate::shared::{lock, Reply, SessionInfo, Shared, WatchReg};
use crate::state::{SessionState, WatchedEvent};
use crate::watches::Reregistration;

/// A request from a handle to the session task.
pub(crate) enum Command {
    /// An ordinary request; its reply goes to `reply`.
    Request {
        request: Request,
        watch: Option<WatchReg>,
        reply: oneshot::Sender<Result<Reply>>,
    },
    /// `add_auth`: remembered for reconnects, answered out of band (xid -4).
    Auth {
        scheme: String,
        auth: Bytes,
        reply: oneshot::Sender<Result<()>>,
    },
    /// Close the session (closeSession, then stop).
    Close { reply: oneshot::Sender<Result<()>> },
}

/// Fixed settings of the session task.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub servers: Vec<String>,
    pub session_timeout_ms: i32,
    pub read_only: bool,
    pub max_in_flight: usize,
    pub max_frame: usize,
}

enum Outcome {
    /// The connection failed; the session may live on.
    Lost(String),
    /// The session ended for good (closed by the user, or all handles gone).
    Closed,
    /// The server rejected our credentials and closed the connection.
    AuthFailed,
}

enum Establish {
    Connected(Framed<TcpStream, FrameCodec>, ConnectResponse),
    Expired,
    Failed(String),
}

struct Pending {
    xid: i32,
    watch: Option<WatchReg>,
    reply: PendingReply,
}

enum PendingReply {
    Call(oneshot::Sender<Result<Reply>>),
    Close(oneshot::Sender<Result<()>>),
}

/// Runs the session until it is closed or expires. `ready` learns the
/// outcome of the first connection attempt round.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut rx: mpsc::Receiver<Command>,
    settings: Settings,
    ready: oneshot::Sender<Result<()>>,
) {
    let mut ready = Some(ready);
    let mut next_xid = 1i32;
    let mut round_failures = 0u32;
    let n = settings.servers.len().max(1);
    let mut i = 0usize;
    loop {
        if shared.closing.load(Ordering::Acquire) || (rx.is_closed() && rx.is_empty()) {
            shared.set_state(SessionState::Closed);
            break;
        }
        let addr = &settings.servers[i % n];
        i += 1;
        match establish(&shared, addr, &settings).await {
            Establish::Connected(framed, resp) => {
                round_failures = 0;
                let read_only = resp.read_only == Some(true);
                *lock(&shared.session) = SessionInfo {
                    id: resp.session_id,
                    passwd: resp.passwd.clone(),
                    timeout_ms: resp.timeout,
                };
                shared.set_state(if read_only {
                    SessionState::ConnectedReadOnly
                } else {
                    SessionState::Connected
                });
                if let Some(r) = ready.take() {
                    let _ = r.send(Ok(()));
                }
                let outcome = serve(
                    &shared,
                    framed,
                    &mut rx,
                    &settings,
                    resp.timeout,
                    &mut next_xid,
                )
                .await;
                match outcome {
                    Outcome::Closed => {
                        shared.set_state(SessionState::Closed);
                        break;
                    }
                    Outcome::AuthFailed => {
                        shared.set_state(SessionState::AuthFailed);
                        break;
                    }
                    Outcome::Lost(why) => {
                        tracing::debug!(server = %addr, %why, "connection lost");
                        shared.set_state(SessionState::Disconnected);
                    }
                }
            }
            Establish::Expired => {
                shared.set_state(SessionState::Expired);
                break;
            }
            Establish::Failed(why) => {
                tracing::debug!(server = %addr, %why, "connect failed");
                if i % n == 0 {
                    round_failures += 1;
                    if let Some(r) = ready.take() {
                        let _ = r.send(Err(Error::Connect(why)));
                    }
                    // Back off between full rounds, up to one second.
                    let ms = (round_failures * 50).min(1000);
                    sleep(Duration::from_millis(ms.into())).await;
                }
            }
        }
    }
    finish(&shared, &mut rx);
    if let Some(r) = ready.take() {
        let _ = r.send(Err(shared.ended_error()));
    }
}

/// Fails every queued command with the final error and ends every watch.
fn finish(shared: &Shared, rx: &mut mpsc::Receiver<Command>) {
    rx.close();
    let err = shared.ended_error();
    while let Ok(cmd) = rx.try_recv() {
        match cmd {
            Command::Request { reply, .. } => {
                let _ = reply.send(Err(err.clone()));
            }
            Command::Auth { reply, .. } => {
                let _ = reply.send(Err(err.clone()));
            }
            Command::Close { reply } => {
                let _ = reply.send(Ok(()));
            }
        }
    }
    let state = shared.state.borrow().keeper_state();
    lock(&shared.watches).close_all(state);
}

async fn establish(shared: &Shared, addr: &str, s: &Settings) -> Establish {
    // As the Java client: the connect budget is the session timeout spread
    // over the servers.
    let per_server = Duration::from_millis(
        (u64::try_from(s.session_timeout_ms).unwrap_or(0) / s.servers.len().max(1) as u64).max(500),
    );
    let stream = match timeout(per_server, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Establish::Failed(e.to_string()),
        Err(_) => return Establish::Failed("connect timed out".into()),
    };
    let _ = stream.set_nodelay(true);
    let mut framed = Framed::new(stream, FrameCodec::client(s.max_frame));
    let info = lock(&shared.session).clone();
    let req = ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: shared.last_zxid(),
        timeout: s.session_timeout_ms,
        session_id: info.id,
        passwd: if info.passwd.is_empty() {
            Bytes::from_static(&[0; 16])
        } else {
            info.passwd
        },
        read_only: Some(s.read_only),
    };
    if let Err(e) = framed.send(req.to_bytes()).await {
        return Establish::Failed(e.to_string());
    }
    let resp = match timeout(per_server, framed.next()).await {
        Ok(Some(Ok(Inbound::Frame(p)))) => p,
        Ok(Some(Ok(Inbound::FourLetterWord { .. }))) => {
            return Establish::Failed("unexpected four-letter word".into())
        }
        Ok(Some(Err(e))) => return Establish::Failed(e.to_string()),
        // Closed without a reply: e.g. the server is behind our last zxid.
        Ok(None) => return Establish::Failed("server closed the connection".into()),
        Err(_) => return Establish::Failed("no ConnectResponse in time".into()),
    };
    match ConnectResponse::from_bytes(resp) {
        Ok(r) if r.timeout <= 0 => Establish::Expired,
        Ok(r) => Establish::Connected(framed, r),
        Err(e) => Establish::Failed(format!("bad ConnectResponse: {e}")),
    }
}

fn frame(header: RequestHeader, body: &impl Jute) -> Bytes {
    let mut b = BytesMut::with_capacity(header.encoded_len() + body.encoded_len());
    header.write(&mut b);
    body.write(&mut b);
    b.freeze()
}

/// Serves one established connection until it fails or the session ends.
async fn serve(
    shared: &Shared,
    mut framed: Framed<TcpStream, FrameCodec>,
    rx: &mut mpsc::Receiver<Command>,
    s: &Settings,
    negotiated_ms: i32,
    next_xid: &mut i32,
) -> Outcome {
    let negotiated = Duration::from_millis(u64::try_from(negotiated_ms).unwrap_or(0).max(30));
    // The Java client's cadence: read timeout ⅔ of the session timeout,
    // ping after half of that without sending.
    let read_timeout = negotiated * 2 / 3;
    let ping_after = read_timeout / 2;
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let mut auths: VecDeque<Option<oneshot::Sender<Result<()>>>> = VecDeque::new();

    // Re-establish connection state first, as the Java client does: auth
    // packets, then the watches to re-register.
    let stored: Vec<(String, Bytes)> = lock(&shared.auth).clone();
    for (scheme, auth) in stored {
        let packet = AuthPacket {
            auth_type: 0,
            scheme,
            auth,
        };
        let header = RequestHeader {
            xid: xid::AUTH,
            opcode: OpCode::Auth.code(),
        };
        if let Err(e) = framed.send(frame(header, &packet)).await {
            return Outcome::Lost(e.to_string());
        }
        auths.push_back(None);
    }
    let rereg =
        lock(&shared.watches).reregistration(shared.last_zxid(), &|p: &str| shared.server_path(p));
    if let Some(rereg) = rereg {
        let sent = match rereg {
            Reregistration::V1(sw) => {
                let h = RequestHeader {
                    xid: xid::SET_WATCHES,
                    opcode: OpCode::SetWatches.code(),
                };
                framed.send(frame(h, &sw)).await
            }
            Reregistration::V2(sw) => {
                let h = RequestHeader {
                    xid: xid::SET_WATCHES,
                    opcode: OpCode::SetWatches2.code(),
                };
                framed.send(frame(h, &sw)).await
            }
        };
        if let Err(e) = sent {
            return Outcome::Lost(e.to_string());
        }
    }

    let mut last_recv = clock::now();
    let mut last_send = clock::now();
    let mut closing = false;
    let outcome = loop {
        tokio::select! {
            biased;
            item = framed.next() => {
                last_recv = clock::now();
                let payload = match item {
                    Some(Ok(Inbound::Frame(p))) => p,
                    Some(Ok(Inbound::FourLetterWord { .. })) => break Outcome::Lost("unexpected four-letter word".into()),
                    Some(Err(e)) => break Outcome::Lost(e.to_string()),
                    None if auths.iter().any(Option::is_some) => break Outcome::AuthFailed,
                    None => break Outcome::Lost("server closed the connection".into()),
                };
                match on_frame(shared, payload, &mut pending, &mut auths) {
                    Ok(Some(outcome)) => break outcome,
                    Ok(None) => {}
                    Err(why) => break Outcome::Lost(why),
                }
            }
            _ = sleep_until(last_recv + read_timeout) => {
                break Outcome::Lost(format!("no reply for {read_timeout:?}"));
            }
            cmd = rx.recv(), if !closing && pending.len() < s.max_in_flight => {
                // Everything already queued goes out in one write: a
                // syscall (and a TCP segment) per request would cost both
                // ends more than the requests themselves.
                let mut cmd = cmd;
                let sent = loop {
                    let (bytes, entry) = encode_command(cmd, shared, next_xid, &mut auths, &mut closing);
                    if let Some(p) = entry {
                        pending.push_back(p);
                    }
                    let sent = framed.feed(bytes).await;
                    if sent.is_err() || closing || pending.len() >= s.max_in_flight {
                        break sent;
                    }
                    match rx.try_recv() {
                        Ok(next) => cmd = Some(next),
                        Err(_) => break sent,
                    }
                };
                if let Err(e) = sent.and(framed.flush().await) {
                    break Outcome::Lost(e.to_string());
                }
                last_send = clock::now();
            }
            _ = sleep_until(last_send + ping_after) => {
                let h = RequestHeader { xid: xid::PING, opcode: OpCode::Ping.code() };
                if let Err(e) = framed.send(h.to_bytes()).await {
                    break Outcome::Lost(e.to_string());
                }
                last_send = clock::now();
            }
        }
    };
    // Whatever was sent and not answered has an unknown outcome.
    let err = match outcome {
        Outcome::Lost(_) => Error::ConnectionLoss,
        Outcome::AuthFailed => Error::AuthFailed,
        Outcome::Closed => Error::Closed,
    };
    for p in pending {
        match p.reply {
            PendingReply::Call(tx) => {
                let _ = tx.send(Err(err.clone()));
            }
            PendingReply::Close(tx) => {
                let _ = tx.send(Ok(()));
            }
        }
    }
    for tx in auths.into_iter().flatten() {
        let _ = tx.send(Err(err.clone()));
    }
    outcome
}

/// What a command puts on the wire, and the reply it then waits for;
/// `None` (every handle dropped) and Close end the session.
fn encode_command(
    cmd: Option<Command>,
    shared: &Shared,
    next_xid: &mut i32,
    auths: &mut VecDeque<Option<oneshot::Sender<Result<()>>>>,
    closing: &mut bool,
) -> (Bytes, Option<Pending>) {
    match cmd {
        None => {
            // Every handle was dropped: end the session cleanly.
            *closing = true;
            let (tx, _rx) = oneshot::channel();
            close_frame(next_xid, tx)
        }
        Some(Command::Close { reply }) => {
            *closing = true;
            close_frame(next_xid, reply)
        }
        Some(Command::Auth {
            scheme,
            auth,
            reply,
        }) => {
            lock(&shared.auth).push((scheme.clone(), auth.clone()));
            let h = RequestHeader {
                xid: xid::AUTH,
                opcode: OpCode::Auth.code(),
            };
            let packet = AuthPacket {
                auth_type: 0,
                scheme,
                auth,
            };
            auths.push_back(Some(reply));
            (frame(h, &packet), None)
        }
        Some(Command::Request {
            request,
            watch,
            reply,
        }) => {
            let x = take_xid(next_xid);
            let bytes = RequestFrame::encode(x, &request);
            (
                bytes,
                Some(Pending {
                    xid: x,
                    watch,
                    reply: PendingReply::Call(reply),
                }),
            )
        }
    }
}

fn take_xid(next: &mut i32) -> i32 {
    let x = *next;
    // The Java client wraps from Integer.MAX_VALUE back to 1.
    *next = if x == i32::MAX { 1 } else { x + 1 };
    x
}

fn close_frame(next_xid: &mut i32, reply: oneshot::Sender<Result<()>>) -> (Bytes, Option<Pending>) {
    let x = take_xid(next_xid);
    let h = RequestHeader {
        xid: x,
        opcode: OpCode::CloseSession.code(),
    };
    (
        h.to_bytes(),
        Some(Pending {
            xid: x,
            watch: None,
            reply: PendingReply::Close(reply),
        }),
    )
}

/// Handles one frame from the server. `Err` means the connection must be
/// dropped (a protocol violation); `Ok(Some)` ends the session.
fn on_frame(
    shared: &Shared,
    payload: Bytes,
    pending: &mut VecDeque<Pending>,
    auths: &mut VecDeque<Option<oneshot::Sender<Result<()>>>>,
) -> std::result::Result<Option<Outcome>, String> {
    let mut r = rzk_proto::jute::Reader::new(payload);
    let header = ReplyHeader::read(&mut r, "header").map_err(|e| e.to_string())?;
    match header.xid {
        xid::NOTIFICATION => {
            let ev = WatcherEvent::read(&mut r, "event").map_err(|e| e.to_string())?;
            let event = WatchedEvent {
                event_type: EventType::from_code(ev.event_type).map_err(|e| e.to_string())?,
                state: KeeperState::from_code(ev.state).map_err(|e| e.to_string())?,
                path: shared.client_path(&ev.path),
                zxid: header.zxid,
            };
            lock(&shared.watches).deliver(&event);
        }
        xid::PING | xid::SET_WATCHES => {}
        xid::AUTH => {
            let waiter = auths.pop_front().flatten();
            if header.err != 0 {
                if let Some(tx) = waiter {
                    let _ = tx.send(Err(Error::AuthFailed));
                }
                shared.set_state(SessionState::AuthFailed);
                return Ok(Some(Outcome::AuthFailed));
            }
            if let Some(tx) = waiter {
                let _ = tx.send(Ok(()));
            }
        }
        x => {
            let Some(p) = pending.pop_front() else {
                return Err(format!("reply xid {x} with no request outstanding"));
            };
            if p.xid != x {
                return Err(format!("xid out of order: got {x}, expected {}", p.xid));
            }
            if header.zxid > 0 {
                shared.observe_zxid(header.zxid);
            }
            if let Some(w) = p.watch {
                w.register(header.err, &mut lock(&shared.watches));
            }
            match p.reply {
                PendingReply::Call(tx) => {
                    let _ = tx.send(Ok(Reply {
                        zxid: header.zxid,
                        err: header.err,
                        body: r.read_rest(),
                    }));
                }
                PendingReply::Close(tx) => {
                    let _ = tx.send(Ok(()));
                    return Ok(Some(Outcome::Closed));
                }
            }
        }
    }
    Ok(None)
}
