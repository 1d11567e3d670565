//! The seeded generator behind [`crate::sim::SimDisk::crash`] and the
//! simulated-crash tests.
//!
//! SplitMix64, written out here rather than taken from `rand`, so that a
//! seed printed by a failing test reproduces the same run with any future
//! version of any dependency: the sequence is fixed by this file alone.

/// A deterministic pseudo-random sequence fixed by its seed.
#[derive(Debug, Clone)]
pub(crate) struct SimRng(u64);

impl SimRng {
    /// The sequence for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0), without modulo bias worth
    /// mentioning (Lemire's multiply-shift).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// [`SimRng::below`] for lengths and indexes.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        // usize fits in u64 on every supported target, and the result is
        // below `n`, so both conversions are lossless.
        self.below(n as u64) as usize
    }

    /// True with probability `num / den`.
    pub(crate) fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// Fills `buf` with random bytes.
    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bits = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bits[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_fixed_by_the_seed() {
        // SplitMix64's published first outputs for seed 0: any change to
        // this file that alters them would make old failure seeds useless.
        let mut r = SimRng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let a: Vec<u64> = (0..5).map(|_| SimRng::new(7).below(100)).collect();
        assert!(a.iter().all(|&x| x == a[0]));
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SimRng::new(42);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let x = r.index(7);
            seen[x] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(r.below(0), 0);
        let mut buf = [0u8; 13];
        r.fill(&mut buf);
        assert!(buf.iter().any(|&b| b != 0));
    }
}
