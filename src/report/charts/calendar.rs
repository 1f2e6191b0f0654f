//! Returns by calendar period: the heatmap of monthly returns (years × months, with the year's
//! return beside) and the bars of annual returns, strategy beside benchmark.

use chrono::Datelike;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::axis::{Axis, extent, percent};
use super::canvas::{
    Align, Area, BENCHMARK, Drawn, GAIN, GREY, LOSS, Plot, STRATEGY, Scale, Swatch, XLabels, dims,
    text, width,
};
use super::lines::value_ticks;
use crate::Date;

/// Colour saturates at this monthly return: a month of ±10% is an extreme one for most assets.
const MONTH_LIMIT: f64 = 0.10;
/// And at this annual return, on the year column's own scale.
const YEAR_LIMIT: f64 = 0.30;
/// Month names of the heatmap's columns.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Returns of an equity curve over calendar periods (consecutive dates with the same `key`):
/// each period's last value over the previous period's last value, the first period's over
/// `start`, minus one.
pub(super) fn period_returns<K: PartialEq>(
    dates: &[Date],
    equity: &[f64],
    start: f64,
    key: impl Fn(Date) -> K,
) -> Vec<(K, f64)> {
    let mut last: Vec<(K, f64)> = Vec::new();
    for (date, &value) in dates.iter().zip(equity) {
        let k = key(*date);
        match last.last_mut() {
            Some((period, end)) if *period == k => *end = value,
            _ => last.push((k, value)),
        }
    }
    let mut previous = start;
    let growth = |(k, end): (K, f64)| (k, end / std::mem::replace(&mut previous, end) - 1.0);
    last.into_iter().map(growth).collect()
}

/// Monthly returns laid out by year.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Calendar {
    /// One row per calendar year in the data, in order: the year, its months' returns (`None`
    /// outside the data) and the year's return.
    pub(super) rows: Vec<(i32, [Option<f64>; 12], f64)>,
}

impl Calendar {
    /// The calendar of an equity curve that started from `start`.
    pub(super) fn new(dates: &[Date], equity: &[f64], start: f64) -> Self {
        let months = period_returns(dates, equity, start, |d| (d.year(), d.month0()));
        let years = period_returns(dates, equity, start, |d| d.year());
        let rows = years
            .into_iter()
            .map(|(year, annual)| {
                let mut cells = [None; 12];
                for ((_, month), r) in months.iter().filter(|((y, _), _)| *y == year) {
                    if let Some(cell) = usize::try_from(*month).ok().and_then(|m| cells.get_mut(m))
                    {
                        *cell = Some(*r);
                    }
                }
                (year, cells, annual)
            })
            .collect();
        Self { rows }
    }
}

/// A diverging colour for `value`: white at zero, deepening to red below and green above, full
/// at ±`limit`; and whether text on it should be white to stay readable (a dark cell).
fn diverging(value: f64, limit: f64) -> (RGBColor, bool) {
    let t = (value / limit).clamp(-1.0, 1.0);
    let RGBColor(r, g, b) = if t < 0.0 { LOSS } else { GAIN };
    let mix = |c: u8| 255.0 - (255.0 - f64::from(c)) * t.abs();
    let (r, g, b) = (mix(r), mix(g), mix(b));
    let byte = |v: f64| u8::try_from(super::canvas::pixel(v).clamp(0, 255)).unwrap_or(255);
    let luminance = 0.299 * r + 0.587 * g + 0.114 * b;
    (RGBColor(byte(r), byte(g), byte(b)), luminance < 140.0)
}

/// Fill of a heatmap cell without a value.
const BLANK: RGBColor = RGBColor(246, 246, 246);

/// One heatmap cell from `corner` to `far` (both inside it): filled by [`diverging`] for a
/// `(value, limit)`, light grey without one, and `label` centred on it in ink that stays
/// readable on the fill. Shared by every heatmap, so that they all read alike.
pub(super) fn cell(
    area: &Area,
    (corner, far): ((i32, i32), (i32, i32)),
    fill: Option<(f64, f64)>,
    label: &str,
    font: &FontDesc,
) -> Drawn {
    let (colour, light) = fill.map_or((BLANK, false), |(v, limit)| diverging(v, limit));
    area.draw(&Rectangle::new([corner, far], colour.filled()))?;
    if !label.is_empty() {
        let ink = if light { WHITE } else { BLACK };
        let at = (
            i32::midpoint(corner.0, far.0 + 1),
            i32::midpoint(corner.1, far.1 + 1),
        );
        text(area, label, font, ink, at, Align::CENTRE)?;
    }
    Ok(())
}

