//! The CSV loader against broken, hostile and vendor-formatted input (issue #6).
//!
//! - `tests/fixtures/bad/`: one file per defect; each test asserts the exact message from the
//!   library and, through the binary, exit code 2 with that one line on stderr (`run`) and in
//!   the `data check` listing. Files that load (BOM, CRLF, quotes, ...) must give the same bars
//!   as `plain.csv`, which holds the same numbers written plainly.
//! - `tests/fixtures/vendors/`: small hand-made files in each vendor's layout, checked value
//!   by value.
//! - Generated here, not committed: rows and cells several megabytes long, unreadable paths.
//! - A proptest fuzz of random bytes, mutated vendor files and random CSV grammar: no panic,
//!   every error one short line with exit code 2, every success a valid series. It runs 3 × 1000
//!   cases with a fixed seed; `PROPTEST_CASES=100000 PROPTEST_RNG_SEED=<n> cargo test --test
//!   loader fuzz` runs a longer or different search.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backtest::data::{Bars, Dataset, DefectKind, FileReport, LoadOptions, Position, load_bars};
use backtest::{Date, Error};

fn fixture(name: &str) -> PathBuf {
    common::root().join("tests/fixtures").join(name)
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn dated(format: &str) -> LoadOptions {
    LoadOptions {
        date_format: Some(format.to_string()),
        ..LoadOptions::default()
    }
}

fn load(name: &str) -> (Bars, FileReport) {
    load_with(name, &LoadOptions::default())
}

fn load_with(name: &str, options: &LoadOptions) -> (Bars, FileReport) {
    load_bars(&fixture(name), "X", options).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn error_of(path: &Path, options: &LoadOptions) -> Error {
    match load_bars(path, "X", options) {
        Ok((bars, _)) => panic!("{} loaded {} bars", path.display(), bars.len()),
        Err(e) => e,
    }
}

/// The binary refuses `path` (as passed on the command line) with exit code 2 and exactly
/// `message` (which starts with the path) as one line: in `run` on stderr, in `data check`
/// as the file's `REFUSED` line.
fn binary_refuses(path: &str, args: &[&str], message: &str) {
    let out = tempfile::tempdir().unwrap();
    let output = common::backtest()
        .args(["--strategy", "buy-and-hold", "--no-charts", "--data", path])
        .args(args)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{path}: {stderr}");
    assert_eq!(stderr, format!("error: {message}\n"), "{path}");
    let check = common::backtest()
        .args(["data", "check", path])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2), "data check {path}");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.lines().any(|l| l == format!("REFUSED {message}")),
        "{stdout}"
    );
}

/// `tests/fixtures/bad/{name}` is refused with `problem` (what follows the file name: `:3: ...`
/// or `: ...`), by the library and by the binary.
fn refused(name: &str, problem: &str) {
    refused_with(name, None, problem);
}

fn refused_with(name: &str, date_format: Option<&str>, problem: &str) {
    let options = LoadOptions {
        date_format: date_format.map(str::to_string),
        ..LoadOptions::default()
    };
    let path = fixture(&format!("bad/{name}"));
    let error = error_of(&path, &options);
    assert_eq!(error.exit_code(), 2, "{name}");
    assert_eq!(
        error.to_string(),
        format!("{}{problem}", path.display()),
        "{name}"
    );
    let relative = format!("tests/fixtures/bad/{name}");
    let args: Vec<&str> = date_format.map_or(vec![], |f| vec!["--date-format", f]);
    binary_refuses(&relative, &args, &format!("{relative}{problem}"));
}

/// `tests/fixtures/bad/{name}` loads to exactly the bars of `plain.csv`.
fn same_as_plain(name: &str) -> FileReport {
    let (plain, _) = load("bad/plain.csv");
    let (bars, report) = load(&format!("bad/{name}"));
    assert_eq!(bars, plain, "{name}");
    report
}

// ---------------------------------------------------------------------------------------------
// Inputs that load as is.

#[test]
fn plain_reference_file_holds_the_expected_numbers() {
    let (bars, report) = load("bad/plain.csv");
    assert_eq!(
        bars.dates,
        [day("2024-01-02"), day("2024-01-03"), day("2024-01-04")]
    );
    assert_eq!(bars.open, [1234.5, 1238.75, 1244.0]);
    assert_eq!(bars.high, [1240.0, 1245.5, 1250.0]);
    assert_eq!(bars.low, [1230.25, 1235.0, 1241.5]);
    assert_eq!(bars.close, [1238.75, 1244.0, 1248.25]);
    assert_eq!(bars.volume.as_deref(), Some(&[1500.0, 1700.0, 1600.0][..]));
    assert!(report.defects.is_empty(), "{:?}", report.defects);
}

#[test]
fn a_utf8_byte_order_mark_loads_as_is() {
    assert!(same_as_plain("bom.csv").defects.is_empty());
}

#[test]
fn crlf_line_ends_load_as_is() {
    assert!(same_as_plain("crlf.csv").defects.is_empty());
}

#[test]
fn quoted_cells_and_names_load_as_is() {
    assert!(same_as_plain("quoted.csv").defects.is_empty());
}

#[test]
fn quoted_numbers_with_thousands_separators_load() {
    assert!(same_as_plain("thousands.csv").defects.is_empty());
}

#[test]
fn trailing_blank_and_empty_cell_lines_are_skipped() {
    assert!(same_as_plain("trailing_blank.csv").defects.is_empty());
}

