//! Jute, ZooKeeper's binary serialization (`BinaryOutputArchive` /
//! `BinaryInputArchive`): big-endian integers, length-prefixed buffers and
//! strings with -1 for null, count-prefixed vectors, and records as their
//! fields in order with no framing.

mod error;
mod reader;
mod record;
#[cfg(test)]
pub mod testing;
mod types;

pub use error::{DecodeError, DecodeErrorKind, DecodeResult};
pub use reader::{Reader, DEFAULT_MAX_BUFFER};
pub use record::Record;
pub use types::Jute;
