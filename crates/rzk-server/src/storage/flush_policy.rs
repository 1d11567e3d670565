//! When the txn log thread syncs: ZooKeeper's `SyncRequestProcessor`
//! rules, with its three knobs (`flushDelay`, `maxWriteQueuePollTime`,
//! `maxBatchSize`; ZooKeeper 3.6 and later).
//!
//! By default a sync starts as soon as no more txns are queued, or once
//! 1000 wait. With a flush delay, txns are gathered until that long after
//! the previous sync (or until the queue has been quiet for the poll time),
//! so that on a busy server one sync covers more of them: fewer, larger
//! syncs for some extra latency, which is the trade ZooKeeper's admin guide
//! offers ensembles with high write rates.
//!
//! Pure: times are passed in (milliseconds on a monotonic clock), so the
//! rules are tested without waiting.

/// The rules for when queued txns are synced.
///
/// Guarantees: with no delay and no cap, txns are synced as soon as the
/// queue is empty; a cap of N never lets more than N txns wait for one
/// sync; a delay never holds a txn longer than the delay past the previous
/// sync (plus the time to append what came meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    /// `flushDelay`: the least time between two syncs, in ms, while txns
    /// keep coming (0: none).
    pub delay_ms: u64,
    /// `maxWriteQueuePollTime`: with a delay, how long the queue may stay
    /// quiet before what is gathered is synced anyway, in ms.
    pub max_poll_ms: u64,
    /// `maxBatchSize`: txns gathered before a sync is forced (0: no cap).
    pub max_batch: usize,
}

impl Default for FlushPolicy {
    /// ZooKeeper's defaults: no delay (so no polling) and batches of at
    /// most 1000.
    fn default() -> Self {
        Self::from_java(0, None, 1000)
    }
}

/// What the log thread does next when it looks for another command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextWait {
    /// Nothing waits for a sync: block until a command comes.
    Block,
    /// Take a command only if one is queued; if none, sync now.
    Poll,
    /// Wait this many ms for a command; if none comes, sync.
    Upto(u64),
}

impl FlushPolicy {
    /// The policy ZooKeeper derives from its system properties:
    /// `zookeeper.flushDelay` (default 0), `zookeeper.maxWriteQueuePollTime`
    /// (default flushDelay / 3) and `zookeeper.maxBatchSize` (default 1000).
    /// Negative values act as 0, as they do in `SyncRequestProcessor`: a
    /// negative delay never holds a sync, a negative poll time does not
    /// wait, and a batch size of 0 or less sets no cap.
    pub fn from_java(flush_delay: i64, max_poll: Option<i64>, max_batch: i32) -> Self {
        let non_negative = |v: i64| u64::try_from(v).unwrap_or(0);
        Self {
            delay_ms: non_negative(flush_delay),
            max_poll_ms: non_negative(max_poll.unwrap_or(flush_delay / 3)),
            max_batch: usize::try_from(max_batch).unwrap_or(0),
        }
    }

    /// The part of the delay still to run at `now`, for a sync that ended
    /// at `last` (`getRemainingDelay`).
    fn remaining(&self, last: i64, now: i64) -> u64 {
        let since = u64::try_from(now.saturating_sub(last)).unwrap_or(0);
        self.delay_ms.saturating_sub(since)
    }

    /// How to wait for the next command when `pending` txns wait for a
    /// sync and the previous sync ended at `last`.
    pub fn next_wait(&self, pending: usize, last: i64, now: i64) -> NextWait {
        if pending == 0 {
            return NextWait::Block;
        }
        match self.max_poll_ms.min(self.remaining(last, now)) {
            0 => NextWait::Poll,
            ms => NextWait::Upto(ms),
        }
    }

    /// Whether to sync right after an append that leaves `pending` txns
    /// waiting (`shouldFlush`): the delay has run out, or the cap is
    /// reached.
    pub fn flush_now(&self, pending: usize, last: i64, now: i64) -> bool {
        (self.delay_ms > 0 && self.remaining(last, now) == 0)
            || (self.max_batch > 0 && pending >= self.max_batch)
    }

