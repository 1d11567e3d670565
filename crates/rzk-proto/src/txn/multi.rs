//! The operations inside a multi txn, decoded by their own types.
//!
//! On the wire a multi is a `MultiTxn`: a vector of `Txn{type, data}` whose
//! `data` is the operation's txn record, encoded. ZooKeeper decodes each
//! `data` by `type` when it applies the multi (`DataTree.processTxn`); this
//! module does the same at decode time, so a multi that ZooKeeper could not
//! apply is rejected here, when it is read.

use bytes::{BufMut, Bytes, BytesMut};

use super::records::{
    CheckVersionTxn, CreateContainerTxn, CreateTtlTxn, CreateTxn, DeleteTxn, ErrorTxn, MultiTxn,
    SetDataTxn, Txn,
};
use crate::codes::OpCode;
use crate::jute::{DecodeError, DecodeErrorKind, DecodeResult, Jute, Reader, Record};

/// One operation of a multi txn, typed by its opcode.
///
/// The variant fixes the opcode written for it, so encoding cannot pair a
/// record with the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubTxn {
    /// `create` (1).
    Create(CreateTxn),
    /// `create2` (15): same record as create.
    Create2(CreateTxn),
    /// `createContainer` (19).
    CreateContainer(CreateContainerTxn),
    /// `createTTL` (21).
    CreateTtl(CreateTtlTxn),
    /// `delete` (2).
    Delete(DeleteTxn),
    /// `deleteContainer` (20): same record as delete.
    DeleteContainer(DeleteTxn),
    /// `setData` (5).
    SetData(SetDataTxn),
    /// `check` (13).
    Check(CheckVersionTxn),
    /// `error` (-1): a failed multi has every operation as an error.
    Error(ErrorTxn),
}

/// The opcodes a multi may hold, for the error that names a bad one.
const SUB_TYPES: &str = "a multi op type (1, 2, 5, 13, 15, 19, 20, 21 or -1)";

impl SubTxn {
    /// The opcode written in the operation's `Txn.type`.
    pub fn op_code(&self) -> OpCode {
        match self {
            SubTxn::Create(_) => OpCode::Create,
            SubTxn::Create2(_) => OpCode::Create2,
            SubTxn::CreateContainer(_) => OpCode::CreateContainer,
            SubTxn::CreateTtl(_) => OpCode::CreateTtl,
            SubTxn::Delete(_) => OpCode::Delete,
            SubTxn::DeleteContainer(_) => OpCode::DeleteContainer,
            SubTxn::SetData(_) => OpCode::SetData,
            SubTxn::Check(_) => OpCode::Check,
            SubTxn::Error(_) => OpCode::Error,
        }
    }

    /// The encoded size of the operation's record (the `Txn.data` length).
    pub fn record_len(&self) -> usize {
        match self {
            SubTxn::Create(t) | SubTxn::Create2(t) => t.encoded_len(),
            SubTxn::CreateContainer(t) => t.encoded_len(),
            SubTxn::CreateTtl(t) => t.encoded_len(),
            SubTxn::Delete(t) | SubTxn::DeleteContainer(t) => t.encoded_len(),
            SubTxn::SetData(t) => t.encoded_len(),
            SubTxn::Check(t) => t.encoded_len(),
            SubTxn::Error(t) => t.encoded_len(),
        }
    }

    /// Appends the operation's record (the `Txn.data` bytes, unprefixed).
    pub fn write_record<B: BufMut>(&self, w: &mut B) {
        match self {
            SubTxn::Create(t) | SubTxn::Create2(t) => t.write(w),
            SubTxn::CreateContainer(t) => t.write(w),
            SubTxn::CreateTtl(t) => t.write(w),
            SubTxn::Delete(t) | SubTxn::DeleteContainer(t) => t.write(w),
            SubTxn::SetData(t) => t.write(w),
            SubTxn::Check(t) => t.write(w),
            SubTxn::Error(t) => t.write(w),
        }
    }