#[test]
fn extra_columns_with_other_or_empty_names_are_ignored() {
    assert!(same_as_plain("extra_columns.csv").defects.is_empty());
}

#[test]
fn semicolon_separated_files_read_decimal_commas() {
    assert!(same_as_plain("semicolon.csv").defects.is_empty());
}

#[test]
fn unsorted_rows_are_sorted_and_counted() {
    let report = same_as_plain("unsorted.csv");
    assert_eq!(report.count(DefectKind::UnsortedRows), 1);
}

// ---------------------------------------------------------------------------------------------
// Inputs that are refused, each with its exact message.

#[test]
fn an_empty_file_is_refused() {
    refused(
        "empty.csv",
        ": empty file: expected a header line and one row per day",
    );
}

#[test]
fn a_header_without_rows_is_refused() {
    refused(
        "header_only.csv",
        ": header only: the file has no data rows",
    );
}

#[test]
fn a_missing_close_column_is_refused_with_the_names_found() {
    refused(
        "missing_close.csv",
        ": no Close column (found \"Date\", \"Open\", \"High\", \"Low\", \"Volume\"): expected \
         Date, Open, High, Low, Close[, Adj Close, Volume]; a close may be named Close, Price or Last",
    );
}

#[test]
fn a_missing_date_column_is_refused_with_the_names_found() {
    refused(
        "missing_date.csv",
        ": no date column (found \"Open\", \"High\", \"Low\", \"Close\", \"Volume\"): expected \
         Date, Open, High, Low, Close[, Adj Close, Volume]; a date may be named Date, Datetime or Timestamp",
    );
}

#[test]
fn two_date_columns_are_refused() {
    refused(
        "two_dates.csv",
        ": two date columns (\"Date\" in column 1 and \"Date\" in column 3): keep one",
    );
}

#[test]
fn a_non_numeric_price_is_refused_with_its_line_and_column() {
    refused(
        "non_numeric_close.csv",
        ":3: Close \"abc\" is not a number (column 5): correct the cell or delete the row",
    );
}

#[test]
fn an_empty_price_is_refused() {
    refused(
        "empty_close.csv",
        ":3: Close is empty (column 5): fill the cell or delete the row",
    );
}

#[test]
fn yahoo_null_rows_are_dropped_and_counted() {
    let (bars, report) = load("bad/yahoo_null.csv");
    assert_eq!(bars.dates, [day("2020-04-09")]);
    let nulls = &report.defects[0];
    assert_eq!(nulls.kind, DefectKind::NullRows);
    assert_eq!((nulls.count(), nulls.first().at), (1, Position::Line(3)));
    // A row with some values and not others is no holiday: it is refused.
    let partial = tempfile::tempdir().unwrap();
    let path = partial.path().join("P.csv");
    std::fs::write(
        &path,
        "Date,Open,High,Low,Close,Volume\n2020-04-09,10,11,9,10.5,100\n2020-04-10,10,null,9,10,5\n",
    )
    .unwrap();
    let error = error_of(&path, &LoadOptions::default()).to_string();
    assert!(
        error.ends_with(
            ":3: High \"null\" is not a number (column 3): correct the cell or delete the row"
        ),
        "{error}"
    );
}

#[test]
fn nan_is_refused() {
    refused(
        "nan_close.csv",
        ":2: Close \"NaN\" is not a finite number (column 5): correct the cell or delete the row",
    );
}

#[test]
fn infinity_is_refused() {
    refused(
        "inf_high.csv",
        ":2: High \"inf\" is not a finite number (column 3): correct the cell or delete the row",
    );
}

#[test]
fn a_zero_price_is_refused() {
    refused(
        "zero_close.csv",
        ":3: Close 0 is not a positive price (column 5): correct the cell, delete the row, or \
         cut it off with --from/--to",
    );
}

#[test]
fn a_negative_price_is_refused() {
    refused(
        "negative_close.csv",
        ":2: Close -10.5 is not a positive price (column 5): correct the cell, delete the row, \
         or cut it off with --from/--to",
    );
}

#[test]
fn a_date_twice_with_different_prices_is_refused() {
    refused(
        "duplicate_date.csv",
        ":4: date 2024-01-03 also on line 3 with different prices: keep one row per date",
    );
}

#[test]
fn a_day_first_date_asks_for_the_date_format() {
    refused(
        "day_first_date.csv",
        ":2: date \"02/01/2024\" in column 1 could be day-first or month-first: pass \
         --date-format %d/%m/%Y (day first) or --date-format %m/%d/%Y (month first)",
    );
    let (bars, _) = load_with("bad/day_first_date.csv", &dated("%d/%m/%Y"));
    assert_eq!(bars.dates, [day("2024-01-02")]);
}

#[test]
fn a_file_mixing_date_formats_names_the_line_that_differs() {
    refused(
        "mixed_dates.csv",
        ":4: date \"04/01/2024\" in column 1 is not written like the date on line 2 \
         (\"2024-01-02\", YYYY-MM-DD): write every date of the file one way",
    );
    refused(
        "mixed_styles.csv",
        ":3: date \"Jan 03, 2024\" in column 1 is not written like the date on line 2 \
         (\"2024-01-02\", YYYY-MM-DD): write every date of the file one way",
    );
}

