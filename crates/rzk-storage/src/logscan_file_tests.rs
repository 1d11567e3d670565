use bytes::Bytes;
use rzk_proto::disk::{encode_entry, txn_checksum, FileHeader, TornReason};
use rzk_proto::jute::Record;

use super::*;
use crate::sim_rng::SimRng;
use crate::txnlog_testing::{create, set_data};

/// A log of `n` entries, its entry offsets, then `padding` zeros.
fn log(n: i64, padding: usize) -> (Vec<u8>, Vec<usize>) {
    let mut file = FileHeader::txn_log().to_bytes().to_vec();
    let mut offsets = Vec::new();
    for z in 1..=n {
        offsets.push(file.len());
        encode_entry(&set_data(z, 40, z as u8), &mut file);
    }
    offsets.push(file.len());
    file.resize(file.len() + padding, 0);
    (file, offsets)
}

fn scan(file: &[u8]) -> FileScan {
    scan_file(&Bytes::copy_from_slice(file)).unwrap()
}

#[test]
fn prefix_sums_give_adler32_of_any_slice() {
    let mut rng = SimRng::new(9);
    let mut bytes = vec![0u8; 5000];
    rng.fill(&mut bytes);
    bytes[100..2100].fill(0xff); // the worst case for the sums
    let sums = AdlerSums::new(&bytes);
    for _ in 0..300 {
        let i = rng.index(bytes.len());
        let j = i + rng.index(bytes.len() - i) + 1;
        assert_eq!(
            i64::from(sums.adler32(i, j)),
            txn_checksum(&bytes[i..j]),
            "{i}..{j}"
        );
    }
}

#[test]
fn zeros_after_the_last_entry_are_a_clean_end() {
    let (file, offsets) = log(3, 500);
    let s = scan(&file);
    assert_eq!(s.entries.len(), 3);
    assert_eq!(s.end as usize, offsets[3]);
    assert_eq!(s.tail, Tail::Clean);
    let s = scan(&file[..offsets[3]]);
    assert_eq!((s.entries.len(), s.tail), (3, Tail::Clean));
    // Fewer than 12 zero bytes: the decoder sees a truncated prefix, but
    // zeros are zeros.
    let s = scan(&file[..offsets[3] + 5]);
    assert_eq!((s.entries.len(), s.tail), (3, Tail::Clean));
}

#[test]
fn every_prefix_of_the_last_entry_is_torn_never_corrupt() {
    let (mut file, offsets) = log(3, 0);
    let last = offsets[2];
    let full = file.clone();
    for cut in last + 1..full.len() {
        let s = scan(&full[..cut]);
        assert_eq!(s.entries.len(), 2, "cut {cut}");
        assert_eq!(s.end as usize, last);
        if full[last..cut].iter().all(|&b| b == 0) {
            // Only the zero upper half of the checksum survived: zeros,
            // indistinguishable from preallocation.
            assert_eq!(s.tail, Tail::Clean, "cut {cut}");
        } else {
            assert!(matches!(s.tail, Tail::Torn(_)), "cut {cut}: {:?}", s.tail);
        }
    }
    // The same prefixes followed by zeros (the preallocated space).
    file.resize(full.len() + 100, 0);
    for cut in last + 13..full.len() {
        let mut f = full[..cut].to_vec();
        f.resize(full.len() + 100, 0);
        let s = scan(&f);
        assert!(
            matches!(
                s.tail,
                Tail::Torn(LogDamage::Torn(TornReason::BadEndOfRecord(0)))
            ),
            "cut {cut}: {:?}",
            s.tail
        );
    }
}

#[test]
fn junk_over_the_last_entry_is_torn_even_with_a_checksum_mismatch() {
    let (mut file, offsets) = log(3, 200);
    let eor = offsets[3] - 1;
    // The tail of the last txn replaced by junk, its 0x42 intact: exactly
    // what a torn write whose junk happens to end in 0x42 leaves.
    file[eor - 10..eor].copy_from_slice(b"junkjunkju");
    let s = scan(&file);
    assert_eq!(s.entries.len(), 2);
    assert!(
        matches!(s.tail, Tail::Torn(LogDamage::ChecksumMismatch { .. })),
        "{:?}",
        s.tail
    );
    // Junk in place of the whole last entry: a garbage length.
    let (mut file, offsets) = log(3, 200);
    file[offsets[2]..offsets[2] + 12].copy_from_slice(&[0xAB; 12]);
    let s = scan(&file);
    assert!(
        matches!(s.tail, Tail::Torn(LogDamage::LengthOutOfRange { .. })),
        "{:?}",
        s.tail
    );
}

