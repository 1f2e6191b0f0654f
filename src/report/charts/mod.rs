//! PNG charts of a run, the analyst's tearsheet: equity and underwater curves of the strategy
//! against its benchmark, monthly and annual returns, rolling statistics, the traded asset with
//! the fills and signals, and all of them with the headline numbers in one tall image. They are
//! drawn the same way every time, so that charts of different runs compare side by side: the
//! strategy blue and the benchmark orange everywhere, dates labelled by calendar, values with
//! thousands separators, returns in percent, text sized from the image height.
//!
//! Fonts are embedded (`DejaVu` Sans), so a chart looks the same on every machine and needs no
//! system font.

mod axis;
mod calendar;
mod canvas;
mod distribution;
mod encode;
mod glyphs;
mod heatmap;
mod lines;
mod rolling;
mod signals;
mod tearsheet;

use std::path::Path;

pub use distribution::Distribution;
pub use tearsheet::{Draw, draw_run_charts, run_chart_files, tearsheet_size};

use crate::{Date, Error, Result};
use canvas::Scale;

/// One line on a chart.
pub struct Line<'a> {
    /// The legend's text.
    pub label: &'a str,
    /// One value per date; NaN values are skipped.
    pub values: &'a [f64],
}

/// The size of a chart unless asked otherwise (`--chart-size`), in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1600, 900);

/// What every chart of a run shares.
pub struct ChartStyle<'a> {
    /// The title, e.g. "sma-cross on GLD".
    pub title: &'a str,
    /// The run's options, so that a chart pasted elsewhere still says how it was made.
    pub subtitle: &'a str,
    /// Width of the image in pixels.
    pub width: u32,
    /// Height of the image in pixels; text and margins scale with it.
    pub height: u32,
}

impl<'a> ChartStyle<'a> {
    /// A chart of [`DEFAULT_SIZE`].
    #[must_use]
    pub fn new(title: &'a str, subtitle: &'a str) -> Self {
        let (width, height) = DEFAULT_SIZE;
        ChartStyle {
            title,
            subtitle,
            width,
            height,
        }
    }
}

/// Equity curves: the strategy (first line) and the benchmark (second), on a date axis, y axis in
/// currency with thousands separators. `log_scale` draws the y axis logarithmically, where equal
/// heights are equal returns; values that are not positive cannot be placed there and are skipped.
///
/// # Errors
/// [`Error::Chart`] if there is nothing to draw, a line's length differs from the dates', or the
/// image cannot be drawn or written.
pub fn equity_chart(
    path: &Path,
    style: &ChartStyle,
    dates: &[Date],
    lines: &[Line],
    log_scale: bool,
) -> Result<()> {
    check(path, dates, lines)?;
    canvas::image(path, style, Scale::new(style.height), |area, scale| {
        lines::equity(area, scale, dates, lines, log_scale)
    })
}

/// Underwater curves: drawdown from the running peak, as negative fractions (see [`underwater`]),
/// y axis in percent; a filled area for the first line (strategy), a line for the others
/// (benchmark), the first line's five deepest drawdowns shaded and labelled.
///
/// # Errors
/// As [`equity_chart`].
pub fn drawdown_chart(
    path: &Path,
    style: &ChartStyle,
    dates: &[Date],
    lines: &[Line],
) -> Result<()> {
    check(path, dates, lines)?;
    canvas::image(path, style, Scale::new(style.height), |area, scale| {
        lines::drawdown(area, scale, dates, lines)
    })
}

/// The drawdown series of an equity curve: value / running max − 1, the first value being the
/// first peak. A NaN value gives NaN and leaves the peak where it was.
#[must_use]
pub fn underwater(equity: &[f64]) -> Vec<f64> {
    let mut peak = f64::NAN;
    let drawdown = |v: f64| {
        peak = peak.max(v); // `max` ignores a NaN on either side
        v / peak - 1.0
    };
    equity.iter().copied().map(drawdown).collect()
}

