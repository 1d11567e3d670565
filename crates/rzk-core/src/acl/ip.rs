//! The `ip` scheme (`IPAuthenticationProvider`, 3.9.5): ACL ids are an
//! address or `address/bits`; a connection's id is its remote address. Both
//! are masked to `bits` and compared byte for byte.
//!
//! Parsing follows Java's, quirks included, because an ACL accepted or
//! rejected differently would change which setACL/create calls succeed:
//! a string containing `:` is parsed as IPv6, otherwise one containing `.`
//! as IPv4; numbers go through `Integer.parseInt`, which accepts a leading
//! `+` or `-` (so `-0` is a valid octet and the IPv6 segment `-1` is
//! `ffff`). Java's `parseInt` also accepts non-ASCII Unicode digits; we
//! accept ASCII digits only (no client writes Devanagari IP addresses).
//! IPv6 ACLs exist from 3.9.4 (ZOOKEEPER-4240); 3.8 rejects them as invalid.

/// `Integer.parseInt(s, radix)` for ASCII digits: optional sign, at least
/// one digit, result within `i32`.
pub(crate) fn java_parse_int(s: &str, radix: u32) -> Option<i32> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        value = value * i64::from(radix) + i64::from(d);
        if value > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).ok()
}

/// Java's `addr2Bytes`: 16 bytes for IPv6, 4 for IPv4, `None` when the
/// string is neither.
fn addr_bytes(addr: &str) -> Option<Vec<u8>> {
    if addr.contains(':') {
        v6_bytes(addr)
    } else if addr.contains('.') {
        v4_bytes(addr)
    } else {
        None
    }
}

fn v4_bytes(addr: &str) -> Option<Vec<u8>> {
    // split("\\.", -1): empty pieces count, so "1.2.3." has four parts and
    // fails on the empty one.
    let parts: Vec<&str> = addr.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    parts
        .iter()
        .map(|p| java_parse_int(p, 10).and_then(|v| u8::try_from(v).ok()))
        .collect()
}

fn v6_bytes(addr: &str) -> Option<Vec<u8>> {
    const SEGMENTS: usize = 8;
    let halves: Vec<&str> = addr.split("::").collect();
    let (head, tail): (Vec<&str>, Vec<&str>) = match halves.as_slice() {
        [whole] => {
            let segs: Vec<&str> = whole.split(':').collect();
            if segs.len() != SEGMENTS {
                return None;
            }
            (segs, Vec::new())
        }
        [a, b] => {
            let head = if a.is_empty() {
                Vec::new()
            } else {
                a.split(':').collect()
            };
            let tail = if b.is_empty() {
                Vec::new()
            } else {
                b.split(':').collect::<Vec<_>>()
            };
            if head.len() + tail.len() >= SEGMENTS {
                return None;
            }
            (head, tail)
        }
        _ => return None,
    };
    let mut out = vec![0u8; 16];
    write_segments(&mut out[..], 0, &head)?;
    write_segments(&mut out[..], 16 - tail.len() * 2, &tail)?;
    Some(out)
}

fn write_segments(out: &mut [u8], mut at: usize, segments: &[&str]) -> Option<()> {
    for seg in segments {
        if seg.is_empty() || seg.chars().count() > 4 {
            return None;
        }
        let v = java_parse_int(seg, 16)?;
        // Java stores (v >> 8) & 0xff and v & 0xff, so "-1" becomes ff ff.
        *out.get_mut(at)? = ((v >> 8) & 0xff) as u8;
        *out.get_mut(at + 1)? = (v & 0xff) as u8;
        at += 2;
    }
    Some(())
}

/// Zeroes every bit after the first `bits`.
fn mask(bytes: &mut [u8], bits: usize) {
    for (i, b) in bytes.iter_mut().enumerate() {
        let keep = bits.saturating_sub(i * 8).min(8);
        // keep = 0..=8 leading bits of this byte survive.
        let m = if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
        *b &= m;
    }
}

/// Splits `addr[/bits]` and checks the prefix length against the address
/// family; `None` when the expression is not a valid ip ACL id.
fn parse_acl_expr(expr: &str) -> Option<(Vec<u8>, usize)> {
    let (addr, bits) = match expr.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (expr, None),
    };
    let bytes = addr_bytes(addr)?;
    let max = bytes.len() * 8;
    let bits = match bits {
        None => max,
        Some(b) => {
            let n = usize::try_from(java_parse_int(b, 10)?).ok()?;
            if n > max {
                return None;
            }
            n
        }
    };
    Some((bytes, bits))
}

