//! Properties of every client-protocol record: encode→decode is the
//! identity, and decoding arbitrary bytes never panics.

#![allow(non_snake_case)] // the property macro names each value after its type

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::codes::OpCode;
use crate::data::{Acl, ClientInfo, Id, Stat, StatPersisted};
use crate::jute::testing::{assert_roundtrip, assert_total, JuteArbitrary};

macro_rules! record_properties {
    ($($t:ident),* $(,)?) => {
        proptest! {
            #[test]
            fn every_plain_record_roundtrips(
                $( $t in <$t as JuteArbitrary>::strategy(), )*
            ) {
                $( assert_roundtrip(&$t); )*
            }

            #[test]
            fn decoding_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..160)) {
                $( assert_total::<$t>(&bytes); )*
                assert_total::<ConnectRequest>(&bytes);
                assert_total::<ConnectResponse>(&bytes);
                assert_total::<MultiRequest>(&bytes);
                assert_total::<MultiResponse>(&bytes);
                if let Ok(frame) = RequestFrame::parse(Bytes::copy_from_slice(&bytes)) {
                    if let Ok(op) = OpCode::from_code(frame.header.opcode) {
                        let _ = Request::decode(op, frame.body);
                    }
                }
            }
        }
    };
}

// proptest! takes at most 12 strategies per test, so the records are
// checked in groups of that size.
mod group1 {
    use super::*;
    record_properties!(
        Id,
        Acl,
        Stat,
        StatPersisted,
        ClientInfo,
        RequestHeader,
        ReplyHeader,
        SetWatches,
        SetWatches2,
        MultiHeader,
        AuthPacket,
        GetDataRequest,
    );
}
mod group2 {
    use super::*;
    record_properties!(
        SetDataRequest,
        ReconfigRequest,
        SetDataResponse,
        GetSaslRequest,
        SetSaslRequest,
        SetSaslResponse,
        CreateRequest,
        CreateTtlRequest,
        DeleteRequest,
        GetChildrenRequest,
        GetAllChildrenNumberRequest,
        GetChildren2Request,
    );
}
mod group3 {
    use super::*;
    record_properties!(
        CheckVersionRequest,
        GetMaxChildrenRequest,
        GetMaxChildrenResponse,
        SetMaxChildrenRequest,
        SyncRequest,
        SyncResponse,
        GetAclRequest,
        SetAclRequest,
        SetAclResponse,
        AddWatchRequest,
        WatcherEvent,
        ErrorResponse,
    );
}
mod group4 {
    use super::*;
    record_properties!(
        CreateResponse,
        Create2Response,
        ExistsRequest,
        ExistsResponse,
        GetDataResponse,
        GetChildrenResponse,
        GetAllChildrenNumberResponse,
        GetChildren2Response,
        GetAclResponse,
        CheckWatchesRequest,
        RemoveWatchesRequest,
        GetEphemeralsRequest,
    );
}
mod group5 {
    use super::*;
    record_properties!(
        GetEphemeralsResponse,
        WhoAmIResponse,
        DeleteContainerRequest
    );
}

fn connect_request() -> impl Strategy<Value = ConnectRequest> {
    (
        any::<i32>(),
        any::<i64>(),
        any::<i32>(),
        any::<i64>(),
        Bytes::strategy(),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(protocol_version, last_zxid_seen, timeout, session_id, passwd, read_only)| {
                ConnectRequest {
                    protocol_version,
                    last_zxid_seen,
                    timeout,
                    session_id,
                    passwd,
                    read_only,
                }
            },
        )
}

fn connect_response() -> impl Strategy<Value = ConnectResponse> {
    (
        any::<i32>(),
        any::<i32>(),
        any::<i64>(),
        Bytes::strategy(),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(protocol_version, timeout, session_id, passwd, read_only)| ConnectResponse {
                protocol_version,
                timeout,
                session_id,
                passwd,
                read_only,
            },
        )
}

fn write_op() -> impl Strategy<Value = MultiOp> {
    prop_oneof![
        (
            prop_oneof![
                Just(OpCode::Create),
                Just(OpCode::Create2),
                Just(OpCode::CreateContainer)
            ],
            CreateRequest::strategy()
        )
            .prop_map(|(opcode, request)| MultiOp::Create { opcode, request }),
        CreateTtlRequest::strategy().prop_map(MultiOp::CreateTtl),
        DeleteRequest::strategy().prop_map(MultiOp::Delete),
        SetDataRequest::strategy().prop_map(MultiOp::SetData),
        CheckVersionRequest::strategy().prop_map(MultiOp::Check),
    ]
}

fn read_op() -> impl Strategy<Value = MultiOp> {
    prop_oneof![
        GetChildrenRequest::strategy().prop_map(MultiOp::GetChildren),
        GetDataRequest::strategy().prop_map(MultiOp::GetData),
    ]
}

fn op_result() -> impl Strategy<Value = OpResult> {
    prop_oneof![
        String::strategy().prop_map(|path| OpResult::Create { path }),
        (String::strategy(), Stat::strategy())
            .prop_map(|(path, stat)| OpResult::Create2 { path, stat }),
        Just(OpResult::Delete),
        Just(OpResult::Check),
        Stat::strategy().prop_map(|stat| OpResult::SetData { stat }),
        Vec::<String>::strategy().prop_map(|children| OpResult::GetChildren { children }),
        (Option::<Bytes>::strategy(), Stat::strategy())
            .prop_map(|(data, stat)| OpResult::GetData { data, stat }),
        any::<i32>().prop_map(|err| OpResult::Error { err }),
    ]
}

proptest! {
    #[test]
    fn connect_records_roundtrip(req in connect_request(), resp in connect_response()) {
        assert_roundtrip(&req);
        assert_roundtrip(&resp);
    }

    #[test]
    fn multi_records_roundtrip(
        writes in vec(write_op(), 0..5),
        reads in vec(read_op(), 0..5),
        results in vec(op_result(), 0..6),
    ) {
        assert_roundtrip(&MultiRequest { ops: writes });
        let read = MultiRequest { ops: reads };
        prop_assert_eq!(read.is_read(), !read.ops.is_empty());
        assert_roundtrip(&read);
        assert_roundtrip(&MultiResponse { results });
    }

    #[test]
    fn acl_helpers_roundtrip(_x in Just(())) {
        for acl in [Acl::open_unsafe(), Acl::creator_all(), Acl::read_unsafe()] {
            assert_roundtrip(&GetAclResponse { acl, stat: Stat::default() });
        }
        assert_roundtrip(&WhoAmIResponse { client_info: vec![ClientInfo::default()] });
    }
}
