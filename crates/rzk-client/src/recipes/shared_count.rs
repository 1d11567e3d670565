//! A shared integer with Curator's `SharedCount` layout: one node holding
//! the value as 4 big-endian bytes. Every participant keeps a watched local
//! copy; writes are either unconditional or conditional on the version the
//! writer last saw.

use bytes::Bytes;
use rzk_proto::codes::{CreateMode, EventType};
use rzk_proto::data::Stat;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{default_acl, ensure_parents, retry, validate_path};
use crate::client::Client;
use crate::error::{Error, Result};

/// A value with the node version it was read at (for conditional writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionedValue {
    /// The node's data version when `value` was read.
    pub version: i32,
    /// The count.
    pub value: i32,
}

/// A count shared by every client (rzk or Curator) using the same path.
///
/// Guarantees: [`SharedCount::count`] is a value the node held, and it
/// follows every change in order (each write fires the watch that
/// re-reads it); [`SharedCount::try_set_count`] writes only if nobody
/// wrote since the value it was given was read.
#[derive(Debug)]
pub struct SharedCount {
    client: Client,
    path: String,
    /// The local copy, with the mzxid it was read at (orders reads).
    current: watch::Receiver<(VersionedValue, i64)>,
    task: Option<JoinHandle<()>>,
}

fn decode(data: Option<&Bytes>) -> Result<i32> {
    let d = data.map(|b| b.as_ref()).unwrap_or_default();
    let b: [u8; 4] = d
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| Error::BadArguments(format!("count node holds {} bytes, not 4", d.len())))?;
    Ok(i32::from_be_bytes(b))
}

fn encode(v: i32) -> Bytes {
    Bytes::copy_from_slice(&v.to_be_bytes())
}

/// Records a read unless a newer one is already recorded.
fn offer(tx: &watch::Sender<(VersionedValue, i64)>, value: i32, stat: &Stat) {
    tx.send_if_modified(|cur| {
        if stat.mzxid >= cur.1 {
            *cur = (
                VersionedValue {
                    version: stat.version,
                    value,
                },
                stat.mzxid,
            );
            true
        } else {
            false
        }
    });
}

impl SharedCount {
    /// Starts sharing the count at `path`, creating it with `seed` if it
    /// does not exist; returns once the current value is known.
    pub async fn start(client: &Client, path: &str, seed: i32) -> Result<Self> {
        let path = validate_path(path)?;
        let acl = default_acl();
        ensure_parents(client, &path, &acl).await?;
        let r = retry(client, || {
            client.create(&path, encode(seed), &acl, CreateMode::Persistent)
        });
        match r.await {
            Ok(_) => {}
            Err(e) if e.is_node_exists() => {}
            Err(e) => return Err(e),
        }
        let (data, stat, watch) = retry(client, || client.get_data_watch(&path)).await?;
        let first = VersionedValue {
            version: stat.version,
            value: decode(data.as_ref())?,
        };
        let (tx, current) = watch::channel((first, stat.mzxid));
        let task = tokio::spawn(follow(client.clone(), path.clone(), tx, watch));
        Ok(Self {
            client: client.clone(),
            path,
            current,
            task: Some(task),
        })
    }

    /// The count as last seen.
    pub fn count(&self) -> i32 {
        self.current.borrow().0.value
    }

    /// The count with its version, for [`SharedCount::try_set_count`].
    pub fn versioned(&self) -> VersionedValue {
        self.current.borrow().0
    }

    /// Waits for the local copy to change and returns it; `None` once the
    /// count has stopped following (closed or session ended).
    pub async fn changed(&mut self) -> Option<VersionedValue> {
        self.current.changed().await.ok()?;
        Some(self.current.borrow_and_update().0)
    }

    /// Sets the count whatever it is.
    pub async fn set_count(&self, value: i32) -> Result<()> {
        self.client.set_data(&self.path, encode(value), -1).await?;
        Ok(())
    }

    /// Sets the count only if it is still at `previous.version`; false if
    /// someone wrote in between.
    pub async fn try_set_count(&self, previous: VersionedValue, value: i32) -> Result<bool> {
        match self
            .client
            .set_data(&self.path, encode(value), previous.version)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_bad_version() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Stops following the node.
    pub fn close(mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Drop for SharedCount {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Re-reads the node each time its watch fires, until the session ends.
async fn follow(
    client: Client,
    path: String,
    tx: watch::Sender<(VersionedValue, i64)>,
    mut watch: crate::OneShotWatch,
) {
    loop {
        let ev = watch.await;
        if ev.event_type == EventType::None {
            return;
        }
        watch = loop {
            match retry(&client, || client.get_data_watch(&path)).await {
                Ok((data, stat, w)) => {
                    if let Ok(v) = decode(data.as_ref()) {
                        offer(&tx, v, &stat);
                    }
                    break w;
                }
                Err(e) if e.is_no_node() => {
                    // Deleted: wait for it to come back (or, if it already
                    // has, read it again).
                    match retry(&client, || client.exists_watch(&path)).await {
                        Ok((None, w)) => break w,
                        Ok((Some(_), _)) => continue,
                        Err(_) => return,
                    }
                }
                Err(_) => return,
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_four_big_endian_bytes() {
        assert_eq!(&encode(258)[..], &[0, 0, 1, 2]);
        assert_eq!(decode(Some(&encode(-7))).unwrap(), -7);
        assert!(decode(None).is_err());
    }
}
