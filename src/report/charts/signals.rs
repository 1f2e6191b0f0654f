//! The traded asset's price with the strategy's fills on it, and its signals where it has any.

use plotters::prelude::*;

use super::axis::{day, extent, thousands};
use super::canvas::{Area, Drawn, GAIN, LOSS, Scale, Swatch, triangle, x_per_pixel};
use super::lines::dated_plot;
use crate::Date;
use crate::engine::{Fill, Side};

/// The price line: neutral, since the asset is neither the strategy nor the benchmark.
const PRICE: RGBColor = RGBColor(70, 70, 70);
/// Signal bands: light purple, apart from the price, the fills and the two run colours.
const SIGNAL: RGBAColor = RGBAColor(148, 103, 189, 0.35);

/// What the chart shows.
pub(super) struct Traded<'a> {
    /// The calendar.
    pub(super) dates: &'a [Date],
    /// The asset's closes.
    pub(super) close: &'a [f64],
    /// Its legend label ("GLD close").
    pub(super) label: &'a str,
    /// The fills on it.
    pub(super) fills: Vec<&'a Fill>,
    /// The strategy's signal dates, for strategies with discrete signals.
    pub(super) signals: Option<&'a [Date]>,
}

/// The price (log axis if `log`), buys as green ▲ and sells as red ▼ at their fill price and
/// date, each signal as a shaded band a few pixels wide at least, so that one day shows on a
/// 20-year axis.
pub(super) fn signals(area: &Area<'_>, scale: Scale, chart: &Traded, log: bool) -> Drawn {
    let Traded {
        dates,
        close,
        label,
        fills,
        signals,
    } = chart;
    let prices = close.iter().copied().chain(fills.iter().map(|f| f.price));
    let range = extent(prices, log).unwrap_or((1.0, 1.0));
    let mut plot = dated_plot(area, scale, dates, (range, log), thousands)?;
    if let Some(signals) = signals {
        let half = (x_per_pixel(&plot.chart) * f64::from(scale.px(2))).max(0.5);
        let span = plot.chart.y_range();
        let bands = signals.iter().map(|d| {
            let corners = [(day(*d) - half, span.start), (day(*d) + half, span.end)];
            Rectangle::new(corners, SIGNAL.filled())
        });
        plot.chart.draw_series(bands)?;
    }
    plot.line(dates, close, PRICE, false)?;
    plot.entry(label, Swatch::Line(PRICE));
    let r = scale.at(7);
    for (side, colour, swatch) in [
        (Side::Buy, GAIN, Swatch::Up(GAIN)),
        (Side::Sell, LOSS, Swatch::Down(LOSS)),
    ] {
        let points: Vec<(f64, f64)> = fills
            .iter()
            .filter(|f| f.side == side)
            .filter_map(|f| Some((day(*dates.get(f.bar)?), f.price)))
            .collect();
        if points.is_empty() {
            continue;
        }
        plot.occupy(&points);
        let up = side == Side::Buy;
        let markers = points
            .iter()
            .map(|&p| EmptyElement::at(p) + Polygon::new(triangle(r, up), colour.filled()));
        plot.chart.draw_series(markers)?;
        plot.entry(&format!("{} ({})", side.as_str(), points.len()), swatch);
    }
    if let Some(signals) = signals {
        plot.entry(
            &format!("signal ({})", signals.len()),
            Swatch::Block(SIGNAL),
        );
    }
    plot.legend()
}
