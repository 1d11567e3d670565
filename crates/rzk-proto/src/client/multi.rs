//! multi (14) and multiRead (22): a list of ops, each a [`MultiHeader`] and a
//! record, ended by the header `{-1, done, -1}` — no count (`PROTOCOL.md` §2.6).

use bytes::{BufMut, Bytes};

use super::records::{
    CheckVersionRequest, Create2Response, CreateRequest, CreateResponse, CreateTtlRequest,
    DeleteRequest, ErrorResponse, GetChildrenRequest, GetChildrenResponse, GetDataRequest,
    GetDataResponse, MultiHeader, SetDataRequest, SetDataResponse,
};
use crate::codes::OpCode;
use crate::data::Stat;
use crate::jute::{DecodeErrorKind, DecodeResult, Jute, Reader, Record};

/// The header that ends both lists.
const TERMINATOR: MultiHeader = MultiHeader {
    op_type: -1,
    done: true,
    err: -1,
};

/// One op of a multi or multiRead request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiOp {
    /// create (1), create2 (15) or createContainer (19): the opcode says
    /// which, and so what result the client expects.
    Create {
        /// One of [`OpCode::Create`], [`OpCode::Create2`],
        /// [`OpCode::CreateContainer`].
        opcode: OpCode,
        /// The request.
        request: CreateRequest,
    },
    /// createTTL (21).
    CreateTtl(CreateTtlRequest),
    /// delete (2).
    Delete(DeleteRequest),
    /// setData (5).
    SetData(SetDataRequest),
    /// check (13).
    Check(CheckVersionRequest),
    /// getChildren (8), multiRead only; the watch flag is ignored.
    GetChildren(GetChildrenRequest),
    /// getData (4), multiRead only; the watch flag is ignored.
    GetData(GetDataRequest),
}

impl MultiOp {
    /// The opcode written in this op's header.
    pub fn opcode(&self) -> OpCode {
        match self {
            MultiOp::Create { opcode, .. } => *opcode,
            MultiOp::CreateTtl(_) => OpCode::CreateTtl,
            MultiOp::Delete(_) => OpCode::Delete,
            MultiOp::SetData(_) => OpCode::SetData,
            MultiOp::Check(_) => OpCode::Check,
            MultiOp::GetChildren(_) => OpCode::GetChildren,
            MultiOp::GetData(_) => OpCode::GetData,
        }
    }

    /// Whether the op only reads (allowed in multiRead, not in multi).
    pub fn is_read(&self) -> bool {
        matches!(self, MultiOp::GetChildren(_) | MultiOp::GetData(_))
    }

    /// The path the op acts on.
    pub fn path(&self) -> &str {
        match self {
            MultiOp::Create { request, .. } => &request.path,
            MultiOp::CreateTtl(r) => &r.path,
            MultiOp::Delete(r) => &r.path,
            MultiOp::SetData(r) => &r.path,
            MultiOp::Check(r) => &r.path,
            MultiOp::GetChildren(r) => &r.path,
            MultiOp::GetData(r) => &r.path,
        }
    }

    fn write_body<B: BufMut>(&self, w: &mut B) {
        match self {
            MultiOp::Create { request, .. } => request.write(w),
            MultiOp::CreateTtl(r) => r.write(w),
            MultiOp::Delete(r) => r.write(w),
            MultiOp::SetData(r) => r.write(w),
            MultiOp::Check(r) => r.write(w),
            MultiOp::GetChildren(r) => r.write(w),
            MultiOp::GetData(r) => r.write(w),
        }
    }

    fn body_len(&self) -> usize {
        match self {
            MultiOp::Create { request, .. } => request.encoded_len(),
            MultiOp::CreateTtl(r) => r.encoded_len(),
            MultiOp::Delete(r) => r.encoded_len(),
            MultiOp::SetData(r) => r.encoded_len(),
            MultiOp::Check(r) => r.encoded_len(),
            MultiOp::GetChildren(r) => r.encoded_len(),
            MultiOp::GetData(r) => r.encoded_len(),
        }
    }
}

/// A multi or multiRead request body (`MultiOperationRecord`).
///
/// Decoding rejects a list that mixes read and write ops, as ZooKeeper's
/// deserializer does (the server answers MarshallingError); whether the list
/// suits opcode 14 or 22 is for the caller to check with [`Self::is_read`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiRequest {
    /// The ops in order.
    pub ops: Vec<MultiOp>,
}

impl MultiRequest {
    /// True if every op reads (an empty list is neither and reports false).
    pub fn is_read(&self) -> bool {
        !self.ops.is_empty() && self.ops.iter().all(MultiOp::is_read)
    }
}

fn read_header(r: &mut Reader) -> DecodeResult<MultiHeader> {
    MultiHeader::read(r, "header")
}

