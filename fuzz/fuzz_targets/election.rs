//! The election port: the connection handshake, then length-framed FLE
//! notifications. Whatever decodes must re-encode to something that decodes
//! to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rzk_proto::quorum::{decode_election_frame, ElectionHandshake, Notification};

#[global_allocator]
static ALLOC: rzk_fuzz::BudgetAlloc = rzk_fuzz::BudgetAlloc;

fuzz_target!(|data: &[u8]| {
    rzk_fuzz::with_budget(data.len(), || {
        let mut rest = data;
        if let Ok((hs, used)) = ElectionHandshake::decode(rest) {
            // Java keeps a handshake whose addresses were all dropped (bars
            // only, or wildcards); that one alone cannot be written again.
            match hs.encode() {
                Ok(encoded) => {
                    let (again, _) =
                        ElectionHandshake::decode(&encoded).expect("re-encoded handshake decodes");
                    assert_eq!(again, hs);
                }
                Err(e) => assert!(
                    matches!(&hs, ElectionHandshake::V1 { addresses, .. } | ElectionHandshake::V2 { addresses, .. } if addresses.is_empty()),
                    "decoded {hs:?} does not re-encode: {e}"
                ),
            }
            rest = &rest[used.min(rest.len())..];
        }
        // Every message also as a bare notification, framed or not.
        if let Ok(n) = Notification::decode(rest) {
            assert_eq!(Notification::decode(&n.encode()).as_ref(), Ok(&n));
        }
        while let Ok(Some((msg, used))) = decode_election_frame(rest) {
            if let Ok(n) = Notification::decode(msg) {
                assert_eq!(Notification::decode(&n.encode()).as_ref(), Ok(&n));
            }
            rest = &rest[used.min(rest.len())..];
            if used == 0 {
                break;
            }
        }
    });
});
