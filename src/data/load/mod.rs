//! Reading data files (CSV or Parquet; of one symbol, or of many) into validated [`Bars`].
//!
//! The loader reads the file's bytes, checks the encoding, lets the csv crate split it into
//! records (quote-aware; the crate's record positions give each record's line), finds the
//! columns by name, parses each cell and, on failure, names the file, the line, the column and
//! the cell, and says what to do, on one line. Where the csv crate reads leniently what would
//! silently change a number (an unclosed quote, text after a closing quote, a quoted line end),
//! the record is refused. Defects that would make a result wrong stop the load; the others are
//! recorded in a [`FileReport`] (policies in `defects.rs`). Every message quotes at most 40
//! characters of a cell, so a hostile multi-megabyte cell cannot flood the terminal, and every
//! step is linear in the file's size, with memory bounded by it (CSV files over 4 GiB are
//! refused unread).
//!
//! # What loads, and what is refused
//!
//! | input | what happens |
//! |---|---|
//! | UTF-8 byte-order mark; CRLF (or CR) line ends | loads as is |
//! | quoted cells (`"10.5"`, `"Jan 02, 2025"`), `""` inside quotes | loads; a quote opens a cell only as its first character and must close on its line |
//! | blank lines, lines of empty cells (`,,,,`) anywhere | skipped (line numbers stay those of the file) |
//! | columns with other or empty names (`Dividends`, `Change %`, `<SPREAD>`, ``) | ignored |
//! | rows out of date order; identical repeated rows | sorted / dropped, counted (defects) |
//! | a header with tabs and no commas; with semicolons and no commas | tab- / semicolon-separated |
//! | `1234,5` in a semicolon-separated file | decimal comma: 1234.5 (`1.234,5` too) |
//! | `1.234` in a semicolon-separated file | **error**: 1234 or 1.234 is ambiguous there (`1.234.567` is not) |
//! | `"1,234.50"` in a comma- or tab-separated file | thousands separators dropped: 1234.5 |
//! | any other comma in a number (`"1,5"`); an unquoted one (a row with too many cells) | **error** |
//! | volume `1.23M`, `456K`, `1.2B` | thousands, millions, billions |
//! | volume `-` or empty in a `Vol.` column (Investing.com's "no data") | 0; elsewhere **error** |
//! | `<VOL>` and `<TICKVOL>` (MetaTrader) | `<VOL>` if present, else `<TICKVOL>` |
//! | a `Time`/`<TIME>` column | must be midnight (`00:00:00`, `000000`): else **error**, intraday data |
//! | yfinance's three-line header (`Price`/`Ticker`/`Date` lines, either level first) | loads: one ticker as the file's symbol, several as a dataset of them |
//! | a dated row with no values (`null`, `NaN` or empty in every column read: yfinance's holidays) | dropped, counted (`null_rows`) |
//! | empty cell, `abc`, `NaN`, `inf`, zero or negative price, negative volume (in a row with values) | **error** |
//! | a bar on a Saturday or a Sunday; a flat zero-volume bar repeating the close before it | kept, counted (`weekend_bar`, `holiday_placeholder`) |
//! | a row with fewer cells than the columns used (a cut-short download) or extra non-empty ones | **error** |
//! | the same date twice with different prices | **error** |
//! | empty file, header only, no date or close column, two columns for one field | **error** |
//! | a data line where the header should be | **error**: add a header line |
//! | non-UTF-8 byte, NUL byte, UTF-16, ZIP (`.xlsx`), gzip, HTML or JSON content | **error**: what it is, save as CSV UTF-8 |
//! | U+2028, U+2029 or U+0085 anywhere (Unicode line breaks a CSV does not end lines with) | **error** naming the line |
//! | `Adj Close / Close` scaling a price to 0 or beyond the largest float | **error** naming the line |
//! | a path that is a directory, a pipe or a device, or that cannot be read | **error** naming the path and the OS reason |
//!
//! Dates without `--date-format` are read in the formats that cannot be misread: ISO dates and
//! date-times (`2024-01-02`, `2024-01-02 00:00:00-05:00`: the calendar date as written, or with
//! `--timezone` the date in that zone of the instant a stamp with an offset names),
//! `MetaTrader`'s `2024.01.02`, Stooq's `20240102`, and month names (`Jan 02, 2025`,
//! `January 2, 2025`, `02 Jan 2025`, `2-Jan-2025`), always with a four-digit year. The first
//! data row fixes the format of the file; a row written another way is an error naming its line.
//! A file whose first date is ISO is read as ISO even with `--date-format`, which then applies
//! to the other files.
//! `01/02/2024` could be day-first or month-first and asks for `--date-format`. A date outside
//! the years 1800–2200 is refused (a two-digit year read as year 24, say).
//!
//! CSV files are tokenized by the csv crate rather than read by polars: a user must be told
//! the line of a broken row, and a general-purpose frame reader reports structural errors (a
//! cut-short or overlong row, an unclosed quote) without one and renames a repeated column
//! instead of refusing it. Parquet files, which have no lines, are polars' (`parquet.rs`).
//!
//! Column names are matched case-insensitively, ignoring `<>` around them, dots, `_` and `-`:
//! date (`Date`, `Datetime`, `Timestamp`), `Open`, `High`, `Low`, close (`Close`, `Price`,
//! `Last`), `Adj Close`, volume (`Volume`, `Vol.`, `Vol`, `<TICKVOL>`), `Time`.

