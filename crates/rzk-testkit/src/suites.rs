//! Third-party clients, unchanged, run against a server: kazoo's API and
//! recipes (tests/compat/kazoo_suite.py) and Curator 5.4
//! (tests/compat/CuratorSuite.java). Each panics with the suite's output
//! when it fails, and fails (never skips) when the client is not installed.

#![allow(clippy::panic)] // these are test drivers: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

fn compat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat")
}

const CURATOR_JARS: &[&str] = &[
    "curator-recipes.jar",
    "curator-framework.jar",
    "curator-client.jar",
    "zookeeper.jar",
    "zookeeper-jute.jar",
    "guava.jar",
    "slf4j-api.jar",
    "slf4j-nop.jar",
];

/// Runs `cmd` and returns its output; panics (with the output) on failure.
fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        panic!("{what} failed:\n{text}");
    }
    text
}

/// Runs a suite, which must succeed and end with its "N passed, 0 failed".
fn run(cmd: &mut Command, what: &str) {
    let text = run_ok(cmd, what);
    assert!(
        text.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "{what} printed no summary:\n{text}"
    );
}

/// Runs kazoo's suite against `hosts`.
pub fn kazoo_suite(hosts: &str) {
    run(
        Command::new("python3")
            .arg(compat_dir().join("kazoo_suite.py"))
            .arg(hosts),
        "kazoo suite (pip install kazoo)",
    );
}

/// Compiles and runs the Curator suite against `hosts`.
pub fn curator_suite(hosts: &str) {
    let cp: Vec<String> = CURATOR_JARS
        .iter()
        .map(|j| format!("/usr/share/java/{j}"))
        .collect();
    for j in &cp {
        assert!(
            Path::new(j).exists(),
            "{j} missing: apt-get install -y libcurator-recipes-java libzookeeper-java"
        );
    }
    // Removed when the suite passes; left in /tmp they would pile up run
    // after run.
    let classes_dir = crate::TempDir::new("curator-classes")
        .unwrap_or_else(|e| panic!("cannot create a directory for the classes: {e}"));
    let classes = classes_dir.path();
    run_ok(
        Command::new("javac")
            .arg("-nowarn")
            .arg("-d")
            .arg(classes)
            .arg("-cp")
            .arg(cp.join(":"))
            .arg(compat_dir().join("CuratorSuite.java")),
        "javac CuratorSuite",
    );
    let full_cp = format!("{}:{}", cp.join(":"), classes.display());
    run(
        Command::new("java")
            .arg("-cp")
            .arg(full_cp)
            .arg("CuratorSuite")
            .arg(hosts),
        "Curator suite",
    );
}
