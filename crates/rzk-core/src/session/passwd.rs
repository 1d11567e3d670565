//! Session passwords (`PROTOCOL.md` §3.9, `srv/ZooKeeperServer.generatePasswd`).
//!
//! ZooKeeper never stores a password: it recomputes it from the session id
//! with `java.util.Random(sessionId ^ 0xB3415C00).nextBytes(16)`. A session
//! created by a Java server must be resumable on an rzk server of the same
//! ensemble and the reverse, so Java's generator is reproduced bit for bit.

/// The constant ZooKeeper XORs into the session id before seeding
/// (`ZooKeeperServer.superSecret`).
pub const SUPER_SECRET: i64 = 0xB341_5C00;

/// Length of every session password.
pub const PASSWD_LEN: usize = 16;

/// `java.util.Random`: the 48-bit linear congruential generator of the
/// Java platform specification. Only the parts ZooKeeper uses are here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const ADDEND: u64 = 0xB;
    const MASK: u64 = (1 << 48) - 1;

    /// `new Random(seed)`: the seed is scrambled with the multiplier, as
    /// Java's `initialScramble` does.
    pub fn new(seed: i64) -> Self {
        Self {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    /// `next(bits)`: advances the state and returns its top `bits` bits
    /// (1 ≤ bits ≤ 32) as Java's signed int.
    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self
            .seed
            .wrapping_mul(Self::MULTIPLIER)
            .wrapping_add(Self::ADDEND)
            & Self::MASK;
        // Java casts the 48-bit state shifted right to an int: the low 32
        // bits of the shifted value, reinterpreted as signed.
        (self.seed >> (48 - bits)) as u32 as i32
    }

    /// `nextInt()`.
    pub fn next_int(&mut self) -> i32 {
        self.next(32)
    }

    /// `nextBytes(bytes)`: one `nextInt()` per 4 bytes, low byte first;
    /// a trailing partial group still consumes a whole int.
    pub fn next_bytes(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(4) {
            let mut rnd = self.next_int();
            for b in chunk {
                *b = rnd as u8;
                rnd >>= 8;
            }
        }
    }
}

/// The password of a session, as every ZooKeeper server computes it.
pub fn generate_passwd(session_id: i64) -> [u8; PASSWD_LEN] {
    let mut p = [0; PASSWD_LEN];
    JavaRandom::new(session_id ^ SUPER_SECRET).next_bytes(&mut p);
    p
}

/// `checkPasswd`: the id must be non-zero (0 asks for a new session) and
/// the bytes must equal the recomputed password, length included.
pub fn check_passwd(session_id: i64, passwd: &[u8]) -> bool {
    session_id != 0 && passwd == generate_passwd(session_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// §3.9 [V]: a password seen on a live 3.8.0 server.
    #[test]
    fn live_server_vector_3_9() {
        assert_eq!(
            hex(&generate_passwd(0x0100_0008_aeae_0001)),
            "a3e5460a7d8e7d81e314991cc207f1c2"
        );
    }

    /// The golden ConnectResponse was written by ZooKeeper's own classes
    /// with `generatePasswd(0x01000a3bc1d20000)`; the password is the 16
    /// bytes after the 20-byte prefix (version, timeout, id, length).
    #[test]
    fn golden_connect_response_password() {
        let text = include_str!("../../../rzk-proto/tests/golden/client.ConnectResponse.hex");
        // The fixture wraps its hex over several lines.
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        let bytes: Vec<u8> = digits
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect();
        let id = i64::from_be_bytes(bytes[8..16].try_into().unwrap());
        assert_eq!(id, 0x0100_0a3b_c1d2_0000);
        assert_eq!(&bytes[20..36], &generate_passwd(id));
    }

    /// Known outputs of `new java.util.Random(42)` (Java SE spec'd LCG):
    /// nextInt() = -1170105035, 234785527; and a 5-byte nextBytes, which
    /// takes two ints and drops the last three bytes of the second.
    #[test]
    fn java_random_reference_values() {
        let mut r = JavaRandom::new(42);
        assert_eq!(r.next_int(), -1_170_105_035);
        assert_eq!(r.next_int(), 234_785_527);
        let mut r = JavaRandom::new(42);
        let mut five = [0u8; 5];
        r.next_bytes(&mut five);
        let a = (-1_170_105_035_i32).to_le_bytes();
        let b = 234_785_527_i32.to_le_bytes();
        assert_eq!(five, [a[0], a[1], a[2], a[3], b[0]]);
        // The dropped bytes are consumed: the next int is the third one.
        let mut fresh = JavaRandom::new(42);
        fresh.next_int();
        fresh.next_int();
        assert_eq!(r.next_int(), fresh.next_int());
    }

    /// Vectors from `new java.util.Random(id ^ 0xB3415C00L).nextBytes` on
    /// JDK 17 for ids drawn by `new Random(99).nextLong()` (negative ids
    /// included); 10,000 such ids agreed when this was written.
    #[test]
    fn jdk_vectors() {
        let cases = [
            (
                0xb8f2fa7663b66194_u64 as i64,
                "0ac1f77792053c7b250f24230b48b670",
            ),
            (
                0x58e5a47ab5d83747_u64 as i64,
                "98558325a86bbb9d23e585112d3c6a2d",
            ),
            (
                0xd0cfe94864406be5_u64 as i64,
                "e2fd5107e823bf2c2f0576f9b198236b",
            ),
            (
                0xddf660b39801160d_u64 as i64,
                "e3e52925bc3ad8061dd71d6db31878f8",
            ),
        ];
        for (id, want) in cases {
            assert_eq!(hex(&generate_passwd(id)), want, "{id:#x}");
        }
    }

    #[test]
    fn check_passwd_rules() {
        let id = 0x0100_0008_aeae_0001;
        let p = generate_passwd(id);
        assert!(check_passwd(id, &p));
        assert!(!check_passwd(id, &p[..15]), "length matters");
        assert!(!check_passwd(id + 1, &p));
        assert!(!check_passwd(0, &generate_passwd(0)), "id 0 never checks");
        assert!(!check_passwd(id, &[0; 16]));
    }
}
