//! A bounds-checked reader of jute primitives.

use bytes::Bytes;

use super::error::{DecodeError, DecodeErrorKind, DecodeResult};

/// ZooKeeper's default `jute.maxbuffer`: 1,048,575 bytes (`0xfffff`).
pub const DEFAULT_MAX_BUFFER: usize = 0xfffff;

/// Reads jute primitives from an in-memory buffer.
///
/// Guarantees: it never reads past the buffer, never panics on any input, and
/// never allocates more than the bytes remaining in the buffer (buffers are
/// zero-copy slices; strings and vectors are checked against the remaining
/// length before any allocation). Lengths above `max_len` are rejected as
/// ZooKeeper's `BinaryInputArchive` rejects them ("Unreasonable length").
#[derive(Debug, Clone)]
pub struct Reader {
    buf: Bytes,
    pos: usize,
    max_len: usize,
    record: &'static str,
}

impl Reader {
    /// A reader over `buf` with the default limit: `jute.maxbuffer` plus the
    /// default `zookeeper.jute.maxbuffer.extrasize` (equal to it).
    pub fn new(buf: impl Into<Bytes>) -> Self {
        Self::with_max_len(buf, DEFAULT_MAX_BUFFER * 2)
    }

    /// A reader whose buffer and string lengths may not exceed `max_len`.
    pub fn with_max_len(buf: impl Into<Bytes>, max_len: usize) -> Self {
        Self {
            buf: buf.into(),
            pos: 0,
            max_len,
            record: "",
        }
    }

    /// Offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Number of unread bytes.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The largest buffer or string length this reader accepts.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Marks the start of a record named `record` for error reports, and
    /// returns the enclosing record's name, to be given back to [`Self::leave`].
    pub fn enter(&mut self, record: &'static str) -> &'static str {
        std::mem::replace(&mut self.record, record)
    }

    /// Restores the enclosing record's name after a nested record.
    pub fn leave(&mut self, outer: &'static str) {
        self.record = outer;
    }

    /// An error of `kind` for `field`, located at `offset`.
    pub fn error_at(
        &self,
        field: &'static str,
        offset: usize,
        kind: DecodeErrorKind,
    ) -> DecodeError {
        DecodeError {
            record: self.record,
            field,
            offset,
            kind,
        }
    }

    /// An error of `kind` for `field` at the current position.
    pub fn error(&self, field: &'static str, kind: DecodeErrorKind) -> DecodeError {
        self.error_at(field, self.pos, kind)
    }

    /// Fails with `TrailingBytes` unless every byte has been read.
    pub fn finish(&self, field: &'static str) -> DecodeResult<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(self.error(field, DecodeErrorKind::TrailingBytes(n))),
        }
    }

    fn take(&mut self, field: &'static str, n: usize) -> DecodeResult<&[u8]> {
        if self.remaining() < n {
            return Err(self.error(
                field,
                DecodeErrorKind::Truncated {
                    needed: n,
                    available: self.remaining(),
                },
            ));
        }
        let start = self.pos;
        self.pos += n;
        Ok(&self.buf[start..start + n])
    }

    fn take_array<const N: usize>(&mut self, field: &'static str) -> DecodeResult<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(field, N)?);
        Ok(out)
    }

    /// Reads a jute `byte`.
    pub fn read_byte(&mut self, field: &'static str) -> DecodeResult<i8> {
        Ok(i8::from_be_bytes(self.take_array(field)?))
    }

    /// Reads a jute `boolean`: any non-zero byte is true, as in Java.
    pub fn read_bool(&mut self, field: &'static str) -> DecodeResult<bool> {
        Ok(self.read_byte(field)? != 0)
    }

    /// Reads a jute `int` (4 bytes, big-endian).
    pub fn read_int(&mut self, field: &'static str) -> DecodeResult<i32> {
        Ok(i32::from_be_bytes(self.take_array(field)?))
    }

    /// Reads a jute `long` (8 bytes, big-endian).
    pub fn read_long(&mut self, field: &'static str) -> DecodeResult<i64> {
        Ok(i64::from_be_bytes(self.take_array(field)?))
    }

    /// Reads `n` raw bytes (no length prefix) as a zero-copy slice.
    pub fn read_raw(&mut self, field: &'static str, n: usize) -> DecodeResult<Bytes> {
        self.take(field, n)?;
        Ok(self.buf.slice(self.pos - n..self.pos))
    }

    /// Reads every remaining byte as a zero-copy slice.
    pub fn read_rest(&mut self) -> Bytes {
        let out = self.buf.slice(self.pos..);
        self.pos = self.buf.len();
        out
    }

    /// Reads a length prefix for a buffer or string: `None` for -1 (null).
    fn read_len(&mut self, field: &'static str) -> DecodeResult<Option<(usize, usize)>> {
        let at = self.pos;
        let len = self.read_int(field)?;
        if len == -1 {
            return Ok(None);
        }
        if len < 0 || len as usize > self.max_len {
            return Err(self.error_at(
                field,
                at,
                DecodeErrorKind::LengthOutOfRange {
                    len: len.into(),
                    max: self.max_len,
                },
            ));
        }
        let len = len as usize;
        if len > self.remaining() {
            return Err(self.error_at(
                field,
                at,
                DecodeErrorKind::Truncated {
                    needed: len,
                    available: self.remaining(),
                },
            ));
        }
        Ok(Some((at, len)))
    }

    /// Reads a jute `buffer`; `None` is a null buffer (length -1).
    pub fn read_buffer(&mut self, field: &'static str) -> DecodeResult<Option<Bytes>> {
        match self.read_len(field)? {
            None => Ok(None),
            Some((_, len)) => self.read_raw(field, len).map(Some),
        }
    }

