//! Command failures as zkCli reports them: one message line on stderr and
//! an exit status (`CliException` and its subclasses), with the texts of
//! `CliWrapperException` for ZooKeeper errors.

use rzk_client::{Error, ErrorCode};

/// A failed command: the line zkCli prints and the status it exits with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// Printed on stderr.
    pub message: String,
    /// The process status if this was the last command.
    pub code: i32,
}

impl CliError {
    /// Status 1, zkCli's default for every `CliException`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }

    /// An unknown command (`CommandNotFoundException`, status 127; zkCli
    /// says "Command not found" twice).
    pub fn not_found(command: &str) -> Self {
        Self {
            message: format!("Command not found: Command not found {command}"),
            code: 127,
        }
    }

    /// A client failure on `path`, worded as `CliWrapperException` words
    /// the Java client's `KeeperException`.
    pub fn keeper(err: &Error, path: &str) -> Self {
        Self::new(keeper_message(err, Some(path)))
    }

    /// `Integer.parseInt` failing: zkCli dies with this exception; rzk
    /// reports it as a failed command instead.
    pub fn number_format(input: &str) -> Self {
        Self::new(format!(
            "java.lang.NumberFormatException: For input string: \"{input}\""
        ))
    }
}

/// `KeeperException.getMessage()`: `KeeperErrorCode = <text>[ for <path>]`.
pub fn keeper_exception_text(code: ErrorCode, path: Option<&str>) -> String {
    match path {
        Some(p) if !p.is_empty() => format!("KeeperErrorCode = {} for {p}", code.message()),
        _ => format!("KeeperErrorCode = {}", code.message()),
    }
}

/// The message zkCli prints for a client error on `path` (`None` when the
/// Java exception carries no path, e.g. a client-side ACL check).
pub fn keeper_message(err: &Error, path: Option<&str>) -> String {
    let code = match err {
        Error::BadArguments(m) => return m.clone(),
        Error::UnknownCode(c) => {
            let p = path.map(|p| format!(" for {p}")).unwrap_or_default();
            return format!("KeeperErrorCode = Unknown error {c}{p}");
        }
        Error::Decode(e) => return e.to_string(),
        Error::Connect(_) | Error::Closed => ErrorCode::ConnectionLoss,
        other => other.code().unwrap_or(ErrorCode::SystemError),
    };
    let p = path.unwrap_or("null");
    let text = match code {
        ErrorCode::NoNode => format!("Node does not exist: {p}"),
        ErrorCode::NoChildrenForEphemerals => format!("Ephemerals cannot have children: {p}"),
        ErrorCode::NodeExists => format!("Node already exists: {p}"),
        ErrorCode::NotEmpty => format!("Node not empty: {p}"),
        ErrorCode::NotReadOnly => format!("Not a read-only call: {p}"),
        ErrorCode::InvalidAcl => format!("Acl is not valid : {p}"),
        ErrorCode::NoAuth => format!("Insufficient permission : {p}"),
        ErrorCode::BadArguments => format!("Arguments are not valid : {p}"),
        ErrorCode::BadVersion => format!("version No is not valid : {p}"),
        ErrorCode::ReconfigInProgress => {
            "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)"
                .to_string()
        }
        ErrorCode::NewConfigNoQuorum => "No quorum of new config is connected and up-to-date with the leader of last commmitted config - try invoking reconfiguration after new servers are connected and synced".to_string(),
        ErrorCode::QuotaExceeded => format!("Quota has exceeded : {p}"),
        other => keeper_exception_text(other, path),
    };
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapper_texts() {
        let e = |c| Error::Server(c);
        assert_eq!(
            keeper_message(&e(ErrorCode::NoNode), Some("/x")),
            "Node does not exist: /x"
        );
        assert_eq!(
            keeper_message(&e(ErrorCode::BadVersion), Some("/s1")),
            "version No is not valid : /s1"
        );
        assert_eq!(
            keeper_message(&e(ErrorCode::Unimplemented), Some("/ttl")),
            "KeeperErrorCode = Unimplemented for /ttl"
        );
        assert_eq!(
            keeper_message(&e(ErrorCode::NoWatcher), Some("/w")),
            "KeeperErrorCode = No such watcher for /w"
        );
        assert_eq!(
            keeper_message(&e(ErrorCode::InvalidAcl), None),
            "Acl is not valid : null"
        );
        assert_eq!(
            keeper_message(&Error::ConnectionLoss, Some("/")),
            "KeeperErrorCode = ConnectionLoss for /"
        );
        assert_eq!(CliError::not_found("foo").code, 127);
    }
}
