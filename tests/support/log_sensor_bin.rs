//! Shared by the tests that drive the `log_sensor` example binary (and the C sensor, which
//! must print the same thing for the README's main command).

#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The crate root (where `demo/` and the README are).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example binary, built once per test process with the test's own profile and target
/// directory (so a fresh clone's `cargo test` builds it).
pub fn sensor() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // current_exe: <target>/<profile>/deps/<test>-<hash>
        let exe = std::env::current_exe().expect("current_exe");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target profile dir");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "--example", "log_sensor"])
            .current_dir(root());
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        if let Some(target) = profile_dir.parent() {
            cmd.env("CARGO_TARGET_DIR", target);
        }
        let st = cmd.status().expect("run cargo build");
        assert!(st.success(), "cargo build --example log_sensor failed");
        let bin = profile_dir
            .join("examples")
            .join(format!("log_sensor{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.exists(), "{} not built", bin.display());
        bin
    })
}

/// The arguments of the README's first `cargo run ... --example log_sensor -- ...` line.
pub fn readme_args() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let first = readme
        .lines()
        .take(10)
        .find(|l| l.starts_with("cargo run --release --example log_sensor -- "))
        .expect("README starts with the log_sensor command");
    first
        .split_whitespace()
        .skip(6)
        .map(str::to_string)
        .collect()
}
