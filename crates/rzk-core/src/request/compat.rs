//! The behaviours that differ between the ZooKeeper versions rzk must
//! answer like: 3.8.4+/3.9 (the default) and 3.8.0, the Debian reference
//! server our differential tests run against (`PROTOCOL.md` §2.4, §2.6,
//! §3.6, §3.8, §8, §9).

/// Version switches of the request pipeline. `Default` is 3.8.4+/3.9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compat {
    /// exists needs READ on an *existing* node (3.8.4+, 3.9.2+); without it
    /// the reply is NoAuth and no watch is set. 3.8.0 answered the Stat.
    pub exists_checks_read: bool,
    /// A watch event is delivered only to connections with READ on the
    /// affected node, the parent for NodeChildrenChanged (CVE-2024-23944,
    /// 3.8.4+, 3.9.2+). 3.8.0 delivered every event.
    pub filter_events_by_acl: bool,
    /// A top-level check (13) is refused with Unimplemented and the
    /// connection closed, consuming no zxid (3.8.5+, 3.9.3+). 3.8.0 logged a
    /// CheckVersionTxn that it could not read back.
    pub reject_top_level_check: bool,
    /// Inside a multi, create2 (and createContainer sent with other flags)
    /// keep their opcode, so the result is type 15 with a Stat, and unknown
    /// create flags fail the whole multi with MarshallingError
    /// (ZOOKEEPER-4026, 3.7.2/3.8.2/3.9). 3.8.0 turned every non-TTL,
    /// non-container create into a plain create (type 1, path only) and
    /// failed bad flags as the op's BadArguments.
    pub multi_create2_stat: bool,
    /// A notification's ReplyHeader zxid is the triggering txn's zxid (3.9);
    /// 3.8 sends −1.
    pub notification_zxid: bool,
    /// checkWatches matches this connection's own watches only, and a
    /// recursive watch lives in the data table only. 3.8.0 answered yes when
    /// any connection watched the path, failed a path without `/` with
    /// MarshallingError, and also registered recursive watches in the child
    /// table (so removeWatches of type Children removed that copy).
    pub check_watches_own_only: bool,
    /// `zookeeper.digest.enabled` (default true): txns carry a TxnDigest.
    pub digest_enabled: bool,
    /// `zookeeper.closeSessionTxn.enabled` (default true): closeSession
    /// txns list the ephemerals to delete.
    pub close_session_txn: bool,
}

impl Compat {
    /// ZooKeeper 3.8.4+ / 3.9 (the default).
    pub const V3_9: Compat = Compat {
        exists_checks_read: true,
        filter_events_by_acl: true,
        reject_top_level_check: true,
        multi_create2_stat: true,
        notification_zxid: true,
        check_watches_own_only: true,
        digest_enabled: true,
        close_session_txn: true,
    };

    /// ZooKeeper 3.8.0 as Debian ships it: it carries the CVE-2024-23944
    /// fix (events filtered by READ ACL), found by the differential test.
    pub const V3_8_0: Compat = Compat {
        exists_checks_read: false,
        filter_events_by_acl: true,
        reject_top_level_check: false,
        multi_create2_stat: false,
        notification_zxid: false,
        check_watches_own_only: false,
        digest_enabled: true,
        close_session_txn: true,
    };
}

impl Default for Compat {
    fn default() -> Self {
        Self::V3_9
    }
}
