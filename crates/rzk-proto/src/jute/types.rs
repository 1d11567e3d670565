//! The `Jute` trait: how each Rust type maps to a jute wire type.
//!
//! | Rust type | jute type |
//! |---|---|
//! | `i8` | byte |
//! | `bool` | boolean |
//! | `i32` | int |
//! | `i64` | long |
//! | `Bytes` / `Option<Bytes>` | buffer (null rejected / allowed) |
//! | `String` / `Option<String>` | ustring (null rejected / allowed) |
//! | `Vec<T>` / `Option<Vec<T>>` | vector (null rejected / allowed) |
//! | a record | its fields in order |
//!
//! A field is `Option` exactly where ZooKeeper puts nulls on the wire (znode
//! data, quorum packet data and authinfo, reconfig strings); elsewhere a null
//! is a decode error naming the field, so server code never meets a null it
//! did not expect.

use bytes::{BufMut, Bytes};

use super::error::{DecodeErrorKind, DecodeResult};
use super::reader::Reader;

/// A value with a jute encoding.
pub trait Jute: Sized {
    /// The fewest bytes any value of this type encodes to (used to bound
    /// vector allocations by the input length).
    const MIN_SIZE: usize;

    /// Reads one value; `field` names it in errors.
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self>;

    /// Appends the encoding of `self` to `w`.
    fn write<B: BufMut>(&self, w: &mut B);

    /// The exact number of bytes [`Jute::write`] appends.
    fn encoded_len(&self) -> usize;
}

impl Jute for i8 {
    const MIN_SIZE: usize = 1;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        r.read_byte(field)
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        w.put_i8(*self);
    }
    fn encoded_len(&self) -> usize {
        1
    }
}

impl Jute for bool {
    const MIN_SIZE: usize = 1;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        r.read_bool(field)
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        w.put_u8(u8::from(*self));
    }
    fn encoded_len(&self) -> usize {
        1
    }
}

impl Jute for i32 {
    const MIN_SIZE: usize = 4;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        r.read_int(field)
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        w.put_i32(*self);
    }
    fn encoded_len(&self) -> usize {
        4
    }
}

impl Jute for i64 {
    const MIN_SIZE: usize = 8;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        r.read_long(field)
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        w.put_i64(*self);
    }
    fn encoded_len(&self) -> usize {
        8
    }
}

/// Writes a length prefix; lengths past `i32::MAX` cannot be produced by a
/// decoder and are a caller bug, so they are clamped rather than wrapped.
fn put_len<B: BufMut>(w: &mut B, len: usize) {
    w.put_i32(i32::try_from(len).unwrap_or(i32::MAX));
}

impl Jute for Option<Bytes> {
    const MIN_SIZE: usize = 4;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        r.read_buffer(field)
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        match self {
            None => w.put_i32(-1),
            Some(b) => {
                put_len(w, b.len());
                w.put_slice(b);
            }
        }
    }
    fn encoded_len(&self) -> usize {
        4 + self.as_ref().map_or(0, Bytes::len)
    }
}

impl Jute for Bytes {
    const MIN_SIZE: usize = 4;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        let at = r.position();
        r.read_buffer(field)?
            .ok_or_else(|| r.error_at(field, at, DecodeErrorKind::UnexpectedNull))
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        put_len(w, self.len());
        w.put_slice(self);
    }
    fn encoded_len(&self) -> usize {
        4 + self.len()
    }
}

impl Jute for Option<String> {
    const MIN_SIZE: usize = 4;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        r.read_ustring(field)
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        match self {
            None => w.put_i32(-1),
            Some(s) => s.write(w),
        }
    }
    fn encoded_len(&self) -> usize {
        4 + self.as_ref().map_or(0, String::len)
    }
}

impl Jute for String {
    const MIN_SIZE: usize = 4;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        let at = r.position();
        r.read_ustring(field)?
            .ok_or_else(|| r.error_at(field, at, DecodeErrorKind::UnexpectedNull))
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        put_len(w, self.len());
        w.put_slice(self.as_bytes());
    }
    fn encoded_len(&self) -> usize {
        4 + self.len()
    }
}

fn read_elements<T: Jute>(r: &mut Reader, field: &'static str, n: usize) -> DecodeResult<Vec<T>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(T::read(r, field)?);
    }
    Ok(out)
}

impl<T: Jute> Jute for Option<Vec<T>> {
    const MIN_SIZE: usize = 4;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        match r.read_count(field, T::MIN_SIZE)? {
            None => Ok(None),
            Some(n) => read_elements(r, field, n).map(Some),
        }
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        match self {
            None => w.put_i32(-1),
            Some(v) => v.write(w),
        }
    }
    fn encoded_len(&self) -> usize {
        self.as_ref().map_or(4, Jute::encoded_len)
    }
}

impl<T: Jute> Jute for Vec<T> {
    const MIN_SIZE: usize = 4;
    fn read(r: &mut Reader, field: &'static str) -> DecodeResult<Self> {
        let at = r.position();
        match r.read_count(field, T::MIN_SIZE)? {
            None => Err(r.error_at(field, at, DecodeErrorKind::UnexpectedNull)),
            Some(n) => read_elements(r, field, n),
        }
    }
    fn write<B: BufMut>(&self, w: &mut B) {
        put_len(w, self.len());
        for e in self {
            e.write(w);
        }
    }
    fn encoded_len(&self) -> usize {
        4 + self.iter().map(Jute::encoded_len).sum::<usize>()
    }
}
