//! [`SimDisk`]: an in-memory [`Disk`] that models what a power loss keeps.
//!
//! The model, which storage's durability argument is checked against:
//!
//! * **File data.** Each file keeps its current bytes (what reads see) and
//!   its bytes as of the last [`DiskFile::sync`] apart, plus the writes and
//!   length changes in between, in order. A crash keeps the synced bytes,
//!   then any number of the unsynced operations in order (none, some, all),
//!   and may tear the first one it did not keep: a prefix of that write
//!   survives, followed by up to 4 KiB of zeros or random garbage.
//!   Nothing after a torn operation survives.
//! * **Directory entries.** Creations, renames and removals change the
//!   directory at once, but are durable only after [`Disk::sync_dir`] of
//!   that directory. A crash keeps any prefix, in order, of a directory's
//!   unsynced entry changes — none of them (the strict reading of POSIX),
//!   or some, as a journaling file system that committed its journal on
//!   its own would. So a created file may survive a crash empty, and a
//!   removed file may come back.
//! * **Directories** themselves are durable once [`Disk::create_dir_all`]
//!   returns, as the trait promises.
//!
//! What the model does not do: reorder unsynced writes (a real kernel may
//! write back a later page before an earlier one), or damage synced bytes
//! (use [`SimDisk::corrupt`] for bit rot). Recovery's rule for telling a
//! torn tail from corruption relies on the first; see `logscan`.
//!
//! Faults: [`SimDisk::set_space_limit`] makes writes fail as on a full
//! disk, [`SimDisk::corrupt`] flips stored bits, [`SimDisk::power_cut_after`]
//! stops the machine between any two mutating calls. [`SimDisk::crash`]
//! returns the disk a rebooted machine would find; handles opened before
//! keep writing to the old, dead machine's disk.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::disk::{Disk, DiskFile};
use crate::sim_content::{Inode, PendingOp};
use crate::sim_rng::SimRng;

/// An in-memory, crash-modelling [`Disk`]. Cloning is cheap and clones
/// share the same disk, so a test can keep a handle while storage owns
/// another.
#[derive(Clone, Default)]
pub struct SimDisk {
    state: Arc<Mutex<State>>,
}

/// Counts of the calls that cost time on a real disk, so tests can check
/// that a path issues no more syncs than it should.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// `DiskFile::write_at` calls.
    pub writes: u64,
    /// `DiskFile::set_len` calls.
    pub set_lens: u64,
    /// `DiskFile::sync` calls.
    pub syncs: u64,
    /// `DiskFile::write_behind` calls (which change nothing a crash keeps).
    pub write_behinds: u64,
    /// `Disk::sync_dir` calls.
    pub dir_syncs: u64,
}

#[derive(Default)]
struct State {
    inodes: BTreeMap<u64, Inode>,
    next_inode: u64,
    dirs: BTreeMap<PathBuf, Dir>,
    space_limit: Option<u64>,
    /// Mutating calls left before the power cut (`None`: no cut armed).
    power_left: Option<u64>,
    stats: SimStats,
}

/// A directory's entries, now and as of its last sync.
#[derive(Debug, Clone, Default)]
struct Dir {
    current: BTreeMap<String, u64>,
    durable: BTreeMap<String, u64>,
    pending: Vec<DirOp>,
}

#[derive(Debug, Clone)]
enum DirOp {
    Link { name: String, inode: u64 },
    Unlink { name: String },
    Rename { from: String, to: String },
}

impl DirOp {
    fn apply(&self, entries: &mut BTreeMap<String, u64>) {
        match self {
            Self::Link { name, inode } => {
                entries.insert(name.clone(), *inode);
            }
            Self::Unlink { name } => {
                entries.remove(name);
            }
            Self::Rename { from, to } => {
                if let Some(inode) = entries.remove(from) {
                    entries.insert(to.clone(), inode);
                }
            }
        }
    }
}

impl fmt::Debug for SimDisk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // File contents would drown any assertion message.
        let s = self.lock();
        f.debug_struct("SimDisk")
            .field("dirs", &s.dirs.len())
            .field("files", &s.inodes.len())
            .field("space_limit", &s.space_limit)
            .finish()
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file or directory", path.display()),
    )
}

