//! `backtest sweep` as a user runs it: every combination is exactly a single run, refused
//! combinations are skipped and counted, bad grids are usage errors, and output is
//! deterministic.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// The command that sweeps `sma-cross` on GLD with the given grids into `out`.
fn sweep_command(out: &Path, grids: &[&str]) -> Command {
    let mut cmd = common::backtest();
    cmd.args(["sweep", "--strategy", "sma-cross", "--symbols", "GLD"]);
    for grid in grids {
        cmd.args(["--grid", grid]);
    }
    cmd.arg("--out").arg(out);
    cmd
}

/// Runs [`sweep_command`]; returns the process output.
fn sweep(out: &Path, grids: &[&str]) -> std::process::Output {
    sweep_command(out, grids).output().unwrap()
}

/// [`sweep`] that must succeed quietly: returns its standard output.
fn sweep_ok(out: &Path, grids: &[&str]) -> String {
    common::quiet_stdout(&mut sweep_command(out, grids))
}

fn rows(out: &Path) -> Vec<Vec<String>> {
    common::csv_rows(&out.join("sweep.csv"))
}

#[test]
fn each_combination_is_exactly_the_single_run_with_its_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = sweep_ok(dir.path(), &["fast=10,20", "slow=50,100"]);
    assert!(stdout.contains("4 combinations run, 0 skipped"), "{stdout}");
    assert!(stdout.contains("Deflated Sharpe ratio"), "{stdout}");
    let rows = rows(dir.path());
    assert_eq!(
        rows[0].join(","),
        "fast,slow,total_return,cagr,annual_volatility,sharpe,max_drawdown,trades,psr"
    );
    assert_eq!(rows.len(), 5, "header and 4 rows");
    let order: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        order,
        [("10", "50"), ("10", "100"), ("20", "50"), ("20", "100")]
    );
    let row = &rows[3];

    let single = tempfile::tempdir().unwrap();
    common::backtest()
        .args([
            "--strategy",
            "sma-cross",
            "--symbols",
            "GLD",
            "--no-charts",
            "--out",
        ])
        .arg(single.path())
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(single.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["params"]["fast"], 20);
    assert_eq!(summary["params"]["slow"], 50);
    let metric = |key: &str| summary["metrics"][key].as_f64().unwrap();
    assert_eq!(row[2].parse::<f64>().unwrap(), metric("total_return"));
    assert_eq!(row[5].parse::<f64>().unwrap(), metric("sharpe"));
    assert_eq!(row[6].parse::<f64>().unwrap(), metric("max_drawdown"));
    assert_eq!(
        row[7].parse::<u64>().unwrap(),
        summary["metrics"]["trades"].as_u64().unwrap()
    );
    let psr: f64 = row[8].parse().unwrap();
    assert!((0.0..=1.0).contains(&psr), "{psr}");
}

#[test]
fn a_combination_the_strategy_refuses_is_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = sweep_ok(dir.path(), &["fast=20,50", "slow=20,100"]);
    assert!(stdout.contains("2 combinations run, 2 skipped"), "{stdout}");
    let rows = rows(dir.path());
    let order: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(order, [("20", "100"), ("50", "100")]);
    let table = std::fs::read_to_string(dir.path().join("sweep.md")).unwrap();
    assert!(table.contains("2 skipped"), "{table}");
}

#[test]
fn an_unknown_grid_name_is_a_usage_error_listing_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let output = sweep(dir.path(), &["fats=10,20"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("fats"), "{stderr}");
    assert!(stderr.contains("fast, slow"), "{stderr}");
    assert!(!dir.path().join("sweep.csv").exists());
}

#[test]
fn the_same_sweep_twice_gives_a_byte_identical_csv() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        sweep_ok(dir.path(), &["fast=5..15:5", "slow=30,60"]);
    }
    let read = |dir: &tempfile::TempDir| std::fs::read(dir.path().join("sweep.csv")).unwrap();
    assert_eq!(read(&a), read(&b));
    assert_eq!(rows(a.path()).len(), 7, "header and 3 × 2 rows");
}

#[test]
fn two_parameters_draw_a_heatmap_and_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    sweep_ok(dir.path(), &["fast=10,20", "slow=50,100"]);
    let bytes = std::fs::read(dir.path().join("heatmap.png")).unwrap();
    assert_eq!(bytes[..8], *b"\x89PNG\r\n\x1a\n");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (1600, 900), "IHDR width and height");

    let one = tempfile::tempdir().unwrap();
    sweep_ok(one.path(), &["fast=10,20"]);
    assert!(one.path().join("sweep.csv").exists());
    assert!(!one.path().join("heatmap.png").exists());

    let skipped = tempfile::tempdir().unwrap();
    common::backtest()
        .args(["sweep", "--strategy", "sma-cross", "--symbols", "GLD"])
        .args([
            "--grid",
            "fast=10,20",
            "--grid",
            "slow=50,100",
            "--no-charts",
        ])
        .arg("--out")
        .arg(skipped.path())
        .assert()
        .success();
    assert!(skipped.path().join("sweep.csv").exists());
    assert!(!skipped.path().join("heatmap.png").exists(), "--no-charts");
}
