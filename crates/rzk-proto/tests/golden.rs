//! Golden vectors: bytes written by Apache ZooKeeper's own classes
//! (`tools/golden/`), decoded by rzk-proto, checked field by field, and
//! re-encoded byte for byte.
//!
//! Each module below lists `(fixture name, check)` pairs. The tests here
//! make sure that every fixture has a check, every check has a fixture, and
//! every record PROTOCOL.md lists has a fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

#[path = "golden_checks/common.rs"]
mod common;
#[path = "golden_checks/values.rs"]
mod values;

#[path = "golden_checks/client.rs"]
mod client;
#[path = "golden_checks/disk.rs"]
mod disk;
#[path = "golden_checks/quorum.rs"]
mod quorum;
#[path = "golden_checks/txn.rs"]
mod txn;

use std::collections::BTreeSet;

use common::Check;

fn all_checks() -> Vec<Check> {
    [client::CHECKS, quorum::CHECKS, txn::CHECKS, disk::CHECKS].concat()
}

#[test]
fn every_fixture_decodes_to_the_expected_value_and_reencodes_byte_for_byte() {
    let mut failures = Vec::new();
    for (name, check) in all_checks() {
        let bytes = common::fixture(name);
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        if let Err(e) = outcome {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_fixture_has_a_check_and_every_check_a_fixture() {
    let on_disk: BTreeSet<String> = common::fixture_names().into_iter().collect();
    let manifest = common::manifest();
    let checked: BTreeSet<String> = all_checks().iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        all_checks().len(),
        checked.len(),
        "a fixture is checked twice"
    );
    let unchecked: Vec<_> = on_disk.difference(&checked).collect();
    let missing: Vec<_> = checked.difference(&on_disk).collect();
    let unlisted: Vec<_> = on_disk.symmetric_difference(&manifest).collect();
    assert!(
        unchecked.is_empty(),
        "fixtures with no check: {unchecked:?}"
    );
    assert!(missing.is_empty(), "checks with no fixture: {missing:?}");
    assert!(
        unlisted.is_empty(),
        "MANIFEST.txt and the fixture files differ: {unlisted:?}"
    );
}

#[test]
fn every_record_in_protocol_md_has_a_golden_fixture() {
    let records = common::protocol_md_records();
    assert!(
        records.len() > 60,
        "PROTOCOL.md parse found only {records:?}"
    );
    let covered: BTreeSet<String> = common::fixture_names()
        .iter()
        .filter_map(|n| common::record_of(n))
        .collect();
    let lacking: Vec<_> = records.difference(&covered).collect();
    assert!(
        lacking.is_empty(),
        "records of PROTOCOL.md with no golden fixture: {lacking:?}"
    );
}
