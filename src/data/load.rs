//! Reading one symbol's CSV into validated [`Bars`].
//!
//! polars reads the file with every column as text; this module then finds the columns by
//! name, parses each cell itself and, on failure, names the file, the line and the cell. Defects
//! that would make a result wrong (an unparsable or non-positive price, a date written twice
//! with different prices) stop the load; the others are recorded in a [`FileReport`].

use std::io::Cursor;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime};
use polars::prelude::{CsvReadOptions, DataFrame, SerReader, StringChunked};

use super::defects::DefectLog;
use super::{Bars, DefectKind, FileReport};
use crate::{Date, Error, Result};

/// How to read the files of a run.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A chrono format for dates that are not ISO (`%d/%m/%Y`, `%m/%d/%Y %H:%M`...).
    pub date_format: Option<String>,
    /// Keep bars on or after this date.
    pub from: Option<Date>,
    /// Keep bars on or before this date (the way to drop a partial last day).
    pub to: Option<Date>,
}

/// The columns a daily file may have; names matched case-insensitively, in any order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Date,
    Open,
    High,
    Low,
    Close,
    AdjClose,
    Volume,
}

impl Role {
    fn of(header: &str) -> Option<Role> {
        let name = header
            .trim_start_matches('\u{feff}')
            .trim()
            .to_ascii_lowercase()
            .replace(['_', '-'], " ");
        match name.as_str() {
            "date" | "datetime" | "timestamp" => Some(Role::Date),
            "open" => Some(Role::Open),
            "high" => Some(Role::High),
            "low" => Some(Role::Low),
            "close" => Some(Role::Close),
            "adj close" | "adjclose" | "adjusted close" => Some(Role::AdjClose),
            "volume" => Some(Role::Volume),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::Date => "date",
            Role::Open => "Open",
            Role::High => "High",
            Role::Low => "Low",
            Role::Close => "Close",
            Role::AdjClose => "Adj Close",
            Role::Volume => "Volume",
        }
    }
}

/// One row that survived date parsing and the date cut, with the file line it came from.
struct Row {
    line: usize,
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
/// The file cannot be read, is not a CSV, lacks a date or close column, or has a cell that
/// cannot be a price or a date; the error names the file, the line and the problem.
pub fn load_bars(path: &Path, symbol: &str, options: &LoadOptions) -> Result<(Bars, FileReport)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let fingerprint = crate::hash::fnv1a_hex(&bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::data_file(
            path,
            "empty file: expected a header line and one row per day",
        ));
    }
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_n_threads(Some(1)) // files are small: a thread pool costs more than it saves
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::data_file(path, format!("cannot be read as CSV: {e}")))?;
    let columns = Columns::find(path, &frame)?;
    if frame.height() == 0 {
        return Err(Error::data_file(
            path,
            "header only: the file has no data rows",
        ));
    }
    let mut rows = columns.parse_rows(path, options)?;
    if rows.is_empty() {
        return Err(Error::data_file(
            path,
            format!(
                "no rows between {} and {}",
                options.from.map_or("the start".into(), |d| d.to_string()),
                options.to.map_or("the end".into(), |d| d.to_string())
            ),
        ));
    }
    let mut log = DefectLog::default();
    sort_and_dedup(path, &mut rows, &mut log)?;
    inspect(
        &rows,
        columns.has(Role::Volume),
        columns.close_only(),
        &mut log,
    );

    let report = FileReport {
        path: path.to_path_buf(),
        symbol: symbol.to_string(),
        rows: rows.len(),
        first_date: rows[0].date,
        last_date: rows[rows.len() - 1].date,
        close_only: columns.close_only(),
        has_adj_close: columns.has(Role::AdjClose),
        defects: log.into_sorted(),
        fingerprint,
    };
    let pick = |f: fn(&Row) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let bars = Bars {
        symbol: symbol.to_string(),
        dates: rows.iter().map(|r| r.date).collect(),
        open: pick(|r| r.open),
        high: pick(|r| r.high),
        low: pick(|r| r.low),
        close: pick(|r| r.close),
        adj_close: columns.has(Role::AdjClose).then(|| pick(|r| r.adj_close)),
        volume: columns.has(Role::Volume).then(|| pick(|r| r.volume)),
        close_only: columns.close_only(),
    };
    Ok((bars, report))
}

/// The text columns of the frame, by role.
struct Columns<'a> {
    /// Each column's cells, taken out of polars once so rows can be read by index.
    found: Vec<(Role, Vec<Option<&'a str>>)>,
}

