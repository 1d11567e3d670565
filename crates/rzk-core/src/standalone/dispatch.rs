//! Frames after the ConnectRequest: pings, auth packets, setWatches, reads
//! answered from the tree, and writes turned into txns and applied.

use bytes::Bytes;
use rzk_proto::client::{AuthPacket, ReplyHeader, Request, RequestFrame};
use rzk_proto::codes::{xid, ErrorCode, OpCode};
use rzk_proto::jute::{Jute, Reader, Record};

use super::Standalone;
use crate::request::{Caller, Reply};
use crate::shell::{ConnId, Now, Output};

impl Standalone {
    pub(super) fn request(
        &mut self,
        conn: ConnId,
        payload: Bytes,
        now: Now,
        out: &mut Vec<Output>,
    ) {
        let Ok(frame) = RequestFrame::parse(payload) else {
            // Not even a header: nothing to answer to.
            self.close_conn(conn, out);
            return;
        };
        let xid = frame.header.xid;
        let Some(session) = self.conns.get(&conn).and_then(|c| c.session) else {
            self.close_conn(conn, out);
            return;
        };
        // Every packet, pings included, keeps the session alive.
        self.sessions.touch(session, now.mono_ms);

        let op = match OpCode::from_code(frame.header.opcode) {
            Ok(op) => op,
            Err(_) => {
                // Unknown opcode: Unimplemented with zxid -1, then close.
                let reply = ReplyHeader {
                    xid,
                    zxid: -1,
                    err: ErrorCode::Unimplemented.code(),
                };
                self.send(conn, reply.to_bytes(), out);
                self.close_conn(conn, out);
                return;
            }
        };
        if op == OpCode::Auth {
            self.auth(conn, frame.body, out);
            return;
        }
        let caller_ids = self
            .conns
            .get(&conn)
            .map(|c| c.auth_ids.clone())
            .unwrap_or_default();
        let session_error = self
            .sessions
            .check_session(session, conn)
            .err()
            .map(|e| e.code(true));
        let caller = Caller {
            session,
            auth: &caller_ids,
            session_error,
            global_session_error: None,
        };
        let request = match Request::decode(op, frame.body) {
            Ok(r) => r,
            Err(_) if op.is_write() => {
                // A write that does not decode still becomes an error txn
                // (MarshallingError), consuming a zxid, as in ZooKeeper.
                let zxid = self.next_zxid();
                let txn = self
                    .engine
                    .prep_marshalling_error(&caller, xid, zxid, now.wall_ms);
                let applied = self.commit(txn);
                self.answer(conn, xid, &applied.reply, out);
                return;
            }
            Err(_) => {
                let reply = Reply::error(self.last_zxid(), ErrorCode::MarshallingError);
                self.answer(conn, xid, &reply, out);
                return;
            }
        };
        match &request {
            // The container reaper's own op. Java takes it from clients with
            // no ACL or session check (PROTOCOL.md §3.13); rzk refuses it as
            // an unknown op, so only the server deletes containers.
            Request::DeleteContainer(_) => {
                let reply = ReplyHeader {
                    xid,
                    zxid: -1,
                    err: ErrorCode::Unimplemented.code(),
                };
                self.send(conn, reply.to_bytes(), out);
                self.close_conn(conn, out);
            }
            Request::CloseSession => {
                if caller.session_error.is_some() {
                    let reply = Reply::error(self.last_zxid(), ErrorCode::SessionExpired);
                    self.answer(conn, xid, &reply, out);
                    return;
                }
                let reply = self.close_session(session, xid, now, out);
                self.session_conn.remove(&session);
                // The reply, then the socket closes.
                self.send(conn, reply.encode(xid), out);
                self.close_conn(conn, out);
            }
            r if r.opcode().is_write() => {
                let zxid = self.next_zxid();
                match self.engine.prep_write(&caller, xid, zxid, now.wall_ms, r) {
                    Ok(txn) => {
                        let applied = self.commit(txn);
                        // Events first: a client sees "event, then result".
                        self.notify(applied.notifications, out);
                        self.answer(conn, xid, &applied.reply, out);
                    }
                    Err(rejected) => {
                        let zxid = if rejected.code == ErrorCode::Unimplemented {
                            -1
                        } else {
                            self.last_zxid()
                        };
                        let mut reply = Reply::error(zxid, rejected.code);
                        if rejected.close {
                            reply.disposition = crate::request::Disposition::ReplyThenClose;
                        }
                        self.answer(conn, xid, &reply, out);
                    }
                }
            }
            _ => {
                let outcome = self.engine.read(conn, &caller, &request);
                self.notify(outcome.notifications, out);
                self.answer(conn, xid, &outcome.reply, out);
            }
        }
    }

    /// An auth packet (xid -4): the scheme's provider adds ids to the
    /// connection, or the reply is AuthFailed and the connection closes.
    fn auth(&mut self, conn: ConnId, body: Bytes, out: &mut Vec<Output>) {
        let packet = AuthPacket::read(&mut Reader::new(body), "body");
        let ids = match &packet {
            Ok(p) if p.scheme == "digest" => self.engine.auth_config().digest_authenticate(&p.auth),
            // The ip provider authenticates from the socket, not the data.
            Ok(p) if p.scheme == "ip" => self
                .conns
                .get(&conn)
                .map(|c| vec![rzk_proto::data::Id::new("ip", c.peer.ip().to_string())]),
            _ => None,
        };
        match ids {
            Some(ids) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    for id in ids {
                        if !c.auth_ids.contains(&id) {
                            c.auth_ids.push(id);
                        }
                    }
                }
                let ok = ReplyHeader {
                    xid: xid::AUTH,
                    zxid: 0,
                    err: 0,
                };
                // Auth replies are not requests ZooKeeper times.
                self.push(conn, ok.to_bytes(), None, out);
            }
            None => {
                self.stats.auth_failed += 1;
                let failed = ReplyHeader {
                    xid: xid::AUTH,
                    zxid: 0,
                    err: ErrorCode::AuthFailed.code(),
                };
                self.push(conn, failed.to_bytes(), None, out);
                self.close_conn(conn, out);
            }
        }
    }
}
