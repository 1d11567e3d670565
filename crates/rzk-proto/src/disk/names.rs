//! File names of txn logs and snapshots (PROTOCOL.md §6.1): a prefix, a dot
//! and the zxid in lowercase hex without padding, plus an optional
//! compression suffix for snapshots.
//!
//! Parsing follows `p/Util.getZxidFromName` and `p/SnapStream.getStreamMode`
//! exactly, so that rzk picks the same files from a data directory as
//! ZooKeeper would.

/// Prefix of txn log file names.
pub const LOG_PREFIX: &str = "log";

/// Prefix of snapshot file names.
pub const SNAPSHOT_PREFIX: &str = "snapshot";

/// How a snapshot file's bytes are wrapped, chosen by its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapCompression {
    /// No compression (`CHECKED`, no suffix): the checksummed stream as is.
    Checked,
    /// GZIP (suffix `.gz`).
    Gzip,
    /// snappy-java framing (suffix `.snappy`).
    Snappy,
}

impl SnapCompression {
    /// The file-name suffix, with its dot (`""`, `".gz"`, `".snappy"`).
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::Checked => "",
            Self::Gzip => ".gz",
            Self::Snappy => ".snappy",
        }
    }

    /// The mode for a file name: its last dot-separated part compared
    /// without case against `gz` and `snappy`; anything else (including a
    /// name with no dot) is `Checked`, as in `SnapStream.getStreamMode`.
    pub fn from_file_name(name: &str) -> Self {
        let parts = java_split_dots(name);
        match parts.last() {
            Some(ext) if parts.len() > 1 && ext.eq_ignore_ascii_case("gz") => Self::Gzip,
            Some(ext) if parts.len() > 1 && ext.eq_ignore_ascii_case("snappy") => Self::Snappy,
            _ => Self::Checked,
        }
    }
}

/// `log.<zxid in lowercase hex>`, as `Util.makeLogName` writes it.
///
/// Negative zxids come out as 16 hex digits of two's complement, like
/// Java's `Long.toHexString`.
pub fn log_file_name(zxid: i64) -> String {
    format!("{LOG_PREFIX}.{:x}", zxid as u64)
}

/// `snapshot.<zxid in lowercase hex>` plus the compression suffix, as
/// `Util.makeSnapshotName` writes it.
pub fn snapshot_file_name(zxid: i64, compression: SnapCompression) -> String {
    format!(
        "{SNAPSHOT_PREFIX}.{:x}{}",
        zxid as u64,
        compression.suffix()
    )
}

/// The zxid of a txn log file name, or `None` if the name is not one.
///
/// Guarantees the same answer as `Util.getZxidFromName(name, "log")`:
/// the part after the first dot is read as signed hex (either case, an
/// optional sign); later dot-separated parts are ignored.
pub fn parse_log_file_name(name: &str) -> Option<i64> {
    zxid_from_name(name, LOG_PREFIX)
}

/// The zxid and compression of a snapshot file name, or `None` if the name
/// is not one (same rules as [`parse_log_file_name`], with the compression
/// taken from the last dot-separated part).
pub fn parse_snapshot_file_name(name: &str) -> Option<(i64, SnapCompression)> {
    let zxid = zxid_from_name(name, SNAPSHOT_PREFIX)?;
    Some((zxid, SnapCompression::from_file_name(name)))
}

/// `Util.getZxidFromName`. Java returns -1 both for "not a file of this
/// kind" and for a name that spells -1, and every caller skips -1, so both
/// are `None` here: rzk must never pick a file ZooKeeper would skip.
fn zxid_from_name(name: &str, prefix: &str) -> Option<i64> {
    let parts = java_split_dots(name);
    if parts.len() < 2 || parts[0] != prefix {
        return None;
    }
    // `i64::from_str_radix` accepts exactly what `Long.parseLong(s, 16)`
    // accepts: an optional sign, ASCII hex digits of either case, no
    // overflow, not empty.
    i64::from_str_radix(parts[1], 16).ok().filter(|&z| z != -1)
}