mod dates;
mod header;
mod numbers;
mod parquet;
mod rows;
mod text;

use std::path::Path;

use chrono::{Datelike as _, Weekday};

pub use self::header::Layout;
use self::header::{FileHeader, Header, Role, sniff};
use self::rows::{Series, Target, read_all};
use self::text::{Records, Separator, decode, read_file, read_head, unify_line_ends};
use super::defects::DefectLog;
use super::{BarLength, Bars, DefectKind, FileReport, Position, readable};
use crate::{Date, Error, Result};

/// Longest cell read as a number or a date; longer ones are refused without being parsed.
const MAX_CELL_CHARS: usize = 64;

/// How to read the files of a run.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A chrono format for dates that are not read without one (`%d/%m/%Y`, `%m/%d/%Y %H:%M`...).
    pub date_format: Option<String>,
    /// Keep bars on or after this date.
    pub from: Option<Date>,
    /// Keep bars on or before this date (the way to drop a partial last day).
    pub to: Option<Date>,
    /// The exchange's time zone: a time stamp with an offset (`2015-06-30 22:00:00+00:00`) is
    /// read as the date there (2015-07-01 in `Europe/Berlin`), not as the date written.
    pub timezone: Option<chrono_tz::Tz>,
    /// What each bar of a run covers: [`crate::data::Dataset::load`] resamples the daily rows,
    /// once cut to `from`..=`to`, to it; [`load_bars`] reads them as they are.
    pub bars: BarLength,
}

/// One row that survived date parsing and the date cut, with the file line it came from.
struct Row {
    at: Position,
    date: Date,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    adj_close: f64,
    volume: f64,
}

impl Row {
    fn same_values(&self, other: &Row) -> bool {
        let pairs = [
            (self.open, other.open),
            (self.high, other.high),
            (self.low, other.low),
            (self.close, other.close),
            (self.adj_close, other.adj_close),
            (self.volume, other.volume),
        ];
        pairs.iter().all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

/// Loads and validates the file of `symbol`.
///
/// # Errors
/// The file cannot be read, is not a UTF-8 CSV, lacks a date or close column, or has a cell
/// that cannot be a price or a date; the error names the file, the line and the problem.
pub fn load_bars(path: &Path, symbol: &str, options: &LoadOptions) -> Result<(Bars, FileReport)> {
    let wanted = [Wanted {
        symbol,
        values: Values::Prices { divisor: 1.0 },
    }];
    Ok(load_series(path, &wanted, false, options)?.remove(0))
}

/// What a file's numbers are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Values {
    /// Prices, each divided by `divisor` (100 for a file written in pence, as the dataset
    /// manifest's `[units]` says): positive, and a close that moves by half or more in a day
    /// is recorded as a jump.
    Prices {
        /// What each price is divided by.
        divisor: f64,
    },
    /// Rates or yields in percent (`^IRX`): any finite value, zero and negative included (the
    /// 13-week T-bill yielded below zero in 2015 and 2020), and no jumps (a yield from 0.01
    /// to 0.03 is not a defect).
    Rates,
}

/// One series wanted from a file: its symbol as the file names it (any name, for a file of
/// one symbol, which is named after it) and what its numbers are.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'s> {
    /// The symbol.
    pub symbol: &'s str,
    /// What its numbers are.
    pub values: Values,
}