#[test]
fn a_two_digit_year_is_not_read_as_year_24() {
    refused(
        "short_year.csv",
        ":2: date \"02/01/24\" in column 1 could be day-first or month-first: pass \
         --date-format %d/%m/%y (day first) or --date-format %m/%d/%y (month first)",
    );
    refused_with(
        "short_year.csv",
        Some("%d/%m/%Y"),
        ":2: date \"02/01/24\" in column 1 is in the year 24: a two-digit year? Use %y in --date-format",
    );
    let (bars, _) = load_with("bad/short_year.csv", &dated("%d/%m/%y"));
    assert_eq!(bars.dates, [day("2024-01-02")]);
}

#[test]
fn a_decimal_comma_in_a_comma_separated_file_is_refused() {
    refused(
        "comma_decimal.csv",
        ":2: Close \"10,5\" is not a number (column 5): in a comma-separated file a comma may \
         only group thousands (\"1,234.50\"); write decimals with a point",
    );
}

#[test]
fn an_unquoted_thousands_separator_is_refused_not_misread() {
    refused(
        "unquoted_thousands.csv",
        ":3: 3 cells where the header has 2 (\"234.50\" in column 3): an unquoted comma inside \
         a number? Quote the cell (\"1,234.50\") or drop the comma",
    );
}

#[test]
fn dot_grouping_in_a_semicolon_file_is_ambiguous() {
    refused(
        "semicolon_ambiguous.csv",
        ":3: Close \"1.234\" is ambiguous (column 2): in a semicolon-separated file it could be \
         a thousands group or a decimal point; write 1234 or 1,234",
    );
}

#[test]
fn a_row_cut_short_is_refused() {
    refused(
        "truncated.csv",
        ":4: 3 cells where the header has 6, so no Low (column 4): the row is cut short (an \
         interrupted download?); complete it or delete it",
    );
}

#[test]
fn an_unclosed_quote_is_refused_on_its_line() {
    refused(
        "unclosed_quote.csv",
        ":2: column 5: a quote opens the cell and is not closed on this line: quote the whole \
         cell on one line (\"...\")",
    );
}

#[test]
fn non_utf8_bytes_are_refused_with_line_and_offset() {
    refused(
        "non_utf8.csv",
        ":3: byte 0xF4 (byte 31 of the line) is not UTF-8 (a Latin-1 or Windows-1252 export?): \
         save the file as UTF-8",
    );
}

#[test]
fn utf16_text_is_refused() {
    refused(
        "utf16.csv",
        ": is UTF-16 text (Excel's \"Unicode text\"?), not UTF-8: save it as CSV UTF-8",
    );
}

#[test]
fn a_workbook_saved_as_csv_is_refused() {
    refused(
        "workbook.csv",
        ": is a ZIP archive (an Excel .xlsx workbook?), not a CSV: save it as CSV UTF-8",
    );
}

#[test]
fn an_html_error_page_is_refused() {
    refused(
        "html.csv",
        ":1: the file is an HTML page, not a CSV (an error page saved by a failed download?): \
         download the data again",
    );
}

#[test]
fn a_file_without_a_header_line_is_refused() {
    refused(
        "headerless.csv",
        ":1: this line holds data (\"2024-01-02\"), not column names: add a header line such as \
         Date,Open,High,Low,Close,Volume",
    );
}

#[test]
fn intraday_bars_are_refused() {
    refused(
        "intraday.csv",
        ":3: Time \"09:00:00\" is not midnight (column 2): these are intraday bars; export daily \
         (D1) bars",
    );
}

#[test]
fn a_yfinance_file_of_several_tickers_is_not_one_series() {
    // Opened as a dataset it holds GLD and SLV (tests/layouts.rs); read as one symbol's file,
    // it says so.
    let path = fixture("bad/two_tickers.csv");
    let error = error_of(&path, &LoadOptions::default());
    assert_eq!(
        error.to_string(),
        format!(
            "{}: holds 2 series (GLD, SLV): open it as a dataset (--data) and name one with \
             --symbols",
            path.display()
        )
    );
}

#[test]
fn a_yfinance_header_naming_no_ticker_is_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("X.csv");
    std::fs::write(
        &path,
        "Price,Close,Close\nTicker,,\nDate,,\n2024-01-02,1,2\n",
    )
    .unwrap();
    let error = error_of(&path, &LoadOptions::default());
    assert_eq!(
        error.to_string(),
        format!(
            "{}:1: yfinance layout (Price, Ticker lines) naming no ticker above its price \
             columns: save the data again, or with one header line",
            path.display()
        )
    );
}

#[test]
fn a_yfinance_header_without_its_date_line_names_the_line_that_should_be_it() {
    // Found by the fuzz target: blank lines before the line at fault made the message name
    // the first blank line, not the one that should have been the Date line.
    let problem = "yfinance layout (Price, Ticker lines) without the Date line after them: add \
                   the line Date,,,, or save the data with one header line";
    refused(
        "yfinance_blank_before_date_line.csv",
        &format!(":5: {problem}"),
    );
    // A file that ends after the Ticker line: where the Date line belongs.
    refused("yfinance_no_date_line.csv", &format!(":3: {problem}"));
}

// ---------------------------------------------------------------------------------------------
// Generated inputs: huge rows, missing and unreadable paths.

