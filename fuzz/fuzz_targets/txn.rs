//! Transactions as logged and proposed (TxnEntry), and the files that hold
//! them: the txn log, snapshots and the SNAP body.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rzk_proto::disk::{SnapBody, Snapshot, TxnLogDecoder};
use rzk_proto::jute::Record;
use rzk_proto::txn::TxnEntry;

#[global_allocator]
static ALLOC: rzk_fuzz::BudgetAlloc = rzk_fuzz::BudgetAlloc;

fuzz_target!(|data: &[u8]| {
    rzk_fuzz::with_budget(data.len(), || {
        let bytes = Bytes::copy_from_slice(data);
        if let Ok(entry) = TxnEntry::from_bytes(bytes.clone()) {
            // Not byte identity: a boolean byte other than 0/1 reads as
            // true (as in Java) and is written back as 1.
            assert_eq!(TxnEntry::from_bytes(entry.to_bytes()).as_ref(), Ok(&entry));
        }
        if let Ok(mut log) = TxnLogDecoder::new(bytes.clone()) {
            while let Ok(Some(e)) = log.next_entry() {
                let _ = TxnEntry::from_bytes(e.txn);
            }
            let _ = log.end();
        }
        if let Ok(snap) = Snapshot::decode(bytes.clone()) {
            assert_eq!(Snapshot::decode(snap.encode()).as_ref(), Ok(&snap));
        }
        if let Ok(body) = SnapBody::from_bytes(bytes) {
            assert_eq!(SnapBody::from_bytes(body.to_bytes()).as_ref(), Ok(&body));
        }
    });
});
