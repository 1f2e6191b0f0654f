//! The data policies of issue 15 on small files written here: the benchmark never changes a
//! run's dates, defects count only the bars a run uses, `null` rows are dropped and counted,
//! ISO dates read whatever `--date-format` says, time stamps shifted to UTC read as the
//! exchange's date with `--timezone`, and weekend bars are counted.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use backtest::Date;
use backtest::data::{DefectKind, LoadOptions, load_bars};
use backtest::run::{RunRequest, execute};
use chrono::{Datelike as _, Weekday};

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// Weekdays from `first` to `last`.
fn weekdays(first: &str, last: &str) -> Vec<Date> {
    day(first)
        .iter_days()
        .take_while(|d| *d <= day(last))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

/// A daily file on `dates` whose close drifts up from `start`, with a jump of +80% on the
/// bar `jump_at` (if any), written to `dir/<symbol>.csv`.
fn write_file(dir: &Path, symbol: &str, dates: &[Date], start: f64, jump_at: Option<usize>) {
    let mut csv = String::from("Date,Open,High,Low,Close,Volume\n");
    let mut close = start;
    for (i, date) in dates.iter().enumerate() {
        close *= if jump_at == Some(i) { 1.8 } else { 1.001 };
        let _ = writeln!(
            csv,
            "{date},{close},{},{},{close},1000",
            close * 1.01,
            close * 0.99
        );
    }
    std::fs::write(dir.join(format!("{symbol}.csv")), csv).unwrap();
}

fn run(
    data: &Path,
    symbols: &[&str],
    benchmark: Option<&str>,
) -> backtest::Result<backtest::run::RunReport> {
    execute(&RunRequest {
        symbols: symbols.iter().map(|s| (*s).to_string()).collect(),
        benchmark: benchmark.map(str::to_string),
        ..RunRequest::new("buy-and-hold", data.to_path_buf())
    })
}

#[test]
fn the_default_benchmark_never_shortens_a_longer_history() {
    let dir = tempfile::tempdir().unwrap();
    let long = weekdays("1990-01-01", "2000-12-29");
    write_file(dir.path(), "GSPC", &long, 300.0, None);
    write_file(
        dir.path(),
        "SPY",
        &weekdays("1995-01-02", "2000-12-29"),
        50.0,
        None,
    );
    let report = run(dir.path(), &["GSPC"], None).expect("runs");
    assert_eq!(report.universe.dates, long, "every bar of GSPC");
    assert_eq!(report.summary.benchmark.symbol, "GSPC");
    let note = report.summary.benchmark.note.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("SPY has bars from 1995-01-02 to 2000-12-29 only, and the run spans 1990-01-01 to 2000-12-29"),
        "{note}"
    );
    // Named, a benchmark that does not cover the run is refused rather than obeyed.
    let error = run(dir.path(), &["GSPC"], Some("SPY")).expect_err("refused");
    assert_eq!(error.exit_code(), 2);
    assert!(
        error
            .to_string()
            .contains("a benchmark never shortens a run"),
        "{error}"
    );
    // With --from inside SPY's history, SPY is the benchmark again.
    let from = execute(&RunRequest {
        symbols: vec!["GSPC".into()],
        load: LoadOptions {
            from: Some(day("1996-01-01")),
            ..LoadOptions::default()
        },
        ..RunRequest::new("buy-and-hold", dir.path().to_path_buf())
    })
    .expect("runs");
    assert_eq!(from.summary.benchmark.symbol, "SPY");
    assert!(from.summary.benchmark.note.is_none());
}

#[test]
fn a_benchmark_with_other_days_is_laid_on_the_strategys_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let gold = weekdays("2020-01-01", "2020-12-31");
    // GLD lacks 2020-03-02; SPY has every weekday and two Saturdays of its own.
    let traded: Vec<Date> = gold
        .iter()
        .copied()
        .filter(|d| *d != day("2020-03-02"))
        .collect();
    write_file(dir.path(), "GLD", &traded, 140.0, None);
    let mut spy = weekdays("2019-06-03", "2021-01-29");
    spy.extend([day("2020-05-02"), day("2020-05-09")]);
    spy.sort_unstable();
    write_file(dir.path(), "SPY", &spy, 300.0, None);
    let report = run(dir.path(), &["GLD"], None).expect("runs");
    assert_eq!(
        report.universe.dates, traded,
        "GLD's own dates, SPY's extra days left out"
    );
    assert_eq!(report.summary.benchmark.symbol, "SPY");
    let spy_file = report.files.iter().find(|f| f.symbol == "SPY").unwrap();
    assert_eq!(
        (spy_file.first_date, spy_file.last_date),
        (traded[0], traded[traded.len() - 1]),
        "SPY's report covers the run's bars alone"
    );
    assert_eq!(
        spy_file.count(DefectKind::WeekendBar),
        2,
        "its Saturdays inside the run"
    );
}

