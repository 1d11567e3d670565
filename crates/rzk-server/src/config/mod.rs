//! `zoo.cfg` and `myid` (`PROTOCOL.md` §6.1, §7; `q/QuorumPeerConfig`).
//!
//! So far: the Java `.properties` reader ([`properties`]) zoo.cfg is read with.

pub mod properties;

pub use properties::{Properties, PropertiesError};
