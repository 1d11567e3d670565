//! Turning a reply into text that two correct servers produce identically:
//! times zeroed (each server has its own clock), session ids replaced by
//! the session's index in the run, child lists sorted (ZooKeeper returns
//! hash order). Zxids, versions, error codes and data stay exact.

use bytes::Bytes;
use rzk_proto::client::*;
use rzk_proto::codes::OpCode;
use rzk_proto::data::Stat;
use rzk_proto::jute::{Jute, Reader};

/// Maps this server's session ids to run indexes.
pub trait Sessions {
    /// `s<index>` for a known session id, the number itself otherwise.
    fn name(&self, id: i64) -> String;
}

fn stat(s: &Stat, ids: &dyn Sessions) -> String {
    let owner = if s.ephemeral_owner == 0 {
        "0".into()
    } else {
        ids.name(s.ephemeral_owner)
    };
    format!(
        "Stat(cz={:#x} mz={:#x} pz={:#x} v={} cv={} av={} owner={} len={} kids={})",
        s.czxid,
        s.mzxid,
        s.pzxid,
        s.version,
        s.cversion,
        s.aversion,
        owner,
        s.data_length,
        s.num_children
    )
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn decode<T: Jute>(body: &Bytes) -> Result<T, String> {
    T::read(&mut Reader::new(body.clone()), "body").map_err(|e| format!("undecodable: {e}"))
}

fn result(r: &OpResult, ids: &dyn Sessions) -> String {
    match r {
        OpResult::Create2 { path, stat: s } => format!("Create2({path}, {})", stat(s, ids)),
        OpResult::SetData { stat: s } => format!("SetData({})", stat(s, ids)),
        OpResult::GetChildren { children } => format!("GetChildren({:?})", sorted(children)),
        OpResult::GetData { data, stat: s } => format!("GetData({data:?}, {})", stat(s, ids)),
        other => format!("{other:?}"),
    }
}

/// The normalised text of a reply to `op`: the error code, or the body.
pub fn reply(op: OpCode, err: i32, body: &Bytes, ids: &dyn Sessions) -> String {
    if err != 0 {
        return format!("err {err}");
    }
    let text =
        match op {
            OpCode::Create => decode::<CreateResponse>(body).map(|r| r.path),
            OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl => {
                decode::<Create2Response>(body)
                    .map(|r| format!("{} {}", r.path, stat(&r.stat, ids)))
            }
            OpCode::SetData => decode::<SetDataResponse>(body).map(|r| stat(&r.stat, ids)),
            OpCode::SetAcl => decode::<SetAclResponse>(body).map(|r| stat(&r.stat, ids)),
            OpCode::Exists => decode::<ExistsResponse>(body).map(|r| stat(&r.stat, ids)),
            OpCode::GetData => decode::<GetDataResponse>(body)
                .map(|r| format!("{:?} {}", r.data, stat(&r.stat, ids))),
            OpCode::GetAcl => decode::<GetAclResponse>(body)
                .map(|r| format!("{:?} {}", r.acl, stat(&r.stat, ids))),
            OpCode::GetChildren => {
                decode::<GetChildrenResponse>(body).map(|r| format!("{:?}", sorted(&r.children)))
            }
            OpCode::GetChildren2 => decode::<GetChildren2Response>(body)
                .map(|r| format!("{:?} {}", sorted(&r.children), stat(&r.stat, ids))),
            OpCode::Multi | OpCode::MultiRead => decode::<MultiResponse>(body).map(|r| {
                r.results
                    .iter()
                    .map(|x| result(x, ids))
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
            OpCode::GetEphemerals => decode::<GetEphemeralsResponse>(body)
                .map(|r| format!("{:?}", sorted(&r.ephemerals))),
            _ => Ok(format!("{body:?}")),
        };
    text.unwrap_or_else(|e| e)
}
