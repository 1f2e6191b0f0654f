//! Axes and their ticks. Ticks are chosen here rather than by plotters: calendar ticks must fall
//! on the first of a month or year, a log axis needs 1-2-5 labels, not powers of ten alone, and
//! labels must be few enough never to overlap.

use std::ops::Range;

use chrono::{Datelike, Months, TimeDelta};
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;

use crate::Date;

/// At most this many value labels on a full-height chart; a short panel gets fewer.
pub(super) const MAX_Y_TICKS: usize = 8;
/// Calendar tick steps, finest first: months between ticks, and the years the first tick aligns
/// on, so that a 5-year step ticks 2000, 2005, ... rather than 2003, 2008, ...
#[rustfmt::skip]
const CALENDAR_STEPS: [(u32, i32); 10] =
    [(1, 1), (2, 1), (3, 1), (6, 1), (12, 1), (24, 2), (60, 5), (120, 10), (240, 20), (600, 50)];

/// One axis: a range mapped onto pixels, linearly or in log space, with its labelled ticks.
pub(super) struct Axis {
    /// The range in drawing space: the logarithm of the values on a log axis.
    scale: RangedCoordf64,
    range: Range<f64>,
    log: bool,
    ticks: Vec<(f64, String)>,
}

impl Axis {
    pub(super) fn new(range: Range<f64>, log: bool, ticks: Vec<(f64, String)>) -> Self {
        let space = |v: f64| if log { v.ln() } else { v };
        let scale = (space(range.start)..space(range.end)).into();
        Self {
            scale,
            range,
            log,
            ticks,
        }
    }

    /// A value axis over `lo..hi` (widened by [`padded`]) with round ticks, at most `max_ticks`
    /// of them, labelled by `label(value, decimals)`.
    pub(super) fn values(
        (lo, hi): (f64, f64),
        log: bool,
        max_ticks: usize,
        label: impl Fn(f64, usize) -> String,
    ) -> Self {
        let (lo, hi) = padded((lo, hi), log);
        let ticks = if log {
            log_ticks(lo, hi, max_ticks)
        } else {
            linear_ticks(lo, hi, max_ticks)
        };
        Self::new(lo..hi, log, value_labels(&ticks, label))
    }

    /// A date axis from `first` to `last` with at most `max_ticks` calendar ticks (a day either
    /// side when the two are the same, so that the range is never empty).
    pub(super) fn dates(first: Date, last: Date, max_ticks: usize) -> Self {
        let (lo, hi) = (day(first), day(last));
        let span = if hi > lo { lo..hi } else { lo - 1.0..hi + 1.0 };
        Self::new(span, false, date_ticks(first, last, max_ticks))
    }

    /// Whether the axis is logarithmic.
    pub(super) fn is_log(&self) -> bool {
        self.log
    }

    /// The labelled ticks: each value and its label.
    pub(super) fn ticks(&self) -> &[(f64, String)] {
        &self.ticks
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let value = if self.log { log_space(*value) } else { *value };
        self.scale.map(&value, limit)
    }

    /// Only the labelled ticks: a light grid between them would be clutter.
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        self.ticks.iter().map(|(tick, _)| *tick).collect()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// The natural logarithm, as a call the compiler does not inline: inlined, the compiler
/// computed it for every point of every axis and discarded it on linear ones (it treats a
/// logarithm as free of side effects), a tenth of the charts' drawing.
#[inline(never)]
fn log_space(value: f64) -> f64 {
    value.ln()
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        let tick = self
            .ticks
            .iter()
            .find(|(tick, _)| tick.total_cmp(value).is_eq());
        tick.map(|(_, label)| label.clone()).unwrap_or_default()
    }
}

/// Whether a value can be drawn: finite, and positive on a log axis.
pub(super) fn shown(value: f64, log: bool) -> bool {
    value.is_finite() && (!log || value > 0.0)
}

/// The lowest and highest drawable value, if any.
pub(super) fn extent(values: impl IntoIterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let values = values.into_iter().filter(|&v| shown(v, log));
    values.fold(None, |acc, v| {
        Some(acc.map_or((v, v), |(lo, hi): (f64, f64)| (lo.min(v), hi.max(v))))
    })
}

/// The range widened so that no line touches the frame, and never empty, so that a flat series
/// draws as a level line mid-chart.
fn padded((lo, hi): (f64, f64), log: bool) -> (f64, f64) {
    if log {
        let margin = ((hi / lo).ln() * 0.04).max(0.02).exp();
        return (lo / margin, hi * margin);
    }
    let margin = ((hi - lo) * 0.04)
        .max(hi.abs().max(lo.abs()) * 0.02)
        .max(1e-9);
    (lo - margin, hi + margin)
}

/// Round ticks within `lo..=hi`: 1, 2, 2.5 or 5 times a power of ten apart, at most `max` of
/// them.
pub(super) fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let base = 10f64.powf(((hi - lo) / 10.0).log10().floor());
    let every = |step: f64| {
        let mut ticks = Vec::new();
        let mut k = (lo / step).ceil();
        // The length cap ends the loop even where `k + 1.0` no longer changes a huge `k`.
        while k * step <= hi && ticks.len() <= 100 {
            ticks.push(k * step + 0.0); // `+ 0.0` turns -0 into 0: no "-0" label
            k += 1.0;
        }
        ticks
    };
    let steps = [1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0].map(|m| m * base);
    steps
        .into_iter()
        .map(every)
        .find(|t| t.len() <= max)
        .unwrap_or_default()
}

