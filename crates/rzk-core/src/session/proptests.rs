//! Property: under any sequence of creates, touches and clock advances, a
//! session never expires before `timeout` ms since its last touch, and is
//! always handed out by `expired` within `timeout + tickTime` ms of it.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Step {
    Create(i32),
    Touch(usize),
    Advance(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1..60_000i32).prop_map(Step::Create),
        any::<usize>().prop_map(Step::Touch),
        (0..7_000i64).prop_map(Step::Advance),
    ]
}

proptest! {
    #[test]
    fn expiry_is_within_timeout_and_one_tick(
        tick in 1u32..5000,
        start in 0i64..1_000_000_000,
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        let cfg = SessionConfig::with_defaults(NonZeroU32::new(tick).unwrap());
        let tick = i64::from(tick);
        let mut t = SessionTracker::new(cfg, 1, start);
        let mut now = start;
        // id → (last touch, timeout) of live sessions.
        let mut live: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for s in steps {
            match s {
                Step::Create(req) => {
                    let (s, _) = t.create_session(req, 1, now);
                    live.insert(s.id, (now, i64::from(s.timeout)));
                }
                Step::Touch(i) if !live.is_empty() => {
                    let id = *live.keys().nth(i % live.len()).unwrap();
                    prop_assert!(t.touch(id, now));
                    live.get_mut(&id).unwrap().0 = now;
                }
                Step::Touch(_) => {}
                Step::Advance(d) => now += d,
            }
            for id in t.expired(now) {
                let (last, timeout) = live.remove(&id).unwrap();
                prop_assert!(now - last > timeout, "{id:x} expired early");
                prop_assert!(t.check_session(id, 1).is_err());
                prop_assert!(!t.touch(id, now));
            }
            for (id, (last, timeout)) in &live {
                prop_assert!(now - last < timeout + tick, "{id:x} overdue");
                let at = t.get(*id).unwrap().expires_at;
                prop_assert!(at > last + timeout && at <= last + timeout + tick);
            }
        }
    }
}
