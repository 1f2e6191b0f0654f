//! The header line: the columns the loader reads and their roles, the check that they make
//! a daily file, and yfinance's multi-line header.

use std::fmt::Write as _;
use std::path::Path;

use super::LoadOptions;
use super::dates::DateReader;
use super::text::{EXCERPT_CHARS, Records, Separator, excerpt};
use crate::{Error, Result};

/// Column names listed in a "no such column" message.
const LISTED_NAMES: usize = 12;

/// The columns a daily file may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Date,
    Time,
    Open,
    High,
    Low,
    Close,
    AdjClose,
    Volume,
    TickVolume,
}

impl Role {
    pub(super) fn of(header: &str) -> Option<Role> {
        let name = header.trim_start_matches('\u{feff}').trim();
        if name.len() > 32 {
            return None;
        }
        let name = name
            .strip_prefix('<')
            .and_then(|n| n.strip_suffix('>'))
            .unwrap_or(name)
            .to_ascii_lowercase()
            .replace(['_', '-'], " ")
            .replace('.', "");
        match name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str()
        {
            "date" | "datetime" | "timestamp" => Some(Role::Date),
            "time" => Some(Role::Time),
            "open" => Some(Role::Open),
            "high" => Some(Role::High),
            "low" => Some(Role::Low),
            "close" | "price" | "last" => Some(Role::Close),
            "adj close" | "adjclose" | "adjusted close" => Some(Role::AdjClose),
            "volume" | "vol" => Some(Role::Volume),
            "tickvol" | "tick volume" => Some(Role::TickVolume),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::Date => "date",
            Role::Time => "Time",
            Role::Open => "Open",
            Role::High => "High",
            Role::Low => "Low",
            Role::Close => "Close",
            Role::AdjClose => "Adj Close",
            Role::Volume | Role::TickVolume => "Volume",
        }
    }
}

/// A column the loader reads: its 0-based index, its role and its name as written.
pub(super) struct Column {
    pub(super) index: usize,
    pub(super) role: Role,
    pub(super) name: String,
}

impl Column {
    /// The name for messages: as written (at most [`EXCERPT_CHARS`]), so the user finds it.
    pub(super) fn shown(&self) -> String {
        let name = self.name.trim_start_matches('\u{feff}');
        if name.chars().count() > EXCERPT_CHARS || name.chars().any(char::is_control) {
            excerpt(name)
        } else {
            name.to_string()
        }
    }

    pub(super) fn at(&self) -> String {
        format!("column {}", self.index + 1)
    }
}

/// The header line: the separator, the number of columns and the columns read.
pub(super) struct Header {
    pub(super) separator: Separator,
    /// Number of cells in the header line.
    pub(super) width: usize,
    /// The columns read, in the order of the file.
    pub(super) columns: Vec<Column>,
    /// One more than the largest index of a column read: the fewest cells a row may have.
    pub(super) needed: usize,
}

impl Header {
    /// Reads the first record as the header (three records for yfinance's multi-level
    /// layout) and checks that the columns read make a daily file.
    pub(super) fn read(
        path: &Path,
        records: &mut Records<'_>,
        separator: Separator,
        options: &LoadOptions,
    ) -> Result<Header> {
        let Some(line) = records.advance(path)? else {
            return Err(Error::data_file(
                path,
                "empty file: expected a header line and one row per day",
            ));
        };
        let names: Vec<String> = records.record().iter().map(str::to_string).collect();
        let date_name = yfinance_levels(path, records, &names)?;
        let mut columns: Vec<Column> = Vec::new();
        let mut listed = Vec::new();
        for (index, cell) in names.iter().enumerate() {
            let name = match (index, &date_name) {
                (0, Some(date)) => date.clone(),
                _ => cell.clone(),
            };
            if listed.len() < LISTED_NAMES {
                listed.push(excerpt(name.trim_start_matches('\u{feff}')));
            }
            let Some(role) = Role::of(&name) else {
                continue;
            };
            let column = Column { index, role, name };
            if let Some(other) = columns.iter().find(|c| c.role == role) {
                return Err(Error::data_file(
                    path,
                    format!(
                        "two {} columns ({:?} in {} and {:?} in {}): keep one",
                        role.label(),
                        other.shown(),
                        other.at(),
                        column.shown(),
                        column.at()
                    ),
                ));
            }
            columns.push(column);
        }
        // `<VOL>` if the file has it, else `<TICKVOL>`.
        if columns.iter().any(|c| c.role == Role::Volume) {
            columns.retain(|c| c.role != Role::TickVolume);
        } else if let Some(tick) = columns.iter_mut().find(|c| c.role == Role::TickVolume) {
            tick.role = Role::Volume;
        }
        let header = Header {
            separator,
            width: names.len(),
            needed: columns.iter().map(|c| c.index + 1).max().unwrap_or(0),
            columns,
        };
        header.check(path, line, &names, options, &listed)?;
        Ok(header)
    }

