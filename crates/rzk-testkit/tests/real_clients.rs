//! kazoo and Curator against Apache ZooKeeper: proves the suites
//! themselves (the same suites run against rzk in crates/rzk/tests).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use rzk_testkit::suites::{curator_suite, kazoo_suite};
use rzk_testkit::ApacheZk;

#[test]
fn kazoo_against_apache_zookeeper() {
    let zk = ApacheZk::start().unwrap();
    kazoo_suite(&zk.connect_string());
}

#[test]
fn curator_against_apache_zookeeper() {
    let zk = ApacheZk::start().unwrap();
    curator_suite(&zk.connect_string());
}
