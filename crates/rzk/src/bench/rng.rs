//! A seeded generator for the drivers' choices (which op, which key, value
//! bytes). SplitMix64: fast, good enough to spread a load, reproducible
//! from `--seed`; not for secrets.

/// A SplitMix64 generator. The same seed gives the same sequence.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for one stream of a run (a session), independent of the
    /// other streams of the same seed.
    pub fn stream(seed: u64, stream: u64) -> Self {
        Self::new(mix64(
            seed ^ mix64(stream.wrapping_add(0x9E37_79B9_7F4A_7C15)),
        ))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// A number in `0..n` (`n` > 0), by Lemire's multiply-shift; the bias
    /// is below 2^-32 for any `n` a benchmark uses.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// SplitMix64's finaliser: a bijective mix of 64 bits, also used to hash
/// key ids onto tree directories.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::stream(7, 0);
        let mut y = Rng::stream(7, 1);
        let xs: Vec<u64> = (0..4).map(|_| x.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| y.next_u64()).collect();
        assert_ne!(xs, ys);
        let mut x2 = Rng::stream(7, 0);
        assert_eq!(xs, (0..4).map(|_| x2.next_u64()).collect::<Vec<_>>());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(1);
        let mut seen = [0u32; 10];
        for _ in 0..10_000 {
            let v = r.below(10);
            assert!(v < 10);
            seen[v as usize] += 1;
        }
        // Each bucket expects 1000; a uniform generator stays well inside.
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
    }

    #[test]
    fn bytes_has_the_asked_length() {
        let mut r = Rng::new(3);
        assert_eq!(r.bytes(0).len(), 0);
        assert_eq!(r.bytes(13).len(), 13);
        assert_eq!(r.bytes(4096).len(), 4096);
    }
}
