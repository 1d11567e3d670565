//! One entry point for server-neutral test suites: the same test starts
//! Apache ZooKeeper or the `rzk` binary, chosen by the environment.
//!
//! `RZK_TEST_SERVER=apache` (or unset) selects Apache ZooKeeper 3.8;
//! `RZK_TEST_SERVER=rzk` selects `$RZK_BIN server`. A selection that cannot
//! be honoured — an unknown name, `rzk` without `RZK_BIN`, or a path that is
//! not a file — is an error, so a misconfigured run fails instead of
//! silently testing the other server.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::server::{ApacheZk, RzkServer, ServerProcess, ZkOptions};
use crate::StartError;

/// The variable that names the server: `apache` (the default) or `rzk`.
pub const SERVER_ENV: &str = "RZK_TEST_SERVER";
/// The variable that gives the `rzk` binary's path when the server is `rzk`.
pub const BIN_ENV: &str = "RZK_BIN";

/// Which server a server-neutral test runs against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKind {
    /// Apache ZooKeeper 3.8 from Debian's packages.
    Apache,
    /// The `rzk` binary at this path (checked to be a file).
    Rzk {
        /// The binary; started as `<bin> server <zoo.cfg>`.
        bin: PathBuf,
    },
}

impl ServerKind {
    /// Reads [`SERVER_ENV`] and [`BIN_ENV`]. Fails with
    /// [`StartError::Selection`] when the name is unknown, or when `rzk` is
    /// chosen and `RZK_BIN` is unset or not an existing file.
    pub fn from_env() -> Result<Self, StartError> {
        let server = std::env::var_os(SERVER_ENV);
        let bin = std::env::var_os(BIN_ENV);
        Self::parse(server.as_deref(), bin.as_deref())
    }

    /// The selection for the given variable values (`None` = unset).
    fn parse(server: Option<&OsStr>, bin: Option<&OsStr>) -> Result<Self, StartError> {
        match server.map(|s| s.to_str()) {
            None | Some(Some("apache")) => Ok(Self::Apache),
            Some(Some("rzk")) => {
                let bin = bin.filter(|b| !b.is_empty()).ok_or_else(|| {
                    StartError::Selection(format!(
                        "{SERVER_ENV}=rzk needs {BIN_ENV}=<path of the rzk binary> \
                         (build it with `cargo build -p rzk`; it is then \
                         $CARGO_TARGET_DIR/debug/rzk)"
                    ))
                })?;
                let bin = PathBuf::from(bin);
                if !bin.is_file() {
                    return Err(StartError::Selection(format!(
                        "{BIN_ENV}={} is not a file (build it with `cargo build -p rzk`)",
                        bin.display()
                    )));
                }
                Ok(Self::Rzk { bin })
            }
            Some(_) => Err(StartError::Selection(format!(
                "{SERVER_ENV}={:?}: expected `apache` or `rzk`",
                server.unwrap_or_default()
            ))),
        }
    }

    /// `"apache"` or `"rzk"`, as [`SERVER_ENV`] spells them.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Apache => "apache",
            Self::Rzk { .. } => "rzk",
        }
    }
}

/// A running test server of the kind the environment selects; derefs to
/// [`ServerProcess`] (port, restart, kill, log, …) whichever it is.
#[derive(Debug)]
pub struct TestServer {
    kind: ServerKind,
    process: ServerProcess,
}

impl TestServer {
    /// Starts the selected server with the default test settings.
    pub fn start() -> Result<Self, StartError> {
        Self::start_with(ZkOptions::default())
    }

    /// Starts the selected server ([`ServerKind::from_env`]) with extra
    /// settings. Options rzk cannot honour (JVM `properties`) are refused
    /// with [`StartError::Unsupported`] when rzk is selected.
    pub fn start_with(opts: ZkOptions) -> Result<Self, StartError> {
        Self::start_kind(ServerKind::from_env()?, opts)
    }

    /// Starts a server of the given kind, whatever the environment says
    /// (for a test that only makes sense against one server).
    pub fn start_kind(kind: ServerKind, opts: ZkOptions) -> Result<Self, StartError> {
        let process = match &kind {
            ServerKind::Apache => ApacheZk::start_with(opts)?.0,
            ServerKind::Rzk { bin } => RzkServer::start_with(bin, opts)?.0,
        };
        Ok(Self { kind, process })
    }

    /// Which server this is.
    pub fn kind(&self) -> &ServerKind {
        &self.kind
    }

    /// Whether this is Apache ZooKeeper.
    pub fn is_apache(&self) -> bool {
        self.kind == ServerKind::Apache
    }

    /// The rzk binary, when this is rzk.
    pub fn rzk_bin(&self) -> Option<&Path> {
        match &self.kind {
            ServerKind::Apache => None,
            ServerKind::Rzk { bin } => Some(bin),
        }
    }
}

impl std::ops::Deref for TestServer {
    type Target = ServerProcess;
    fn deref(&self) -> &ServerProcess {
        &self.process
    }
}

impl std::ops::DerefMut for TestServer {
    fn deref_mut(&mut self) -> &mut ServerProcess {
        &mut self.process
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(server: Option<&str>, bin: Option<&str>) -> Result<ServerKind, StartError> {
        ServerKind::parse(server.map(OsStr::new), bin.map(OsStr::new))
    }

    #[test]
    fn apache_is_the_default_and_ignores_rzk_bin() {
        assert_eq!(parse(None, None).unwrap(), ServerKind::Apache);
        assert_eq!(
            parse(Some("apache"), Some("/nonexistent")).unwrap(),
            ServerKind::Apache
        );
    }

    #[test]
    fn rzk_takes_its_binary_from_rzk_bin() {
        // Any existing file will do: the test binary itself.
        let me = std::env::current_exe().unwrap();
        let kind = parse(Some("rzk"), me.to_str()).unwrap();
        assert_eq!(kind, ServerKind::Rzk { bin: me });
        assert_eq!(kind.name(), "rzk");
    }

    #[test]
    fn rzk_without_a_binary_fails_and_says_how_to_fix_it() {
        for bin in [None, Some("")] {
            let err = parse(Some("rzk"), bin).unwrap_err();
            assert!(matches!(err, StartError::Selection(_)), "{err}");
            assert!(err.to_string().contains("RZK_BIN="), "{err}");
        }
        let err = parse(Some("rzk"), Some("/nonexistent/rzk")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/rzk is not a file"),
            "{err}"
        );
        let dir = std::env::temp_dir();
        let err = parse(Some("rzk"), dir.to_str()).unwrap_err();
        assert!(matches!(err, StartError::Selection(_)), "{err}");
    }

    #[test]
    fn an_unknown_server_name_fails() {
        for name in ["", "Apache", "zookeeper", "rzk "] {
            let err = parse(Some(name), None).unwrap_err();
            assert!(matches!(err, StartError::Selection(_)), "{err}");
            assert!(err.to_string().contains("expected `apache` or `rzk`"));
        }
    }

    #[test]
    fn rzk_selection_refuses_jvm_properties() {
        let me = std::env::current_exe().unwrap();
        let err = TestServer::start_kind(
            ServerKind::Rzk { bin: me },
            ZkOptions {
                properties: vec!["zookeeper.x=1".into()],
                ..ZkOptions::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, StartError::Unsupported(_)), "{err}");
    }
}
