//! The defects real daily files have, each with one explicit policy. Defects that make a
//! number wrong stop the load (see `load.rs`); the ones here are kept, counted and reported,
//! because real markets produce them (settlement closes outside the day's range, exchange
//! closures) and silently "repairing" them would change results behind the user's back.

use serde::Serialize;
use std::path::PathBuf;

use super::Position;
use crate::Date;

/// A kind of defect that is reported but does not stop the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectKind {
    /// Rows not in date order.
    UnsortedRows,
    /// The same date twice with identical values.
    DuplicateRows,
    /// A dated row with no values (`null` or empty in every column read): yfinance writes
    /// them for market holidays.
    NullRows,
    /// A bar dated on a Saturday or a Sunday: no exchange trades then, so it is most often a
    /// timestamp converted to another time zone (`--timezone` reads it as the exchange's date).
    WeekendBar,
    /// Open or close outside the high–low range, or high below low.
    OhlcOutsideRange,
    /// Open = high = low = close with zero volume: no trading that day.
    FlatZeroVolume,
    /// A flat zero-volume bar repeating the previous close: a vendor's placeholder for a
    /// market holiday rather than a day of trading.
    HolidayPlaceholder,
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
            DefectKind::NullRows => "null_rows",
            DefectKind::WeekendBar => "weekend_bar",
            DefectKind::OhlcOutsideRange => "ohlc_outside_range",
            DefectKind::FlatZeroVolume => "flat_zero_volume",
            DefectKind::HolidayPlaceholder => "holiday_placeholder",
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
            DefectKind::NullRows => "dropped (no prices that day: nothing is invented)",
            DefectKind::WeekendBar => {
                "kept (a shifted time stamp? pass --timezone, the exchange's time zone)"
            }
            DefectKind::OhlcOutsideRange => "kept as written (futures settle outside the range)",
            DefectKind::FlatZeroVolume => {
                "kept (no trading that day; fills still happen at its price)"
            }
            DefectKind::HolidayPlaceholder => {
                "kept (a fill there happens at the repeated price; cut it with --from/--to)"
            }
            DefectKind::Gap => "kept (no bars invented; the last close marks the gap)",
            DefectKind::Jump => "kept (check for splits, rolls or bad ticks; cut with --from/--to)",
            DefectKind::PartialLastBar => "kept (drop it with --to the day before)",
        }
    }
}

/// One row, or pair of consecutive rows, showing a defect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Occurrence {
    /// Where it is in the file.
    pub at: Position,
    /// The date of the first bar it concerns (the earlier bar of a gap or a jump).
    pub since: Date,
    /// The date of the last bar it concerns.
    pub date: Date,
    /// What it is, in words.
    pub example: String,
}

/// One kind of defect found in a file, with every occurrence in file order: a run counts only
/// those on the bars it uses ([`FileReport::within`]), and `data check` can list them all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Defect {
    /// The kind.
    pub kind: DefectKind,
    /// Each occurrence, never none.
    pub occurrences: Vec<Occurrence>,
}

impl Defect {
    /// How many rows (or gaps) show it.
    #[must_use]
    pub fn count(&self) -> usize {
        self.occurrences.len()
    }

    /// The first occurrence.
    ///
    /// # Panics
    /// Never for a defect of a [`FileReport`], which holds at least one occurrence of each.
    #[must_use]
    pub fn first(&self) -> &Occurrence {
        &self.occurrences[0]
    }
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
            .map_or(0, Defect::count)
    }

    /// The report of the bars from `first` to `last` alone, `dates` being the file's: what a
    /// run on that calendar uses, so that neither its rows nor its defects count the part of
    /// the file the run leaves out.
    #[must_use]
    pub fn within(&self, dates: &[Date], first: Date, last: Date) -> FileReport {
        let (start, end) = (
            dates.partition_point(|d| *d < first),
            dates.partition_point(|d| *d <= last),
        );
        if start == 0 && end == dates.len() {
            return self.clone();
        }
        let defects = self
            .defects
            .iter()
            .filter_map(|d| {
                let occurrences: Vec<Occurrence> = d
                    .occurrences
                    .iter()
                    .filter(|o| o.since >= first && o.date <= last)
                    .cloned()
                    .collect();
                (!occurrences.is_empty()).then_some(Defect {
                    kind: d.kind,
                    occurrences,
                })
            })
            .collect();
        FileReport {
            rows: end.saturating_sub(start),
            first_date: dates.get(start).copied().unwrap_or(first),
            last_date: end
                .checked_sub(1)
                .and_then(|i| dates.get(i))
                .copied()
                .unwrap_or(last),
            defects,
            ..self.clone()
        }
    }
}

/// Collects defects while the loader walks a file.
#[derive(Debug, Default)]
pub(super) struct DefectLog {
    defects: Vec<Defect>,
}

impl DefectLog {
    /// Records one occurrence at `at`, concerning the bars from `since` to `date`.
    pub(super) fn note(
        &mut self,
        kind: DefectKind,
        at: Position,
        (since, date): (Date, Date),
        example: String,
    ) {
        let occurrence = Occurrence {
            at,
            since,
            date,
            example,
        };
        match self.defects.iter_mut().find(|d| d.kind == kind) {
            Some(d) => d.occurrences.push(occurrence),
            None => self.defects.push(Defect {
                kind,
                occurrences: vec![occurrence],
            }),
        }
    }

    /// The defects in the order of [`DefectKind`], each one's occurrences in file order.
    pub(super) fn into_sorted(mut self) -> Vec<Defect> {
        self.defects.sort_by_key(|d| d.kind);
        for d in &mut self.defects {
            d.occurrences.sort_by_key(|o| o.at);
        }
        self.defects
    }
}
