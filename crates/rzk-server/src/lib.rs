//! `rzk-server`: the tokio shell around rzk's deterministic core.
//!
//! * [`net`]: the client port — connections, limits, four-letter words;
//! * [`core`]: the narrow boundary the state machine implements;
//! * [`standalone`]: the standalone server's core behind the shell;
//! * [`clock`]: the one place the server reads time.

#![forbid(unsafe_code)]

pub mod clock;
pub mod core;
mod core_task;
pub mod net;
pub mod standalone;