/// A grid of values over two parameters: one cell per pair of their values.
pub struct Heatmap<'a> {
    /// The first parameter's name and values, down the side.
    pub rows: (&'a str, &'a [String]),
    /// The second parameter's name and values, across the top.
    pub columns: (&'a str, &'a [String]),
    /// One row of cells per row value, one cell per column value: `None` where there is no
    /// combination (it was refused), `Some(None)` where the value is undefined.
    pub cells: &'a [Vec<Option<Option<f64>>>],
    /// The row and column of the cell to outline, the best one.
    pub best: Option<(usize, usize)>,
    /// What the values are, for the note under the grid.
    pub metric: &'a str,
    /// Print the values as percentages rather than with two decimals.
    pub percent: bool,
}

/// A heatmap of a metric over two parameters: cells coloured on a diverging scale centred on
/// zero, each with its value, blank (light grey) where there is no combination, the best one
/// outlined.
///
/// # Errors
/// [`Error::Chart`] if the cells do not match the parameters' values, or the image cannot be
/// drawn or written.
pub fn heatmap_chart(path: &Path, style: &ChartStyle, map: &Heatmap) -> Result<()> {
    let (rows, columns) = (map.rows.1.len(), map.columns.1.len());
    if rows == 0
        || columns == 0
        || map.cells.len() != rows
        || map.cells.iter().any(|row| row.len() != columns)
    {
        return Err(Error::Chart(format!(
            "{}: the cells are not {rows} rows of {columns}",
            path.display()
        )));
    }
    canvas::image(path, style, Scale::new(style.height), |area, scale| {
        heatmap::grid(area, scale, map)
    })
}

/// Histograms of metrics over many paths, one panel per metric, each with the actual data's
/// value marked.
///
/// # Errors
/// [`Error::Chart`] if there is no panel, or the image cannot be drawn or written.
pub fn distribution_chart(path: &Path, style: &ChartStyle, panels: &[Distribution]) -> Result<()> {
    if panels.is_empty() {
        return Err(Error::Chart(format!(
            "{}: no metric to draw",
            path.display()
        )));
    }
    canvas::image(path, style, Scale::new(style.height), |area, scale| {
        distribution::histograms(area, scale, panels)
    })
}