/// The symbols a file holds where it names them (a long file, yfinance's multi-ticker
/// layout, a wide panel), in the order of the file; `None` for a file of one symbol, named
/// after its file. A long file is read whole to list them.
///
/// # Errors
/// As [`load_series`], for what is read.
pub fn symbols_in(path: &Path, options: &LoadOptions) -> Result<Option<Vec<String>>> {
    if parquet::is_parquet(path) {
        let (file, _) = parquet::header(path, options)?;
        return Ok(match file.layout {
            Layout::Long => Some(parquet::symbols(path, &file)?),
            _ => file_symbols(file),
        });
    }
    // The header is in the file's first lines: they alone tell a file of one symbol, or a
    // panel naming its own, from a long file, whose symbols are read from every row.
    let head = read_head(path)?;
    let (_, file) = open_table(path, &unify_line_ends(decode(path, &head)?), options)?;
    if file.layout != Layout::Long {
        return Ok(file_symbols(file));
    }
    let bytes = read_file(path)?;
    let text = decode(path, &bytes)?;
    let text = unify_line_ends(text);
    let (mut records, file) = open_table(path, &text, options)?;
    let header = &file.views[0].header;
    let column = header
        .slot(Role::Symbol)
        .map_or(0, |s| header.columns[s].index);
    let mut symbols: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while records.advance(path)?.is_some() {
        let symbol = records.cell(column).unwrap_or_default();
        if !symbol.is_empty() && !seen.contains(symbol) {
            seen.insert(symbol.to_string());
            symbols.push(symbol.to_string());
        }
    }
    Ok(Some(symbols))
}

/// The symbols a file's header names: none for a file of one symbol.
fn file_symbols(file: FileHeader) -> Option<Vec<String>> {
    match file.layout {
        Layout::Single | Layout::Long => None,
        Layout::Tickers | Layout::Wide => {
            Some(file.views.into_iter().filter_map(|v| v.symbol).collect())
        }
    }
}

/// The records of `text` after its header, and the header.
fn open_table<'t>(
    path: &Path,
    text: &'t str,
    options: &LoadOptions,
) -> Result<(Records<'t>, FileHeader)> {
    if text.trim().is_empty() {
        return Err(Error::data_file(
            path,
            "empty file: expected a header line and one row per day",
        ));
    }
    // The first non-blank line: what the file is, and which separator it uses.
    let (line, first) = text
        .split('\n')
        .enumerate()
        .find(|(_, line)| !line.trim().is_empty())
        .map_or((1, ""), |(i, line)| (i + 1, line));
    sniff(path, line, first)?;
    let separator = Separator::detect(first);
    let mut records = Records::new(text, separator);
    let header = FileHeader::read(path, &mut records, separator, options)?;
    Ok((records, header))
}

/// Loads and validates the series `wanted` from the file at `path`, read once, in the order
/// asked for. Where `named` is false the file is one series, whatever its layout: the one
/// `wanted` names (a long file or a panel of one symbol, say), named after its file.
///
/// # Errors
/// The file cannot be read, is not a UTF-8 CSV, lacks a date or close column, has a cell
/// that cannot be a price or a date, or does not hold a symbol wanted; the error names the
/// file, the line and the problem.
pub fn load_series(
    path: &Path,
    wanted: &[Wanted<'_>],
    named: bool,
    options: &LoadOptions,
) -> Result<Vec<(Bars, FileReport)>> {
    let bytes;
    let text;
    let (file, targets, fingerprint, series, data_rows) = if parquet::is_parquet(path) {
        let (file, schema) = parquet::header(path, options)?;
        let targets = targets(path, &file, wanted, named)?;
        let (series, rows) = parquet::read_all(path, &file, &schema, &targets, options)?;
        (file, targets, parquet::fingerprint(path)?, series, rows)
    } else {
        bytes = read_file(path)?;
        let fingerprint = crate::hash::content_hex(&bytes);
        text = unify_line_ends(decode(path, &bytes)?);
        let (mut records, file) = open_table(path, &text, options)?;
        let targets = targets(path, &file, wanted, named)?;
        let (series, rows) = read_all(path, &file, &targets, &mut records, options)?;
        (file, targets, fingerprint, series, rows)
    };
    if data_rows == 0 {
        return Err(Error::data_file(
            path,
            "header only: the file has no data rows",
        ));
    }
    let edges_are_history = named && matches!(file.layout, Layout::Tickers | Layout::Wide);
    wanted
        .iter()
        .zip(targets)
        .zip(series)
        .map(|((w, t), series)| {
            let header = &file.views[t.view].header;
            let source = Source {
                path,
                symbol: w.symbol,
                header,
                values: w.values,
                fingerprint: &fingerprint,
            };
            source.validate(series, edges_are_history, options)
        })
        .collect()
}

/// Where the rows of each of `wanted` are in `file`.
fn targets<'s>(
    path: &Path,
    file: &FileHeader,
    wanted: &[Wanted<'s>],
    named: bool,
) -> Result<Vec<Target<'s>>> {
    wanted
        .iter()
        .map(|w| target(path, file, w, named))
        .collect()
}

