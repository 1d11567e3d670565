//! The quorum port: arbitrary bytes split into back-to-back QuorumPackets
//! (no length prefix), each body decoded as both a leader and a learner
//! would, and every decoded packet re-encoded and decoded again.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rzk_proto::jute::{Record, DEFAULT_MAX_BUFFER};
use rzk_proto::quorum::{decode_packet_prefix, LearnerInfoData, PacketBody, QuorumPacket, Sender};

#[global_allocator]
static ALLOC: rzk_fuzz::BudgetAlloc = rzk_fuzz::BudgetAlloc;

fuzz_target!(|data: &[u8]| {
    rzk_fuzz::with_budget(data.len(), || {
        let mut rest = Bytes::copy_from_slice(data);
        while let Ok(Some((packet, used))) = decode_packet_prefix(&rest, DEFAULT_MAX_BUFFER) {
            assert!(used > 0 && used <= rest.len());
            rest = rest.slice(used..);
            let again = QuorumPacket::from_bytes(packet.to_bytes());
            assert_eq!(again.as_ref(), Ok(&packet));
            for from in [Sender::Leader, Sender::Learner] {
                if let Ok(body) = PacketBody::decode(&packet, from) {
                    let _ = body.to_packet(packet.zxid, packet.authinfo.clone());
                }
            }
            if let Some(d) = &packet.data {
                let _ = LearnerInfoData::decode(d);
            }
        }
    });
});
