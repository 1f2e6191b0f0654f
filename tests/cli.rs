//! The binary as a user runs it: commands, report files, exit codes and error messages.

mod common;

use std::path::Path;

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The report files that are text, and so must be byte-identical between identical runs.
const TEXT_FILES: [&str; 5] = [
    "summary.json",
    "summary.md",
    "equity.csv",
    "fills.csv",
    "trades.csv",
];

#[test]
fn a_run_on_the_sample_writes_every_report_file_and_says_the_data_is_synthetic() {
    let out = tempfile::tempdir().unwrap();
    let output = common::backtest()
        .args(["--strategy", "sma-cross", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("SYNTHETIC"), "{stdout}");
    assert!(stdout.contains("Sharpe"), "{stdout}");
    for file in TEXT_FILES.iter().chain(&["equity.png", "drawdown.png"]) {
        let path = out.path().join(file);
        assert!(path.is_file(), "{file} written");
        assert!(
            std::fs::metadata(&path).unwrap().len() > 100,
            "{file} has content"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["schema_version"], 2);
    assert_eq!(summary["strategy"], "sma-cross");
    assert_eq!(summary["params"]["fast"], 20);
    assert_eq!(summary["dataset"]["synthetic"], true);
    assert_eq!(summary["options"]["fill"], "next-open");
    assert_eq!(
        summary["options"]["benchmark"], "SPY",
        "the sample's first symbol"
    );
    for key in [
        "total_return",
        "cagr",
        "cagr_calendar",
        "annual_volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "max_drawdown_days",
        "calmar",
        "exposure",
        "trades",
        "win_rate",
        "profit_factor",
        "turnover",
        "costs",
    ] {
        assert!(summary["metrics"].get(key).is_some(), "metrics.{key}");
    }
    let left = out.path().read_dir().unwrap().filter_map(Result::ok);
    let partial: Vec<_> = left
        .filter(|e| e.file_name().to_string_lossy().starts_with(".partial"))
        .collect();
    assert!(partial.is_empty(), "no temporary file left behind");
}

#[test]
fn the_same_run_twice_gives_byte_identical_json_and_csv() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        common::backtest()
            .args([
                "run",
                "--strategy",
                "sma-cross",
                "--commission-bps",
                "5",
                "--no-charts",
            ])
            .arg("--out")
            .arg(dir.path())
            .assert()
            .success();
    }
    for file in TEXT_FILES {
        let read = |dir: &Path| std::fs::read(dir.join(file)).unwrap();
        assert_eq!(
            read(a.path()),
            read(b.path()),
            "{file} differs between runs"
        );
    }
}