#[test]
fn damage_followed_by_a_whole_entry_is_corrupt() {
    let (file, offsets) = log(5, 100);
    let at = offsets[2];
    let next = offsets[3] as u64;
    let cases: Vec<(&str, usize, u8)> = vec![
        ("checksum", at + 5, 0x01),
        ("txn byte", at + 30, 0x80),
        ("end-of-record byte", offsets[3] - 1, 0x42),
        ("length high byte", at + 8, 0x40),
    ];
    for (what, offset, mask) in cases {
        let mut f = file.clone();
        f[offset] ^= mask;
        let s = scan(&f);
        assert_eq!(s.entries.len(), 2, "{what}");
        assert_eq!(s.end as usize, at, "{what}");
        match s.tail {
            Tail::Corrupt(_, NotTorn::EntryFollows { offset }) => {
                assert_eq!(offset, next, "{what}")
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // A length zeroed in the middle reads as the end of the log, but the
    // entries after it give it away.
    let mut f = file.clone();
    f[at + 8..at + 12].fill(0);
    let s = scan(&f);
    assert_eq!(
        s.tail,
        Tail::Corrupt(
            LogDamage::ZeroLength,
            NotTorn::EntryFollows { offset: next }
        )
    );
}

#[test]
fn damage_followed_by_more_than_a_torn_write_can_leave_is_corrupt() {
    let (mut file, offsets) = log(2, MAX_TORN_REACH + 100);
    file[offsets[1] + 4] ^= 1; // checksum of the last entry
    let last = file.len() - 1;
    file[last] = 1;
    let s = scan(&file);
    assert_eq!(
        s.tail,
        Tail::Corrupt(
            LogDamage::ChecksumMismatch {
                stored: txn_checksum(&set_data(2, 40, 2)) ^ (1 << 24),
                computed: txn_checksum(&set_data(2, 40, 2)),
            },
            NotTorn::DataFollows {
                until: file.len() as u64
            }
        )
    );
}

#[test]
fn header_damage() {
    let s = scan(b"");
    assert_eq!(s.tail, Tail::Torn(LogDamage::ShortHeader { len: 0 }));
    assert_eq!(s.end, 0);
    let s = scan(b"ZKL");
    assert_eq!(s.tail, Tail::Torn(LogDamage::ShortHeader { len: 3 }));
    let s = scan(&[0; 4096]);
    assert_eq!(s.tail, Tail::Torn(LogDamage::BadMagic { magic: 0 }));
    // A damaged magic before whole entries is corruption.
    let (mut file, offsets) = log(2, 0);
    file[0] = b'X';
    let s = scan(&file);
    assert_eq!(
        s.tail,
        Tail::Corrupt(
            LogDamage::BadMagic {
                magic: i32::from_be_bytes(*b"XKLG")
            },
            NotTorn::EntryFollows {
                offset: offsets[0] as u64
            }
        )
    );
    // A header whose version and dbid are odd is read as ZooKeeper reads
    // it: they are ignored.
    let (mut file, _) = log(2, 0);
    file[7] = 9;
    file[15] = 9;
    assert_eq!(scan(&file).entries.len(), 2);
}

#[test]
fn the_search_after_damage_is_linear_in_the_worst_case() {
    // Bytes that pass every cheap test at many offsets (zero checksum
    // high half, a valid length, 0x42 where the end should be) would make
    // a naive checksum per candidate quadratic. With prefix sums a couple
    // of MiB take well under a second even unoptimised; the point of the
    // test is that it completes at all.
    let mut file = FileHeader::txn_log().to_bytes().to_vec();
    let unit: [u8; 16] = [
        0, 0, 0, 0, 1, 2, 3, 4, 0, 0x10, 0, 0, 0x42, 0x42, 0x42, 0x42,
    ];
    while file.len() < 16 + MAX_TORN_REACH - 64 {
        file.extend_from_slice(&unit);
    }
    let s = scan(&file);
    assert_eq!(s.entries.len(), 0);
    assert!(matches!(s.tail, Tail::Torn(_)), "{:?}", s.tail);
}

#[test]
fn real_txns_round_trip() {
    let mut file = FileHeader::txn_log().to_bytes().to_vec();
    encode_entry(&create(1), &mut file);
    let s = scan(&file);
    assert_eq!(&s.entries[0].txn[..], &create(1)[..]);
}