/// Refuses input that cannot make a chart, naming the file, before anything is written.
fn check(path: &Path, dates: &[Date], lines: &[Line]) -> Result<()> {
    let fail = |problem: String| Error::Chart(format!("{}: {problem}", path.display()));
    if dates.is_empty() || lines.is_empty() {
        return Err(fail("nothing to draw: no dates or no lines".into()));
    }
    if let Some(line) = lines.iter().find(|line| line.values.len() != dates.len()) {
        let (label, n, dates) = (line.label, line.values.len(), dates.len());
        return Err(fail(format!(
            "line {label:?} has {n} values for {dates} dates"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use plotters::style::RGBColor;

    use super::*;

    fn line<'a>(label: &'a str, values: &'a [f64]) -> Line<'a> {
        Line { label, values }
    }

    fn style(width: u32, height: u32) -> ChartStyle<'static> {
        let (title, subtitle) = ("sma-cross on GLD", "SYNTHETIC sample data · 0 bps costs");
        ChartStyle {
            title,
            subtitle,
            width,
            height,
        }
    }

    /// `n` days from 2015 and two deterministic random walks (an LCG, no `rand` crate).
    fn sample(n: usize) -> (Vec<Date>, Vec<f64>, Vec<f64>) {
        let start = Date::from_ymd_opt(2015, 1, 1);
        let dates = std::iter::successors(start, Date::succ_opt)
            .take(n)
            .collect();
        let walk = |mut state: u64| {
            let mut value = 100_000.0;
            let mut step = move || {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let uniform = f64::from(u32::try_from(state >> 40).unwrap()) / f64::from(1 << 24);
                value *= 1.0003 + 0.024 * (uniform - 0.5);
                value
            };
            (0..n).map(|_| step()).collect()
        };
        (dates, walk(1), walk(2))
    }

    /// Draws the linear, log and drawdown charts of a 2,000-day sample into `dir`.
    fn draw_all(dir: &Path, (width, height): (u32, u32)) -> Vec<std::path::PathBuf> {
        let (dates, strategy, benchmark) = sample(2_000);
        let (ds, db) = (underwater(&strategy), underwater(&benchmark));
        let equity = [line("strategy", &strategy), line("GLD", &benchmark)];
        let paths = ["linear", "log", "drawdown"].map(|n| dir.join(format!("{n}.png")));
        let style = style(width, height);
        equity_chart(&paths[0], &style, &dates, &equity, false).unwrap();
        equity_chart(&paths[1], &style, &dates, &equity, true).unwrap();
        let drawdown = [line("strategy", &ds), line("GLD", &db)];
        drawdown_chart(&paths[2], &style, &dates, &drawdown).unwrap();
        paths.into()
    }

    #[test]
    fn underwater_is_the_fraction_below_the_running_peak() {
        let equity = [100.0, 200.0, 150.0, 50.0, 400.0, 300.0];
        assert_eq!(underwater(&equity), [0.0, 0.0, -0.25, -0.75, 0.0, -0.25]);
        let gap = underwater(&[100.0, f64::NAN, 50.0]);
        assert!(
            gap[1].is_nan() && gap[2].total_cmp(&-0.5).is_eq(),
            "{gap:?}"
        );
        assert!(underwater(&[]).is_empty());
    }

    #[test]
    fn charts_are_pngs_of_the_requested_size() {
        let dir = tempfile::tempdir().unwrap();
        for size in [(1600, 900), (800, 450)] {
            for path in draw_all(dir.path(), size) {
                let bytes = std::fs::read(&path).unwrap();
                assert_eq!(bytes[..8], *b"\x89PNG\r\n\x1a\n", "{path:?}");
                let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
                assert_eq!((be(16), be(20)), size, "{path:?}: IHDR width and height");
                // A blank image of this size compresses to a couple of KB.
                assert!(bytes.len() > 20_000 * size.0 as usize / 1600, "{path:?}");
            }
        }
    }

    #[test]
    fn strategy_and_benchmark_are_drawn_in_their_colours() {
        let dir = tempfile::tempdir().unwrap();
        for path in draw_all(dir.path(), (1600, 900)) {
            let rgb = image::open(&path).unwrap().to_rgb8();
            let pixels = rgb.as_raw().chunks_exact(3);
            let count = |c: RGBColor| pixels.clone().filter(|p| *p == [c.0, c.1, c.2]).count();
            // The legend's swatches alone are about 100 pixels.
            assert!(count(canvas::STRATEGY) > 1_500, "{path:?}");
            assert!(count(canvas::BENCHMARK) > 1_500, "{path:?}");
        }
    }

    #[test]
    fn empty_or_mismatched_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.png");
        let (dates, values, _) = sample(10);
        let (whole, short) = ([line("strategy", &values)], [line("short", &values[..5])]);
        let cases: [(&[Date], &[Line]); 3] = [(&[], &whole), (&dates, &[]), (&dates, &short)];
        for (dates, lines) in cases {
            let equity = equity_chart(&path, &style(1600, 900), dates, lines, false);
            let drawdown = drawdown_chart(&path, &style(1600, 900), dates, lines);
            for result in [equity, drawdown] {
                assert!(matches!(result, Err(Error::Chart(m)) if m.contains("chart.png")));
            }
        }
        assert!(!path.exists());
    }

    #[test]
    fn degenerate_series_still_draw() {
        let dir = tempfile::tempdir().unwrap();
        let (dates, mut values, _) = sample(300);
        values[7] = f64::NAN;
        values[8] = -5.0; // not drawable on a log axis
        let (flat, nothing) = (vec![250_000.0; 300], vec![f64::NAN; 300]);
        let cases = [
            (1, &values),
            (300, &flat),
            (300, &values),
            (300, &nothing),
            (30, &values),
        ];
        for (i, (n, series)) in cases.into_iter().enumerate() {
            let (dates, series, style) = (&dates[..n], &series[..n], style(640, 360));
            for log in [false, true] {
                let path = dir.path().join(format!("{i}-{log}.png"));
                equity_chart(&path, &style, dates, &[line("strategy", series)], log).unwrap();
            }
            let drawdown = underwater(series);
            let path = dir.path().join(format!("{i}-drawdown.png"));
            drawdown_chart(&path, &style, dates, &[line("strategy", &drawdown)]).unwrap();
        }
    }
}
