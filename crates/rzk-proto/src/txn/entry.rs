//! A whole transaction as ZooKeeper marshals it (`Util.marshallTxnEntry`,
//! `PROTOCOL.md` §5.7): the header, the record its type selects, and the
//! optional digest. These bytes are both a PROPOSAL/INFORM payload and the
//! body of a txn-log entry.
//!
//! The format has no tags and no lengths: the header's type says which
//! record follows, and "is there a digest" is answered by whether bytes are
//! left. Two legacy forms make that ambiguous; how each case is resolved is
//! written on [`TxnBody::CloseSession`] and [`TxnBody::CreateV0`].

use bytes::BufMut;

use super::multi::{multi_len, read_multi, write_multi, SubTxn};
use super::records::{
    CheckVersionTxn, CloseSessionTxn, CreateContainerTxn, CreateSessionTxn, CreateTtlTxn,
    CreateTxn, CreateTxnV0, DeleteTxn, ErrorTxn, SetAclTxn, SetDataTxn, TxnDigest, TxnHeader,
};
use crate::codes::OpCode;
use crate::jute::{DecodeError, DecodeErrorKind, DecodeResult, Jute, Reader, Record};

/// The encoded size of a [`TxnDigest`].
const DIGEST_LEN: usize = 12;

/// Byte offset of `type` inside a [`TxnHeader`] (after clientId, cxid,
/// zxid and time).
const HEADER_TYPE_OFFSET: usize = 28;

/// The txn types a txn may have, for the error that names a bad one.
const TXN_TYPES: &str = "a txn type (-11, -10, -1, 1, 2, 5, 7, 13, 14, 15, 16, 19, 20 or 21)";

/// The record of a txn, by the header's type.
///
/// Each variant stands for exactly one opcode ([`TxnBody::op_code`]), so an
/// entry built with [`TxnEntry::new`] always writes a header type that reads
/// back as the same variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnBody {
    /// `createSession` (-10).
    CreateSession(CreateSessionTxn),
    /// `closeSession` (-11): a `CloseSessionTxn` (3.6+ with
    /// `zookeeper.closeSessionTxn.enabled`, the default), or `None` when no
    /// record was written (older servers, or the option turned off).
    ///
    /// Decoding: with no bytes after the header there is no record. Else the
    /// bytes are read as a `CloseSessionTxn`; if that reads cleanly and
    /// leaves nothing or exactly one digest, it is the record. Otherwise, if
    /// exactly 12 bytes follow the header, they are a digest with no record.
    /// So 12 bytes that parse both ways are taken as the record, as
    /// ZooKeeper with its default settings would take them. (ZooKeeper
    /// itself, on a record-less entry with a digest, fails to read the
    /// record and then reads the digest from the wrong offset; this reader
    /// does not copy that.)
    CloseSession(Option<CloseSessionTxn>),
    /// `create` (1).
    Create(CreateTxn),
    /// `create` (1) in the pre-3.3 format with no `parentCVersion`.
    ///
    /// ZooKeeper reads this form only when reading a `CreateTxn` hits the
    /// end of the input, and treats it as a `CreateTxn` with
    /// `parentCVersion` -1 ([`CreateTxnV0::upgrade`]). Here a type-1 entry
    /// is a `CreateTxn` if that reads cleanly and leaves nothing or exactly
    /// one digest, else a `CreateTxnV0` if that does; so both forms
    /// round-trip. Only `create` has this fallback, as in ZooKeeper:
    /// `create2` (15) came after `parentCVersion`.
    CreateV0(CreateTxnV0),
    /// `create2` (15): the same record as create.
    Create2(CreateTxn),
    /// `createContainer` (19).
    CreateContainer(CreateContainerTxn),
    /// `createTTL` (21).
    CreateTtl(CreateTtlTxn),
    /// `delete` (2).
    Delete(DeleteTxn),
    /// `deleteContainer` (20): the same record as delete.
    DeleteContainer(DeleteTxn),
    /// `setData` (5).
    SetData(SetDataTxn),
    /// `reconfig` (16): a `SetDataTxn` of `/zookeeper/config` holding the
    /// new configuration text, with version -1.
    Reconfig(SetDataTxn),
    /// `setACL` (7).
    SetAcl(SetAclTxn),
    /// `error` (-1): a failed single write.
    Error(ErrorTxn),
    /// `check` (13) at top level. ZooKeeper 3.8.0–3.8.4 and 3.9.0–3.9.2
    /// wrote these for a lone `check` request but cannot read them back
    /// (`SerializeUtils.deserializeTxn` has no case for it); they are
    /// decoded here so such a log can still be read.
    Check(CheckVersionTxn),
    /// `multi` (14): its operations, each decoded by its own type.
    Multi(Vec<SubTxn>),
}