impl<'a> Columns<'a> {
    fn find(path: &Path, frame: &'a DataFrame) -> Result<Columns<'a>> {
        let mut found: Vec<(Role, &str, &StringChunked)> = Vec::new();
        for column in frame.columns() {
            let Some(role) = Role::of(column.name()) else {
                continue;
            };
            if let Some((_, other, _)) = found.iter().find(|(r, _, _)| *r == role) {
                return Err(Error::data_file(
                    path,
                    format!(
                        "two {} columns ({other:?} and {:?}): keep one",
                        role.label(),
                        column.name().as_str()
                    ),
                ));
            }
            let text = column
                .str()
                .map_err(|e| Error::data_file(path, format!("cannot be read as text: {e}")))?;
            found.push((role, column.name().as_str(), text));
        }
        let names = || {
            frame
                .get_column_names()
                .iter()
                .map(|n| format!("{:?}", n.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for required in [Role::Date, Role::Close] {
            if !found.iter().any(|(r, _, _)| *r == required) {
                return Err(Error::data_file(
                    path,
                    format!(
                        "no {} column (found {}): expected Date, Open, High, Low, Close[, Adj Close, Volume]",
                        required.label(),
                        names()
                    ),
                ));
            }
        }
        let range_columns = [Role::Open, Role::High, Role::Low]
            .iter()
            .filter(|role| found.iter().any(|(r, _, _)| r == *role))
            .count();
        if range_columns != 0 && range_columns != 3 {
            return Err(Error::data_file(
                path,
                format!(
                    "has some of Open, High, Low but not all three (found {}): give all three, or only a close",
                    names()
                ),
            ));
        }
        Ok(Columns {
            found: found
                .into_iter()
                .map(|(r, _, c)| (r, c.iter().collect()))
                .collect(),
        })
    }

    fn has(&self, role: Role) -> bool {
        self.found.iter().any(|(r, _)| *r == role)
    }

    fn close_only(&self) -> bool {
        !self.has(Role::Open)
    }

    fn column(&self, role: Role) -> Option<&[Option<&'a str>]> {
        self.found
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, c)| c.as_slice())
    }

    /// Parses every row whose date falls inside the cut; prices are parsed only there, so a
    /// bad stretch of history can be excluded with `--from`/`--to`.
    fn parse_rows(&self, path: &Path, options: &LoadOptions) -> Result<Vec<Row>> {
        let dates = self
            .column(Role::Date)
            .expect("date column checked in find");
        let text = |role: Role, row: usize| self.column(role).map(|c| c[row]);
        let mut rows = Vec::with_capacity(dates.len());
        for (row, cell) in dates.iter().copied().enumerate() {
            let line = row + 2;
            let date = parse_date(path, line, cell, options.date_format.as_deref())?;
            if options.from.is_some_and(|from| date < from)
                || options.to.is_some_and(|to| date > to)
            {
                continue;
            }
            let price = |role: Role| -> Result<f64> {
                let cell = text(role, row).flatten();
                let value = parse_number(path, line, role, cell)?;
                if value <= 0.0 {
                    return Err(Error::data_line(
                        path,
                        line,
                        format!("{} {value} is not a positive price", role.label()),
                    ));
                }
                Ok(value)
            };
            let close = price(Role::Close)?;
            let (open, high, low) = if self.close_only() {
                (close, close, close)
            } else {
                (price(Role::Open)?, price(Role::High)?, price(Role::Low)?)
            };
            let adj_close = if self.has(Role::AdjClose) {
                price(Role::AdjClose)?
            } else {
                close
            };
            let volume = match text(Role::Volume, row) {
                Some(cell) => {
                    let volume = parse_number(path, line, Role::Volume, cell)?;
                    if volume < 0.0 {
                        return Err(Error::data_line(
                            path,
                            line,
                            format!("Volume {volume} is negative"),
                        ));
                    }
                    volume
                }
                None => 0.0,
            };
            rows.push(Row {
                line,
                date,
                open,
                high,
                low,
                close,
                adj_close,
                volume,
            });
        }
        Ok(rows)
    }
}

fn parse_number(path: &Path, line: usize, role: Role, cell: Option<&str>) -> Result<f64> {
    let label = role.label();
    let Some(text) = cell.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(Error::data_line(path, line, format!("{label} is empty")));
    };
    let value: f64 = text
        .parse()
        .map_err(|_| Error::data_line(path, line, format!("{label} {text:?} is not a number")))?;
    if !value.is_finite() {
        return Err(Error::data_line(
            path,
            line,
            format!("{label} {text:?} is not a finite number"),
        ));
    }
    Ok(value)
}

/// Parses a date cell: an ISO date, or an ISO date-time with or without an offset (the
/// calendar date as written, no time-zone conversion), or `format` when given.
fn parse_date(path: &Path, line: usize, cell: Option<&str>, format: Option<&str>) -> Result<Date> {
    let Some(text) = cell.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(Error::data_line(path, line, "date is empty"));
    };
    let parsed = match format {
        Some(format) => Date::parse_from_str(text, format).ok().or_else(|| {
            NaiveDateTime::parse_from_str(text, format)
                .ok()
                .map(|d| d.date())
        }),
        None => parse_iso_date(text),
    };
    parsed.ok_or_else(|| {
        let hint = match format {
            Some(format) => format!("does not match --date-format {format:?}"),
            None => "is not an ISO date (YYYY-MM-DD): pass --date-format, e.g. %d/%m/%Y".into(),
        };
        Error::data_line(path, line, format!("date {text:?} {hint}"))
    })
}

