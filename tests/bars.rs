//! `--bars weekly|monthly`: runs on bars aggregated from the daily files, measured with the
//! year of such bars (52 weeks, 12 months), checked against the sample's files and the
//! report's own equity curve by hand.

mod common;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

/// Runs `strategy` on the sample with `args`, into a fresh directory; its summary, and the
/// directory (kept alive by the guard).
fn run(strategy: &str, args: &[&str]) -> (Value, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    common::quiet_stdout(
        common::backtest()
            .args(["run", "--strategy", strategy, "--no-charts", "--out"])
            .arg(out.path())
            .args(args),
    );
    (common::complete_report(out.path()), out)
}

/// `(date, open, close)` of each daily row of a sample file, in date order.
fn daily_rows(symbol: &str) -> Vec<(NaiveDate, f64, f64)> {
    let rows = common::csv_rows(&common::sample().join(format!("{symbol}.csv")));
    assert_eq!(rows[0][..5], ["Date", "Open", "High", "Low", "Close"]);
    rows[1..]
        .iter()
        .map(|row| {
            let date = NaiveDate::parse_from_str(&row[0], "%Y-%m-%d").unwrap();
            (date, row[1].parse().unwrap(), row[4].parse().unwrap())
        })
        .collect()
}

/// The first open and the last close of each ISO week of `rows`, worked out here from the
/// file on its own.
fn by_week(rows: &[(NaiveDate, f64, f64)]) -> Vec<(f64, f64)> {
    let mut weeks: Vec<(chrono::IsoWeek, f64, f64)> = Vec::new();
    for (date, open, close) in rows {
        match weeks.last_mut() {
            Some(week) if week.0 == date.iso_week() => week.2 = *close,
            _ => weeks.push((date.iso_week(), *open, *close)),
        }
    }
    weeks
        .into_iter()
        .map(|(_, open, close)| (open, close))
        .collect()
}

fn number(summary: &Value, path: &str) -> f64 {
    summary
        .pointer(path)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{path} is a number: {summary}"))
}

#[test]
fn weekly_bars_are_a_fifth_of_the_daily_ones_and_every_statistic_is_finite() {
    let args = ["--symbols", "GLD"];
    let (daily, _d) = run("buy-and-hold", &args);
    let (weekly, _w) = run("buy-and-hold", &[&args[..], &["--bars", "weekly"]].concat());
    assert_eq!(daily["options"]["bars"], "daily");
    assert_eq!(weekly["options"]["bars"], "weekly");
    let ratio = number(&daily, "/dataset/bars") / number(&weekly, "/dataset/bars");
    assert!(
        (4.8..5.2).contains(&ratio),
        "daily bars / weekly bars = {ratio}"
    );
    for side in ["/metrics", "/benchmark/metrics"] {
        for metric in [
            "cagr",
            "cagr_calendar",
            "annual_volatility",
            "sharpe",
            "sortino",
        ] {
            let value = number(&weekly, &format!("{side}/{metric}"));
            assert!(value.is_finite(), "{side}/{metric} = {value}");
        }
    }
    // The same years, measured either way: close to the calendar's CAGR.
    let (cagr, calendar) = (
        number(&weekly, "/metrics/cagr"),
        number(&weekly, "/metrics/cagr_calendar"),
    );
    assert!((cagr - calendar).abs() < 0.002, "{cagr} vs {calendar}");
}