/// Where the rows of `wanted` are in `file`.
fn target<'s>(
    path: &Path,
    file: &FileHeader,
    wanted: &Wanted<'s>,
    named: bool,
) -> Result<Target<'s>> {
    if !named && file.views.len() > 1 {
        let held: Vec<&str> = file
            .views
            .iter()
            .filter_map(|v| v.symbol.as_deref())
            .collect();
        return Err(Error::data_file(
            path,
            format!(
                "holds {} series ({}): open it as a dataset (--data) and name one with --symbols",
                held.len(),
                held.join(", ")
            ),
        ));
    }
    let (view, symbol) = match file.layout {
        _ if !named => (0, None),
        Layout::Single => (0, None),
        Layout::Long => (0, Some(wanted.symbol)),
        Layout::Tickers | Layout::Wide => {
            let view = file
                .views
                .iter()
                .position(|v| v.symbol.as_deref() == Some(wanted.symbol))
                .ok_or_else(|| {
                    Error::data_file(path, format!("holds no series {}", wanted.symbol))
                })?;
            (view, None)
        }
    };
    Ok(Target {
        view,
        symbol,
        values: wanted.values,
    })
}

/// One series of a file, and what validates it.
struct Source<'a> {
    path: &'a Path,
    symbol: &'a str,
    header: &'a Header,
    values: Values,
    fingerprint: &'a str,
}

impl Source<'_> {
    /// The series' rows sorted, deduplicated and inspected into its bars and its report.
    /// With `edges_are_history` (a panel of many series), the empty rows before a series'
    /// first value and after its last are the dates it did not exist, not `null` rows.
    fn validate(
        &self,
        series: Series,
        edges_are_history: bool,
        options: &LoadOptions,
    ) -> Result<(Bars, FileReport)> {
        let Series { mut rows, nulls } = series;
        let path = self.path;
        let mut log = DefectLog::default();
        let lived = rows.first().zip(rows.last()).map(|(a, b)| (a.at, b.at));
        for (at, date) in nulls {
            let outside = lived.is_none_or(|(first, last)| at < first || at > last);
            if edges_are_history && outside {
                continue;
            }
            log.note(
                DefectKind::NullRows,
                at,
                (date, date),
                format!("{date}: no values (a market holiday?)"),
            );
        }
        sort_and_dedup(path, &mut rows, &mut log)?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            let symbol = if edges_are_history || self.header.slot(Role::Symbol).is_some() {
                format!(" of {}", self.symbol)
            } else {
                String::new()
            };
            return Err(Error::data_file(
                path,
                format!(
                    "no rows{symbol} between {} and {}",
                    options.from.map_or("the start".into(), |d| d.to_string()),
                    options.to.map_or("the end".into(), |d| d.to_string())
                ),
            ));
        };
        let header = self.header;
        let has_volume = header.slot(Role::Volume).is_some();
        let has_adj_close = header.slot(Role::AdjClose).is_some();
        let close_only = header.close_only();
        inspect(&rows, has_volume, close_only, self.values, &mut log);
        let report = FileReport {
            path: path.to_path_buf(),
            symbol: self.symbol.to_string(),
            rows: rows.len(),
            first_date: first.date,
            last_date: last.date,
            close_only,
            has_adj_close,
            defects: log.into_sorted(),
            fingerprint: self.fingerprint.to_string(),
        };
        let pick = |f: fn(&Row) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
        let bars = Bars {
            symbol: self.symbol.to_string(),
            dates: rows.iter().map(|r| r.date).collect(),
            open: pick(|r| r.open),
            high: pick(|r| r.high),
            low: pick(|r| r.low),
            close: pick(|r| r.close),
            adj_close: has_adj_close.then(|| pick(|r| r.adj_close)),
            volume: has_volume.then(|| pick(|r| r.volume)),
            close_only,
        };
        Ok((bars, report))
    }
}

