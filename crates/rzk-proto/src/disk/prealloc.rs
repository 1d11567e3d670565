//! Txn-log preallocation arithmetic (`p/FilePadding`, PROTOCOL.md §6.2).
//!
//! ZooKeeper grows a log file in large zero-filled steps so that appends
//! rarely change the file size (which would make every fsync also flush
//! metadata). Readers rely on the zeros: a zero txn length ends the log.

/// How close (in bytes) the write position may come to the end of the
/// preallocated space before the file is extended again.
pub const PREALLOC_SLACK: u64 = 4096;

/// ZooKeeper's default `preAllocSize`: 64 MiB (`zookeeper.preAllocSize`
/// is given in KiB, default 65536).
pub const DEFAULT_PREALLOC_SIZE: u64 = 64 * 1024 * 1024;

/// The size a log file must have before the next entry is written at
/// `position`, given its current (preallocated) size `file_size`; equal to
/// `file_size` when no growth is needed.
///
/// Guarantees the same result as `FilePadding.calculateFileSizeWithPadding`
/// for every non-negative input: when `prealloc` is non-zero and `position`
/// is within [`PREALLOC_SLACK`] bytes of `file_size` (or past it), the file
/// grows by `prealloc`, or, if `position` already overran `file_size`, to
/// the next multiple of `prealloc` above `position`. `prealloc == 0`
/// disables preallocation. Arithmetic saturates instead of overflowing.
pub fn padded_log_size(position: u64, file_size: u64, prealloc: u64) -> u64 {
    if prealloc == 0 || position.saturating_add(PREALLOC_SLACK) < file_size {
        return file_size;
    }
    if position > file_size {
        let grown = position.saturating_add(prealloc);
        grown - grown % prealloc
    } else {
        file_size.saturating_add(prealloc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIB64: u64 = DEFAULT_PREALLOC_SIZE;

    #[test]
    fn a_fresh_log_grows_to_header_plus_prealloc() {
        // FileTxnLog sets the current size to 16 after the header, then
        // pads before the first entry: 16 + 64 MiB = 67,108,880 [V].
        assert_eq!(padded_log_size(16, 16, MIB64), 67_108_880);
    }

    #[test]
    fn no_growth_while_more_than_4k_remain() {
        assert_eq!(padded_log_size(1000, 67_108_880, MIB64), 67_108_880);
        let edge = 67_108_880 - PREALLOC_SLACK - 1;
        assert_eq!(padded_log_size(edge, 67_108_880, MIB64), 67_108_880);
    }

    #[test]
    fn growth_by_prealloc_within_4k_of_the_end() {
        let edge = 67_108_880 - PREALLOC_SLACK;
        assert_eq!(padded_log_size(edge, 67_108_880, MIB64), 67_108_880 + MIB64);
        assert_eq!(
            padded_log_size(67_108_880, 67_108_880, MIB64),
            67_108_880 + MIB64
        );
    }

    #[test]
    fn an_overrun_rounds_up_to_a_multiple_of_prealloc() {
        // A large entry wrote past the padded end: the new size is the next
        // multiple of prealloc above the position (not size + prealloc).
        assert_eq!(padded_log_size(150, 116, 100), 200);
        assert_eq!(padded_log_size(200, 116, 100), 300);
        assert_eq!(padded_log_size(5000, 16, 4096), 8192);
    }

    #[test]
    fn zero_prealloc_disables_padding() {
        assert_eq!(padded_log_size(16, 16, 0), 16);
        assert_eq!(padded_log_size(1 << 40, 16, 0), 16);
    }

    proptest! {
        #[test]
        fn never_shrinks_and_always_leaves_room(
            position in 0u64..1 << 40,
            file_size in 0u64..1 << 40,
            prealloc in 1u64..1 << 30,
        ) {
            let size = padded_log_size(position, file_size, prealloc);
            prop_assert!(size >= file_size);
            if size != file_size {
                prop_assert!(size > position);
            } else {
                prop_assert!(position + PREALLOC_SLACK < file_size);
            }
        }
    }
}
