//! Curves over dates: equity, and the underwater curve with its deepest drawdowns shaded.

use plotters::prelude::*;
use plotters::style::FontStyle;

use super::Line;
use super::axis::{Axis, day, extent, percent, thousands};
use super::canvas::{Align, Area, Drawn, Plot, Scale, Swatch, XLabels, colour, dims, text, width};
use crate::Date;

/// How many of the deepest drawdowns are shaded and labelled.
const DEEPEST: usize = 5;
/// Drawdowns shallower than this are not labelled: "-0.0%" tells nothing.
const NOTABLE: f64 = -0.001;
/// The shading of a labelled drawdown: neutral, under the strategy's blue and the benchmark's
/// orange alike.
const SHADE: RGBAColor = RGBAColor(120, 120, 120, 0.14);

/// The most value labels a plot in `area` gets: 8 on a full-height chart, fewer on a short panel,
/// so that labels never touch.
pub(super) fn value_ticks(area: &Area, scale: Scale) -> usize {
    let (_, height) = dims(area);
    usize::try_from(height / scale.at(45)).map_or(3, |n| n.clamp(3, super::axis::MAX_Y_TICKS))
}

/// The date axis of a series plotted in `area`: a label per 100 design pixels of its width at
/// most ("2024-03" needs about 60), between 4 and 14 of them.
pub(super) fn date_axis(dates: &[Date], area: &Area, scale: Scale) -> Axis {
    let first = dates.iter().min().copied().unwrap_or_default();
    let last = dates.iter().max().copied().unwrap_or(first);
    let (width, _) = dims(area);
    let labels = usize::try_from((width - scale.at(110)) / scale.at(100)).unwrap_or(0);
    Axis::dates(first, last, labels.clamp(4, 14))
}

/// A plot of values over `dates`: dates labelled along the bottom, a value axis over `range`
/// (logarithmic if `log`) labelled by `label`.
pub(super) fn dated_plot<'a, 'b>(
    area: &'a Area<'b>,
    scale: Scale,
    dates: &[Date],
    (range, log): ((f64, f64), bool),
    label: impl Fn(f64, usize) -> String,
) -> Drawn<Plot<'a, 'b>> {
    let y = Axis::values(range, log, value_ticks(area, scale), label);
    Plot::new(
        area,
        scale,
        (date_axis(dates, area, scale), y),
        XLabels::Shown,
    )
}

/// Equity curves: the strategy (first line) and the benchmark (second), y axis in currency with
/// thousands separators, logarithmic if `log` (values that are not positive are skipped there).
pub(super) fn equity(
    area: &Area,
    scale: Scale,
    dates: &[Date],
    lines: &[Line],
    log: bool,
) -> Drawn {
    let values = lines.iter().flat_map(|line| line.values.iter().copied());
    let range = extent(values, log).unwrap_or((1.0, 1.0));
    let mut plot = dated_plot(area, scale, dates, (range, log), thousands)?;
    for (i, line) in lines.iter().enumerate() {
        plot.line(dates, line.values, colour(i), false)?;
        plot.entry(line.label, Swatch::Line(colour(i)));
    }
    plot.legend()
}

/// Underwater curves (drawdown from the running peak, negative fractions), y axis in percent: a
/// filled area for the first line (the strategy), lines for the others; the first line's
/// [`DEEPEST`] drawdowns shaded from peak to recovery and labelled by rank and depth.
pub(super) fn drawdown(area: &Area, scale: Scale, dates: &[Date], lines: &[Line]) -> Drawn {
    // From 0% down to -1% at least, so that a run that never drew down gets a readable axis;
    // wider if values lie outside, so that wrong input shows as wrong rather than off the chart.
    let values = lines.iter().flat_map(|line| line.values.iter().copied());
    let (lo, hi) = extent(values, false).unwrap_or((0.0, 0.0));
    let range = (lo.min(-0.01), hi.max(0.0));
    let mut plot = dated_plot(area, scale, dates, (range, false), percent)?;
    let periods = lines.first().map(|l| deepest(l.values)).unwrap_or_default();
    let span = plot.chart.y_range();
    let bands = periods.iter().map(|p| {
        let (from, to) = (day(dates[p.peak]), day(dates[p.end]));
        Rectangle::new([(from, span.start), (to, span.end)], SHADE.filled())
    });
    plot.chart.draw_series(bands)?;
    for (i, line) in lines.iter().enumerate() {
        plot.line(dates, line.values, colour(i), i == 0)?;
        plot.entry(line.label, Swatch::Line(colour(i)));
    }
    if !periods.is_empty() {
        plot.entry(
            &format!("{} deepest drawdowns", periods.len()),
            Swatch::Block(SHADE),
        );
    }
    label_periods(&mut plot, dates, &periods)?;
    plot.legend()
}

