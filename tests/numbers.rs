//! Issue 13, "no wrong number": extreme prices, a runaway short and extreme robustness paths
//! end either as a correct result in which every published number is finite, or with exit
//! code 2 and one line naming the input (file and line, or the date and symbol) and the
//! problem. Each test writes its small CSVs into a temporary directory and runs the binary.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Output;

use backtest::run::{RunRequest, execute};

/// `Date,Open,High,Low,Close` rows, one per calendar day from 2020-01-01, at `closes`
/// (open = high = low = close), with an `Adj Close` column where `adjusted` is given.
fn csv(closes: &[f64], adjusted: Option<&[f64]>) -> String {
    let start = backtest::Date::from_ymd_opt(2020, 1, 1).expect("a date");
    let mut text = String::from("Date,Open,High,Low,Close");
    text.push_str(if adjusted.is_some() {
        ",Adj Close\n"
    } else {
        "\n"
    });
    for (i, c) in closes.iter().enumerate() {
        let date = start + chrono::Days::new(i as u64);
        let _ = write!(text, "{date},{c:e},{c:e},{c:e},{c:e}");
        if let Some(adjusted) = adjusted {
            let _ = write!(text, ",{:e}", adjusted[i]);
        }
        text.push('\n');
    }
    text
}

/// 60 closes rising 1% a day from 100.
fn rising() -> Vec<f64> {
    (0..60).map(|i| 100.0 * 1.01f64.powi(i)).collect()
}

/// A dataset directory holding `files` (name, text).
fn dataset(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("written");
    }
    dir
}

/// `backtest <args> --data <data> --out <out> --no-charts`.
fn backtest(data: &Path, out: &Path, args: &[&str]) -> Output {
    common::backtest()
        .args(args)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .arg("--no-charts")
        .output()
        .expect("runs")
}

/// The run exited with code 2 and one line on stderr containing every one of `parts`.
fn refused(output: &Output, parts: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for part in parts {
        assert!(stderr.contains(part), "{part:?} in {stderr}");
    }
    stderr
}

/// Every number of `value` is finite: `serde_json` writes NaN and infinities as `null`, so a
/// null where `numbers` expects a number, or a non-finite value, fails.
fn assert_numbers(value: &serde_json::Value, numbers: &[&str]) {
    for pointer in numbers {
        let number = value.pointer(pointer).and_then(serde_json::Value::as_f64);
        assert!(number.is_some_and(f64::is_finite), "{pointer}: {number:?}");
    }
}

/// No cell of a CSV report reads as a number that is not finite (`inf`, `NaN`).
fn assert_finite_csv(path: &Path) {
    let text = std::fs::read_to_string(path).expect("a report file");
    for line in text.lines() {
        for cell in line.split(',') {
            let number = cell.parse::<f64>();
            assert!(
                number.is_err() || number.is_ok_and(f64::is_finite),
                "{}: {line}",
                path.display()
            );
        }
    }
}

/// The summary of a finished run, with the numbers every run has checked finite and its max
/// drawdown never below −100%.
fn finite_summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    let summary: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_numbers(
        &summary,
        &[
            "/final_equity",
            "/metrics/total_return",
            "/metrics/max_drawdown",
            "/metrics/turnover",
            "/metrics/costs",
            "/benchmark/final_equity",
            "/benchmark/metrics/total_return",
            "/benchmark/metrics/max_drawdown",
        ],
    );
    for drawdown in ["/metrics/max_drawdown", "/benchmark/metrics/max_drawdown"] {
        let depth = summary
            .pointer(drawdown)
            .and_then(serde_json::Value::as_f64);
        assert!(
            depth.is_some_and(|d| (-1.0..=0.0).contains(&d)),
            "{drawdown}: {depth:?}"
        );
    }
    for file in ["equity.csv", "fills.csv", "trades.csv"] {
        assert_finite_csv(&out.join(file));
    }
    summary
}

#[test]
fn prices_of_1e_minus_308_stop_the_run_naming_the_date_and_symbol() {
    // Issue 13: 100,000 of cash buys infinitely many units; the report said NaN and null.
    let closes: Vec<f64> = (0..60)
        .map(|i| 1e-308 * (1.0 + f64::from(i) / 100.0))
        .collect();
    let data = dataset(&[("AAA.csv", csv(&closes, None))]);
    let out = tempfile::tempdir().expect("a directory");
    let output = backtest(data.path(), out.path(), &["--strategy", "buy-and-hold"]);
    refused(
        &output,
        &["2020-01-02: buying AAA at 1.01e-308 would trade inf units"],
    );
    assert!(!out.path().join("summary.json").exists(), "no report");
}