#[test]
fn defects_count_only_the_bars_a_run_uses() {
    let dir = tempfile::tempdir().unwrap();
    let long = weekdays("2010-01-01", "2015-12-31");
    // GLD jumps in 2011, before GDX begins: a run of both does not use that bar.
    write_file(dir.path(), "GLD", &long, 100.0, Some(300));
    write_file(
        dir.path(),
        "GDX",
        &weekdays("2013-01-01", "2015-12-31"),
        20.0,
        None,
    );
    let alone = run(dir.path(), &["GLD"], None).expect("runs");
    assert_eq!(alone.files[0].count(DefectKind::Jump), 1);
    let both = run(dir.path(), &["GLD", "GDX"], None).expect("runs");
    let gold = &both.files[0];
    assert_eq!(gold.count(DefectKind::Jump), 0, "{:?}", gold.defects);
    assert_eq!(gold.rows, both.universe.len());
    assert_eq!(gold.first_date, day("2013-01-01"));
    assert!(!both.summary.dataset.defects["GLD"].contains_key("jump"));
    // `data check` says what such a run cuts.
    let output = common::backtest()
        .args(["data", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let cut = weekdays("2010-01-01", "2012-12-31").len();
    assert!(
        stdout.contains(&format!(
            "a run of all 2 symbols together spans 2013-01-01 → 2015-12-31 (the first date of \
             GDX, the last of every file) and leaves out: GLD {cut} rows"
        )),
        "{stdout}"
    );
}

#[test]
fn iso_files_read_whatever_the_date_format_and_others_follow_it() {
    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("ISO.csv");
    std::fs::write(&iso, "Date,Close\n2024-01-02,10\n2024-01-03,11\n").unwrap();
    let dayfirst = dir.path().join("DMY.csv");
    std::fs::write(&dayfirst, "Date,Close\n02/01/2024,10\n03/01/2024,11\n").unwrap();
    let options = LoadOptions {
        date_format: Some("%d/%m/%Y".into()),
        ..LoadOptions::default()
    };
    let (a, _) = load_bars(&iso, "ISO", &options).expect("ISO reads");
    let (b, _) = load_bars(&dayfirst, "DMY", &options).expect("day-first reads");
    assert_eq!(a.dates, b.dates);
    assert_eq!(a.dates, [day("2024-01-02"), day("2024-01-03")]);
    // A file's first date fixes its style: an ISO file with a day-first row is refused.
    let mixed = dir.path().join("MIX.csv");
    std::fs::write(&mixed, "Date,Close\n2024-01-02,10\n03/01/2024,11\n").unwrap();
    let error = load_bars(&mixed, "MIX", &options).unwrap_err().to_string();
    assert!(
        error
            .contains(":3: date \"03/01/2024\" in column 1 is not written like the date on line 2"),
        "{error}"
    );
}

#[test]
fn utc_time_stamps_read_as_the_exchange_date_with_a_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SAP.DE.csv");
    // Berlin midnights written in UTC: 22:00 the day before in summer, 23:00 in winter.
    let mut csv = String::from("Date,Open,High,Low,Close,Volume\n");
    let berlin = weekdays("2015-03-02", "2015-04-30");
    for (i, date) in berlin.iter().enumerate() {
        let before = date.pred_opt().unwrap();
        let hour = if *date >= day("2015-03-30") { 22 } else { 23 };
        let price = 50.0 + i as f64;
        let _ = writeln!(
            csv,
            "{before} {hour}:00:00+00:00,{price},{price},{price},{price},10"
        );
    }
    std::fs::write(&path, csv).unwrap();
    let (as_written, report) = load_bars(&path, "SAP.DE", &LoadOptions::default()).unwrap();
    let mondays = berlin
        .iter()
        .filter(|d| d.weekday() == Weekday::Mon)
        .count();
    assert_eq!(
        report.count(DefectKind::WeekendBar),
        mondays,
        "every Monday read as a Sunday"
    );
    assert_eq!(as_written.dates[0], day("2015-03-01"));
    let zoned = LoadOptions {
        timezone: Some("Europe/Berlin".parse().unwrap()),
        ..LoadOptions::default()
    };
    let (bars, report) = load_bars(&path, "SAP.DE", &zoned).unwrap();
    assert_eq!(bars.dates, berlin);
    assert_eq!(report.count(DefectKind::WeekendBar), 0);
}

#[test]
fn null_rows_are_dropped_counted_and_each_listed_by_data_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("GLD.csv");
    std::fs::write(
        &path,
        "Date,Open,High,Low,Close,Adj Close,Volume\n\
         2024-12-23,10,11,9,10.5,10.5,100\n\
         2024-12-24,10,11,9,10.5,10.5,100\n\
         2024-12-25,null,null,null,null,null,null\n\
         2024-12-26,10,11,9,10.5,10.5,100\n\
         2025-01-01,null,null,null,null,null,null\n\
         2025-01-02,10,11,9,10.5,10.5,100\n",
    )
    .unwrap();
    let (bars, report) = load_bars(&path, "GLD", &LoadOptions::default()).unwrap();
    assert_eq!(bars.len(), 4);
    assert_eq!(report.count(DefectKind::NullRows), 2);
    let output = common::backtest()
        .args(["data", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("null_rows                2  first at line 4: 2024-12-25: no values"),
        "{stdout}"
    );
    assert!(stdout.contains("at lines 4, 6"), "{stdout}");
}
