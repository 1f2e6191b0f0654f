//! Parquet files, read by polars. The scan is lazy: for a long file, the rows of the symbols
//! asked for (and, where the date column is a `Date`, of the dates asked for) are filtered in
//! the scan, so the row groups of other symbols are skipped by their statistics rather than
//! read. Columns are found by name as in a CSV (`header.rs`), and every number goes through
//! the checks a CSV cell does (`rows.rs`), so a file says the same things in either format;
//! a place in it is a row (the first is row 1), not a line.

use std::path::Path;

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::dates::DateReader;
use super::header::{Column, FileHeader, Layout, Role};
use super::rows::{Series, Target, assemble};
use super::text::{Separator, unreadable as unreadable_file};
use super::{LoadOptions, Row};
use crate::data::Position;
use crate::{Date, Error, Result};

/// The row index the scan adds: each row's 0-based place in the file, kept through filters.
const ROW_INDEX: &str = "__backtest_row";

/// Whether `path` names a Parquet file (`.parquet`, `.pq`).
pub(super) fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

fn unreadable(path: &Path, e: &PolarsError) -> Error {
    let reason = e.to_string();
    let reason = reason.lines().next().unwrap_or_default();
    Error::data_file(
        path,
        format!("cannot be read as Parquet ({reason}): check that it is a whole Parquet file"),
    )
}

fn scan(path: &Path) -> Result<LazyFrame> {
    let text = path
        .to_str()
        .ok_or_else(|| Error::data_file(path, "the path is not UTF-8: rename the file"))?;
    let args = ScanArgsParquet {
        glob: false,
        row_index: Some(RowIndex {
            name: ROW_INDEX.into(),
            offset: 0,
        }),
        ..ScanArgsParquet::default()
    };
    LazyFrame::scan_parquet(PlRefPath::new(text), args).map_err(|e| unreadable(path, &e))
}

/// The file's header, from its column names, and its schema.
pub(super) fn header(path: &Path, options: &LoadOptions) -> Result<(FileHeader, Schema)> {
    let schema = scan(path)?
        .collect_schema()
        .map_err(|e| unreadable(path, &e))?;
    let names: Vec<String> = schema
        .iter_names()
        .filter(|n| n.as_str() != ROW_INDEX)
        .map(ToString::to_string)
        .collect();
    let file = FileHeader::of_names(path, 1, &names, Separator::Comma, options)?;
    Ok((file, (*schema).clone()))
}

/// The symbols a long file's symbol column holds, in the order of their first row.
pub(super) fn symbols(path: &Path, file: &FileHeader) -> Result<Vec<String>> {
    let header = &file.views[0].header;
    let Some(slot) = header.slot(Role::Symbol) else {
        return Ok(Vec::new());
    };
    let name = header.columns[slot].name.as_str();
    let frame = scan(path)?
        .select([col(name).cast(DataType::String)])
        .collect()
        .map_err(|e| unreadable(path, &e))?;
    let column = frame
        .column(name)
        .and_then(|c| c.str().cloned())
        .map_err(|e| unreadable(path, &e))?;
    let mut seen = std::collections::HashSet::new();
    Ok(column
        .iter()
        .flatten()
        .filter(|s| seen.insert(*s))
        .map(str::to_string)
        .collect())
}

