//! `rzk-core`: the deterministic pieces of a ZooKeeper server.
//!
//! * [`acl`]: checkACL, fixupACL, digest ids, getACL masking, whoAmI
//!   (§3.10);
//! * [`path`]: path validation and the string helpers of the request
//!   pipeline (`PROTOCOL.md` §3.2);
//! * [`persist`]: loading snapshots, replaying the txn log, writing
//!   snapshots of a frozen tree, or in small steps of a changing one
//!   (§6.3);
//! * [`request`]: the request pipeline — prep (validate a write against
//!   the tree and the pending changes, produce its txn), apply (txn →
//!   reply + watch events) and reads (§3.1–§3.10);
//! * [`session`]: the session tracker — ids, passwords, timeout
//!   negotiation, tick-bucket expiry, owners (§2.2, §3.9);
//! * [`shell`]: what the core exchanges with the runtime shell (time in,
//!   actions out);
//! * [`standalone`]: a standalone server as one state machine over these;
//! * [`tree`]: the DataTree — znodes, Stat, ACL cache, ephemeral/container/
//!   TTL indexes, and applying create/delete/setData/setACL/closeSession
//!   (§3.4–§3.6, §3.11, §3.13);
//! * [`watch`]: the watch manager — standard, persistent and recursive
//!   watches, triggers, removal, setWatches catch-up (§3.8).
//!
//! Nothing here does I/O, reads a clock, spawns a thread or draws a random
//! number: time and identities are arguments, results are values. Iteration
//! order never depends on a hash seed, so the same inputs always give the
//! same outputs.

#![forbid(unsafe_code)]

pub mod acl;
pub mod path;
pub mod persist;
pub mod request;
pub mod session;
pub mod shell;
pub mod standalone;
pub mod tree;
pub mod watch;
