//! ZooKeeper's numeric code tables as named Rust enums: opcodes, error codes,
//! watch event types and keeper states, watcher types, add-watch modes,
//! create modes and permission bits (`PROTOCOL.md` §2.4, §2.7–2.9).

use std::fmt;

/// A number that is not a member of the named code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{value} is not a known {table}")]
pub struct UnknownCode {
    /// The table that was searched (e.g. `OpCode`).
    pub table: &'static str,
    /// The number that was not found.
    pub value: i32,
}

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every member, in table order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The number on the wire.
            pub const fn code(self) -> i32 {
                match self { $( $name::$variant => $value, )* }
            }

            /// The name ZooKeeper uses for it.
            pub const fn name(self) -> &'static str {
                match self { $( $name::$variant => $text, )* }
            }

            /// Looks a wire number up.
            pub const fn from_code(value: i32) -> Result<Self, UnknownCode> {
                match value {
                    $( $value => Ok($name::$variant), )*
                    _ => Err(UnknownCode { table: stringify!($name), value }),
                }
            }
        }

        impl TryFrom<i32> for $name {
            type Error = UnknownCode;
            fn try_from(value: i32) -> Result<Self, UnknownCode> {
                Self::from_code(value)
            }
        }

        impl From<$name> for i32 {
            fn from(v: $name) -> i32 {
                v.code()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

code_enum! {
    /// Request opcodes (`ZooDefs.OpCode`), including the txn-only types.
    pub enum OpCode {
        /// Never valid as a request.
        Notification = 0 => "notification",
        /// Create a znode (CreateRequest → CreateResponse).
        Create = 1 => "create",
        /// Delete a znode.
        Delete = 2 => "delete",
        /// Stat a znode, optionally watching it.
        Exists = 3 => "exists",
        /// Read a znode's data and Stat.
        GetData = 4 => "getData",
        /// Replace a znode's data.
        SetData = 5 => "setData",
        /// Read a znode's ACL.
        GetAcl = 6 => "getACL",
        /// Replace a znode's ACL.
        SetAcl = 7 => "setACL",
        /// List a znode's children.
        GetChildren = 8 => "getChildren",
        /// Flush the path to the leader.
        Sync = 9 => "sync",
        /// Keep-alive (xid -2).
        Ping = 11 => "ping",
        /// List children with the parent's Stat.
        GetChildren2 = 12 => "getChildren2",
        /// Version check (inside multi).
        Check = 13 => "check",
        /// Atomic batch of writes.
        Multi = 14 => "multi",
        /// Create returning the new Stat.
        Create2 = 15 => "create2",
        /// Dynamic reconfiguration.
        Reconfig = 16 => "reconfig",
        /// Ask whether a watch exists.
        CheckWatches = 17 => "checkWatches",
        /// Remove watches.
        RemoveWatches = 18 => "removeWatches",
        /// Create a container znode.
        CreateContainer = 19 => "createContainer",
        /// Delete a container (server-internal).
        DeleteContainer = 20 => "deleteContainer",
        /// Create a TTL znode.
        CreateTtl = 21 => "createTTL",
        /// Batch of reads.
        MultiRead = 22 => "multiRead",
        /// Authenticate the connection (xid -4).
        Auth = 100 => "auth",
        /// Re-register watches after reconnect (xid -8).
        SetWatches = 101 => "setWatches",
        /// SASL token exchange.
        Sasl = 102 => "sasl",
        /// List the session's ephemerals.
        GetEphemerals = 103 => "getEphemerals",
        /// Count all descendants.
        GetAllChildrenNumber = 104 => "getAllChildrenNumber",
        /// setWatches with persistent watches (xid -8).
        SetWatches2 = 105 => "setWatches2",
        /// Add a persistent or recursive watch.
        AddWatch = 106 => "addWatch",
        /// List the connection's auth ids.
        WhoAmI = 107 => "whoAmI",
        /// Session creation (txn type only; never sent by clients).
        CreateSession = -10 => "createSession",
        /// Close the session.
        CloseSession = -11 => "closeSession",
        /// Failed write (txn type only).
        Error = -1 => "error",
    }
}

impl OpCode {
    /// Whether ZooKeeper's `PrepRequestProcessor` turns this request into a
    /// txn (and so consumes a zxid), as opposed to answering it from the tree.
    pub const fn is_write(self) -> bool {
        matches!(
            self,
            OpCode::Create
                | OpCode::Create2
                | OpCode::CreateContainer
                | OpCode::CreateTtl
                | OpCode::Delete
                | OpCode::DeleteContainer
                | OpCode::SetData
                | OpCode::SetAcl
                | OpCode::Reconfig
                | OpCode::Multi
                | OpCode::Check
                | OpCode::CreateSession
                | OpCode::CloseSession
        )
    }
}

code_enum! {
    /// Error codes (`KeeperException.Code`). `name()` is the Java enum name
    /// and `message()` the text ZooKeeper prints after "KeeperErrorCode = ".
    pub enum ErrorCode {
        /// Success.
        Ok = 0 => "OK",
        /// Boundary marker for system errors.
        SystemError = -1 => "SYSTEMERROR",
        /// Multi ops after the failing one.
        RuntimeInconsistency = -2 => "RUNTIMEINCONSISTENCY",
        /// Data inconsistency.
        DataInconsistency = -3 => "DATAINCONSISTENCY",
        /// Client side: connection lost.
        ConnectionLoss = -4 => "CONNECTIONLOSS",
        /// Bad or undecodable request.
        MarshallingError = -5 => "MARSHALLINGERROR",
        /// Unknown opcode or disabled feature.
        Unimplemented = -6 => "UNIMPLEMENTED",
        /// Client side: operation timeout.
        OperationTimeout = -7 => "OPERATIONTIMEOUT",
        /// Invalid arguments (path, flags, TTL…).
        BadArguments = -8 => "BADARGUMENTS",
        /// Session unknown to the tracker.
        UnknownSession = -12 => "UNKNOWNSESSION",
        /// Reconfig: new config has no quorum.
        NewConfigNoQuorum = -13 => "NEWCONFIGNOQUORUM",
        /// Reconfig already in progress.
        ReconfigInProgress = -14 => "RECONFIGINPROGRESS",
        /// Boundary marker for API errors.
        ApiError = -100 => "APIERROR",
        /// The node does not exist.
        NoNode = -101 => "NONODE",
        /// Not authorised.
        NoAuth = -102 => "NOAUTH",
        /// Version mismatch.
        BadVersion = -103 => "BADVERSION",
        /// Ephemeral nodes may not have children.
        NoChildrenForEphemerals = -108 => "NOCHILDRENFOREPHEMERALS",
        /// The node already exists.
        NodeExists = -110 => "NODEEXISTS",
        /// The node has children.
        NotEmpty = -111 => "NOTEMPTY",
        /// The session has expired.
        SessionExpired = -112 => "SESSIONEXPIRED",
        /// Client side: invalid callback.
        InvalidCallback = -113 => "INVALIDCALLBACK",
        /// Invalid ACL.
        InvalidAcl = -114 => "INVALIDACL",
        /// Authentication failed.
        AuthFailed = -115 => "AUTHFAILED",
        /// Session moved to another server.
        SessionMoved = -118 => "SESSIONMOVED",
        /// Write sent to a read-only server.
        NotReadOnly = -119 => "NOTREADONLY",
        /// Ephemeral on a local session.
        EphemeralOnLocalSession = -120 => "EPHEMERALONLOCALSESSION",
        /// No such watcher.
        NoWatcher = -121 => "NOWATCHER",
        /// Client side: request timeout.
        RequestTimeout = -122 => "REQUESTTIMEOUT",
        /// Reconfig is disabled.
        ReconfigDisabled = -123 => "RECONFIGDISABLED",
        /// Session closed: client failed to authenticate.
        SessionClosedRequireSaslAuth = -124 => "SESSIONCLOSEDREQUIRESASLAUTH",
        /// Hard quota exceeded.
        QuotaExceeded = -125 => "QUOTAEXCEEDED",
        /// Throttled.
        ThrottledOp = -127 => "THROTTLEDOP",
    }
}

impl ErrorCode {
    /// The message ZooKeeper's client prints for this code.
    pub const fn message(self) -> &'static str {
        match self {
            ErrorCode::Ok => "ok",
            ErrorCode::SystemError => "SystemError",
            ErrorCode::RuntimeInconsistency => "RuntimeInconsistency",
            ErrorCode::DataInconsistency => "DataInconsistency",
            ErrorCode::ConnectionLoss => "ConnectionLoss",
            ErrorCode::MarshallingError => "MarshallingError",
            ErrorCode::Unimplemented => "Unimplemented",
            ErrorCode::OperationTimeout => "OperationTimeout",
            ErrorCode::BadArguments => "BadArguments",
            ErrorCode::UnknownSession | ErrorCode::RequestTimeout => "",
            ErrorCode::NewConfigNoQuorum => "NewConfigNoQuorum",
            ErrorCode::ReconfigInProgress => "ReconfigInProgress",
            ErrorCode::ApiError => "APIError",
            ErrorCode::NoNode => "NoNode",
            ErrorCode::NoAuth => "NoAuth",
            ErrorCode::BadVersion => "BadVersion",
            ErrorCode::NoChildrenForEphemerals => "NoChildrenForEphemerals",
            ErrorCode::NodeExists => "NodeExists",
            ErrorCode::NotEmpty => "Directory not empty",
            ErrorCode::SessionExpired => "Session expired",
            ErrorCode::InvalidCallback => "Invalid callback",
            ErrorCode::InvalidAcl => "InvalidACL",
            ErrorCode::AuthFailed => "AuthFailed",
            ErrorCode::SessionMoved => "Session moved",
            ErrorCode::NotReadOnly => "Not a read-only call",
            ErrorCode::EphemeralOnLocalSession => "Ephemeral node on local session",
            ErrorCode::NoWatcher => "No such watcher",
            ErrorCode::ReconfigDisabled => "Reconfig is disabled",
            ErrorCode::SessionClosedRequireSaslAuth => {
                "Session closed because client failed to authenticate"
            }
            ErrorCode::QuotaExceeded => "Quota has exceeded",
            ErrorCode::ThrottledOp => "Op throttled due to high load",
        }
    }
}

code_enum! {
    /// Watch event types (`Watcher.Event.EventType`). The server only ever
    /// sends 1–4; the rest are produced by clients.
    pub enum EventType {
        /// State change, no node.
        None = -1 => "None",
        /// A watched node was created.
        NodeCreated = 1 => "NodeCreated",
        /// A watched node was deleted.
        NodeDeleted = 2 => "NodeDeleted",
        /// A watched node's data changed.
        NodeDataChanged = 3 => "NodeDataChanged",
        /// A watched node's children changed.
        NodeChildrenChanged = 4 => "NodeChildrenChanged",
        /// Client-local: a data watch was removed.
        DataWatchRemoved = 5 => "DataWatchRemoved",
        /// Client-local: a child watch was removed.
        ChildWatchRemoved = 6 => "ChildWatchRemoved",
        /// Client-local: a persistent watch was removed.
        PersistentWatchRemoved = 7 => "PersistentWatchRemoved",
    }
}

code_enum! {
    /// Session states (`Watcher.Event.KeeperState`). Server-sent events are
    /// always `SyncConnected`.
    pub enum KeeperState {
        /// Deprecated.
        Unknown = -1 => "Unknown",
        /// Disconnected.
        Disconnected = 0 => "Disconnected",
        /// Deprecated.
        NoSyncConnected = 1 => "NoSyncConnected",
        /// Connected.
        SyncConnected = 3 => "SyncConnected",
        /// Authentication failed.
        AuthFailed = 4 => "AuthFailed",
        /// Connected to a read-only server.
        ConnectedReadOnly = 5 => "ConnectedReadOnly",
        /// SASL authenticated.
        SaslAuthenticated = 6 => "SaslAuthenticated",
        /// Session expired.
        Expired = -112 => "Expired",
        /// Client closed.
        Closed = 7 => "Closed",
    }
}

code_enum! {
    /// Watcher types for checkWatches / removeWatches.
    pub enum WatcherType {
        /// Child watches.
        Children = 1 => "Children",
        /// Data (and exists) watches.
        Data = 2 => "Data",
        /// Any watch.
        Any = 3 => "Any",
        /// Persistent watches (3.9+).
        Persistent = 4 => "Persistent",
        /// Persistent recursive watches (3.9+).
        PersistentRecursive = 5 => "PersistentRecursive",
    }
}

code_enum! {
    /// Modes of addWatch.
    pub enum AddWatchMode {
        /// Fires for the node only, for every event type; stays registered.
        Persistent = 0 => "PERSISTENT",
        /// Fires for the node and descendants (not NodeChildrenChanged).
        PersistentRecursive = 1 => "PERSISTENT_RECURSIVE",
    }
}

code_enum! {
    /// Create modes with their `flags` numbers.
    pub enum CreateMode {
        /// Plain node.
        Persistent = 0 => "PERSISTENT",
        /// Deleted when the session ends.
        Ephemeral = 1 => "EPHEMERAL",
        /// Name gets a sequence suffix.
        PersistentSequential = 2 => "PERSISTENT_SEQUENTIAL",
        /// Ephemeral with a sequence suffix.
        EphemeralSequential = 3 => "EPHEMERAL_SEQUENTIAL",
        /// Deleted once its last child is gone.
        Container = 4 => "CONTAINER",
        /// Deleted after `ttl` ms without change while childless.
        PersistentWithTtl = 5 => "PERSISTENT_WITH_TTL",
        /// TTL node with a sequence suffix.
        PersistentSequentialWithTtl = 6 => "PERSISTENT_SEQUENTIAL_WITH_TTL",
    }
}

impl CreateMode {
    /// Whether the node is deleted with its session.
    pub const fn is_ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }
    /// Whether the name gets a `%010d` sequence suffix.
    pub const fn is_sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential
                | CreateMode::EphemeralSequential
                | CreateMode::PersistentSequentialWithTtl
        )
    }
    /// Whether the node is a container.
    pub const fn is_container(self) -> bool {
        matches!(self, CreateMode::Container)
    }
    /// Whether the node has a TTL.
    pub const fn is_ttl(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl
        )
    }
}

