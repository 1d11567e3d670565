//! Why a configuration was refused. Every variant names the key (or file)
//! and the offending value, so the binary can print it and exit 2.

use std::path::PathBuf;

use thiserror::Error;

use super::properties::PropertiesError;

/// A configuration error.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not a valid `.properties` file.
    #[error("{path}: {source}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: PropertiesError,
    },
    /// A value is not what the key takes.
    #[error("{key}={value:?}: {expected}")]
    InvalidValue {
        /// The key as written.
        key: String,
        /// The value as written (trimmed).
        value: String,
        /// What the key takes, e.g. "an integer" or "'true' or 'false'".
        expected: &'static str,
    },
    /// A required key is missing, or set to ZooKeeper's "unset" value.
    #[error("{key} is not set")]
    Missing {
        /// The key.
        key: &'static str,
    },
    /// A key combined with others in a way ZooKeeper refuses.
    #[error("{key}={value:?}: {reason}")]
    Rule {
        /// The key the rule is about.
        key: String,
        /// Its value.
        value: String,
        /// The rule, in words.
        reason: String,
    },
    /// A `server.N` value that is not
    /// `host:port:port[:type][|…][;[host:]port]`.
    #[error("{key}={value:?}: {reason}")]
    ServerSpec {
        /// `server.N`.
        key: String,
        /// The spec as written.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The quorum is not a valid ensemble.
    #[error("invalid quorum: {reason}")]
    Quorum {
        /// What is wrong with it.
        reason: String,
    },
    /// Quorum mode needs `dataDir/myid`.
    #[error("myid file is missing: {path} (required when the ensemble has more than one voter)")]
    MyidMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `myid` holds no number.
    #[error("{path}: serverid {value:?} is not a number")]
    MyidInvalid {
        /// The file.
        path: PathBuf,
        /// Its first line.
        value: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: &str, value: &str, expected: &'static str) -> Self {
        ConfigError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            expected,
        }
    }

    pub(crate) fn rule(key: &str, value: &str, reason: impl Into<String>) -> Self {
        ConfigError::Rule {
            key: key.to_owned(),
            value: value.to_owned(),
            reason: reason.into(),
        }
    }
}
