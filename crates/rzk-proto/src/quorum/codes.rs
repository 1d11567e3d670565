//! The quorum channels' code tables: ZAB packet types (`q/Leader`
//! constants, `PROTOCOL.md` §5.4), server states as election notifications
//! carry them (§5.3), and quorum SASL statuses (§5.2).

use crate::codes::code_enum;

code_enum! {
    /// The `type` of a learner↔leader [`super::QuorumPacket`].
    pub enum PacketType {
        /// Learner → leader: a client write to forward.
        Request = 1 => "REQUEST",
        /// Leader → follower: a txn to log and ack.
        Proposal = 2 => "PROPOSAL",
        /// Follower → leader: a txn (or NEWLEADER/UPTODATE) is durable.
        Ack = 3 => "ACK",
        /// Leader → follower: a txn is committed.
        Commit = 4 => "COMMIT",
        /// Leader → learner and back: liveness and session touches.
        Ping = 5 => "PING",
        /// Learner → leader and back: is this session still valid?
        Revalidate = 6 => "REVALIDATE",
        /// Leader → learner: release the oldest pending client sync.
        Sync = 7 => "SYNC",
        /// Leader → observer: a committed txn to apply.
        Inform = 8 => "INFORM",
        /// Leader → follower: commit a reconfig and activate it.
        CommitAndActivate = 9 => "COMMITANDACTIVATE",
        /// Leader → learner: end of sync, with the leader's configuration.
        NewLeader = 10 => "NEWLEADER",
        /// Follower → leader: first packet, who I am.
        FollowerInfo = 11 => "FOLLOWERINFO",
        /// Leader → learner: start serving.
        UpToDate = 12 => "UPTODATE",
        /// Leader → learner: sync by the txns that follow.
        Diff = 13 => "DIFF",
        /// Leader → learner: truncate the log to this zxid.
        Trunc = 14 => "TRUNC",
        /// Leader → learner: a snapshot stream follows.
        Snap = 15 => "SNAP",
        /// Observer → leader: first packet, who I am.
        ObserverInfo = 16 => "OBSERVERINFO",
        /// Leader → learner: the new epoch and protocol version.
        LeaderInfo = 17 => "LEADERINFO",
        /// Learner → leader: the new epoch is accepted.
        AckEpoch = 18 => "ACKEPOCH",
        /// Leader → observer: apply a reconfig and activate it.
        InformAndActivate = 19 => "INFORMANDACTIVATE",
    }
}

code_enum! {
    /// A peer's state as an election notification carries it (the
    /// `ServerState` ordinal).
    pub enum ServerState {
        /// Electing a leader.
        Looking = 0 => "LOOKING",
        /// Following an elected leader.
        Following = 1 => "FOLLOWING",
        /// Leading.
        Leading = 2 => "LEADING",
        /// Observing an elected leader.
        Observing = 3 => "OBSERVING",
    }
}

code_enum! {
    /// The `status` of a [`super::QuorumAuthPacket`].
    pub enum QuorumAuthStatus {
        /// More SASL tokens follow.
        InProgress = 0 => "IN_PROGRESS",
        /// Authentication succeeded.
        Success = 1 => "SUCCESS",
        /// Authentication failed.
        Error = -1 => "ERROR",
    }
}
