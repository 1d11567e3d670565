//! What zkCli prints for a Stat (`StatPrinter`) and for a time
//! (`java.util.Date.toString()`).
//!
//! Java prints dates in the JVM's default zone. rzk always prints UTC (zone
//! name `UTC`): it needs no zone database, and the machines this is
//! compared on run in UTC, where the two agree.

use rzk_client::Stat;

/// `new Date(ms).toString()` in UTC: `Thu Jan 01 00:00:00 UTC 1970` (the
/// same formatter the server's `dump` uses).
pub fn java_date(ms: i64) -> String {
    rzk_core::standalone::java_date_utc(ms)
}

/// Java's `Long.toHexString`: two's complement for negatives.
fn hex(v: i64) -> String {
    format!("0x{:x}", v as u64)
}

/// The eleven lines `StatPrinter.print` writes.
pub fn stat_lines(s: &Stat) -> Vec<String> {
    vec![
        format!("cZxid = {}", hex(s.czxid)),
        format!("ctime = {}", java_date(s.ctime)),
        format!("mZxid = {}", hex(s.mzxid)),
        format!("mtime = {}", java_date(s.mtime)),
        format!("pZxid = {}", hex(s.pzxid)),
        format!("cversion = {}", s.cversion),
        format!("dataVersion = {}", s.version),
        format!("aclVersion = {}", s.aversion),
        format!("ephemeralOwner = {}", hex(s.ephemeral_owner)),
        format!("dataLength = {}", s.data_length),
        format!("numChildren = {}", s.num_children),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_like_java_in_utc() {
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        // 2026-11-23T06:20:40Z, a Monday (from the zkCli sample session).
        assert_eq!(java_date(1_795_414_840_123), "Mon Nov 23 06:20:40 UTC 2026");
        assert_eq!(java_date(951_782_400_000), "Tue Feb 29 00:00:00 UTC 2000");
        assert_eq!(java_date(-1), "Wed Dec 31 23:59:59 UTC 1969");
    }

    #[test]
    fn stat_lines_like_stat_printer() {
        let s = Stat {
            czxid: 5,
            mzxid: 0xc,
            pzxid: 7,
            cversion: 2,
            version: 2,
            ephemeral_owner: 0x1000_0abc_def0_0001,
            data_length: 5,
            num_children: 2,
            ..Stat::default()
        };
        let lines = stat_lines(&s);
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[0], "cZxid = 0x5");
        assert_eq!(lines[1], "ctime = Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(lines[2], "mZxid = 0xc");
        assert_eq!(lines[8], "ephemeralOwner = 0x10000abcdef00001");
        assert_eq!(lines[10], "numChildren = 2");
        assert_eq!(hex(-1), "0xffffffffffffffff");
    }
}
