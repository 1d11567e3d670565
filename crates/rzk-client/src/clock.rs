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
}
