//! The texts of the four-letter words that report the core's state, in
//! ZooKeeper 3.8's formats so tools that scrape them keep working. Words
//! about the process (`conf`, `envi`, `dirs`) are the shell's.

use std::fmt::Write as _;

use super::Standalone;
use crate::shell::Now;
use crate::watch::TableKind;

/// What the shell knows and the core does not.
#[derive(Debug, Clone, Default)]
pub struct FourLetterInfo {
    /// The `Zookeeper version:` text.
    pub version: String,
    /// Open file descriptors, if known.
    pub open_fds: Option<u64>,
    /// The descriptor limit, if known.
    pub max_fds: Option<u64>,
}

/// Year, month (1–12) and day (1–31) of a day count from 1970-01-01, in
/// the proleptic Gregorian calendar (H. Hinnant's civil-from-days): the
/// one calendar conversion behind every Java-formatted date rzk prints.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Java's `Date.toString()` for a UTC instant: `Mon Nov 23 06:25:54 UTC 2026`.
pub fn java_date_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let mon = MONTHS[(month - 1).clamp(0, 11) as usize];
    format!(
        "{weekday} {mon} {day:02} {:02}:{:02}:{:02} UTC {year}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

impl Standalone {
    /// The lines `srvr` and `stat` share after the version (and `stat`'s
    /// client list).
    fn summary_lines(&self, out: &mut String) {
        let l = &self.stats.latency;
        let _ = writeln!(
            out,
            "Latency min/avg/max: {}/{}/{}",
            l.min(),
            l.avg_text(),
            l.max()
        );
        let _ = writeln!(out, "Received: {}", self.stats.packets_received);
        let _ = writeln!(out, "Sent: {}", self.stats.packets_sent);
        let _ = writeln!(out, "Connections: {}", self.conns.len());
        let _ = writeln!(out, "Outstanding: {}", self.outstanding);
        let _ = writeln!(out, "Zxid: 0x{:x}", self.last_zxid());
        let _ = writeln!(out, "Mode: standalone");
        let _ = writeln!(out, "Node count: {}", self.engine.tree().znode_count());
    }

    /// `srvr`.
    pub fn srvr(&self, info: &FourLetterInfo) -> String {
        let mut out = format!("Zookeeper version: {}\n", info.version);
        self.summary_lines(&mut out);
        out
    }

    /// `stat`: `srvr` with the connections listed after the version, each
    /// in `cons`'s brief form (no session figures), as ZooKeeper lists them.
    pub fn stat(&self, info: &FourLetterInfo) -> String {
        let mut out = format!("Zookeeper version: {}\nClients:\n", info.version);
        out.push_str(&self.connection_lines(true));
        self.summary_lines(&mut out);
        out
    }

    /// `cons`: one line per connection, then a blank line.
    pub fn cons(&self) -> String {
        self.connection_lines(false)
    }

    /// ZooKeeper's `ServerCnxn.dumpConnectionInfo` for every connection;
    /// `brief` leaves out the session's figures.
    fn connection_lines(&self, brief: bool) -> String {
        let mut out = String::new();
        for c in self.conns.values() {
            let ops = u8::from(c.session.is_some());
            let _ = write!(
                out,
                " /{}[{ops}](queued={},recved={},sent={}",
                c.peer, c.outstanding, c.stats.received, c.stats.sent
            );
            if let (false, Some(sid)) = (brief, c.session) {
                let s = &c.stats;
                let to = self.sessions.get(sid).map_or(0, |s| s.touch_timeout);
                let _ = write!(
                    out,
                    ",sid=0x{sid:x},lop={},est={},to={to}",
                    s.last_op, c.established_ms
                );
                if s.last_cxid >= 0 {
                    let _ = write!(out, ",lcxid=0x{:x}", s.last_cxid);
                }
                let _ = write!(
                    out,
                    ",lzxid=0x{:x},lresp={},llat={},minlat={},avglat={},maxlat={}",
                    s.last_zxid,
                    s.last_response_ms,
                    s.last_latency,
                    s.latency.min(),
                    s.latency.avg_floor(),
                    s.latency.max()
                );
            }
            out.push_str(")\n");
        }
        out.push('\n');
        out
    }

    /// `mntr`: `zk_<key>\t<value>` lines with the keys every 3.8 server
    /// prints (PROTOCOL.md §4.2).
    pub fn mntr(&self, info: &FourLetterInfo, now: Now) -> String {
        let tree = self.engine.tree();
        let mut lines: Vec<(&str, String)> = vec![
            ("version", info.version.clone()),
            ("server_state", "standalone".into()),
            ("ephemerals_count", tree.ephemerals_count().to_string()),
            ("num_alive_connections", self.conns.len().to_string()),
            ("avg_latency", self.stats.latency.avg_text()),
            ("outstanding_requests", self.outstanding.to_string()),
            ("znode_count", tree.znode_count().to_string()),
            (
                "global_sessions",
                self.sessions.global_session_count().to_string(),
            ),
            ("non_mtls_remote_conn_count", "0".into()),
            ("packets_sent", self.stats.packets_sent.to_string()),
            ("packets_received", self.stats.packets_received.to_string()),
            ("connection_drop_probability", "0.0".into()),
            (
                "watch_count",
                self.engine.watches().watch_count().to_string(),
            ),
            ("auth_failed_count", self.stats.auth_failed.to_string()),
            ("min_latency", self.stats.latency.min().to_string()),
            (
                "approximate_data_size",
                tree.approximate_data_size().to_string(),
            ),
            (
                "local_sessions",
                self.sessions.local_session_count().to_string(),
            ),
            (
                "uptime",
                (now.mono_ms - self.started_mono_ms).max(0).to_string(),
            ),
            ("max_latency", self.stats.latency.max().to_string()),
            ("outstanding_tls_handshake", "0".into()),
            ("non_mtls_local_conn_count", "0".into()),
        ];
        if let Some(n) = info.max_fds {
            lines.push(("max_file_descriptor_count", n.to_string()));
        }
        if let Some(n) = info.open_fds {
            lines.push(("open_file_descriptor_count", n.to_string()));
        }
        let mut out = String::new();
        for (k, v) in lines {
            let _ = writeln!(out, "zk_{k}\t{v}");
        }
        out
    }

    fn session_of(&self, conn: u64) -> i64 {
        self.conns.get(&conn).and_then(|c| c.session).unwrap_or(0)
    }

    /// `wchs`.
    pub fn wchs(&self) -> String {
        let s = self.engine.watches().summary(TableKind::Data);
        format!(
            "{} connections watching {} paths\nTotal watches:{}\n",
            s.connections, s.paths, s.watches
        )
    }

    /// `wchc`: per session, its watched paths.
    pub fn wchc(&self) -> String {
        let mut out = String::new();
        for (conn, paths) in self.engine.watches().paths_by_connection(TableKind::Data) {
            let _ = writeln!(out, "0x{:x}", self.session_of(conn));
            for p in paths {
                let _ = writeln!(out, "\t{p}");
            }
        }
        out.push('\n');
        out
    }

    /// `wchp`: per path, the watching sessions.
    pub fn wchp(&self) -> String {
        let mut out = String::new();
        for (path, conns) in self.engine.watches().connections_by_path(TableKind::Data) {
            let _ = writeln!(out, "{path}");
            for c in conns {
                let _ = writeln!(out, "\t0x{:x}", self.session_of(c));
            }
        }
        out.push('\n');
        out
    }

    /// `dump`: sessions by expiry bucket, then ephemerals by session.
    /// Bucket times are monotonic; `now` maps them to wall-clock dates.
    pub fn dump(&self, now: Now) -> String {
        let to_wall = |t: i64| java_date_utc(t - now.mono_ms + now.wall_ms);
        let mut out = String::from("SessionTracker dump:\n");
        out.push_str(&self.sessions.dump(to_wall));
        out.push_str("ephemeral nodes dump:\n");
        let tree = self.engine.tree();
        let owners = tree.sessions_with_ephemerals();
        let _ = writeln!(out, "Sessions with Ephemerals ({}):", owners.len());
        for sid in owners {
            let _ = writeln!(out, "0x{sid:x}:");
            for p in tree.ephemerals(sid) {
                let _ = writeln!(out, "\t{p}");
            }
        }
        out
    }

    /// `hash`: the recorded tree digests, `<hex zxid>: <digest>` per line.
    pub fn hash(&self) -> String {
        self.engine.digest_log().text()
    }

    /// `srst`: resets the server counters.
    pub fn reset_server_stats(&mut self) {
        self.stats = super::ServerStats::default();
    }

    /// `crst`: resets every connection's counters.
    pub fn reset_connection_stats(&mut self) {
        for c in self.conns.values_mut() {
            c.stats = super::ConnStats::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::java_date_utc;

    #[test]
    fn java_dates_in_utc() {
        assert_eq!(java_date_utc(0), "Thu Jan 01 00:00:00 UTC 1970");
        // The dump sample from a live 3.8.0 server.
        assert_eq!(
            java_date_utc(1_795_415_154_000),
            "Mon Nov 23 06:25:54 UTC 2026"
        );
        assert_eq!(
            java_date_utc(951_782_400_000),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
    }
}
