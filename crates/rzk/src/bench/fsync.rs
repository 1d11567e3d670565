//! `rzk bench fsync`: how long the disk takes to make a small write
//! durable. Durable write throughput of any ZooKeeper-like server is bound
//! by this number, so every report states it first.
//!
//! By default the file is preallocated (written with zeros and synced)
//! and then overwritten in place, write + fdatasync per block — the
//! pattern of ZooKeeper's txn log, which preallocates 64 MB so that an
//! fdatasync need not update the file's size. `--append` measures a
//! growing file instead.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::clock;
use super::error::BenchError;
use super::stats::{Latency, LatencySummary};

/// How to measure.
#[derive(Debug, Clone)]
pub struct FsyncConfig {
    /// Directory on the disk to measure.
    pub dir: PathBuf,
    /// Writes.
    pub count: usize,
    /// Bytes per write.
    pub size: usize,
    /// Grow the file instead of overwriting a preallocated one.
    pub append: bool,
}

/// fdatasync latencies.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FsyncReport {
    /// Always `fsync`.
    pub workload: String,
    /// The measured directory.
    pub dir: String,
    /// Writes.
    pub count: usize,
    /// Bytes per write.
    pub size: usize,
    /// `preallocated` or `append`.
    pub mode: String,
    /// Latency of write + fdatasync, milliseconds.
    pub latency_ms: LatencySummary,
    /// Synced writes per second, back to back.
    pub syncs_per_sec: f64,
}

impl FsyncReport {
    /// The human-readable summary.
    pub fn text(&self) -> String {
        let l = &self.latency_ms;
        format!(
            "fsync {} x {} B ({}) in {}: p50 {:.3} ms, p90 {:.3}, p99 {:.3}, max {:.3}; {:.0} syncs/s\n",
            self.count,
            self.size,
            self.mode,
            self.dir,
            l.p50,
            l.p90,
            l.p99,
            l.max,
            self.syncs_per_sec
        )
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Measures; the probe file is removed afterwards, also on failure.
pub fn run(cfg: &FsyncConfig) -> Result<FsyncReport, BenchError> {
    if cfg.count == 0 || cfg.size == 0 {
        return Err(BenchError::Failed(
            "--count and --size must be at least 1".into(),
        ));
    }
    let path = cfg
        .dir
        .join(format!("rzk-fsync-probe.{}", std::process::id()));
    let result = measure(cfg, &path);
    let _ = std::fs::remove_file(&path);
    result
}

fn measure(cfg: &FsyncConfig, path: &Path) -> Result<FsyncReport, BenchError> {
    let mut file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    if !cfg.append {
        preallocate(&mut file, cfg.size * cfg.count).map_err(io(path))?;
    }
    let block = vec![0x5Au8; cfg.size];
    let mut latency = Latency::new();
    let begun = clock::now();
    for _ in 0..cfg.count {
        let t = clock::now();
        file.write_all(&block).map_err(io(path))?;
        file.sync_data().map_err(io(path))?;
        latency.record(clock::now() - t);
    }
    let total = (clock::now() - begun).as_secs_f64();
    Ok(FsyncReport {
        workload: "fsync".into(),
        dir: cfg.dir.display().to_string(),
        count: cfg.count,
        size: cfg.size,
        mode: if cfg.append { "append" } else { "preallocated" }.into(),
        latency_ms: latency.summary(),
        syncs_per_sec: cfg.count as f64 / total.max(1e-9),
    })
}

/// Writes `len` zero bytes, syncs them, and rewinds: later writes then
/// overwrite allocated blocks, as in a preallocated txn log.
fn preallocate(file: &mut File, len: usize) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let chunk = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n])?;
        left -= n;
    }
    file.sync_all()?;
    file.seek(SeekFrom::Start(0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rzk-fsync-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn measures_every_write_and_leaves_no_file() {
        for append in [false, true] {
            let dir = tempdir(if append { "append" } else { "prealloc" });
            let cfg = FsyncConfig {
                dir: dir.clone(),
                count: 20,
                size: 4096,
                append,
            };
            let r = run(&cfg).unwrap();
            assert_eq!(r.count, 20);
            assert!(r.latency_ms.p50 > 0.0 && r.latency_ms.max >= r.latency_ms.p99);
            assert!(r.syncs_per_sec > 0.0);
            assert!(r.text().contains("fsync 20 x 4096 B"), "{}", r.text());
            assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
            std::fs::remove_dir(&dir).unwrap();
        }
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let cfg = FsyncConfig {
            dir: PathBuf::from("/nonexistent/rzk-fsync"),
            count: 1,
            size: 1,
            append: true,
        };
        let e = run(&cfg).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/rzk-fsync/rzk-fsync-probe."),
            "{e}"
        );
    }
}