    fn check(
        &self,
        path: &Path,
        line: usize,
        names: &[String],
        options: &LoadOptions,
        listed: &[String],
    ) -> Result<()> {
        let found = || {
            let mut names = listed.join(", ");
            if self.width > listed.len() {
                let _ = write!(names, ", … ({} columns)", self.width);
            }
            names
        };
        if self.slot(Role::Date).is_none() {
            let first = names.first().map_or("", String::as_str);
            if DateReader::new(options.date_format.as_deref(), options.timezone).reads(first) {
                return Err(Error::data_line(
                    path,
                    line,
                    format!(
                        "this line holds data ({}), not column names: add a header line such as Date,Open,High,Low,Close,Volume",
                        excerpt(first)
                    ),
                ));
            }
        }
        for (required, aliases) in [
            (
                Role::Date,
                "a date may be named Date, Datetime or Timestamp",
            ),
            (Role::Close, "a close may be named Close, Price or Last"),
        ] {
            if self.slot(required).is_none() {
                return Err(Error::data_file(
                    path,
                    format!(
                        "no {} column (found {}): expected Date, Open, High, Low, Close[, Adj Close, Volume]; {aliases}",
                        required.label(),
                        found()
                    ),
                ));
            }
        }
        let range_columns = [Role::Open, Role::High, Role::Low]
            .into_iter()
            .filter(|&role| self.slot(role).is_some())
            .count();
        if range_columns != 0 && range_columns != 3 {
            return Err(Error::data_file(
                path,
                format!(
                    "has some of Open, High, Low but not all three (found {}): give all three, or only a close",
                    found()
                ),
            ));
        }
        Ok(())
    }

    /// The position in [`Header::columns`] of the column with `role`.
    pub(super) fn slot(&self, role: Role) -> Option<usize> {
        self.columns.iter().position(|c| c.role == role)
    }

    pub(super) fn close_only(&self) -> bool {
        self.slot(Role::Open).is_none()
    }
}

/// Refuses a first line that shows the file is not a CSV at all: an HTML page or a JSON
/// answer saved under the CSV's name by a failed download.
pub(super) fn sniff(path: &Path, line: usize, text: &str) -> Result<()> {
    let start: String = text
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    let what = if start.starts_with("<!doctype html") || start.starts_with("<html") {
        "an HTML page"
    } else if start.starts_with("<?xml") {
        "an XML document"
    } else if start.starts_with('{') {
        "JSON"
    } else {
        return Ok(());
    };
    Err(Error::data_line(
        path,
        line,
        format!(
            "the file is {what}, not a CSV (an error page saved by a failed download?): download the data again"
        ),
    ))
}

/// yfinance's multi-level header (`yf.download(...).to_csv()` since 0.2.51):
///
/// ```text
/// Price,Adj Close,Close,High,Low,Open,Volume
/// Ticker,GLD,GLD,GLD,GLD,GLD,GLD
/// Date,,,,,,
/// ```
///
/// When the header starts with `Price` and the next record with `Ticker`, consumes the
/// `Ticker` and `Date` records and returns the name of the date column, which replaces
/// `Price`. Several tickers in one file are refused.
fn yfinance_levels(
    path: &Path,
    records: &mut Records<'_>,
    header: &[String],
) -> Result<Option<String>> {
    let first_is = |cells: &csv::StringRecord, name: &str| {
        cells
            .get(0)
            .is_some_and(|c| c.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let is_price = header.first().is_some_and(|c| {
        c.trim_start_matches('\u{feff}')
            .eq_ignore_ascii_case("price")
    });
    if !is_price {
        return Ok(None);
    }
    let Some(ticker_line) = records.advance(path)? else {
        return Ok(None);
    };
    if !first_is(records.record(), "ticker") {
        records.unread();
        return Ok(None);
    }
    let mut names: Vec<&str> = Vec::new();
    for cell in records.record().iter().skip(1) {
        if !cell.is_empty() && !names.contains(&cell) {
            names.push(cell);
        }
        if names.len() > 1 {
            return Err(Error::data_line(
                path,
                ticker_line,
                format!(
                    "the file holds several tickers ({}, {}): save one ticker per file",
                    excerpt(names[0]),
                    excerpt(names[1])
                ),
            ));
        }
    }
    let next = records.advance(path)?;
    let date = records
        .record()
        .get(0)
        .filter(|c| next.is_some() && Role::of(c) == Some(Role::Date))
        .map(str::to_string);
    let Some(date) = date else {
        // The line that should have been the Date line; where it belongs if the file ends.
        return Err(Error::data_line(
            path,
            next.unwrap_or(ticker_line + 1),
            "yfinance layout (Price, Ticker lines) without the Date line after them: \
             add the line Date,,,, or save the data with one header line",
        ));
    };
    Ok(Some(date))
}