    /// Encodes the operation as the `Txn` ZooKeeper writes for it.
    pub fn to_txn(&self) -> Txn {
        let mut data = BytesMut::with_capacity(self.record_len());
        self.write_record(&mut data);
        Txn {
            txn_type: self.op_code().code(),
            data: data.freeze(),
        }
    }

    /// Decodes a `Txn` by its type. `data_offset` is where `txn.data`'s
    /// bytes start in the enclosing buffer, so errors point into it.
    ///
    /// Unlike ZooKeeper, which ignores bytes after the record, leftover
    /// bytes are an error: ZooKeeper never writes them, and accepting them
    /// would make re-encoding lose them.
    pub fn from_txn(txn: &Txn, data_offset: usize) -> DecodeResult<Self> {
        fn read<T: Record>(data: &Bytes) -> DecodeResult<T> {
            T::from_bytes(data.clone())
        }
        let d = &txn.data;
        let op = match OpCode::from_code(txn.txn_type) {
            Ok(op) => op,
            Err(_) => return Err(bad_type(txn.txn_type, data_offset)),
        };
        let sub = match op {
            OpCode::Create => read(d).map(SubTxn::Create),
            OpCode::Create2 => read(d).map(SubTxn::Create2),
            OpCode::CreateContainer => read(d).map(SubTxn::CreateContainer),
            OpCode::CreateTtl => read(d).map(SubTxn::CreateTtl),
            OpCode::Delete => read(d).map(SubTxn::Delete),
            OpCode::DeleteContainer => read(d).map(SubTxn::DeleteContainer),
            OpCode::SetData => read(d).map(SubTxn::SetData),
            OpCode::Check => read(d).map(SubTxn::Check),
            OpCode::Error => read(d).map(SubTxn::Error),
            _ => return Err(bad_type(txn.txn_type, data_offset)),
        };
        sub.map_err(|mut e| {
            e.offset += data_offset;
            e
        })
    }
}

/// The error for a `Txn.type` a multi may not hold. The type int sits 8
/// bytes before the data (type, then the data's length).
fn bad_type(value: i32, data_offset: usize) -> DecodeError {
    DecodeError {
        record: "Txn",
        field: "type",
        offset: data_offset.saturating_sub(8),
        kind: DecodeErrorKind::InvalidValue {
            value: value.into(),
            expected: SUB_TYPES,
        },
    }
}

/// Reads a `MultiTxn` and decodes each operation by its type.
pub(crate) fn read_multi(r: &mut Reader) -> DecodeResult<Vec<SubTxn>> {
    let outer = r.enter("MultiTxn");
    let count = r.read_count("txns", Txn::MIN_SIZE)?;
    let Some(count) = count else {
        return Err(r.error("txns", DecodeErrorKind::UnexpectedNull));
    };
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let txn = Txn::read(r, "txns")?;
        // The data ended where the reader is now.
        let data_offset = r.position() - txn.data.len();
        out.push(SubTxn::from_txn(&txn, data_offset)?);
    }
    r.leave(outer);
    Ok(out)
}

/// The `MultiTxn` record for `ops`.
pub fn to_multi_txn(ops: &[SubTxn]) -> MultiTxn {
    MultiTxn {
        txns: ops.iter().map(SubTxn::to_txn).collect(),
    }
}

/// Appends the `MultiTxn` encoding of `ops`, without building the
/// intermediate `Txn` buffers.
pub(crate) fn write_multi<B: BufMut>(ops: &[SubTxn], w: &mut B) {
    put_len(w, ops.len());
    for op in ops {
        w.put_i32(op.op_code().code());
        put_len(w, op.record_len());
        op.write_record(w);
    }
}

/// A jute length or count. Lengths past `i32::MAX` cannot come from a
/// decoder and would be a caller bug; clamp as `jute::types` does.
fn put_len<B: BufMut>(w: &mut B, len: usize) {
    w.put_i32(i32::try_from(len).unwrap_or(i32::MAX));
}

/// The encoded size of the `MultiTxn` for `ops`.
pub(crate) fn multi_len(ops: &[SubTxn]) -> usize {
    // The count, then per op its type int, data length int and record.
    4 + ops.iter().map(|op| 8 + op.record_len()).sum::<usize>()
}
