//! `rzk-server`: the parts of a ZooKeeper server that sit around the
//! deterministic core.
//!
//! * [`config`]: `zoo.cfg` (a Java `.properties` file), `myid`, the
//!   dynamic config file, every key of `PROTOCOL.md` §7 typed and
//!   validated as `QuorumPeerConfig` does, and the four-letter-word
//!   whitelist (§4.1).

#![forbid(unsafe_code)]

pub mod config;
