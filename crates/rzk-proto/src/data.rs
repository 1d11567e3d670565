//! Data records shared by every channel (`org.apache.zookeeper.data`):
//! identities, ACL entries and the two Stat forms.

use base64::Engine;
use sha1::{Digest, Sha1};

use crate::codes::perms;
use crate::jute_record;

jute_record! {
    /// An identity: a scheme and an id within it (e.g. `world:anyone`,
    /// `digest:user:hash`, `ip:10.0.0.0/8`).
    pub struct Id {
        /// Authentication scheme.
        pub scheme: String,
        /// Identity within the scheme.
        pub id: String,
    }
}

jute_record! {
    /// One ACL entry: permission bits granted to an identity.
    pub struct Acl {
        /// Bit set of [`perms`].
        pub perms: i32,
        /// Who gets them.
        pub id: Id,
    }
}

impl Id {
    /// An id from its two parts.
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            scheme: scheme.into(),
            id: id.into(),
        }
    }

    /// `world:anyone`.
    pub fn anyone() -> Self {
        Self::new("world", "anyone")
    }

    /// The `digest` id ZooKeeper derives from `user:password` credentials:
    /// `digest:user:base64(SHA1("user:password"))` — what an ACL must name
    /// to grant a digest-authenticated user.
    pub fn digest(user_password: &str) -> Self {
        Self::new("digest", digest_id(user_password))
    }
}

/// `DigestAuthenticationProvider.generateDigest`: `user` (everything before
/// the first `:`, or the whole string) + `:` + standard padded Base64 of
/// SHA-1 over the whole string's UTF-8 bytes. A string without `:` still
/// gets an id, as in Java.
pub fn digest_id(user_password: &str) -> String {
    let user = user_password
        .split_once(':')
        .map_or(user_password, |(u, _)| u);
    let hash = Sha1::digest(user_password.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(hash);
    format!("{user}:{b64}")
}

impl Acl {
    /// An ACL entry.
    pub fn new(perms: i32, id: Id) -> Self {
        Self { perms, id }
    }

    /// `OPEN_ACL_UNSAFE`: everything for everyone.
    pub fn open_unsafe() -> Vec<Acl> {
        vec![Acl::new(perms::ALL, Id::anyone())]
    }

    /// `CREATOR_ALL_ACL`: everything for the creator's authenticated ids.
    pub fn creator_all() -> Vec<Acl> {
        vec![Acl::new(perms::ALL, Id::new("auth", ""))]
    }

    /// `READ_ACL_UNSAFE`: read for everyone.
    pub fn read_unsafe() -> Vec<Acl> {
        vec![Acl::new(perms::READ, Id::anyone())]
    }
}

jute_record! {
    /// A znode's metadata as reported to clients (68 bytes).
    pub struct Stat {
        /// zxid of the create.
        pub czxid: i64,
        /// zxid of the last setData.
        pub mzxid: i64,
        /// Create time, ms since the epoch.
        pub ctime: i64,
        /// Last setData time.
        pub mtime: i64,
        /// Data version.
        pub version: i32,
        /// Child version as reported (2 × creates − children).
        pub cversion: i32,
        /// ACL version.
        pub aversion: i32,
        /// Owning session of an ephemeral, else 0.
        pub ephemeral_owner: i64,
        /// Data length (0 for null data).
        pub data_length: i32,
        /// Number of children.
        pub num_children: i32,
        /// zxid of the last change to the children.
        pub pzxid: i64,
    }
}

jute_record! {
    /// A znode's metadata as stored in snapshots (60 bytes; no data length or
    /// child count, and the raw persisted cversion).
    pub struct StatPersisted {
        /// zxid of the create.
        pub czxid: i64,
        /// zxid of the last setData.
        pub mzxid: i64,
        /// Create time.
        pub ctime: i64,
        /// Last setData time.
        pub mtime: i64,
        /// Data version.
        pub version: i32,
        /// Persisted child-create counter.
        pub cversion: i32,
        /// ACL version.
        pub aversion: i32,
        /// Owner session, or the container/TTL marker.
        pub ephemeral_owner: i64,
        /// zxid of the last change to the children.
        pub pzxid: i64,
    }
}

jute_record! {
    /// One authenticated identity of a connection, as whoAmI reports it.
    pub struct ClientInfo {
        /// Scheme (e.g. `ip`, `digest`).
        pub auth_scheme: String,
        /// The provider's user name for the id.
        pub user: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PROTOCOL.md §3.10: the vector observed on a live 3.8.0 server.
    #[test]
    fn digest_id_matches_zookeeper() {
        assert_eq!(digest_id("user:pass"), "user:smGaoVKd/cQkjm7b88GyorAUz20=");
        assert_eq!(
            Id::digest("user:password"),
            Id::new("digest", "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=")
        );
    }
}
