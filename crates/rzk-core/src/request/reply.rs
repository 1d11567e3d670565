//! What the pipeline answers: an error code, a typed response body and
//! what to do with the connection afterwards.

use bytes::Bytes;
use rzk_proto::client::{
    encode_reply, Create2Response, CreateResponse, ErrorResponse, ExistsResponse, GetAclResponse,
    GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse, GetDataResponse,
    GetEphemeralsResponse, MultiResponse, ReplyHeader, SetAclResponse, SetDataResponse,
    SyncResponse, WhoAmIResponse,
};
use rzk_proto::codes::ErrorCode;

/// A response body, by the record the opcode answers with (`PROTOCOL.md`
/// §2.4). Sent only when the reply's `err` is 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// No body: delete, closeSession, createSession, check, setWatches,
    /// checkWatches, removeWatches, ping, and every error.
    Empty,
    /// create (1).
    Create(CreateResponse),
    /// create2 (15), createContainer (19), createTTL (21).
    Create2(Create2Response),
    /// setData (5).
    SetData(SetDataResponse),
    /// setACL (7).
    SetAcl(SetAclResponse),
    /// exists (3).
    Exists(ExistsResponse),
    /// getData (4), and reconfig (16): the new config and its Stat.
    GetData(GetDataResponse),
    /// getACL (6).
    GetAcl(GetAclResponse),
    /// getChildren (8).
    GetChildren(GetChildrenResponse),
    /// getChildren2 (12).
    GetChildren2(GetChildren2Response),
    /// sync (9): echoes the path.
    Sync(SyncResponse),
    /// multi (14) and multiRead (22).
    Multi(MultiResponse),
    /// getAllChildrenNumber (104).
    AllChildrenNumber(GetAllChildrenNumberResponse),
    /// getEphemerals (103).
    Ephemerals(GetEphemeralsResponse),
    /// whoAmI (107).
    WhoAmI(WhoAmIResponse),
    /// addWatch (106): a 4-byte `ErrorResponse(0)`.
    AddWatch(ErrorResponse),
    /// sasl (102): the server's token.
    Sasl(rzk_proto::client::SetSaslResponse),
}

/// What happens to the connection once the reply is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Send the reply; keep the connection.
    Reply,
    /// Send the reply, then close (closeSession, Unimplemented).
    ReplyThenClose,
    /// Close without replying (SessionMoved, §3.9).
    CloseWithoutReply,
}

/// A reply: `ReplyHeader{xid, zxid, err}` plus body, and the connection's
/// fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The header's zxid: the last applied zxid.
    pub zxid: i64,
    /// The error code (0 for success; a failed multi is 0 too).
    pub err: i32,
    /// The body; ignored unless `err` is 0.
    pub response: Response,
    /// What to do with the connection.
    pub disposition: Disposition,
}

impl Reply {
    /// A successful reply.
    pub fn ok(zxid: i64, response: Response) -> Self {
        Self {
            zxid,
            err: 0,
            response,
            disposition: Disposition::Reply,
        }
    }

    /// An error reply with no body; SessionMoved closes without a reply.
    pub fn error(zxid: i64, code: ErrorCode) -> Self {
        let disposition = if code == ErrorCode::SessionMoved {
            Disposition::CloseWithoutReply
        } else {
            Disposition::Reply
        };
        Self {
            zxid,
            err: code.code(),
            response: Response::Empty,
            disposition,
        }
    }

    /// The reply frame payload (no length prefix) for request `xid`: the
    /// header, and the body only when `err` is 0.
    pub fn encode(&self, xid: i32) -> Bytes {
        let h = ReplyHeader {
            xid,
            zxid: self.zxid,
            err: self.err,
        };
        match &self.response {
            Response::Empty => encode_reply::<ErrorResponse>(&h, None),
            Response::Create(r) => encode_reply(&h, Some(r)),
            Response::Create2(r) => encode_reply(&h, Some(r)),
            Response::SetData(r) => encode_reply(&h, Some(r)),
            Response::SetAcl(r) => encode_reply(&h, Some(r)),
            Response::Exists(r) => encode_reply(&h, Some(r)),
            Response::GetData(r) => encode_reply(&h, Some(r)),
            Response::GetAcl(r) => encode_reply(&h, Some(r)),
            Response::GetChildren(r) => encode_reply(&h, Some(r)),
            Response::GetChildren2(r) => encode_reply(&h, Some(r)),
            Response::Sync(r) => encode_reply(&h, Some(r)),
            Response::Multi(r) => encode_reply(&h, Some(r)),
            Response::AllChildrenNumber(r) => encode_reply(&h, Some(r)),
            Response::Ephemerals(r) => encode_reply(&h, Some(r)),
            Response::WhoAmI(r) => encode_reply(&h, Some(r)),
            Response::AddWatch(r) => encode_reply(&h, Some(r)),
            Response::Sasl(r) => encode_reply(&h, Some(r)),
        }
    }
}
