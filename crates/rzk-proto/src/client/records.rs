//! Client-protocol records of `zookeeper.jute` (`org.apache.zookeeper.proto`)
//! whose encoding is a plain field list. ConnectRequest/ConnectResponse (with
//! their optional trailing byte) live in `connect`, multi in `multi`.

use bytes::Bytes;

use crate::data::{Acl, ClientInfo, Stat};
use crate::jute_record;

jute_record! {
    /// Precedes every request body: the client's xid and the opcode.
    pub struct RequestHeader {
        /// Client-chosen id; replies carry it back. Special values in
        /// [`crate::codes::xid`].
        pub xid: i32,
        /// The opcode, kept raw so an unknown one can still be answered.
        pub opcode: i32,
    }
}

jute_record! {
    /// Precedes every reply body; a body follows only when `err` is 0.
    pub struct ReplyHeader {
        /// The request's xid (or -1 notification, -2 ping, -4 auth, -8 setWatches).
        pub xid: i32,
        /// The zxid of the write, or the server's last processed zxid.
        pub zxid: i64,
        /// Error code; 0 is success.
        pub err: i32,
    }
}

jute_record! {
    /// Re-registers watches after a reconnect (xid -8, opcode 101).
    pub struct SetWatches {
        /// The client's last seen zxid; changes after it fire at once.
        pub relative_zxid: i64,
        /// Paths with data watches.
        pub data_watches: Vec<String>,
        /// Paths with exists watches.
        pub exist_watches: Vec<String>,
        /// Paths with child watches.
        pub child_watches: Vec<String>,
    }
}

jute_record! {
    /// setWatches including persistent watches (opcode 105).
    pub struct SetWatches2 {
        /// The client's last seen zxid.
        pub relative_zxid: i64,
        /// Paths with data watches.
        pub data_watches: Vec<String>,
        /// Paths with exists watches.
        pub exist_watches: Vec<String>,
        /// Paths with child watches.
        pub child_watches: Vec<String>,
        /// Paths with persistent watches.
        pub persistent_watches: Vec<String>,
        /// Paths with persistent recursive watches.
        pub persistent_recursive_watches: Vec<String>,
    }
}

jute_record! {
    /// Precedes each op (and the terminator) inside multi requests and
    /// responses.
    pub struct MultiHeader {
        /// The op's opcode, or -1 for an error result and the terminator.
        pub op_type: i32,
        /// True only on the terminator.
        pub done: bool,
        /// -1 in requests; the op's error code in responses.
        pub err: i32,
    }
}

jute_record! {
    /// Adds an auth id to the connection (xid -4, opcode 100).
    pub struct AuthPacket {
        /// Clients send 0.
        pub auth_type: i32,
        /// Scheme, e.g. `digest`.
        pub scheme: String,
        /// Credentials, e.g. `user:password`.
        pub auth: Bytes,
    }
}

jute_record! {
    /// Reads a node's data (opcode 4).
    pub struct GetDataRequest {
        /// Node path.
        pub path: String,
        /// Leave a data watch.
        pub watch: bool,
    }
}

