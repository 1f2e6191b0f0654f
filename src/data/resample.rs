//! Resampling: weekly and monthly bars aggregated from one symbol's validated daily [`Bars`],
//! for strategies that decide once a week or once a month.
//!
//! A period is an ISO week (Monday to Sunday) or a calendar month. Its bar takes the first
//! open, the highest high, the lowest low, the last close and the last `Adj Close` of the
//! period's trading days in the file, and the sum of their volumes; it is dated on the last of
//! those days, the close it was known at, so nothing of a period is seen before it has ended.
//! A period the file covers only in part (its first or last, or one cut by `--from`/`--to`)
//! is a bar of the days it has: no day is invented.
//!
//! Adjusted prices: `Universe::align` scales a bar's open, high, low and close by its
//! `Adj Close / Close`. Keeping the period's last `Adj Close` beside its last close makes that
//! ratio the last day's, so the close is adjusted exactly as the daily close of that day,
//! and the period's open, high and low are scaled by the last day's ratio too (not by the
//! ratio of the day each came from: they differ only across a dividend or split inside the
//! period).
//!
//! A close-only file stays close-only: its open, high and low are the period's close, as a
//! close-only daily file's are the day's close.

use chrono::Datelike;
use serde::Serialize;

use super::Bars;
use crate::Date;

/// What one bar of a run covers: a trading day as in the files, or a week or a month of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum BarLength {
    /// One bar per row of the files.
    #[default]
    Daily,
    /// One bar per ISO week (Monday to Sunday), dated on its last trading day.
    Weekly,
    /// One bar per calendar month, dated on its last trading day.
    Monthly,
}

impl BarLength {
    /// Bars in a year, the annualisation of every statistic of a run on such bars: 252
    /// trading days, 52 weeks, 12 months.
    #[must_use]
    pub fn periods_per_year(self) -> usize {
        match self {
            BarLength::Daily => 252,
            BarLength::Weekly => 52,
            BarLength::Monthly => 12,
        }
    }

    /// The name of one period, for labels such as "252-day years" and "52-week windows".
    #[must_use]
    pub fn period(self) -> &'static str {
        match self {
            BarLength::Daily => "day",
            BarLength::Weekly => "week",
            BarLength::Monthly => "month",
        }
    }

    /// Its name as given after `--bars` and written in `summary.json`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            BarLength::Daily => "daily",
            BarLength::Weekly => "weekly",
            BarLength::Monthly => "monthly",
        }
    }

    /// Whether two dates fall in one period: one ISO week (its year and number), or one
    /// calendar month.
    fn same_period(self, a: Date, b: Date) -> bool {
        match self {
            BarLength::Daily => a == b,
            BarLength::Weekly => a.iso_week() == b.iso_week(),
            BarLength::Monthly => (a.year(), a.month()) == (b.year(), b.month()),
        }
    }
}

