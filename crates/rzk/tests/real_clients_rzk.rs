//! kazoo (API and recipes) and Curator 5.4, unchanged, against the `rzk`
//! binary — the same suites that pass against Apache ZooKeeper.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::path::Path;

use rzk_testkit::suites::{curator_suite, kazoo_suite};
use rzk_testkit::RzkServer;

fn server() -> RzkServer {
    RzkServer::start(Path::new(env!("CARGO_BIN_EXE_rzk")), &[]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn kazoo_against_rzk() {
    let s = server();
    kazoo_suite(&s.connect_string());
}

#[test]
fn curator_against_rzk() {
    let s = server();
    curator_suite(&s.connect_string());
}
