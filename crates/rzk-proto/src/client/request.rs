//! A request body typed by its opcode: the opcode → record table of
//! `PROTOCOL.md` §2.4, in one place, for both the server (decode) and the
//! client (encode).

use bytes::{BufMut, Bytes, BytesMut};

use super::multi::MultiRequest;
use super::records::*;
use crate::codes::OpCode;
use crate::jute::{DecodeErrorKind, DecodeResult, Jute, Reader, Record};

macro_rules! requests {
    ( $( $(#[$m:meta])* $variant:ident($record:ty) = $op:ident, )* ) => {
        /// The body of a client request, by opcode.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Request {
            /// create (1), create2 (15) or createContainer (19).
            Create {
                /// Which of the three opcodes was used.
                opcode: OpCode,
                /// The request.
                request: CreateRequest,
            },
            /// multi (14): writes only.
            Multi(MultiRequest),
            /// multiRead (22): reads only.
            MultiRead(MultiRequest),
            /// ping (11), no body.
            Ping,
            /// whoAmI (107), no body.
            WhoAmI,
            /// closeSession (-11), no body.
            CloseSession,
            $( $(#[$m])* $variant($record), )*
        }

        impl Request {
            /// The opcode this body is sent with.
            pub fn opcode(&self) -> OpCode {
                match self {
                    Request::Create { opcode, .. } => *opcode,
                    Request::Multi(_) => OpCode::Multi,
                    Request::MultiRead(_) => OpCode::MultiRead,
                    Request::Ping => OpCode::Ping,
                    Request::WhoAmI => OpCode::WhoAmI,
                    Request::CloseSession => OpCode::CloseSession,
                    $( Request::$variant(_) => OpCode::$op, )*
                }
            }

            /// Decodes `body` (everything after the RequestHeader) as the
            /// record of `opcode`. The body must be consumed exactly, except
            /// that ZooKeeper ignores trailing bytes after a body, and so
            /// does this. Opcodes that are not requests (0, 10, -10, -1) are
            /// an `InvalidValue` error.
            pub fn decode(opcode: OpCode, body: Bytes) -> DecodeResult<Self> {
                let mut r = Reader::new(body);
                Ok(match opcode {
                    OpCode::Create | OpCode::Create2 | OpCode::CreateContainer => Request::Create {
                        opcode,
                        request: CreateRequest::read(&mut r, "body")?,
                    },
                    OpCode::Multi => Request::Multi(MultiRequest::read(&mut r, "body")?),
                    OpCode::MultiRead => Request::MultiRead(MultiRequest::read(&mut r, "body")?),
                    OpCode::Ping => Request::Ping,
                    OpCode::WhoAmI => Request::WhoAmI,
                    OpCode::CloseSession => Request::CloseSession,
                    $( OpCode::$op => Request::$variant(<$record>::read(&mut r, "body")?), )*
                    OpCode::Notification | OpCode::CreateSession | OpCode::Error => {
                        r.enter("RequestHeader");
                        return Err(r.error_at("opcode", 0, DecodeErrorKind::InvalidValue {
                            value: opcode.code().into(),
                            expected: "a client request opcode",
                        }));
                    }
                })
            }

            /// Appends the body (without header) to `w`.
            pub fn write_body<B: BufMut>(&self, w: &mut B) {
                match self {
                    Request::Create { request, .. } => request.write(w),
                    Request::Multi(m) | Request::MultiRead(m) => m.write(w),
                    Request::Ping | Request::WhoAmI | Request::CloseSession => {}
                    $( Request::$variant(v) => v.write(w), )*
                }
            }

            /// Length of the body written by [`Self::write_body`].
            pub fn body_len(&self) -> usize {
                match self {
                    Request::Create { request, .. } => request.encoded_len(),
                    Request::Multi(m) | Request::MultiRead(m) => m.encoded_len(),
                    Request::Ping | Request::WhoAmI | Request::CloseSession => 0,
                    $( Request::$variant(v) => v.encoded_len(), )*
                }
            }
        }
    };
}

requests! {
    /// delete (2).
    Delete(DeleteRequest) = Delete,
    /// exists (3).
    Exists(ExistsRequest) = Exists,
    /// getData (4).
    GetData(GetDataRequest) = GetData,
    /// setData (5).
    SetData(SetDataRequest) = SetData,
    /// getACL (6).
    GetAcl(GetAclRequest) = GetAcl,
    /// setACL (7).
    SetAcl(SetAclRequest) = SetAcl,
    /// getChildren (8).
    GetChildren(GetChildrenRequest) = GetChildren,
    /// sync (9).
    Sync(SyncRequest) = Sync,
    /// getChildren2 (12).
    GetChildren2(GetChildren2Request) = GetChildren2,
    /// check (13); meant for use inside multi.
    Check(CheckVersionRequest) = Check,
    /// reconfig (16).
    Reconfig(ReconfigRequest) = Reconfig,
    /// checkWatches (17).
    CheckWatches(CheckWatchesRequest) = CheckWatches,
    /// removeWatches (18).
    RemoveWatches(RemoveWatchesRequest) = RemoveWatches,
    /// deleteContainer (20); server-internal.
    DeleteContainer(DeleteContainerRequest) = DeleteContainer,
    /// createTTL (21).
    CreateTtl(CreateTtlRequest) = CreateTtl,
    /// auth (100, xid -4).
    Auth(AuthPacket) = Auth,
    /// setWatches (101, xid -8).
    SetWatches(SetWatches) = SetWatches,
    /// sasl (102).
    Sasl(GetSaslRequest) = Sasl,
    /// getEphemerals (103).
    GetEphemerals(GetEphemeralsRequest) = GetEphemerals,
    /// getAllChildrenNumber (104).
    GetAllChildrenNumber(GetAllChildrenNumberRequest) = GetAllChildrenNumber,
    /// setWatches2 (105, xid -8).
    SetWatches2(SetWatches2) = SetWatches2,
    /// addWatch (106).
    AddWatch(AddWatchRequest) = AddWatch,
}

/// A client request frame's payload: header and undecoded body.
///
/// Splitting here lets a server answer a request whose opcode it does not
/// know (Unimplemented) or whose body does not decode (MarshallingError)
/// with the right xid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFrame {
    /// The header.
    pub header: RequestHeader,
    /// The body bytes after the header.
    pub body: Bytes,
}

impl RequestFrame {
    /// Splits a frame payload (no length prefix) into header and body.
    pub fn parse(payload: Bytes) -> DecodeResult<Self> {
        let mut r = Reader::new(payload);
        let header = RequestHeader::read(&mut r, "header")?;
        Ok(Self {
            header,
            body: r.read_rest(),
        })
    }

    /// Encodes a request's payload (no length prefix).
    pub fn encode(xid: i32, request: &Request) -> Bytes {
        let header = RequestHeader {
            xid,
            opcode: request.opcode().code(),
        };
        let mut b = BytesMut::with_capacity(header.encoded_len() + request.body_len());
        header.write(&mut b);
        request.write_body(&mut b);
        b.freeze()
    }
}

/// Encodes a reply payload (no length prefix): the header, then the body
/// only when `header.err == 0`, as ZooKeeper's server and client require.
pub fn encode_reply<T: Record>(header: &ReplyHeader, body: Option<&T>) -> Bytes {
    let body = body.filter(|_| header.err == 0);
    let mut b = BytesMut::with_capacity(header.encoded_len() + body.map_or(0, Jute::encoded_len));
    header.write(&mut b);
    if let Some(body) = body {
        body.write(&mut b);
    }
    b.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Acl;

    #[test]
    fn every_request_opcode_decodes_its_own_encoding() {
        let samples = vec![
            Request::Create {
                opcode: OpCode::CreateContainer,
                request: CreateRequest {
                    path: "/c".into(),
                    data: Some(Bytes::from_static(b"x")),
                    acl: Acl::open_unsafe(),
                    flags: 4,
                },
            },
            Request::Ping,
            Request::WhoAmI,
            Request::CloseSession,
            Request::Multi(MultiRequest::default()),
            Request::Delete(DeleteRequest {
                path: "/a".into(),
                version: -1,
            }),
            Request::GetEphemerals(GetEphemeralsRequest { prefix_path: None }),
            Request::AddWatch(AddWatchRequest {
                path: "/".into(),
                mode: 1,
            }),
        ];
        for req in samples {
            let frame = RequestFrame::parse(RequestFrame::encode(7, &req)).unwrap();
            assert_eq!(frame.header.xid, 7);
            let op = OpCode::from_code(frame.header.opcode).unwrap();
            assert_eq!(Request::decode(op, frame.body).unwrap(), req);
        }
    }

    #[test]
    fn non_request_opcodes_are_rejected() {
        let e = Request::decode(OpCode::CreateSession, Bytes::new()).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::InvalidValue { value: -10, .. }),
            "{e}"
        );
    }

    #[test]
    fn error_replies_carry_no_body() {
        let header = ReplyHeader {
            xid: 3,
            zxid: 9,
            err: -101,
        };
        let body = SyncResponse { path: "/x".into() };
        assert_eq!(encode_reply(&header, Some(&body)).len(), 16);
        let ok = ReplyHeader { err: 0, ..header };
        assert_eq!(encode_reply(&ok, Some(&body)).len(), 16 + 6);
    }
}
