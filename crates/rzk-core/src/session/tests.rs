//! The tracker's rules, one test per rule of §2.2/§3.9.

use std::num::NonZeroU32;

use rzk_proto::codes::ErrorCode;

use super::*;

const TICK: u32 = 2000;

fn config() -> SessionConfig {
    SessionConfig::with_defaults(NonZeroU32::new(TICK).unwrap())
}

fn tracker(now: i64) -> SessionTracker {
    SessionTracker::new(config(), STANDALONE_SERVER_ID, now)
}

/// §3.9 [V]: tickTime 2000 gives 4000..40000; 100 → 4000, 10^6 → 40000.
#[test]
fn negotiation_clamps_to_defaults() {
    let c = config();
    assert_eq!(
        (c.min_session_timeout, c.max_session_timeout),
        (4000, 40000)
    );
    assert_eq!(c.negotiate(100), 4000);
    assert_eq!(c.negotiate(1_000_000), 40000);
    assert_eq!(c.negotiate(30000), 30000);
    assert_eq!(c.negotiate(-5), 4000);
    // min > max cannot pass config validation, but must not panic: max wins.
    let odd = SessionConfig {
        min_session_timeout: 9000,
        max_session_timeout: 5000,
        ..c
    };
    assert_eq!(odd.negotiate(1), 5000);
    let huge = SessionConfig::with_defaults(NonZeroU32::new(u32::MAX).unwrap());
    assert_eq!(huge.max_session_timeout, i32::MAX);
}

#[test]
fn create_allocates_consecutive_ids_owns_and_negotiates() {
    let mut t = tracker(0x0004_550b);
    assert_eq!(t.next_session_id(), 0x0100_0004_550b_0000);
    let (a, pa) = t.create_session(100, 7, 0);
    let (b, _) = t.create_session(30000, 8, 0);
    assert_eq!(a.id, 0x0100_0004_550b_0000);
    assert_eq!(b.id, a.id + 1);
    assert_eq!(a.timeout, 4000);
    assert_eq!(b.timeout, 30000);
    assert_eq!(a.owner, Some(7));
    assert_eq!(pa, generate_passwd(a.id));
    // Created at 0 with 4000 ms: bucket ((0 + 4000) / 2000 + 1) × 2000.
    assert_eq!(a.expires_at, 6000);
    assert_eq!(t.global_session_count(), 2);
    assert_eq!(t.local_session_count(), 0);
}

#[test]
fn create_skips_ids_already_loaded_from_a_snapshot() {
    let mut t = tracker(0);
    let first = t.next_session_id();
    t.load_sessions([(first, 5000), (first + 1, 6000)], 0);
    let (s, _) = t.create_session(5000, 1, 0);
    assert_eq!(s.id, first + 2);
    assert_eq!(t.get(first).map(|s| s.owner), Some(None));
}

#[test]
fn touch_moves_bucket_and_closing_sessions_stay_dead() {
    let mut t = tracker(0);
    let (s, _) = t.create_session(4000, 1, 0);
    assert!(t.touch(s.id, 3000));
    assert_eq!(t.get(s.id).map(|s| s.expires_at), Some(8000));
    assert!(t.set_closing(s.id));
    assert!(!t.touch(s.id, 5000), "a closing session is not revived");
    assert_eq!(t.get(s.id).map(|s| s.expires_at), Some(8000));
    assert!(!t.touch(12345, 0), "unknown");
    assert!(!t.set_closing(12345));
    // Re-tracking a closing session (a late createSession txn) does not
    // put it back in a bucket either.
    assert!(!t.track_session(s.id, 4000, 9000));
    assert_eq!(t.get(s.id).map(|s| s.expires_at), Some(8000));
}

#[test]
fn expired_returns_due_sessions_in_order_and_marks_them_closing() {
    let mut t = tracker(0);
    let (a, _) = t.create_session(4000, 1, 0); // 6000
    let (b, _) = t.create_session(8000, 1, 0); // 10000
    let (c, _) = t.create_session(4000, 1, 1000); // 6000
    assert_eq!(t.next_expiration(), Some(6000));
    assert_eq!(t.expired(5999), Vec::<i64>::new());
    assert_eq!(t.expired(6000), [a.id, c.id]);
    assert_eq!(t.check_session(a.id, 1), Err(SessionError::Expired(a.id)));
    assert!(!t.touch(a.id, 6000));
    assert_eq!(t.expired(6000), Vec::<i64>::new(), "handed out once");
    assert_eq!(t.next_expiration(), Some(10000));
    assert!(t.touch(b.id, 9000)); // → 18000
    assert_eq!(t.expired(10000), Vec::<i64>::new());
    // Closing sessions stay tracked until the closeSession txn applies.
    assert_eq!(t.global_session_count(), 3);
    assert!(t.remove_session(a.id).is_some());
    assert!(t.remove_session(a.id).is_none());
    assert!(!t.contains(a.id));
    assert_eq!(t.check_session(a.id, 1), Err(SessionError::Unknown(a.id)));
}

