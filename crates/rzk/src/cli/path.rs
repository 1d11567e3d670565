//! Client-side znode path checks with the Java client's messages
//! (`PathUtils.validatePath`), so a bad path gives zkCli's text before any
//! request is sent.

/// Checks `path` like `PathUtils.validatePath(path, sequential)`: a
/// sequential create may end in `/` (the server appends the number).
/// Positions in messages count UTF-16 units, as Java's do.
pub fn validate(path: &str, sequential: bool) -> Result<(), String> {
    if sequential {
        // Java validates `path + "1"` for sequential nodes.
        return validate(&format!("{path}1"), false);
    }
    if path.is_empty() {
        return Err("Path length must be > 0".into());
    }
    if !path.starts_with('/') {
        return Err("Path must start with / character".into());
    }
    if path.len() == 1 {
        return Ok(());
    }
    if path.ends_with('/') {
        return Err("Path must not end with / character".into());
    }
    let units: Vec<u16> = path.encode_utf16().collect();
    let at = |i: usize| units.get(i).copied().unwrap_or(0);
    let (dot, slash) = (u16::from(b'.'), u16::from(b'/'));
    let mut reason = None;
    for i in 1..units.len() {
        let (c, last) = (units[i], units[i - 1]);
        let ends_name = i + 1 == units.len() || at(i + 1) == slash;
        if c == 0 {
            reason = Some(format!("null character not allowed @{i}"));
        } else if c == slash && last == slash {
            reason = Some(format!("empty node name specified @{i}"));
        } else if c == dot && last == dot {
            if i >= 2 && at(i - 2) == slash && ends_name {
                reason = Some(format!("relative paths not allowed @{i}"));
            }
        } else if c == dot {
            if last == slash && ends_name {
                reason = Some(format!("relative paths not allowed @{i}"));
            }
        } else if (0x01..=0x1f).contains(&c)
            || (0x7f..=0x9f).contains(&c)
            || (0xd800..=0xf8ff).contains(&c)
            || c >= 0xfff0
        {
            reason = Some(format!("invalid character @{i}"));
        }
        if reason.is_some() {
            break;
        }
    }
    match reason {
        Some(r) => Err(format!("Invalid path string \"{path}\" caused by {r}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_path_utils() {
        assert!(validate("/", false).is_ok());
        assert!(validate("/a/b.c/..d", false).is_ok());
        assert_eq!(validate("", false).unwrap_err(), "Path length must be > 0");
        assert_eq!(
            validate("a", false).unwrap_err(),
            "Path must start with / character"
        );
        assert_eq!(
            validate("/a/", false).unwrap_err(),
            "Path must not end with / character"
        );
        assert!(
            validate("/a/", true).is_ok(),
            "sequential creates may end in /"
        );
        assert_eq!(
            validate("/a//b", false).unwrap_err(),
            "Invalid path string \"/a//b\" caused by empty node name specified @3"
        );
        assert_eq!(
            validate("/a/../b", false).unwrap_err(),
            "Invalid path string \"/a/../b\" caused by relative paths not allowed @4"
        );
        assert_eq!(
            validate("/./b", false).unwrap_err(),
            "Invalid path string \"/./b\" caused by relative paths not allowed @1"
        );
        assert_eq!(
            validate("/a\u{1}", false).unwrap_err(),
            "Invalid path string \"/a\u{1}\" caused by invalid character @2"
        );
    }
}