    /// Reads a jute `ustring`; `None` is a null string (length -1).
    ///
    /// Standard UTF-8 is accepted, and so is CESU-8 (surrogate pairs encoded
    /// as two 3-byte sequences), which is what Java's jute writer emits for
    /// characters outside the BMP. Anything else is `InvalidUtf8`.
    pub fn read_ustring(&mut self, field: &'static str) -> DecodeResult<Option<String>> {
        let Some((at, len)) = self.read_len(field)? else {
            return Ok(None);
        };
        let bytes = self.take(field, len)?;
        match decode_utf8_or_cesu8(bytes) {
            Ok(s) => Ok(Some(s)),
            Err(valid_up_to) => {
                Err(self.error_at(field, at, DecodeErrorKind::InvalidUtf8 { valid_up_to }))
            }
        }
    }

    /// Reads a vector count: `None` for -1 (null). Checks that `count`
    /// elements of at least `min_element` bytes each fit in the input, so the
    /// caller may allocate `count` elements.
    pub fn read_count(
        &mut self,
        field: &'static str,
        min_element: usize,
    ) -> DecodeResult<Option<usize>> {
        let at = self.pos;
        let count = self.read_int(field)?;
        if count == -1 {
            return Ok(None);
        }
        let fits = usize::try_from(count)
            .ok()
            .filter(|c| c.saturating_mul(min_element.max(1)) <= self.remaining());
        match fits {
            Some(c) => Ok(Some(c)),
            None => Err(self.error_at(
                field,
                at,
                DecodeErrorKind::CountOutOfRange {
                    count: count.into(),
                    available: self.remaining(),
                    min_element,
                },
            )),
        }
    }
}

/// Decodes UTF-8, falling back to CESU-8 for surrogate pairs. On failure
/// returns the offset of the first byte that is neither.
fn decode_utf8_or_cesu8(bytes: &[u8]) -> Result<String, usize> {
    match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.to_owned()),
        Err(e) if e.error_len().is_none() => return Err(e.valid_up_to()),
        Err(_) => {}
    }
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match std::str::from_utf8(&bytes[i..]) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                // The prefix was just validated, so this cannot fail; map
                // defensively rather than unwrap.
                out.push_str(std::str::from_utf8(&bytes[i..i + good]).map_err(|_| i)?);
                i += good;
                let c = surrogate_pair(&bytes[i..]).ok_or(i)?;
                out.push(c);
                i += 6;
            }
        }
    }
    Ok(out)
}

/// Decodes a CESU-8 surrogate pair (`ED A0..AF xx ED B0..BF xx`).
fn surrogate_pair(b: &[u8]) -> Option<char> {
    let unit = |s: &[u8]| -> Option<u32> {
        let ok = s.len() >= 3 && s[0] == 0xED && s[1] & 0xC0 == 0x80 && s[2] & 0xC0 == 0x80;
        ok.then(|| 0xD000 | (u32::from(s[1] & 0x3F) << 6) | u32::from(s[2] & 0x3F))
    };
    let hi = unit(b)?;
    let lo = unit(b.get(3..)?)?;
    if !(0xD800..0xDC00).contains(&hi) || !(0xDC00..0xE000).contains(&lo) {
        return None;
    }
    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cesu8_surrogate_pair_decodes_to_one_char() {
        // U+1F600 in CESU-8: ED A0 BD ED B8 80
        let s = decode_utf8_or_cesu8(&[b'/', 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, b'x']).unwrap();
        assert_eq!(s, "/\u{1F600}x");
    }

    #[test]
    fn lone_surrogate_and_garbage_are_rejected_with_offset() {
        assert_eq!(decode_utf8_or_cesu8(&[b'a', 0xED, 0xA0, 0xBD]), Err(1));
        assert_eq!(decode_utf8_or_cesu8(&[b'a', b'b', 0xFF]), Err(2));
        assert_eq!(decode_utf8_or_cesu8(&[b'a', 0xC3]), Err(1));
    }

    #[test]
    fn lengths_are_checked_before_allocation() {
        let mut r = Reader::new(vec![0x7f, 0xff, 0xff, 0xff]);
        let e = r.read_buffer("data").unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::LengthOutOfRange { .. }),
            "{e}"
        );
        let mut r = Reader::new(vec![0, 0, 0, 9, 1, 2]);
        let e = r.read_ustring("path").unwrap_err();
        assert_eq!(
            e.kind,
            DecodeErrorKind::Truncated {
                needed: 9,
                available: 2
            }
        );
        assert_eq!(e.offset, 0);
        let mut r = Reader::new(vec![0, 0, 0, 100, 0, 0, 0, 0]);
        let e = r.read_count("acl", 4).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::CountOutOfRange { count: 100, .. }),
            "{e}"
        );
        let mut r = Reader::new(vec![0xff, 0xff, 0xff, 0xfe]);
        assert!(r.read_count("acl", 4).is_err());
    }

    #[test]
    fn null_and_empty_are_distinct() {
        let mut r = Reader::new(vec![0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        assert_eq!(r.read_buffer("a").unwrap(), None);
        assert_eq!(r.read_buffer("b").unwrap(), Some(Bytes::new()));
        r.finish("end").unwrap();
    }

    #[test]
    fn bool_reads_any_nonzero_as_true() {
        let mut r = Reader::new(vec![0, 1, 7]);
        assert!(!r.read_bool("a").unwrap());
        assert!(r.read_bool("b").unwrap());
        assert!(r.read_bool("c").unwrap());
    }
}
