//! The client's only reads of time and entropy. Protocol code elsewhere gets
//! both as inputs; the client is a runtime shell, and this is its one door.

/// The current instant on tokio's clock (paused in tests with `test-util`).
#[allow(clippy::disallowed_methods)] // the client's single clock read
pub fn now() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// A seed for shuffling the server list when the caller gave none.
#[allow(clippy::disallowed_methods)] // the client's single entropy read
pub fn default_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    t ^ (u64::from(std::process::id()) << 32)
}

/// A random (version 4) UUID in canonical text form, for the protected-mode
/// names recipes give their nodes (`_c_<uuid>-lock-…`, as Curator does).
/// Uniqueness, not secrecy, is what matters: std's per-process random hash
/// keys, the clock and a counter are mixed so two calls never collide.
#[allow(clippy::disallowed_methods)] // the client's entropy door, as default_seed
pub fn random_uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let state = std::collections::hash_map::RandomState::new();
    let half = |salt: u64| {
        let mut h = state.build_hasher();
        h.write_u64(default_seed());
        h.write_u64(n);
        h.write_u64(salt);
        h.finish()
    };
    let hi = (half(1) & !0xF000) | 0x4000; // version 4
    let lo = (half(2) & !(0xC << 60)) | (0x8 << 60); // RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Fisher–Yates shuffle with a xorshift64* generator: enough to spread
/// clients over servers; not for secrets.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut s = seed | 1;
    for i in (1..items.len()).rev() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        let r = s.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let j = (r % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let mut a: Vec<u32> = (0..10).collect();
        let mut b = a.clone();
        super::shuffle(&mut a, 42);
        super::shuffle(&mut b, 42);
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn uuids_are_canonical_and_distinct() {
        let a = super::random_uuid();
        let b = super::random_uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let dashes: Vec<usize> = a.match_indices('-').map(|(i, _)| i).collect();
        assert_eq!(dashes, vec![8, 13, 18, 23]);
        assert_eq!(&a[14..15], "4");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }
}
