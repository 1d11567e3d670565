//! Why a workload stopped before producing its report.

use std::path::PathBuf;

/// A workload's failure. Per-request errors during a measurement are not
/// failures: they are counted in the report.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A session could not be opened.
    #[error("session {index} to {server}: {source}")]
    Connect {
        /// Which session (0-based).
        index: usize,
        /// The connect string.
        server: String,
        /// The client's error.
        source: rzk_client::Error,
    },
    /// A setup step (not a measured request) failed.
    #[error("{step}: {source}")]
    Setup {
        /// What was being done.
        step: String,
        /// The client's error.
        source: rzk_client::Error,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A process could not be started, signalled or waited for.
    #[error("{what}: {source}")]
    Process {
        /// What was attempted.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// The workload could not complete as asked.
    #[error("{0}")]
    Failed(String),
    /// The report could not be encoded.
    #[error("cannot encode the report: {0}")]
    Json(#[from] serde_json::Error),
}
