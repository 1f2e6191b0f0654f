//! Stress windows: how the strategy and its benchmark fared through named episodes of market
//! stress. The built-in windows are the equity crashes and the metals reversal listed as facts
//! in the market data's README; users add their own with `--window NAME=FROM..TO`.

use std::str::FromStr;

use serde::Serialize;

use crate::metrics::Drawdown;
use crate::{Date, Error};

/// The longest window name, in characters: names are keys of `summary.json` and cells of the
/// report's tables; a longer one is a pasted paragraph, not a name.
pub const MAX_NAME_CHARS: usize = 64;

/// A named date range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Short name, used as the key in reports.
    pub name: String,
    /// First date of the episode (the close it is measured from).
    pub from: Date,
    /// Last date of the episode.
    pub to: Date,
}

impl FromStr for Window {
    type Err = Error;

    /// Parses `NAME=FROM..TO`, dates as `YYYY-MM-DD`.
    fn from_str(text: &str) -> Result<Self, Error> {
        let invalid = || {
            Error::Usage(format!(
                "--window {text:?} is not NAME=FROM..TO with dates as YYYY-MM-DD, FROM before TO"
            ))
        };
        let (name, range) = text.split_once('=').ok_or_else(invalid)?;
        let (from, to) = range.split_once("..").ok_or_else(invalid)?;
        let parse = |d: &str| Date::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| invalid());
        let (from, to) = (parse(from)?, parse(to)?);
        if name.trim().is_empty() || from >= to {
            return Err(invalid());
        }
        let length = name.trim().chars().count();
        if length > MAX_NAME_CHARS {
            return Err(Error::Usage(format!(
                "--window name of {length} characters is longer than the {MAX_NAME_CHARS} a \
                 name may have"
            )));
        }
        Ok(Window {
            name: name.trim().to_string(),
            from,
            to,
        })
    }
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).expect("a valid built-in date")
}

/// The built-in windows: peak-to-trough dates of real episodes.
#[must_use]
pub fn built_in() -> Vec<Window> {
    let window = |name: &str, from: Date, to: Date| Window {
        name: name.to_string(),
        from,
        to,
    };
    vec![
        window("financial-crisis", date(2007, 10, 9), date(2009, 3, 9)),
        window("2011-downgrade", date(2011, 7, 22), date(2011, 10, 3)),
        window("2018-q4-selloff", date(2018, 9, 20), date(2018, 12, 24)),
        window("covid-crash", date(2020, 2, 19), date(2020, 3, 23)),
        window("2022-bear", date(2022, 1, 3), date(2022, 10, 12)),
        window("metals-reversal", date(2026, 1, 29), date(2026, 7, 16)),
    ]
}

/// One window's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressResult {
    /// The window's name.
    pub name: String,
    /// The window as asked for.
    pub from: Date,
    /// The window as asked for.
    pub to: Date,
    /// The first and last bars of the data inside the window.
    pub first_bar: Date,
    /// Last bar inside the window.
    pub last_bar: Date,
    /// Strategy equity change from the close of the first bar to the close of the last.
    pub strategy_return: f64,
    /// Deepest fall of strategy equity within the window (negative fraction).
    pub strategy_max_drawdown: f64,
    /// The benchmark's change over the same bars.
    pub benchmark_return: f64,
    /// The benchmark's deepest fall within the window.
    pub benchmark_max_drawdown: f64,
}

/// Measures every window that lies inside the data's dates; the others are left out.
#[must_use]
pub fn measure(
    windows: &[Window],
    dates: &[Date],
    strategy: &[f64],
    benchmark: &[f64],
) -> Vec<StressResult> {
    let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
        return Vec::new();
    };
    windows
        .iter()
        .filter(|w| *first <= w.from && w.to <= *last)
        .filter_map(|w| {
            let start = dates.partition_point(|d| *d < w.from);
            let end = dates.partition_point(|d| *d <= w.to).checked_sub(1)?;
            (start < end).then(|| {
                let span = start..=end;
                let change = |equity: &[f64]| crate::metrics::change(equity[start], equity[end]);
                let depth = |equity: &[f64]| {
                    Drawdown::deepest(&dates[span.clone()], &equity[span.clone()]).depth
                };
                StressResult {
                    name: w.name.clone(),
                    from: w.from,
                    to: w.to,
                    first_bar: dates[start],
                    last_bar: dates[end],
                    strategy_return: change(strategy),
                    strategy_max_drawdown: depth(strategy),
                    benchmark_return: change(benchmark),
                    benchmark_max_drawdown: depth(benchmark),
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_bad_ones_are_refused() {
        let w: Window = "taper=2013-05-22..2013-06-24".parse().unwrap();
        assert_eq!(w.name, "taper");
        assert_eq!(w.to, date(2013, 6, 24));
        for bad in [
            "taper",
            "x=2013-05-22",
            "x=2013-06-24..2013-05-22",
            "=2013-01-01..2013-02-01",
        ] {
            assert!(bad.parse::<Window>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_window_measures_from_its_first_close_to_its_last_and_skips_outside_ones() {
        let dates: Vec<Date> = (1..=6).map(|d| date(2020, 3, d)).collect();
        let strategy = [100.0, 110.0, 99.0, 88.0, 121.0, 130.0];
        let benchmark = [50.0, 50.0, 40.0, 45.0, 40.0, 60.0];
        let inside = Window {
            name: "in".into(),
            from: date(2020, 3, 2),
            to: date(2020, 3, 5),
        };
        let outside = Window {
            name: "out".into(),
            from: date(2020, 2, 1),
            to: date(2020, 3, 5),
        };
        let results = measure(&[inside, outside], &dates, &strategy, &benchmark);
        assert_eq!(results.len(), 1);
        let r = &results[0];
        assert_eq!(
            (r.first_bar, r.last_bar),
            (date(2020, 3, 2), date(2020, 3, 5))
        );
        assert!((r.strategy_return - 0.1).abs() < 1e-12);
        assert!((r.strategy_max_drawdown - (88.0 / 110.0 - 1.0)).abs() < 1e-12);
        assert!((r.benchmark_return - (-0.2)).abs() < 1e-12);
        assert!((r.benchmark_max_drawdown - (-0.2)).abs() < 1e-12);
    }
}
