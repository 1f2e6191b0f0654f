//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample dataset committed in `data/`.
pub fn sample() -> PathBuf {
    root().join("data")
}

/// `../shared/market-data` beside the repository, or `None` with a loud message: the real
/// data is never copied into the repository, so tests that need it skip where it is absent.
pub fn market_data(test: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/market-data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED {test}: ../shared/market-data is absent beside the repository; \
             this real-data check did not run"
        );
        None
    }
}

/// `../shared/reference` beside the repository, or `None` with a loud message.
pub fn reference(test: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/reference");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED {test}: ../shared/reference is absent beside the repository");
        None
    }
}

/// Relative difference |a − b| / |b|.
pub fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// The `backtest` binary, run from the repository's root (where `data/` is the default).
pub fn backtest() -> Command {
    let mut cmd = Command::cargo_bin("backtest").expect("binary built");
    cmd.current_dir(root());
    cmd
}

/// Runs `cmd`, which must succeed quietly (nothing on standard error off a terminal: no
/// progress bar, no warning); returns its standard output.
pub fn quiet_stdout(cmd: &mut Command) -> String {
    let output = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.is_empty(),
        "nothing on stderr off a terminal: {stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A CSV file the project wrote (no quoting) as rows of cells, the header first.
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// The report's summary, after checking that its files belong together: the hash of
/// `fills.csv` is the `fill_hash` its `summary.json` records, every text file is there, and the
/// charts are all there or none is.
pub fn complete_report(dir: &Path) -> serde_json::Value {
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary.json"))
            .expect("a whole summary.json");
    let fills = std::fs::read(dir.join("fills.csv")).expect("fills.csv");
    assert_eq!(
        summary["fill_hash"].as_str().unwrap(),
        backtest::hash::fnv1a_hex(&fills),
        "fills.csv and summary.json come from the same run"
    );
    for file in ["summary.md", "equity.csv", "trades.csv"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let charts: Vec<bool> = backtest::report::charts::run_chart_files()
        .map(|chart| dir.join(chart).is_file())
        .collect();
    assert!(
        charts.iter().all(|&c| c) || !charts.iter().any(|&c| c),
        "every chart or none in {}: {charts:?}",
        dir.display()
    );
    summary
}
