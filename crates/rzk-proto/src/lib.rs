//! `rzk-proto`: ZooKeeper's wire and disk encodings, byte-exact with Apache
//! ZooKeeper 3.8/3.9, with no I/O.
//!
//! * [`jute`]: the primitives, the [`jute::Record`] trait and decode errors
//!   that name record, field and offset;
//! * [`codes`]: opcodes, error codes, event/state/watch/create-mode tables;
//! * [`data`]: Id, ACL, Stat;
//! * [`client`]: every client-protocol record, multi, the opcode table;
//! * [`codec`]: framing of the client port, with four-letter words;
//! * [`disk`]: txn-log and snapshot files, the SNAP body, file names;
//! * [`txn`]: the txn records, and [`txn::TxnEntry`], a whole txn as it
//!   travels in PROPOSALs and sits in the txn log;
//! * [`quorum`]: the learner↔leader packets with typed payloads, and the
//!   election channel's handshake, framing and notifications.
//!
//! Decoders never panic and never allocate more than their input holds;
//! every buffer and string length is bounded by `jute.maxbuffer`.

#![forbid(unsafe_code)]

pub mod client;
pub mod codec;
pub mod codes;
pub mod data;
pub mod disk;
pub mod jute;
pub mod quorum;
pub mod txn;
