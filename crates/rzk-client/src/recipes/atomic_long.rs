//! A distributed counter with Curator's `DistributedAtomicLong` layout: one
//! persistent node holding the value as 8 big-endian bytes (a missing or
//! empty node reads as 0). Updates are optimistic: read value and version,
//! write with that version, retry on a conflict.

use std::time::Duration;

use bytes::Bytes;

use super::{default_acl, ensure_parents, retry, validate_path};
use crate::client::Client;
use crate::clock;
use crate::error::{Error, Result};

/// The outcome of an update, as Curator's `AtomicValue`: whether it was
/// applied, and the values before and after. When `succeeded` is false
/// nothing was written and `post_value` is what would have been.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtomicValue {
    /// True if the new value was written.
    pub succeeded: bool,
    /// The value the update was computed from.
    pub pre_value: i64,
    /// The value written (or attempted).
    pub post_value: i64,
}

/// A counter shared by every client (rzk or Curator) using the same path.
///
/// Guarantees: each successful update is applied exactly once, on top of
/// the value it reports as `pre_value` — the write is conditional on the
/// node's version, so concurrent updates never overwrite each other; an
/// update that loses the race more than the retry budget allows reports
/// `succeeded: false` and changes nothing.
#[derive(Debug)]
pub struct DistributedAtomicLong {
    client: Client,
    path: String,
    max_attempts: u32,
    /// xorshift state for backoff jitter (seeded once, from the clock door).
    jitter: u64,
}

/// Default optimistic attempts per update; generous because contention on
/// one node is the normal case for a shared counter.
const DEFAULT_ATTEMPTS: u32 = 200;

fn decode(data: Option<&Bytes>) -> Result<i64> {
    match data {
        None => Ok(0),
        Some(d) if d.is_empty() => Ok(0),
        Some(d) => {
            let b: [u8; 8] = d.get(..8).and_then(|s| s.try_into().ok()).ok_or_else(|| {
                Error::BadArguments(format!("counter node holds {} bytes, not 8", d.len()))
            })?;
            Ok(i64::from_be_bytes(b))
        }
    }
}

fn encode(v: i64) -> Bytes {
    Bytes::copy_from_slice(&v.to_be_bytes())
}

/// The value read and the version to write against (`None`: no node).
type Current = (i64, Option<i32>);

impl DistributedAtomicLong {
    /// A counter stored at `path` (created on first write).
    pub fn new(client: &Client, path: &str) -> Result<Self> {
        Ok(Self {
            client: client.clone(),
            path: validate_path(path)?,
            max_attempts: DEFAULT_ATTEMPTS,
            jitter: clock::default_seed() | 1,
        })
    }

    /// Sets how many optimistic attempts an update makes before it reports
    /// `succeeded: false` (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    async fn current(&self) -> Result<Current> {
        match retry(&self.client, || self.client.get_data(&self.path)).await {
            Ok((d, stat)) => Ok((decode(d.as_ref())?, Some(stat.version))),
            Err(e) if e.is_no_node() => Ok((0, None)),
            Err(e) => Err(e),
        }
    }

    /// Writes `v` if the node is still at `version` (or still absent).
    /// `Ok(false)` on a lost race. A connection loss is returned, not
    /// retried: the write may have landed and a blind retry could apply it
    /// twice.
    async fn write(&self, v: i64, version: Option<i32>) -> Result<bool> {
        let r = match version {
            Some(ver) => self
                .client
                .set_data(&self.path, encode(v), ver)
                .await
                .map(|_| ()),
            None => {
                ensure_parents(&self.client, &self.path, &default_acl()).await?;
                let mode = rzk_proto::codes::CreateMode::Persistent;
                self.client
                    .create(&self.path, encode(v), &default_acl(), mode)
                    .await
                    .map(|_| ())
            }
        };
        match r {
            Ok(()) => Ok(true),
            Err(e) if e.is_bad_version() || e.is_node_exists() || e.is_no_node() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The current value (0 if the node does not exist).
    pub async fn get(&self) -> Result<i64> {
        Ok(self.current().await?.0)
    }

    /// Applies `f` to the current value with optimistic retries.
    async fn update(&mut self, f: impl Fn(i64) -> i64) -> Result<AtomicValue> {
        let mut last = AtomicValue {
            succeeded: false,
            pre_value: 0,
            post_value: 0,
        };
        for attempt in 0..self.max_attempts {
            let (pre, version) = self.current().await?;
            let post = f(pre);
            last = AtomicValue {
                succeeded: false,
                pre_value: pre,
                post_value: post,
            };
            if self.write(post, version).await? {
                last.succeeded = true;
                return Ok(last);
            }
            self.backoff(attempt).await;
        }
        Ok(last)
    }

    /// Sleeps a little before the next attempt: spreading the contenders
    /// out makes the next round more likely to have a single writer.
    async fn backoff(&mut self, attempt: u32) {
        self.jitter ^= self.jitter << 13;
        self.jitter ^= self.jitter >> 7;
        self.jitter ^= self.jitter << 17;
        let cap = 1u64 << attempt.min(5); // 1..32 ms
        tokio::time::sleep(Duration::from_millis(self.jitter % (cap + 1))).await;
    }

    /// Adds 1.
    pub async fn increment(&mut self) -> Result<AtomicValue> {
        self.update(|v| v.wrapping_add(1)).await
    }

    /// Subtracts 1.
    pub async fn decrement(&mut self) -> Result<AtomicValue> {
        self.update(|v| v.wrapping_sub(1)).await
    }

    /// Adds `delta`.
    pub async fn add(&mut self, delta: i64) -> Result<AtomicValue> {
        self.update(move |v| v.wrapping_add(delta)).await
    }

    /// Subtracts `delta`.
    pub async fn subtract(&mut self, delta: i64) -> Result<AtomicValue> {
        self.update(move |v| v.wrapping_sub(delta)).await
    }

    /// Sets the value to `new` whatever it was (with optimistic retries).
    pub async fn try_set(&mut self, new: i64) -> Result<AtomicValue> {
        self.update(move |_| new).await
    }

    /// Sets `new` only if the value is `expected` now. One attempt, as
    /// Curator: `succeeded` is false if the value differs or another
    /// writer got in between the read and the write.
    pub async fn compare_and_set(&mut self, expected: i64, new: i64) -> Result<AtomicValue> {
        let (pre, version) = self.current().await?;
        let succeeded = pre == expected && self.write(new, version).await?;
        Ok(AtomicValue {
            succeeded,
            pre_value: pre,
            post_value: new,
        })
    }

    /// Creates the node with `value` if it does not exist yet; true if this
    /// call created it.
    pub async fn initialize(&self, value: i64) -> Result<bool> {
        ensure_parents(&self.client, &self.path, &default_acl()).await?;
        let mode = rzk_proto::codes::CreateMode::Persistent;
        match self
            .client
            .create(&self.path, encode(value), &default_acl(), mode)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_node_exists() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_eight_big_endian_bytes() {
        assert_eq!(&encode(1)[..], &[0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(decode(Some(&encode(-5))).unwrap(), -5);
        assert_eq!(decode(None).unwrap(), 0);
        assert_eq!(decode(Some(&Bytes::new())).unwrap(), 0);
        assert!(decode(Some(&Bytes::from_static(b"abc"))).is_err());
    }
}
