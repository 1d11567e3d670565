//! The quota text format of `/zookeeper/quota/<path>/zookeeper_limits` and
//! `zookeeper_stats` (`StatsTrack`, PROTOCOL.md §3.12):
//! `count=<n>,bytes=<n>` and, when hard limits are present,
//! `=;byteHardLimit=<n>;countHardLimit=<n>` (the extra `=` makes old
//! parsers ignore the rest). -1 means unset.

use std::collections::BTreeMap;

/// Soft count limit / node count.
pub const COUNT: &str = "count";
/// Soft byte limit / byte count.
pub const BYTES: &str = "bytes";
/// Hard count limit.
pub const COUNT_HARD: &str = "countHardLimit";
/// Hard byte limit.
pub const BYTES_HARD: &str = "byteHardLimit";

/// Quota limits or usage, keyed as in the text (sorted, so printing is
/// deterministic where Java's follows the same sorted order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsTrack {
    values: BTreeMap<String, i64>,
}

impl StatsTrack {
    /// Parses the node text like `new StatsTrack(String)`: pairs split on
    /// runs of `,` and `;`, an empty value reads as -1. Pairs that Java
    /// would reject with an exception are skipped.
    pub fn parse(text: &str) -> Self {
        let mut values = BTreeMap::new();
        for pair in text.split([',', ';']).filter(|p| !p.is_empty()) {
            let mut kv = pair.split('=');
            let (Some(key), value) = (kv.next(), kv.next().unwrap_or("")) else {
                continue;
            };
            let value = if value.is_empty() { "-1" } else { value };
            if let Ok(v) = value.parse::<i64>() {
                values.insert(key.to_string(), v);
            }
        }
        Self { values }
    }

    /// A value, -1 when absent.
    pub fn get(&self, key: &str) -> i64 {
        self.values.get(key).copied().unwrap_or(-1)
    }

    /// Sets a value (the key then appears in the text).
    pub fn set(&mut self, key: &str, value: i64) {
        self.values.insert(key.to_string(), value);
    }
}

impl std::fmt::Display for StatsTrack {
    /// `StatsTrack.toString()`: count and bytes first, then any other keys
    /// sorted, after the compatibility `=`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{COUNT}={},{BYTES}={}", self.get(COUNT), self.get(BYTES))?;
        let mut rest = self
            .values
            .iter()
            .filter(|(k, _)| k.as_str() != COUNT && k.as_str() != BYTES)
            .peekable();
        if rest.peek().is_some() {
            f.write_str("=")?;
            for (k, v) in rest {
                write!(f, ";{k}={v}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_old_format() {
        let text = "count=5,bytes=100=;byteHardLimit=-1;countHardLimit=-1";
        let t = StatsTrack::parse(text);
        assert_eq!(
            (t.get(COUNT), t.get(BYTES), t.get(COUNT_HARD)),
            (5, 100, -1)
        );
        assert_eq!(t.to_string(), text);
        let old = StatsTrack::parse("count=4,bytes=10");
        assert_eq!(old.to_string(), "count=4,bytes=10");
        assert_eq!(StatsTrack::default().to_string(), "count=-1,bytes=-1");
        let mut fresh = StatsTrack::default();
        for k in [COUNT, BYTES, COUNT_HARD, BYTES_HARD] {
            fresh.set(k, -1);
        }
        fresh.set(COUNT, 5);
        assert_eq!(
            fresh.to_string(),
            "count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1"
        );
        assert_eq!(StatsTrack::parse("count=,bytes=3").get(COUNT), -1);
    }
}
