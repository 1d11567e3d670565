//! Tests of the quorum messages: every size rule and error path, and
//! property tests (round trip; arbitrary bytes never panic).

mod election;
mod packets;