#[test]
fn equity_csv_weights_and_cash_add_up_to_equity_on_every_bar() {
    let out = tempfile::tempdir().unwrap();
    common::backtest()
        .args([
            "--strategy",
            "buy-and-hold",
            "--symbols",
            "GLD,SLV,GDX",
            "--no-charts",
        ])
        .args(["--commission-bps", "10", "--whole-units", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("equity.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("date,equity,cash,GLD,SLV,GDX"));
    let mut bars = 0;
    for line in lines {
        let v: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        let invested: f64 = v[2..].iter().sum::<f64>() * v[0];
        assert!((v[1] + invested - v[0]).abs() < 1e-6 * v[0], "{line}");
        bars += 1;
    }
    assert_eq!(bars, 6522);
    let fills = std::fs::read_to_string(out.path().join("fills.csv")).unwrap();
    assert_eq!(
        fills.lines().next(),
        Some("date,symbol,side,units,price,value,cost,kind")
    );
    assert_eq!(fills.lines().count(), 4, "three buys on the second bar");
    assert!(
        fills
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("2000-01-04,GLD,buy,")
    );
}

/// Runs `data check` and a `run` on one bad file; both must exit 2 with one line that names
/// the file, the line and the problem.
fn refuses(fixture: &str, expected: &str) {
    let path = format!("tests/fixtures/bad/{fixture}");
    let output = common::backtest()
        .args(["--strategy", "buy-and-hold", "--no-charts", "--data", &path])
        .arg("--out")
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{fixture}");
    let stderr = stderr_of(&output);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(&path), "names the file: {stderr}");
    assert!(stderr.contains(expected), "says {expected:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let check = common::backtest()
        .args(["data", "check", &path])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2), "data check {fixture}");
    assert!(String::from_utf8_lossy(&check.stdout).contains(expected));
}

#[test]
fn a_missing_close_column_is_refused() {
    refuses("missing_close.csv", "no Close column");
}

#[test]
fn a_non_numeric_price_is_refused_with_its_line() {
    refuses("non_numeric_close.csv", ":3: Close \"abc\" is not a number");
}

#[test]
fn an_empty_file_is_refused() {
    refuses("empty.csv", "empty file");
}

#[test]
fn a_header_without_rows_is_refused() {
    refuses("header_only.csv", "header only");
}

#[test]
fn a_date_written_twice_with_different_prices_is_refused() {
    refuses(
        "duplicate_date.csv",
        ":4: date 2024-01-03 also on line 3 with different prices",
    );
}

#[test]
fn a_negative_price_is_refused() {
    refuses(
        "negative_close.csv",
        ":2: Close -10.5 is not a positive price",
    );
}

#[test]
fn a_day_first_date_needs_the_date_format_option() {
    refuses("day_first_date.csv", "pass --date-format");
    let output = common::backtest()
        .args(["data", "check", "tests/fixtures/bad/day_first_date.csv"])
        .args(["--date-format", "%d/%m/%Y"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("2024-01-02 → 2024-01-02"));
}

#[test]
fn unknown_strategies_and_parameters_are_errors_that_list_the_valid_ones() {
    let output = common::backtest()
        .args(["--strategy", "nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("registered: buy-and-hold, sma-cross"));
    let output = common::backtest()
        .args(["--strategy", "sma-cross", "--param", "speed=3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("no parameter \"speed\""), "{stderr}");
    assert!(stderr.contains("fast (default 20"), "{stderr}");
    let output = common::backtest()
        .args(["--strategy", "sma-cross", "--param", "slow=10"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("slow = \"10\" is not more than fast (20)"));
}

#[test]
fn a_symbol_missing_from_the_dataset_is_named_with_the_ones_there() {
    let output = common::backtest()
        .args(["--strategy", "buy-and-hold", "--symbols", "GLD,NOPE"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("symbol NOPE is not in the dataset data"),
        "{stderr}"
    );
    assert!(stderr.contains("SPY, GLD, SLV"), "{stderr}");
}

#[test]
fn list_shows_every_strategy_with_parameters_and_defaults() {
    let output = common::backtest().arg("list").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for spec in backtest::strategies::REGISTRY {
        assert!(stdout.contains(spec.name), "{stdout}");
        for p in spec.params {
            assert!(
                stdout.contains(&format!("{}={}", p.name, p.default)),
                "{stdout}"
            );
        }
    }
}

#[test]
fn data_check_reports_real_defects_with_their_policy() {
    let Some(dir) = common::market_data("data check on real files") else {
        return;
    };
    let output = common::backtest()
        .args(["data", "check"])
        .arg(dir.join("futures-etf-ohlcv"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let defects_of = |file: &str| -> Vec<String> {
        stdout
            .lines()
            .skip_while(|l| !l.contains(file))
            .skip(1)
            .take_while(|l| !l.starts_with("ok "))
            .map(str::to_string)
            .collect()
    };
    let gold = defects_of("GC=F.csv");
    let line = |key: &str| gold.iter().find(|l| l.contains(key)).cloned();
    assert!(
        line("ohlc_outside_range").is_some_and(|l| l.contains(" 442 ")),
        "{gold:?}"
    );
    // The feed's one Sunday bar, and the flat zero-volume bars that repeat the close before
    // them (holiday placeholders) counted apart from the other flat bars.
    assert!(
        line("weekend_bar").is_some_and(|l| l.contains("2025-07-13 is a Sun")),
        "{gold:?}"
    );
    assert!(
        line("holiday_placeholder").is_some_and(|l| l.contains(" 7 ")),
        "{gold:?}"
    );
    assert!(
        line("flat_zero_volume").is_some_and(|l| l.contains(" 319 ")),
        "{gold:?}"
    );
    let output = common::backtest()
        .args(["data", "check"])
        .arg(dir.join("close-adjusted-long"))
        .output()
        .unwrap();
    // ^IRX yielded below zero (-0.028% on its line 10926): it loads as a rate, not a price.
    assert_eq!(output.status.code(), Some(0), "^IRX loads as a yield");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "^IRX.csv: 12525 rows, 1976-08-03 → 2026-08-03, close only, a yield in percent"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("49 files, 49 loaded, 0 refused"));
}

#[test]
fn every_real_folder_loads_or_is_refused_with_a_reason() {
    let Some(dir) = common::market_data("every real file loads") else {
        return;
    };
    let folders = [
        "etf-ohlcv-raw",
        "futures-etf-ohlcv",
        "etf-ohlcv-2021-2026",
        "miners-ohlcv-2000-2024",
        "close-adjusted-long",
    ];
    for folder in folders {
        let output = common::backtest()
            .args(["data", "check"])
            .arg(dir.join(folder))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        for line in stdout.lines().filter(|l| !l.starts_with(' ')) {
            assert!(
                line.starts_with("ok ")
                    || line.starts_with("REFUSED ")
                    || line.contains(" files, ")
                    || line.starts_with("a run of all "),
                "{folder}: {line}"
            );
        }
        assert!(!stderr_of(&output).contains("panicked"), "{folder}");
    }
}
