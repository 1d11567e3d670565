//! One operation of `rzk bench run`: choosing its keys from a session's
//! [`KeyPool`] (so it cannot fail by design), sending it, and bringing the
//! pool up to date with the answer.

use bytes::Bytes;
use rzk_client::{Acl, Client, CreateMode, Error};

use super::keys::{KeyPool, KeySpace};
use super::mix::OpKind;
use super::rng::Rng;

/// An operation with its keys chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Create key `id` (a fresh id).
    Create {
        /// The new key.
        id: u64,
    },
    /// setData key `id`, any version.
    Set {
        /// An idle existing key.
        id: u64,
    },
    /// getData key `id`.
    Get {
        /// An existing key.
        id: u64,
    },
    /// exists of key `id`.
    Exists {
        /// An existing key.
        id: u64,
    },
    /// getChildren of key `id`'s parent.
    Children {
        /// An existing key.
        id: u64,
    },
    /// Delete key `id`.
    Delete {
        /// An idle existing key, already out of the pool.
        id: u64,
    },
    /// multi(create `new`, setData `existing`).
    Multi {
        /// The new key.
        new: u64,
        /// An idle existing key.
        existing: u64,
    },
    /// multi(check(`id`, `version`), setData(`id`, `version`)).
    Check {
        /// An idle existing key.
        id: u64,
        /// Its version as the driver knows it.
        version: i32,
    },
}

impl Plan {
    /// The kind counted for this plan.
    pub fn kind(&self) -> OpKind {
        match self {
            Plan::Create { .. } => OpKind::Create,
            Plan::Set { .. } => OpKind::Set,
            Plan::Get { .. } => OpKind::Get,
            Plan::Exists { .. } => OpKind::Exists,
            Plan::Children { .. } => OpKind::Children,
            Plan::Delete { .. } => OpKind::Delete,
            Plan::Multi { .. } => OpKind::Multi,
            Plan::Check { .. } => OpKind::Check,
        }
    }

    /// The existing key the request touches, marked busy while it is in
    /// flight (creates touch no existing key).
    fn existing_key(&self) -> Option<u64> {
        match *self {
            Plan::Create { .. } => None,
            Plan::Set { id }
            | Plan::Get { id }
            | Plan::Exists { id }
            | Plan::Children { id }
            | Plan::Delete { id }
            | Plan::Check { id, .. } => Some(id),
            Plan::Multi { existing, .. } => Some(existing),
        }
    }
}

/// Chooses keys for an op of `kind`. When the pool has no key the op can
/// use (all busy, or none left), the op becomes a create, and the second
/// value is true: a create always succeeds by design, a made-up NoNode
/// would not.
pub fn plan(kind: OpKind, pool: &mut KeyPool, rng: &mut Rng) -> (Plan, bool) {
    let chosen = match kind {
        OpKind::Create => Some(Plan::Create { id: pool.fresh() }),
        OpKind::Get => pool.pick_any(rng).map(|id| Plan::Get { id }),
        OpKind::Exists => pool.pick_any(rng).map(|id| Plan::Exists { id }),
        OpKind::Children => pool.pick_any(rng).map(|id| Plan::Children { id }),
        OpKind::Set => pool.pick_idle(rng).map(|id| Plan::Set { id }),
        OpKind::Check => pool.pick_idle(rng).map(|id| Plan::Check {
            id,
            version: pool.version(id),
        }),
        OpKind::Delete => pool.take_for_delete(rng).map(|id| Plan::Delete { id }),
        OpKind::Multi => pool.pick_idle(rng).map(|existing| Plan::Multi {
            new: pool.fresh(),
            existing,
        }),
    };
    let (plan, fell_back) = match chosen {
        Some(p) => (p, false),
        None => (Plan::Create { id: pool.fresh() }, true),
    };
    if let Some(id) = plan.existing_key() {
        pool.begin(id);
    }
    (plan, fell_back)
}

/// Brings the pool up to date once `plan` was answered with `result`.
/// A failed write leaves its key in an unknown state, so the key is
/// retired rather than guessed at.
pub fn settle(plan: &Plan, result: &Result<(), Error>, pool: &mut KeyPool) {
    if let Some(id) = plan.existing_key() {
        pool.end(id);
    }
    let ok = result.is_ok();
    match *plan {
        Plan::Create { id } if ok => pool.created(id),
        Plan::Set { id } | Plan::Check { id, .. } => {
            if ok {
                pool.bump(id);
            } else {
                pool.retire(id);
            }
        }
        Plan::Multi { new, existing } => {
            if ok {
                pool.created(new);
                pool.bump(existing);
            } else {
                pool.retire(existing);
            }
        }
        _ => {}
    }
}

