//! The transaction records of `zookeeper.jute` (module
//! `org.apache.zookeeper.txn`, `PROTOCOL.md` §2.5), field for field.
//!
//! Each is a plain [`jute_record!`]: its encoding is its fields in order.
//! Znode `data` buffers are `Option<Bytes>` because ZooKeeper stores a
//! client's null data as null and writes it back as length -1; every other
//! field rejects a null.

use bytes::Bytes;

use crate::codes::{OpCode, UnknownCode};
use crate::data::Acl;
use crate::jute_record;

jute_record! {
    /// The header every txn starts with (32 bytes).
    pub struct TxnHeader {
        /// The session that issued the write (`clientId`).
        pub client_id: i64,
        /// The client's xid for the request.
        pub cxid: i32,
        /// The zxid the leader assigned.
        pub zxid: i64,
        /// The leader's wall-clock time in ms when it prepared the txn.
        pub time: i64,
        /// The opcode; it selects the record that follows (§5.7).
        pub txn_type: i32,
    }
}

impl TxnHeader {
    /// The opcode, or the number that is not one.
    pub fn op_code(&self) -> Result<OpCode, UnknownCode> {
        OpCode::from_code(self.txn_type)
    }
}

jute_record! {
    /// The data-tree digest a txn carries after its record (12 bytes).
    pub struct TxnDigest {
        /// Digest algorithm version (2 in ZooKeeper 3.6+).
        pub version: i32,
        /// The tree digest after applying the txn.
        pub tree_digest: i64,
    }
}

jute_record! {
    /// The pre-3.3 create record, which lacks `parentCVersion`. Only ever
    /// read (as a fallback for `create`), never written by ZooKeeper today.
    pub struct CreateTxnV0 {
        /// The node's full path.
        pub path: String,
        /// The node's data; `None` for a null buffer.
        pub data: Option<Bytes>,
        /// The node's ACL.
        pub acl: Vec<Acl>,
        /// Whether the node is ephemeral.
        pub ephemeral: bool,
    }
}

jute_record! {
    /// A create or create2.
    pub struct CreateTxn {
        /// The node's full path (with any sequence suffix already applied).
        pub path: String,
        /// The node's data; `None` for a null buffer.
        pub data: Option<Bytes>,
        /// The node's ACL.
        pub acl: Vec<Acl>,
        /// Whether the node is ephemeral (owned by the header's session).
        pub ephemeral: bool,
        /// The parent's cversion after this create.
        pub parent_cversion: i32,
    }
}

jute_record! {
    /// A TTL-node create (`CreateTTLTxn`).
    pub struct CreateTtlTxn {
        /// The node's full path.
        pub path: String,
        /// The node's data; `None` for a null buffer.
        pub data: Option<Bytes>,
        /// The node's ACL.
        pub acl: Vec<Acl>,
        /// The parent's cversion after this create.
        pub parent_cversion: i32,
        /// Time to live in ms (the ephemeralOwner is derived from it).
        pub ttl: i64,
    }
}

jute_record! {
    /// A container-node create.
    pub struct CreateContainerTxn {
        /// The node's full path.
        pub path: String,
        /// The node's data; `None` for a null buffer.
        pub data: Option<Bytes>,
        /// The node's ACL.
        pub acl: Vec<Acl>,
        /// The parent's cversion after this create.
        pub parent_cversion: i32,
    }
}

jute_record! {
    /// A delete or deleteContainer.
    pub struct DeleteTxn {
        /// The deleted node's path.
        pub path: String,
    }
}

jute_record! {
    /// A setData, or a reconfig (path `/zookeeper/config`, version -1).
    pub struct SetDataTxn {
        /// The node's path.
        pub path: String,
        /// The new data; `None` for a null buffer.
        pub data: Option<Bytes>,
        /// The node's new data version.
        pub version: i32,
    }
}

jute_record! {
    /// A version check (inside multi).
    pub struct CheckVersionTxn {
        /// The checked node's path.
        pub path: String,
        /// The version it must have.
        pub version: i32,
    }
}

jute_record! {
    /// A setACL (`SetACLTxn`).
    pub struct SetAclTxn {
        /// The node's path.
        pub path: String,
        /// The new ACL (with `auth` ids already expanded).
        pub acl: Vec<Acl>,
        /// The node's new ACL version.
        pub version: i32,
    }
}

jute_record! {
    /// Declared in `zookeeper.jute` but written by no ZooKeeper version.
    pub struct SetMaxChildrenTxn {
        /// The node's path.
        pub path: String,
        /// The child limit.
        pub max: i32,
    }
}

jute_record! {
    /// A session creation.
    pub struct CreateSessionTxn {
        /// The negotiated session timeout in ms (`timeOut`).
        pub timeout: i32,
    }
}

jute_record! {
    /// A session close (3.6+ with `zookeeper.closeSessionTxn.enabled`).
    pub struct CloseSessionTxn {
        /// The session's ephemeral nodes, deleted with it (`paths2Delete`).
        pub paths_to_delete: Vec<String>,
    }
}

jute_record! {
    /// A failed write: it consumes a zxid but changes nothing.
    pub struct ErrorTxn {
        /// The error code (`KeeperException.Code`).
        pub err: i32,
    }
}

jute_record! {
    /// One operation of a multi: its opcode and its encoded record.
    pub struct Txn {
        /// The operation's opcode.
        pub txn_type: i32,
        /// The operation's txn record, encoded.
        pub data: Bytes,
    }
}

jute_record! {
    /// A multi: its operations in order.
    pub struct MultiTxn {
        /// The operations.
        pub txns: Vec<Txn>,
    }
}