/// `path` with `.` and `..` resolved lexically; the empty path is `.`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The directory and name of a file path.
fn split(path: &Path) -> io::Result<(PathBuf, String)> {
    let path = normalize(path);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: not a file path SimDisk can hold", path.display()),
            )
        })?
        .to_owned();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

impl SimDisk {
    /// An empty disk holding only the root and the current directory.
    pub fn new() -> Self {
        let disk = Self::default();
        {
            let mut s = disk.lock();
            s.dirs.insert(PathBuf::from("/"), Dir::default());
            s.dirs.insert(PathBuf::from("."), Dir::default());
        }
        disk
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent state: every
        // mutation is completed before anything that could panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The disk a machine finds after losing power now, chosen by `seed`
    /// (see the module docs for what may survive). The same seed on the
    /// same history always gives the same disk. `self` is unchanged, and
    /// the space limit carries over.
    pub fn crash(&self, seed: u64) -> SimDisk {
        let s = self.lock();
        let mut rng = SimRng::new(seed);
        let mut dirs = BTreeMap::new();
        let mut live = BTreeMap::new();
        for (path, dir) in &s.dirs {
            let mut entries = dir.durable.clone();
            let kept = rng.index(dir.pending.len() + 1);
            for op in &dir.pending[..kept] {
                op.apply(&mut entries);
            }
            for &inode in entries.values() {
                live.entry(inode).or_insert(());
            }
            dirs.insert(
                path.clone(),
                Dir {
                    current: entries.clone(),
                    durable: entries,
                    pending: Vec::new(),
                },
            );
        }
        let mut inodes = BTreeMap::new();
        for (&id, inode) in &s.inodes {
            if !live.contains_key(&id) {
                continue;
            }
            let content = inode.crashed(&mut rng);
            inodes.insert(
                id,
                Inode {
                    current: content.clone(),
                    durable: content,
                    pending: Vec::new(),
                },
            );
        }
        SimDisk {
            state: Arc::new(Mutex::new(State {
                inodes,
                next_inode: s.next_inode,
                dirs,
                space_limit: s.space_limit,
                power_left: None,
                stats: SimStats::default(),
            })),
        }
    }

    /// Limits the total length of all files to `limit` bytes (`None`: no
    /// limit). A write that would pass it stores what fits and fails with
    /// `ErrorKind::StorageFull`; a `set_len` that would pass it fails and
    /// changes nothing. Files already past the limit stay as they are.
    pub fn set_space_limit(&self, limit: Option<u64>) {
        self.lock().space_limit = limit;
    }

    /// Flips the bits of `mask` in the byte at `offset` of `path`, in both
    /// the synced and the current content: bit rot on the medium, seen by
    /// reads now and after any crash. Fails with `NotFound` if the file
    /// does not exist and `InvalidInput` if `offset` is past its end.
    pub fn corrupt(&self, path: &Path, offset: u64, mask: u8) -> io::Result<()> {
        let mut s = self.lock();
        let id = s.lookup(path)?;
        let inode = s.inode_mut(id)?;
        let hit_current = inode.current.xor_at(offset, mask);
        // Unsynced bytes at that offset are not on the medium yet; the
        // synced copy is what rots. Both views are flipped where they hold
        // the byte.
        let hit_durable = inode.durable.xor_at(offset, mask);
        for op in &mut inode.pending {
            if let PendingOp::Write { offset: at, data } = op {
                if let Some(i) = offset
                    .checked_sub(*at)
                    .and_then(|d| usize::try_from(d).ok())
                {
                    if let Some(b) = data.get_mut(i) {
                        *b ^= mask;
                    }
                }
            }
        }
        if hit_current || hit_durable {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: offset {offset} is past the end", path.display()),
            ))
        }
    }

    /// Cuts the power after `ops` more mutating calls (writes, length
    /// changes, syncs, creations, renames, removals, directory creation and
    /// syncs): the next call after those fails with an I/O error and
    /// changes nothing, and so does every one after it. What the disk holds
    /// then is what [`SimDisk::crash`] starts from, so a test can stop a
    /// multi-step operation (a commit, a repair) between any two steps.
    pub fn power_cut_after(&self, ops: u64) {
        self.lock().power_left = Some(ops);
    }

    /// Undoes [`SimDisk::power_cut_after`]: calls succeed again, and the
    /// disk keeps everything, synced or not. Together they model a process
    /// killed between two disk calls while the machine stays up (its page
    /// cache survives).
    pub fn restore_power(&self) {
        self.lock().power_left = None;
    }

    /// The total length of all named files, as the space limit counts it.
    pub fn used_space(&self) -> u64 {
        self.lock().used_except(u64::MAX)
    }

    /// Call counts since this disk was created (or crashed into being).
    pub fn stats(&self) -> SimStats {
        self.lock().stats
    }

    /// The length `path` would have if the machine crashed now with every
    /// unsynced change lost: its synced length, or `None` if its directory
    /// entry is not durable.
    pub fn synced_len(&self, path: &Path) -> Option<u64> {
        let s = self.lock();
        let (dir, name) = split(path).ok()?;
        let id = *s.dirs.get(&dir)?.durable.get(&name)?;
        Some(s.inodes.get(&id)?.durable.len())
    }
}

