//! Golden checks for the client protocol (§2): data records, every request
//! and response record, multi, and whole frames.

use bytes::{Bytes, BytesMut};
use rzk_proto::client::*;
use rzk_proto::codec::{FrameCodec, Inbound};
use rzk_proto::codes::OpCode;
use rzk_proto::data::{Acl, ClientInfo, Id, Stat, StatPersisted};
use rzk_proto::jute::Record;
use tokio_util::codec::{Decoder, Encoder};

use super::common::{roundtrip, Check};
use super::values::*;

macro_rules! checks {
    ($( $name:literal => |$b:ident| $body:expr ),* $(,)?) => {
        /// Every fixture this module checks.
        pub const CHECKS: &[Check] = &[ $( ($name, |$b: &[u8]| $body) ),* ];
    };
}

fn reconnect_s1(read_only: Option<bool>) -> ConnectRequest {
    ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0x1_0000_000b,
        timeout: 30000,
        session_id: S1,
        passwd: passwd(S1),
        read_only,
    }
}

fn response_s1(read_only: Option<bool>) -> ConnectResponse {
    ConnectResponse {
        protocol_version: 0,
        timeout: 30000,
        session_id: S1,
        passwd: passwd(S1),
        read_only,
    }
}

fn new_session(read_only: bool) -> ConnectRequest {
    ConnectRequest {
        protocol_version: 0,
        last_zxid_seen: 0,
        timeout: 30000,
        session_id: 0,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(read_only),
    }
}

fn acl_read_digest() -> Vec<Acl> {
    vec![Acl::new(1, world()), Acl::new(31, digest())]
}

/// Splits a whole frame with the codec (server side unless `client`),
/// checks it is exactly one frame, and that re-framing the payload gives the
/// bytes back.
fn frame_payload(b: &[u8], server_side: bool) -> Bytes {
    let mut codec = if server_side {
        FrameCodec::default()
    } else {
        FrameCodec::client(rzk_proto::jute::DEFAULT_MAX_BUFFER)
    };
    let mut buf = BytesMut::from(b);
    let Some(Inbound::Frame(payload)) = codec.decode(&mut buf).unwrap() else {
        panic!("not a frame")
    };
    assert!(buf.is_empty(), "{} bytes after the frame", buf.len());
    let mut again = BytesMut::new();
    codec.encode(payload.clone(), &mut again).unwrap();
    assert_eq!(&again[..], b, "re-framed bytes differ");
    payload
}

/// Checks a request frame: header, and the body decoded by its opcode.
fn request_frame(b: &[u8], xid: i32, expected: Request) {
    let payload = frame_payload(b, true);
    let frame = RequestFrame::parse(payload.clone()).unwrap();
    assert_eq!(frame.header.xid, xid);
    let op = OpCode::from_code(frame.header.opcode).unwrap();
    assert_eq!(Request::decode(op, frame.body).unwrap(), expected);
    assert_eq!(RequestFrame::encode(xid, &expected), payload);
}

/// Checks a reply frame: header, then the body (absent on error).
fn reply_frame<T: Record + std::fmt::Debug + PartialEq>(
    b: &[u8],
    header: ReplyHeader,
    body: Option<T>,
) {
    let payload = frame_payload(b, false);
    let mut r = rzk_proto::jute::Reader::new(payload.clone());
    let h = <ReplyHeader as rzk_proto::jute::Jute>::read(&mut r, "header").unwrap();
    assert_eq!(h, header);
    match &body {
        Some(expected) => assert_eq!(&T::from_bytes(r.read_rest()).unwrap(), expected),
        None => assert_eq!(r.remaining(), 0, "error reply carries a body"),
    }
    assert_eq!(encode_reply(&header, body.as_ref()), payload);
}

