//! The transaction (multi) builder.

use bytes::Bytes;
use rzk_proto::client::{
    CheckVersionRequest, CreateRequest, CreateTtlRequest, DeleteRequest, MultiOp, OpResult,
    SetDataRequest,
};
use rzk_proto::codes::{CreateMode, OpCode};
use rzk_proto::data::Acl;

use crate::client::Client;
use crate::error::Result;

/// Ops applied atomically by one multi: all or none, in order, each seeing
/// the effects of the ones before it, under one zxid.
#[derive(Debug)]
pub struct Transaction<'a> {
    client: &'a Client,
    ops: Vec<MultiOp>,
}

impl<'a> Transaction<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self {
            client,
            ops: Vec::new(),
        }
    }

    /// Creates a node (result: its path). Containers use createContainer.
    pub fn create(
        mut self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        acl: &[Acl],
        mode: CreateMode,
    ) -> Self {
        let opcode = if mode.is_container() {
            OpCode::CreateContainer
        } else {
            OpCode::Create
        };
        self.ops.push(MultiOp::Create {
            opcode,
            request: CreateRequest {
                path: path.into(),
                data: data.into(),
                acl: acl.to_vec(),
                flags: mode.code(),
            },
        });
        self
    }

    /// Creates a node and reports its Stat too (create2).
    pub fn create2(
        mut self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        acl: &[Acl],
        mode: CreateMode,
    ) -> Self {
        self.ops.push(MultiOp::Create {
            opcode: OpCode::Create2,
            request: CreateRequest {
                path: path.into(),
                data: data.into(),
                acl: acl.to_vec(),
                flags: mode.code(),
            },
        });
        self
    }

    /// Creates a TTL node (`ttl_ms` milliseconds).
    pub fn create_ttl(
        mut self,
        path: &str,
        data: impl Into<Option<Bytes>>,
        acl: &[Acl],
        mode: CreateMode,
        ttl_ms: i64,
    ) -> Self {
        self.ops.push(MultiOp::CreateTtl(CreateTtlRequest {
            path: path.into(),
            data: data.into(),
            acl: acl.to_vec(),
            flags: mode.code(),
            ttl: ttl_ms,
        }));
        self
    }

    /// Deletes a node (`version` -1 for any).
    pub fn delete(mut self, path: &str, version: i32) -> Self {
        self.ops.push(MultiOp::Delete(DeleteRequest {
            path: path.into(),
            version,
        }));
        self
    }

    /// Sets a node's data (`version` -1 for any).
    pub fn set_data(mut self, path: &str, data: impl Into<Option<Bytes>>, version: i32) -> Self {
        self.ops.push(MultiOp::SetData(SetDataRequest {
            path: path.into(),
            data: data.into(),
            version,
        }));
        self
    }

    /// Requires the node to be at `version`.
    pub fn check(mut self, path: &str, version: i32) -> Self {
        self.ops.push(MultiOp::Check(CheckVersionRequest {
            path: path.into(),
            version,
        }));
        self
    }

    /// The ops so far.
    pub fn ops(&self) -> &[MultiOp] {
        &self.ops
    }

    /// Runs the multi. `Ok` holds one result per op; if any op fails,
    /// nothing is applied and the error is `Error::MultiFailed` with every
    /// op's result.
    pub async fn commit(self) -> Result<Vec<OpResult>> {
        self.client.multi(self.ops, false).await
    }
}