impl State {
    /// Counts one mutating call against an armed power cut; fails it (and
    /// every later one) once the power is gone.
    fn powered(&mut self, path: &Path) -> io::Result<()> {
        match self.power_left {
            Some(0) => Err(io::Error::other(format!(
                "{}: SimDisk power cut",
                path.display()
            ))),
            Some(n) => {
                self.power_left = Some(n - 1);
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn lookup(&self, path: &Path) -> io::Result<u64> {
        let (dir, name) = split(path)?;
        self.dirs
            .get(&dir)
            .and_then(|d| d.current.get(&name))
            .copied()
            .ok_or_else(|| not_found(path))
    }

    fn inode_mut(&mut self, id: u64) -> io::Result<&mut Inode> {
        self.inodes.get_mut(&id).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "SimDisk: file handle to a lost file",
            )
        })
    }

    /// Bytes held by files that have a name, other than `except`.
    fn used_except(&self, except: u64) -> u64 {
        let mut linked: Vec<u64> = self
            .dirs
            .values()
            .flat_map(|d| d.current.values().copied())
            .filter(|&id| id != except)
            .collect();
        linked.sort_unstable();
        linked.dedup();
        linked
            .iter()
            .filter_map(|id| self.inodes.get(id))
            .map(|i| i.current.len())
            .sum()
    }

    /// How long file `id` may grow before the space limit is hit.
    fn room_for(&self, id: u64) -> Option<u64> {
        let limit = self.space_limit?;
        Some(limit.saturating_sub(self.used_except(id)))
    }
}

fn disk_full(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::StorageFull,
        format!("{}: full disk (SimDisk space limit)", path.display()),
    )
}

/// An open file on a [`SimDisk`].
struct SimFile {
    state: Arc<Mutex<State>>,
    inode: u64,
    path: PathBuf,
}

impl fmt::Debug for SimFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimFile").field("path", &self.path).finish()
    }
}

impl SimFile {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DiskFile for SimFile {
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> io::Result<()> {
        let mut s = self.lock();
        s.powered(&self.path)?;
        s.stats.writes += 1;
        let room = s.room_for(self.inode);
        let inode = s.inode_mut(self.inode)?;
        let end = offset.saturating_add(buf.len() as u64);
        let (fits, full) = match room {
            Some(room) if end > room.max(inode.current.len()) => {
                // Store what fits, as a real write(2) does before ENOSPC.
                let limit = room.max(inode.current.len());
                let n = usize::try_from(limit.saturating_sub(offset)).unwrap_or(usize::MAX);
                (&buf[..n.min(buf.len())], true)
            }
            _ => (buf, false),
        };
        if !fits.is_empty() {
            inode.current.write_at(offset, fits)?;
            inode.record(PendingOp::Write {
                offset,
                data: fits.to_vec(),
            });
        }
        if full {
            return Err(disk_full(&self.path));
        }
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        let mut s = self.lock();
        s.powered(&self.path)?;
        s.stats.syncs += 1;
        s.inode_mut(self.inode)?.sync();
        Ok(())
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        let mut s = self.lock();
        s.powered(&self.path)?;
        s.stats.set_lens += 1;
        let room = s.room_for(self.inode);
        let inode = s.inode_mut(self.inode)?;
        if let Some(room) = room {
            if len > inode.current.len() && len > room {
                return Err(disk_full(&self.path));
            }
        }
        inode.current.set_len(len);
        inode.record(PendingOp::SetLen(len));
        Ok(())
    }

