//! Latency and error bookkeeping: one HDR histogram per op kind (in
//! microseconds, 3 significant digits, up to 10 minutes), error counts by
//! ZooKeeper code name, and the percentiles the reports print.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use rzk_client::Error;
use serde::Serialize;

use super::mix::OpKind;

/// The largest latency a histogram holds (longer ones are clamped to it).
const MAX_MICROS: u64 = 600_000_000;

/// A latency histogram in microseconds.
#[derive(Debug, Clone)]
pub struct Latency {
    hist: Histogram<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        Self::new()
    }
}

impl Latency {
    /// An empty histogram.
    pub fn new() -> Self {
        // hdrhistogram refuses only lowest < 1, highest < 2 × lowest or
        // more than 5 significant digits; these constants are none of those.
        let hist = Histogram::new_with_bounds(1, MAX_MICROS, 3)
            .unwrap_or_else(|e| panic!("constant histogram bounds refused: {e}"));
        Self { hist }
    }

    /// Records one latency.
    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.hist.saturating_record(us.clamp(1, MAX_MICROS));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Latency) {
        // Same bounds on both sides: adding cannot go out of range.
        let _ = self.hist.add(&other.hist);
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Percentiles in milliseconds.
    pub fn summary(&self) -> LatencySummary {
        let ms = |us: u64| us as f64 / 1000.0;
        if self.hist.is_empty() {
            return LatencySummary::default();
        }
        LatencySummary {
            mean: self.hist.mean() / 1000.0,
            p50: ms(self.hist.value_at_quantile(0.50)),
            p90: ms(self.hist.value_at_quantile(0.90)),
            p99: ms(self.hist.value_at_quantile(0.99)),
            p999: ms(self.hist.value_at_quantile(0.999)),
            max: ms(self.hist.max()),
        }
    }
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
}

/// The name an error is counted under: the ZooKeeper code's name
/// (`NONODE`, `CONNECTIONLOSS`…) or, for client-side failures with no
/// code, the failure's kind.
pub fn error_name(e: &Error) -> String {
    if let Some(code) = e.code() {
        return code.name().to_string();
    }
    match e {
        Error::UnknownCode(c) => format!("UNKNOWN({c})"),
        Error::Closed => "CLOSED".into(),
        Error::Connect(_) => "CONNECT".into(),
        Error::MultiFailed { code, .. } => format!("UNKNOWN({code})"),
        other => format!("{other}"),
    }
}

/// What one session (or a whole run) measured: per op kind, successes'
/// latencies and failures by code.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    latency: BTreeMap<OpKind, Latency>,
    errors: BTreeMap<OpKind, BTreeMap<String, u64>>,
}

impl Recorder {
    /// Records a success of `kind` that took `d`.
    pub fn ok(&mut self, kind: OpKind, d: Duration) {
        self.latency.entry(kind).or_default().record(d);
    }

    /// Records a failure of `kind`.
    pub fn err(&mut self, kind: OpKind, e: &Error) {
        *self
            .errors
            .entry(kind)
            .or_default()
            .entry(error_name(e))
            .or_insert(0) += 1;
    }

    /// Adds everything `other` recorded.
    pub fn merge(&mut self, other: &Recorder) {
        for (k, l) in &other.latency {
            self.latency.entry(*k).or_default().merge(l);
        }
        for (k, errs) in &other.errors {
            let mine = self.errors.entry(*k).or_default();
            for (name, n) in errs {
                *mine.entry(name.clone()).or_insert(0) += n;
            }
        }
    }

    /// Successes of `kind`.
    pub fn successes(&self, kind: OpKind) -> u64 {
        self.latency.get(&kind).map_or(0, Latency::count)
    }

    /// Failures of `kind`, by code name.
    pub fn errors(&self, kind: OpKind) -> BTreeMap<String, u64> {
        self.errors.get(&kind).cloned().unwrap_or_default()
    }

    /// The latency histogram of `kind`, if any success was recorded.
    pub fn latency(&self, kind: OpKind) -> Option<&Latency> {
        self.latency.get(&kind)
    }

    /// Every success, whatever the kind, in one histogram.
    pub fn all_latency(&self) -> Latency {
        let mut all = Latency::new();
        for l in self.latency.values() {
            all.merge(l);
        }
        all
    }

    /// Failures of every kind, by code name.
    pub fn all_errors(&self) -> BTreeMap<String, u64> {
        let mut all = BTreeMap::new();
        for errs in self.errors.values() {
            for (name, n) in errs {
                *all.entry(name.clone()).or_insert(0) += n;
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use rzk_client::ErrorCode;

    use super::*;

    #[test]
    fn percentiles_come_from_the_samples() {
        let mut l = Latency::new();
        for ms in 1..=1000u64 {
            l.record(Duration::from_millis(ms));
        }
        let s = l.summary();
        // 3 significant digits: within 0.1%.
        assert!((s.p50 - 500.0).abs() <= 0.5, "{s:?}");
        assert!((s.p90 - 900.0).abs() <= 0.9, "{s:?}");
        assert!((s.p99 - 990.0).abs() <= 1.0, "{s:?}");
        assert!((s.p999 - 999.0).abs() <= 1.0, "{s:?}");
        assert!((s.max - 1000.0).abs() <= 1.0, "{s:?}");
        assert!((s.mean - 500.5).abs() <= 0.6, "{s:?}");
        assert_eq!(Latency::new().summary(), LatencySummary::default());
    }

    #[test]
    fn errors_are_counted_by_code_name_and_merge() {
        let mut a = Recorder::default();
        a.err(OpKind::Create, &Error::Server(ErrorCode::NodeExists));
        a.err(OpKind::Get, &Error::ConnectionLoss);
        a.ok(OpKind::Get, Duration::from_micros(250));
        let mut b = Recorder::default();
        b.err(OpKind::Create, &Error::Server(ErrorCode::NodeExists));
        b.err(OpKind::Create, &Error::Closed);
        b.ok(OpKind::Get, Duration::from_micros(750));
        a.merge(&b);
        assert_eq!(a.errors(OpKind::Create).get("NODEEXISTS"), Some(&2));
        assert_eq!(a.errors(OpKind::Create).get("CLOSED"), Some(&1));
        assert_eq!(a.all_errors().get("CONNECTIONLOSS"), Some(&1));
        assert_eq!(a.successes(OpKind::Get), 2);
        assert_eq!(a.all_latency().count(), 2);
        let multi = Error::MultiFailed {
            index: 0,
            code: -103,
            results: Vec::new(),
        };
        assert_eq!(error_name(&multi), "BADVERSION");
    }
}
