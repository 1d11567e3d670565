//! ZooKeeper path rules (`PROTOCOL.md` §3.2): `PathUtils.validatePath`
//! exactly, and the string helpers the request pipeline applies *before* full
//! validation (parent of a path, last component, the "last `/` exists and no
//! NUL" pre-check, the special nodes that cannot be deleted).
//!
//! Paths are Rust strings, ZooKeeper's are Java strings (UTF-16). The rules
//! are stated on UTF-16 code units; a `char` outside the Basic Multilingual
//! Plane is a surrogate pair in Java, and every surrogate is rejected, so
//! checking each `char` against the same ranges (plus "above U+FFFF") gives
//! the same verdict. Error positions are reported in UTF-16 units, as Java's
//! messages do.

use std::fmt;

/// The root path.
pub const ROOT: &str = "/";
/// ZooKeeper's own subtree (`/zookeeper`).
pub const ZOOKEEPER: &str = "/zookeeper";
/// The quota subtree (`/zookeeper/quota`).
pub const QUOTA: &str = "/zookeeper/quota";
/// The dynamic-configuration node (`/zookeeper/config`).
pub const CONFIG: &str = "/zookeeper/config";

/// Why a path failed [`validate_path`]. Clients only ever see BadArguments;
/// the reason is for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The empty string.
    #[error("path length must be > 0")]
    Empty,
    /// Does not start with `/`.
    #[error("path must start with / character")]
    NotAbsolute,
    /// Ends with `/` (and is not `/` itself).
    #[error("path must not end with / character")]
    TrailingSlash,
    /// Contains U+0000 at this UTF-16 index.
    #[error("null character not allowed @{0}")]
    Nul(usize),
    /// `//` ends at this UTF-16 index.
    #[error("empty node name specified @{0}")]
    EmptyComponent(usize),
    /// A component that is exactly `.` or `..` ends at this index.
    #[error("relative paths not allowed @{0}")]
    Relative(usize),
    /// A forbidden character (control, surrogate, private use, U+FFF0–U+FFFF
    /// or anything outside the BMP) at this UTF-16 index.
    #[error("invalid character @{0}")]
    InvalidChar(usize),
}

/// Whether ZooKeeper forbids this character anywhere in a path, judged on
/// the UTF-16 code units Java would see. NUL is reported separately.
fn is_forbidden(c: char) -> bool {
    let u = c as u32;
    (0x01..=0x1f).contains(&u)
        || (0x7f..=0x9f).contains(&u)
        || (0xd800..=0xf8ff).contains(&u)
        || (0xfff0..=0xffff).contains(&u)
        // Outside the BMP: Java sees a surrogate pair, whose first unit is in
        // D800–DBFF and so is rejected.
        || u > 0xffff
}

/// `PathUtils.validatePath`: `Ok` exactly when ZooKeeper accepts the path for
/// a write. Checks run in ZooKeeper's order, so the first failing rule is the
/// one reported.
pub fn validate_path(path: &str) -> Result<(), PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if !path.starts_with('/') {
        return Err(PathError::NotAbsolute);
    }
    if path.len() == 1 {
        return Ok(());
    }
    if path.ends_with('/') {
        return Err(PathError::TrailingSlash);
    }
    // Components are the pieces between slashes; the first piece (before the
    // leading '/') is empty and skipped. Java walks characters remembering
    // the previous one; a component-wise walk gives the same verdicts: '//'
    // is an empty component, '.'/'..' are whole components, and character
    // checks apply inside components.
    let mut unit = 1usize; // UTF-16 index of the current char; 0 is the '/'
    for (i, component) in path[1..].split('/').enumerate() {
        if i > 0 {
            unit += 1; // the '/' before this component
        }
        if component.is_empty() {
            // Only reachable for an interior '//' (the trailing case was
            // rejected above); Java reports the second '/'.
            return Err(PathError::EmptyComponent(unit));
        }
        let start = unit;
        for c in component.chars() {
            if c == '\0' {
                return Err(PathError::Nul(unit));
            }
            if is_forbidden(c) {
                return Err(PathError::InvalidChar(unit));
            }
            unit += c.len_utf16();
        }
        // Java flags '.'/'..' at the last dot; a dot-only component has no
        // other character that could have failed first.
        if component == "." || component == ".." {
            return Err(PathError::Relative(start + component.len() - 1));
        }
    }
    Ok(())
}