fn parse_iso_date(text: &str) -> Option<Date> {
    const WITH_OFFSET: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ];
    const WITHOUT_OFFSET: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    if let Some(date) = plain_iso_date(text) {
        return Some(date);
    }
    let text = text
        .strip_suffix('Z')
        .map_or(text.to_string(), |t| format!("{t}+00:00"));
    WITH_OFFSET
        .iter()
        .find_map(|f| DateTime::parse_from_str(&text, f).ok())
        .map(|d| d.naive_local().date())
        .or_else(|| {
            WITHOUT_OFFSET
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
                .map(|d| d.date())
        })
}

/// `YYYY-MM-DD` read directly: nearly every daily file writes its dates so, and a format-driven
/// parser costs more than the rest of the row.
fn plain_iso_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    Date::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// Puts rows in date order (recording that they were not) and drops identical repeats of a
/// date; a date repeated with different values is an error, since either row could be wrong.
fn sort_and_dedup(path: &Path, rows: &mut Vec<Row>, log: &mut DefectLog) -> Result<()> {
    for pair in rows.windows(2) {
        if pair[1].date < pair[0].date {
            log.note(DefectKind::UnsortedRows, pair[1].line, || {
                format!("{} after {}", pair[1].date, pair[0].date)
            });
        }
    }
    rows.sort_by_key(|r| r.date);
    let mut kept: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows.drain(..) {
        if let Some(previous) = kept.last().filter(|p| p.date == row.date) {
            if !previous.same_values(&row) {
                return Err(Error::data_line(
                    path,
                    row.line,
                    format!(
                        "date {} also on line {} with different prices: keep one row per date",
                        row.date, previous.line
                    ),
                ));
            }
            log.note(DefectKind::DuplicateRows, row.line, || {
                format!("{} repeated", row.date)
            });
            continue;
        }
        kept.push(row);
    }
    *rows = kept;
    Ok(())
}

/// Records the defects that are kept: range violations, flat zero-volume bars, gaps, jumps and
/// a likely partial last bar.
fn inspect(rows: &[Row], has_volume: bool, close_only: bool, log: &mut DefectLog) {
    const TOLERANCE: f64 = 1e-9;
    for row in rows {
        if close_only {
            break;
        }
        let slack = TOLERANCE * row.high;
        let outside = |p: f64| p > row.high + slack || p < row.low - slack;
        if row.high < row.low - slack || outside(row.open) || outside(row.close) {
            log.note(DefectKind::OhlcOutsideRange, row.line, || {
                format!(
                    "{}: open {} high {} low {} close {}",
                    row.date, row.open, row.high, row.low, row.close
                )
            });
        }
        let flat = row.open == row.high && row.high == row.low && row.low == row.close;
        if has_volume && flat && row.volume == 0.0 {
            log.note(DefectKind::FlatZeroVolume, row.line, || {
                format!("{}: O = H = L = C = {} with volume 0", row.date, row.close)
            });
        }
    }
    for pair in rows.windows(2) {
        let days = (pair[1].date - pair[0].date).num_days();
        if days > 4 {
            log.note(DefectKind::Gap, pair[1].line, || {
                format!("{days} days from {} to {}", pair[0].date, pair[1].date)
            });
        }
        let change = pair[1].close / pair[0].close - 1.0;
        if change.abs() > 0.5 {
            log.note(DefectKind::Jump, pair[1].line, || {
                format!(
                    "{}: close {} after {} ({:+.0}%)",
                    pair[1].date,
                    pair[1].close,
                    pair[0].close,
                    change * 100.0
                )
            });
        }
    }
    if has_volume && rows.len() > 20 {
        let last = &rows[rows.len() - 1];
        let mut recent: Vec<f64> = rows[rows.len() - 21..rows.len() - 1]
            .iter()
            .map(|r| r.volume)
            .collect();
        recent.sort_by(f64::total_cmp);
        let median = f64::midpoint(recent[9], recent[10]);
        if median > 0.0 && last.volume < 0.5 * median {
            log.note(DefectKind::PartialLastBar, last.line, || {
                format!(
                    "{}: volume {} is {:.0}% of the 20-day median",
                    last.date,
                    last.volume,
                    100.0 * last.volume / median
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_iso_date;
    use crate::Date;

    #[test]
    fn iso_date_times_keep_the_calendar_date_as_written() {
        let day = Date::from_ymd_opt(2024, 3, 1).unwrap();
        for text in [
            "2024-03-01",
            "2024-03-01 00:00:00",
            "2024-03-01T16:00:00",
            "2024-03-01 00:00:00-05:00",
            "2024-03-01T23:30:00+09:00",
            "2024-03-01T21:00:00Z",
            "2024-03-01 09:30",
        ] {
            assert_eq!(parse_iso_date(text), Some(day), "{text}");
        }
        assert_eq!(parse_iso_date("01/03/2024"), None);
        assert_eq!(parse_iso_date("2024-03-01 garbage"), None);
    }
}