#[test]
fn buy_and_hold_on_weekly_bars_compounds_the_weekly_closes_over_52_week_years() {
    let (summary, _out) = run("buy-and-hold", &["--symbols", "GLD", "--bars", "weekly"]);
    let gld = by_week(&daily_rows("GLD"));
    let spy = by_week(&daily_rows("SPY"));
    assert_eq!(gld.len(), spy.len(), "the sample's files share their days");
    assert_eq!(number(&summary, "/dataset/bars"), gld.len() as f64);
    let returns = (gld.len() - 1) as f64;
    // The strategy buys at the open of the second week, with the whole cash and no costs, and
    // holds to the last week's close; the benchmark holds SPY from the first week's close.
    let strategy = (gld[gld.len() - 1].1 / gld[1].0).powf(52.0 / returns) - 1.0;
    let benchmark = (spy[spy.len() - 1].1 / spy[0].1).powf(52.0 / returns) - 1.0;
    let close = |ours: f64, by_hand: f64| common::relative(ours, by_hand) < 1e-9;
    let ours = number(&summary, "/metrics/cagr");
    assert!(close(ours, strategy), "CAGR {ours}, by hand {strategy}");
    let theirs = number(&summary, "/benchmark/metrics/cagr");
    assert!(
        close(theirs, benchmark),
        "CAGR {theirs}, by hand {benchmark}"
    );
}

#[test]
fn a_monthly_run_annualises_its_sharpe_ratio_with_the_root_of_twelve() {
    let (summary, out) = run("sma-cross", &["--bars", "monthly"]);
    let rows = common::csv_rows(&out.path().join("equity.csv"));
    assert_eq!(rows[0][..2], ["date", "equity"]);
    let dates: Vec<NaiveDate> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(
        dates
            .windows(2)
            .all(|pair| (pair[0].year(), pair[0].month()) != (pair[1].year(), pair[1].month())),
        "one bar per month"
    );
    let equity: Vec<f64> = rows[1..].iter().map(|r| r[1].parse().unwrap()).collect();
    let returns: Vec<f64> = equity.windows(2).map(|p| p[1] / p[0] - 1.0).collect();
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let sd = (returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let by_hand = mean / sd * 12f64.sqrt();
    let sharpe = number(&summary, "/metrics/sharpe");
    assert!(
        common::relative(sharpe, by_hand) < 1e-9,
        "Sharpe {sharpe}, by hand with √12 {by_hand}"
    );
}

#[test]
fn the_summary_table_states_the_bars_and_their_year() {
    let out = tempfile::tempdir().unwrap();
    let table = common::quiet_stdout(
        common::backtest()
            .args(["run", "--strategy", "buy-and-hold", "--bars", "monthly"])
            .args(["--no-charts", "--out"])
            .arg(out.path()),
    );
    assert!(table.contains(" monthly bars · "), "{table}");
    assert!(table.contains("annualised with 12 bars a year"), "{table}");
    assert!(table.contains("CAGR (12-month years)"), "{table}");
    let markdown = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(markdown.contains("CAGR (12-month years)"), "{markdown}");
}

#[test]
fn every_command_on_the_data_takes_bars() {
    for command in ["run", "sweep", "walk-forward", "robustness"] {
        let output = common::backtest()
            .args([command, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains("--bars <BARS>"), "{command}: {help}");
    }
    let refused = common::backtest()
        .args(["run", "--strategy", "buy-and-hold", "--bars", "hourly"])
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a bar length clap does not know"
    );
}

#[test]
fn the_monte_carlo_paths_of_a_weekly_run_are_weekly_as_its_history() {
    use backtest::data::{BarLength, Dataset, Manifest, PriceMode};
    let seed = Manifest::read(&common::sample())
        .unwrap()
        .unwrap()
        .seed
        .unwrap();
    let mut request = backtest::run::RunRequest::new("buy-and-hold", common::sample());
    request.load.bars = BarLength::Weekly;
    let symbols = ["GLD".to_string(), "SPY".to_string()];
    let history = Dataset::open(&request.data)
        .unwrap()
        .universe(&symbols, &request.load, PriceMode::Adjusted)
        .unwrap()
        .0;
    // The sample is the generator's path of its manifest's seed.
    let path = backtest::robustness::synthetic(&["GLD", "SPY"], seed, &request).unwrap();
    assert_eq!(path.dates, history.dates);
}