#[test]
fn one_tick_of_1e308_stops_the_run_naming_its_date_and_symbol() {
    // Issue 13: the position is worth 990 × 1e308 = inf at that close; equity.csv said inf.
    let mut closes = rising();
    closes[30] = 1e308;
    let data = dataset(&[("AAA.csv", csv(&closes, None))]);
    let out = tempfile::tempdir().expect("a directory");
    let output = backtest(data.path(), out.path(), &["--strategy", "buy-and-hold"]);
    refused(
        &output,
        &["2020-01-31: equity inf", "of AAA at its close 1e308"],
    );
}

#[test]
fn a_benchmark_tick_of_1e308_stops_the_run_naming_its_date_and_symbol() {
    let mut closes = rising();
    closes[30] = 1e308;
    let data = dataset(&[
        ("AAA.csv", csv(&closes, None)),
        ("BBB.csv", csv(&rising(), None)),
    ]);
    let out = tempfile::tempdir().expect("a directory");
    let args = [
        "--strategy",
        "buy-and-hold",
        "--symbols",
        "BBB",
        "--benchmark",
        "AAA",
    ];
    let output = backtest(data.path(), out.path(), &args);
    refused(
        &output,
        &["2020-01-31: the benchmark's buy and hold of AAA is worth inf at its close 1e308"],
    );
}

