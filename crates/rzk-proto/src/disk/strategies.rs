//! proptest strategies for data-tree images, shared by the snapshot and
//! SNAP body tests.

use bytes::Bytes;
use proptest::prelude::*;

use super::snapshot::{DigestValue, SnapshotTail, ZxidDigest};
use super::tree::{AclCacheEntry, DataTreeImage, SessionEntry, SnapNode, TreeHead};
use crate::data::{Acl, Id, StatPersisted};

fn stat() -> impl Strategy<Value = StatPersisted> {
    (any::<[i64; 6]>(), any::<[i32; 3]>()).prop_map(|(l, i)| StatPersisted {
        czxid: l[0],
        mzxid: l[1],
        ctime: l[2],
        mtime: l[3],
        version: i[0],
        cversion: i[1],
        aversion: i[2],
        ephemeral_owner: l[4],
        pzxid: l[5],
    })
}

/// Any node except one whose path is the terminator.
pub fn node() -> impl Strategy<Value = SnapNode> {
    let path = "(/[a-z0-9é]{0,6}){0,3}".prop_filter("not the terminator", |p| p != "/");
    let data = prop::option::of(prop::collection::vec(any::<u8>(), 0..24).prop_map(Bytes::from));
    (path, data, any::<i64>(), stat()).prop_map(|(path, data, acl_ref, stat)| SnapNode {
        path,
        data,
        acl_ref,
        stat,
    })
}

fn acl() -> impl Strategy<Value = Acl> {
    (any::<i32>(), "[a-z]{0,6}", ".{0,6}").prop_map(|(p, s, i)| Acl::new(p, Id::new(s, i)))
}

/// Any sessions, ACL cache and nodes.
pub fn image() -> impl Strategy<Value = DataTreeImage> {
    let session = (any::<i64>(), any::<i32>()).prop_map(|(session_id, timeout)| SessionEntry {
        session_id,
        timeout,
    });
    let entry = (any::<i64>(), prop::collection::vec(acl(), 0..3))
        .prop_map(|(acl_ref, acls)| AclCacheEntry { acl_ref, acls });
    (
        prop::collection::vec(session, 0..4),
        prop::collection::vec(entry, 0..3),
        prop::collection::vec(node(), 0..6),
    )
        .prop_map(|(sessions, acl_cache, nodes)| DataTreeImage {
            head: TreeHead {
                sessions,
                acl_cache,
            },
            nodes,
        })
}

/// Any combination of tail blocks, digests of either form.
pub fn tail() -> impl Strategy<Value = SnapshotTail> {
    let digest = prop_oneof![
        (any::<i64>(), 2..i32::MAX, any::<i64>()).prop_map(|(zxid, v, d)| ZxidDigest {
            zxid,
            digest_version: v,
            digest: DigestValue::Long(d),
        }),
        (
            any::<i64>(),
            i32::MIN..2,
            prop::option::of("[0-9a-f]{0,16}")
        )
            .prop_map(|(zxid, v, h)| ZxidDigest {
                zxid,
                digest_version: v,
                digest: DigestValue::Hex(h),
            }),
    ];
    (prop::option::of(digest), prop::option::of(any::<i64>())).prop_map(
        |(digest, last_processed_zxid)| SnapshotTail {
            digest,
            last_processed_zxid,
        },
    )
}