/// Writes `bytes` as `name` in a new temporary directory.
fn written(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Loads `path`, in under `limit` even unoptimized, and returns the error.
fn quick_error(path: &Path, limit: Duration) -> String {
    let start = Instant::now();
    let error = error_of(path, &LoadOptions::default());
    assert!(start.elapsed() < limit, "took {:?}", start.elapsed());
    assert_eq!(error.exit_code(), 2);
    error.to_string()
}

#[test]
fn a_cell_several_megabytes_long_fails_fast_with_a_short_message() {
    let mut text = b"Date,Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10.5,100\n".to_vec();
    text.extend_from_slice(b"2024-01-03,10,11,9,");
    text.extend(std::iter::repeat_n(b'1', 5_000_000));
    text.extend_from_slice(b",100\n");
    let (_dir, path) = written("LONG.csv", &text);
    let message = quick_error(&path, Duration::from_secs(5));
    assert_eq!(
        message,
        format!(
            "{}:3: Close \"1111111111111111111111111111111111111111\"… (5000000 characters) is \
             not a number (column 5): correct the cell or delete the row",
            path.display()
        )
    );
    let shown = path.display().to_string();
    binary_refuses(&shown, &[], &message);
}

#[test]
fn a_row_of_millions_of_cells_fails_fast() {
    let mut text = b"Date,Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10.5,100,".to_vec();
    text.extend(b"x,".repeat(2_000_000));
    let (_dir, path) = written("WIDE.csv", &text);
    let message = quick_error(&path, Duration::from_secs(5));
    assert_eq!(
        message,
        format!(
            "{}:2: 2000007 cells where the header has 6 (\"x\" in column 7): an unquoted comma \
             inside a number? Quote the cell (\"1,234.50\") or drop the comma",
            path.display()
        )
    );
}

#[test]
fn a_header_several_megabytes_long_is_refused_briefly() {
    let mut text = "é".repeat(2_000_000).into_bytes();
    text.extend_from_slice(b"\n2024-01-02\n");
    let (_dir, path) = written("HEAD.csv", &text);
    let message = quick_error(&path, Duration::from_secs(5));
    assert!(message.len() < 400, "{message}");
    assert!(
        message.contains("no date column (found \"éééééééééééééééééééééééééééééééééééééééé\"… (2000000 characters)): expected"),
        "{message}"
    );
}

#[test]
fn a_huge_ignored_cell_still_loads_quickly() {
    let mut text = b"Date,Close,Note\n2024-01-02,10.5,".to_vec();
    text.extend(std::iter::repeat_n(b'n', 5_000_000));
    text.extend_from_slice(b"\n2024-01-03,10.75,short\n");
    let (_dir, path) = written("NOTE.csv", &text);
    let start = Instant::now();
    let (bars, _) = load_bars(&path, "NOTE", &LoadOptions::default()).unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(bars.close, [10.5, 10.75]);
}

#[test]
fn a_directory_without_csv_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not data").unwrap();
    let shown = dir.path().display().to_string();
    let output = common::backtest()
        .args([
            "--strategy",
            "buy-and-hold",
            "--no-charts",
            "--data",
            &shown,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: {shown}: directory holds no .csv or .parquet file: point --data at a folder of one file per symbol, or of files of many\n"
        )
    );
}

#[test]
fn a_symbol_missing_on_disk_is_named_with_the_ones_there() {
    let output = common::backtest()
        .args(["--strategy", "buy-and-hold", "--no-charts"])
        .args([
            "--data",
            "tests/fixtures/vendors/pence",
            "--symbols",
            "RIO,NOPE",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: symbol NOPE is not in the dataset tests/fixtures/vendors/pence; it has: RIO, GLD\n"
    );
}

#[test]
fn a_path_that_is_not_a_readable_file_is_a_data_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("X.csv");
    std::fs::create_dir(&folder).unwrap();
    let error = error_of(&folder, &LoadOptions::default());
    assert_eq!(error.exit_code(), 2);
    assert_eq!(
        error.to_string(),
        format!(
            "{}: is a directory, not a CSV file: name the file, or the directory with --data",
            folder.display()
        )
    );
    let gone = dir.path().join("GONE.csv");
    let error = error_of(&gone, &LoadOptions::default());
    assert_eq!(error.exit_code(), 2);
    assert_eq!(
        error.to_string(),
        format!(
            "{}: cannot be read: No such file or directory (os error 2): check that the file \
             exists and is readable",
            gone.display()
        )
    );
}