/// `String.split("\\.")`: split on dots, then drop trailing empty parts
/// (Java keeps leading and inner empty parts).
fn java_split_dots(name: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = name.split('.').collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    // Java returns [""] for "" and an empty array for "..."; both mean
    // "no prefix match" to our callers, as does a lone empty part.
    if parts.len() == 1 && parts[0].is_empty() {
        parts.clear();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_lowercase_unpadded_hex() {
        assert_eq!(log_file_name(1), "log.1");
        assert_eq!(log_file_name(0x1_0000_0001), "log.100000001");
        assert_eq!(
            snapshot_file_name(0x42, SnapCompression::Checked),
            "snapshot.42"
        );
        assert_eq!(
            snapshot_file_name(0xAB, SnapCompression::Gzip),
            "snapshot.ab.gz"
        );
        assert_eq!(
            snapshot_file_name(0, SnapCompression::Snappy),
            "snapshot.0.snappy"
        );
        assert_eq!(log_file_name(-2), "log.fffffffffffffffe");
    }

    #[test]
    fn parsing_follows_get_zxid_from_name() {
        assert_eq!(parse_log_file_name("log.1"), Some(1));
        assert_eq!(parse_log_file_name("log.100000001"), Some(0x1_0000_0001));
        assert_eq!(parse_log_file_name("log.AbC"), Some(0xabc));
        assert_eq!(parse_log_file_name("log.1a.anything"), Some(0x1a));
        assert_eq!(parse_log_file_name("log.1a."), Some(0x1a));
        assert_eq!(parse_log_file_name("log.+10"), Some(0x10));
        assert_eq!(parse_log_file_name("log"), None);
        assert_eq!(parse_log_file_name("log."), None);
        assert_eq!(parse_log_file_name("log..1"), None);
        assert_eq!(parse_log_file_name("log.xyz"), None);
        assert_eq!(parse_log_file_name("log.-1"), None);
        assert_eq!(parse_log_file_name("logs.1"), None);
        assert_eq!(parse_log_file_name("snapshot.1"), None);
        assert_eq!(parse_log_file_name(".log.1"), None);
        assert_eq!(parse_log_file_name(""), None);
        assert_eq!(parse_log_file_name("..."), None);
        // Long.parseLong overflows above i64::MAX, so Java skips this name.
        assert_eq!(parse_log_file_name("log.ffffffffffffffff"), None);
        assert_eq!(parse_log_file_name("log.7fffffffffffffff"), Some(i64::MAX));
    }

    #[test]
    fn snapshot_compression_comes_from_the_last_part() {
        use SnapCompression::*;
        assert_eq!(
            parse_snapshot_file_name("snapshot.42"),
            Some((0x42, Checked))
        );
        assert_eq!(
            parse_snapshot_file_name("snapshot.42.gz"),
            Some((0x42, Gzip))
        );
        assert_eq!(
            parse_snapshot_file_name("snapshot.42.GZ"),
            Some((0x42, Gzip))
        );
        assert_eq!(
            parse_snapshot_file_name("snapshot.42.snappy"),
            Some((0x42, Snappy))
        );
        assert_eq!(
            parse_snapshot_file_name("snapshot.42.tmp"),
            Some((0x42, Checked))
        );
        assert_eq!(
            parse_snapshot_file_name("snapshot.42.x.gz"),
            Some((0x42, Gzip))
        );
        assert_eq!(parse_snapshot_file_name("snapshot.gz"), None);
        assert_eq!(parse_snapshot_file_name("log.42"), None);
        assert_eq!(SnapCompression::from_file_name("gz"), Checked);
    }

    proptest! {
        #[test]
        fn names_round_trip(zxid in 0i64..=i64::MAX, mode in 0u8..3) {
            let mode = [SnapCompression::Checked, SnapCompression::Gzip, SnapCompression::Snappy][usize::from(mode)];
            prop_assert_eq!(parse_log_file_name(&log_file_name(zxid)), Some(zxid));
            prop_assert_eq!(parse_snapshot_file_name(&snapshot_file_name(zxid, mode)), Some((zxid, mode)));
        }

        #[test]
        fn parsing_never_panics(name in ".{0,40}") {
            let _ = parse_log_file_name(&name);
            let _ = parse_snapshot_file_name(&name);
        }
    }
}
