//! `zoo.cfg` and `myid` (`PROTOCOL.md` §6.1, §7; `q/QuorumPeerConfig`).
//!
//! So far: the Java `.properties` reader ([`properties`]) zoo.cfg is read
//! with, and the four-letter-word whitelist ([`FourLetterWhitelist`]).

pub mod properties;
mod whitelist;

pub use properties::{Properties, PropertiesError};
pub use whitelist::FourLetterWhitelist;
