//! One error type for every client call: each ZooKeeper error code, plus
//! what can only happen on the client side.

use rzk_proto::codes::ErrorCode;

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server answered with a ZooKeeper error code (never `Ok`). Codes
    /// that only a client produces (ConnectionLoss, OperationTimeout…) are
    /// reported as their own variants below instead.
    #[error("KeeperErrorCode = {} ({})", .0.message(), .0.code())]
    Server(ErrorCode),
    /// The server answered with a code rzk does not know.
    #[error("unknown ZooKeeper error code {0}")]
    UnknownCode(i32),
    /// The connection broke before the reply arrived: the request may or
    /// may not have been applied.
    #[error("connection lost before the reply")]
    ConnectionLoss,
    /// The session expired; the client must be recreated.
    #[error("session expired")]
    SessionExpired,
    /// The server rejected the connection's credentials.
    #[error("authentication failed")]
    AuthFailed,
    /// No reply within the configured request timeout.
    #[error("request timed out")]
    Timeout,
    /// The client was closed.
    #[error("client closed")]
    Closed,
    /// A reply could not be decoded.
    #[error("undecodable reply: {0}")]
    Decode(#[from] rzk_proto::jute::DecodeError),
    /// A caller-side argument is invalid (bad path, empty ACL…).
    #[error("bad argument: {0}")]
    BadArguments(String),
    /// A multi failed: nothing was applied. `index` is the op that failed
    /// with `code`; `results` holds every op's result (0 before it, -2 after).
    #[error("multi failed at op {index}: {}", Error::from_code(*.code))]
    MultiFailed {
        /// Position of the failing op.
        index: usize,
        /// Its error code.
        code: i32,
        /// Every op's result.
        results: Vec<rzk_proto::client::OpResult>,
    },
    /// No server in the connect string could be reached in time.
    #[error("could not connect: {0}")]
    Connect(String),
}

impl Error {
    /// The error for a non-zero reply code.
    pub fn from_code(code: i32) -> Self {
        match ErrorCode::from_code(code) {
            Ok(ErrorCode::ConnectionLoss) => Error::ConnectionLoss,
            Ok(ErrorCode::SessionExpired) => Error::SessionExpired,
            Ok(ErrorCode::AuthFailed) => Error::AuthFailed,
            Ok(ErrorCode::OperationTimeout | ErrorCode::RequestTimeout) => Error::Timeout,
            Ok(c) => Error::Server(c),
            Err(_) => Error::UnknownCode(code),
        }
    }

    /// The ZooKeeper code this error corresponds to, when there is one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Server(c) => Some(*c),
            Error::ConnectionLoss => Some(ErrorCode::ConnectionLoss),
            Error::SessionExpired => Some(ErrorCode::SessionExpired),
            Error::AuthFailed => Some(ErrorCode::AuthFailed),
            Error::Timeout => Some(ErrorCode::OperationTimeout),
            Error::BadArguments(_) => Some(ErrorCode::BadArguments),
            Error::Decode(_) => Some(ErrorCode::MarshallingError),
            Error::MultiFailed { code, .. } => ErrorCode::from_code(*code).ok(),
            _ => None,
        }
    }

    /// True for `NoNode`.
    pub fn is_no_node(&self) -> bool {
        self.code() == Some(ErrorCode::NoNode)
    }

    /// True for `NodeExists`.
    pub fn is_node_exists(&self) -> bool {
        self.code() == Some(ErrorCode::NodeExists)
    }

    /// True for `BadVersion`.
    pub fn is_bad_version(&self) -> bool {
        self.code() == Some(ErrorCode::BadVersion)
    }

    /// True when retrying on the same session may succeed (the outcome of
    /// the failed call is unknown).
    pub fn is_connection_loss(&self) -> bool {
        matches!(self, Error::ConnectionLoss | Error::Timeout)
    }
}

/// Shorthand for client results.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_variants_and_messages_match_java() {
        assert_eq!(Error::from_code(-101), Error::Server(ErrorCode::NoNode));
        assert!(Error::from_code(-101).is_no_node());
        assert_eq!(Error::from_code(-112), Error::SessionExpired);
        assert_eq!(Error::from_code(-4), Error::ConnectionLoss);
        assert_eq!(Error::from_code(-999), Error::UnknownCode(-999));
        assert_eq!(
            Error::Server(ErrorCode::NotEmpty).to_string(),
            "KeeperErrorCode = Directory not empty (-111)"
        );
    }
}
