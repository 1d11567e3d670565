//! Replaying the txn log over a snapshot (`FileTxnSnapLog.restore`,
//! `fastForwardFromEdits`, `processTransaction`), with ZooKeeper's digest
//! checks.

use std::collections::BTreeMap;

use rzk_proto::disk::{DigestValue, ZxidDigest};
use rzk_proto::txn::{TxnBody, TxnEntry};

use super::Restored;
use crate::request::apply_tree::{NoTriggers, TxnApplier};
use crate::request::digest::{full_tree_digest, DigestLog, DIGEST_VERSION};
use crate::tree::{DataTree, ExtendedTypes};

/// Why a txn could not be replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// A txn is missing: `next` follows `last` in the same epoch (upper 32
    /// bits) but is not `last + 1`.
    #[error("txn log gap: txn 0x{next:x} follows 0x{last:x} in the same epoch")]
    Gap {
        /// The last zxid replayed (or the snapshot's).
        last: i64,
        /// The zxid offered next.
        next: i64,
    },
}

/// Which check found a digest mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestCheck {
    /// The snapshot's digest block, compared when the tree reached its
    /// zxid (`compareSnapshotDigests`).
    Snapshot,
    /// A txn's own digest, compared after applying it once the tree is out
    /// of the snapshot's fuzzy range (`compareDigest`).
    Txn,
}

/// A tree digest that differed from the one recorded for the same zxid.
/// ZooKeeper only logs these (and counts `digest_mismatches_count`); so
/// does recovery: they are reported, never fatal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestMismatch {
    /// The zxid at which the digests were compared.
    pub zxid: i64,
    /// Which check.
    pub check: DigestCheck,
    /// The recorded digest.
    pub expected: i64,
    /// The tree's digest.
    pub actual: i64,
}

/// How many mismatches are kept in detail; more are only counted.
const KEPT_MISMATCHES: usize = 64;

/// Recovery state: a tree plus sessions plus last zxid, fed log txns in
/// order by [`Recovered::replay`].
///
/// The tree digest is kept as txns are replayed, for the digest checks;
/// changing `tree` by hand makes those checks meaningless.
#[derive(Debug, Clone)]
pub struct Recovered {
    /// The tree.
    pub tree: DataTree,
    /// Live sessions: id → timeout.
    pub sessions: BTreeMap<i64, i32>,
    /// The last zxid applied (the snapshot's, from its file name, before
    /// any replay).
    pub last_zxid: i64,
    digest: u64,
    /// The snapshot's digest block, until the replay reaches its zxid.
    snapshot_digest: Option<ZxidDigest>,
    mismatches: Vec<DigestMismatch>,
    mismatch_count: u64,
    /// Digests recorded during the replay, for `hash`.
    digest_log: DigestLog,
}

impl Recovered {
    /// A fresh database: the built-in nodes, no sessions, last zxid 0.
    pub fn empty(types: ExtendedTypes) -> Self {
        let tree = DataTree::new(types);
        let digest = full_tree_digest(&tree);
        Self {
            tree,
            sessions: BTreeMap::new(),
            last_zxid: 0,
            digest,
            snapshot_digest: None,
            mismatches: Vec::new(),
            mismatch_count: 0,
            digest_log: DigestLog::default(),
        }
    }

    /// The state a snapshot holds. `snapshot_zxid` comes from the file
    /// name, as in ZooKeeper (the lastProcessedZxid block of 3.9 files is
    /// not trusted over it).
    ///
    /// The digest block is kept for checking when the replay reaches its
    /// zxid, as `DataTree.deserializeZxidDigest` keeps it: a block with
    /// zxid 0 (ZooKeeper's "no digest yet") or below `snapshot_zxid` is
    /// ignored, and one at `snapshot_zxid` exactly (a snapshot nothing
    /// changed during) is checked at once.
    pub fn from_snapshot(r: Restored, snapshot_zxid: i64) -> Self {
        let snapshot_digest = r.digest.filter(|d| d.zxid > 0 && d.zxid >= snapshot_zxid);
        let mut rec = Self {
            tree: r.tree,
            sessions: r.sessions.into_iter().collect(),
            last_zxid: snapshot_zxid,
            digest: r.tree_digest as u64,
            snapshot_digest,
            mismatches: Vec::new(),
            mismatch_count: 0,
            digest_log: DigestLog::default(),
        };
        rec.check_snapshot_digest(snapshot_zxid);
        rec
    }