/// The rows of `targets` in the Parquet file at `path`, as [`super::rows::read_all`] gives a
/// CSV's.
pub(super) fn read_all(
    path: &Path,
    file: &FileHeader,
    schema: &Schema,
    targets: &[Target<'_>],
    options: &LoadOptions,
) -> Result<(Vec<Series>, usize)> {
    let shared = &file.views[0].header;
    let column_of = |role: Role| shared.slot(role).map(|s| &shared.columns[s]);
    let date_column = column_of(Role::Date).expect("a header has a date column");
    let wanted_symbols: Vec<&str> = targets.iter().filter_map(|t| t.symbol).collect();
    let mut scan = scan(path)?;
    let symbol_column = column_of(Role::Symbol).filter(|_| file.layout == Layout::Long);
    if let (Some(column), false) = (symbol_column, wanted_symbols.is_empty()) {
        let list = polars::prelude::Series::new("wanted".into(), wanted_symbols.clone());
        scan = scan.filter(
            col(column.name.as_str())
                .cast(DataType::String)
                .is_in(lit(list).implode(false), false),
        );
    }
    let date_name = date_column.name.as_str();
    let is_date = matches!(schema.get(date_name), Some(DataType::Date));
    if is_date {
        if let Some(from) = options.from {
            scan = scan.filter(col(date_name).gt_eq(lit(from)));
        }
        if let Some(to) = options.to {
            scan = scan.filter(col(date_name).lt_eq(lit(to)));
        }
    }
    let frame = scan.collect().map_err(|e| unreadable(path, &e))?;
    let failed = |e: PolarsError| unreadable(path, &e);
    let places: Vec<Position> = frame
        .column(ROW_INDEX)
        .and_then(|c| c.cast(&DataType::UInt64))
        .and_then(|c| c.u64().cloned())
        .map_err(failed)?
        .iter()
        .map(|i| Position::Row(usize::try_from(i.unwrap_or(0)).unwrap_or(usize::MAX) + 1))
        .collect();
    let dates = dates_of(path, &frame, date_column, &places, options)?;
    let owner = match symbol_column {
        Some(column) if !wanted_symbols.is_empty() => Some(owners(path, &frame, column, targets)?),
        _ => None,
    };
    // Every number column once, whichever targets read it, by the column's index.
    let width = file
        .views
        .iter()
        .flat_map(|v| v.header.columns.iter().map(|c| c.index + 1))
        .max()
        .unwrap_or(0);
    let mut numbers: Vec<Option<Vec<f64>>> = vec![None; width];
    for target in targets {
        for column in &file.views[target.view].header.columns {
            if !matches!(column.role, Role::Date | Role::Time | Role::Symbol)
                && numbers[column.index].is_none()
            {
                numbers[column.index] = Some(floats(path, &frame, column)?);
            }
        }
    }
    drop(frame);
    let mut series: Vec<Series> = targets.iter().map(|_| Series::default()).collect();
    let every: Vec<usize> = (0..targets.len()).collect();
    for (i, (&at, date)) in places.iter().zip(&dates).enumerate() {
        let Some(date) = *date else { continue };
        let owners = match &owner {
            Some(owner) => owner[i].as_slice(),
            None => &every,
        };
        for &k in owners {
            let target = &targets[k];
            let header = &file.views[target.view].header;
            let value = |column: &Column| {
                numbers[column.index]
                    .as_ref()
                    .map(|v| v[i])
                    .filter(|v| !v.is_nan())
            };
            let mut priced = header.columns.iter().filter(|c| numbers[c.index].is_some());
            if priced.all(|c| value(c).is_none()) {
                series[k].nulls.push((at, date));
                continue;
            }
            let read = |column: &Column| -> Result<f64> {
                let problem = match value(column) {
                    Some(value) if value.is_finite() => return Ok(value),
                    Some(value) => format!("{value} is not a finite number"),
                    None => "is empty".to_string(),
                };
                Err(Error::data_at(
                    path,
                    at,
                    format!(
                        "{} {problem} ({}): correct the cell or delete the row",
                        column.shown(),
                        column.at()
                    ),
                ))
            };
            let row: Row = assemble(path, at, date, header, target.values, read)?;
            series[k].rows.push(row);
        }
    }
    Ok((series, places.len()))
}

/// Each row's target in a long file: the one its symbol names (the rows of others were
/// filtered in the scan).
fn owners(
    path: &Path,
    frame: &DataFrame,
    column: &Column,
    targets: &[Target<'_>],
) -> Result<Vec<Option<usize>>> {
    let failed = |e: PolarsError| unreadable(path, &e);
    let by_symbol = Target::by_symbol(targets);
    let names = frame
        .column(column.name.as_str())
        .and_then(|c| c.cast(&DataType::String))
        .map_err(failed)?;
    let names = names.str().map_err(failed)?;
    // A long file's rows mostly come grouped by symbol: the last row's is looked up again
    // only when the symbol changes.
    let mut last: Option<(&str, Option<usize>)> = None;
    Ok(names
        .iter()
        .map(|s| {
            let s = s?;
            match last {
                Some((previous, k)) if previous == s => k,
                _ => {
                    let k = by_symbol.get(s).copied();
                    last = Some((s, k));
                    k
                }
            }
        })
        .collect())
}

/// The dates of the frame's rows: a `Date` column as it is, a `Datetime` one as the date of
/// its instant in the exchange's zone (the column's own, else `--timezone`, else as written),
/// a text one read as a CSV's date cells are. `None` for a row outside `--from`/`--to`.
fn dates_of(
    path: &Path,
    frame: &DataFrame,
    column: &Column,
    places: &[Position],
    options: &LoadOptions,
) -> Result<Vec<Option<Date>>> {
    let failed = |e: PolarsError| unreadable(path, &e);
    let values = frame.column(column.name.as_str()).map_err(failed)?;
    let epoch = Date::from_ymd_opt(1970, 1, 1).expect("a date");
    let raw: Vec<Option<Date>> = match values.dtype() {
        DataType::Date => values
            .cast(&DataType::Int32)
            .and_then(|c| c.i32().cloned())
            .map_err(failed)?
            .iter()
            .map(|d| d.and_then(|d| epoch.checked_add_signed(chrono::Duration::days(d.into()))))
            .collect(),
        DataType::Datetime(unit, zone) => {
            let per_second = match unit {
                TimeUnit::Nanoseconds => 1_000_000_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Milliseconds => 1_000,
            };
            let zone: Option<chrono_tz::Tz> = zone
                .as_ref()
                .and_then(|z| z.as_str().parse().ok())
                .or(options.timezone);
            values
                .cast(&DataType::Int64)
                .and_then(|c| c.i64().cloned())
                .map_err(failed)?
                .iter()
                .map(|t| {
                    let t = t?;
                    let instant: DateTime<Utc> = DateTime::from_timestamp(
                        t.div_euclid(per_second),
                        u32::try_from(t.rem_euclid(per_second) * (1_000_000_000 / per_second))
                            .unwrap_or(0),
                    )?;
                    Some(match zone {
                        Some(zone) => instant.with_timezone(&zone).date_naive(),
                        None => instant.date_naive(),
                    })
                })
                .collect()
        }
        DataType::String => {
            let mut reader = DateReader::new(options.date_format.as_deref(), options.timezone);
            let text = values.str().map_err(failed)?;
            text.iter()
                .zip(places)
                .map(|(cell, at)| {
                    let cell = cell.unwrap_or_default();
                    reader.read(path, at.number(), column, cell).map(Some)
                })
                .collect::<Result<_>>()?
        }
        other => {
            return Err(Error::data_file(
                path,
                format!(
                    "the date column {} holds {other} values: store dates as a Date, a \
                     Datetime or ISO text",
                    column.shown()
                ),
            ));
        }
    };
    raw.iter()
        .zip(places)
        .map(|(date, at)| {
            let date = date.ok_or_else(|| {
                Error::data_at(
                    path,
                    *at,
                    format!(
                        "date is empty ({}): fill the cell or delete the row",
                        column.at()
                    ),
                )
            })?;
            let outside =
                options.from.is_some_and(|f| date < f) || options.to.is_some_and(|t| date > t);
            Ok((!outside).then_some(date))
        })
        .collect()
}

/// The column of `column` as numbers, NaN where empty (NaN is how pandas writes a missing
/// price, and reads as empty too): integers and floats as they are; text or other types
/// refused. A column without empty cells is copied whole.
fn floats(path: &Path, frame: &DataFrame, column: &Column) -> Result<Vec<f64>> {
    let failed = |e: PolarsError| unreadable(path, &e);
    let values = frame.column(column.name.as_str()).map_err(failed)?;
    if !values.dtype().is_primitive_numeric() {
        return Err(Error::data_file(
            path,
            format!(
                "{} holds {} values ({}): store prices and volumes as numbers",
                column.shown(),
                values.dtype(),
                column.at()
            ),
        ));
    }
    let numbers = values
        .cast(&DataType::Float64)
        .and_then(|c| c.f64().cloned())
        .map_err(failed)?
        .rechunk()
        .into_owned();
    Ok(match numbers.cont_slice() {
        Ok(whole) => whole.to_vec(),
        Err(_) => numbers.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
    })
}

/// The fingerprint of a Parquet file: a hash of its bytes, as for a CSV (of any size: polars
/// reads what it needs of a large one).
pub(super) fn fingerprint(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| unreadable_file(path, &e))?;
    Ok(crate::hash::content_hex(&bytes))
}
