//! Fast leader election notifications (`q/FastLeaderElection.buildMsg`
//! and `WorkerReceiver`, `PROTOCOL.md` §5.3): a vote, in one of the
//! message formats ZooKeeper has used, told apart by the message's size.

use bytes::{BufMut, Bytes, BytesMut};

use super::codes::ServerState;

/// The notification format version ZooKeeper 3.5+ sends
/// (`Notification.CURRENTVERSION`): peer epoch, version and config.
pub const NOTIFICATION_VERSION: i32 = 2;

/// Bytes before the peer epoch: state, leader, zxid, election epoch.
const OLDEST_LEN: usize = 28;
/// Bytes up to and including the peer epoch.
const PEER_EPOCH_END: usize = 36;
/// The size of the format with a peer epoch and an unread trailing int.
const UNVERSIONED_LEN: usize = 40;
/// Bytes up to and including the config length.
const CONFIG_START: usize = 44;

/// Which message format a notification came in, and what only that format
/// carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationFormat {
    /// 28 bytes, before peer epochs: the receiver derives the peer epoch
    /// from the zxid's epoch (its high 32 bits), and encoding writes none.
    NoPeerEpoch,
    /// 40 bytes: the peer epoch, then an int ZooKeeper's receiver does not
    /// read (it treats the message as version 0). Encoded with that int
    /// as 1, as `buildMsg` wrote it.
    PeerEpoch,
    /// 41 bytes or more with a version of at most 1: no config follows,
    /// and bytes after the version are ignored. No ZooKeeper release sends
    /// this; it is encoded in 44 bytes (the version, then a zero int the
    /// receiver ignores) so it cannot be mistaken for the 40-byte format.
    Versioned(i32),
    /// A version above 1 (ZooKeeper 3.5+ sends 2): a config length and
    /// that many bytes of configuration text (§7.3) follow the version.
    /// Bytes after the config are ignored, as ZooKeeper ignores them.
    WithConfig {
        /// The format version (> 1).
        version: i32,
        /// The sender's QuorumVerifier text, UTF-8 (left undecoded here).
        config: Bytes,
    },
}

/// A peer's vote, as one election message carries it. The sender's sid is
/// not in the message: it is the connection's.
///
/// Guarantees: [`Notification::decode`] accepts exactly the messages
/// ZooKeeper's receiver accepts from a voter and never panics; for every
/// value whose format is consistent (`Versioned` at most 1, `WithConfig`
/// above 1, `NoPeerEpoch` with the peer epoch derived from the zxid),
/// `decode(encode(n)) == n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The sender's state.
    pub state: ServerState,
    /// The proposed leader's sid.
    pub leader: i64,
    /// The proposed leader's last logged zxid.
    pub zxid: i64,
    /// The sender's election round (logical clock).
    pub election_epoch: i64,
    /// The proposed leader's epoch.
    pub peer_epoch: i64,
    /// The format, and the version and config when it has them.
    pub format: NotificationFormat,
}

/// Why ZooKeeper's receiver would drop a message instead of counting it as
/// a vote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationDropped {
    /// Fewer than 28 bytes: no format is that short.
    #[error("{size}-byte notification is shorter than 28 bytes")]
    TooShort {
        /// The message size.
        size: usize,
    },
    /// The message ends inside a field its size says is there: 29–35
    /// bytes (peer epoch), 36–39 bytes (version: a peer epoch without a
    /// version is no format), or 41–43 bytes with a version above 1
    /// (config length), or a config longer than the bytes left.
    #[error("{size}-byte notification ends inside its {field} (needs {needed} bytes)")]
    Truncated {
        /// The message size.
        size: usize,
        /// The field cut short.
        field: &'static str,
        /// The size that field needs.
        needed: usize,
    },
    /// A config length below 0 or above the message size.
    #[error("config length {config_len} out of range for a {size}-byte notification")]
    ConfigLength {
        /// The length read.
        config_len: i32,
        /// The message size.
        size: usize,
    },
    /// A state that is not 0–3. ZooKeeper checks this last, and only for
    /// voters: a non-voter (observer) sending such a message still gets
    /// the receiver's current vote back, so a caller tracking non-voters
    /// should treat this error as "a message arrived" for that purpose.
    #[error("unknown server state {0}")]
    UnknownState(i32),
}

