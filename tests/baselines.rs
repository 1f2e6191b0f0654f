//! Baselines and comparisons as CI uses them: no change passes, a changed parameter fails and
//! names what moved, broken inputs are refused in one line, and results do not depend on how
//! many threads ran them.

mod common;

use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_committed_sample_baselines_hold() {
    let output = common::backtest()
        .args(["baseline", "check", "--set", "sample"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    let strategies = backtest::strategies::REGISTRY.len();
    assert!(
        text(&output.stdout).contains(&format!("No drift in {strategies} strategies")),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn the_committed_real_baselines_hold() {
    if common::market_data("real baselines").is_none() {
        return;
    }
    let output = common::backtest()
        .args(["baseline", "check", "--set", "real"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
}

#[test]
fn a_changed_strategy_parameter_is_drift_that_names_the_metric() {
    let output = common::backtest()
        .args([
            "baseline", "check", "--set", "sample", "--format", "markdown",
        ])
        .args(["--param", "fast=10"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let strategies = backtest::strategies::REGISTRY.len();
    assert!(
        stdout.contains(&format!("DRIFT in 1 of {strategies} strategies: sma-cross")),
        "{stdout}"
    );
    assert!(stdout.contains("| metrics.sharpe |"), "{stdout}");
    assert!(stdout.contains("| params.fast | 20 | 10 |"), "{stdout}");
}

#[test]
fn a_strategy_without_a_baseline_is_drift_until_the_baselines_are_updated() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    std::fs::create_dir_all(&sample).unwrap();
    let set = |args: &[&str]| {
        common::backtest()
            .args(["baseline"])
            .args(args)
            .args(["--set", "sample", "--baselines"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    assert_eq!(set(&["update"]).status.code(), Some(0));
    std::fs::remove_dir_all(sample.join("miners-vs-metal")).unwrap();
    let missing = set(&["check"]);
    assert_eq!(missing.status.code(), Some(1));
    let stdout = text(&missing.stdout);
    assert!(
        stdout.contains("miners-vs-metal: DRIFT: new, not in the baseline"),
        "{stdout}"
    );
    assert_eq!(set(&["update"]).status.code(), Some(0));
    assert_eq!(set(&["check"]).status.code(), Some(0));
}

/// `compare` on a broken input: exit 2 and one line naming the file.
fn refused(file: &Path, contents: &str, expected: &str) {
    std::fs::write(file, contents).unwrap();
    let output = common::backtest()
        .arg("compare")
        .arg(file)
        .arg("baselines/sample")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
}

#[test]
fn compare_refuses_truncated_foreign_or_missing_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let good =
        std::fs::read_to_string(common::root().join("baselines/sample/sma-cross/summary.json"))
            .unwrap();
    let file = dir.path().join("summary.json");
    refused(&file, &good[..good.len() / 2], "not a valid summary.json");
    refused(
        &file,
        &good.replace("\"schema_version\": 2", "\"schema_version\": 99"),
        "schema version 99",
    );
    let missing = dir.path().join("nothing-here");
    let output = common::backtest()
        .arg("compare")
        .arg(&missing)
        .arg("baselines/sample")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no such file or directory"));
}

#[test]
fn run_all_is_byte_identical_across_thread_counts() {
    let dirs: Vec<_> = ["1", "2"]
        .iter()
        .map(|threads| {
            let dir = tempfile::tempdir().unwrap();
            common::backtest()
                .env("RAYON_NUM_THREADS", threads)
                .args(["run", "--all", "--no-charts", "--out"])
                .arg(dir.path())
                .assert()
                .success();
            dir
        })
        .collect();
    let mut files = 0;
    for strategy in backtest::strategies::REGISTRY {
        for file in ["summary.json", "equity.csv", "fills.csv", "trades.csv"] {
            let read = |dir: &Path| std::fs::read(dir.join(strategy.name).join(file)).unwrap();
            assert!(
                read(dirs[0].path()) == read(dirs[1].path()),
                "{} {file}",
                strategy.name
            );
            files += 1;
        }
    }
    assert_eq!(files, 4 * backtest::strategies::REGISTRY.len());
    let comparison = |dir: &Path| std::fs::read(dir.join("comparison.md")).unwrap();
    assert_eq!(comparison(dirs[0].path()), comparison(dirs[1].path()));
    let set = common::backtest()
        .arg("compare")
        .arg(dirs[0].path())
        .arg(dirs[1].path())
        .output()
        .unwrap();
    assert_eq!(
        set.status.code(),
        Some(0),
        "compare reads run --all directories"
    );
}

#[test]
fn a_schema_1_baseline_still_guards_every_number_it_holds() {
    // A baseline pinned by the previous schema (without the engine's exits, and with a fill
    // hash of a `fills.csv` without its `kind` column), against today's run of it.
    let pinned = common::root().join("tests/fixtures/schema-1/sma-cross/summary.json");
    let current = common::root().join("baselines/sample/sma-cross");
    let compare = |baseline: &Path| {
        common::backtest()
            .arg("compare")
            .arg(baseline)
            .arg(&current)
            .output()
            .unwrap()
    };
    let output = compare(&pinned);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No drift in 1 strategies"), "{stdout}");
    assert!(
        stdout.contains("changed with the schema and not compared (re-pin with"),
        "{stdout}"
    );
    for field in ["schema_version", "fill_hash", "metrics.exits.signal"] {
        assert!(
            stdout.lines().any(
                |l| l.trim_start().starts_with(field) && l.ends_with("changed with the schema")
            ),
            "{field}: {stdout}"
        );
    }
    // A number of the old baseline that moved is still drift.
    let dir = tempfile::tempdir().unwrap();
    let moved = dir.path().join("summary.json");
    let old = std::fs::read_to_string(&pinned).unwrap();
    let final_equity = "\"final_equity\": 163659.5870114466";
    assert!(old.contains(final_equity));
    std::fs::write(
        &moved,
        old.replace(final_equity, "\"final_equity\": 170000.0"),
    )
    .unwrap();
    let output = compare(&moved);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).contains("DRIFT in 1 of 1 strategies: sma-cross"));
}
