//! Helpers shared by the integration tests that drive the `asnn` binary.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `asnn` from the repository root.
pub fn asnn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asnn"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("asnn runs")
}

/// Runs `asnn`, asserts success, returns stdout.
pub fn ok(args: &[&str]) -> String {
    let o = asnn(args);
    assert!(
        o.status.success(),
        "asnn {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `asnn`, asserts failure, returns stderr.
pub fn fails(args: &[&str]) -> String {
    let o = asnn(args);
    assert!(
        !o.status.success(),
        "asnn {args:?} succeeded:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("json written")).expect("valid json")
}

/// MNIST from ../shared, or None with a notice (a failure under CI).
pub fn mnist() -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist");
    if p.join("t10k-images-idx3-ubyte.gz").is_file() {
        return Some(p.display().to_string());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {} is missing",
        p.display()
    );
    eprintln!("notice: {} not found; skipping the MNIST test", p.display());
    None
}

/// True if `tool` runs; under CI a missing tool fails the test (bash scripts/test.sh
/// installs them), elsewhere the test skips with a notice.
pub fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-V").output().is_ok()
        || Command::new(tool).arg("--version").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is missing under CI: bash scripts/test.sh installs it"
        );
        eprintln!("SKIPPED: {tool} is not installed (bash scripts/test.sh installs it)");
    }
    ok
}

/// A test's scratch folder, `$TMPDIR/PREFIX-PID-NAME`: removed when the test passes (a
/// Verilator build is tens of MB), kept when it fails (its path is printed) or when
/// `ASNN_KEEP_TEST_DIRS` is set.
pub struct TestDir(PathBuf);

impl TestDir {
    pub fn new(prefix: &str, name: &str) -> TestDir {
        let d = std::env::temp_dir().join(format!("{prefix}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        TestDir(d)
    }
}

impl std::ops::Deref for TestDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<Path> for TestDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept the failed test's files: {}", self.0.display());
        } else if std::env::var_os("ASNN_KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