    fn file_len(&self) -> io::Result<u64> {
        let mut s = self.lock();
        Ok(s.inode_mut(self.inode)?.current.len())
    }

    /// Counted, and failed once the power is gone, but otherwise nothing:
    /// handing bytes to a device without a flush makes none of them
    /// durable, so a crash may still lose or tear them.
    fn write_behind(&mut self, _offset: u64, _len: u64) -> io::Result<()> {
        let mut s = self.lock();
        if s.power_left == Some(0) {
            return Err(io::Error::other(format!(
                "{}: SimDisk power cut",
                self.path.display()
            )));
        }
        s.stats.write_behinds += 1;
        Ok(())
    }
}

impl Disk for SimDisk {
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut s = self.lock();
        s.powered(dir)?;
        let dir = normalize(dir);
        let mut at = PathBuf::new();
        for c in dir.components() {
            at.push(c.as_os_str());
            if let Ok((parent, name)) = split(&at) {
                if s.dirs
                    .get(&parent)
                    .is_some_and(|d| d.current.contains_key(&name))
                {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!("{}: a file is in the way", at.display()),
                    ));
                }
            }
            s.dirs.entry(at.clone()).or_default();
        }
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let s = self.lock();
        s.dirs
            .get(&normalize(dir))
            .map(|d| d.current.keys().cloned().collect())
            .ok_or_else(|| not_found(dir))
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut s = self.lock();
        let id = s.lookup(path)?;
        s.inode_mut(id)?.current.to_vec()
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        let (dir, name) = split(path)?;
        let mut s = self.lock();
        s.powered(path)?;
        let full = normalize(path);
        let exists_as_dir = s.dirs.contains_key(&full);
        let next = s.next_inode;
        let d = s.dirs.get_mut(&dir).ok_or_else(|| not_found(path))?;
        if d.current.contains_key(&name) || exists_as_dir {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{}: file exists", path.display()),
            ));
        }
        d.current.insert(name.clone(), next);
        d.pending.push(DirOp::Link { name, inode: next });
        s.next_inode += 1;
        s.inodes.insert(next, Inode::default());
        Ok(Box::new(SimFile {
            state: Arc::clone(&self.state),
            inode: next,
            path: path.to_owned(),
        }))
    }

    fn open_write(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        let id = self.lock().lookup(path)?;
        Ok(Box::new(SimFile {
            state: Arc::clone(&self.state),
            inode: id,
            path: path.to_owned(),
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let (from_dir, from_name) = split(from)?;
        let (to_dir, to_name) = split(to)?;
        if from_dir != to_dir {
            // Storage renames only inside one directory (`x.tmp` to `x`);
            // an atomic rename across two separately synced directories
            // is not modelled, so it is refused rather than faked.
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "SimDisk: rename across directories ({} to {})",
                    from.display(),
                    to.display()
                ),
            ));
        }
        let mut s = self.lock();
        s.powered(from)?;
        let d = s.dirs.get_mut(&from_dir).ok_or_else(|| not_found(from))?;
        let Some(id) = d.current.remove(&from_name) else {
            return Err(not_found(from));
        };
        d.current.insert(to_name.clone(), id);
        if from_name != to_name {
            d.pending.push(DirOp::Rename {
                from: from_name,
                to: to_name,
            });
        }
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let (dir, name) = split(path)?;
        let mut s = self.lock();
        s.powered(path)?;
        let d = s.dirs.get_mut(&dir).ok_or_else(|| not_found(path))?;
        if d.current.remove(&name).is_none() {
            return Err(not_found(path));
        }
        d.pending.push(DirOp::Unlink { name });
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut s = self.lock();
        s.powered(dir)?;
        s.stats.dir_syncs += 1;
        let d = s
            .dirs
            .get_mut(&normalize(dir))
            .ok_or_else(|| not_found(dir))?;
        d.durable = d.current.clone();
        d.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
#[path = "sim_tests.rs"]
mod tests;
