//! Parity with independent engines and metric libraries on real data
//! (`../shared/reference/README.md`): backtesting.py, backtrader, vectorbt and bt agree on the
//! engine table; empyrical and quantstats on the metrics file.

mod common;

use std::path::Path;

use backtest::engine::{EngineOptions, FillMode};
use backtest::run::{RunReport, RunRequest, execute};

/// A run on real GLD with SPY as benchmark, under the reference rules (cash 100,000, no costs).
fn gld_request(
    dir: &Path,
    strategy: &str,
    whole_units: bool,
    fill: FillMode,
    risk_free: f64,
) -> RunRequest {
    RunRequest {
        symbols: vec!["GLD".into()],
        benchmark: Some("SPY".into()),
        engine: EngineOptions {
            whole_units,
            fill,
            ..EngineOptions::default()
        },
        risk_free,
        ..RunRequest::new(strategy, dir.join("etf-ohlcv-raw"))
    }
}

fn gld_run(dir: &Path, strategy: &str, whole_units: bool, fill: FillMode) -> RunReport {
    execute(&gld_request(dir, strategy, whole_units, fill, 0.0)).expect("GLD runs")
}

/// One row of the reference table: final equity, round trips, max drawdown, Sharpe(252),
/// calendar CAGR.
struct Expected {
    strategy: &'static str,
    whole_units: bool,
    final_equity: f64,
    trades: usize,
    max_drawdown: f64,
    sharpe: f64,
    cagr_calendar: f64,
}

const ENGINE_TABLE: [Expected; 4] = [
    Expected {
        strategy: "buy-and-hold",
        whole_units: true,
        final_equity: 951_320.853_3,
        trades: 1,
        max_drawdown: -0.455_516,
        sharpe: 0.6605,
        cagr_calendar: 0.109_099,
    },
    Expected {
        strategy: "buy-and-hold",
        whole_units: false,
        final_equity: 951_584.556_9,
        trades: 1,
        max_drawdown: -0.455_550,
        sharpe: 0.6605,
        cagr_calendar: 0.109_113,
    },
    Expected {
        strategy: "sma-cross",
        whole_units: true,
        final_equity: 365_472.610_7,
        trades: 56,
        max_drawdown: -0.372_822,
        sharpe: 0.4930,
        cagr_calendar: 0.061_384,
    },
    Expected {
        strategy: "sma-cross",
        whole_units: false,
        final_equity: 365_530.936_9,
        trades: 56,
        max_drawdown: -0.372_896,
        sharpe: 0.4929,
        cagr_calendar: 0.061_392,
    },
];

#[test]
fn gld_runs_reproduce_the_independent_engines_to_the_cent() {
    let Some(dir) = common::market_data("engine parity on GLD") else {
        return;
    };
    for row in &ENGINE_TABLE {
        let report = gld_run(&dir, row.strategy, row.whole_units, FillMode::NextOpen);
        let m = &report.summary.metrics;
        let case = format!("{} whole_units={}", row.strategy, row.whole_units);
        assert_eq!(report.universe.len(), 5473, "{case}: every GLD bar");
        assert!(
            (report.summary.final_equity - row.final_equity).abs() < 0.005,
            "{case}: final equity {} vs {}",
            report.summary.final_equity,
            row.final_equity
        );
        assert_eq!(m.activity.trades, row.trades, "{case}: round trips");
        let p = &m.performance;
        assert!(
            (p.max_drawdown - row.max_drawdown).abs() < 5e-7,
            "{case}: {p:?}"
        );
        assert!(
            (p.sharpe.unwrap() - row.sharpe).abs() < 5e-5,
            "{case}: {p:?}"
        );
        assert!(
            (p.cagr_calendar.unwrap() - row.cagr_calendar).abs() < 5e-7,
            "{case}: {p:?}"
        );
    }
}

#[test]
fn vectorbt_sharpe_differs_from_ours_only_by_its_365_day_year() {
    let Some(dir) = common::market_data("vectorbt Sharpe convention") else {
        return;
    };
    let report = gld_run(&dir, "sma-cross", false, FillMode::NextOpen);
    let ours = report.summary.metrics.performance.sharpe.unwrap();
    let vectorbt = 0.5932; // the reference README: vectorbt 1.2.0 on the same run
    assert!((ours - 0.4929).abs() < 5e-5, "ours, 252-day year: {ours}");
    assert!((ours * (365.0_f64 / 252.0).sqrt() - vectorbt).abs() < 5e-5);
}

