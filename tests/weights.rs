//! Weights computed outside Rust get the same fills as the engine's own: `weights` on a file
//! of `rebalance`'s answers trades exactly what `rebalance` traded.

mod common;

use std::fmt::Write as _;

use backtest::run::{RunRequest, execute};

#[test]
fn a_file_of_rebalances_answers_trades_exactly_what_rebalance_traded() {
    let rebalance = execute(&RunRequest {
        params: vec![
            "weights=SPY:0.6,GLD:0.3,GDX:0.1".into(),
            "every=quarter".into(),
        ],
        ..RunRequest::new("rebalance", common::sample())
    })
    .expect("rebalance runs");
    let mut csv = String::from("date,symbol,weight\n");
    for (bar, targets) in &rebalance.run.decisions {
        for (series, weight) in rebalance.universe.series.iter().zip(targets) {
            let _ = writeln!(
                csv,
                "{},{},{weight}",
                rebalance.universe.dates[*bar], series.symbol
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("weights.csv");
    std::fs::write(&file, csv).unwrap();
    let weights = execute(&RunRequest {
        params: vec![format!("file={}", file.display())],
        ..RunRequest::new("weights", common::sample())
    })
    .expect("weights runs");
    assert!(
        rebalance.run.fills.len() > 100,
        "{}",
        rebalance.run.fills.len()
    );
    assert_eq!(weights.run.fills, rebalance.run.fills, "the same fills");
    assert_eq!(weights.run.equity, rebalance.run.equity);
    assert_eq!(weights.summary.fill_hash, rebalance.summary.fill_hash);
}

#[test]
fn the_example_file_runs_from_the_command_line() {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = common::backtest();
    cmd.args(["--strategy", "weights", "--no-charts", "--out"])
        .arg(out.path().join("report"));
    let table = common::quiet_stdout(&mut cmd);
    assert!(table.contains("weights on SPY, GLD, GDX"), "{table}");
    let fills = common::csv_rows(&out.path().join("report/fills.csv"));
    // Five dated portfolios: the first fills on the sample's second bar.
    assert_eq!(fills[1][0], "2000-01-04");
    assert!(fills[1..].iter().all(|row| row[7] == "rebalance"));
    let dates: std::collections::BTreeSet<&str> =
        fills[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(dates.len(), 5, "{dates:?}");
}
