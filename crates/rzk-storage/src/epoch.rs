//! The epoch files of a quorum member (PROTOCOL.md §6.1, §5.5):
//! `acceptedEpoch` and `currentEpoch` in the snapshot directory
//! (`dataDir/version-2`), each an ASCII decimal long with no newline.
//!
//! Written as ZooKeeper writes them (`QuorumPeer.writeLongToFile` through
//! `AtomicFileOutputStream`): to `<name>.tmp`, synced, renamed over
//! `<name>`; rzk also syncs the directory so the rename itself survives a
//! crash. Read as `QuorumPeer.readLongFromFile` reads them: the first line,
//! parsed as a signed decimal long.

use std::io;
use std::path::{Path, PathBuf};

use crate::disk::Disk;

/// Which epoch file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EpochFile {
    /// `acceptedEpoch`: the newest epoch this member accepted from a
    /// prospective leader (written when it sends ACKEPOCH / LEADERINFO).
    Accepted,
    /// `currentEpoch`: the epoch of the leader whose history this member
    /// has fully synced (written at NEWLEADER).
    Current,
}

impl EpochFile {
    /// The file name (`acceptedEpoch` or `currentEpoch`).
    pub const fn file_name(self) -> &'static str {
        match self {
            EpochFile::Accepted => "acceptedEpoch",
            EpochFile::Current => "currentEpoch",
        }
    }

    /// The temporary name it is written under (`<name>.tmp`), which
    /// ZooKeeper also reads back for `currentEpoch` when a crash left the
    /// rename undone (`QuorumPeer.loadDataBase`).
    pub fn tmp_name(self) -> String {
        format!("{}.tmp", self.file_name())
    }
}

/// An epoch file could not be read or written. Every variant names the
/// file.
#[derive(Debug, thiserror::Error)]
pub enum EpochError {
    /// A disk operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The first line is not a decimal long (ZooKeeper: `Found <line> in
    /// <file>`).
    #[error("{}: expected a decimal epoch, found {content:?}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Its first line (lossily decoded, cut at 64 characters).
        content: String,
    },
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> EpochError {
    let path = path.to_owned();
    move |source| EpochError::Io { op, path, source }
}

/// Reads `snap_dir/<file>`: `None` if it does not exist.
pub fn read_epoch(
    disk: &dyn Disk,
    snap_dir: &Path,
    file: EpochFile,
) -> Result<Option<i64>, EpochError> {
    read_epoch_at(disk, &snap_dir.join(file.file_name()))
}

/// Reads `snap_dir/<file>.tmp`, left behind when a crash came between
/// writing and renaming: `None` if it does not exist.
pub fn read_pending_epoch(
    disk: &dyn Disk,
    snap_dir: &Path,
    file: EpochFile,
) -> Result<Option<i64>, EpochError> {
    read_epoch_at(disk, &snap_dir.join(file.tmp_name()))
}

fn read_epoch_at(disk: &dyn Disk, path: &Path) -> Result<Option<i64>, EpochError> {
    let bytes = match disk.read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read", path)(e)),
    };
    parse_epoch(&bytes)
        .map(Some)
        .ok_or_else(|| EpochError::Malformed {
            path: path.to_owned(),
            content: first_line(&bytes).chars().take(64).collect(),
        })
}

