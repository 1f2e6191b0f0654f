//! `backtest walk-forward` as a user runs it, checked against the commands a user would run by
//! hand: each window's choice is the best row of `backtest sweep` on its training dates, and
//! each window's result is `backtest run` with that choice, warmed up on the training dates
//! and trading from their last close (`--trade-from`) with the equity the previous window
//! ended with. The numbers must be identical, not close.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// A CSV file as a header and rows of named fields.
fn table(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let rows = common::csv_rows(path);
    let (header, rows) = rows.split_first().expect("a header");
    rows.iter()
        .map(|row| header.iter().cloned().zip(row.iter().cloned()).collect())
        .collect()
}

/// `--data DATA --strategy sma-cross --symbols SYMBOL`.
fn strategy_args(cmd: &mut Command, data: &Path, symbol: &str) {
    cmd.arg("--data").arg(data);
    cmd.args(["--strategy", "sma-cross", "--symbols", symbol]);
}

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|_| panic!("{text:?} is a number"))
}

/// Walks `sma-cross` forward on `data` (restricted to `symbol` and `from`) with the window
/// options `window_args`, then checks the windows numbered `check` (1-based) against a direct
/// sweep and a direct run.
fn check_against_direct_runs(
    data: &Path,
    symbol: &str,
    from: &str,
    window_args: &[&str],
    check: &[usize],
) {
    let grids = ["fast=5,10,20", "slow=20,50,100"];
    let dir = tempfile::tempdir().unwrap();
    let mut walk = common::backtest();
    walk.arg("walk-forward");
    strategy_args(&mut walk, data, symbol);
    for grid in grids {
        walk.args(["--grid", grid]);
    }
    walk.args(["--from", from])
        .args(window_args)
        .arg("--out")
        .arg(dir.path());
    let stdout = common::quiet_stdout(&mut walk);
    assert!(stdout.contains("walk-forward (out of sample)"), "{stdout}");
    assert!(stdout.contains("hindsight best"), "{stdout}");
    let chart = std::fs::metadata(dir.path().join("equity.png")).unwrap();
    assert!(chart.len() > 20_000, "equity.png is drawn, not blank");
    let windows = table(&dir.path().join("walkforward.csv"));
    assert!(
        windows.len() >= check.iter().copied().max().unwrap(),
        "{windows:?}"
    );
    if window_args.contains(&"--anchored") {
        let first = &windows[0]["train_from"];
        assert!(
            windows.iter().all(|w| w["train_from"] == *first),
            "{windows:?}"
        );
        assert!(
            windows[1]["train_to"] > windows[0]["train_to"],
            "the training grows"
        );
    }

    // The windows chain: each starts with the equity the previous one ended with, and the
    // stitched curve runs from the starting cash to the last window's end.
    let curve = table(&dir.path().join("equity.csv"));
    assert_eq!(number(&curve[0]["equity"]), 100_000.0);
    assert_eq!(
        curve[curve.len() - 1]["equity"],
        windows[windows.len() - 1]["end_equity"]
    );
    for pair in windows.windows(2) {
        assert_eq!(pair[0]["end_equity"], pair[1]["start_equity"]);
        assert!(pair[0]["test_to"] < pair[1]["test_from"]);
    }

    for &k in check {
        check_window(data, symbol, grids, k, &windows[k - 1]);
    }
}

/// Window `k` of a walk-forward (`w`, its row of `walkforward.csv`) against a direct sweep of
/// its training dates and a direct run of its choice.
fn check_window(
    data: &Path,
    symbol: &str,
    grids: [&str; 2],
    k: usize,
    w: &std::collections::BTreeMap<String, String>,
) {
    // The choice: the best row of a sweep on the training dates alone.
    let sweep_dir = tempfile::tempdir().unwrap();
    let mut sweep = common::backtest();
    sweep.arg("sweep");
    strategy_args(&mut sweep, data, symbol);
    for grid in grids {
        sweep.args(["--grid", grid]);
    }
    sweep
        .args([
            "--from",
            &w["train_from"],
            "--to",
            &w["train_to"],
            "--no-charts",
            "--out",
        ])
        .arg(sweep_dir.path());
    common::quiet_stdout(&mut sweep);
    let rows = table(&sweep_dir.path().join("sweep.csv"));
    let best = rows
        .iter()
        .filter(|r| !r["sharpe"].is_empty())
        .max_by(|a, b| number(&a["sharpe"]).total_cmp(&number(&b["sharpe"])))
        .unwrap();
    assert_eq!(
        (&best["fast"], &best["slow"]),
        (&w["fast"], &w["slow"]),
        "window {k}"
    );
    assert_eq!(best["sharpe"], w["in_sample_sharpe"], "window {k}");

    // The result: a run with that choice, warmed up on the training dates.
    let run_dir = tempfile::tempdir().unwrap();
    let mut run = common::backtest();
    strategy_args(&mut run, data, symbol);
    run.args(["--param", &format!("fast={}", w["fast"])])
        .args(["--param", &format!("slow={}", w["slow"])])
        .args(["--from", &w["train_from"], "--to", &w["test_to"]])
        .args(["--trade-from", &w["train_to"], "--cash", &w["start_equity"]])
        .args(["--no-charts", "--out"])
        .arg(run_dir.path());
    common::quiet_stdout(&mut run);
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run_dir.path().join("summary.json")).unwrap(),
    )
    .unwrap();
    let metrics = &summary["metrics"];
    assert_eq!(
        summary["final_equity"].as_f64(),
        Some(number(&w["end_equity"])),
        "window {k}"
    );
    assert_eq!(
        metrics["total_return"].as_f64(),
        Some(number(&w["test_return"]))
    );
    assert_eq!(metrics["sharpe"].as_f64(), Some(number(&w["test_sharpe"])));
    assert_eq!(
        metrics["max_drawdown"].as_f64(),
        Some(number(&w["test_max_drawdown"]))
    );
    assert_eq!(metrics["trades"].as_u64(), w["trades"].parse::<u64>().ok());
    assert_eq!(summary["dataset"]["first_date"], w["train_to"].as_str());
}