/// The heatmap: years down, months across and the year's return in its own column after a gap,
/// each cell drawn by [`cell`], holding its return in percent. Text sizes follow the
/// cell height, so that 25 years stay readable in a 900-pixel image.
pub(super) fn monthly(area: &Area, scale: Scale, calendar: &Calendar) -> Drawn {
    let (w, h) = dims(area);
    let years = i32::try_from(calendar.rows.len().max(1)).unwrap_or(i32::MAX);
    let (header, footer, labels, gap) = (scale.at(30), scale.at(30), scale.at(64), scale.at(14));
    let cell_w = (w - labels - gap) / 13;
    let cell_h = ((h - header - footer) / years).min(scale.at(56)).max(1);
    let size = (f64::from(cell_h) * 0.5)
        .min(f64::from(cell_w) * 0.2)
        .min(f64::from(scale.px(17)));
    let (font, bold) = (
        ("sans-serif", size).into_font(),
        ("sans-serif", size, FontStyle::Bold).into_font(),
    );
    let column = |c: i32| labels + c * cell_w + if c == 12 { gap } else { 0 };
    for (c, name) in (0..).zip(MONTHS.iter().chain(&["Year"])) {
        let at = (column(c) + cell_w / 2, header / 2);
        text(area, name, &bold, BLACK, at, Align::CENTRE)?;
    }
    for ((year, months, annual), r) in calendar.rows.iter().zip(0..) {
        let top = header + r * cell_h;
        let at = (labels - scale.at(10), top + cell_h / 2);
        text(area, &year.to_string(), &bold, BLACK, at, Align::RIGHT)?;
        let cells = months.iter().map(|m| (*m, MONTH_LIMIT));
        for ((value, limit), c) in cells.chain([(Some(*annual), YEAR_LIMIT)]).zip(0..) {
            let bounds = ((column(c), top), (column(c) + cell_w - 1, top + cell_h - 1));
            let label = value.map(|v| super::axis::thousands(v * 100.0, 1));
            let fill = value.map(|v| (v, limit));
            cell(area, bounds, fill, label.as_deref().unwrap_or(""), &font)?;
        }
    }
    let note = format!(
        "Return of each month in %, last close over the previous month's last close (the first \
         from the starting equity). Colours saturate at ±{:.0}% a month, ±{:.0}% a year.",
        MONTH_LIMIT * 100.0,
        YEAR_LIMIT * 100.0
    );
    let note_font = scale.font(14, FontStyle::Normal);
    let at = (labels, header + years * cell_h + footer / 2);
    text(area, &note, &note_font, GREY, at, Align::LEFT)
}

