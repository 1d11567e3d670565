//! State shared between the client handles and the session task.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;
use rzk_proto::jute::Reader;
use tokio::sync::{broadcast, oneshot, watch};

use crate::error::Error;
use crate::state::SessionState;
use crate::watches::{OneShotKind, WatchRegistry};

/// The session's identity, kept across reconnects.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionInfo {
    /// 0 until the first connect.
    pub id: i64,
    /// The password the server gave.
    pub passwd: Bytes,
    /// The negotiated timeout in ms.
    pub timeout_ms: i32,
}

/// What the session task and the handles share. Locks are held only for
/// short, non-async sections.
pub(crate) struct Shared {
    pub chroot: Option<String>,
    pub state: watch::Sender<SessionState>,
    pub transitions: broadcast::Sender<SessionState>,
    pub watches: Mutex<WatchRegistry>,
    pub session: Mutex<SessionInfo>,
    pub auth: Mutex<Vec<(String, Bytes)>>,
    pub last_zxid: AtomicI64,
    pub closing: AtomicBool,
}

/// A locked value, recovering from a poisoned lock: the data under these
/// locks stays consistent at every await-free step, so a panic elsewhere
/// cannot leave it half-updated.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(chroot: Option<String>) -> Self {
        let (state, _) = watch::channel(SessionState::Disconnected);
        let (transitions, _) = broadcast::channel(64);
        Self {
            chroot,
            state,
            transitions,
            watches: Mutex::default(),
            session: Mutex::default(),
            auth: Mutex::default(),
            last_zxid: AtomicI64::new(0),
            closing: AtomicBool::new(false),
        }
    }

    /// Moves to `s`, telling subscribers, unless already there. Terminal
    /// states are final.
    pub(crate) fn set_state(&self, s: SessionState) {
        let changed = self.state.send_if_modified(|cur| {
            if *cur == s || cur.is_terminal() {
                false
            } else {
                *cur = s;
                true
            }
        });
        if changed {
            let _ = self.transitions.send(s);
        }
    }

    /// The error every call gets once the session has ended, or
    /// `ConnectionLoss` while it may still recover.
    pub(crate) fn ended_error(&self) -> Error {
        match *self.state.borrow() {
            SessionState::Expired => Error::SessionExpired,
            SessionState::Closed => Error::Closed,
            SessionState::AuthFailed => Error::AuthFailed,
            _ => Error::ConnectionLoss,
        }
    }

    /// `path` as the server sees it (chroot prepended).
    pub(crate) fn server_path(&self, path: &str) -> String {
        match &self.chroot {
            None => path.to_string(),
            Some(c) if path == "/" => c.clone(),
            Some(c) => format!("{c}{path}"),
        }
    }

    /// A server path as the application sees it (chroot removed).
    pub(crate) fn client_path(&self, path: &str) -> String {
        match &self.chroot {
            Some(c) if path == c => "/".to_string(),
            Some(c) => path.strip_prefix(c.as_str()).unwrap_or(path).to_string(),
            None => path.to_string(),
        }
    }

    pub(crate) fn last_zxid(&self) -> i64 {
        self.last_zxid.load(Ordering::Acquire)
    }

    pub(crate) fn observe_zxid(&self, zxid: i64) {
        self.last_zxid.fetch_max(zxid, Ordering::AcqRel);
    }
}

/// A raw reply: header fields and the undecoded body.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub zxid: i64,
    pub err: i32,
    pub body: Bytes,
}

impl Reply {
    /// A reader over the body.
    pub(crate) fn reader(&self) -> Reader {
        Reader::new(self.body.clone())
    }
}

/// A watch to register when the reply arrives, as the Java client does in
/// `WatchRegistration.register`.
pub(crate) enum WatchReg {
    /// getData/getChildren: registered on success.
    OneShot {
        kind: OneShotKind,
        path: String,
        tx: oneshot::Sender<crate::state::WatchedEvent>,
    },
    /// exists: a data watch on success, an exist watch on NoNode.
    Exists {
        path: String,
        tx: oneshot::Sender<crate::state::WatchedEvent>,
    },
    /// addWatch: registered on success.
    Persistent {
        recursive: bool,
        path: String,
        tx: tokio::sync::mpsc::UnboundedSender<crate::state::WatchedEvent>,
    },
}

impl WatchReg {
    /// Registers the watch if the reply code calls for it.
    pub(crate) fn register(self, err: i32, reg: &mut WatchRegistry) {
        const NO_NODE: i32 = -101;
        match self {
            WatchReg::OneShot { kind, path, tx } if err == 0 => reg.add_one_shot(kind, path, tx),
            WatchReg::Exists { path, tx } if err == 0 => {
                reg.add_one_shot(OneShotKind::Data, path, tx)
            }
            WatchReg::Exists { path, tx } if err == NO_NODE => {
                reg.add_one_shot(OneShotKind::Exist, path, tx)
            }
            WatchReg::Persistent {
                recursive,
                path,
                tx,
            } if err == 0 => reg.add_persistent(recursive, path, tx),
            _ => {}
        }
    }
}
