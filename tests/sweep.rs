//! `backtest sweep` as a user runs it: every combination is exactly a single run, refused
//! combinations are skipped and counted, bad grids are usage errors, and output is
//! deterministic.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// The command that sweeps `sma-cross` on GLD of `data` with the given grids into `out`.
fn sweep_command_on(data: &Path, out: &Path, grids: &[&str]) -> Command {
    let mut cmd = common::backtest();
    cmd.args([
        "sweep",
        "--strategy",
        "sma-cross",
        "--symbols",
        "GLD",
        "--data",
    ]);
    cmd.arg(data);
    for grid in grids {
        cmd.args(["--grid", grid]);
    }
    cmd.arg("--out").arg(out);
    cmd
}

/// [`sweep_command_on`] the sample.
fn sweep_command(out: &Path, grids: &[&str]) -> Command {
    sweep_command_on(&common::sample(), out, grids)
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
    assert_rows_are_single_runs(&common::sample(), &rows, &[]);
}

#[test]
fn exits_from_the_command_line_apply_to_every_combination_as_to_its_single_run() {
    let exits = ["--stop-loss", "0.05", "--take-profit", "0.10"];
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = sweep_command(dir.path(), &["fast=10,20", "slow=50,100"]);
    common::quiet_stdout(cmd.args(exits));
    let with_exits = rows(dir.path());
    assert_rows_are_single_runs(&common::sample(), &with_exits, &exits);
    let plain = tempfile::tempdir().unwrap();
    sweep_ok(plain.path(), &["fast=10,20", "slow=50,100"]);
    assert_ne!(
        with_exits,
        rows(plain.path()),
        "the exits change the results"
    );
}

#[test]
fn on_real_gld_each_combination_is_exactly_its_single_run() {
    let Some(dir) = common::market_data("sweep on real GLD") else {
        return;
    };
    let data = dir.join("etf-ohlcv-raw");
    let out = tempfile::tempdir().unwrap();
    common::quiet_stdout(&mut sweep_command_on(
        &data,
        out.path(),
        &["fast=10,20", "slow=50,100"],
    ));
    let rows = rows(out.path());
    assert_eq!(rows.len(), 5, "header and 4 rows");
    assert_rows_are_single_runs(&data, &rows, &[]);
}

/// Every row of a `sma-cross` sweep of GLD on `data` (`rows`, the header first) against
/// `backtest run` with its parameters: the same numbers, to the bit.
fn assert_rows_are_single_runs(data: &Path, rows: &[Vec<String>], extra: &[&str]) {
    assert_rows_are_runs(data, rows, &|row| {
        let mut args = vec![
            "--param".to_string(),
            format!("fast={}", row[0]),
            "--param".to_string(),
            format!("slow={}", row[1]),
        ];
        args.extend(extra.iter().map(ToString::to_string));
        args
    });
}

/// Every row of a sweep of `sma-cross` on GLD of `data` with two grids against `backtest run`
/// with the options `args_of(row)`: the same numbers, to the bit.
fn assert_rows_are_runs(
    data: &Path,
    rows: &[Vec<String>],
    args_of: &dyn Fn(&[String]) -> Vec<String>,
) {
    for row in &rows[1..] {
        let single = tempfile::tempdir().unwrap();
        let mut run = common::backtest();
        run.args(["--strategy", "sma-cross", "--symbols", "GLD", "--data"])
            .arg(data)
            .args(args_of(row))
            .args(["--no-charts", "--out"])
            .arg(single.path());
        common::quiet_stdout(&mut run);
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(single.path().join("summary.json")).unwrap())
                .unwrap();
        let metric = |key: &str| summary["metrics"][key].as_f64().unwrap();
        let case = args_of(row).join(" ");
        assert_eq!(
            row[2].parse::<f64>().unwrap(),
            metric("total_return"),
            "{case}"
        );
        assert_eq!(row[5].parse::<f64>().unwrap(), metric("sharpe"), "{case}");
        assert_eq!(
            row[6].parse::<f64>().unwrap(),
            metric("max_drawdown"),
            "{case}"
        );
        assert_eq!(
            row[7].parse::<u64>().ok(),
            summary["metrics"]["trades"].as_u64(),
            "{case}"
        );
        let psr: f64 = row[8].parse().unwrap();
        assert!((0.0..=1.0).contains(&psr), "{psr}");
    }
}

#[test]
fn a_grid_sweeps_the_stop_loss_as_the_command_line_sets_it() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = sweep_ok(dir.path(), &["slow=50,100", "stop_loss=0.03,0.08"]);
    assert!(stdout.contains("4 combinations run, 0 skipped"), "{stdout}");
    let rows = rows(dir.path());
    assert_eq!(rows[0][..2], ["slow", "stop_loss"]);
    assert_rows_are_runs(&common::sample(), &rows, &|row| {
        [
            "--param",
            &format!("slow={}", row[0]),
            "--stop-loss",
            &row[1],
        ]
        .map(String::from)
        .to_vec()
    });
    let out = tempfile::tempdir().unwrap();
    let mut both = sweep_command(out.path(), &["stop_loss=0.03"]);
    let output = both.args(["--stop-loss", "0.05"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("both swept and given as --stop-loss")
    );
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
fn a_range_without_a_step_is_refused_saying_the_form_with_one() {
    // Regression: `fast=1..1000` was read as one value, `1..1000`, that the strategy refused.
    let dir = tempfile::tempdir().unwrap();
    let output = sweep(dir.path(), &["fast=1..1000"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.contains("'--grid ")
            && first.contains("a range needs a step, as NAME=FROM..TO:STEP (e.g. fast=1..100:5)"),
        "{stderr}"
    );
    assert!(!dir.path().join("sweep.csv").exists());
}

#[test]
fn a_sweep_whose_every_combination_is_refused_fails_naming_the_first_refusal() {
    // Regression: it wrote an empty ranking and exited 0.
    let dir = tempfile::tempdir().unwrap();
    let output = sweep(dir.path(), &["fast=50,60", "slow=10,20"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "error: the strategy refused every one of the 4 combinations, the first \
             (fast=50 slow=10) with: "
        ) && stderr.contains("slow"),
        "{stderr}"
    );
    assert!(!dir.path().join("sweep.csv").exists());
}

#[test]
fn a_range_with_more_decimals_than_f64_holds_is_refused_not_a_panic() {
    // Format precisions stop at 65,535: a bound written with 70,000 decimals panicked.
    let dir = tempfile::tempdir().unwrap();
    let grid = format!("fast=0.{}1..1:0.5", "0".repeat(70_000));
    let output = sweep(dir.path(), &[&grid]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("with at most 15 decimals"),
        "{}",
        &stderr[stderr.len() - 200..]
    );
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