#[test]
fn one_tick_of_1e_minus_308_gives_a_finite_result() {
    // The position falls to almost nothing and comes back: a return of 1e310 that day, which
    // no statistic may publish as inf or NaN.
    let mut closes = rising();
    closes[30] = 1e-308;
    let data = dataset(&[("AAA.csv", csv(&closes, None))]);
    let out = tempfile::tempdir().expect("a directory");
    let output = backtest(data.path(), out.path(), &["--strategy", "buy-and-hold"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    finite_summary(out.path());
    let markdown = std::fs::read_to_string(out.path().join("summary.md")).expect("summary.md");
    for text in [
        String::from_utf8_lossy(&output.stdout).into_owned(),
        markdown,
    ] {
        // The table used to say "Annual volatility NaN%" and "Sortino inf".
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
}

#[test]
fn an_adjusted_price_that_underflows_to_zero_is_refused_with_its_file_and_line() {
    // Issue 13: Close 1e300 with Adj Close 1e-300 scales the bar's prices to 0, which the raw
    // path refuses and the adjusted path traded.
    let mut closes = rising();
    let mut adjusted = closes.clone();
    closes[30] = 1e300;
    adjusted[30] = 1e-300;
    let data = dataset(&[("AAA.csv", csv(&closes, Some(&adjusted)))]);
    let out = tempfile::tempdir().expect("a directory");
    let output = backtest(data.path(), out.path(), &["--strategy", "buy-and-hold"]);
    let file = data.path().join("AAA.csv");
    refused(
        &output,
        &[
            &format!("{}:32: ", file.display()),
            "Adj Close 1e-300 over Close 1e300 gives an adjusted price of 0 (column 6)",
        ],
    );
}

/// SLV wiggling round 100, then a cubic rally (the parabola the strategy shorts), then a
/// runaway rally of 25% a day that a short cannot survive.
fn runaway_slv() -> String {
    let mut close: Vec<f64> = (0..60)
        .map(|t| 100.0 * (1.0 + 0.03 * (1.7 * f64::from(t)).sin()))
        .collect();
    let base = close[59];
    close.extend((1..40).map(|j| base * (1.0 + (f64::from(j) / 30.0).powi(3))));
    for _ in 0..30 {
        close.push(close[close.len() - 1] * 1.25);
    }
    csv(&close, None)
}

#[test]
fn a_runaway_short_ends_the_run_as_ruined_with_every_number_finite() {
    // Issue 13: equity of −199 million, a max drawdown of −187,441%, the cover capped by cash.
    let data = dataset(&[("SLV.csv", runaway_slv())]);
    let out = tempfile::tempdir().expect("a directory");
    let output = backtest(
        data.path(),
        out.path(),
        &[
            "--strategy",
            "parabolic-reversion",
            "--param",
            "mode=short",
            "--param",
            "hold_days=120",
            "--param",
            "window=10",
            "--param",
            "history=40",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = finite_summary(out.path());
    let ruined_on = summary["ruined_on"]
        .as_str()
        .expect("ruined_on")
        .to_string();
    assert_eq!(summary["final_equity"], 0.0);
    assert_eq!(summary["metrics"]["max_drawdown"], -1.0);
    assert_numbers(&summary, &["/shortfall"]);
    assert!(
        stdout.contains(&format!("RUINED     on {ruined_on}")),
        "{stdout}"
    );
    let markdown = std::fs::read_to_string(out.path().join("summary.md")).expect("summary.md");
    assert!(
        markdown.contains(&format!("- **RUINED**: on {ruined_on}")),
        "{markdown}"
    );
    let fills = std::fs::read_to_string(out.path().join("fills.csv")).expect("fills.csv");
    let last = fills.lines().last().expect("a fill");
    assert!(
        last.starts_with(&format!("{ruined_on},SLV,buy,")),
        "the cover: {last}"
    );
    assert!(
        fills.lines().skip(1).all(|l| l[..10] <= *ruined_on),
        "{fills}"
    );
    let equity = std::fs::read_to_string(out.path().join("equity.csv")).expect("equity.csv");
    for line in equity.lines().skip(1) {
        let cells: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|c| c.parse().expect("a number"))
            .collect();
        assert!(cells[0] >= 0.0, "equity never below zero: {line}");
        if line[..10] >= *ruined_on {
            assert_eq!(cells, [0.0, 0.0, 0.0], "nothing after the ruin: {line}");
        }
    }
    // Before the ruin, the short's weight reads about -1, not +1.
    let weights = equity
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next()?.parse::<f64>().ok());
    assert!(weights.clone().any(|w| (w + 1.0).abs() < 1e-9), "{equity}");
    assert!(weights.clone().all(|w| w <= 1.0 + 1e-9), "{equity}");
}

#[test]
fn a_bootstrap_over_an_enormous_jump_reports_no_nan_and_counts_failed_and_ruined_paths() {
    // Issue 13: robustness printed NaN% percentiles while counting 0 undefined paths. Paths
    // drawing the ×1e298 move twice overflow (refused runs), the ÷1e298 move twice ruin.
    let mut closes: Vec<f64> = (0..200)
        .map(|i| 100.0 * (1.0 + 0.01 * f64::from(i).sin()))
        .collect();
    closes[100] = 1e300;
    let data = dataset(&[("AAA.csv", csv(&closes, None))]);
    let out = tempfile::tempdir().expect("a directory");
    let args = [
        "robustness",
        "--strategy",
        "buy-and-hold",
        "--bootstrap",
        "100",
        "--block",
        "1",
    ];
    let output = backtest(data.path(), out.path(), &args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = stdout.lines().filter(|l| l.starts_with('|'));
    assert!(table.clone().count() > 3, "{stdout}");
    assert!(
        table
            .clone()
            .all(|l| !l.contains("NaN") && !l.contains("inf")),
        "{stdout}"
    );
    assert!(
        stdout.contains("paths ruined: equity reached zero"),
        "{stdout}"
    );
    assert!(stdout.contains("paths could not be computed"), "{stdout}");
    let csv = std::fs::read_to_string(out.path().join("robustness.csv")).expect("csv");
    assert_finite_csv(&out.path().join("robustness.csv"));
    assert_eq!(csv.lines().count(), 101, "one row per path");
}

#[test]
fn a_starting_cash_of_1e308_ends_in_an_error_or_in_finite_numbers() {
    // Issue 13: `--cash 1e308` (the library takes any cash) gave inf equity and a null
    // final equity.
    // Rising 5% a day: 1e308 of it overflows the largest float within the 60 bars.
    let closes: Vec<f64> = (0..60).map(|i| 100.0 * 1.05f64.powi(i)).collect();
    let data = dataset(&[("AAA.csv", csv(&closes, None))]);
    for strategy in ["buy-and-hold", "sma-cross"] {
        let mut request = RunRequest::new(strategy, data.path().to_path_buf());
        request.engine.cash = 1e308;
        match execute(&request) {
            Err(e) => {
                assert_eq!(e.exit_code(), 2, "{e}");
                assert!(
                    e.to_string().contains("beyond what the engine can compute"),
                    "{e}"
                );
            }
            Ok(report) => {
                let json = serde_json::to_value(&report.summary).expect("JSON");
                assert_numbers(&json, &["/final_equity", "/metrics/total_return"]);
                assert!(report.run.equity.iter().all(|e| e.is_finite()));
            }
        }
    }
}
