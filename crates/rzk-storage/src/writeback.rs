//! Starting and awaiting the writeback of a file range without a cache
//! flush (`sync_file_range(2)` on Linux), for [`crate::disk::DiskFile::write_behind`].
//!
//! Neither guarantees durability: they only move bytes from the page cache
//! to the device. Elsewhere they do nothing, which is correct, since they
//! change nothing a reader or a crash can observe; only the pacing is lost.

use std::fs::File;
use std::io;

/// Starts writing the dirty pages of `[offset, offset + len)` to the device
/// and returns without waiting.
pub(crate) fn start(file: &File, offset: u64, len: u64) -> io::Result<()> {
    imp::sync_file_range(file, offset, len, imp::START)
}

/// Returns once every page of `[offset, offset + len)` that was dirty or
/// under writeback has reached the device.
pub(crate) fn wait(file: &File, offset: u64, len: u64) -> io::Result<()> {
    imp::sync_file_range(file, offset, len, imp::WAIT)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;

    pub(super) const START: libc::c_uint = libc::SYNC_FILE_RANGE_WRITE;
    pub(super) const WAIT: libc::c_uint = libc::SYNC_FILE_RANGE_WAIT_BEFORE
        | libc::SYNC_FILE_RANGE_WRITE
        | libc::SYNC_FILE_RANGE_WAIT_AFTER;

    pub(super) fn sync_file_range(
        file: &File,
        offset: u64,
        len: u64,
        flags: libc::c_uint,
    ) -> io::Result<()> {
        // To the kernel a length of 0 means "to the end of the file".
        if len == 0 {
            return Ok(());
        }
        let (Ok(offset), Ok(len)) = (
            libc::off64_t::try_from(offset),
            libc::off64_t::try_from(len),
        ) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "write-behind range beyond what off64_t holds",
            ));
        };
        // SAFETY: sync_file_range reads no memory of this process: its
        // arguments are a file descriptor and three integers. The descriptor
        // is valid for the whole call because `file` is borrowed, so it
        // cannot be closed (or its number reused) until the call returns.
        // Any flag combination is defined by the kernel (EINVAL at worst,
        // returned as an error).
        #[allow(unsafe_code)]
        let rc = unsafe { libc::sync_file_range(file.as_raw_fd(), offset, len, flags) };
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            // A file system or kernel without it: the bytes still reach
            // the disk at the final sync, only the pacing is lost, so this
            // hint must not fail the snapshot.
            Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP | libc::ESPIPE) => Ok(()),
            _ => Err(e),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::fs::File;
    use std::io;

    pub(super) const START: u32 = 0;
    pub(super) const WAIT: u32 = 1;

    pub(super) fn sync_file_range(_: &File, _: u64, _: u64, _: u32) -> io::Result<()> {
        Ok(())
    }
}
