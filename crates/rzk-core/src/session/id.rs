//! Session ids (`PROTOCOL.md` §3.9, `srv/SessionTrackerImpl.initializeNextSessionId`).
//!
//! An id is `server id` in the top byte, 40 bits of the server's monotonic
//! clock (ms) below it, and a 16-bit counter at the bottom. Because the
//! server id owns the top byte, two members of an ensemble never hand out
//! the same id; because the clock is in the middle, a restarted server
//! starts far from the ids it handed out before.

/// The id `Long.MIN_VALUE` is the container marker in `ephemeralOwner`
/// (`EphemeralType.CONTAINER_EPHEMERAL_OWNER`), so no session may have it.
const RESERVED: i64 = i64::MIN;

/// The server id a standalone ZooKeeper uses for its sessions (seen on a
/// live 3.8.0, §3.9).
pub const STANDALONE_SERVER_ID: i64 = 1;

/// The first session id of a tracker started at `now_ms` on server
/// `server_id`: `((now << 24) >>> 8) | (server_id << 56)`, stepping over
/// `Long.MIN_VALUE`. The shift pair keeps the low 40 bits of the time in
/// bits 16–55; the logical shift (not arithmetic) keeps the sign of the
/// time out of the server-id byte (ZOOKEEPER-1622).
pub fn initial_session_id(now_ms: i64, server_id: i64) -> i64 {
    let time_part = ((now_ms as u64) << 24 >> 8) as i64;
    let id = time_part | server_id.wrapping_shl(56);
    if id == RESERVED {
        id.wrapping_add(1)
    } else {
        id
    }
}

/// The counter behind `createSession`: hands out consecutive ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionIdGenerator {
    next: i64,
}

impl SessionIdGenerator {
    /// A generator whose first id is [`initial_session_id`].
    pub fn new(now_ms: i64, server_id: i64) -> Self {
        Self {
            next: initial_session_id(now_ms, server_id),
        }
    }

    /// The id the next call to [`Self::next_id`] returns.
    pub fn peek(&self) -> i64 {
        self.next
    }

    /// `nextSessionId.getAndIncrement()`. Java checks for the reserved
    /// value only when seeding; we also step over it when counting, which
    /// can only matter after 2^16 sessions from server id 127/255 and
    /// costs nothing.
    pub fn next_id(&mut self) -> i64 {
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        if self.next == RESERVED {
            self.next = self.next.wrapping_add(1);
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §3.9 [V]: a standalone 3.8.0 handed out `0x01000004550b0000`, i.e.
    /// its monotonic clock read 0x04550b ms, which sits in bits 16–55.
    #[test]
    fn layout_matches_a_live_standalone_server() {
        let now = 0x0004_550b;
        assert_eq!(
            initial_session_id(now, STANDALONE_SERVER_ID),
            0x0100_0004_550b_0000
        );
    }

    #[test]
    fn only_the_low_40_bits_of_time_survive() {
        let now = 0x7F12_3456_7890_ABCD_i64;
        assert_eq!(initial_session_id(now, 0), 0x0056_7890_ABCD_0000);
        // A negative time does not smear into the server byte (>>> not >>).
        assert_eq!(initial_session_id(-1, 3), 0x03FF_FFFF_FFFF_0000);
    }

    #[test]
    fn server_id_owns_the_top_byte() {
        assert_eq!(initial_session_id(0, 2) as u64, 0x0200_0000_0000_0000);
        assert_eq!(initial_session_id(0, 254) as u64, 0xFE00_0000_0000_0000);
        // Server 128 at time 0 would be Long.MIN_VALUE: skipped.
        assert_eq!(initial_session_id(0, 128), i64::MIN + 1);
    }

    #[test]
    fn ids_increase_by_one_and_skip_the_container_marker() {
        let mut g = SessionIdGenerator::new(0x0004_550b, 1);
        assert_eq!(g.next_id(), 0x0100_0004_550b_0000);
        assert_eq!(g.next_id(), 0x0100_0004_550b_0001);
        assert_eq!(g.peek(), 0x0100_0004_550b_0002);
        let mut g = SessionIdGenerator { next: i64::MAX };
        assert_eq!(g.next_id(), i64::MAX);
        assert_eq!(g.next_id(), i64::MIN + 1);
    }
}