/// Puts rows in date order (recording that they were not) and drops identical repeats of a
/// date; a date repeated with different values is an error, since either row could be wrong.
fn sort_and_dedup(path: &Path, rows: &mut Vec<Row>, log: &mut DefectLog) -> Result<()> {
    for pair in rows.windows(2) {
        if pair[1].date < pair[0].date {
            log.note(
                DefectKind::UnsortedRows,
                pair[1].at,
                (pair[1].date, pair[1].date),
                format!("{} after {}", pair[1].date, pair[0].date),
            );
        }
    }
    rows.sort_by_key(|r| r.date);
    let mut kept: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows.drain(..) {
        if let Some(previous) = kept.last().filter(|p| p.date == row.date) {
            if !previous.same_values(&row) {
                let (first, second) = if previous.at < row.at {
                    (previous.at, row.at)
                } else {
                    (row.at, previous.at)
                };
                return Err(Error::data_at(
                    path,
                    second,
                    format!(
                        "date {} also on {first} with different prices: keep one row per date",
                        row.date
                    ),
                ));
            }
            log.note(
                DefectKind::DuplicateRows,
                row.at,
                (row.date, row.date),
                format!("{} repeated", row.date),
            );
            continue;
        }
        kept.push(row);
    }
    *rows = kept;
    Ok(())
}

/// Records the defects that are kept: range violations, weekend bars, flat zero-volume bars
/// and holiday placeholders, gaps, jumps and a likely partial last bar.
fn inspect(rows: &[Row], has_volume: bool, close_only: bool, values: Values, log: &mut DefectLog) {
    const TOLERANCE: f64 = 1e-9;
    for (i, row) in rows.iter().enumerate() {
        let on = (row.date, row.date);
        if matches!(row.date.weekday(), Weekday::Sat | Weekday::Sun) {
            log.note(
                DefectKind::WeekendBar,
                row.at,
                on,
                format!("{} is a {}", row.date, row.date.weekday()),
            );
        }
        if close_only {
            continue;
        }
        let slack = TOLERANCE * row.high;
        let outside = |p: f64| p > row.high + slack || p < row.low - slack;
        if row.high < row.low - slack || outside(row.open) || outside(row.close) {
            log.note(
                DefectKind::OhlcOutsideRange,
                row.at,
                on,
                format!(
                    "{}: open {} high {} low {} close {}",
                    row.date,
                    readable(row.open),
                    readable(row.high),
                    readable(row.low),
                    readable(row.close)
                ),
            );
        }
        let flat = row.open == row.high && row.high == row.low && row.low == row.close;
        if has_volume && flat && row.volume == 0.0 {
            let repeated = i.checked_sub(1).filter(|&p| rows[p].close == row.close);
            match repeated {
                Some(p) => log.note(
                    DefectKind::HolidayPlaceholder,
                    row.at,
                    (rows[p].date, row.date),
                    format!(
                        "{}: the close of {} ({}) repeated with volume 0",
                        row.date,
                        rows[p].date,
                        readable(row.close)
                    ),
                ),
                None => log.note(
                    DefectKind::FlatZeroVolume,
                    row.at,
                    on,
                    format!(
                        "{}: O = H = L = C = {} with volume 0",
                        row.date,
                        readable(row.close)
                    ),
                ),
            }
        }
    }
    for pair in rows.windows(2) {
        let span = (pair[0].date, pair[1].date);
        let days = (pair[1].date - pair[0].date).num_days();
        if days > 4 {
            log.note(
                DefectKind::Gap,
                pair[1].at,
                span,
                format!("{days} days from {} to {}", pair[0].date, pair[1].date),
            );
        }
        let change = pair[1].close / pair[0].close - 1.0;
        if values != Values::Rates && change.abs() > 0.5 {
            log.note(
                DefectKind::Jump,
                pair[1].at,
                span,
                format!(
                    "{}: close {} after {} ({}{}%)",
                    pair[1].date,
                    readable(pair[1].close),
                    readable(pair[0].close),
                    if change > 0.0 { "+" } else { "" },
                    readable((change * 100.0).round())
                ),
            );
        }
    }
    if has_volume {
        partial_last_bar(rows, log);
    }
}

/// Records a last bar whose volume is under half the median of the 20 before it: likely an
/// intraday snapshot rather than a close.
fn partial_last_bar(rows: &[Row], log: &mut DefectLog) {
    if rows.len() > 20 {
        let last = &rows[rows.len() - 1];
        let mut recent: Vec<f64> = rows[rows.len() - 21..rows.len() - 1]
            .iter()
            .map(|r| r.volume)
            .collect();
        recent.sort_by(f64::total_cmp);
        let median = f64::midpoint(recent[9], recent[10]);
        if median > 0.0 && last.volume < 0.5 * median {
            log.note(
                DefectKind::PartialLastBar,
                last.at,
                (rows[rows.len() - 21].date, last.date),
                format!(
                    "{}: volume {} is {:.0}% of the 20-day median",
                    last.date,
                    readable(last.volume),
                    100.0 * last.volume / median
                ),
            );
        }
    }
}
