//! How long the txn log's syncs take: ZooKeeper's `fsynctime` summary
//! (mntr `zk_avg_fsynctime` … `zk_sum_fsynctime`, reset by `srst`) and its
//! `fsync.warningthresholdms` warning.
//!
//! Why it matters: a write is acknowledged only after the sync that covers
//! it, so a slow disk shows up as slow writes. These numbers let an
//! operator (and the benchmark) tell a slow disk from a slow server.
//!
//! One difference from ZooKeeper, which times `FileChannel.force` alone:
//! rzk times the whole commit — the batch's write into the page cache, the
//! data sync and, for a new file's first commit, the directory sync
//! (ZooKeeper never syncs the log directory). The lint that keeps clocks
//! out of `rzk-storage` is why the log thread times around
//! `TxnLog::commit` rather than inside it; the write adds microseconds.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Sync times in whole milliseconds, as ZooKeeper's `AvgMinMaxCounter`
/// keeps them. Shared between the log thread (which records) and the core
/// task (which reports and resets); each field is exact, though a report
/// racing a record may see one field updated before another, as in Java.
#[derive(Debug)]
pub(crate) struct FsyncStats {
    count: AtomicU64,
    sum: AtomicU64,
    /// `u64::MAX` while nothing is recorded.
    min: AtomicU64,
    max: AtomicU64,
    /// Syncs slower than the warning threshold.
    slow: AtomicU64,
}

impl Default for FsyncStats {
    fn default() -> Self {
        Self {
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
            slow: AtomicU64::new(0),
        }
    }
}

impl FsyncStats {
    /// Records one sync of `ms` milliseconds.
    pub(crate) fn record(&self, ms: u64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(ms, Ordering::Relaxed);
        self.min.fetch_min(ms, Ordering::Relaxed);
        self.max.fetch_max(ms, Ordering::Relaxed);
    }

    /// Counts one sync slower than the warning threshold.
    pub(crate) fn record_slow(&self) {
        self.slow.fetch_add(1, Ordering::Relaxed);
    }

    /// Syncs slower than the warning threshold since start (not reset by
    /// `srst`: ZooKeeper keeps that count in `ServerStats` apart from the
    /// summary, and its mntr does not print it, so neither does rzk's).
    #[cfg(test)]
    pub(crate) fn slow(&self) -> u64 {
        self.slow.load(Ordering::Relaxed)
    }

    /// Forgets the summary (`srst`).
    pub(crate) fn reset(&self) {
        self.count.store(0, Ordering::Relaxed);
        self.sum.store(0, Ordering::Relaxed);
        self.min.store(u64::MAX, Ordering::Relaxed);
        self.max.store(0, Ordering::Relaxed);
    }

    /// The summary as ZooKeeper 3.8's mntr prints it: average rounded to
    /// four decimals (a Java double), then min, max, count and sum; min
    /// is 0 while nothing is recorded.
    pub(crate) fn mntr_lines(&self) -> String {
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum.load(Ordering::Relaxed);
        let min = match self.min.load(Ordering::Relaxed) {
            u64::MAX => 0,
            m => m,
        };
        let max = self.max.load(Ordering::Relaxed);
        let avg = if count == 0 {
            0.0
        } else {
            // Precision loss above 2^53 ms is irrelevant for an average.
            #[allow(clippy::cast_precision_loss)]
            let exact = sum as f64 / count as f64;
            (exact * 10_000.0).round() / 10_000.0
        };
        let mut out = String::new();
        let _ = writeln!(out, "zk_avg_fsynctime\t{}", java_double(avg));
        let _ = writeln!(out, "zk_min_fsynctime\t{min}");
        let _ = writeln!(out, "zk_max_fsynctime\t{max}");
        let _ = writeln!(out, "zk_cnt_fsynctime\t{count}");
        let _ = writeln!(out, "zk_sum_fsynctime\t{sum}");
        out
    }
}

/// A non-negative finite double as Java's `Double.toString` prints it:
/// plain decimals with at least one fractional digit between 10^-3 and
/// 10^7, computerized scientific notation (`5.0E-4`) outside.
fn java_double(v: f64) -> String {
    if v == 0.0 {
        return "0.0".into();
    }
    if (1e-3..1e7).contains(&v) {
        // Debug prints the shortest round-trip form and keeps ".0".
        return format!("{v:?}");
    }
    let sci = format!("{v:e}");
    match sci.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => format!("{mantissa}E{exp}"),
        Some((mantissa, exp)) => format!("{mantissa}.0E{exp}"),
        None => sci,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_summary_prints_as_zookeepers_does() {
        // What Apache ZooKeeper 3.8's mntr printed before any write.
        assert_eq!(
            FsyncStats::default().mntr_lines(),
            "zk_avg_fsynctime\t0.0\nzk_min_fsynctime\t0\nzk_max_fsynctime\t0\n\
             zk_cnt_fsynctime\t0\nzk_sum_fsynctime\t0\n"
        );
    }

    #[test]
    fn records_min_max_count_sum_and_a_rounded_average_until_reset() {
        let s = FsyncStats::default();
        for ms in [3, 0, 7] {
            s.record(ms);
        }
        s.record_slow();
        assert_eq!(
            s.mntr_lines(),
            "zk_avg_fsynctime\t3.3333\nzk_min_fsynctime\t0\nzk_max_fsynctime\t7\n\
             zk_cnt_fsynctime\t3\nzk_sum_fsynctime\t10\n"
        );
        s.reset();
        assert_eq!(s.mntr_lines(), FsyncStats::default().mntr_lines());
        assert_eq!(s.slow(), 1, "srst does not reset the slow count");
        s.record(5);
        assert!(s.mntr_lines().contains("zk_min_fsynctime\t5\n"));
    }

    #[test]
    fn doubles_print_as_java_prints_them() {
        for (v, want) in [
            (0.0, "0.0"),
            (12.0, "12.0"),
            (1.5, "1.5"),
            (0.001, "0.001"),
            (0.0005, "5.0E-4"),
            (0.00012, "1.2E-4"),
            (12_345_678.0, "1.2345678E7"),
        ] {
            assert_eq!(java_double(v), want, "{v}");
        }
    }
}
