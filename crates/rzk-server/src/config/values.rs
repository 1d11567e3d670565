//! Value parsers with ZooKeeper's exact acceptance rules. ZooKeeper reads
//! its own keys with `Integer.parseInt` and strict `true`/`false`, but the
//! `zookeeper.*` system properties with a zoo of others (`Integer.decode`,
//! `equals("yes")`, `Boolean.parseBoolean`…); each is reproduced here so a
//! value means the same under rzk as under Java.

use super::error::ConfigError;

/// `Integer.parseInt` / `Long.parseLong`: optional sign, decimal digits.
fn parse_decimal(value: &str) -> Option<i64> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// `Integer.parseInt(value)` for `key`.
pub fn int(key: &str, value: &str) -> Result<i32, ConfigError> {
    parse_decimal(value)
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| ConfigError::invalid(key, value, "an integer (32-bit, decimal)"))
}

/// `Long.parseLong(value)` for `key`.
pub fn long(key: &str, value: &str) -> Result<i64, ConfigError> {
    parse_decimal(value)
        .ok_or_else(|| ConfigError::invalid(key, value, "an integer (64-bit, decimal)"))
}

/// `Long.decode` (behind `Integer.getInteger`/`Long.getLong`): a sign, then
/// `0x`/`0X`/`#` for hex, a leading `0` for octal, else decimal.
fn decode(value: &str) -> Option<i64> {
    let (neg, rest) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let (radix, digits) =
        if let Some(h) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            (16, h)
        } else if let Some(h) = rest.strip_prefix('#') {
            (16, h)
        } else if rest.len() > 1 && rest.starts_with('0') {
            (8, &rest[1..])
        } else {
            (10, rest)
        };
    // Java refuses a second sign after the prefix.
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    let v = if neg { -magnitude } else { magnitude };
    i64::try_from(v).ok()
}

/// `Integer.getInteger(key)`'s parse of a set value. Java silently falls
/// back to the default on a malformed value; rzk refuses it, because a
/// typo in a limit should not be ignored.
pub fn decode_int(key: &str, value: &str) -> Result<i32, ConfigError> {
    decode(value)
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| ConfigError::invalid(key, value, "an integer (decimal, 0x hex or 0 octal)"))
}

/// `Long.getLong(key)`'s parse of a set value (see [`decode_int`]).
pub fn decode_long(key: &str, value: &str) -> Result<i64, ConfigError> {
    decode(value)
        .ok_or_else(|| ConfigError::invalid(key, value, "an integer (decimal, 0x hex or 0 octal)"))
}

/// `QuorumPeerConfig.parseBoolean`: `true` or `false`, any case; anything
/// else is an error.
pub fn strict_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ConfigError::invalid(key, value, "'true' or 'false'"))
    }
}

/// `Boolean.parseBoolean` / `Boolean.getBoolean`: true iff the value is
/// `true` in any case; everything else (including `yes`) is false.
pub fn java_bool(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

/// A TCP port from an int key: 0–65535, as `InetSocketAddress` checks.
pub fn port(key: &str, value: &str) -> Result<u16, ConfigError> {
    let v = int(key, value)?;
    u16::try_from(v).map_err(|_| ConfigError::invalid(key, value, "a port number (0-65535)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_like_java() {
        #[rustfmt::skip]
        let cases: [(&str, Option<i32>); 11] = [
            ("2000", Some(2000)), ("+5", Some(5)), ("-1", Some(-1)), ("007", Some(7)),
            ("2147483647", Some(i32::MAX)), ("2147483648", None), ("", None),
            ("0x10", None), ("1_000", None), ("1e3", None), ("- 1", None),
        ];
        for (v, want) in cases {
            assert_eq!(int("k", v).ok(), want, "{v:?}");
        }
        assert_eq!(long("k", "9223372036854775807").ok(), Some(i64::MAX));
    }

    #[test]
    fn decode_like_integer_get_integer() {
        #[rustfmt::skip]
        let cases: [(&str, Option<i64>); 12] = [
            ("100", Some(100)), ("0x10", Some(16)), ("0X1f", Some(31)), ("#ff", Some(255)),
            ("010", Some(8)), ("0", Some(0)), ("-0x10", Some(-16)), ("+7", Some(7)),
            ("08", None), ("0x", None), ("0x-1", None), ("abc", None),
        ];
        for (v, want) in cases {
            assert_eq!(decode_long("k", v).ok(), want, "{v:?}");
        }
        assert!(decode_int("k", "0x80000000").is_err());
        assert_eq!(
            decode_long("k", "-9223372036854775808").ok(),
            Some(i64::MIN)
        );
    }

    #[test]
    fn booleans() {
        assert_eq!(strict_bool("k", "TRUE").ok(), Some(true));
        assert_eq!(strict_bool("k", "False").ok(), Some(false));
        let e = strict_bool("standaloneEnabled", "yes").unwrap_err();
        assert_eq!(
            e.to_string(),
            "standaloneEnabled=\"yes\": 'true' or 'false'"
        );
        assert!(java_bool("tRuE"));
        assert!(!java_bool("yes"));
        assert!(!java_bool(""));
    }

    #[test]
    fn ports() {
        assert_eq!(port("clientPort", "0").ok(), Some(0));
        assert_eq!(port("clientPort", "65535").ok(), Some(65535));
        assert!(port("clientPort", "65536").is_err());
        assert!(port("clientPort", "-1").is_err());
    }
}
