//! Micro-benchmarks of the client port's hot path in rzk-proto: cutting
//! frames out of a read buffer and decoding the requests in them, and
//! encoding requests and replies with their length prefixes. Run with
//! `cargo bench -p rzk-proto --bench frame`.

// criterion_group!/criterion_main! generate undocumented public functions.
#![allow(missing_docs)]
#![allow(clippy::unwrap_used)] // bench code: a panic is the failure report

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rzk_proto::client::{
    encode_reply, CreateRequest, GetDataRequest, GetDataResponse, ReplyHeader, Request,
    RequestFrame,
};
use rzk_proto::codec::{FrameCodec, Inbound};
use rzk_proto::codes::OpCode;
use rzk_proto::data::{Acl, Stat};
use rzk_proto::jute::{Jute, DEFAULT_MAX_BUFFER};
use tokio_util::codec::{Decoder, Encoder};

/// Frames per measured batch: a read buffer as a pipelining client fills it.
const BATCH: usize = 64;

fn create_request(i: usize) -> Request {
    Request::Create {
        opcode: OpCode::Create,
        request: CreateRequest {
            path: format!("/rzk-bench/run-1/s0-{i}"),
            data: Some(Bytes::from(vec![0x5A; 100])),
            acl: Acl::open_unsafe(),
            flags: 0,
        },
    }
}

fn get_data_request(i: usize) -> Request {
    Request::GetData(GetDataRequest {
        path: format!("/rzk-bench/run-1/s0-{i}"),
        watch: false,
    })
}

/// BATCH length-prefixed request frames back to back, as read from a socket.
fn wire(make: fn(usize) -> Request) -> BytesMut {
    let mut codec = FrameCodec::client(DEFAULT_MAX_BUFFER);
    let mut buf = BytesMut::new();
    for i in 0..BATCH {
        let payload = RequestFrame::encode(i as i32 + 1, &make(i));
        codec.encode(payload, &mut buf).unwrap();
    }
    buf
}

fn decode_requests(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame/decode");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, make) in [
        ("create_100B", create_request as fn(usize) -> Request),
        ("get_data", get_data_request),
    ] {
        let input = wire(make);
        g.bench_function(name, |b| {
            b.iter_batched(
                || input.clone(),
                |mut buf| {
                    let mut codec = FrameCodec::server(DEFAULT_MAX_BUFFER);
                    while let Some(Inbound::Frame(payload)) = codec.decode(&mut buf).unwrap() {
                        let frame = RequestFrame::parse(payload).unwrap();
                        let op = OpCode::from_code(frame.header.opcode).unwrap();
                        black_box(Request::decode(op, frame.body).unwrap());
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn encode_requests(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame/encode");
    g.throughput(Throughput::Elements(BATCH as u64));
    let creates: Vec<Request> = (0..BATCH).map(create_request).collect();
    g.bench_function("create_100B", |b| {
        let mut codec = FrameCodec::client(DEFAULT_MAX_BUFFER);
        let mut buf = BytesMut::with_capacity(BATCH * 256);
        b.iter(|| {
            buf.clear();
            for (i, r) in creates.iter().enumerate() {
                codec
                    .encode(RequestFrame::encode(i as i32, r), &mut buf)
                    .unwrap();
            }
            black_box(buf.len())
        })
    });
    let reply = GetDataResponse {
        data: Some(Bytes::from(vec![0x5A; 100])),
        stat: Stat::default(),
    };
    g.bench_function("get_data_reply_100B", |b| {
        let mut codec = FrameCodec::server(DEFAULT_MAX_BUFFER);
        let mut buf = BytesMut::with_capacity(BATCH * 256);
        b.iter(|| {
            buf.clear();
            for xid in 0..BATCH as i32 {
                let header = ReplyHeader {
                    xid,
                    zxid: 42,
                    err: 0,
                };
                codec
                    .encode(encode_reply(&header, Some(&reply)), &mut buf)
                    .unwrap();
            }
            black_box(buf.len())
        })
    });
    g.finish();
}

fn decode_replies(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame/decode");
    g.throughput(Throughput::Elements(BATCH as u64));
    let reply = GetDataResponse {
        data: Some(Bytes::from(vec![0x5A; 100])),
        stat: Stat::default(),
    };
    let mut input = BytesMut::new();
    let mut codec = FrameCodec::server(DEFAULT_MAX_BUFFER);
    for xid in 0..BATCH as i32 {
        let header = ReplyHeader {
            xid,
            zxid: 42,
            err: 0,
        };
        codec
            .encode(encode_reply(&header, Some(&reply)), &mut input)
            .unwrap();
    }
    g.bench_function("get_data_reply_100B", |b| {
        b.iter_batched(
            || input.clone(),
            |mut buf| {
                let mut codec = FrameCodec::client(DEFAULT_MAX_BUFFER);
                while let Some(Inbound::Frame(payload)) = codec.decode(&mut buf).unwrap() {
                    let mut r = rzk_proto::jute::Reader::new(payload);
                    let h = ReplyHeader::read(&mut r, "header").unwrap();
                    let body = GetDataResponse::read(&mut r, "response").unwrap();
                    black_box((h, body));
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, decode_requests, encode_requests, decode_replies);
criterion_main!(benches);