impl TxnBody {
    /// The opcode a header carrying this body has.
    pub fn op_code(&self) -> OpCode {
        match self {
            TxnBody::CreateSession(_) => OpCode::CreateSession,
            TxnBody::CloseSession(_) => OpCode::CloseSession,
            TxnBody::Create(_) | TxnBody::CreateV0(_) => OpCode::Create,
            TxnBody::Create2(_) => OpCode::Create2,
            TxnBody::CreateContainer(_) => OpCode::CreateContainer,
            TxnBody::CreateTtl(_) => OpCode::CreateTtl,
            TxnBody::Delete(_) => OpCode::Delete,
            TxnBody::DeleteContainer(_) => OpCode::DeleteContainer,
            TxnBody::SetData(_) => OpCode::SetData,
            TxnBody::Reconfig(_) => OpCode::Reconfig,
            TxnBody::SetAcl(_) => OpCode::SetAcl,
            TxnBody::Error(_) => OpCode::Error,
            TxnBody::Check(_) => OpCode::Check,
            TxnBody::Multi(_) => OpCode::Multi,
        }
    }

    /// Reads the record a header of type `txn_type` announces; `type_at` is
    /// the offset of that type in the input, for the unknown-type error.
    fn read(r: &mut Reader, txn_type: i32, type_at: usize) -> DecodeResult<Self> {
        let unknown = || DecodeError {
            record: "TxnHeader",
            field: "type",
            offset: type_at,
            kind: DecodeErrorKind::InvalidValue {
                value: txn_type.into(),
                expected: TXN_TYPES,
            },
        };
        let Ok(op) = OpCode::from_code(txn_type) else {
            return Err(unknown());
        };
        Ok(match op {
            OpCode::CreateSession => TxnBody::CreateSession(Jute::read(r, "txn")?),
            OpCode::CloseSession => TxnBody::CloseSession(read_close_session(r)?),
            OpCode::Create => read_create(r)?,
            OpCode::Create2 => TxnBody::Create2(Jute::read(r, "txn")?),
            OpCode::CreateContainer => TxnBody::CreateContainer(Jute::read(r, "txn")?),
            OpCode::CreateTtl => TxnBody::CreateTtl(Jute::read(r, "txn")?),
            OpCode::Delete => TxnBody::Delete(Jute::read(r, "txn")?),
            OpCode::DeleteContainer => TxnBody::DeleteContainer(Jute::read(r, "txn")?),
            OpCode::SetData => TxnBody::SetData(Jute::read(r, "txn")?),
            OpCode::Reconfig => TxnBody::Reconfig(Jute::read(r, "txn")?),
            OpCode::SetAcl => TxnBody::SetAcl(Jute::read(r, "txn")?),
            OpCode::Error => TxnBody::Error(Jute::read(r, "txn")?),
            OpCode::Check => TxnBody::Check(Jute::read(r, "txn")?),
            OpCode::Multi => TxnBody::Multi(read_multi(r)?),
            _ => return Err(unknown()),
        })
    }

    fn write<B: BufMut>(&self, w: &mut B) {
        match self {
            TxnBody::CreateSession(t) => t.write(w),
            TxnBody::CloseSession(t) => {
                if let Some(t) = t {
                    t.write(w);
                }
            }
            TxnBody::Create(t) | TxnBody::Create2(t) => t.write(w),
            TxnBody::CreateV0(t) => t.write(w),
            TxnBody::CreateContainer(t) => t.write(w),
            TxnBody::CreateTtl(t) => t.write(w),
            TxnBody::Delete(t) | TxnBody::DeleteContainer(t) => t.write(w),
            TxnBody::SetData(t) | TxnBody::Reconfig(t) => t.write(w),
            TxnBody::SetAcl(t) => t.write(w),
            TxnBody::Error(t) => t.write(w),
            TxnBody::Check(t) => t.write(w),
            TxnBody::Multi(ops) => write_multi(ops, w),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            TxnBody::CreateSession(t) => t.encoded_len(),
            TxnBody::CloseSession(t) => t.as_ref().map_or(0, Jute::encoded_len),
            TxnBody::Create(t) | TxnBody::Create2(t) => t.encoded_len(),
            TxnBody::CreateV0(t) => t.encoded_len(),
            TxnBody::CreateContainer(t) => t.encoded_len(),
            TxnBody::CreateTtl(t) => t.encoded_len(),
            TxnBody::Delete(t) | TxnBody::DeleteContainer(t) => t.encoded_len(),
            TxnBody::SetData(t) | TxnBody::Reconfig(t) => t.encoded_len(),
            TxnBody::SetAcl(t) => t.encoded_len(),
            TxnBody::Error(t) => t.encoded_len(),
            TxnBody::Check(t) => t.encoded_len(),
            TxnBody::Multi(ops) => multi_len(ops),
        }
    }
}

impl CreateTxnV0 {
    /// The `CreateTxn` ZooKeeper turns this into: the same fields with
    /// `parentCVersion` -1, which makes the data tree recompute the
    /// parent's cversion when the txn is applied.
    pub fn upgrade(&self) -> CreateTxn {
        CreateTxn {
            path: self.path.clone(),
            data: self.data.clone(),
            acl: self.acl.clone(),
            ephemeral: self.ephemeral,
            parent_cversion: -1,
        }
    }
}

