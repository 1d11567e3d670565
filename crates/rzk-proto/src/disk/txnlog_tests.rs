//! Tests of txn-log framing: every way a log can end, every hard error,
//! and round trips.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::disk::header::FILE_HEADER_LEN;
use crate::jute::Record;

/// A log file: header, then one entry per txn, then `padding` zero bytes.
fn log_file(txns: &[&[u8]], padding: usize) -> BytesMut {
    let mut out = BytesMut::new();
    FileHeader::txn_log().write(&mut out);
    for t in txns {
        encode_entry(t, &mut out);
    }
    out.put_bytes(0, padding);
    out
}

fn decode_all(file: impl Into<Bytes>) -> DecodeResult<(Vec<Bytes>, LogEnd)> {
    let f = TxnLogFile::decode(file)?;
    Ok((f.entries.into_iter().map(|e| e.txn).collect(), f.end))
}

const A: &[u8] = b"first txn";
const B: &[u8] = b"second, longer txn bytes";

#[test]
fn entry_layout_is_checksum_buffer_eor() {
    let mut out = BytesMut::new();
    encode_entry(b"abc", &mut out);
    let sum = adler2::adler32_slice(b"abc");
    let mut want = vec![0, 0, 0, 0];
    want.extend_from_slice(&sum.to_be_bytes());
    want.extend_from_slice(&[0, 0, 0, 3, b'a', b'b', b'c', 0x42]);
    assert_eq!(&out[..], &want[..]);
    assert_eq!(out.len(), ENTRY_OVERHEAD + 3);
}

#[test]
fn clean_eof_after_the_last_entry() {
    let file = log_file(&[A, B], 0);
    let len = file.len();
    let (txns, end) = decode_all(file).unwrap();
    assert_eq!(txns, vec![Bytes::from_static(A), Bytes::from_static(B)]);
    assert_eq!(end, LogEnd::Eof { offset: len });
}

#[test]
fn a_header_only_log_has_no_entries() {
    let (txns, end) = decode_all(log_file(&[], 0)).unwrap();
    assert!(txns.is_empty());
    assert_eq!(
        end,
        LogEnd::Eof {
            offset: FILE_HEADER_LEN
        }
    );
}

#[test]
fn zero_padding_ends_the_log_where_it_starts() {
    let file = log_file(&[A], 4096);
    let (txns, end) = decode_all(file).unwrap();
    assert_eq!(txns.len(), 1);
    let offset = FILE_HEADER_LEN + ENTRY_OVERHEAD + A.len();
    assert_eq!(end, LogEnd::Padding { offset });
    // A zero length ends the log whatever the checksum field holds,
    // as in ZooKeeper's reader.
    let mut file = log_file(&[A], 64);
    file[offset] = 0x77;
    assert_eq!(decode_all(file).unwrap().1, LogEnd::Padding { offset });
}

#[test]
fn torn_tail_at_every_byte_of_the_last_entry() {
    let whole = log_file(&[A, B], 0);
    let last = FILE_HEADER_LEN + ENTRY_OVERHEAD + A.len();
    for cut in last..whole.len() {
        let (txns, end) = decode_all(whole.clone().freeze().slice(..cut))
            .unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(txns, vec![Bytes::from_static(A)], "cut at {cut}");
        let into = cut - last;
        let want = match into {
            0 => LogEnd::Eof { offset: last },
            1..=11 => LogEnd::TornTail {
                offset: last,
                reason: TornReason::TruncatedPrefix,
            },
            n if n < 12 + B.len() => LogEnd::TornTail {
                offset: last,
                reason: TornReason::TruncatedTxn,
            },
            _ => LogEnd::TornTail {
                offset: last,
                reason: TornReason::MissingEndOfRecord,
            },
        };
        assert_eq!(end, want, "cut at {cut}");
    }
}

#[test]
fn torn_tail_into_preallocated_zeros_is_an_end_never_an_error() {
    // The realistic crash: the last append reached the disk only in part,
    // and the zeros of the preallocation follow what was written.
    let whole = log_file(&[A, B], 0);
    let last = FILE_HEADER_LEN + ENTRY_OVERHEAD + A.len();
    for cut in last..whole.len() {
        let mut file = BytesMut::from(&whole[..cut]);
        file.put_bytes(0, 256);
        let (txns, end) = decode_all(file).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(txns.len(), 1, "cut at {cut}");
        assert_eq!(end.offset(), last, "cut at {cut}");
        assert!(
            matches!(
                end,
                LogEnd::Padding { .. }
                    | LogEnd::TornTail {
                        reason: TornReason::BadEndOfRecord(0),
                        ..
                    }
            ),
            "cut at {cut}: {end:?}"
        );
    }
}

#[test]
fn a_wrong_end_of_record_byte_is_a_torn_tail() {
    let mut file = log_file(&[A, B], 0);
    let n = file.len();
    file[n - 1] = b'X';
    let last = FILE_HEADER_LEN + ENTRY_OVERHEAD + A.len();
    let (txns, end) = decode_all(file.clone()).unwrap();
    assert_eq!(txns.len(), 1);
    let torn = LogEnd::TornTail {
        offset: last,
        reason: TornReason::BadEndOfRecord(b'X'),
    };
    assert_eq!(end, torn);
    // ZooKeeper checks the EOR byte before the checksum.
    file[last + ENTRY_OVERHEAD] ^= 0xff;
    assert_eq!(decode_all(file).unwrap().1, torn);
}

#[test]
fn checksum_mismatch_is_a_hard_error_at_the_entry() {
    let mut file = log_file(&[A, B], 64);
    let second = FILE_HEADER_LEN + ENTRY_OVERHEAD + A.len();
    file[second + 12] ^= 1;
    let e = decode_all(file).unwrap_err();
    assert_eq!(
        (e.record, e.field, e.offset),
        ("TxnLogEntry", "checksum", second)
    );
    assert!(
        matches!(e.kind, DecodeErrorKind::ChecksumMismatch { .. }),
        "{e}"
    );
}