/// Grouped bars of annual returns, strategy (blue) left of benchmark (orange) in each year, on
/// a percent axis with a zero line; values printed over the bars where they fit.
pub(super) fn annual(
    area: &Area,
    scale: Scale,
    years: &[(i32, f64, f64)],
    labels: [&str; 2],
) -> Drawn {
    let (first, last) = (
        years.first().map_or(2000, |y| y.0),
        years.last().map_or(2000, |y| y.0),
    );
    let (area_width, area_height) = dims(area);
    let room = f64::from((area_width - scale.at(110)).max(1)); // the plot's width, label area aside
    let per_year = room / f64::from(last - first + 1);
    let font = scale.font(13, FontStyle::Normal);
    let print = |v: f64| super::axis::thousands(v * 100.0, 1);
    let mut widest = 0;
    for (_, s, b) in years {
        widest = widest.max(width(&print(*s), &font)?.max(width(&print(*b), &font)?));
    }
    let printed = f64::from(widest) < per_year * 0.42;
    // Few enough year labels that each has room for "2024" and a gap.
    let step = [1, 2, 5, 10, 20, 50]
        .into_iter()
        .find(|s| per_year * f64::from(*s) >= f64::from(scale.px(60)))
        .unwrap_or(100);
    let ticks = (first..=last)
        .filter(|y| y.rem_euclid(step) == 0 || step == 1)
        .map(|y| (f64::from(y), y.to_string()))
        .collect();
    let x = Axis::new(f64::from(first) - 0.6..f64::from(last) + 0.6, false, ticks);
    let values = years.iter().flat_map(|(_, s, b)| [*s, *b]);
    let (lo, hi) = extent(values, false).unwrap_or((0.0, 0.0));
    // Room above and below the bars for their printed values, and above them for the legend,
    // which bars in every corner would otherwise leave nowhere to go.
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let printed_room = if printed { (hi - lo) * 0.08 } else { 0.0 };
    let (lo, hi) = (lo - printed_room, hi + printed_room);
    let legend = f64::from(scale.px(100)) / f64::from((area_height - scale.at(40)).max(1));
    let legend = legend.min(0.5);
    let hi = hi + (hi - lo) * legend / (1.0 - legend);
    let y = Axis::values((lo, hi), false, value_ticks(area, scale), percent);
    let mut plot = Plot::new(area, scale, (x, y), XLabels::Categories)?;
    for (i, colour) in [STRATEGY, BENCHMARK].into_iter().enumerate() {
        let side = if i == 0 { -1.0 } else { 1.0 };
        let bar = |(year, s, b): &(i32, f64, f64)| {
            let value = if i == 0 { *s } else { *b };
            let (near, far) = (
                f64::from(*year) + side * 0.03,
                f64::from(*year) + side * 0.4,
            );
            (near.min(far), near.max(far), value)
        };
        let bars: Vec<(f64, f64, f64)> = years.iter().map(bar).collect();
        for &(x0, x1, v) in &bars {
            let samples: Vec<(f64, f64)> = (0..=8)
                .flat_map(|k| {
                    let f = f64::from(k) / 8.0;
                    [(x0, v * f), (x1, v * f), (x0 + (x1 - x0) * f, v)]
                })
                .collect();
            plot.occupy(&samples);
        }
        let rectangles = bars
            .iter()
            .map(|&(x0, x1, v)| Rectangle::new([(x0, 0.0), (x1, v)], colour.filled()));
        plot.chart.draw_series(rectangles)?;
        plot.entry(labels[i], Swatch::Block(colour.to_rgba()));
        if printed {
            let area = plot.chart.plotting_area().strip_coord_spec();
            let (bx, by) = plot.chart.plotting_area().get_base_pixel();
            for &(x0, x1, v) in &bars {
                let (px, py) = plot.chart.backend_coord(&(f64::midpoint(x0, x1), v));
                let (at, align) = if v < 0.0 {
                    ((px - bx, py - by + scale.at(4)), Align::TOP_CENTRE)
                } else {
                    ((px - bx, py - by - scale.at(4)), Align::BOTTOM_CENTRE)
                };
                text(&area, &print(v), &font, GREY, at, align)?;
            }
        }
    }
    plot.level(0.0)?;
    plot.legend()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_returns_chain_from_the_starting_equity() {
        let date = |y, m, d| Date::from_ymd_opt(y, m, d).unwrap();
        let dates = [
            date(2023, 12, 28),
            date(2023, 12, 29),
            date(2024, 1, 2),
            date(2024, 1, 31),
            date(2024, 3, 1),
        ];
        let equity = [101.0, 110.0, 99.0, 121.0, 60.5];
        let calendar = Calendar::new(&dates, &equity, 100.0);
        let (y2023, y2024) = (&calendar.rows[0], &calendar.rows[1]);
        assert_eq!(y2023.0, 2023);
        assert!(
            (y2023.1[11].unwrap() - 0.1).abs() < 1e-12,
            "110 over the start, 100"
        );
        assert!((y2023.2 - 0.1).abs() < 1e-12);
        assert!((y2024.1[0].unwrap() - 0.1).abs() < 1e-12, "121 over 110");
        assert_eq!(y2024.1[1], None, "no bar in February");
        assert!((y2024.1[2].unwrap() + 0.5).abs() < 1e-12, "60.5 over 121");
        assert!((y2024.2 + 0.45).abs() < 1e-12, "60.5 over 110");
        assert_eq!(y2023.1[..11], [None; 11]);
    }

    #[test]
    fn the_colour_scale_diverges_from_white_and_saturates() {
        assert_eq!(diverging(0.0, 0.1), (WHITE, false));
        assert_eq!(diverging(-0.5, 0.1), (LOSS, true));
        assert_eq!(diverging(0.1, 0.1), (GAIN, true));
        let (pale, dark_text) = diverging(0.02, 0.1);
        assert!(pale.1 > GAIN.1 && pale.0 > 200 && !dark_text, "{pale:?}");
    }
}
