//! Several symbols on one calendar.
//!
//! Missing-bar policy: the calendar is every date on which at least one symbol has a bar,
//! between the latest first date and the earliest last date of the symbols (so every symbol
//! exists on every date of the run). Where a symbol has no bar on a calendar date, nothing is
//! invented: it is marked `present = false`, its last close marks it, the engine fills nothing
//! in it that day, and the report counts such days.

use serde::Serialize;

use super::Bars;
use crate::{Date, Error, Result};

/// Which prices the engine trades where a file has `Adj Close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PriceMode {
    /// Open, high, low and close scaled by `Adj Close / Close`: returns include dividends.
    #[default]
    Adjusted,
    /// Prices as written.
    Raw,
}

/// One symbol's prices on the universe's calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The symbol.
    pub symbol: String,
    /// Opening prices; on a missing day, the last close.
    pub open: Vec<f64>,
    /// Highs; on a missing day, the last close.
    pub high: Vec<f64>,
    /// Lows; on a missing day, the last close.
    pub low: Vec<f64>,
    /// Closes; on a missing day, the last close.
    pub close: Vec<f64>,
    /// False on calendar dates where the file has no bar.
    pub present: Vec<bool>,
    /// The file is close-only (O = H = L = C).
    pub close_only: bool,
    /// The prices were scaled by `Adj Close / Close`.
    pub adjusted: bool,
}

impl Series {
    /// Calendar days on which this symbol has no bar.
    #[must_use]
    pub fn missing_days(&self) -> usize {
        self.present.iter().filter(|p| !**p).count()
    }
}

/// Symbols aligned on one calendar: the input of the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Universe {
    /// The calendar, strictly increasing.
    pub dates: Vec<Date>,
    /// One series per symbol, in the order asked for.
    pub series: Vec<Series>,
}

impl Universe {
    /// Aligns the bars of several symbols on one calendar (see the module's policy).
    ///
    /// # Errors
    /// No symbol is given, or the symbols share no date range.
    pub fn align(bars: &[Bars], prices: PriceMode) -> Result<Universe> {
        let (Some(start), Some(end)) = (
            bars.iter().filter_map(|b| b.dates.first()).max(),
            bars.iter().filter_map(|b| b.dates.last()).min(),
        ) else {
            return Err(Error::Usage("no symbols to align".into()));
        };
        if start > end {
            let ranges: Vec<String> = bars
                .iter()
                .map(|b| format!("{} {}..{}", b.symbol, b.dates[0], b.dates[b.len() - 1]))
                .collect();
            return Err(Error::Usage(format!(
                "the symbols share no dates: {}",
                ranges.join(", ")
            )));
        }
        let mut dates: Vec<Date> = bars
            .iter()
            .flat_map(|b| b.dates.iter().copied())
            .filter(|d| (*start..=*end).contains(d))
            .collect();
        dates.sort_unstable();
        dates.dedup();
        let series = bars.iter().map(|b| align_one(b, &dates, prices)).collect();
        Ok(Universe { dates, series })
    }

    /// Lays `bars` on this calendar as one more series, without changing the calendar, and
    /// returns its index.
    ///
    /// # Panics
    /// `bars` starts after the calendar's first date (the caller checks that it covers it).
    pub fn add(&mut self, bars: &Bars, prices: PriceMode) -> usize {
        self.series.push(align_one(bars, &self.dates, prices));
        self.series.len() - 1
    }

    /// Number of bars on the calendar.
    #[must_use]
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// True when the calendar is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    /// The bars of `range` only, every series cut alike.
    ///
    /// # Panics
    /// The range goes past the end of the calendar (a bug in the caller).
    #[must_use]
    pub fn slice(&self, range: std::ops::Range<usize>) -> Universe {
        Universe {
            dates: self.dates[range.clone()].to_vec(),
            series: self
                .series
                .iter()
                .map(|s| Series {
                    symbol: s.symbol.clone(),
                    open: s.open[range.clone()].to_vec(),
                    high: s.high[range.clone()].to_vec(),
                    low: s.low[range.clone()].to_vec(),
                    close: s.close[range.clone()].to_vec(),
                    present: s.present[range.clone()].to_vec(),
                    close_only: s.close_only,
                    adjusted: s.adjusted,
                })
                .collect(),
        }
    }