    /// Whether [`Self::flush_now`] and [`Self::next_wait`] read the time
    /// at all (without a delay they do not, and the log thread need not
    /// read the clock per txn).
    pub fn needs_time(&self) -> bool {
        self.delay_ms > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_a_sync_starts_once_the_queue_is_empty_or_1000_wait() {
        let p = FlushPolicy::default();
        assert_eq!(
            p,
            FlushPolicy {
                delay_ms: 0,
                max_poll_ms: 0,
                max_batch: 1000
            }
        );
        assert_eq!(p.next_wait(0, 0, 5), NextWait::Block);
        assert_eq!(p.next_wait(1, 0, 0), NextWait::Poll);
        assert_eq!(p.next_wait(999, 0, 0), NextWait::Poll);
        assert!(!p.flush_now(999, 0, 1_000_000));
        assert!(p.flush_now(1000, 0, 0));
        assert!(!p.needs_time());
    }

    #[test]
    fn the_poll_time_defaults_to_a_third_of_the_delay_and_negatives_act_as_zero() {
        assert_eq!(FlushPolicy::from_java(30, None, 1000).max_poll_ms, 10);
        assert_eq!(FlushPolicy::from_java(30, Some(25), 1000).max_poll_ms, 25);
        assert_eq!(FlushPolicy::from_java(2, None, 1000).max_poll_ms, 0);
        let p = FlushPolicy::from_java(-5, Some(-1), -3);
        assert_eq!(
            p,
            FlushPolicy {
                delay_ms: 0,
                max_poll_ms: 0,
                max_batch: 0
            }
        );
        // No delay, no cap: only an empty queue starts a sync.
        assert_eq!(p.next_wait(5000, 0, 0), NextWait::Poll);
        assert!(!p.flush_now(1_000_000, 0, 1_000_000));
    }

    #[test]
    fn a_delay_gathers_txns_until_it_runs_out() {
        let p = FlushPolicy::from_java(30, None, 1000);
        // The previous sync ended at 100. A txn at 105 waits: the queue
        // is polled for up to 10 ms (the poll time) before a sync.
        assert!(!p.flush_now(1, 100, 105));
        assert_eq!(p.next_wait(1, 100, 105), NextWait::Upto(10));
        // Near the end of the delay the wait is what is left of it.
        assert_eq!(p.next_wait(7, 100, 125), NextWait::Upto(5));
        assert!(!p.flush_now(7, 100, 129));
        // Once the delay has run out, the next append syncs, and an
        // empty queue does too.
        assert!(p.flush_now(8, 100, 130));
        assert_eq!(p.next_wait(8, 100, 131), NextWait::Poll);
        // The cap still holds inside the delay.
        let capped = FlushPolicy::from_java(30, None, 3);
        assert!(capped.flush_now(3, 100, 101));
        assert!(p.needs_time());
    }

    #[test]
    fn the_first_txn_after_a_quiet_spell_is_synced_at_once() {
        // The delay runs from the previous sync, not from the txn: a
        // server idle for longer than the delay adds none to the first
        // write that follows.
        let p = FlushPolicy::from_java(30, None, 1000);
        assert!(p.flush_now(1, 0, 10_000));
    }

    #[test]
    fn a_poll_time_of_zero_syncs_as_soon_as_the_queue_is_empty_even_with_a_delay() {
        let p = FlushPolicy::from_java(30, Some(0), 1000);
        assert_eq!(p.next_wait(4, 100, 101), NextWait::Poll);
        assert!(!p.flush_now(4, 100, 101));
    }

    #[test]
    fn a_clock_that_seems_to_go_back_counts_as_no_time_passed() {
        let p = FlushPolicy::from_java(30, None, 1000);
        assert_eq!(p.next_wait(1, 100, 90), NextWait::Upto(10));
        assert!(!p.flush_now(1, 100, 90));
    }
}
