//! Snapshot seals (`p/SnapStream.sealStream` / `checkSealIntegrity`): the
//! running Adler32 of every uncompressed byte so far as a `long`, then the
//! `ustring` `"/"`. Each later seal covers the earlier ones too.

use adler2::Adler32;
use bytes::{BufMut, BytesMut};

use crate::jute::{DecodeErrorKind, DecodeResult, Jute, Reader};

/// Encoded size of a seal: the long and the one-byte string.
pub const SEAL_LEN: usize = 8 + 4 + 1;

/// The last bytes of every complete uncompressed snapshot: the final seal's
/// `"/"` as a jute string.
pub const CHECKED_TAIL: [u8; 5] = [0, 0, 0, 1, b'/'];

/// The path every seal carries.
const SEAL_PATH: &str = "/";

/// `SnapStream.isValidCheckedStream`: whether `file` is at least 10 bytes
/// long and ends in [`CHECKED_TAIL`].
///
/// This is the cheap test ZooKeeper runs on an uncompressed snapshot before
/// trying to load it; it weeds out files cut short by a crash, but a pass
/// says nothing about the checksums (decode for that).
pub fn has_checked_tail(file: &[u8]) -> bool {
    file.len() >= 10 && file.ends_with(&CHECKED_TAIL)
}

/// The Adler32 of a prefix of an in-memory buffer, extended as a reader
/// moves forward through it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunningChecksum {
    adler: Adler32,
    summed_to: usize,
}

impl RunningChecksum {
    /// Adds `buf[summed_to..pos]`, so the value covers `buf[..pos]`.
    /// Positions come from a reader over `buf`, so they are in range; an
    /// out-of-range one (a bug) adds nothing rather than panicking.
    pub(crate) fn catch_up(&mut self, buf: &[u8], pos: usize) {
        debug_assert!(self.summed_to <= pos && pos <= buf.len());
        if let Some(new) = buf.get(self.summed_to..pos) {
            self.adler.write_slice(new);
            self.summed_to = pos;
        }
    }

    /// Moves on to a buffer that starts at `buf[mark..]` of the old one,
    /// which has been summed up to `mark`.
    pub(crate) fn rebase(&mut self, mark: usize) {
        debug_assert_eq!(self.summed_to, mark);
        self.summed_to -= mark.min(self.summed_to);
    }

    /// The checksum as ZooKeeper stores it: a long with the upper half 0.
    pub(crate) fn value(&self) -> i64 {
        i64::from(self.adler.checksum())
    }
}

/// Reads a seal at the reader's position and checks it against `computed`
/// (the checksum of every byte before it). A mismatch is a
/// `ChecksumMismatch` at the seal's offset, reported under `field`.
///
/// The seal's path must be `"/"`: ZooKeeper's reader ignores it, but its
/// writer never puts anything else there, and requiring it keeps
/// re-encoding exact.
pub(crate) fn read_seal(r: &mut Reader, field: &'static str, computed: i64) -> DecodeResult<()> {
    let at = r.position();
    let stored = r.read_long(field)?;
    let path_at = r.position();
    let path = Option::<String>::read(r, "sealPath")?;
    if stored != computed {
        return Err(r.error_at(
            field,
            at,
            DecodeErrorKind::ChecksumMismatch { stored, computed },
        ));
    }
    if path.as_deref() != Some(SEAL_PATH) {
        return Err(r.error_at(
            "sealPath",
            path_at,
            DecodeErrorKind::Malformed("a seal's path must be \"/\""),
        ));
    }
    Ok(())
}

/// Appends a seal holding `checksum`.
pub(crate) fn write_seal(checksum: i64, out: &mut BytesMut) {
    out.put_i64(checksum);
    SEAL_PATH.to_owned().write(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_tail_rule() {
        assert!(has_checked_tail(&[9, 9, 9, 9, 9, 0, 0, 0, 1, b'/']));
        assert!(
            !has_checked_tail(&[9, 9, 9, 9, 0, 0, 0, 1, b'/']),
            "shorter than 10"
        );
        assert!(!has_checked_tail(&[9, 9, 9, 9, 9, 0, 0, 0, 2, b'/']));
        assert!(!has_checked_tail(&[9, 9, 9, 9, 9, 0, 0, 0, 1, b'x']));
        assert!(!has_checked_tail(&[]));
    }

    #[test]
    fn seals_are_checked_then_their_path() {
        let mut out = BytesMut::new();
        write_seal(7, &mut out);
        assert_eq!(&out[..], &[0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, b'/']);
        assert_eq!(out.len(), SEAL_LEN);
        read_seal(&mut Reader::new(out.clone().freeze()), "seal", 7).unwrap();

        let e = read_seal(&mut Reader::new(out.clone().freeze()), "seal", 8).unwrap_err();
        assert_eq!(
            e.kind,
            DecodeErrorKind::ChecksumMismatch {
                stored: 7,
                computed: 8
            }
        );
        assert_eq!((e.field, e.offset), ("seal", 0));

        let mut bad = out.clone();
        bad[12] = b'x';
        let e = read_seal(&mut Reader::new(bad.freeze()), "seal", 7).unwrap_err();
        assert_eq!((e.field, e.offset), ("sealPath", 8));

        let e = read_seal(&mut Reader::new(out.freeze().slice(..12)), "seal", 7).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }), "{e}");
    }

    #[test]
    fn running_checksum_matches_one_shot() {
        let data = b"some snapshot bytes";
        let mut sum = RunningChecksum::default();
        sum.catch_up(data, 4);
        sum.catch_up(data, 4);
        sum.catch_up(data, data.len());
        assert_eq!(sum.value(), i64::from(adler2::adler32_slice(data)));
    }
}