impl Jute for MultiRequest {
    const MIN_SIZE: usize = MultiHeader::MIN_SIZE;

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let outer = r.enter(Self::NAME);
        let mut ops = Vec::new();
        let mut kind: Option<bool> = None;
        loop {
            let at = r.position();
            let h = read_header(r)?;
            r.enter(Self::NAME);
            if h.done {
                break;
            }
            let op = match OpCode::from_code(h.op_type) {
                Ok(opcode @ (OpCode::Create | OpCode::Create2 | OpCode::CreateContainer)) => {
                    MultiOp::Create {
                        opcode,
                        request: CreateRequest::read(r, "op")?,
                    }
                }
                Ok(OpCode::CreateTtl) => MultiOp::CreateTtl(CreateTtlRequest::read(r, "op")?),
                Ok(OpCode::Delete) => MultiOp::Delete(DeleteRequest::read(r, "op")?),
                Ok(OpCode::SetData) => MultiOp::SetData(SetDataRequest::read(r, "op")?),
                Ok(OpCode::Check) => MultiOp::Check(CheckVersionRequest::read(r, "op")?),
                Ok(OpCode::GetChildren) => MultiOp::GetChildren(GetChildrenRequest::read(r, "op")?),
                Ok(OpCode::GetData) => MultiOp::GetData(GetDataRequest::read(r, "op")?),
                _ => {
                    return Err(r.error_at(
                        "header.op_type",
                        at,
                        DecodeErrorKind::InvalidValue {
                            value: h.op_type.into(),
                            expected: "a multi op type (1, 2, 4, 5, 8, 13, 15, 19, 21)",
                        },
                    ))
                }
            };
            r.enter(Self::NAME);
            if *kind.get_or_insert(op.is_read()) != op.is_read() {
                return Err(r.error_at(
                    "header.op_type",
                    at,
                    DecodeErrorKind::Malformed("read and write ops mixed in one multi"),
                ));
            }
            ops.push(op);
        }
        r.leave(outer);
        Ok(Self { ops })
    }

    fn write<B: BufMut>(&self, w: &mut B) {
        for op in &self.ops {
            MultiHeader {
                op_type: op.opcode().code(),
                done: false,
                err: -1,
            }
            .write(w);
            op.write_body(w);
        }
        TERMINATOR.write(w);
    }

    fn encoded_len(&self) -> usize {
        let headers = (self.ops.len() + 1) * MultiHeader::MIN_SIZE;
        headers + self.ops.iter().map(MultiOp::body_len).sum::<usize>()
    }
}

impl Record for MultiRequest {
    const NAME: &'static str = "MultiOperationRecord";
}

/// One result of a multi or multiRead reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// type 1: a create, reported with the path only.
    Create {
        /// Actual path created.
        path: String,
    },
    /// type 15: a create reported with the new Stat.
    Create2 {
        /// Actual path created.
        path: String,
        /// The new node's Stat.
        stat: Stat,
    },
    /// type 2.
    Delete,
    /// type 13.
    Check,
    /// type 5.
    SetData {
        /// The node's new Stat.
        stat: Stat,
    },
    /// type 8 (multiRead).
    GetChildren {
        /// Child names.
        children: Vec<String>,
    },
    /// type 4 (multiRead).
    GetData {
        /// The data.
        data: Option<Bytes>,
        /// The node's Stat.
        stat: Stat,
    },
    /// type -1: this op failed with `err` (0 for ops before the failing one
    /// of a failed multi, -2 for those after it).
    Error {
        /// The error code.
        err: i32,
    },
}

impl OpResult {
    fn header(&self) -> MultiHeader {
        let (op_type, err) = match self {
            OpResult::Create { .. } => (OpCode::Create.code(), 0),
            OpResult::Create2 { .. } => (OpCode::Create2.code(), 0),
            OpResult::Delete => (OpCode::Delete.code(), 0),
            OpResult::Check => (OpCode::Check.code(), 0),
            OpResult::SetData { .. } => (OpCode::SetData.code(), 0),
            OpResult::GetChildren { .. } => (OpCode::GetChildren.code(), 0),
            OpResult::GetData { .. } => (OpCode::GetData.code(), 0),
            OpResult::Error { err } => (OpCode::Error.code(), *err),
        };
        MultiHeader {
            op_type,
            done: false,
            err,
        }
    }
}

fn write_result<B: BufMut>(res: &OpResult, w: &mut B) {
    res.header().write(w);
    match res {
        OpResult::Create { path } => path.write(w),
        OpResult::Create2 { path, stat } => {
            path.write(w);
            stat.write(w);
        }
        OpResult::Delete | OpResult::Check => {}
        OpResult::SetData { stat } => stat.write(w),
        OpResult::GetChildren { children } => children.write(w),
        OpResult::GetData { data, stat } => {
            data.write(w);
            stat.write(w);
        }
        OpResult::Error { err } => err.write(w),
    }
}

