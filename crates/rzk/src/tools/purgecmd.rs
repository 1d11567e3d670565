//! `rzk purge DATADIR [-n N] [--log-dir DIR]`: `PurgeTxnLog` (`zkCleanup.sh`)
//! for rzk's and ZooKeeper's data directories. As there, the directories
//! given are the parents of `version-2`, N must be at least 3, and each
//! removed file is printed as `Removing file: <path>` (ZooKeeper also
//! prints the file's modification time, which rzk's disk layer does not
//! see).

use std::path::{Path, PathBuf};

use rzk_storage::{FsDisk, MIN_SNAP_RETAIN_COUNT};

use super::PurgeArgs;

/// ZooKeeper's `version-2` directory under a dataDir or dataLogDir.
const VERSION_DIR: &str = "version-2";

/// Runs the purge; returns the exit status.
pub fn run(args: &PurgeArgs) -> i32 {
    if args.count < MIN_SNAP_RETAIN_COUNT {
        eprintln!("rzk: count should be greater than or equal to 3");
        return 1;
    }
    let snap_dir = match version_dir(&args.data_dir) {
        Ok(d) => d,
        Err(msg) => return fail(&msg),
    };
    let log_dir = match &args.log_dir {
        Some(d) => match version_dir(d) {
            Ok(d) => d,
            Err(msg) => return fail(&msg),
        },
        None => snap_dir.clone(),
    };
    let report = match rzk_storage::purge(&FsDisk, &snap_dir, &log_dir, args.count) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    for path in &report.removed {
        println!("Removing file: {}", path.display());
    }
    for (path, e) in &report.failed {
        eprintln!("Failed to remove {}: {e}", path.display());
    }
    match report.retain_from_zxid {
        Some(z) => println!(
            "Kept {} snapshot(s), the oldest at zxid 0x{z:x}; removed {} file(s).",
            report.kept_snapshots.len(),
            report.removed.len()
        ),
        None => println!(
            "No valid snapshot in {}: nothing removed.",
            snap_dir.display()
        ),
    }
    i32::from(!report.failed.is_empty())
}

/// `<dir>/version-2`, which must exist (`PurgeTxnLog` says "Path '…' does
/// not exist." for the directory given).
fn version_dir(dir: &Path) -> Result<PathBuf, String> {
    if !dir.is_dir() {
        return Err(format!("Path '{}' does not exist.", dir.display()));
    }
    let v = dir.join(VERSION_DIR);
    if !v.is_dir() {
        return Err(format!(
            "{} has no {VERSION_DIR} directory: give the dataDir (or dataLogDir) itself",
            dir.display()
        ));
    }
    Ok(v)
}

fn fail(msg: &str) -> i32 {
    eprintln!("rzk: {msg}");
    1
}
