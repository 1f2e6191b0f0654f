//! The data rows: splitting each into the cells of the columns read and parsing them into a
//! [`Row`], with the messages for rows cut short or too long.

use std::collections::HashMap;
use std::path::Path;

use super::dates::DateReader;
use super::header::{Column, FileHeader, Header, Role};
use super::numbers::{number_error, parse_number, parse_scaled};
use super::text::{Records, Separator, excerpt};
use super::{LoadOptions, Row, Values};
use crate::data::{Position, readable};
use crate::{Date, Error, Result};

/// Parses the cells of one series in a row.
pub(super) struct RowReader<'h> {
    pub(super) path: &'h Path,
    pub(super) header: &'h Header,
    pub(super) values: Values,
}

/// One series wanted from a file: which of its views, which symbol's rows for a long file,
/// and what its numbers are.
pub(super) struct Target<'s> {
    pub(super) view: usize,
    pub(super) symbol: Option<&'s str>,
    pub(super) values: Values,
}

impl<'s> Target<'s> {
    /// Which of `targets` each symbol's rows go to, in a long file.
    pub(super) fn by_symbol(targets: &[Target<'s>]) -> HashMap<&'s str, usize> {
        targets
            .iter()
            .enumerate()
            .filter_map(|(k, t)| t.symbol.map(|s| (s, k)))
            .collect()
    }
}

/// The rows of one series as read, in file order.
#[derive(Default)]
pub(super) struct Series {
    pub(super) rows: Vec<Row>,
    /// The rows with a date and no value (`null`, `NaN` or empty in every column of the
    /// series): their line and date.
    pub(super) nulls: Vec<(Position, Date)>,
}

/// A cell that says "no value": empty, `null` (Yahoo's and yfinance's) or `NaN` (pandas').
fn is_null(cell: &str) -> bool {
    cell.is_empty() || cell.eq_ignore_ascii_case("null") || cell.eq_ignore_ascii_case("nan")
}

/// Reads every data row of `records` into the series of `targets`: a row's date once, then
/// each target's cells. Only rows whose date falls inside the cut are parsed further, and in
/// a long file only the rows of a symbol wanted, so a bad stretch of history can be excluded
/// with `--from`/`--to` (rows outside the cut need a readable date and well-formed quotes)
/// and the other symbols of a vendor dump cost only their tokenizing. Also returns the
/// number of non-blank rows.
pub(super) fn read_all(
    path: &Path,
    file: &FileHeader,
    targets: &[Target<'_>],
    records: &mut Records<'_>,
    options: &LoadOptions,
) -> Result<(Vec<Series>, usize)> {
    let mut dates = DateReader::new(options.date_format.as_deref(), options.timezone);
    let readers: Vec<RowReader<'_>> = targets
        .iter()
        .map(|t| RowReader {
            path,
            header: &file.views[t.view].header,
            values: t.values,
        })
        .collect();
    let shared = &file.views[0].header;
    let date_column = shared.slot(Role::Date).map(|s| &shared.columns[s]);
    let Some(date_column) = date_column else {
        return Err(Error::data_file(path, "no date column"));
    };
    let by_symbol = Target::by_symbol(targets);
    let symbol_column = shared
        .slot(Role::Symbol)
        .filter(|_| !by_symbol.is_empty())
        .map(|s| shared.columns[s].index);
    let mut series: Vec<Series> = targets.iter().map(|_| Series::default()).collect();
    let mut data_rows = 0;
    while let Some(line) = records.advance(path)? {
        data_rows += 1;
        let wanted = match symbol_column {
            None => None,
            Some(index) => match by_symbol.get(records.cell(index).unwrap_or_default()) {
                Some(&k) => Some(k),
                None => continue,
            },
        };
        let reader = &readers[wanted.unwrap_or(0)];
        let Some(text) = records.cell(date_column.index) else {
            return Err(reader.cut_short(line, records.width(), date_column));
        };
        let date = dates.read(path, line, date_column, text)?;
        if options.from.is_some_and(|from| date < from) || options.to.is_some_and(|to| date > to) {
            continue;
        }
        for (k, reader) in readers.iter().enumerate() {
            if wanted.is_some_and(|w| w != k) {
                continue;
            }
            match reader.parse(line, date, records)? {
                Some(row) => series[k].rows.push(row),
                None => series[k].nulls.push((Position::Line(line), date)),
            }
        }
    }
    Ok((series, data_rows))
}

impl RowReader<'_> {
    /// The series' values on the row of `date`; `None` for a row without any (a `null` row).
    /// The series' values in the current record of `records`, the row of `date`; `None` for
    /// a row without any (a `null` row). A cell present but empty is `Some("")`, so that
    /// "empty" and "missing" differ.
    fn parse(&self, line: usize, date: Date, records: &Records<'_>) -> Result<Option<Row>> {
        let header = self.header;
        let cell = |role: Role| {
            header
                .slot(role)
                .and_then(|s| records.cell(header.columns[s].index))
        };
        let count = records.width();
        let extra = records
            .cells()
            .enumerate()
            .skip(header.width)
            .find(|(_, cell)| !cell.is_empty());
        if let Some((index, extra)) = extra {
            return Err(self.too_many(line, count, index, extra));
        }
        if count < header.needed
            && let Some(missing) = header.columns.iter().find(|c| c.index >= count)
        {
            return Err(self.cut_short(line, count, missing));
        }
        if header.columns.iter().all(|column| {
            matches!(column.role, Role::Date | Role::Time | Role::Symbol)
                || records.cell(column.index).is_some_and(is_null)
        }) {
            return Ok(None);
        }
        if let Some(slot) = header.slot(Role::Time) {
            let column = &header.columns[slot];
            let time = cell(Role::Time).unwrap_or_default();
            if !time.chars().all(|c| c == '0' || c == ':') {
                return Err(Error::data_line(
                    self.path,
                    line,
                    format!(
                        "{} {} is not midnight ({}): these are intraday bars; export daily (D1) bars",
                        column.shown(),
                        excerpt(time),
                        column.at()
                    ),
                ));
            }
        }
        let read = |column: &Column| -> Result<f64> {
            let text = cell(column.role).unwrap_or_default();
            if column.role == Role::Volume {
                self.volume(line, column, text)
            } else {
                parse_number(text, header.separator)
                    .map_err(|e| number_error(self.path, line, column, text, e))
            }
        };
        let at = Position::Line(line);
        assemble(self.path, at, date, header, self.values, read).map(Some)
    }

    fn too_many(&self, line: usize, count: usize, index: usize, extra: &str) -> Error {
        let separator = self.header.separator;
        let hint = match separator {
            Separator::Comma => {
                "an unquoted comma inside a number? Quote the cell (\"1,234.50\") or drop the comma"
            }
            Separator::Tab | Separator::Semicolon => {
                "a stray separator? Remove it, or name the extra column in the header"
            }
        };
        Error::data_line(
            self.path,
            line,
            format!(
                "{count} cells where the header has {} ({} in column {}): {hint}",
                self.header.width,
                excerpt(extra),
                index + 1
            ),
        )
    }

    fn cut_short(&self, line: usize, count: usize, missing: &Column) -> Error {
        Error::data_line(
            self.path,
            line,
            format!(
                "{} cells where the header has {}, so no {} ({}): the row is cut short \
                 (an interrupted download?); complete it or delete it",
                count,
                self.header.width,
                missing.shown(),
                missing.at()
            ),
        )
    }

    /// A volume: a non-negative finite number, `K`/`M`/`B` read as thousands, millions and
    /// billions; in a `Vol.` column (Investing.com) `-` and empty mean no data, read as 0.
    fn volume(&self, line: usize, column: &Column, text: &str) -> Result<f64> {
        if column.name.trim().eq_ignore_ascii_case("vol.") && (text.is_empty() || text == "-") {
            return Ok(0.0);
        }
        let (number, exponent) = match text.as_bytes().last() {
            Some(b'K') => (&text[..text.len() - 1], 3),
            Some(b'M') => (&text[..text.len() - 1], 6),
            Some(b'B') => (&text[..text.len() - 1], 9),
            _ => (text, 0),
        };
        parse_scaled(number, self.header.separator, exponent)
            .map_err(|e| number_error(self.path, line, column, text, e))
    }
}

/// The row of `date` at `at` for the series of `header`, each column's number given by `read`
/// (parsed, not yet checked): the prices checked and scaled as `values` says, open, high and
/// low the close's in a close-only series, `Adj Close` the close where there is none.
pub(super) fn assemble(
    path: &Path,
    at: Position,
    date: Date,
    header: &Header,
    values: Values,
    read: impl Fn(&Column) -> Result<f64>,
) -> Result<Row> {
    let column = |role: Role| header.slot(role).map(|s| &header.columns[s]);
    let price = |role: Role| -> Result<f64> {
        let column = column(role).expect("a column checked in the header");
        checked_price(path, at, column, read(column)?, values)
    };
    let close = price(Role::Close)?;
    let (open, high, low) = if header.close_only() {
        (close, close, close)
    } else {
        (price(Role::Open)?, price(Role::High)?, price(Role::Low)?)
    };
    let adj_close = match column(Role::AdjClose) {
        Some(adjusted) => {
            let adj_close = price(Role::AdjClose)?;
            check_adjusted(path, at, adjusted, adj_close, [open, high, low, close])?;
            adj_close
        }
        None => close,
    };
    let volume = match column(Role::Volume) {
        Some(column) => checked_volume(path, at, column, read(column)?)?,
        None => 0.0,
    };
    Ok(Row {
        at,
        date,
        open,
        high,
        low,
        close,
        adj_close,
        volume,
    })
}

/// `value`, read from `column` at `at`, as a price of `values`: positive and divided by the
/// unit's divisor; or a rate, of any sign. (Finite already: every reader refuses the others.)
pub(super) fn checked_price(
    path: &Path,
    at: Position,
    column: &Column,
    value: f64,
    values: Values,
) -> Result<f64> {
    let Values::Prices { divisor } = values else {
        return Ok(value);
    };
    let scaled = value / divisor;
    if value <= 0.0 || scaled <= 0.0 {
        return Err(Error::data_at(
            path,
            at,
            format!(
                "{} {} is not a positive price ({}): correct the cell, delete the row, or cut it off with --from/--to",
                column.shown(),
                readable(value),
                column.at()
            ),
        ));
    }
    Ok(scaled)
}

/// The adjusted prices, each of `prices` times `Adj Close / Close` as the universe scales
/// them, must be positive and finite like the prices as written: `Close 1e300` with
/// `Adj Close 1e-300` would otherwise trade at a price of 0.
pub(super) fn check_adjusted(
    path: &Path,
    at: Position,
    column: &Column,
    adj_close: f64,
    prices: [f64; 4],
) -> Result<()> {
    let close = prices[3];
    let factor = adj_close / close;
    let Some(bad) = prices
        .into_iter()
        .map(|p| p * factor)
        .find(|p| !(*p > 0.0 && p.is_finite()))
    else {
        return Ok(());
    };
    Err(Error::data_at(
        path,
        at,
        format!(
            "{} {} over Close {} gives an adjusted price of {} ({}): not a positive finite \
             price; correct the cell or delete the row",
            column.shown(),
            readable(adj_close),
            readable(close),
            readable(bad),
            column.at()
        ),
    ))
}

/// `value`, read from `column` at `at`, as a volume: not negative.
pub(super) fn checked_volume(
    path: &Path,
    at: Position,
    column: &Column,
    value: f64,
) -> Result<f64> {
    if value < 0.0 {
        return Err(Error::data_at(
            path,
            at,
            format!(
                "{} {} is negative ({}): correct the cell or delete the row",
                column.shown(),
                readable(value),
                column.at()
            ),
        ));
    }
    Ok(value)
}