/// `daily` aggregated into bars of `length` (see the module's rules); daily bars are returned as
/// they are.
#[must_use]
pub fn aggregate(daily: Bars, length: BarLength) -> Bars {
    if length == BarLength::Daily {
        return daily;
    }
    // The days of each period, as a range of rows: the dates increase strictly, so a
    // period's days are consecutive.
    let mut periods: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, date) in daily.dates.iter().enumerate() {
        match periods.last_mut() {
            Some(period) if length.same_period(daily.dates[period.start], *date) => {
                period.end = i + 1;
            }
            _ => periods.push(i..i + 1),
        }
    }
    let each = |column: &[f64], of: fn(&[f64]) -> f64| -> Vec<f64> {
        periods.iter().map(|p| of(&column[p.clone()])).collect()
    };
    let first = |days: &[f64]| days[0];
    let last = |days: &[f64]| days[days.len() - 1];
    let close = each(&daily.close, last);
    let (open, high, low) = if daily.close_only {
        (close.clone(), close.clone(), close.clone())
    } else {
        (
            each(&daily.open, first),
            each(&daily.high, |days| {
                days.iter().copied().fold(days[0], f64::max)
            }),
            each(&daily.low, |days| {
                days.iter().copied().fold(days[0], f64::min)
            }),
        )
    };
    Bars {
        dates: periods.iter().map(|p| daily.dates[p.end - 1]).collect(),
        open,
        high,
        low,
        adj_close: daily.adj_close.as_deref().map(|adj| each(adj, last)),
        volume: daily
            .volume
            .as_deref()
            .map(|volume| each(volume, |days| days.iter().sum())),
        close,
        symbol: daily.symbol,
        close_only: daily.close_only,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    /// Daily bars on `days`, the n-th (from 0) with open 10 + n, high 20 + n, low n + 1,
    /// close 15 + n, `Adj Close` half the close and volume 100 · (n + 1).
    fn daily(days: &[&str]) -> Bars {
        let n = |f: fn(f64) -> f64| (0..days.len()).map(|i| f(i as f64)).collect::<Vec<f64>>();
        Bars {
            symbol: "X".into(),
            dates: days.iter().map(|d| date(d)).collect(),
            open: n(|i| 10.0 + i),
            high: n(|i| 20.0 + i),
            low: n(|i| i + 1.0),
            close: n(|i| 15.0 + i),
            adj_close: Some(n(|i| 0.5 * (15.0 + i))),
            volume: Some(n(|i| 100.0 * (i + 1.0))),
            close_only: false,
        }
    }

    #[test]
    fn a_week_with_a_holiday_ends_on_its_last_trading_day() {
        // Monday 15 January 2024 was a holiday (Martin Luther King Jr. Day): that week's bar
        // holds Tuesday to Friday and is dated Friday.
        let days = [
            "2024-01-10",
            "2024-01-11",
            "2024-01-12",
            "2024-01-16",
            "2024-01-17",
            "2024-01-18",
            "2024-01-19",
            "2024-01-22",
        ];
        let weekly = aggregate(daily(&days), BarLength::Weekly);
        let dates: Vec<String> = weekly.dates.iter().map(ToString::to_string).collect();
        assert_eq!(dates, ["2024-01-12", "2024-01-19", "2024-01-22"]);
        assert_eq!(
            weekly.open,
            [10.0, 13.0, 17.0],
            "the first open of each week"
        );
        assert_eq!(weekly.close, [17.0, 21.0, 22.0], "the last close");
        assert_eq!(
            weekly.adj_close,
            Some(vec![8.5, 10.5, 11.0]),
            "the last Adj Close"
        );
    }

    #[test]
    fn a_week_across_new_year_is_one_iso_week() {
        // Monday 30 December 2024 to Friday 3 January 2025 is week 1 of 2025.
        let days = [
            "2024-12-27",
            "2024-12-30",
            "2024-12-31",
            "2025-01-02",
            "2025-01-03",
        ];
        let weekly = aggregate(daily(&days), BarLength::Weekly);
        assert_eq!(weekly.dates, [date("2024-12-27"), date("2025-01-03")]);
    }

    #[test]
    fn a_month_ending_on_a_weekend_is_dated_on_its_last_friday() {
        // 31 August 2024 was a Saturday, and Monday 2 September a holiday (Labor Day).
        let days = [
            "2024-08-28",
            "2024-08-29",
            "2024-08-30",
            "2024-09-03",
            "2024-09-04",
        ];
        let monthly = aggregate(daily(&days), BarLength::Monthly);
        assert_eq!(monthly.dates, [date("2024-08-30"), date("2024-09-04")]);
        assert_eq!(monthly.open, [10.0, 13.0]);
        assert_eq!(monthly.close, [17.0, 19.0]);
    }

    #[test]
    fn volumes_are_summed_and_the_range_is_the_periods_highest_high_and_lowest_low() {
        let mut bars = daily(&["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-11"]);
        // A spike inside the week: the week's high and low are the extremes of any day.
        bars.high[1] = 40.0;
        bars.low[1] = 0.5;
        let weekly = aggregate(bars, BarLength::Weekly);
        assert_eq!(weekly.high, [40.0, 23.0]);
        assert_eq!(weekly.low, [0.5, 4.0]);
        assert_eq!(weekly.volume, Some(vec![100.0 + 200.0 + 300.0, 400.0]));
    }

    #[test]
    fn a_close_only_file_stays_close_only() {
        let mut bars = daily(&["2024-05-29", "2024-05-30", "2024-05-31", "2024-06-03"]);
        bars.close_only = true;
        bars.open.clone_from(&bars.close);
        bars.high.clone_from(&bars.close);
        bars.low.clone_from(&bars.close);
        bars.volume = None;
        let monthly = aggregate(bars, BarLength::Monthly);
        assert!(monthly.close_only);
        assert_eq!(monthly.close, [17.0, 18.0]);
        for prices in [&monthly.open, &monthly.high, &monthly.low] {
            assert_eq!(prices, &monthly.close, "O = H = L = C");
        }
        assert_eq!(monthly.volume, None);
    }

    #[test]
    fn daily_bars_are_returned_as_they_are() {
        let bars = daily(&["2024-05-30", "2024-05-31", "2024-06-03"]);
        assert_eq!(aggregate(bars.clone(), BarLength::Daily), bars);
    }

    #[test]
    fn periods_per_year_follow_the_bar_length() {
        let per_year = [BarLength::Daily, BarLength::Weekly, BarLength::Monthly]
            .map(BarLength::periods_per_year);
        assert_eq!(per_year, [252, 52, 12]);
    }
}