/// What an op needs besides its plan.
#[derive(Debug, Clone, Copy)]
pub struct OpContext<'a> {
    /// The session's client.
    pub client: &'a Client,
    /// Key names.
    pub keys: &'a KeySpace,
    /// The session's index (its keys' owner).
    pub session: u64,
    /// The value written by creates and sets.
    pub value: &'a Bytes,
    /// The ACL of created znodes.
    pub acl: &'a [Acl],
}

/// Sends the op and waits for its answer.
pub async fn execute(cx: OpContext<'_>, plan: Plan) -> Result<(), Error> {
    let path = |id: u64| cx.keys.path(cx.session, id);
    match plan {
        Plan::Create { id } => cx
            .client
            .create(&path(id), cx.value.clone(), cx.acl, CreateMode::Persistent)
            .await
            .map(drop),
        Plan::Set { id } => cx
            .client
            .set_data(&path(id), cx.value.clone(), -1)
            .await
            .map(drop),
        Plan::Get { id } => cx.client.get_data(&path(id)).await.map(drop),
        Plan::Exists { id } => match cx.client.exists(&path(id)).await? {
            Some(_) => Ok(()),
            // The driver knows the key exists; absence is the server's error.
            None => Err(Error::Server(rzk_client::ErrorCode::NoNode)),
        },
        Plan::Children { id } => cx
            .client
            .get_children(&cx.keys.parent(cx.session, id))
            .await
            .map(drop),
        Plan::Delete { id } => cx.client.delete(&path(id), -1).await,
        Plan::Multi { new, existing } => cx
            .client
            .transaction()
            .create(&path(new), cx.value.clone(), cx.acl, CreateMode::Persistent)
            .set_data(&path(existing), cx.value.clone(), -1)
            .commit()
            .await
            .map(drop),
        Plan::Check { id, version } => {
            let p = path(id);
            cx.client
                .transaction()
                .check(&p, version)
                .set_data(&p, cx.value.clone(), version)
                .commit()
                .await
                .map(drop)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_pool_turns_key_ops_into_creates() {
        let mut pool = KeyPool::new(0);
        let mut rng = Rng::new(1);
        for kind in OpKind::ALL {
            let (p, fell_back) = plan(kind, &mut pool, &mut rng);
            assert_eq!(p.kind(), OpKind::Create);
            assert_eq!(fell_back, kind != OpKind::Create, "{kind}");
        }
    }

    #[test]
    fn writes_never_share_a_key_in_flight() {
        let mut pool = KeyPool::new(1);
        let mut rng = Rng::new(1);
        let (first, _) = plan(OpKind::Set, &mut pool, &mut rng);
        assert_eq!(first, Plan::Set { id: 0 });
        // Key 0 is busy: a CAS must not race the set.
        let (second, fell_back) = plan(OpKind::Check, &mut pool, &mut rng);
        assert!(fell_back);
        assert_eq!(second.kind(), OpKind::Create);
        settle(&first, &Ok(()), &mut pool);
        let (third, _) = plan(OpKind::Check, &mut pool, &mut rng);
        assert_eq!(
            third,
            Plan::Check { id: 0, version: 1 },
            "the set bumped it"
        );
    }

    #[test]
    fn settling_follows_the_answer() {
        let mut pool = KeyPool::new(2);
        let mut rng = Rng::new(9);
        let (multi, _) = plan(OpKind::Multi, &mut pool, &mut rng);
        let Plan::Multi { new, existing } = multi else {
            panic!("{multi:?}")
        };
        settle(&multi, &Ok(()), &mut pool);
        assert_eq!(pool.len(), 3);
        assert_eq!(pool.version(new), 0);
        assert_eq!(pool.version(existing), 1);
        let (set, _) = plan(OpKind::Set, &mut pool, &mut rng);
        settle(&set, &Err(Error::ConnectionLoss), &mut pool);
        assert_eq!(pool.len(), 2, "a failed write retires its key");
        let (create, _) = plan(OpKind::Create, &mut pool, &mut rng);
        settle(&create, &Err(Error::ConnectionLoss), &mut pool);
        assert_eq!(pool.len(), 2, "a failed create adds nothing");
    }
}
