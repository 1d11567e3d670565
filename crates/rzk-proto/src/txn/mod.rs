//! Transactions (`org.apache.zookeeper.txn`, `PROTOCOL.md` §2.5 and §5.7):
//! the jute records, and [`TxnEntry`], a whole txn as it appears in a
//! PROPOSAL and in the txn log, with its record decoded by type.

mod entry;
mod multi;
mod records;

#[cfg(test)]
pub(crate) mod strategies;
#[cfg(test)]
mod tests;

pub use entry::{TxnBody, TxnEntry};
pub use multi::{to_multi_txn, SubTxn};
pub use records::{
    CheckVersionTxn, CloseSessionTxn, CreateContainerTxn, CreateSessionTxn, CreateTtlTxn,
    CreateTxn, CreateTxnV0, DeleteTxn, ErrorTxn, MultiTxn, SetAclTxn, SetDataTxn,
    SetMaxChildrenTxn, Txn, TxnDigest, TxnHeader,
};