/// `BufferedReader.readLine`: up to the first `\n` or `\r`.
fn first_line(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `Long.parseLong` of the first line: an optional sign and ASCII digits,
/// no spaces, within range.
fn parse_epoch(bytes: &[u8]) -> Option<i64> {
    first_line(bytes).parse().ok()
}

/// Writes `epoch` to `snap_dir/<file>`: `<file>.tmp` is written (replacing
/// any leftover), synced, renamed over `<file>`, and the directory synced.
/// Once it returns, a crash leaves the new value.
pub fn write_epoch(
    disk: &dyn Disk,
    snap_dir: &Path,
    file: EpochFile,
    epoch: i64,
) -> Result<(), EpochError> {
    let tmp = snap_dir.join(file.tmp_name());
    let dest = snap_dir.join(file.file_name());
    match disk.remove(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err("remove", &tmp)(e)),
    }
    let mut f = disk.create(&tmp).map_err(io_err("create", &tmp))?;
    f.write_at(0, epoch.to_string().as_bytes())
        .map_err(io_err("write", &tmp))?;
    f.sync().map_err(io_err("sync", &tmp))?;
    drop(f);
    disk.rename(&tmp, &dest).map_err(io_err("rename", &tmp))?;
    disk.sync_dir(snap_dir)
        .map_err(io_err("sync directory", snap_dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FsDisk;

    #[test]
    fn written_as_bare_decimal_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let disk = FsDisk;
        assert_eq!(
            read_epoch(&disk, dir.path(), EpochFile::Current).unwrap(),
            None
        );
        write_epoch(&disk, dir.path(), EpochFile::Current, 7).unwrap();
        write_epoch(&disk, dir.path(), EpochFile::Accepted, -1).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("currentEpoch")).unwrap(),
            b"7"
        );
        assert_eq!(
            std::fs::read(dir.path().join("acceptedEpoch")).unwrap(),
            b"-1"
        );
        assert_eq!(
            read_epoch(&disk, dir.path(), EpochFile::Current).unwrap(),
            Some(7)
        );
        assert_eq!(
            read_epoch(&disk, dir.path(), EpochFile::Accepted).unwrap(),
            Some(-1)
        );
        assert!(!dir.path().join("currentEpoch.tmp").exists());

        write_epoch(&disk, dir.path(), EpochFile::Current, i64::MAX).unwrap();
        assert_eq!(
            read_epoch(&disk, dir.path(), EpochFile::Current).unwrap(),
            Some(i64::MAX)
        );
    }

    #[test]
    fn a_leftover_tmp_is_replaced_and_readable_until_then() {
        let dir = tempfile::tempdir().unwrap();
        let disk = FsDisk;
        std::fs::write(dir.path().join("currentEpoch.tmp"), b"12").unwrap();
        assert_eq!(
            read_pending_epoch(&disk, dir.path(), EpochFile::Current).unwrap(),
            Some(12)
        );
        write_epoch(&disk, dir.path(), EpochFile::Current, 13).unwrap();
        assert_eq!(
            read_epoch(&disk, dir.path(), EpochFile::Current).unwrap(),
            Some(13)
        );
        assert_eq!(
            read_pending_epoch(&disk, dir.path(), EpochFile::Current).unwrap(),
            None
        );
    }

    #[test]
    fn only_the_first_line_counts_as_zookeeper_reads_it() {
        assert_eq!(parse_epoch(b"5\n"), Some(5));
        assert_eq!(parse_epoch(b"5\r\nignored"), Some(5));
        assert_eq!(parse_epoch(b"+5"), Some(5));
        assert_eq!(parse_epoch(b"-3"), Some(-3));
        for bad in [
            &b""[..],
            b"\n5",
            b" 5",
            b"5 ",
            b"0x5",
            b"9223372036854775808",
            b"five",
        ] {
            assert_eq!(parse_epoch(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_malformed_file_is_named_with_its_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("acceptedEpoch"), b"garbage\nmore").unwrap();
        let e = read_epoch(&FsDisk, dir.path(), EpochFile::Accepted).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("acceptedEpoch"), "{msg}");
        assert!(msg.contains("\"garbage\""), "{msg}");
        assert!(matches!(e, EpochError::Malformed { ref content, .. } if content == "garbage"));
    }

    #[test]
    fn read_errors_other_than_absence_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be cannot be read.
        std::fs::create_dir(dir.path().join("currentEpoch")).unwrap();
        let e = read_epoch(&FsDisk, dir.path(), EpochFile::Current).unwrap_err();
        assert!(matches!(e, EpochError::Io { op: "read", .. }), "{e}");
        assert!(e.to_string().contains("currentEpoch"));
    }
}