#[test]
fn sma_cross_reference_fills_happen_at_the_open_after_each_cross() {
    let Some(dir) = common::market_data("SMA fill timing on GLD") else {
        return;
    };
    let report = gld_run(&dir, "sma-cross", false, FillMode::NextOpen);
    let first = &report.run.fills[0];
    assert!(first.bar > 50, "the first possible signal is at bar 50");
    let gld = &report.universe.series[0];
    for fill in &report.run.fills {
        assert_eq!(fill.price, gld.open[fill.bar], "fills at the open");
        assert!(
            report
                .run
                .decisions
                .iter()
                .any(|(bar, _)| *bar == fill.bar - 1),
            "a fill follows a decision at the previous close"
        );
    }
    assert_eq!(report.trades.iter().filter(|t| !t.is_closed()).count(), 1);
}

#[test]
fn close_fill_buy_and_hold_reproduces_empyrical_metrics() {
    let (Some(dir), Some(reference)) = (
        common::market_data("metrics vs empyrical"),
        common::reference("metrics vs empyrical"),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(reference.join("metrics-GLD-vs-SPY.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let report = gld_run(&dir, "buy-and-hold", false, FillMode::Close);
    let p = &report.summary.metrics.performance;
    assert_eq!(report.run.equity.len() - 1, 5472, "n_returns");
    let pairs = [
        ("total_return", p.total_return),
        ("cagr_252", p.cagr.unwrap()),
        ("annual_volatility", p.annual_volatility.unwrap()),
        ("sharpe", p.sharpe.unwrap()),
        ("sortino", p.sortino.unwrap()),
        ("max_drawdown", p.max_drawdown),
        ("calmar", p.calmar.unwrap()),
    ];
    for (key, ours) in pairs {
        let theirs = expected[key].as_f64().unwrap();
        assert!(
            common::relative(ours, theirs) < 1e-9,
            "{key}: ours {ours} vs empyrical {theirs}"
        );
    }
}

#[test]
fn benchmark_relative_metrics_reproduce_empyrical_against_spy() {
    let (Some(dir), Some(reference)) = (
        common::market_data("relative metrics vs empyrical"),
        common::reference("relative metrics vs empyrical"),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(reference.join("metrics-GLD-vs-SPY.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let report = gld_run(&dir, "buy-and-hold", false, FillMode::Close);
    assert_eq!(report.summary.options.benchmark, "SPY");
    let r = &report.summary.benchmark_metrics;
    let pairs = [
        ("beta", r.beta),
        ("alpha_annual", r.alpha),
        ("correlation", r.correlation),
        ("up_capture", r.up_capture),
        ("down_capture", r.down_capture),
    ];
    for (key, ours) in pairs {
        let (ours, theirs) = (ours.unwrap(), expected[key].as_f64().unwrap());
        assert!(
            common::relative(ours, theirs) < 1e-9,
            "{key}: ours {ours} vs empyrical {theirs}"
        );
    }
}

#[test]
fn risk_free_rate_reproduces_quantstats_sharpe_at_two_percent() {
    let (Some(dir), Some(reference)) = (
        common::market_data("Sharpe with rf vs quantstats"),
        common::reference("Sharpe with rf vs quantstats"),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(reference.join("metrics-GLD-vs-SPY.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let with_rf = execute(&gld_request(
        &dir,
        "buy-and-hold",
        false,
        FillMode::Close,
        0.02,
    ))
    .unwrap();
    let theirs = expected["sharpe_rf2pct_quantstats"].as_f64().unwrap();
    let ours = with_rf.summary.metrics.performance.sharpe.unwrap();
    assert!(common::relative(ours, theirs) < 1e-9, "{ours} vs {theirs}");
    let without = gld_run(&dir, "buy-and-hold", false, FillMode::Close);
    let without = without.summary.metrics.performance.sharpe.unwrap();
    assert!(without > ours, "a positive rate lowers Sharpe");
}