checks! {
    // §2.5 data records
    "data.Id" => |b| roundtrip(b, &digest()),
    "data.Id.empty" => |b| roundtrip(b, &Id::new("", "")),
    "data.Id.nonascii" => |b| roundtrip(b, &Id::new("world", "é/ü€")),
    "data.Id.supplementary" => |b| {
        // Java writes U+1F600 as a CESU-8 surrogate pair; rzk reads it and
        // writes standard UTF-8 (PROTOCOL.md §1.1), so only decoding is
        // byte-exact here, and the re-encoding is the 4-byte form.
        let id = Id::from_bytes(Bytes::copy_from_slice(b)).unwrap();
        assert_eq!(id, Id::new("x", "a\u{1F600}b"));
        assert_eq!(hex::encode(&b[9..]), "61eda0bdedb88062");
        assert_eq!(&id.to_bytes()[9..], "a\u{1F600}b".as_bytes());
    },
    "data.ACL" => |b| roundtrip(b, &Acl::new(31, world())),
    "data.ACL.ip" => |b| roundtrip(b, &ip_rwcd()[0]),
    "data.Stat" => |b| roundtrip(b, &Stat {
        czxid: 0x1_0000_0002, mzxid: 0x2_0000_000a, ctime: T0, mtime: T0 + 123456,
        version: -1, cversion: 7, aversion: 2, ephemeral_owner: i64::MIN,
        data_length: 1048575, num_children: 2, pzxid: 0x2_0000_0001,
    }),
    "data.Stat.zero" => |b| roundtrip(b, &Stat::default()),
    "data.StatPersisted" => |b| roundtrip(b, &StatPersisted {
        czxid: 0x1_0000_0002, mzxid: 0x2_0000_000a, ctime: T0, mtime: T0 + 123456,
        version: -1, cversion: 7, aversion: 2, ephemeral_owner: S1, pzxid: 0x2_0000_0001,
    }),
    "data.ClientInfo" => |b| roundtrip(b, &ClientInfo { auth_scheme: "digest".into(), user: "user".into() }),

    // §2.2 connect
    "client.ConnectRequest" => |b| roundtrip(b, &reconnect_s1(None)),
    "client.ConnectRequest.readonly" => |b| roundtrip(b, &reconnect_s1(Some(true))),
    "client.ConnectResponse" => |b| roundtrip(b, &response_s1(None)),
    "client.ConnectResponse.readonly" => |b| roundtrip(b, &response_s1(Some(false))),
    "client.ConnectResponse.expired" => |b| {
        roundtrip(b, &ConnectResponse::expired(&new_session(false)));
    },

    // §2.3 headers
    "client.RequestHeader" => |b| roundtrip(b, &RequestHeader { xid: i32::MAX, opcode: 4 }),
    "client.RequestHeader.setWatches" => |b| roundtrip(b, &RequestHeader { xid: -8, opcode: 101 }),
    "client.ReplyHeader" => |b| roundtrip(b, &ReplyHeader { xid: 17, zxid: 0x1_0000_000b, err: 0 }),
    "client.ReplyHeader.unimplemented" => |b| roundtrip(b, &ReplyHeader { xid: 18, zxid: -1, err: -6 }),
    "client.MultiHeader" => |b| roundtrip(b, &MultiHeader { op_type: 5, done: false, err: -1 }),
    "client.MultiHeader.done" => |b| roundtrip(b, &MultiHeader { op_type: -1, done: true, err: -1 }),

    // §2.5 requests and responses
    "client.SetWatches" => |b| roundtrip(b, &SetWatches {
        relative_zxid: 0x1_0000_000b,
        data_watches: strings(&["/app", "/é"]),
        exist_watches: strings(&["/missing"]),
        child_watches: vec![],
    }),
    "client.SetWatches2" => |b| roundtrip(b, &SetWatches2 {
        relative_zxid: 0x1_0000_000b,
        data_watches: strings(&["/app"]),
        exist_watches: vec![],
        child_watches: strings(&["/"]),
        persistent_watches: strings(&["/app/p"]),
        persistent_recursive_watches: strings(&["/app/r", "/é"]),
    }),
    "client.AuthPacket" => |b| roundtrip(b, &AuthPacket { auth_type: 0, scheme: "digest".into(), auth: bytes("user:password") }),
    "client.GetDataRequest" => |b| roundtrip(b, &GetDataRequest { path: "/app".into(), watch: true }),
    "client.SetDataRequest" => |b| roundtrip(b, &SetDataRequest { path: "/é".into(), data: Some(bin()), version: -1 }),
    "client.SetDataRequest.nulldata" => |b| roundtrip(b, &SetDataRequest { path: "/app".into(), data: None, version: 3 }),
    "client.ReconfigRequest" => |b| roundtrip(b, &ReconfigRequest {
        joining_servers: None,
        leaving_servers: None,
        new_members: Some("server.1=127.0.0.1:22888:23888:participant;2181,server.2=127.0.0.1:22889:23889:participant;2182".into()),
        cur_config_id: -1,
    }),
    "client.ReconfigRequest.incremental" => |b| roundtrip(b, &ReconfigRequest {
        joining_servers: Some("server.3=127.0.0.1:22890:23890:observer;2183".into()),
        leaving_servers: Some("1".into()),
        new_members: None,
        cur_config_id: 0x1_0000_0000,
    }),
    "client.SetDataResponse" => |b| roundtrip(b, &SetDataResponse { stat: stat1() }),
    "client.GetSASLRequest" => |b| roundtrip(b, &GetSaslRequest { token: Some(bin()) }),
    "client.SetSASLRequest" => |b| roundtrip(b, &SetSaslRequest { token: Some(bytes("sasl-token")) }),
    "client.SetSASLResponse" => |b| roundtrip(b, &SetSaslResponse { token: Some(Bytes::new()) }),
    "client.CreateRequest" => |b| roundtrip(b, &CreateRequest {
        path: "/app/é".into(), data: Some(bin()),
        acl: vec![Acl::new(31, world()), Acl::new(31, digest())], flags: 3,
    }),
    "client.CreateRequest.nulldata" => |b| roundtrip(b, &CreateRequest { path: "/n".into(), data: None, acl: open(), flags: 0 }),
    "client.CreateRequest.container" => |b| roundtrip(b, &CreateRequest { path: "/c".into(), data: Some(Bytes::new()), acl: open(), flags: 4 }),
    "client.CreateTTLRequest" => |b| roundtrip(b, &CreateTtlRequest {
        path: "/ttl".into(), data: Some(bytes("t")), acl: open(), flags: 6, ttl: 0xff_ffff_ffff,
    }),
    "client.DeleteRequest" => |b| roundtrip(b, &DeleteRequest { path: "/app".into(), version: 0 }),
    "client.GetChildrenRequest" => |b| roundtrip(b, &GetChildrenRequest { path: "/".into(), watch: false }),
    "client.GetAllChildrenNumberRequest" => |b| roundtrip(b, &GetAllChildrenNumberRequest { path: "/app".into() }),
    "client.GetChildren2Request" => |b| roundtrip(b, &GetChildren2Request { path: "/app".into(), watch: true }),
    "client.CheckVersionRequest" => |b| roundtrip(b, &CheckVersionRequest { path: "/app".into(), version: i32::MAX }),
    "client.GetMaxChildrenRequest" => |b| roundtrip(b, &GetMaxChildrenRequest { path: "/app".into() }),
    "client.GetMaxChildrenResponse" => |b| roundtrip(b, &GetMaxChildrenResponse { max: -1 }),
    "client.SetMaxChildrenRequest" => |b| roundtrip(b, &SetMaxChildrenRequest { path: "/app".into(), max: 100 }),
    "client.SyncRequest" => |b| roundtrip(b, &SyncRequest { path: "/app".into() }),
    "client.SyncResponse" => |b| roundtrip(b, &SyncResponse { path: "/app".into() }),
    "client.GetACLRequest" => |b| roundtrip(b, &GetAclRequest { path: "/zookeeper/config".into() }),
    "client.SetACLRequest" => |b| roundtrip(b, &SetAclRequest { path: "/app".into(), acl: acl_read_digest(), version: 0 }),
    "client.SetACLResponse" => |b| roundtrip(b, &SetAclResponse { stat: stat1() }),
    "client.AddWatchRequest" => |b| roundtrip(b, &AddWatchRequest { path: "/app".into(), mode: 1 }),
    "client.WatcherEvent" => |b| roundtrip(b, &WatcherEvent { event_type: 4, state: 3, path: "/é".into() }),
    "client.ErrorResponse" => |b| roundtrip(b, &ErrorResponse { err: 0 }),
    "client.ErrorResponse.nonode" => |b| roundtrip(b, &ErrorResponse { err: -101 }),
    "client.CreateResponse" => |b| roundtrip(b, &CreateResponse { path: "/app/é0000000007".into() }),
    "client.Create2Response" => |b| roundtrip(b, &Create2Response { path: "/app/eph".into(), stat: stat2() }),
    "client.ExistsRequest" => |b| roundtrip(b, &ExistsRequest { path: "/missing".into(), watch: true }),
    "client.ExistsResponse" => |b| roundtrip(b, &ExistsResponse { stat: stat1() }),
    "client.GetDataResponse" => |b| roundtrip(b, &GetDataResponse { data: Some(bytes("world")), stat: stat1() }),
    "client.GetDataResponse.nulldata" => |b| roundtrip(b, &GetDataResponse { data: None, stat: stat2() }),
    "client.GetChildrenResponse" => |b| roundtrip(b, &GetChildrenResponse { children: strings(&["zookeeper", "app", "é"]) }),
    "client.GetChildrenResponse.empty" => |b| roundtrip(b, &GetChildrenResponse { children: vec![] }),
    "client.GetAllChildrenNumberResponse" => |b| roundtrip(b, &GetAllChildrenNumberResponse { total_number: 3 }),
    "client.GetChildren2Response" => |b| roundtrip(b, &GetChildren2Response { children: strings(&["eph", "ttl"]), stat: stat1() }),
    "client.GetACLResponse" => |b| roundtrip(b, &GetAclResponse { acl: acl_read_digest(), stat: stat1() }),
    "client.CheckWatchesRequest" => |b| roundtrip(b, &CheckWatchesRequest { path: "/app".into(), watcher_type: 1 }),
    "client.RemoveWatchesRequest" => |b| roundtrip(b, &RemoveWatchesRequest { path: "/app".into(), watcher_type: 3 }),
    "client.GetEphemeralsRequest" => |b| roundtrip(b, &GetEphemeralsRequest { prefix_path: Some("/app".into()) }),
    "client.GetEphemeralsResponse" => |b| roundtrip(b, &GetEphemeralsResponse { ephemerals: strings(&["/app/eph", "/app/é"]) }),
    "client.WhoAmIResponse" => |b| roundtrip(b, &WhoAmIResponse { client_info: vec![
        ClientInfo { auth_scheme: "ip".into(), user: "127.0.0.1".into() },
        ClientInfo { auth_scheme: "digest".into(), user: "user".into() },
    ] }),
    "client.DeleteContainerRequest" => |b| roundtrip(b, &DeleteContainerRequest { path: "/app/container".into() }),
    "client.DeleteContainerRequest.v38" => |b| {
        // 3.8's ContainerManager hands PrepRequestProcessor the bare UTF-8
        // path with no length prefix. It never crosses a socket (clients have
        // no API for op 20), so rzk has no decoder for it; the fixture pins
        // the fact that it differs from the 3.9 (length-prefixed) form.
        assert_eq!(b, b"/app/container");
        assert_ne!(&DeleteContainerRequest { path: "/app/container".into() }.to_bytes()[..], b);
    },

    // §2.1 whole frames
    "frame.request.create" => |b| request_frame(b, 1, Request::Create {
        opcode: OpCode::Create,
        request: CreateRequest { path: "/app".into(), data: Some(bytes("hello")), acl: open(), flags: 0 },
    }),
    "frame.request.getData" => |b| request_frame(b, 2, Request::GetData(GetDataRequest { path: "/app".into(), watch: true })),
    "frame.ping" => |b| request_frame(b, -2, Request::Ping),
    "frame.connect" => |b| {
        let payload = frame_payload(b, true);
        roundtrip(&payload, &new_session(false));
    },
    "frame.connect.readonly" => |b| {
        let payload = frame_payload(b, true);
        roundtrip(&payload, &new_session(true));
    },
    "frame.connectResponse" => |b| {
        let payload = frame_payload(b, false);
        roundtrip(&payload, &response_s1(Some(false)));
    },
    "frame.reply.getData" => |b| reply_frame(b,
        ReplyHeader { xid: 2, zxid: 0x1_0000_000b, err: 0 },
        Some(GetDataResponse { data: Some(bytes("world")), stat: stat1() })),
    "frame.reply.error" => |b| reply_frame::<GetDataResponse>(b,
        ReplyHeader { xid: 3, zxid: 0x1_0000_000b, err: -101 }, None),
    "frame.reply.ping" => |b| reply_frame::<GetDataResponse>(b,
        ReplyHeader { xid: -2, zxid: 0x1_0000_000b, err: 0 }, None),
    "frame.notification" => |b| reply_frame(b,
        ReplyHeader { xid: -1, zxid: -1, err: 0 },
        Some(WatcherEvent { event_type: 3, state: 3, path: "/app".into() })),

    // §2.6 multi
    "multi.request.write" => |b| roundtrip(b, &MultiRequest { ops: vec![
        MultiOp::Create { opcode: OpCode::Create, request: CreateRequest { path: "/m/a".into(), data: Some(bytes("a")), acl: open(), flags: 0 } },
        MultiOp::Create { opcode: OpCode::Create2, request: CreateRequest { path: "/m/b".into(), data: None, acl: open(), flags: 1 } },
        MultiOp::Create { opcode: OpCode::CreateContainer, request: CreateRequest { path: "/m/c".into(), data: Some(Bytes::new()), acl: open(), flags: 4 } },
        MultiOp::CreateTtl(CreateTtlRequest { path: "/m/t".into(), data: Some(bytes("t")), acl: open(), flags: 5, ttl: 60000 }),
        MultiOp::Delete(DeleteRequest { path: "/m/old".into(), version: -1 }),
        MultiOp::SetData(SetDataRequest { path: "/m".into(), data: Some(bin()), version: 3 }),
        MultiOp::Check(CheckVersionRequest { path: "/m".into(), version: 4 }),
    ] }),
    "multi.request.read" => |b| {
        let m = MultiRequest { ops: vec![
            MultiOp::GetChildren(GetChildrenRequest { path: "/m".into(), watch: false }),
            MultiOp::GetData(GetDataRequest { path: "/é".into(), watch: false }),
        ] };
        assert!(m.is_read());
        roundtrip(b, &m);
    },
    "multi.request.empty" => |b| roundtrip(b, &MultiRequest::default()),
    "multi.response.success" => |b| roundtrip(b, &MultiResponse { results: vec![
        OpResult::Create { path: "/m/a".into() },
        OpResult::Create2 { path: "/m/b".into(), stat: stat2() },
        OpResult::Delete,
        OpResult::Check,
        OpResult::SetData { stat: stat1() },
    ] }),
    "multi.response.failed" => |b| roundtrip(b, &MultiResponse { results: vec![
        OpResult::Error { err: 0 }, OpResult::Error { err: -101 }, OpResult::Error { err: -2 },
    ] }),
    "multi.response.read" => |b| roundtrip(b, &MultiResponse { results: vec![
        OpResult::GetData { data: Some(bin()), stat: stat1() },
        OpResult::GetChildren { children: strings(&["a", "é"]) },
        OpResult::Error { err: -101 },
    ] }),
    "multi.response.empty" => |b| roundtrip(b, &MultiResponse::default()),
}