#[test]
fn each_window_is_the_sweep_of_its_training_dates_then_a_run_of_the_choice() {
    check_against_direct_runs(
        &common::sample(),
        "GLD",
        "2012-01-01",
        &["--train", "3y", "--test", "1y"],
        &[1, 4],
    );
}

#[test]
fn anchored_windows_train_from_the_first_bar_and_match_their_direct_runs() {
    let args = ["--train", "3y", "--test", "1y", "--anchored"];
    check_against_direct_runs(&common::sample(), "GLD", "2012-01-01", &args, &[1, 4]);
}

#[test]
fn on_real_gld_each_window_matches_its_direct_sweep_and_run() {
    let Some(dir) = common::market_data("walk-forward on real GLD") else {
        return;
    };
    check_against_direct_runs(
        &dir.join("etf-ohlcv-raw"),
        "GLD",
        "2015-01-01",
        &["--train", "4y", "--test", "18m"],
        &[2],
    );
}

#[test]
fn spans_too_long_for_the_data_are_a_usage_error() {
    let output = common::backtest()
        .args([
            "walk-forward",
            "--strategy",
            "sma-cross",
            "--symbols",
            "GLD",
        ])
        .args([
            "--grid",
            "fast=5,10",
            "--from",
            "2020-01-01",
            "--train",
            "10y",
            "--test",
            "1y",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("shorter than one training span"),
        "{stderr}"
    );
}

/// `data/`'s file of `symbol` written to `dir`, every bar after `cut` rewritten: its prices
/// scaled by a factor that drifts and wiggles (open, high, low and close alike, so every bar
/// stays valid).
fn rewrite_after(symbol: &str, cut: &str, dir: &Path) {
    let text = std::fs::read_to_string(common::sample().join(format!("{symbol}.csv"))).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let cells: Vec<&str> = line.split(',').collect();
            if i == 0 || cells[0] <= cut {
                return line.to_string();
            }
            let x = i as f64;
            let factor = (1.0 + 0.25 * (x / 40.0).sin()) * (1.0 + 0.0004 * x);
            let prices: Vec<String> = cells[1..5]
                .iter()
                .map(|p| format!("{:.4}", number(p) * factor))
                .collect();
            format!("{},{},{}", cells[0], prices.join(","), cells[5])
        })
        .collect();
    let out = lines.join("\n") + "\n";
    std::fs::write(dir.join(format!("{symbol}.csv")), out).unwrap();
}

#[test]
fn no_window_chooses_with_its_test_bars_or_trades_with_later_ones() {
    use backtest::run::RunRequest;
    use backtest::sweep::{Grid, Metric};
    use backtest::walkforward::{self, WalkForward, Window, Windows};

    let grids: Vec<Grid> = ["fast=5,10,20", "slow=20,50,100"]
        .iter()
        .map(|g| g.parse().unwrap())
        .collect();
    let walk = |dir: &Path| -> WalkForward {
        let request = RunRequest {
            symbols: vec!["GLD".into()],
            ..RunRequest::new("sma-cross", dir.to_path_buf())
        };
        let windows = Windows {
            train: "3y".parse().unwrap(),
            test: "1y".parse().unwrap(),
            anchored: false,
        };
        walkforward::run(&request, &grids, windows, Metric::Sharpe, &|| {}).unwrap()
    };
    let original = tempfile::tempdir().unwrap();
    for symbol in ["GLD", "SPY"] {
        let file = format!("{symbol}.csv");
        std::fs::copy(common::sample().join(&file), original.path().join(&file)).unwrap();
    }
    let a = walk(original.path());
    let values = |w: &Window| w.chosen.as_ref().map(|r| r.values.clone());
    // For several windows: rewrite every bar after its training, and its choice, and every
    // earlier window's choice and result, must stay as they were.
    for k in [4, 9, 14] {
        let cut = a.windows[k].train.1.to_string();
        let rewritten = tempfile::tempdir().unwrap();
        for symbol in ["GLD", "SPY"] {
            rewrite_after(symbol, &cut, rewritten.path());
        }
        let b = walk(rewritten.path());
        for j in 0..=k {
            let (x, y) = (&a.windows[j], &b.windows[j]);
            assert_eq!(
                values(x),
                values(y),
                "cut after window {}'s training: window {}'s choice",
                k + 1,
                j + 1
            );
            if j < k {
                assert_eq!(x.end_equity, y.end_equity, "window {}'s result", j + 1);
            }
        }
        assert_ne!(
            a.equity.last(),
            b.equity.last(),
            "the rewrite changes what follows it"
        );
    }
}
