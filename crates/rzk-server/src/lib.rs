//! `rzk-server`: the tokio shell around rzk's deterministic core.
//!
//! * [`config`]: `zoo.cfg` (a Java `.properties` file), `myid`, the
//!   dynamic config file, every key of `PROTOCOL.md` §7 typed and
//!   validated as `QuorumPeerConfig` does, and the four-letter-word
//!   whitelist (§4.1);
//! * [`net`]: the client port — connections, limits, four-letter words;
//! * [`core`]: the narrow boundary the state machine implements;
//! * [`run`]: starting a server from its configuration;
//! * [`standalone`]: the standalone server's core behind the shell;
//! * [`storage`]: durability — the txn log with group commit, snapshots,
//!   recovery at start-up and autopurge;
//! * [`clock`]: the one place the server reads time.

#![forbid(unsafe_code)]

pub mod clock;
pub mod config;
pub mod core;
mod core_task;
pub mod net;
pub mod run;
pub mod standalone;
pub mod storage;
