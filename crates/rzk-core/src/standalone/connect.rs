//! The first frame of a connection: a ConnectRequest that creates a session
//! (a createSession txn) or resumes one (password check, then the session
//! moves to this connection).

use bytes::Bytes;
use rzk_proto::client::{ConnectRequest, ConnectResponse};
use rzk_proto::jute::Record;

use super::{Stage, Standalone};
use crate::shell::{ConnId, Now, Output};

impl Standalone {
    pub(super) fn connect(
        &mut self,
        conn: ConnId,
        payload: Bytes,
        now: Now,
        out: &mut Vec<Output>,
    ) {
        let req = match ConnectRequest::from_bytes(payload) {
            Ok(r) => r,
            Err(_) => {
                // ZooKeeper closes a connection whose ConnectRequest does not
                // decode; there is no reply format for it.
                self.close_conn(conn, out);
                return;
            }
        };
        // A client that has seen a later zxid than ours must not move back in
        // time: close without a reply, it will try another server.
        if req.last_zxid_seen > self.last_zxid() {
            self.close_conn(conn, out);
            return;
        }
        let read_only = req.read_only.map(|_| false);
        let response = if req.session_id == 0 {
            let (session, passwd) = self.sessions.create_session(req.timeout, conn, now.mono_ms);
            let zxid = self.next_zxid();
            let txn =
                self.engine
                    .prep_create_session(session.id, 0, zxid, now.wall_ms, session.timeout);
            // createSession changes no node, so it fires no watch.
            let _ = self.commit(txn);
            self.bind(conn, session.id);
            ConnectResponse {
                protocol_version: 0,
                timeout: session.timeout,
                session_id: session.id,
                passwd: Bytes::copy_from_slice(&passwd),
                read_only,
            }
        } else {
            let negotiated = self.sessions.config().negotiate(req.timeout);
            match self.sessions.revalidate(
                req.session_id,
                &req.passwd,
                negotiated,
                conn,
                now.mono_ms,
            ) {
                Some(r) => {
                    // One connection per session: the session's old
                    // connection is closed.
                    if let Some(old) = self.session_conn.get(&r.session_id).copied() {
                        if old != conn {
                            if let Some(c) = self.conns.get_mut(&old) {
                                c.session = None;
                            }
                            self.close_conn(old, out);
                        }
                    }
                    self.bind(conn, r.session_id);
                    ConnectResponse {
                        protocol_version: 0,
                        timeout: r.timeout,
                        session_id: r.session_id,
                        passwd: Bytes::copy_from_slice(&r.passwd),
                        read_only,
                    }
                }
                None => {
                    // Unknown, expired or wrong password: timeout 0 tells the
                    // client its session is gone; then the connection closes.
                    let expired = ConnectResponse::expired(&req);
                    self.send(conn, expired.to_bytes(), out);
                    self.close_conn(conn, out);
                    return;
                }
            }
        };
        self.send(conn, response.to_bytes(), out);
    }

    fn bind(&mut self, conn: ConnId, session: i64) {
        self.session_conn.insert(session, conn);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.session = Some(session);
            c.stage = Stage::Open;
        }
    }
}