#[cfg(unix)]
#[test]
fn a_dangling_link_or_a_folder_named_like_a_csv_is_refused_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("vendors/pence/GLD.csv"), dir.path().join("GLD.csv")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere.csv"), dir.path().join("RIO.csv")).unwrap();
    std::fs::create_dir(dir.path().join("OLD.csv")).unwrap();
    let shown = dir.path().display().to_string();
    let check = common::backtest()
        .args(["data", "check", &shown])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(stdout.contains(&format!(
        "REFUSED {shown}/RIO.csv: cannot be read: No such file or directory (os error 2)"
    )));
    assert!(stdout.contains(&format!(
        "REFUSED {shown}/OLD.csv: is a directory, not a CSV file"
    )));
    assert!(stdout.contains("3 files, 1 loaded, 2 refused"), "{stdout}");
    let output = common::backtest()
        .args([
            "--strategy",
            "buy-and-hold",
            "--no-charts",
            "--data",
            &shown,
        ])
        .args(["--symbols", "GLD,RIO"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("RIO.csv: cannot be read"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Vendor layouts.

/// Checks count, first and last date, close and volume.
fn check_ends(bars: &Bars, rows: usize, first: (&str, f64, f64), last: (&str, f64, f64)) {
    assert_eq!(bars.len(), rows);
    let n = rows - 1;
    let volume = bars.volume.as_deref().expect("volume");
    assert_eq!(
        (bars.dates[0], bars.close[0], volume[0]),
        (day(first.0), first.1, first.2)
    );
    assert_eq!(
        (bars.dates[n], bars.close[n], volume[n]),
        (day(last.0), last.1, last.2)
    );
    assert!(!bars.close_only);
}

#[test]
fn yahoo_downloads_load_with_and_without_adj_close() {
    let (bars, report) = load("vendors/yahoo.csv");
    check_ends(
        &bars,
        6,
        ("2024-01-02", 185.639_999, 82_488_700.0),
        ("2024-01-09", 185.139_999, 42_841_800.0),
    );
    assert!(bars.adj_close.is_none() && !report.has_adj_close);
    let (bars, report) = load("vendors/yahoo_adj.csv");
    check_ends(
        &bars,
        5,
        ("2024-01-02", 185.639_999, 82_488_700.0),
        ("2024-01-08", 185.559_998, 59_144_500.0),
    );
    assert!(report.has_adj_close);
    let adj = bars.adj_close.unwrap();
    assert_eq!((adj[0], adj[4]), (184.734_970, 184.654_861));
}

#[test]
fn stooq_downloads_load() {
    let (bars, _) = load("vendors/stooq.csv");
    check_ends(
        &bars,
        7,
        ("2024-01-02", 190.86, 8_245_386.0),
        ("2024-01-10", 188.79, 4_996_120.0),
    );
    assert_eq!(bars.open[0], 191.26);
    // Stooq's bulk files: <TICKER>,<PER>,<DATE>,<TIME>,... with 20240102 dates.
    let (bulk, _) = load("vendors/stooq_bulk.csv");
    check_ends(
        &bulk,
        5,
        ("2024-01-02", 190.86, 8_245_386.0),
        ("2024-01-08", 188.36, 5_980_223.0),
    );
    assert_eq!(bulk.close[..], bars.close[..5]);
}

#[test]
fn yfinance_time_zone_suffixed_timestamps_keep_their_calendar_date() {
    let (bars, _) = load("vendors/yfinance_tz.csv");
    check_ends(
        &bars,
        5,
        ("2024-03-07", 200.17, 11_209_800.0),
        ("2024-03-13", 199.66, 6_898_500.0),
    );
    assert_eq!(bars.dates[2], day("2024-03-11"), "across the DST change");
}

#[test]
fn yfinance_multi_level_headers_load_for_one_ticker() {
    let (bars, report) = load("vendors/yfinance_multi.csv");
    check_ends(
        &bars,
        5,
        ("2024-01-02", 190.86, 8_245_386.0),
        ("2024-01-08", 188.36, 5_980_223.0),
    );
    assert!(report.has_adj_close);
    assert_eq!(
        (bars.open[0], bars.high[0], bars.low[0]),
        (191.26, 191.83, 190.34)
    );
}

#[test]
fn investing_com_exports_load_with_month_names_price_and_vol() {
    let (bars, report) = load("vendors/investing.csv");
    check_ends(
        &bars,
        6,
        ("2025-01-03", 2656.0, 1_120_000.0),
        ("2025-01-10", 2683.4, 1_230_000.0),
    );
    let volume = bars.volume.as_deref().unwrap();
    assert_eq!(volume[4], 0.0, "`-` in Vol. is no data, read as 0");
    assert_eq!(volume[3], 456_780.0);
    assert_eq!(volume[2], 987_650.0);
    assert_eq!(bars.open[0], 2668.2);
    assert_eq!(
        report.count(DefectKind::UnsortedRows),
        5,
        "newest first, sorted and counted"
    );
}

#[test]
fn metatrader_tab_separated_history_loads() {
    let (bars, _) = load("vendors/metatrader.csv");
    check_ends(
        &bars,
        5,
        ("2024-01-02", 2058.92, 1520.0),
        ("2024-01-08", 2027.56, 1377.0),
    );
    assert_eq!(bars.high[0], 2078.56);
    let (bars, _) = load("vendors/metatrader_tickvol.csv");
    check_ends(
        &bars,
        5,
        ("2024-01-02", 1.09392, 72548.0),
        ("2024-01-08", 1.09498, 60241.0),
    );
}

#[test]
fn day_first_files_load_with_the_date_format_option() {
    let path = fixture("vendors/dayfirst.csv");
    let error = error_of(&path, &LoadOptions::default()).to_string();
    assert!(
        error.contains("pass --date-format %d/%m/%Y (day first)"),
        "{error}"
    );
    let (bars, _) = load_with("vendors/dayfirst.csv", &dated("%d/%m/%Y"));
    check_ends(
        &bars,
        6,
        ("2024-01-02", 7721.5, 512_000_000.0),
        ("2024-01-15", 7594.9, 530_000_000.0),
    );
    let output = common::backtest()
        .args(["data", "check", "tests/fixtures/vendors/dayfirst.csv"])
        .args(["--date-format", "%d/%m/%Y"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("6 rows, 2024-01-02 → 2024-01-15"));
}

#[test]
fn prices_in_pence_are_divided_by_100_through_the_manifest() {
    let dir = fixture("vendors/pence");
    let dataset = Dataset::open(std::slice::from_ref(&dir)).unwrap();
    assert_eq!(dataset.price_unit("RIO"), Some("pence"));
    assert_eq!(dataset.price_unit("rio"), Some("pence"));
    assert_eq!(dataset.price_unit("GLD"), None);
    let options = LoadOptions::default();
    let (rio, _) = dataset.load("RIO", &options).unwrap();
    check_ends(
        &rio,
        5,
        ("2024-01-02", 58.12, 2_104_512.0),
        ("2024-01-08", 57.18, 1_876_509.0),
    );
    assert_eq!((rio.open[0], rio.high[0], rio.low[0]), (58.41, 58.8, 57.9));
    let (raw, _) = load_bars(&dir.join("RIO.csv"), "RIO", &options).unwrap();
    assert_eq!(raw.close[0], 5812.0, "the file itself is in pence");
    let (gld, _) = dataset.load("GLD", &options).unwrap();
    assert_eq!(gld.close[0], 190.86, "GLD has no unit: as written");
    let out = tempfile::tempdir().unwrap();
    let run = buy_and_hold_on(Path::new("tests/fixtures/vendors/pence"), out.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn a_unit_for_a_symbol_without_a_file_or_an_unknown_unit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("vendors/pence/RIO.csv"), dir.path().join("RIO.csv")).unwrap();
    let manifest = |units: &str| {
        let text = format!(
            "name = \"t\"\nsynthetic = false\ndescription = \"t\"\nsymbols = [\"RIO\"]\n\n[units]\n{units}\n"
        );
        std::fs::write(dir.path().join("dataset.toml"), text).unwrap();
        let error = Dataset::open(&[dir.path().to_path_buf()]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        error.to_string()
    };
    assert_eq!(
        manifest("RIOO = \"pence\""),
        format!(
            "{}:7: [units] gives RIOO prices in pence, but no file holds RIOO: correct the symbol \
             or remove the line",
            dir.path().join("dataset.toml").display()
        )
    );
    let unknown = manifest("RIO = \"shillings\"");
    assert!(
        unknown.contains("invalid manifest: unknown variant `shillings`"),
        "{unknown}"
    );
}

/// `backtest --strategy buy-and-hold --no-charts --data <data> --out <out>`.
fn buy_and_hold_on(data: &Path, out: &Path) -> std::process::Output {
    common::backtest()
        .args(["--strategy", "buy-and-hold", "--no-charts", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The one line of the error `Dataset::open` gives for a directory holding `RIO.csv` and the
/// manifest `text`.
fn manifest_error(text: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("vendors/pence/RIO.csv"), dir.path().join("RIO.csv")).unwrap();
    let path = dir.path().join("dataset.toml");
    std::fs::write(&path, text).unwrap();
    let error = Dataset::open(&[dir.path().to_path_buf()]).unwrap_err();
    assert_eq!(error.exit_code(), 2);
    (error.to_string(), path.display().to_string())
}

#[test]
fn a_manifest_of_generated_data_missing_fields_names_them_all_at_once() {
    // Issue 13: a manifest failed on one missing field per attempt. Only generated data's
    // manifest (one naming its generator or seed) must give every field now.
    let (error, path) = manifest_error("seed = 7\n[units]\nRIO = \"pence\"\n");
    assert_eq!(
        error,
        format!(
            "{path}: invalid manifest: missing `name`, `synthetic`, `description`, `symbols` \
             (a manifest of generated data, with a generator or a seed, gives name, synthetic, \
             description and symbols)"
        )
    );
}

#[test]
fn manifest_errors_name_their_line() {
    // Issue 13: manifest errors carried no line.
    let fields = "name = \"t\"\ndescription = \"t\"\nsymbols = [\"RIO\"]\n";
    let (error, path) = manifest_error(&format!("{fields}synthetic = 3\n"));
    assert_eq!(
        error,
        format!("{path}:4: invalid manifest: invalid type: integer `3`, expected a boolean")
    );
    let (error, path) = manifest_error(&format!(
        "{fields}synthetic = false\n[units]\nRIO = \"yen\"\n"
    ));
    assert!(
        error.starts_with(&format!(
            "{path}:6: invalid manifest: unknown variant `yen`"
        )),
        "{error}"
    );
}

#[test]
fn a_symbol_the_manifest_lists_twice_is_refused_naming_its_line() {
    // Issue 13: a repeated symbol was traded twice, as two symbols.
    let (error, path) = manifest_error(
        "name = \"t\"\nsynthetic = false\ndescription = \"t\"\nsymbols = [\n  \"RIO\",\n  \"rio\",\n]\n",
    );
    assert_eq!(
        error,
        format!(
            "{path}:6: invalid manifest: symbols lists rio again after RIO: list each symbol once"
        )
    );
}

#[test]
fn an_extreme_number_in_a_message_is_written_in_exponent_form() {
    // Issue 13: the not-positive-price error printed all 301 digits of -1e300.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("X.csv");
    std::fs::write(&path, "Date,Close\n2024-01-02,-1e300\n").unwrap();
    assert_eq!(
        error_of(&path, &LoadOptions::default()).to_string(),
        format!(
            "{}:2: Close -1e300 is not a positive price (column 2): correct the cell, delete the \
             row, or cut it off with --from/--to",
            path.display()
        )
    );
}

#[test]
fn unicode_line_separators_are_refused_naming_their_line() {
    // Issue 13: U+2028 is no line end here, yet `trim` took it for white space.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("X.csv");
    let rows = [
        "Date,Close",
        "2024-01-02,10",
        "2024-01-03,11",
        "2024-01-04,12",
    ];
    for (text, line, byte) in [
        (rows.join("\u{2028}"), 1, 11),
        (
            format!("{}\n{}\n{}\u{2028}x\n", rows[0], rows[1], rows[2]),
            3,
            14,
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        assert_eq!(
            error_of(&path, &LoadOptions::default()).to_string(),
            format!(
                "{}:{line}: Unicode line separator U+2028 (byte {byte} of the line) is not a line \
                 end of a CSV file: end lines with a newline, and remove the character from cells",
                path.display()
            )
        );
    }
}

#[test]
fn a_data_directory_whose_name_holds_a_comma_is_one_path() {
    // Issue 13: `--data` was split on its commas even where the whole value was a folder.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("prices,2024");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(fixture("bad/plain.csv"), data.join("GLD.csv")).unwrap();
    let output = buy_and_hold_on(&data, &dir.path().join("out"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[cfg(unix)]
#[test]
fn a_pipe_or_a_device_named_by_data_is_refused_as_such() {
    // Issue 13: a fifo and /dev/stdin were reported as "no such file or directory".
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("prices");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for path in [fifo.as_path(), Path::new("/dev/null")] {
        let output = buy_and_hold_on(path, &dir.path().join("out"));
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!(
                "error: {}: is not a regular file or a directory (a pipe or a device?): save the \
                 data into a CSV file and name that file or its directory\n",
                path.display()
            )
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzzing.

mod fuzz {
    use super::{LoadOptions, fixture, load_bars};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed, TestCaseError};

    /// 1000 cases per generator with a fixed seed, unless `PROPTEST_CASES` or
    /// `PROPTEST_RNG_SEED` say otherwise; failures are not written into the repository.
    fn config() -> Config {
        let base = Config::default();
        Config {
            cases: if std::env::var_os("PROPTEST_CASES").is_some() {
                base.cases
            } else {
                1000
            },
            rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
                base.rng_seed
            } else {
                RngSeed::Fixed(6)
            },
            failure_persistence: None,
            max_shrink_iters: 2000,
            ..base
        }
    }

    const SEEDS: [&str; 10] = [
        "vendors/yahoo_adj.csv",
        "vendors/stooq_bulk.csv",
        "vendors/yfinance_tz.csv",
        "vendors/yfinance_multi.csv",
        "vendors/investing.csv",
        "vendors/metatrader.csv",
        "bad/semicolon.csv",
        "bad/thousands.csv",
        "bad/quoted.csv",
        "bad/crlf.csv",
    ];

    fn seeds() -> Vec<Vec<u8>> {
        SEEDS
            .iter()
            .map(|name| std::fs::read(fixture(name)).unwrap())
            .collect()
    }

    /// The options a case is loaded with: plain, a date cut, or a date format.
    fn options(choice: u8) -> LoadOptions {
        match choice % 3 {
            0 => LoadOptions::default(),
            1 => LoadOptions {
                from: "2024-01-03".parse().ok(),
                to: "2025-01-08".parse().ok(),
                ..LoadOptions::default()
            },
            _ => LoadOptions {
                date_format: Some("%d/%m/%Y".into()),
                ..LoadOptions::default()
            },
        }
    }

    /// Loads `bytes` as a file: any result but a panic is fine, errors must be one short line
    /// of a data error, and a success must be a valid series.
    fn holds(bytes: &[u8], choice: u8) -> Result<(), TestCaseError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("F.csv");
        std::fs::write(&path, bytes).unwrap();
        match load_bars(&path, "F", &options(choice)) {
            Err(error) => {
                let message = error.to_string();
                prop_assert_eq!(error.exit_code(), 2, "{}", message);
                prop_assert!(!message.contains(['\n', '\r']), "one line: {}", message);
                prop_assert!(message.len() < 3000, "short: {}", message);
            }
            Ok((bars, report)) => {
                let n = bars.len();
                prop_assert!(n > 0);
                prop_assert_eq!(report.rows, n);
                prop_assert!(bars.dates.windows(2).all(|w| w[0] < w[1]), "dates increase");
                prop_assert_eq!(
                    (report.first_date, report.last_date),
                    (bars.dates[0], bars.dates[n - 1])
                );
                let mut prices = vec![&bars.open, &bars.high, &bars.low, &bars.close];
                prices.extend(bars.adj_close.as_ref());
                for series in prices {
                    prop_assert_eq!(series.len(), n);
                    prop_assert!(
                        series.iter().all(|p| p.is_finite() && *p > 0.0),
                        "{:?}",
                        series
                    );
                }
                if let Some(volume) = &bars.volume {
                    prop_assert_eq!(volume.len(), n);
                    prop_assert!(volume.iter().all(|v| v.is_finite() && *v >= 0.0));
                }
            }
        }
        Ok(())
    }

    /// A change to a file's bytes, with positions taken modulo its length.
    #[derive(Debug, Clone)]
    enum Mutation {
        Flip(usize, u8),
        Set(usize, u8),
        Insert(usize, u8),
        Truncate(usize),
        Delete(usize, usize),
        DuplicateLine(usize),
        SwapLines(usize, usize),
    }

    fn interesting_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            30 => prop::sample::select(b",;\t\"\r\n .-+eE0159KMB:/<>".to_vec()),
            1 => any::<u8>(),
        ]
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let at = 0..100_000usize;
        prop_oneof![
            at.clone().prop_map(|i| Mutation::Flip(i, 1 << (i % 8))),
            (at.clone(), interesting_byte()).prop_map(|(i, b)| Mutation::Set(i, b)),
            (at.clone(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
            at.clone().prop_map(Mutation::Truncate),
            (at.clone(), 1..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
            at.clone().prop_map(Mutation::DuplicateLine),
            (at.clone(), at).prop_map(|(i, j)| Mutation::SwapLines(i, j)),
        ]
    }

    fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
        let len = bytes.len().max(1);
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        match *mutation {
            Mutation::Flip(i, bit) if !bytes.is_empty() => bytes[i % len] ^= bit,
            Mutation::Set(i, b) if !bytes.is_empty() => bytes[i % len] = b,
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Delete(i, n) => {
                let start = i % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start.min(end)..end);
            }
            Mutation::DuplicateLine(i) => {
                let line = lines[i % lines.len()].clone();
                lines.insert(i % lines.len(), line);
                *bytes = lines.join(&b'\n');
            }
            Mutation::SwapLines(i, j) => {
                let count = lines.len();
                lines.swap(i % count, j % count);
                *bytes = lines.join(&b'\n');
            }
            _ => {}
        }
    }

    /// Header, separator and volume style of the layouts the grammar writes.
    const LAYOUTS: [(&str, char, bool); 6] = [
        ("Date,Open,High,Low,Close,Volume", ',', false),
        ("Date,Open,High,Low,Close,Adj Close,Volume", ',', false),
        ("Date,Close", ',', false),
        ("Date;Open;High;Low;Close;Volume", ';', false),
        (
            "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>",
            '\t',
            false,
        ),
        (
            "\"Date\",\"Price\",\"Open\",\"High\",\"Low\",\"Vol.\",\"Change %\"",
            ',',
            true,
        ),
    ];

    /// A date `offset` days after 2023-12-29 in one of the styles the loader knows (the last,
    /// day-first, is read by `options(2)`).
    fn render_date(offset: u32, style: u8, separator: char) -> String {
        let date = chrono::NaiveDate::from_ymd_opt(2023, 12, 29).unwrap()
            + chrono::Days::new(u64::from(offset));
        let text = match style % 6 {
            0 => date.format("%Y-%m-%d").to_string(),
            1 => date.format("%Y.%m.%d").to_string(),
            2 => date.format("%Y%m%d").to_string(),
            3 => date.format("%b %d, %Y").to_string(),
            4 => date.format("%Y-%m-%d 00:00:00-05:00").to_string(),
            _ => date.format("%d/%m/%Y").to_string(),
        };
        if separator == ',' && text.contains(',') {
            format!("\"{text}\"")
        } else {
            text
        }
    }

    /// A cell: mostly a valid number in the layout's notation, sometimes junk.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            12 => (1u32..500_000_000).prop_map(|n| format!("{}.{:02}", n / 100, n % 100)),
            2 => (1u32..100_000).prop_map(|n| n.to_string()),
            1 => prop::sample::select(vec![
                "", " ", "-", "0", "-3", "NaN", "inf", "1e308", "1e-320", "1.2M", "3K", "\"",
                "\"\"", "abc", "1,5", "\"1,234.50\"", "1.234", "+7", ".5", "5.", "1e3K",
                "00:00:00", "09:30:00", "\u{feff}", "é",
            ]).prop_map(str::to_string),
        ]
    }

    /// A file in one of [`LAYOUTS`]: rows with dates near each other in one style (sometimes
    /// another), mostly valid numbers, sometimes a cell too many or too few.
    /// Also returns the options choice that reads its dates (see [`options`]).
    fn grammar_csv() -> impl Strategy<Value = (Vec<u8>, u8)> {
        let row = (0..40u32, 0..60u8, prop::collection::vec(cell(), 7), 0..30u8);
        (
            0..LAYOUTS.len(),
            0..6u8,
            prop::collection::vec(row, 0..15),
            prop::sample::select(vec!["\n", "\r\n", "\r"]),
            any::<bool>(),
        )
            .prop_map(|(layout, style, rows, end, bom)| {
                let (header, separator, investing) = LAYOUTS[layout];
                let width = header.matches(separator).count() + 1;
                let mut text = String::from(if bom { "\u{feff}" } else { "" });
                text.push_str(header);
                for (offset, other_style, cells, shape) in rows {
                    let style = if other_style == 0 { other_style } else { style };
                    let mut row = vec![render_date(offset, style, separator)];
                    for (i, cell) in cells.into_iter().take(width - 1).enumerate() {
                        let cell = match separator {
                            ';' => cell.replace('.', ","),
                            _ if header.starts_with("<DATE>") && i == 0 => "00:00:00".into(),
                            _ if investing && i == 4 => format!("{cell}K"),
                            _ => cell,
                        };
                        row.push(cell);
                    }
                    match shape {
                        0 => drop(row.pop()),
                        1 => row.push("x".into()),
                        2 => row.push(String::new()),
                        _ => {}
                    }
                    text.push_str(end);
                    text.push_str(&row.join(&separator.to_string()));
                }
                (text.into_bytes(), if style == 5 { 2 } else { style % 2 })
            })
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn random_bytes_never_panic(
            header in any::<bool>(),
            body in prop::collection::vec(interesting_byte(), 0..400),
            choice in any::<u8>(),
        ) {
            let mut bytes = if header { b"Date,Open,High,Low,Close,Volume\n".to_vec() } else { vec![] };
            bytes.extend(body);
            holds(&bytes, choice)?;
        }

        #[test]
        fn mutated_vendor_files_never_panic(
            seed in 0..SEEDS.len(),
            mutations in prop::collection::vec(mutation(), 1..6),
            choice in any::<u8>(),
        ) {
            let mut bytes = seeds().swap_remove(seed);
            for m in &mutations {
                apply(&mut bytes, m);
            }
            holds(&bytes, choice)?;
        }

        #[test]
        fn grammar_files_never_panic((bytes, choice) in grammar_csv()) {
            holds(&bytes, choice)?;
        }
    }
}