/// Everything before the last `/` (`""` for a child of the root), or `None`
/// when there is no `/` at all. This is Java's `substring(0, lastSlash)`; it
/// does not normalise, so the parent of `/t1/./x` is `/t1/.`.
pub fn parent(path: &str) -> Option<&str> {
    path.rfind('/').map(|i| &path[..i])
}

/// Everything after the last `/` (the whole string if there is none).
pub fn last_component(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// The cheap check create and delete run before looking the parent up: the
/// path has a `/` and no NUL. Returns the parent path (as [`parent`]).
/// Anything else about the path is only validated later, which is why
/// `create("/t1/./x")` answers NoNode rather than BadArguments.
pub fn precheck_parent(path: &str) -> Option<&str> {
    if path.contains('\0') {
        return None;
    }
    parent(path)
}

/// The four nodes delete refuses with BadArguments: `/`, `/zookeeper`,
/// `/zookeeper/quota` and `/zookeeper/config`.
pub fn is_special_path(path: &str) -> bool {
    matches!(path, ROOT | ZOOKEEPER | QUOTA | CONFIG)
}

/// The path a parent's watches live under: the root's children have the
/// parent `""` in the tree but `/` in the watch tables and in events.
pub fn watch_parent(parent: &str) -> &str {
    if parent.is_empty() {
        ROOT
    } else {
        parent
    }
}

/// The sequential-node suffix for a parent whose persisted cversion is
/// `cversion`: Java's `%010d`, sign included in the width, so negative
/// counters (after 2^31 creates) keep working (`-000000005`).
pub fn sequence_suffix(cversion: i32) -> String {
    format!("{cversion:010}")
}

/// A path that passed [`validate_path`]; a witness for code that must only
/// accept validated paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidPath<'a>(&'a str);

impl<'a> ValidPath<'a> {
    /// Validates `path`.
    pub fn new(path: &'a str) -> Result<Self, PathError> {
        validate_path(path).map(|()| ValidPath(path))
    }

    /// The path.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

impl fmt::Display for ValidPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PathError::*;

    /// §3.2: every rule of `PathUtils.validatePath`, with Java's positions.
    #[test]
    fn validate_path_rules_3_2() {
        let cases: &[(&str, Result<(), PathError>)] = &[
            ("/", Ok(())),
            ("/a", Ok(())),
            ("/a/b/c", Ok(())),
            ("/ok-é", Ok(())),
            ("/a.b", Ok(())),
            ("/.a", Ok(())),
            ("/a.", Ok(())),
            ("/...", Ok(())),
            ("/a/..b", Ok(())),
            ("/zookeeper", Ok(())),
            ("/\u{a0}", Ok(())),   // just past the C1 range
            ("/\u{f900}", Ok(())), // just past the private-use area
            ("/\u{ffef}", Ok(())), // just below U+FFF0
            ("/\u{7e}", Ok(())),   // '~', just below DEL
            ("", Err(Empty)),
            ("a", Err(NotAbsolute)),
            ("a/b", Err(NotAbsolute)),
            ("/a/", Err(TrailingSlash)),
            ("//", Err(TrailingSlash)),
            ("//a", Err(EmptyComponent(1))),
            ("/a//b", Err(EmptyComponent(3))),
            ("/.", Err(Relative(1))),
            ("/..", Err(Relative(2))),
            ("/a/.", Err(Relative(3))),
            ("/a/./b", Err(Relative(3))),
            ("/a/../b", Err(Relative(4))),
            ("/a\0b", Err(Nul(2))),
            ("/\u{1}", Err(InvalidChar(1))),
            ("/a\u{1f}", Err(InvalidChar(2))),
            ("/\u{7f}", Err(InvalidChar(1))),
            ("/\u{9f}", Err(InvalidChar(1))),
            ("/\u{e000}", Err(InvalidChar(1))), // private use
            ("/\u{f8ff}", Err(InvalidChar(1))),
            ("/\u{fff0}", Err(InvalidChar(1))),
            ("/\u{ffff}", Err(InvalidChar(1))),
            ("/\u{fffd}", Err(InvalidChar(1))), // what Java decodes bad UTF-8 to
            ("/😀", Err(InvalidChar(1))),       // non-BMP: a surrogate pair
            ("/é/😀", Err(InvalidChar(3))),     // positions count UTF-16 units
            ("/😀x/\u{1}", Err(InvalidChar(1))),
            ("/a\tb", Err(InvalidChar(2))),
        ];
        for (path, want) in cases {
            assert_eq!(validate_path(path), *want, "path {path:?}");
        }
    }

    /// §3.2: positions after a non-BMP char would be off by one if counted
    /// in chars; a char after a valid 2-unit char is only reachable via
    /// later components, so check the unit counter with BMP chars.
    #[test]
    fn error_positions_count_utf16_units_3_2() {
        assert_eq!(validate_path("/éé/\u{1}"), Err(InvalidChar(4)));
        assert_eq!(validate_path("/ab//"), Err(TrailingSlash));
        assert_eq!(validate_path("/ab//c"), Err(EmptyComponent(4)));
    }

    /// §3.2: `create("/a/", SEQUENTIAL)` validates after the suffix is
    /// appended, so it is valid; without it the path is rejected.
    #[test]
    fn sequential_suffix_makes_trailing_slash_valid_3_2() {
        let requested = "/a/";
        assert_eq!(validate_path(requested), Err(TrailingSlash));
        let full = format!("{requested}{}", sequence_suffix(8));
        assert_eq!(full, "/a/0000000008");
        assert_eq!(validate_path(&full), Ok(()));
        assert_eq!(precheck_parent(requested), Some("/a"));
    }

    /// §3.4: `%010d` with the sign inside the width, wrapping negative.
    #[test]
    fn sequence_suffix_formats_like_java_3_4() {
        assert_eq!(sequence_suffix(0), "0000000000");
        assert_eq!(sequence_suffix(3), "0000000003");
        assert_eq!(sequence_suffix(i32::MAX), "2147483647");
        assert_eq!(sequence_suffix(-5), "-000000005");
        assert_eq!(sequence_suffix(i32::MIN), "-2147483648");
    }

    /// §3.2: the pre-check and parent helpers do not normalise, so
    /// `/t1/./x` has the parent `/t1/.` (which does not exist → NoNode).
    #[test]
    fn parent_helpers_3_2() {
        let cases: &[(&str, Option<&str>, &str, Option<&str>)] = &[
            // path, parent, last component, precheck
            ("/a", Some(""), "a", Some("")),
            ("/a/b", Some("/a"), "b", Some("/a")),
            ("/t1/./x", Some("/t1/."), "x", Some("/t1/.")),
            ("/", Some(""), "", Some("")),
            ("", None, "", None),
            ("abc", None, "abc", None),
            ("/a\0b", Some(""), "a\0b", None),
            ("/a/", Some("/a"), "", Some("/a")),
        ];
        for (path, par, last, pre) in cases {
            assert_eq!(parent(path), *par, "parent of {path:?}");
            assert_eq!(last_component(path), *last, "last of {path:?}");
            assert_eq!(precheck_parent(path), *pre, "precheck of {path:?}");
        }
    }

    /// §3.2 / §9 item 23: only these four are refused by delete.
    #[test]
    fn special_paths_3_2() {
        for p in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
            assert!(is_special_path(p), "{p}");
        }
        for p in [
            "",
            "/zookeeper/",
            "/zookeeper/quota/a",
            "/zoo",
            "/zookeeper/configx",
        ] {
            assert!(!is_special_path(p), "{p}");
        }
        assert_eq!(watch_parent(""), "/");
        assert_eq!(watch_parent("/a"), "/a");
    }

    #[test]
    fn valid_path_witness() {
        assert_eq!(ValidPath::new("/a").map(|p| p.as_str()), Ok("/a"));
        assert_eq!(
            ValidPath::new("/a/").map(|p| p.to_string()),
            Err(TrailingSlash)
        );
    }
}
