//! Market data: finding the files of a dataset and the symbols each holds, loading and
//! validating each symbol's bars (from CSV by the csv crate, from Parquet by polars), and
//! aligning several symbols on one calendar.

mod dataset;
mod defects;
mod load;
mod manifest;
mod resample;
mod universe;

pub use dataset::{Dataset, is_rate};
pub use defects::{Defect, DefectKind, FileReport};
pub use load::{Layout, LoadOptions, Wanted, load_bars, load_series, symbols_in};
pub use manifest::{MANIFEST_FILE, Manifest};
pub use resample::{BarLength, aggregate};
pub use universe::{PriceMode, Series, Universe};

use serde::Serialize;

use crate::Date;

/// A number as data messages show it: as written where it is of ordinary size, in exponent
/// form where it is not (`1e-308`, `1e300`), so an extreme price or volume takes a dozen
/// characters instead of the 300 digits of its full decimal expansion.
#[must_use]
pub fn readable(value: f64) -> String {
    let size = value.abs();
    if value == 0.0 || !value.is_finite() || (1e-6..1e15).contains(&size) {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

/// Where something is in a data file: a line of a CSV (the header is line 1), or a row of a
/// table without lines (a Parquet file's first row is row 1). One type, so that a defect or a
/// refusal names its place the same way whatever the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// A 1-based line of a text file.
    Line(usize),
    /// A 1-based row of a table.
    Row(usize),
}

impl Position {
    /// The number alone.
    #[must_use]
    pub fn number(self) -> usize {
        match self {
            Position::Line(n) | Position::Row(n) => n,
        }
    }

    /// What several are called: "lines" or "rows".
    #[must_use]
    pub fn plural(self) -> &'static str {
        match self {
            Position::Line(_) => "lines",
            Position::Row(_) => "rows",
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// One symbol's validated daily history, as written in its file (sorted, one row per date).
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// The symbol: the file's stem (`GLD` for `GLD.csv`).
    pub symbol: String,
    /// Dates, strictly increasing.
    pub dates: Vec<Date>,
    /// Opening prices (equal to the close for a close-only file).
    pub open: Vec<f64>,
    /// Highest prices (equal to the close for a close-only file).
    pub high: Vec<f64>,
    /// Lowest prices (equal to the close for a close-only file).
    pub low: Vec<f64>,
    /// Closing prices as written.
    pub close: Vec<f64>,
    /// `Adj Close` where the file has it: the close adjusted for dividends and splits.
    pub adj_close: Option<Vec<f64>>,
    /// Volume where the file has it.
    pub volume: Option<Vec<f64>>,
    /// The file had a close and no open, high or low: a next-open fill happens at the next close.
    pub close_only: bool,
}

impl Bars {
    /// Number of bars.
    #[must_use]
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// True when there are no bars.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }
}
