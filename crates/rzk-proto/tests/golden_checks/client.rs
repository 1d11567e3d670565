//! Golden checks for this part of the protocol (see `golden.rs`).

#![allow(unused_imports)]

use super::common::{roundtrip, Check};

/// Every fixture this module checks.
pub const CHECKS: &[Check] = &[];