/// Whether what is left after a record is a valid end of entry: nothing,
/// or exactly one digest.
fn tail_fits(r: &Reader) -> bool {
    matches!(r.remaining(), 0 | DIGEST_LEN)
}

/// Reads a type-1 record: a `CreateTxn`, or failing that a `CreateTxnV0`
/// (see [`TxnBody::CreateV0`]).
fn read_create(r: &mut Reader) -> DecodeResult<TxnBody> {
    let mut current = r.clone();
    let first = CreateTxn::read(&mut current, "txn");
    if let Ok(t) = &first {
        if tail_fits(&current) {
            *r = current;
            return Ok(TxnBody::Create(t.clone()));
        }
    }
    let mut old = r.clone();
    if let Ok(t) = CreateTxnV0::read(&mut old, "txn") {
        if tail_fits(&old) {
            *r = old;
            return Ok(TxnBody::CreateV0(t));
        }
    }
    // Neither form ends cleanly: report the current form's problem (its
    // decode error, or the leftover bytes found when reading the tail).
    let t = first?;
    *r = current;
    Ok(TxnBody::Create(t))
}

/// Reads a closeSession record, which may be absent (see
/// [`TxnBody::CloseSession`]).
fn read_close_session(r: &mut Reader) -> DecodeResult<Option<CloseSessionTxn>> {
    if r.remaining() == 0 {
        return Ok(None);
    }
    let mut attempt = r.clone();
    let read = CloseSessionTxn::read(&mut attempt, "txn");
    match read {
        Ok(t) if tail_fits(&attempt) => {
            *r = attempt;
            Ok(Some(t))
        }
        _ if r.remaining() == DIGEST_LEN => Ok(None),
        Ok(t) => {
            *r = attempt;
            Ok(Some(t))
        }
        Err(e) => Err(e),
    }
}

/// A whole txn: header, record, optional digest (`PROTOCOL.md` §5.7).
///
/// Guarantees: decoding never panics; an unknown header type is a
/// [`DecodeErrorKind::InvalidValue`] naming it; a decoded entry's
/// `header.txn_type` equals `body.op_code()`; and encoding a decoded entry
/// gives back the bytes it was decoded from whenever those were canonical
/// (booleans 0 or 1, strings in standard UTF-8, as ZooKeeper writes them).
///
/// The encoding is not self-delimiting (the digest is present when bytes
/// are left), so [`Jute::read`] consumes all the reader's remaining input:
/// decode an entry from exactly its own bytes ([`Record::from_bytes`]).
/// Bytes after the record that are not exactly one digest are an error
/// (ZooKeeper would ignore what follows a digest; it never writes any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnEntry {
    /// The header; its `txn_type` is `body.op_code()`.
    pub header: TxnHeader,
    /// The record the header's type selects.
    pub body: TxnBody,
    /// The tree digest (written by 3.6+ with `zookeeper.digest.enabled`).
    pub digest: Option<TxnDigest>,
}

impl TxnEntry {
    /// An entry whose header type is the body's opcode.
    pub fn new(
        client_id: i64,
        cxid: i32,
        zxid: i64,
        time: i64,
        body: TxnBody,
        digest: Option<TxnDigest>,
    ) -> Self {
        let header = TxnHeader {
            client_id,
            cxid,
            zxid,
            time,
            txn_type: body.op_code().code(),
        };
        Self {
            header,
            body,
            digest,
        }
    }
}

impl Jute for TxnEntry {
    const MIN_SIZE: usize = TxnHeader::MIN_SIZE;

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let outer = r.enter("TxnEntry");
        let type_at = r.position() + HEADER_TYPE_OFFSET;
        let header = TxnHeader::read(r, "hdr")?;
        let body = TxnBody::read(r, header.txn_type, type_at)?;
        let digest = match r.remaining() {
            0 => None,
            DIGEST_LEN => Some(TxnDigest::read(r, "digest")?),
            n => return Err(r.error("digest", DecodeErrorKind::TrailingBytes(n))),
        };
        r.leave(outer);
        Ok(Self {
            header,
            body,
            digest,
        })
    }

    fn write<B: BufMut>(&self, w: &mut B) {
        debug_assert_eq!(
            self.header.txn_type,
            self.body.op_code().code(),
            "TxnEntry header type disagrees with its body"
        );
        self.header.write(w);
        self.body.write(w);
        if let Some(d) = &self.digest {
            d.write(w);
        }
    }

    fn encoded_len(&self) -> usize {
        self.header.encoded_len()
            + self.body.encoded_len()
            + self.digest.as_ref().map_or(0, Jute::encoded_len)
    }
}

impl Record for TxnEntry {
    const NAME: &'static str = "TxnEntry";
}