/// Big-endian reads at fixed offsets; the caller has checked the length.
fn int_at(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn long_at(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

impl Notification {
    /// A notification in the format ZooKeeper 3.5+ sends (version 2).
    pub fn current(
        state: ServerState,
        leader: i64,
        zxid: i64,
        election_epoch: i64,
        peer_epoch: i64,
        config: Bytes,
    ) -> Self {
        Self {
            state,
            leader,
            zxid,
            election_epoch,
            peer_epoch,
            format: NotificationFormat::WithConfig {
                version: NOTIFICATION_VERSION,
                config,
            },
        }
    }

    /// The format version as ZooKeeper records it (0 for the 28- and
    /// 40-byte formats). Vote comparison depends on whether it is above 0.
    pub fn version(&self) -> i32 {
        match &self.format {
            NotificationFormat::NoPeerEpoch | NotificationFormat::PeerEpoch => 0,
            NotificationFormat::Versioned(v) => *v,
            NotificationFormat::WithConfig { version, .. } => *version,
        }
    }

    /// The sender's configuration text, if the message had one.
    pub fn config(&self) -> Option<&Bytes> {
        match &self.format {
            NotificationFormat::WithConfig { config, .. } => Some(config),
            _ => None,
        }
    }

    /// Reads one election message (the payload of one frame), applying
    /// `WorkerReceiver`'s size rules in its order.
    pub fn decode(msg: &[u8]) -> Result<Self, NotificationDropped> {
        let size = msg.len();
        let cut = |field, needed| NotificationDropped::Truncated {
            size,
            field,
            needed,
        };
        if size < OLDEST_LEN {
            return Err(NotificationDropped::TooShort { size });
        }
        let raw_state = int_at(msg, 0);
        let leader = long_at(msg, 4);
        let zxid = long_at(msg, 12);
        let election_epoch = long_at(msg, 20);
        let (peer_epoch, format) = if size == OLDEST_LEN {
            (zxid >> 32, NotificationFormat::NoPeerEpoch)
        } else {
            if size < PEER_EPOCH_END {
                return Err(cut("peer epoch", PEER_EPOCH_END));
            }
            let peer_epoch = long_at(msg, 28);
            if size == UNVERSIONED_LEN {
                (peer_epoch, NotificationFormat::PeerEpoch)
            } else {
                if size < UNVERSIONED_LEN {
                    return Err(cut("version", UNVERSIONED_LEN));
                }
                let version = int_at(msg, PEER_EPOCH_END);
                if version <= 1 {
                    (peer_epoch, NotificationFormat::Versioned(version))
                } else {
                    if size < CONFIG_START {
                        return Err(cut("config length", CONFIG_START));
                    }
                    let config_len = int_at(msg, UNVERSIONED_LEN);
                    let len = usize::try_from(config_len)
                        .ok()
                        .filter(|n| *n <= size)
                        .ok_or(NotificationDropped::ConfigLength { config_len, size })?;
                    let config = msg
                        .get(CONFIG_START..CONFIG_START + len)
                        .ok_or(cut("config", CONFIG_START + len))?;
                    let config = Bytes::copy_from_slice(config);
                    (
                        peer_epoch,
                        NotificationFormat::WithConfig { version, config },
                    )
                }
            }
        };
        let state = ServerState::from_code(raw_state)
            .map_err(|_| NotificationDropped::UnknownState(raw_state))?;
        Ok(Self {
            state,
            leader,
            zxid,
            election_epoch,
            peer_epoch,
            format,
        })
    }

    /// The message in this notification's format (see
    /// [`NotificationFormat`] for what each writes).
    pub fn encode(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(CONFIG_START + self.config().map_or(0, Bytes::len));
        b.put_i32(self.state.code());
        b.put_i64(self.leader);
        b.put_i64(self.zxid);
        b.put_i64(self.election_epoch);
        match &self.format {
            NotificationFormat::NoPeerEpoch => {}
            NotificationFormat::PeerEpoch => {
                b.put_i64(self.peer_epoch);
                b.put_i32(1);
            }
            NotificationFormat::Versioned(v) => {
                b.put_i64(self.peer_epoch);
                b.put_i32(*v);
                b.put_i32(0);
            }
            NotificationFormat::WithConfig { version, config } => {
                b.put_i64(self.peer_epoch);
                b.put_i32(*version);
                b.put_i32(i32::try_from(config.len()).unwrap_or(i32::MAX));
                b.put_slice(config);
            }
        }
        b.freeze()
    }
}
