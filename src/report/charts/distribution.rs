//! How a metric spreads over many paths (Monte Carlo or bootstrap): a histogram per metric,
//! stacked, with the historical run's value marked, so that a reader sees at once whether the
//! backtest on the actual data was a typical draw or a lucky one.

use plotters::prelude::*;

use super::axis::{Axis, extent, percent, thousands};
use super::canvas::{Area, Drawn, Plot, Scale, Swatch, XLabels, headed};
use super::lines::value_ticks;

/// The paths' bars: the strategy's colour, light, so that the historical line stands out on
/// them.
const PATHS: RGBAColor = RGBAColor(31, 119, 180, 0.45);
/// The historical run's line: the benchmark's colour is never beside it here, so orange reads
/// as "the one that happened".
const HISTORICAL: RGBColor = super::canvas::BENCHMARK;

/// Bins of a histogram: enough to show a shape with a few hundred paths, few enough that each
/// holds several.
const BINS: usize = 30;

/// One metric over the paths.
pub struct Distribution<'a> {
    /// Its name, the panel's heading.
    pub name: &'a str,
    /// Its value on each path where it is defined.
    pub values: &'a [f64],
    /// Its value on the actual data, if defined.
    pub historical: Option<f64>,
    /// Printed as a percentage.
    pub percent: bool,
}

/// Draws one histogram per distribution into `area`, one above the other.
pub(super) fn histograms(area: &Area, scale: Scale, panels: &[Distribution]) -> Drawn {
    let rows = area.split_evenly((panels.len().max(1), 1));
    for (panel, area) in panels.iter().zip(&rows) {
        let (_, body) = headed(area, scale, panel.name, 17)?;
        histogram(&body, scale, panel)?;
    }
    Ok(())
}

/// A histogram of `panel`'s values in [`BINS`] equal bins over their range (and the
/// historical value's), counts on the y axis.
fn histogram(area: &Area, scale: Scale, panel: &Distribution) -> Drawn {
    let values = panel.values.iter().copied().chain(panel.historical);
    let Some((lo, hi)) = extent(values, false) else {
        return Ok(());
    };
    let width = if hi > lo {
        (hi - lo) / BINS as f64
    } else {
        1.0
    };
    let mut counts = [0usize; BINS];
    for v in panel.values {
        // Truncation picks the bin; the maximum falls in the last one.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "(v − lo) / width is in [0, BINS]"
        )]
        let bin = (((v - lo) / width) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let tallest = counts.iter().copied().max().unwrap_or(0) as f64;
    let label = |v: f64, decimals: usize| {
        if panel.percent {
            percent(v, decimals.saturating_sub(2))
        } else {
            thousands(v, decimals)
        }
    };
    let x = Axis::values((lo, lo + width * BINS as f64), false, 10, label);
    let y = Axis::values(
        (0.0, tallest.max(1.0) * 1.15),
        false,
        value_ticks(area, scale),
        |v, _| thousands(v, 0),
    );
    let mut plot = Plot::new(area, scale, (x, y), XLabels::Shown)?;
    let bars: Vec<(f64, f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let x0 = lo + width * i as f64;
            (x0, x0 + width, *n as f64)
        })
        .collect();
    let points: Vec<(f64, f64)> = bars.iter().map(|(x0, _, n)| (*x0, *n)).collect();
    plot.occupy(&points);
    plot.chart.draw_series(
        bars.iter()
            .filter(|(_, _, n)| *n > 0.0)
            .map(|&(x0, x1, n)| Rectangle::new([(x0, 0.0), (x1, n)], PATHS.filled())),
    )?;
    plot.entry(
        &format!("{} paths", panel.values.len()),
        Swatch::Block(PATHS),
    );
    if let Some(h) = panel.historical {
        let top = plot.chart.y_range().end;
        let line = [(h, 0.0), (h, top)];
        plot.chart
            .draw_series(LineSeries::new(line, HISTORICAL.stroke_width(scale.px(3))))?;
        plot.occupy(&line);
        plot.entry(
            &format!("the actual data: {}", label(h, 3)),
            Swatch::Line(HISTORICAL),
        );
    }
    plot.legend()
}
