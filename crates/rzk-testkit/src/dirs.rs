//! Scratch directories for tests, and what a data directory holds.
//!
//! A [`TempDir`] is removed when dropped, except while the thread is
//! panicking: a failed test leaves its files (and says where) so the data
//! directory that broke can be looked at.

use std::path::{Path, PathBuf};

use crate::StartError;

/// A fresh directory under the system temp dir, removed on drop (kept, with
/// its path printed to stderr, if dropped during a panic).
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `<tmp>/rzk-test-<tag>-<pid>-<n>`, empty (a stale one from an
    /// earlier run with the same pid is cleared first).
    pub fn new(tag: &str) -> Result<Self, StartError> {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("rzk-test-{tag}-{}-{n}", std::process::id()));
        // A leftover of an earlier process that had the same pid.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).map_err(|e| StartError::Io("mkdir", e))?;
        Ok(Self { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Gives up ownership: the directory is no longer removed on drop.
    pub fn into_path(mut self) -> PathBuf {
        std::mem::take(&mut self.path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Empty after `into_path`.
        if !self.path.as_os_str().is_empty() {
            remove_unless_panicking(&self.path);
        }
    }
}

/// Removes `dir`, unless the thread is unwinding from a failed assertion:
/// then the files are evidence, and their place is printed.
pub(crate) fn remove_unless_panicking(dir: &Path) {
    if std::thread::panicking() {
        eprintln!("rzk-testkit: kept {} for inspection", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The transaction logs and snapshots in a `version-2` directory, each with
/// the zxid its name carries (PROTOCOL.md §6.1), sorted by that zxid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Version2Files {
    /// `log.<hex zxid>` files.
    pub logs: Vec<(i64, PathBuf)>,
    /// `snapshot.<hex zxid>[.gz|.snappy]` files.
    pub snapshots: Vec<(i64, PathBuf)>,
    /// Every other entry's name (epoch files, temporaries…).
    pub other: Vec<String>,
}

impl Version2Files {
    /// Lists `<dir>/version-2`; `dir` is a `dataDir` or `dataLogDir` (the
    /// parent of `version-2`, as in zoo.cfg). A missing `version-2` is an
    /// empty listing, not an error: a server that wrote nothing left none.
    pub fn list(dir: &Path) -> std::io::Result<Self> {
        let v2 = dir.join("version-2");
        let mut out = Self::default();
        let entries = match std::fs::read_dir(&v2) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            match parse_name(&name) {
                Some(("log", zxid)) => out.logs.push((zxid, entry.path())),
                Some(("snapshot", zxid)) => out.snapshots.push((zxid, entry.path())),
                _ => out.other.push(name),
            }
        }
        out.logs.sort();
        out.snapshots.sort();
        out.other.sort();
        Ok(out)
    }

    /// One line for messages: `logs [0x1, 0x3a] snapshots [0x0, 0x39] other []`.
    pub fn summary(&self) -> String {
        let hex = |v: &[(i64, PathBuf)]| {
            v.iter()
                .map(|(z, _)| format!("{z:#x}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "logs [{}] snapshots [{}] other {:?}",
            hex(&self.logs),
            hex(&self.snapshots),
            self.other
        )
    }
}

/// `log.1a` → ("log", 0x1a); `snapshot.1a.gz` → ("snapshot", 0x1a). As in
/// ZooKeeper (`Util.getZxidFromName`), the zxid is the hex after the first
/// dot; a snapshot may carry its compression suffix. Anything else (a
/// temporary, an epoch file) is not a log or snapshot.
fn parse_name(name: &str) -> Option<(&str, i64)> {
    let (prefix, rest) = name.split_once('.')?;
    if prefix != "log" && prefix != "snapshot" {
        return None;
    }
    let hex = match rest.split_once('.') {
        Some((hex, ext)) if prefix == "snapshot" && (ext == "gz" || ext == "snappy") => hex,
        Some(_) => return None,
        None => rest,
    };
    // Long.toHexString of a zxid: unsigned hex, so parse as u64 and keep
    // the bits.
    let zxid = u64::from_str_radix(hex, 16).ok()?;
    Some((prefix, i64::from_ne_bytes(zxid.to_ne_bytes())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_parse_as_zookeeper_reads_them() {
        assert_eq!(parse_name("log.1"), Some(("log", 1)));
        assert_eq!(parse_name("log.100000001"), Some(("log", 0x1_0000_0001)));
        assert_eq!(parse_name("snapshot.42"), Some(("snapshot", 0x42)));
        assert_eq!(parse_name("snapshot.42.gz"), Some(("snapshot", 0x42)));
        assert_eq!(parse_name("snapshot.42.snappy"), Some(("snapshot", 0x42)));
        assert_eq!(parse_name("log.42.gz"), None);
        assert_eq!(parse_name("currentEpoch"), None);
        assert_eq!(parse_name("acceptedEpoch.tmp"), None);
        assert_eq!(parse_name("log.xyz"), None);
        assert_eq!(parse_name("log."), None);
    }

    #[test]
    fn a_listing_sorts_by_zxid_and_keeps_the_rest_apart() {
        let d = TempDir::new("v2list").unwrap();
        assert_eq!(
            Version2Files::list(d.path()).unwrap(),
            Version2Files::default()
        );
        let v2 = d.path().join("version-2");
        std::fs::create_dir(&v2).unwrap();
        for f in ["log.a", "log.2", "snapshot.0", "snapshot.9", "currentEpoch"] {
            std::fs::write(v2.join(f), b"").unwrap();
        }
        let l = Version2Files::list(d.path()).unwrap();
        assert_eq!(
            l.logs.iter().map(|(z, _)| *z).collect::<Vec<_>>(),
            vec![2, 10]
        );
        assert_eq!(
            l.snapshots.iter().map(|(z, _)| *z).collect::<Vec<_>>(),
            vec![0, 9]
        );
        assert_eq!(l.other, vec!["currentEpoch".to_string()]);
        assert_eq!(
            l.summary(),
            "logs [0x2, 0xa] snapshots [0x0, 0x9] other [\"currentEpoch\"]"
        );
    }

    #[test]
    fn a_temp_dir_goes_away_on_drop() {
        let d = TempDir::new("drop").unwrap();
        let p = d.path().to_path_buf();
        std::fs::write(p.join("f"), b"x").unwrap();
        drop(d);
        assert!(!p.exists());
    }
}
