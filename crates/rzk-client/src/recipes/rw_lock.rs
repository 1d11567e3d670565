//! A distributed read/write lock with Curator's `InterProcessReadWriteLock`
//! layout: readers create `<path>/_c_<uuid>-__READ__<seq>`, writers
//! `<path>/_c_<uuid>-__WRIT__<seq>`, all in one sequence. A writer goes
//! when it is first; a reader goes when no writer is queued ahead of it.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::lock_internals::Predicate;
use super::mutex::InterProcessMutex;
use crate::client::Client;
use crate::error::Result;

const READ_NAME: &str = "__READ__";
const WRITE_NAME: &str = "__WRIT__";
/// Both names strip before sorting, so readers and writers share one order.
const SORT_NAMES: &[&str] = &[READ_NAME, WRITE_NAME];

/// A read/write lock on a path: any number of readers, or one writer.
///
/// Guarantees: while a [`WriteLock`] is held, no other handle (rzk or
/// Curator) holds the read or write lock of the same path; readers never
/// starve a writer that queued before them (a reader behind a writer
/// waits). Each half is re-entrant per handle. A handle holding the write
/// lock gets its read lock at once (downgrade: take read, release write).
#[derive(Debug)]
pub struct ReadWriteLock {
    read: ReadLock,
    write: WriteLock,
}

impl ReadWriteLock {
    /// A read/write lock on `path`. Fails only for an invalid path.
    pub fn new(client: &Client, path: &str) -> Result<Self> {
        let writing = Arc::new(AtomicBool::new(false));
        let mut read = InterProcessMutex::with_lock_name(
            client,
            path,
            READ_NAME,
            SORT_NAMES,
            Predicate::Read {
                write_name: WRITE_NAME,
            },
        )?;
        read.set_bypass(writing.clone());
        let write = InterProcessMutex::with_lock_name(
            client,
            path,
            WRITE_NAME,
            SORT_NAMES,
            Predicate::MaxLeases(1),
        )?;
        Ok(Self {
            read: ReadLock(read),
            write: WriteLock {
                inner: write,
                writing,
            },
        })
    }

    /// The shared (read) half.
    pub fn read_lock(&mut self) -> &mut ReadLock {
        &mut self.read
    }

    /// The exclusive (write) half.
    pub fn write_lock(&mut self) -> &mut WriteLock {
        &mut self.write
    }
}

/// The read half of a [`ReadWriteLock`]; has every method of
/// [`InterProcessMutex`] (acquire, try_acquire, release…) with reader
/// semantics.
#[derive(Debug)]
pub struct ReadLock(InterProcessMutex);

impl Deref for ReadLock {
    type Target = InterProcessMutex;
    fn deref(&self) -> &InterProcessMutex {
        &self.0
    }
}

impl DerefMut for ReadLock {
    fn deref_mut(&mut self) -> &mut InterProcessMutex {
        &mut self.0
    }
}

/// The write half of a [`ReadWriteLock`]: exclusive against readers and
/// writers.
#[derive(Debug)]
pub struct WriteLock {
    inner: InterProcessMutex,
    /// Tells the sibling read lock that this handle writes.
    writing: Arc<AtomicBool>,
}

impl WriteLock {
    /// Waits until this handle holds the write lock (re-entrant).
    pub async fn acquire(&mut self) -> Result<()> {
        self.inner.acquire().await?;
        self.writing.store(true, Ordering::Release);
        Ok(())
    }

    /// Like [`WriteLock::acquire`], giving up after `timeout` (`Ok(false)`).
    pub async fn try_acquire(&mut self, timeout: Duration) -> Result<bool> {
        let got = self.inner.try_acquire(timeout).await?;
        if got {
            self.writing.store(true, Ordering::Release);
        }
        Ok(got)
    }

    /// Undoes one acquire; the last one lets the next waiters in.
    pub async fn release(&mut self) -> Result<()> {
        let r = self.inner.release().await;
        self.writing
            .store(self.inner.is_acquired(), Ordering::Release);
        r
    }

    /// Whether this handle holds the write lock.
    pub fn is_acquired(&self) -> bool {
        self.inner.is_acquired()
    }

    /// The writer nodes queued on the path, in order (as Curator, readers
    /// are left out).
    pub async fn participant_nodes(&self) -> Result<Vec<String>> {
        self.inner.participant_nodes().await
    }
}