#[test]
fn check_session_binds_the_first_owner_and_reports_moves() {
    let mut t = tracker(0);
    t.track_session(42, 5000, 0);
    assert_eq!(t.check_session(42, 3), Ok(()));
    assert_eq!(t.get(42).and_then(|s| s.owner), Some(3));
    assert_eq!(t.check_session(42, 3), Ok(()));
    assert_eq!(t.check_session(42, 4), Err(SessionError::Moved(42)));
    assert_eq!(t.set_owner(42, 4), Ok(()));
    assert_eq!(t.check_session(42, 3), Err(SessionError::Moved(42)));
    assert_eq!(t.set_owner(43, 4), Err(SessionError::Expired(43)));
    t.set_closing(42);
    assert_eq!(t.set_owner(42, 4), Err(SessionError::Expired(42)));
}

#[test]
fn error_codes_follow_checksession_and_checkglobalsession() {
    assert_eq!(
        SessionError::Unknown(1).code(false),
        ErrorCode::UnknownSession
    );
    assert_eq!(
        SessionError::Unknown(1).code(true),
        ErrorCode::SessionExpired
    );
    assert_eq!(
        SessionError::Expired(1).code(false),
        ErrorCode::SessionExpired
    );
    assert_eq!(SessionError::Moved(1).code(true), ErrorCode::SessionMoved);
}

/// §2.2: a reconnect with the right password touches and re-owns; a wrong
/// password, an unknown or a closing session gets the expired answer.
#[test]
fn revalidate_on_reconnect() {
    let mut t = tracker(0);
    let (s, p) = t.create_session(4000, 1, 0);
    let negotiated = t.config().negotiate(20000);
    let r = t.revalidate(s.id, &p, negotiated, 2, 5000).unwrap();
    assert_eq!(r.session_id, s.id);
    assert_eq!(r.timeout, 20000);
    assert_eq!(r.passwd, p);
    let now = t.get(s.id).unwrap();
    assert_eq!(now.owner, Some(2));
    assert_eq!(now.touch_timeout, 20000);
    assert_eq!(now.timeout, 4000, "the recorded timeout is not rewritten");
    assert_eq!(now.expires_at, 26000);
    assert_eq!(t.check_session(s.id, 1), Err(SessionError::Moved(s.id)));
    // Later touches use the reconnect's timeout.
    assert!(t.touch(s.id, 10000));
    assert_eq!(t.get(s.id).unwrap().expires_at, 32000);

    assert_eq!(t.revalidate(s.id, &[0; 16], 4000, 3, 6000), None);
    assert_eq!(
        t.get(s.id).unwrap().owner,
        Some(2),
        "bad password changes nothing"
    );
    assert_eq!(
        t.revalidate(999, &generate_passwd(999), 4000, 3, 6000),
        None
    );
    t.set_closing(s.id);
    assert_eq!(t.revalidate(s.id, &p, 4000, 3, 6000), None);
}

#[test]
fn snapshot_round_trip_and_listing() {
    let mut t = tracker(0);
    t.load_sessions([(0x30, 4000), (0x10, 4000), (0x20, 10000)], 0);
    assert_eq!(
        t.snapshot_sessions(),
        [(0x10, 4000), (0x20, 10000), (0x30, 4000)]
    );
    assert_eq!(
        t.expiry_buckets(),
        [(6000, vec![0x10, 0x30]), (12000, vec![0x20])]
    );
    assert_eq!(
        t.sessions().map(|s| s.id).collect::<Vec<_>>(),
        [0x10, 0x20, 0x30]
    );
    let dump = t.dump(|ms| format!("T{ms}"));
    assert_eq!(
        dump,
        "Session Sets (2)/(3):\n2 expire at T6000:\n\t0x10\n\t0x30\n1 expire at T12000:\n\t0x20\n"
    );
}
