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
    /// The symbol of each row, in a long file of many symbols.
    Symbol,
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
            "symbol" | "ticker" | "name" => Some(Role::Symbol),
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
            Role::Symbol => "symbol",
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

/// How a file lays out its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One symbol's bars, the file's stem its symbol.
    Single,
    /// Many symbols' bars in one table, a column naming each row's symbol (Kaggle, Quandl and
    /// vendor dumps).
    Long,
    /// yfinance's multi-ticker download: a header of two levels (the prices and the tickers,
    /// in either order) and a `Date` line; each ticker's columns one series.
    Tickers,
    /// A panel of closes: a date column and one column per symbol, each a close-only series.
    Wide,
}

/// One series a file holds: its symbol where the file names it (a yfinance ticker, a wide
/// panel's column; `None` for the one series of a file named after it, and for a long file,
/// whose rows name theirs), and its columns.
pub(super) struct View {
    pub(super) symbol: Option<String>,
    pub(super) header: Header,
}

/// The header of a file: its layout and its series.
pub(super) struct FileHeader {
    pub(super) layout: Layout,
    pub(super) views: Vec<View>,
}

impl FileHeader {
    /// Reads the first record as the header (three records for yfinance's multi-level
    /// layout), finds the layout, and checks that each series' columns make a daily file.
    pub(super) fn read(
        path: &Path,
        records: &mut Records<'_>,
        separator: Separator,
        options: &LoadOptions,
    ) -> Result<FileHeader> {
        let Some(line) = records.advance(path)? else {
            return Err(Error::data_file(
                path,
                "empty file: expected a header line and one row per day",
            ));
        };
        let names: Vec<String> = records.cells().map(str::to_string).collect();
        let build = |columns: Vec<(usize, String, Option<Role>)>| {
            Header::of_columns(path, line, &names, columns, separator, options)
        };
        if let Some(levels) = yfinance_levels(path, records, &names)? {
            if levels.tickers.is_empty() {
                return Err(Error::data_line(
                    path,
                    line,
                    "yfinance layout (Price, Ticker lines) naming no ticker above its price \
                     columns: save the data again, or with one header line",
                ));
            }
            let single = levels.tickers.len() == 1;
            let views = levels
                .tickers
                .into_iter()
                .map(|(ticker, columns)| {
                    let mut all = vec![(0, levels.date.clone())];
                    all.extend(columns);
                    Ok(View {
                        symbol: (!single).then_some(ticker),
                        header: build(with_roles(all))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let layout = if single {
                Layout::Single
            } else {
                Layout::Tickers
            };
            return Ok(FileHeader { layout, views });
        }
        Self::of_names(path, line, &names, separator, options)
    }

    /// The header of a table whose column names are `names`, on `line`: a long file where a
    /// column names the symbol, a wide panel where no column is a price's, else one series.
    pub(super) fn of_names(
        path: &Path,
        line: usize,
        names: &[String],
        separator: Separator,
        options: &LoadOptions,
    ) -> Result<FileHeader> {
        let build = |columns: Vec<(usize, String, Option<Role>)>| {
            Header::of_columns(path, line, names, columns, separator, options)
        };
        let indexed: Vec<(usize, String)> = names.iter().cloned().enumerate().collect();
        let roles: Vec<Option<Role>> = names.iter().map(|n| Role::of(n)).collect();
        let priced = roles
            .iter()
            .flatten()
            .any(|r| !matches!(r, Role::Date | Role::Time | Role::Symbol));
        if let (false, Some(date)) = (priced, roles.iter().position(|r| *r == Some(Role::Date))) {
            let panel: Vec<View> = indexed
                .iter()
                .filter(|(i, name)| *i != date && roles[*i].is_none() && is_ticker(name))
                .map(|(i, symbol)| {
                    Ok(View {
                        symbol: Some(symbol.clone()),
                        header: build(vec![
                            (date, names[date].clone(), Some(Role::Date)),
                            (*i, symbol.clone(), Some(Role::Close)),
                        ])?,
                    })
                })
                .collect::<Result<_>>()?;
            if !panel.is_empty() {
                return Ok(FileHeader {
                    layout: Layout::Wide,
                    views: panel,
                });
            }
        }
        let header = build(with_roles(indexed))?;
        let layout = if header.slot(Role::Symbol).is_some() {
            Layout::Long
        } else {
            Layout::Single
        };
        Ok(FileHeader {
            layout,
            views: vec![View {
                symbol: None,
                header,
            }],
        })
    }
}

/// Each column with the role its name gives it.
fn with_roles(columns: Vec<(usize, String)>) -> Vec<(usize, String, Option<Role>)> {
    columns
        .into_iter()
        .map(|(i, name)| {
            let role = Role::of(&name);
            (i, name, role)
        })
        .collect()
}

/// A wide panel's column name that can be a symbol: a ticker's characters (letters, digits,
/// `.`, `^`, `=`, `-`, `_`), at most 24 of them. A misnamed close (`Closing Price`) is not
/// one, and is told that no close column was found.
fn is_ticker(name: &str) -> bool {
    (1..=24).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".^=-_".contains(&b))
}

impl Header {
    /// The header of one series: `read` (index, name and role; those without a role ignored)
    /// out of the header line `names` of `line`, checked to make a daily file.
    fn of_columns(
        path: &Path,
        line: usize,
        names: &[String],
        read: Vec<(usize, String, Option<Role>)>,
        separator: Separator,
        options: &LoadOptions,
    ) -> Result<Header> {
        let mut columns: Vec<Column> = Vec::new();
        let mut listed = Vec::new();
        for (index, name, role) in read {
            if listed.len() < LISTED_NAMES {
                listed.push(excerpt(name.trim_start_matches('\u{feff}')));
            }
            let Some(role) = role else {
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
        header.check(path, line, names, options, &listed)?;
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

/// yfinance's multi-level header, as `yf.download(...).to_csv()` writes it: the price names
/// and the tickers on two lines, in either order (`group_by="ticker"` puts the tickers
/// first), each line's first cell naming its level (`Price`, `Ticker`; empty before yfinance
/// 0.2.51), then a `Date` line:
///
/// ```text
/// Price,Adj Close,Close,Close,...        Ticker,GLD,GLD,...,SLV,SLV,...
/// Ticker,GLD,GLD,SLV,...                 Price,Open,High,...,Open,High,...
/// Date,,,,...                            Date,,,,...
/// ```
struct Levels {
    /// The date column's name, from the `Date` line.
    date: String,
    /// Each ticker, in the order of the file, with its columns (index and price name).
    tickers: Vec<(String, Vec<(usize, String)>)>,
}

/// The multi-level header starting with `header`, consuming its other two lines; `None` (and
/// nothing consumed) when the file does not start so.
fn yfinance_levels(
    path: &Path,
    records: &mut Records<'_>,
    header: &[String],
) -> Result<Option<Levels>> {
    let level = |cells: &[String]| {
        cells.first().map_or_else(String::new, |c| {
            c.trim_start_matches('\u{feff}').to_ascii_lowercase()
        })
    };
    let first = level(header);
    let expected = match first.as_str() {
        "price" => "ticker",
        "ticker" => "price",
        "" if header.len() > 1 => "",
        _ => return Ok(None),
    };
    let Some(second_line) = records.advance(path)? else {
        return Ok(None);
    };
    let second: Vec<String> = records.cells().map(str::to_string).collect();
    // The line of price names: `Price`, or where the levels are not named, the line of
    // price columns' names only.
    let prices = |cells: &[String]| {
        let mut names = cells[1..].iter().filter(|c| !c.is_empty()).peekable();
        names.peek().is_some()
            && names.all(|c| {
                Role::of(c).is_some_and(|r| !matches!(r, Role::Date | Role::Time | Role::Symbol))
            })
    };
    let (names, tickers) = match (first.as_str(), level(&second) == expected) {
        ("price", true) => (header, &second[..]),
        ("ticker", true) => (&second[..], header),
        ("", true) if prices(header) && !prices(&second) => (header, &second[..]),
        ("", true) if prices(&second) && !prices(header) => (&second[..], header),
        _ => {
            records.unread();
            return Ok(None);
        }
    };
    let next = records.advance(path)?;
    let date = records
        .cell(0)
        .filter(|c| next.is_some() && Role::of(c) == Some(Role::Date))
        .map(str::to_string);
    let Some(date) = date else {
        // The line that should have been the Date line; where it belongs if the file ends.
        return Err(Error::data_line(
            path,
            next.unwrap_or(second_line + 1),
            "yfinance layout (Price, Ticker lines) without the Date line after them: \
             add the line Date,,,, or save the data with one header line",
        ));
    };
    let mut grouped: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    for (index, (name, ticker)) in names.iter().zip(tickers).enumerate().skip(1) {
        if name.is_empty() || ticker.is_empty() {
            continue;
        }
        let column = (index, name.clone());
        match grouped.iter_mut().find(|(t, _)| t == ticker) {
            Some((_, columns)) => columns.push(column),
            None => grouped.push((ticker.clone(), vec![column])),
        }
    }
    Ok(Some(Levels {
        date,
        tickers: grouped,
    }))
}