/// Permission bits of an ACL entry (`ZooDefs.Perms`).
pub mod perms {
    /// Read data and list children.
    pub const READ: i32 = 1;
    /// Set data.
    pub const WRITE: i32 = 1 << 1;
    /// Create children.
    pub const CREATE: i32 = 1 << 2;
    /// Delete children.
    pub const DELETE: i32 = 1 << 3;
    /// Set the ACL.
    pub const ADMIN: i32 = 1 << 4;
    /// Every permission.
    pub const ALL: i32 = READ | WRITE | CREATE | DELETE | ADMIN;
}

/// Special request xids (`PROTOCOL.md` §2.3).
pub mod xid {
    /// A watch notification (server → client).
    pub const NOTIFICATION: i32 = -1;
    /// A ping.
    pub const PING: i32 = -2;
    /// An auth packet.
    pub const AUTH: i32 = -4;
    /// setWatches / setWatches2.
    pub const SET_WATCHES: i32 = -8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_unknowns_are_named() {
        for op in OpCode::ALL {
            assert_eq!(OpCode::from_code(op.code()), Ok(*op));
        }
        for e in ErrorCode::ALL {
            assert_eq!(ErrorCode::try_from(e.code()), Ok(*e));
        }
        assert_eq!(
            OpCode::from_code(10),
            Err(UnknownCode {
                table: "OpCode",
                value: 10
            })
        );
        assert_eq!(ErrorCode::NotEmpty.message(), "Directory not empty");
        assert_eq!(perms::ALL, 31);
        assert_eq!(
            CreateMode::from_code(7).unwrap_err().to_string(),
            "7 is not a known CreateMode"
        );
    }
}
