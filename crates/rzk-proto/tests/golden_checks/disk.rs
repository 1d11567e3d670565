//! Golden checks for the on-disk formats (PROTOCOL.md §5.6, §6): file
//! headers, a txn log and a snapshot written by ZooKeeper's own
//! `FileTxnLog` and `FileSnap`, and a SNAP body (see `golden.rs`).

use rzk_proto::disk::FileHeader;

use super::common::{roundtrip, Check};

/// Every fixture this module checks.
pub const CHECKS: &[Check] = &[
    ("disk.FileHeader.log", file_header_log),
    ("disk.FileHeader.snap", file_header_snap),
];

fn file_header_log(bytes: &[u8]) {
    roundtrip(bytes, &FileHeader::txn_log());
}

fn file_header_snap(bytes: &[u8]) {
    roundtrip(bytes, &FileHeader::snapshot());
}
