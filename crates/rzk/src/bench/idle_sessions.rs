//! `rzk bench idle-sessions`: connection scale. Hold N idle sessions on one
//! server and read the server's resident memory before and after.

use std::time::Duration;

use serde::Serialize;

use super::error::BenchError;
use super::procfs::rss_kb;
use super::sessions::{close_all, SessionOptions};

/// What holding the sessions cost the server.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdleReport {
    /// Always `idle-sessions`.
    pub workload: String,
    /// Sessions held.
    pub sessions: usize,
    /// Server RSS before the first session, kB.
    pub rss_before_kb: u64,
    /// Server RSS with every session held, kB.
    pub rss_after_kb: u64,
    /// (after − before) / sessions, bytes.
    pub bytes_per_session: f64,
}

impl IdleReport {
    /// The one line `bench/idle_sessions.sh` parses.
    pub fn line(&self) -> String {
        format!(
            "sessions={} rss_before_kb={} rss_after_kb={} bytes_per_session={:.0}",
            self.sessions, self.rss_before_kb, self.rss_after_kb, self.bytes_per_session
        )
    }
}

/// Opens `sessions` sessions, holds them idle for `hold`, and reports the
/// RSS of the server process `pid`.
pub async fn run(
    opts: &SessionOptions,
    sessions: usize,
    hold: Duration,
    pid: u32,
) -> Result<IdleReport, BenchError> {
    let before = rss_kb(pid)?;
    let held = opts.connect_many(sessions).await?;
    tokio::time::sleep(hold).await;
    let after = rss_kb(pid);
    close_all(&held).await;
    let after = after?;
    Ok(IdleReport {
        workload: "idle-sessions".into(),
        sessions: held.len(),
        rss_before_kb: before,
        rss_after_kb: after,
        bytes_per_session: after.saturating_sub(before) as f64 * 1024.0 / held.len().max(1) as f64,
    })
}