    /// Replays one logged txn. Entries with zxid <= last_zxid are skipped
    /// (`Ok(false)`); a zxid that is not `last_zxid + 1` within the same
    /// epoch is a [`ReplayError::Gap`]; a jump to a higher epoch is allowed.
    ///
    /// Idempotent over a fuzzy snapshot exactly as ZooKeeper's
    /// `DataTree.processTxn` / `FileTxnSnapLog.processTransaction`: the
    /// tree changes through the same code the live server applies txns
    /// with (a create that finds its node fixes the parent's
    /// cversion/pzxid, a delete of a missing node is ignored, multi applies
    /// its sub-txns, error txns change nothing); createSession adds the
    /// session with its timeout; closeSession removes it and deletes its
    /// ephemerals.
    pub fn replay(&mut self, entry: &TxnEntry) -> Result<bool, ReplayError> {
        let zxid = entry.header.zxid;
        if zxid <= self.last_zxid {
            return Ok(false);
        }
        if epoch(zxid) == epoch(self.last_zxid) && zxid != self.last_zxid + 1 {
            return Err(ReplayError::Gap {
                last: self.last_zxid,
                next: zxid,
            });
        }
        match &entry.body {
            TxnBody::CreateSession(t) => {
                self.sessions.insert(entry.header.client_id, t.timeout);
            }
            TxnBody::CloseSession(_) => {
                self.sessions.remove(&entry.header.client_id);
            }
            _ => {}
        }
        let mut applier = TxnApplier {
            tree: &mut self.tree,
            digest: &mut self.digest,
            track_digest: true,
        };
        applier.apply(entry, &mut NoTriggers);
        self.last_zxid = zxid;
        // ZooKeeper records a txn's digest for `hash` only out of the
        // snapshot's fuzzy range, and not for the txn that ends it.
        let fuzzy = self.snapshot_digest.is_some();
        self.check_snapshot_digest(zxid);
        if !fuzzy {
            self.digest_log.record(zxid, self.digest as i64);
        }
        // compareDigest: only once out of the snapshot's fuzzy range.
        if self.snapshot_digest.is_none() {
            if let Some(d) = &entry.digest {
                if d.version == DIGEST_VERSION {
                    self.compare(zxid, DigestCheck::Txn, d.tree_digest);
                }
            }
        }
        Ok(true)
    }

    /// `compareSnapshotDigests` at `zxid`: when it is the snapshot digest's
    /// zxid, compare (unless the digest version differs) and stop waiting.
    fn check_snapshot_digest(&mut self, zxid: i64) {
        let Some(d) = &self.snapshot_digest else {
            return;
        };
        if d.zxid != zxid {
            return;
        }
        let expected = match d.digest {
            DigestValue::Long(v) if d.digest_version == DIGEST_VERSION => Some(v),
            _ => None,
        };
        self.snapshot_digest = None;
        if let Some(expected) = expected {
            self.compare(zxid, DigestCheck::Snapshot, expected);
        }
    }

    fn compare(&mut self, zxid: i64, check: DigestCheck, expected: i64) {
        let actual = self.digest as i64;
        if actual == expected {
            return;
        }
        self.mismatch_count += 1;
        if self.mismatches.len() < KEPT_MISMATCHES {
            self.mismatches.push(DigestMismatch {
                zxid,
                check,
                expected,
                actual,
            });
        }
    }

    /// The tree digests the replay recorded for `hash` (every 128th zxid
    /// out of the snapshot's fuzzy range).
    pub fn digest_log(&self) -> &DigestLog {
        &self.digest_log
    }

    /// The digest of the tree (`getTreeDigest`), kept through replay.
    pub fn tree_digest(&self) -> i64 {
        self.digest as i64
    }

    /// The first digest mismatch found, if any.
    pub fn digest_mismatch(&self) -> Option<&DigestMismatch> {
        self.mismatches.first()
    }

    /// The first mismatches found, in order (at most 64 are kept).
    pub fn digest_mismatches(&self) -> &[DigestMismatch] {
        &self.mismatches
    }

    /// How many mismatches were found (ZooKeeper's
    /// `digest_mismatches_count`).
    pub fn digest_mismatch_count(&self) -> u64 {
        self.mismatch_count
    }

    /// The snapshot's digest block while the replay has not reached its
    /// zxid. Still `Some` when recovery ends means the log stopped short of
    /// it (ZooKeeper warns "Highest txn zxid … is not covering the snapshot
    /// digest zxid"): the tree may hold effects of txns the log lacks.
    pub fn pending_snapshot_digest(&self) -> Option<&ZxidDigest> {
        self.snapshot_digest.as_ref()
    }
}

/// The epoch of a zxid: its upper 32 bits.
fn epoch(zxid: i64) -> i64 {
    zxid >> 32
}