/// Ticks on a log axis: 1, 2 and 5 of each decade (the powers of ten alone where that is too
/// many), or round linear steps where the range spans too little of a decade to hold three.
fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let decades = |multiples: &[f64]| {
        let mut ticks = Vec::new();
        let mut power = 10f64.powf(lo.log10().floor());
        while power <= hi {
            let decade = multiples.iter().map(|m| m * power);
            ticks.extend(decade.filter(|t| (lo..=hi).contains(t)));
            power *= 10.0;
        }
        ticks
    };
    let ticks = decades(&[1.0, 2.0, 5.0]);
    match ticks.len() {
        n if n > max => Some(decades(&[1.0])).filter(|t| t.len() >= 2),
        n if n >= 3 => Some(ticks),
        _ => None,
    }
    .unwrap_or_else(|| linear_ticks(lo, hi, max))
}

/// Labels for value ticks with the fewest decimals that keep neighbouring labels distinct.
pub(super) fn value_labels(
    ticks: &[f64],
    label: impl Fn(f64, usize) -> String,
) -> Vec<(f64, String)> {
    let distinct = |decimals: &usize| {
        let labels: Vec<String> = ticks.iter().map(|&t| label(t, *decimals)).collect();
        labels.windows(2).all(|pair| pair[0] != pair[1])
    };
    let decimals = (0..4).find(distinct).unwrap_or(4);
    ticks.iter().map(|&t| (t, label(t, decimals))).collect()
}

/// `value` with `decimals` decimals and commas between thousands: "1,250,000", "-12.5".
pub(super) fn thousands(value: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", value.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(i, f)| (i, f));
    let negative = value < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let mut out = String::from(if negative { "-" } else { "" });
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if !frac.is_empty() {
        out = format!("{out}.{frac}");
    }
    out
}

/// A fraction as a percent label: 0.125 → "12.5%".
pub(super) fn percent(value: f64, decimals: usize) -> String {
    format!("{}%", thousands(value * 100.0, decimals))
}

/// A date as a position on the x axis: days since the common era.
pub(super) fn day(date: Date) -> f64 {
    f64::from(date.num_days_from_ce())
}

/// Date ticks on calendar boundaries, at most `max` of them: years ("2008") over spans longer
/// than 3 years, months ("2024-03") below that, and the two ends for spans too short to hold two
/// month starts.
fn date_ticks(first: Date, last: Date, max: usize) -> Vec<(f64, String)> {
    let long = last - first > TimeDelta::days(3 * 365);
    let steps = CALENDAR_STEPS
        .iter()
        .filter(|(months, _)| !long || *months >= 12);
    let calendar = steps.map(|&(months, years)| {
        let start = Date::from_ymd_opt(first.year() - first.year().rem_euclid(years), 1, 1);
        let dates = std::iter::successors(start, |d| d.checked_add_months(Months::new(months)));
        let dates = dates.skip_while(|&d| d < first).take_while(|&d| d <= last);
        dates.collect::<Vec<_>>()
    });
    let (mut ticks, format) = match calendar.into_iter().find(|t| (2..=max).contains(&t.len())) {
        Some(ticks) => (ticks, if long { "%Y" } else { "%Y-%m" }),
        None => (vec![first, last], "%Y-%m-%d"),
    };
    ticks.dedup();
    ticks
        .into_iter()
        .map(|d| (day(d), d.format(format).to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_few_round_and_calendar_aligned() {
        let labels =
            |ticks: Vec<(f64, String)>| ticks.into_iter().map(|(_, l)| l).collect::<Vec<_>>();
        let date = |y, m, d| Date::from_ymd_opt(y, m, d).unwrap();
        let years = date_ticks(date(2000, 1, 3), date(2024, 12, 31), 10);
        assert_eq!(labels(years), ["2005", "2010", "2015", "2020"]);
        let wide = date_ticks(date(2000, 1, 3), date(2024, 12, 31), 14);
        assert_eq!(wide.len(), 12, "every other year from 2002");
        let months = date_ticks(date(2023, 11, 15), date(2024, 10, 1), 10);
        assert_eq!(
            labels(months),
            ["2024-01", "2024-03", "2024-05", "2024-07", "2024-09"]
        );
        let log = value_labels(&log_ticks(90_000.0, 2_100_000.0, MAX_Y_TICKS), thousands);
        assert_eq!(
            labels(log),
            ["100,000", "200,000", "500,000", "1,000,000", "2,000,000"]
        );
        let short_log = value_labels(&log_ticks(90_000.0, 2_100_000.0, 4), thousands);
        assert_eq!(
            labels(short_log),
            ["100,000", "1,000,000"].map(String::from)
        );
        let percent = value_labels(&linear_ticks(-0.011, 0.0004, MAX_Y_TICKS), percent);
        assert_eq!(
            labels(percent),
            ["-1.0%", "-0.8%", "-0.6%", "-0.4%", "-0.2%", "0.0%"]
        );
        assert_eq!(linear_ticks(0.0, 1.0, 3), [0.0, 0.5, 1.0]);
        assert_eq!(thousands(-1234.5, 1), "-1,234.5");
        assert_eq!(thousands(-0.2, 0), "0");
    }
}
