//! Rebalancing calendars: which bars begin and end a week, month, quarter or year, or a run of
//! N bars. A strategy asks through [`crate::strategy::History::first_of`] and
//! [`crate::strategy::History::last_of`].
//!
//! Knowing that today is the last trading day of the month takes the next trading day's date,
//! and only its date: exchanges publish their holidays a year ahead, so a trader knows the
//! calendar, never the prices. The check for look-ahead rewrites prices, not dates.

use std::str::FromStr;

use chrono::Datelike;

use crate::Date;

/// A rebalancing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Monday to Sunday (ISO weeks).
    Week,
    /// A calendar month.
    Month,
    /// A calendar quarter (January, April, July, October).
    Quarter,
    /// A calendar year.
    Year,
    /// A run of this many bars, from the first bar of the data.
    Bars(usize),
}

impl Period {
    /// The calendar period `date` falls in, as a key equal for two dates of one period;
    /// `None` for runs of bars, which the calendar does not decide.
    fn key(self, date: Date) -> Option<(i32, u32)> {
        match self {
            Period::Week => {
                let week = date.iso_week();
                Some((week.year(), week.week()))
            }
            Period::Month => Some((date.year(), date.month())),
            Period::Quarter => Some((date.year(), date.month0() / 3)),
            Period::Year => Some((date.year(), 0)),
            Period::Bars(_) => None,
        }
    }

    /// Whether bar `bar` of `dates` is the first of its period: the first bar of the data, or
    /// a bar in another period than the bar before it.
    #[must_use]
    pub fn begins(self, dates: &[Date], bar: usize) -> bool {
        match self {
            Period::Bars(n) => bar.is_multiple_of(n),
            _ if bar == 0 => true,
            _ => self.key(dates[bar]) != self.key(dates[bar - 1]),
        }
    }

    /// Whether bar `bar` of `dates` is the last of its period: the next bar begins another
    /// one (or there is no next bar).
    #[must_use]
    pub fn ends(self, dates: &[Date], bar: usize) -> bool {
        bar + 1 >= dates.len() || self.begins(dates, bar + 1)
    }
}

impl FromStr for Period {
    type Err = String;

    /// `week`, `month`, `quarter`, `year`, or a whole number of bars of at least 1.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "quarter" => Ok(Period::Quarter),
            "year" => Ok(Period::Year),
            _ => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .map(Period::Bars)
                .ok_or_else(|| {
                    "week, month, quarter, year, or a number of bars of at least 1".into()
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(list: &[&str]) -> Vec<Date> {
        list.iter().map(|d| d.parse().unwrap()).collect()
    }

    #[test]
    fn periods_begin_where_the_calendar_turns_and_end_the_bar_before() {
        // Friday 2024-03-29 was a holiday: March's last bar is Thursday the 28th.
        let d = dates(&[
            "2024-03-27",
            "2024-03-28",
            "2024-04-01",
            "2024-04-02",
            "2024-07-01",
        ]);
        let begins = |p: Period| {
            (0..d.len())
                .filter(|&t| p.begins(&d, t))
                .collect::<Vec<_>>()
        };
        let ends = |p: Period| (0..d.len()).filter(|&t| p.ends(&d, t)).collect::<Vec<_>>();
        assert_eq!(begins(Period::Month), vec![0, 2, 4]);
        assert_eq!(ends(Period::Month), vec![1, 3, 4]);
        assert_eq!(begins(Period::Quarter), vec![0, 2, 4]);
        assert_eq!(begins(Period::Year), vec![0]);
        assert_eq!(
            begins(Period::Week),
            vec![0, 2, 4],
            "Monday the 1st opens a week"
        );
        assert_eq!(begins(Period::Bars(2)), vec![0, 2, 4]);
        assert_eq!(ends(Period::Bars(2)), vec![1, 3, 4]);
    }

    #[test]
    fn an_iso_week_spans_new_year() {
        // Tuesday 2024-12-31 and Thursday 2025-01-02 are in ISO week 1 of 2025.
        let d = dates(&["2024-12-27", "2024-12-31", "2025-01-02", "2025-01-06"]);
        let begins: Vec<usize> = (0..d.len())
            .filter(|&t| Period::Week.begins(&d, t))
            .collect();
        assert_eq!(begins, vec![0, 1, 3]);
    }

    #[test]
    fn periods_parse_by_name_or_count() {
        assert_eq!("quarter".parse(), Ok(Period::Quarter));
        assert_eq!("21".parse(), Ok(Period::Bars(21)));
        assert!("0".parse::<Period>().is_err() && "monthly".parse::<Period>().is_err());
    }
}
