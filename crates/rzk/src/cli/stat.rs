//! What zkCli prints for a Stat (`StatPrinter`) and for a time
//! (`java.util.Date.toString()`).
//!
//! Java prints dates in the JVM's default zone. rzk always prints UTC (zone
//! name `UTC`): it needs no zone database, and the machines this is
//! compared on run in UTC, where the two agree.

use rzk_client::Stat;

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Proleptic Gregorian (year, month 1–12, day) of a day count since
/// 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, usize, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, usize::try_from(month - 1).unwrap_or(0), day)
}

/// `new Date(ms).toString()` in UTC: `Thu Jan 01 00:00:00 UTC 1970`.
pub fn java_date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (year, month, day) = civil(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    format!(
        "{weekday} {} {day:02} {:02}:{:02}:{:02} UTC {year}",
        MONTHS[month],
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    )
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