fn result_len(res: &OpResult) -> usize {
    MultiHeader::MIN_SIZE
        + match res {
            OpResult::Create { path } => path.encoded_len(),
            OpResult::Create2 { path, stat } => path.encoded_len() + stat.encoded_len(),
            OpResult::Delete | OpResult::Check => 0,
            OpResult::SetData { stat } => stat.encoded_len(),
            OpResult::GetChildren { children } => children.encoded_len(),
            OpResult::GetData { data, stat } => data.encoded_len() + stat.encoded_len(),
            OpResult::Error { .. } => 4,
        }
}

/// A multi or multiRead reply body (`MultiResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiResponse {
    /// One result per op, in order.
    pub results: Vec<OpResult>,
}

impl Jute for MultiResponse {
    const MIN_SIZE: usize = MultiHeader::MIN_SIZE;

    fn read(r: &mut Reader, _field: &'static str) -> DecodeResult<Self> {
        let outer = r.enter(Self::NAME);
        let mut results = Vec::new();
        loop {
            let at = r.position();
            let h = read_header(r)?;
            r.enter(Self::NAME);
            if h.done {
                break;
            }
            let res = match OpCode::from_code(h.op_type) {
                Ok(OpCode::Create) => OpResult::Create {
                    path: CreateResponse::read(r, "result")?.path,
                },
                Ok(OpCode::Create2) => {
                    let c = Create2Response::read(r, "result")?;
                    OpResult::Create2 {
                        path: c.path,
                        stat: c.stat,
                    }
                }
                Ok(OpCode::Delete) => OpResult::Delete,
                Ok(OpCode::Check) => OpResult::Check,
                Ok(OpCode::SetData) => OpResult::SetData {
                    stat: SetDataResponse::read(r, "result")?.stat,
                },
                Ok(OpCode::GetChildren) => OpResult::GetChildren {
                    children: GetChildrenResponse::read(r, "result")?.children,
                },
                Ok(OpCode::GetData) => {
                    let d = GetDataResponse::read(r, "result")?;
                    OpResult::GetData {
                        data: d.data,
                        stat: d.stat,
                    }
                }
                Ok(OpCode::Error) => OpResult::Error {
                    err: ErrorResponse::read(r, "result")?.err,
                },
                _ => {
                    return Err(r.error_at(
                        "header.op_type",
                        at,
                        DecodeErrorKind::InvalidValue {
                            value: h.op_type.into(),
                            expected: "a multi result type (-1, 1, 2, 4, 5, 8, 13, 15)",
                        },
                    ))
                }
            };
            r.enter(Self::NAME);
            results.push(res);
        }
        r.leave(outer);
        Ok(Self { results })
    }

    fn write<B: BufMut>(&self, w: &mut B) {
        for res in &self.results {
            write_result(res, w);
        }
        TERMINATOR.write(w);
    }

    fn encoded_len(&self) -> usize {
        MultiHeader::MIN_SIZE + self.results.iter().map(result_len).sum::<usize>()
    }
}

impl Record for MultiResponse {
    const NAME: &'static str = "MultiResponse";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Acl;

    fn create(path: &str) -> MultiOp {
        MultiOp::Create {
            opcode: OpCode::Create,
            request: CreateRequest {
                path: path.into(),
                data: None,
                acl: Acl::open_unsafe(),
                flags: 0,
            },
        }
    }

    #[test]
    fn empty_multi_is_just_the_terminator() {
        let m = MultiRequest::default();
        assert_eq!(
            hex::encode(m.to_bytes()),
            "ffffffff01ffffffff",
            "terminator is {{-1, true, -1}}"
        );
        assert_eq!(MultiRequest::from_bytes(m.to_bytes()).unwrap(), m);
    }

    #[test]
    fn mixing_reads_and_writes_is_rejected_at_the_second_kind() {
        let m = MultiRequest {
            ops: vec![
                create("/a"),
                MultiOp::GetData(GetDataRequest {
                    path: "/a".into(),
                    watch: false,
                }),
            ],
        };
        let e = MultiRequest::from_bytes(m.to_bytes()).unwrap_err();
        assert_eq!(e.record, "MultiOperationRecord");
        assert_eq!(e.offset, 9 + create("/a").body_len());
        assert!(matches!(e.kind, DecodeErrorKind::Malformed(_)), "{e}");
    }

    #[test]
    fn unknown_op_type_names_the_value_and_offset() {
        let mut b = Vec::new();
        MultiHeader {
            op_type: 7,
            done: false,
            err: -1,
        }
        .write(&mut b);
        let e = MultiRequest::from_bytes(b).unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(
            matches!(e.kind, DecodeErrorKind::InvalidValue { value: 7, .. }),
            "{e}"
        );
    }

    #[test]
    fn missing_terminator_is_truncation() {
        let m = MultiRequest {
            ops: vec![create("/x")],
        };
        let bytes = m.to_bytes();
        let e = MultiRequest::from_bytes(bytes.slice(..bytes.len() - 9)).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }), "{e}");
    }
}
