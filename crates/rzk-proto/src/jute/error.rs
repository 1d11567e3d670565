//! Decode errors: what was wrong, and where (record, field, byte offset).

/// A failure to decode jute bytes.
///
/// Every error names the innermost record and field being read and the byte
/// offset (from the start of the buffer handed to the decoder) at which the
/// offending value starts, so a bad frame can be diagnosed from the log line
/// alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{record}.{field} at offset {offset}: {kind}")]
pub struct DecodeError {
    /// The record being decoded (e.g. `CreateRequest`).
    pub record: &'static str,
    /// The field being decoded (e.g. `path`).
    pub field: &'static str,
    /// Byte offset of the field's first byte in the decoded buffer.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

/// What was wrong with the bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The input ended before the value did.
    #[error("truncated: needed {needed} bytes, {available} available")]
    Truncated {
        /// Bytes the value needs.
        needed: usize,
        /// Bytes left in the input.
        available: usize,
    },
    /// A buffer or string length is negative (other than -1) or larger than
    /// the configured `jute.maxbuffer` allowance.
    #[error("length {len} out of range (allowed -1..={max})")]
    LengthOutOfRange {
        /// The length read.
        len: i64,
        /// The largest length allowed.
        max: usize,
    },
    /// A vector count is negative (other than -1), or larger than the
    /// remaining input could hold.
    #[error("element count {count} out of range ({available} bytes left, each element needs at least {min_element} bytes)")]
    CountOutOfRange {
        /// The count read.
        count: i64,
        /// Bytes left in the input.
        available: usize,
        /// Smallest encoding of one element.
        min_element: usize,
    },
    /// A string is neither UTF-8 nor CESU-8.
    #[error("invalid UTF-8 at byte {valid_up_to} of the string")]
    InvalidUtf8 {
        /// Offset inside the string where decoding failed.
        valid_up_to: usize,
    },
    /// A -1 (null) length where this record cannot hold a null.
    #[error("null where a value is required")]
    UnexpectedNull,
    /// A numeric field holds a value that has no meaning here.
    #[error("invalid value {value}: expected {expected}")]
    InvalidValue {
        /// The value read.
        value: i64,
        /// What was allowed.
        expected: &'static str,
    },
    /// Bytes were left over after a record that must fill its buffer.
    #[error("{0} unexpected trailing bytes")]
    TrailingBytes(usize),
    /// A stored checksum does not match the bytes it covers.
    #[error("checksum mismatch: stored {stored:#x}, computed {computed:#x}")]
    ChecksumMismatch {
        /// The checksum in the input.
        stored: i64,
        /// The checksum of the bytes read.
        computed: i64,
    },
    /// A structural rule of the format was broken.
    #[error("{0}")]
    Malformed(&'static str),
}

/// Shorthand for decode results.
pub type DecodeResult<T> = Result<T, DecodeError>;