    /// The first bar on or after `date`, if any.
    #[must_use]
    pub fn bar_on_or_after(&self, date: Date) -> Option<usize> {
        let bar = self.dates.partition_point(|d| *d < date);
        (bar < self.dates.len()).then_some(bar)
    }

    /// The index of `symbol`'s series.
    #[must_use]
    pub fn index_of(&self, symbol: &str) -> Option<usize> {
        self.series.iter().position(|s| s.symbol == symbol)
    }
}

fn align_one(bars: &Bars, calendar: &[Date], prices: PriceMode) -> Series {
    let adjusted = prices == PriceMode::Adjusted && bars.adj_close.is_some();
    let factor = |i: usize| match (&bars.adj_close, adjusted) {
        (Some(adj), true) => adj[i] / bars.close[i],
        _ => 1.0,
    };
    let n = calendar.len();
    let mut series = Series {
        symbol: bars.symbol.clone(),
        open: Vec::with_capacity(n),
        high: Vec::with_capacity(n),
        low: Vec::with_capacity(n),
        close: Vec::with_capacity(n),
        present: Vec::with_capacity(n),
        close_only: bars.close_only,
        adjusted,
    };
    // `next` walks the symbol's own bars; `last` is its latest bar on or before the date.
    let mut next = bars.dates.partition_point(|d| *d < calendar[0]);
    let mut last = next.checked_sub(1);
    for date in calendar {
        let present = bars.dates.get(next) == Some(date);
        if present {
            last = Some(next);
            next += 1;
        }
        let i = last.expect("the calendar starts on or after every symbol's first bar");
        let scale = factor(i);
        let carried = bars.close[i] * scale;
        let (open, high, low) = if present {
            (
                bars.open[i] * scale,
                bars.high[i] * scale,
                bars.low[i] * scale,
            )
        } else {
            (carried, carried, carried)
        };
        series.open.push(open);
        series.high.push(high);
        series.low.push(low);
        series.close.push(carried);
        series.present.push(present);
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(symbol: &str, days: &[u32], closes: &[f64]) -> Bars {
        let dates: Vec<Date> = days
            .iter()
            .map(|d| Date::from_ymd_opt(2024, 1, *d).unwrap())
            .collect();
        Bars {
            symbol: symbol.into(),
            dates,
            open: closes.to_vec(),
            high: closes.to_vec(),
            low: closes.to_vec(),
            close: closes.to_vec(),
            adj_close: Some(closes.iter().map(|c| c / 2.0).collect()),
            volume: None,
            close_only: false,
        }
    }

    #[test]
    fn missing_bars_are_marked_absent_and_carry_the_last_close() {
        let a = bars("A", &[2, 3, 4, 5, 8], &[1.0, 2.0, 3.0, 4.0, 5.0]);
        let b = bars("B", &[1, 2, 4, 8, 9], &[10.0, 20.0, 40.0, 80.0, 90.0]);
        let u = Universe::align(&[a, b], PriceMode::Raw).unwrap();
        let days: Vec<u32> = u.dates.iter().map(chrono::Datelike::day).collect();
        assert_eq!(days, vec![2, 3, 4, 5, 8], "common range 2..8, union inside");
        assert_eq!(u.series[1].close, vec![20.0, 20.0, 40.0, 40.0, 80.0]);
        assert_eq!(u.series[1].present, vec![true, false, true, false, true]);
        assert_eq!(u.series[1].missing_days(), 2);
        assert_eq!(u.series[0].missing_days(), 0);
    }

    #[test]
    fn adjusted_mode_scales_every_price_by_adj_close_over_close() {
        let a = bars("A", &[2, 3], &[4.0, 6.0]);
        let adjusted = Universe::align(std::slice::from_ref(&a), PriceMode::Adjusted).unwrap();
        let raw = Universe::align(&[a], PriceMode::Raw).unwrap();
        assert_eq!(adjusted.series[0].open, vec![2.0, 3.0]);
        assert!(adjusted.series[0].adjusted);
        assert_eq!(raw.series[0].open, vec![4.0, 6.0]);
    }

    #[test]
    fn symbols_without_common_dates_are_refused() {
        let a = bars("A", &[2, 3], &[1.0, 1.0]);
        let b = bars("B", &[8, 9], &[1.0, 1.0]);
        let err = Universe::align(&[a, b], PriceMode::Raw).unwrap_err();
        assert!(err.to_string().contains("share no dates"), "{err}");
    }
}
