//! The defects real daily files have, each with one explicit policy. Defects that make a
//! number wrong stop the load (see `load.rs`); the ones here are kept, counted and reported,
//! because real markets produce them (settlement closes outside the day's range, exchange
//! closures) and silently "repairing" them would change results behind the user's back.

use serde::Serialize;
use std::path::PathBuf;

use crate::Date;

/// A kind of defect that is reported but does not stop the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectKind {
    /// Rows not in date order.
    UnsortedRows,
    /// The same date twice with identical values.
    DuplicateRows,
    /// Open or close outside the high–low range, or high below low.
    OhlcOutsideRange,
    /// Open = high = low = close with zero volume: no trading that day.
    FlatZeroVolume,
    /// More than four calendar days between two consecutive bars.
    Gap,
    /// A close more than 50% above or below the previous close.
    Jump,
    /// The last bar's volume is under half the median of the 20 before it: likely an
    /// intraday snapshot, not a close.
    PartialLastBar,
}

impl DefectKind {
    /// The stable key of the defect in JSON and tables.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            DefectKind::UnsortedRows => "unsorted_rows",
            DefectKind::DuplicateRows => "duplicate_rows",
            DefectKind::OhlcOutsideRange => "ohlc_outside_range",
            DefectKind::FlatZeroVolume => "flat_zero_volume",
            DefectKind::Gap => "gap",
            DefectKind::Jump => "jump",
            DefectKind::PartialLastBar => "partial_last_bar",
        }
    }

    /// What the loader does about it.
    #[must_use]
    pub fn policy(self) -> &'static str {
        match self {
            DefectKind::UnsortedRows => "rows sorted by date",
            DefectKind::DuplicateRows => {
                "identical repeats dropped (differing repeats are an error)"
            }
            DefectKind::OhlcOutsideRange => "kept as written (futures settle outside the range)",
            DefectKind::FlatZeroVolume => {
                "kept (no trading that day; fills still happen at its price)"
            }
            DefectKind::Gap => "kept (no bars invented; the last close marks the gap)",
            DefectKind::Jump => "kept (check for splits, rolls or bad ticks; cut with --from/--to)",
            DefectKind::PartialLastBar => "kept (drop it with --to the day before)",
        }
    }
}

/// One kind of defect found in a file: how often, and where first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Defect {
    /// The kind.
    pub kind: DefectKind,
    /// How many rows (or gaps) show it.
    pub count: usize,
    /// The file line of the first occurrence (the header is line 1).
    pub first_line: usize,
    /// The first occurrence, in words.
    pub example: String,
}

/// What the loader found in one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// The symbol it holds.
    pub symbol: String,
    /// Bars kept after cutting to `--from`/`--to` and dropping duplicates.
    pub rows: usize,
    /// First date kept.
    pub first_date: Date,
    /// Last date kept.
    pub last_date: Date,
    /// The file has only a close column.
    pub close_only: bool,
    /// The file has an `Adj Close` column.
    pub has_adj_close: bool,
    /// Defects found, in the order of [`DefectKind`].
    pub defects: Vec<Defect>,
    /// Hash of the file's bytes: any edit of the file changes it.
    pub fingerprint: String,
}

impl FileReport {
    /// How many occurrences of `kind` the file has.
    #[must_use]
    pub fn count(&self, kind: DefectKind) -> usize {
        self.defects
            .iter()
            .find(|d| d.kind == kind)
            .map_or(0, |d| d.count)
    }
}

/// Collects defects while the loader walks a file.
#[derive(Debug, Default)]
pub(super) struct DefectLog {
    defects: Vec<Defect>,
}

impl DefectLog {
    /// Records one occurrence; the first one keeps its line and description.
    pub(super) fn note(&mut self, kind: DefectKind, line: usize, example: impl FnOnce() -> String) {
        if let Some(d) = self.defects.iter_mut().find(|d| d.kind == kind) {
            d.count += 1;
        } else {
            self.defects.push(Defect {
                kind,
                count: 1,
                first_line: line,
                example: example(),
            });
        }
    }

    pub(super) fn into_sorted(mut self) -> Vec<Defect> {
        self.defects.sort_by_key(|d| d.kind);
        self.defects
    }
}