jute_record! {
    /// Replaces a node's data (opcode 5).
    pub struct SetDataRequest {
        /// Node path.
        pub path: String,
        /// New data; `None` is stored as null.
        pub data: Option<Bytes>,
        /// Expected version, -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// Dynamic reconfiguration (opcode 16). The Java client sends nulls for
    /// the parts it does not use.
    pub struct ReconfigRequest {
        /// Comma-separated `server.N=…` specs to add.
        pub joining_servers: Option<String>,
        /// Comma-separated server ids to remove.
        pub leaving_servers: Option<String>,
        /// Whole new membership (non-incremental form).
        pub new_members: Option<String>,
        /// Expected config version, -1 for any.
        pub cur_config_id: i64,
    }
}

jute_record! {
    /// Reply to setData.
    pub struct SetDataResponse {
        /// The node's new Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// A SASL token from the client (opcode 102).
    pub struct GetSaslRequest {
        /// The token.
        pub token: Option<Bytes>,
    }
}

jute_record! {
    /// A SASL token (defined in the jute file; not used on the wire).
    pub struct SetSaslRequest {
        /// The token.
        pub token: Option<Bytes>,
    }
}

jute_record! {
    /// The server's SASL token; null when the exchange needs no reply token.
    pub struct SetSaslResponse {
        /// The token.
        pub token: Option<Bytes>,
    }
}

jute_record! {
    /// Creates a node (opcodes 1, 15, 19).
    pub struct CreateRequest {
        /// Requested path (a sequence suffix may be appended).
        pub path: String,
        /// Initial data; `None` is stored as null.
        pub data: Option<Bytes>,
        /// ACL of the new node.
        pub acl: Vec<Acl>,
        /// Create-mode flags ([`crate::codes::CreateMode`]).
        pub flags: i32,
    }
}

jute_record! {
    /// Creates a TTL node (opcode 21).
    pub struct CreateTtlRequest {
        /// Requested path.
        pub path: String,
        /// Initial data.
        pub data: Option<Bytes>,
        /// ACL of the new node.
        pub acl: Vec<Acl>,
        /// Create-mode flags (5 or 6).
        pub flags: i32,
        /// Time to live in ms.
        pub ttl: i64,
    }
}

jute_record! {
    /// Deletes a node (opcode 2).
    pub struct DeleteRequest {
        /// Node path.
        pub path: String,
        /// Expected version, -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// Lists children (opcode 8).
    pub struct GetChildrenRequest {
        /// Node path.
        pub path: String,
        /// Leave a child watch.
        pub watch: bool,
    }
}

jute_record! {
    /// Counts all descendants (opcode 104).
    pub struct GetAllChildrenNumberRequest {
        /// Node path.
        pub path: String,
    }
}

jute_record! {
    /// Lists children with the node's Stat (opcode 12).
    pub struct GetChildren2Request {
        /// Node path.
        pub path: String,
        /// Leave a child watch.
        pub watch: bool,
    }
}

jute_record! {
    /// Checks a node's version (opcode 13, inside multi).
    pub struct CheckVersionRequest {
        /// Node path.
        pub path: String,
        /// Expected version, -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// Defined in the jute file, unused (no opcode).
    pub struct GetMaxChildrenRequest {
        /// Node path.
        pub path: String,
    }
}

jute_record! {
    /// Defined in the jute file, unused (no opcode).
    pub struct GetMaxChildrenResponse {
        /// The limit.
        pub max: i32,
    }
}

jute_record! {
    /// Defined in the jute file, unused (no opcode).
    pub struct SetMaxChildrenRequest {
        /// Node path.
        pub path: String,
        /// The limit.
        pub max: i32,
    }
}

jute_record! {
    /// Flushes the channel to the leader (opcode 9).
    pub struct SyncRequest {
        /// Path (echoed back).
        pub path: String,
    }
}

jute_record! {
    /// Reply to sync: the path echoed.
    pub struct SyncResponse {
        /// The request's path.
        pub path: String,
    }
}

jute_record! {
    /// Reads a node's ACL (opcode 6).
    pub struct GetAclRequest {
        /// Node path.
        pub path: String,
    }
}

jute_record! {
    /// Replaces a node's ACL (opcode 7).
    pub struct SetAclRequest {
        /// Node path.
        pub path: String,
        /// New ACL.
        pub acl: Vec<Acl>,
        /// Expected ACL version, -1 for any.
        pub version: i32,
    }
}

jute_record! {
    /// Reply to setACL.
    pub struct SetAclResponse {
        /// The node's new Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Adds a persistent (recursive) watch (opcode 106).
    pub struct AddWatchRequest {
        /// Watched path (need not exist).
        pub path: String,
        /// [`crate::codes::AddWatchMode`] number.
        pub mode: i32,
    }
}

jute_record! {
    /// Body of a notification (reply xid -1).
    pub struct WatcherEvent {
        /// [`crate::codes::EventType`] number.
        pub event_type: i32,
        /// [`crate::codes::KeeperState`] number (3 from servers).
        pub state: i32,
        /// Absolute server path.
        pub path: String,
    }
}

jute_record! {
    /// A bare error code: addWatch's reply body, and the body of a failed op
    /// inside a multi reply.
    pub struct ErrorResponse {
        /// The code.
        pub err: i32,
    }
}

jute_record! {
    /// Reply to create.
    pub struct CreateResponse {
        /// Actual path, with any sequence suffix.
        pub path: String,
    }
}

jute_record! {
    /// Reply to create2, createContainer and createTTL.
    pub struct Create2Response {
        /// Actual path.
        pub path: String,
        /// The new node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Stats a node (opcode 3).
    pub struct ExistsRequest {
        /// Node path.
        pub path: String,
        /// Leave a data watch (even when the node is missing).
        pub watch: bool,
    }
}

jute_record! {
    /// Reply to exists.
    pub struct ExistsResponse {
        /// The node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Reply to getData.
    pub struct GetDataResponse {
        /// The data; `None` when stored as null.
        pub data: Option<Bytes>,
        /// The node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Reply to getChildren (unsorted names).
    pub struct GetChildrenResponse {
        /// Child names.
        pub children: Vec<String>,
    }
}

jute_record! {
    /// Reply to getAllChildrenNumber.
    pub struct GetAllChildrenNumberResponse {
        /// Number of descendants, not counting the node.
        pub total_number: i32,
    }
}

jute_record! {
    /// Reply to getChildren2.
    pub struct GetChildren2Response {
        /// Child names.
        pub children: Vec<String>,
        /// The node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Reply to getACL.
    pub struct GetAclResponse {
        /// The ACL (digest ids masked without ADMIN).
        pub acl: Vec<Acl>,
        /// The node's Stat.
        pub stat: Stat,
    }
}

jute_record! {
    /// Asks whether a watch exists (opcode 17).
    pub struct CheckWatchesRequest {
        /// Watched path.
        pub path: String,
        /// [`crate::codes::WatcherType`] number.
        pub watcher_type: i32,
    }
}

jute_record! {
    /// Removes watches (opcode 18).
    pub struct RemoveWatchesRequest {
        /// Watched path.
        pub path: String,
        /// [`crate::codes::WatcherType`] number.
        pub watcher_type: i32,
    }
}

jute_record! {
    /// Lists the session's ephemerals (opcode 103). A null, empty or `/`
    /// prefix means all of them.
    pub struct GetEphemeralsRequest {
        /// Plain string prefix filter.
        pub prefix_path: Option<String>,
    }
}

jute_record! {
    /// Reply to getEphemerals.
    pub struct GetEphemeralsResponse {
        /// Paths of the session's ephemerals.
        pub ephemerals: Vec<String>,
    }
}

jute_record! {
    /// Reply to whoAmI (opcode 107).
    pub struct WhoAmIResponse {
        /// One entry per auth id of the connection.
        pub client_info: Vec<ClientInfo>,
    }
}

jute_record! {
    /// Deletes an empty container (opcode 20; server-internal, not in the
    /// jute file).
    pub struct DeleteContainerRequest {
        /// Container path.
        pub path: String,
    }
}