/// Labels the shaded drawdowns at the top of the plot ("1: -45.6%"), centred on their bands,
/// each on the highest row where it overlaps no other label.
fn label_periods(plot: &mut Plot, dates: &[Date], periods: &[Period]) -> Drawn {
    let scale = plot.scale;
    let font = scale.font(15, FontStyle::Normal);
    let area = plot.chart.plotting_area().strip_coord_spec();
    let (x0, _) = plot.chart.plotting_area().get_base_pixel();
    let (plot_width, _) = dims(&area);
    let top = plot.chart.y_range().end;
    let mut by_date: Vec<(usize, &Period)> = periods.iter().enumerate().collect();
    by_date.sort_by_key(|(_, p)| p.peak);
    let (gap, row, pad) = (scale.at(8), scale.at(26), scale.at(4));
    let mut rows: Vec<i32> = Vec::new(); // the right end of the last label on each row
    for (rank, period) in by_date {
        let label = format!("{}: {}", rank + 1, percent(period.depth, 1));
        let middle = f64::midpoint(day(dates[period.peak]), day(dates[period.end]));
        let w = width(&label, &font)? + 2 * pad;
        // Centred on the band, but inside the plot even for a band at either end.
        let centre = plot.chart.backend_coord(&(middle, top)).0 - x0;
        let left = (centre - w / 2).min(plot_width - w).max(0);
        let (right, x) = (left + w, left + w / 2);
        let free = rows.iter().position(|&end| end + gap <= left);
        let r = free.unwrap_or(rows.len());
        if r == rows.len() {
            rows.push(right);
        } else {
            rows[r] = right;
        }
        let y = scale.at(4) + row * i32::try_from(r).unwrap_or(0);
        let (low, high) = ((left, y), (right, y + row - scale.at(4)));
        plot.occupy_pixels(low, high);
        // A box, so that the label reads over the curves it may cross.
        area.draw(&Rectangle::new([low, high], WHITE.mix(0.85).filled()))?;
        area.draw(&Rectangle::new([low, high], BLACK.mix(0.25)))?;
        text(
            &area,
            &label,
            &font,
            BLACK,
            (x, i32::midpoint(low.1, high.1)),
            Align::CENTRE,
        )?;
    }
    Ok(())
}

/// One drawdown: from the peak before the first bar under water to the first bar back at that
/// peak (or the last bar, if it never got back).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Period {
    pub(super) peak: usize,
    pub(super) end: usize,
    pub(super) depth: f64,
}

/// The [`DEEPEST`] notable drawdowns of an underwater curve, deepest first. Drawdowns are the
/// stretches under water, which never overlap, so taking the deepest, excluding its span and
/// repeating is ranking them by depth.
pub(super) fn deepest(underwater: &[f64]) -> Vec<Period> {
    let mut periods: Vec<Period> = Vec::new();
    let mut current: Option<Period> = None;
    for (t, &value) in underwater.iter().enumerate() {
        if value < 0.0 {
            let period = current.get_or_insert(Period {
                peak: t.saturating_sub(1),
                end: t,
                depth: value,
            });
            period.end = t;
            period.depth = period.depth.min(value);
        } else if let Some(mut period) = current.take() {
            period.end = t; // recovered here
            periods.push(period);
        }
    }
    periods.extend(current);
    periods.retain(|p| p.depth <= NOTABLE);
    periods.sort_by(|a, b| a.depth.total_cmp(&b.depth));
    periods.truncate(DEEPEST);
    periods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawdowns_are_ranked_by_depth_from_peak_to_recovery() {
        let equity = [
            100.0, 90.0, 100.0, 120.0, 60.0, 80.0, 130.0, 125.0, 130.0, 131.0, 100.0,
        ];
        let underwater = super::super::underwater(&equity);
        let found = deepest(&underwater);
        let spans: Vec<(usize, usize)> = found.iter().map(|p| (p.peak, p.end)).collect();
        // -50% from bar 3 to the recovery at 6; -23.7% from 9 to the end; -10% from 0 to 2;
        // -3.8% from 6 to 8.
        assert_eq!(spans, [(3, 6), (9, 10), (0, 2), (6, 8)]);
        assert!((found[0].depth + 0.5).abs() < 1e-12);
        assert!(
            deepest(&[0.0, 0.0, -0.000_5, 0.0]).is_empty(),
            "too shallow to label"
        );
        let many: Vec<f64> = (0..40)
            .map(|i| {
                if i % 4 == 1 {
                    -0.01 * f64::from(i)
                } else {
                    0.0
                }
            })
            .collect();
        let ranked: Vec<usize> = deepest(&many).iter().map(|p| p.end - 1).collect();
        assert_eq!(
            ranked,
            [37, 33, 29, 25, 21],
            "the five deepest, deepest first"
        );
    }
}
