//! The client port as a server sees it: arbitrary bytes through the frame
//! codec, then the first frame as a ConnectRequest and every later frame as
//! a request header and the body of its opcode; and every frame also as the
//! replies a client decodes.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rzk_proto::client::*;
use rzk_proto::codec::{FrameCodec, Inbound};
use rzk_proto::codes::OpCode;
use rzk_proto::jute::{Record, DEFAULT_MAX_BUFFER};
use tokio_util::codec::Decoder;

#[global_allocator]
static ALLOC: rzk_fuzz::BudgetAlloc = rzk_fuzz::BudgetAlloc;

fn replies(payload: &bytes::Bytes) {
    let _ = ReplyHeader::from_bytes(payload.clone());
    let _ = ConnectResponse::from_bytes(payload.clone());
    let _ = GetDataResponse::from_bytes(payload.clone());
    let _ = GetChildren2Response::from_bytes(payload.clone());
    let _ = GetAclResponse::from_bytes(payload.clone());
    let _ = MultiResponse::from_bytes(payload.clone());
    let _ = WhoAmIResponse::from_bytes(payload.clone());
    let _ = WatcherEvent::from_bytes(payload.clone());
    let _ = Create2Response::from_bytes(payload.clone());
}

fuzz_target!(|data: &[u8]| {
    rzk_fuzz::with_budget(data.len(), || {
        let mut codec = FrameCodec::server(DEFAULT_MAX_BUFFER);
        let mut buf = BytesMut::from(data);
        let mut first = true;
        while let Ok(Some(item)) = codec.decode(&mut buf) {
            let Inbound::Frame(payload) = item else { break };
            replies(&payload);
            if first {
                first = false;
                let _ = ConnectRequest::from_bytes(payload);
                continue;
            }
            if let Ok(frame) = RequestFrame::parse(payload) {
                if let Ok(op) = OpCode::from_code(frame.header.opcode) {
                    if let Ok(req) = Request::decode(op, frame.body) {
                        // Whatever decodes must encode back to a decodable body.
                        let again = RequestFrame::parse(RequestFrame::encode(1, &req))
                            .and_then(|f| Request::decode(op, f.body));
                        assert_eq!(again.as_ref(), Ok(&req));
                    }
                }
            }
        }
    });
});
