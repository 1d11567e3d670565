//! A server's memory, read from /proc (Linux).

use std::path::PathBuf;

use super::error::BenchError;

/// Resident set size of process `pid`, in kB (`VmRSS`).
pub fn rss_kb(pid: u32) -> Result<u64, BenchError> {
    let path = PathBuf::from(format!("/proc/{pid}/status"));
    let status = std::fs::read_to_string(&path).map_err(|source| BenchError::Io {
        path: path.clone(),
        source,
    })?;
    vm_field(&status, "VmRSS")
        .ok_or_else(|| BenchError::Failed(format!("{}: no VmRSS line", path.display())))
}

/// A `Vm…:  N kB` field of a /proc status file, in kB.
pub fn vm_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_field_in_kb() {
        let status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  186112 kB\nVmHWM:\t 190000 kB\n";
        assert_eq!(vm_field(status, "VmRSS"), Some(186_112));
        assert_eq!(vm_field(status, "VmHWM"), Some(190_000));
        assert_eq!(vm_field(status, "VmSwap"), None);
    }

    #[test]
    fn our_own_rss_is_readable() {
        let kb = rss_kb(std::process::id()).unwrap();
        assert!(kb > 0);
        assert!(matches!(rss_kb(u32::MAX), Err(BenchError::Io { .. })));
    }
}
