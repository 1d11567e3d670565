//! The client protocol (`PROTOCOL.md` §2): the session handshake, request
//! and reply headers, every request and response record, multi, and the
//! opcode → record table.

mod connect;
mod multi;
#[cfg(test)]
mod proptests;
mod records;
mod request;

pub use connect::{ConnectRequest, ConnectResponse};
pub use multi::{MultiOp, MultiRequest, MultiResponse, OpResult};
pub use records::*;
pub use request::{encode_reply, Request, RequestFrame};
