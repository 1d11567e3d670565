//! The results of `rzk bench run`: a table for people, JSON for scripts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::mix::OpKind;
use super::stats::{LatencySummary, Recorder};

/// One op kind's (or all ops') results over the measured phase.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OpReport {
    /// The op kind, or `total`.
    pub op: String,
    /// Successful requests.
    pub ok: u64,
    /// Failed requests.
    pub errors: u64,
    /// Successes per second of measured time.
    pub ops_per_sec: f64,
    /// Latency of the successes, in milliseconds.
    pub latency_ms: LatencySummary,
    /// Failures by code name.
    pub errors_by_code: BTreeMap<String, u64>,
}

/// Everything `rzk bench run` measured, and how it was run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunReport {
    /// Always `run`.
    pub workload: String,
    /// The connect string.
    pub server: String,
    /// Sessions.
    pub sessions: usize,
    /// Requests in flight per session (at most, with a target rate).
    pub in_flight: usize,
    /// Open-loop target in requests per second (`None`: closed loop).
    pub target_rate: Option<f64>,
    /// The op mix.
    pub mix: String,
    /// Bytes per written value.
    pub value_size: usize,
    /// Keys created before the measurement.
    pub keys: u64,
    /// `flat` or `tree`.
    pub shape: String,
    /// The seed.
    pub seed: u64,
    /// The run's znode (every key is below it).
    pub root: String,
    /// Seconds of warm-up (not recorded).
    pub warmup_s: f64,
    /// Seconds of measurement.
    pub elapsed_s: f64,
    /// All ops together.
    pub total: OpReport,
    /// Per op kind, in mix order, for kinds that ran.
    pub ops: Vec<OpReport>,
    /// Ops that had no usable key (all busy or none left) and ran as
    /// creates instead.
    pub fallbacks: u64,
}

/// One row from what `rec` holds for `kind` (or for all, with `None`).
pub fn op_report(rec: &Recorder, kind: Option<OpKind>, elapsed_s: f64) -> OpReport {
    let (name, latency, errors_by_code) = match kind {
        Some(k) => (
            k.name().to_string(),
            rec.latency(k).map(|l| l.summary()).unwrap_or_default(),
            rec.errors(k),
        ),
        None => (
            "total".to_string(),
            rec.all_latency().summary(),
            rec.all_errors(),
        ),
    };
    let ok = match kind {
        Some(k) => rec.successes(k),
        None => rec.all_latency().count(),
    };
    OpReport {
        op: name,
        ok,
        errors: errors_by_code.values().sum(),
        ops_per_sec: if elapsed_s > 0.0 {
            ok as f64 / elapsed_s
        } else {
            0.0
        },
        latency_ms: latency,
        errors_by_code,
    }
}

/// The rows of a run: each kind that ran or failed, in report order.
pub fn op_reports(rec: &Recorder, elapsed_s: f64) -> Vec<OpReport> {
    OpKind::ALL
        .into_iter()
        .map(|k| op_report(rec, Some(k), elapsed_s))
        .filter(|r| r.ok + r.errors > 0)
        .collect()
}

impl RunReport {
    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let rate = self
            .target_rate
            .map_or(String::new(), |r| format!(" at {r:.0}/s offered"));
        let _ = writeln!(
            out,
            "{} sessions x {} in flight{rate}, mix {}, {} B values, {} keys ({}), {:.2} s measured",
            self.sessions,
            self.in_flight,
            self.mix,
            self.value_size,
            self.keys,
            self.shape,
            self.elapsed_s
        );
        let _ = writeln!(
            out,
            "{:<9} {:>10} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "op", "ok", "errors", "ops/s", "mean ms", "p50", "p90", "p99", "p99.9", "max"
        );
        for r in self.ops.iter().chain(std::iter::once(&self.total)) {
            let l = &r.latency_ms;
            let _ = writeln!(
                out,
                "{:<9} {:>10} {:>7} {:>10.1} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                r.op, r.ok, r.errors, r.ops_per_sec, l.mean, l.p50, l.p90, l.p99, l.p999, l.max
            );
        }
        if !self.total.errors_by_code.is_empty() {
            let codes: Vec<String> = self
                .total
                .errors_by_code
                .iter()
                .map(|(c, n)| format!("{c}={n}"))
                .collect();
            let _ = writeln!(out, "errors by code: {}", codes.join(" "));
        }
        if self.fallbacks > 0 {
            let _ = writeln!(
                out,
                "{} ops found no usable key and ran as creates",
                self.fallbacks
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rzk_client::Error;

    use super::*;

    #[test]
    fn rows_and_totals_add_up() {
        let mut rec = Recorder::default();
        for _ in 0..30 {
            rec.ok(OpKind::Get, Duration::from_millis(1));
        }
        for _ in 0..10 {
            rec.ok(OpKind::Create, Duration::from_millis(4));
        }
        rec.err(OpKind::Create, &Error::ConnectionLoss);
        let rows = op_reports(&rec, 2.0);
        assert_eq!(
            rows.iter().map(|r| r.op.as_str()).collect::<Vec<_>>(),
            vec!["create", "get"]
        );
        assert_eq!(rows[0].ok, 10);
        assert_eq!(rows[0].errors, 1);
        assert_eq!(rows[1].ops_per_sec, 15.0);
        let total = op_report(&rec, None, 2.0);
        assert_eq!((total.ok, total.errors, total.ops_per_sec), (40, 1, 20.0));
        assert!((total.latency_ms.max - 4.0).abs() < 0.01);
        let report = RunReport {
            workload: "run".into(),
            server: "127.0.0.1:2181".into(),
            sessions: 1,
            in_flight: 1,
            target_rate: None,
            mix: "create=25,get=75".into(),
            value_size: 10,
            keys: 5,
            shape: "flat".into(),
            seed: 1,
            root: "/rzk-bench/run-1".into(),
            warmup_s: 0.0,
            elapsed_s: 2.0,
            total,
            ops: rows,
            fallbacks: 0,
        };
        let table = report.table();
        assert!(
            table.contains("errors by code: CONNECTIONLOSS=1"),
            "{table}"
        );
        assert_eq!(table.lines().count(), 6, "{table}");
        let json: serde_json::Value = serde_json::to_value(&report).unwrap();
        assert_eq!(json["total"]["ok"], 40);
        assert_eq!(json["ops"][0]["errors_by_code"]["CONNECTIONLOSS"], 1);
        assert!(json["ops"][1]["latency_ms"]["p999"].is_number());
    }
}