/// `isValid`: whether `id` may appear as an `ip` ACL id.
pub fn is_valid(id: &str) -> bool {
    parse_acl_expr(id).is_some()
}

/// `matches`: whether the connection address `id` falls inside the ACL
/// expression. Address families never match each other.
pub fn matches(id: &str, acl_expr: &str) -> bool {
    let Some((mut acl, bits)) = parse_acl_expr(acl_expr) else {
        return false;
    };
    let Some(mut remote) = addr_bytes(id) else {
        return false;
    };
    mask(&mut acl, bits);
    mask(&mut remote, bits);
    acl == remote
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §3.10 ip: validity of ACL ids, Java parser quirks included.
    #[test]
    fn ip_acl_validity_3_10() {
        let cases: &[(&str, bool)] = &[
            ("127.0.0.1", true),
            ("10.0.0.0/8", true),
            ("10.0.0.0/0", true),
            ("10.0.0.0/32", true),
            ("10.0.0.0/33", false),
            ("10.0.0.0/-1", false),
            ("10.0.0.0/+8", true),
            ("10.0.0.0/x", false),
            ("10.0.0.0/", false),
            ("256.0.0.1", false),
            ("1.2.3", false),
            ("1.2.3.4.5", false),
            ("1.2.3.", false),
            ("-0.+1.2.3", true), // Integer.parseInt accepts signs
            ("a.b.c.d", false),
            ("localhost", false),
            ("", false),
            ("::1", true),
            ("0:0:0:0:0:0:0:1", true),
            ("fe80::/10", true),
            ("::/129", false),
            ("1:2:3:4:5:6:7", false),
            ("1:2:3:4::5:6:7:8", false),
            (":::1", false),
            ("1::2::3", false),
            ("12345::", false),
            ("-1::", true), // segment parsed by parseInt(…, 16)
            ("g::", false),
        ];
        for (id, want) in cases {
            assert_eq!(is_valid(id), *want, "{id:?}");
        }
    }

    /// §3.10 ip: CIDR masking on both sides.
    #[test]
    fn ip_matching_with_masks_3_10() {
        let cases: &[(&str, &str, bool)] = &[
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.2", "127.0.0.1", false),
            ("10.1.2.3", "10.0.0.0/8", true),
            ("11.1.2.3", "10.0.0.0/8", false),
            ("10.1.2.3", "10.1.2.0/24", true),
            ("10.1.3.3", "10.1.2.0/24", false),
            ("10.1.2.3", "10.1.2.0/23", true), // 10.1.2.x and 10.1.3.x
            ("10.1.3.3", "10.1.2.0/23", true),
            ("10.1.4.3", "10.1.2.0/23", false),
            ("192.168.0.1", "0.0.0.0/0", true),
            ("192.168.0.1", "10.0.0.0/1", false), // first bits differ: 1… vs 0…
            ("128.0.0.1", "200.0.0.0/1", true),   // first bits agree
            ("0:0:0:0:0:0:0:1", "::1", true),
            ("0:0:0:0:0:0:0:1", "::1/128", true),
            ("fe80:0:0:0:0:0:0:5", "fe80::/16", true),
            ("127.0.0.1", "::1", false), // families never match
            ("::1", "0.0.0.0/0", false),
            ("garbage", "0.0.0.0/0", false),
            ("127.0.0.1", "nonsense", false),
        ];
        for (id, expr, want) in cases {
            assert_eq!(matches(id, expr), *want, "{id} vs {expr}");
        }
    }

    #[test]
    fn java_parse_int_bounds() {
        assert_eq!(java_parse_int("2147483647", 10), Some(i32::MAX));
        assert_eq!(java_parse_int("-2147483648", 10), Some(i32::MIN));
        assert_eq!(java_parse_int("2147483648", 10), None);
        assert_eq!(java_parse_int("99999999999999999999", 10), None);
        assert_eq!(java_parse_int("+", 10), None);
        assert_eq!(java_parse_int("ff", 16), Some(255));
        assert_eq!(java_parse_int("٣", 10), None); // Java would accept this
    }
}