#[test]
fn checksum_upper_bits_must_be_zero() {
    let mut file = log_file(&[A], 0);
    file[FILE_HEADER_LEN] = 1;
    let e = decode_all(file).unwrap_err();
    assert!(
        matches!(e.kind, DecodeErrorKind::ChecksumMismatch { stored, computed }
            if stored == computed | 1 << 56),
        "{e}"
    );
}

#[test]
fn negative_or_oversized_lengths_are_hard_errors() {
    for len in [-1i32, -2, i32::MIN, (DEFAULT_MAX_BUFFER * 2 + 1) as i32] {
        let mut file = log_file(&[], 0);
        file.put_i64(0);
        file.put_i32(len);
        file.put_bytes(0, 32);
        let e = decode_all(file).unwrap_err();
        assert_eq!(
            (e.field, e.offset),
            ("txn", FILE_HEADER_LEN + 8),
            "len {len}"
        );
        assert!(
            matches!(e.kind, DecodeErrorKind::LengthOutOfRange { len: l, .. } if l == i64::from(len)),
            "{e}"
        );
    }
    // The limit is configurable.
    let e = TxnLogDecoder::with_max_len(log_file(&[B], 0), 4)
        .unwrap()
        .next_entry()
        .unwrap_err();
    assert!(
        matches!(e.kind, DecodeErrorKind::LengthOutOfRange { max: 4, .. }),
        "{e}"
    );
}

#[test]
fn bad_magic_and_short_headers_are_rejected() {
    let mut file = log_file(&[A], 0);
    file[3] = b'N';
    let e = TxnLogDecoder::new(file).unwrap_err();
    assert_eq!((e.record, e.field, e.offset), ("FileHeader", "magic", 0));
    let snap = FileHeader::snapshot().to_bytes();
    assert!(TxnLogDecoder::new(snap).is_err());
    for n in 0..FILE_HEADER_LEN {
        let e = TxnLogDecoder::new(log_file(&[], 0).freeze().slice(..n)).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::Truncated { .. }),
            "{n}: {e}"
        );
    }
}

#[test]
fn version_and_dbid_are_kept_as_read() {
    let header = FileHeader {
        magic: TXNLOG_MAGIC,
        version: 7,
        dbid: 99,
    };
    let mut file = BytesMut::new();
    header.write(&mut file);
    encode_entry(A, &mut file);
    let log = TxnLogFile::decode(file.clone()).unwrap();
    assert_eq!(log.header, header);
    assert_eq!(log.encode(), file.freeze());
}

#[test]
fn the_iterator_stops_after_an_error_or_the_end() {
    let mut file = log_file(&[A, B], 0);
    let second = FILE_HEADER_LEN + ENTRY_OVERHEAD + A.len();
    file[second + 12] ^= 1;
    let mut d = TxnLogDecoder::new(file).unwrap();
    assert_eq!(d.next().unwrap().unwrap().offset, FILE_HEADER_LEN);
    assert!(d.next().unwrap().is_err());
    assert!(d.next().is_none());
    assert_eq!(d.end(), None);

    let mut d = TxnLogDecoder::new(log_file(&[A], 0)).unwrap();
    assert_eq!(d.by_ref().count(), 1);
    assert!(d.next().is_none());
    assert!(matches!(d.end(), Some(LogEnd::Eof { .. })));
}

fn txns() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 1..64), 0..8)
}

proptest! {
    #[test]
    fn entries_and_padding_round_trip(txns in txns(), padding in 0usize..64) {
        let refs: Vec<&[u8]> = txns.iter().map(Vec::as_slice).collect();
        let file = log_file(&refs, padding).freeze();
        let log = TxnLogFile::decode(file.clone()).unwrap();
        let offset = file.len() - padding;
        let want = match padding {
            0 => LogEnd::Eof { offset },
            1..=11 => LogEnd::TornTail { offset, reason: TornReason::TruncatedPrefix },
            _ => LogEnd::Padding { offset },
        };
        prop_assert_eq!(log.end, want);
        let got: Vec<&[u8]> = log.entries.iter().map(|e| &e.txn[..]).collect();
        prop_assert_eq!(&got, &refs);
        for e in &log.entries {
            prop_assert_eq!(e.checksum, txn_checksum(&e.txn));
        }
        prop_assert_eq!(log.encode(), file.slice(..offset));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = TxnLogFile::decode(bytes.clone());
        let mut file = log_file(&[], 0);
        file.extend_from_slice(&bytes);
        if let Ok(log) = TxnLogFile::decode(file.clone()) {
            prop_assert!(log.end.offset() <= file.len());
            prop_assert_eq!(log.encode(), file.freeze().slice(..log.end.offset()));
        }
    }

    #[test]
    fn corrupting_one_byte_never_yields_a_different_entry(
        txns in txns(), at in any::<prop::sample::Index>(), flip in 1u8..=255,
    ) {
        let refs: Vec<&[u8]> = txns.iter().map(Vec::as_slice).collect();
        let mut file = log_file(&refs, 0);
        if file.len() > FILE_HEADER_LEN {
            let at = FILE_HEADER_LEN + at.index(file.len() - FILE_HEADER_LEN);
            file[at] ^= flip;
        }
        // Whatever is decoded is a prefix of what was written.
        let mut d = TxnLogDecoder::new(file).unwrap();
        for (i, e) in d.by_ref().map_while(Result::ok).enumerate() {
            prop_assert_eq!(&e.txn[..], refs[i]);
        }
    }
}
