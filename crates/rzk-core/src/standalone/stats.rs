//! Counters behind `srvr`, `stat`, `cons` and `mntr`.

/// Server-wide counters since start (or the last `srst`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Frames received from clients.
    pub packets_received: u64,
    /// Frames sent to clients (replies and notifications).
    pub packets_sent: u64,
    /// Auth packets rejected.
    pub auth_failed: u64,
    /// Sessions closed by expiry.
    pub expired_sessions: u64,
    /// Request latencies (ms from a request reaching the core to its reply
    /// being handed to the connection).
    pub latency: Latency,
}

/// Min, average and max of whole-millisecond latencies, as ZooKeeper's
/// `AvgMinMaxCounter` reports them: all 0 before the first sample.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latency {
    count: u64,
    total: u64,
    min: u64,
    max: u64,
}

impl Latency {
    /// Adds one sample.
    pub fn add(&mut self, ms: u64) {
        if self.count == 0 {
            self.min = ms;
            self.max = ms;
        } else {
            self.min = self.min.min(ms);
            self.max = self.max.max(ms);
        }
        self.count += 1;
        self.total = self.total.saturating_add(ms);
    }

    /// Samples so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The smallest sample (0 with none).
    pub fn min(&self) -> u64 {
        self.min
    }

    /// The largest sample (0 with none).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The average in whole ms, rounded down (0 with none): what
    /// ZooKeeper's per-connection `avglat` prints.
    pub fn avg_floor(&self) -> u64 {
        self.total.checked_div(self.count).unwrap_or(0)
    }

    /// The average as ZooKeeper prints it: rounded half-up to 4 decimals,
    /// in Java's `Double.toString` form (`0.0`, `1.5`, `0.1234`, `5.0E-4`).
    pub fn avg_text(&self) -> String {
        if self.count == 0 {
            return "0.0".into();
        }
        java_double_text(half_up_ten_thousandths(self.total, self.count))
    }
}

/// `total / count` in ten-thousandths, rounded half up.
fn half_up_ten_thousandths(total: u64, count: u64) -> u128 {
    let (t, c) = (u128::from(total) * 10_000, u128::from(count));
    (2 * t + c) / (2 * c)
}

/// Java's `Double.toString` for `n / 10_000` with `n` a whole number of
/// ten-thousandths: plain notation (with at least one decimal) from 10⁻³
/// up, scientific below it, as Java switches at 10⁻³. Java also switches
/// to scientific at 10⁷; an average latency of 10⁷ ms (almost three hours)
/// is not one a server reports, so that case is not reproduced.
fn java_double_text(n: u128) -> String {
    if n == 0 {
        return "0.0".into();
    }
    if n < 10 {
        return format!("{n}.0E-4");
    }
    let whole = n / 10_000;
    let frac = format!("{:04}", n % 10_000);
    let frac = frac.trim_end_matches('0');
    format!("{whole}.{}", if frac.is_empty() { "0" } else { frac })
}

/// Per-connection counters (`cons`), as ZooKeeper's `ServerCnxn` keeps
/// them; `crst` starts them over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnStats {
    /// Frames received.
    pub received: u64,
    /// Frames sent.
    pub sent: u64,
    /// The last request answered, by ZooKeeper's four-letter name
    /// (`GETD`, `CREA`, `PING`…; `NA` before any).
    pub last_op: &'static str,
    /// Its cxid (−1 before any; special xids such as pings' leave it).
    pub last_cxid: i64,
    /// The zxid its reply carried (−1 before any).
    pub last_zxid: i64,
    /// Monotonic ms at which the last reply was handed over (0 before any).
    pub last_response_ms: i64,
    /// The last request's latency in ms.
    pub last_latency: u64,
    /// Every request's latency.
    pub latency: Latency,
}

impl Default for ConnStats {
    fn default() -> Self {
        Self {
            received: 0,
            sent: 0,
            last_op: "NA",
            last_cxid: -1,
            last_zxid: -1,
            last_response_ms: 0,
            last_latency: 0,
            latency: Latency::default(),
        }
    }
}

/// ZooKeeper's name for a request in `cons`'s `lop` (what
/// `FinalRequestProcessor` records); `NA` for ops it has no name for.
pub fn op_name(op: rzk_proto::codes::OpCode) -> &'static str {
    use rzk_proto::codes::OpCode::*;
    match op {
        Ping => "PING",
        CreateSession => "SESS",
        Multi => "MULT",
        MultiRead => "MLTR",
        Create | Create2 | CreateTtl | CreateContainer => "CREA",
        Delete | DeleteContainer => "DELE",
        SetData => "SETD",
        Reconfig => "RECO",
        SetAcl => "SETA",
        CloseSession => "CLOS",
        Sync => "SYNC",
        Check => "CHEC",
        Exists => "EXIS",
        GetData => "GETD",
        SetWatches => "SETW",
        SetWatches2 => "STW2",
        GetAcl => "GETA",
        GetChildren | GetChildren2 => "GETC",
        GetAllChildrenNumber => "GETACN",
        CheckWatches => "CHKW",
        RemoveWatches => "REMW",
        GetEphemerals => "GETE",
        AddWatch => "ADDW",
        WhoAmI => "HOMI",
        _ => "NA",
    }
}

#[cfg(test)]
mod tests {
    use super::Latency;

    fn of(samples: &[u64]) -> Latency {
        let mut l = Latency::default();
        for &s in samples {
            l.add(s);
        }
        l
    }

    #[test]
    fn nothing_yet_is_all_zero() {
        let l = Latency::default();
        assert_eq!((l.min(), l.avg_text(), l.max()), (0, "0.0".into(), 0));
    }

    #[test]
    fn min_and_max_are_the_extremes() {
        let l = of(&[5, 0, 9, 3]);
        assert_eq!((l.min(), l.max(), l.count()), (0, 9, 4));
    }

    #[test]
    fn the_average_prints_as_javas_double_rounded_half_up_to_four_places() {
        // Expected texts are Java's Double.toString of
        // new BigDecimal(total / (double) count).setScale(4, HALF_UP).
        let cases: &[(&[u64], &str)] = &[
            (&[0], "0.0"),
            (&[3], "3.0"),
            (&[1, 2], "1.5"),
            (&[1, 0, 0, 0, 0, 0, 0, 0], "0.125"),
            (&[1, 0, 0], "0.3333"),
            (&[2, 0, 0], "0.6667"),
            (&[10, 0, 0], "3.3333"),
            (&[12, 1], "6.5"),
        ];
        for (samples, want) in cases {
            assert_eq!(of(samples).avg_text(), *want, "{samples:?}");
        }
        // Below 10^-3 Java switches to scientific notation.
        let mut l = of(&[1]);
        for _ in 0..2499 {
            l.add(0);
        }
        assert_eq!(l.avg_text(), "4.0E-4");
        // 1/20000 = 0.00005: half up to 0.0001.
        let mut l = of(&[1]);
        for _ in 0..19_999 {
            l.add(0);
        }
        assert_eq!(l.avg_text(), "1.0E-4");
        // 1/20001 rounds down to 0.
        l.add(0);
        assert_eq!(l.avg_text(), "0.0");
    }
}
