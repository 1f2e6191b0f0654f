//! PNG charts of a run: equity curves and underwater (drawdown) curves of the strategy against its
//! benchmark, drawn the same way every time so that charts of different runs compare side by side.
//!
//! Fonts are embedded (`DejaVu` Sans), so a chart looks the same on every machine and needs no
//! system font. Ticks are chosen here rather than by plotters: calendar ticks must fall on the
//! first of a month or year, and a log axis needs 1-2-5 labels, not powers of ten alone.

use std::convert::Infallible;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{Datelike, Months, TimeDelta};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::{Date, Error, Result};

/// The strategy, first line of every chart.
const STRATEGY: RGBColor = RGBColor(31, 119, 180);
/// The benchmark, second line of every chart: orange stays distinct over the strategy's fill.
const BENCHMARK: RGBColor = RGBColor(255, 127, 14);
/// Further lines (several strategies side by side), after the strategy's and the benchmark's
/// colours: the rest of the familiar categorical palette, distinct from both.
const OTHERS: [RGBColor; 7] = [
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
/// The subtitle's grey: it qualifies the title and must not compete with it.
const SUBTITLE: RGBColor = RGBColor(110, 110, 110);
/// The one font family, registered from embedded bytes before any text is drawn.
const FONT: &str = "sans-serif";
/// At most this many date labels: 25 years of daily data must not crowd the axis.
const MAX_X_TICKS: usize = 10;
/// At most this many value labels.
const MAX_Y_TICKS: usize = 8;
/// Calendar tick steps, finest first: months between ticks, and the years the first tick aligns
/// on, so that a 5-year step ticks 2000, 2005, ... rather than 2003, 2008, ...
#[rustfmt::skip]
const CALENDAR_STEPS: [(u32, i32); 10] =
    [(1, 1), (2, 1), (3, 1), (6, 1), (12, 1), (24, 2), (60, 5), (120, 10), (240, 20), (600, 50)];

/// One line on a chart.
pub struct Line<'a> {
    /// The legend's text.
    pub label: &'a str,
    /// One value per date; NaN values are skipped.
    pub values: &'a [f64],
}

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
    let (lo, hi) = padded(extent(lines, log_scale).unwrap_or((1.0, 1.0)), log_scale);
    let ticks = if log_scale {
        log_ticks(lo, hi)
    } else {
        linear_ticks(lo, hi)
    };
    let y = Axis::new(lo..hi, log_scale, value_labels(&ticks, thousands));
    render(path, style, dates, lines, y, false)
}

/// Underwater curves: drawdown from the running peak, as negative fractions (see [`underwater`]),
/// y axis in percent; a filled area for the first line (strategy), a line for the second
/// (benchmark).
///
/// # Errors
/// As [`equity_chart`].
pub fn drawdown_chart(
    path: &Path,
    style: &ChartStyle,
    dates: &[Date],
    lines: &[Line],
) -> Result<()> {
    // From 0% down to -1% at least, so that a run that never drew down gets a readable axis;
    // wider if values lie outside, so that wrong input shows as wrong rather than off the chart.
    let (lo, hi) = extent(lines, false).unwrap_or((0.0, 0.0));
    let (lo, hi) = padded((lo.min(-0.01), hi.max(0.0)), false);
    let percent = |v: f64, decimals: usize| format!("{}%", thousands(v * 100.0, decimals));
    let y = Axis::new(lo..hi, false, value_labels(&linear_ticks(lo, hi), percent));
    render(path, style, dates, lines, y, true)
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

/// Registers the embedded fonts once per process. Parsing bytes shipped inside the `dejavu` crate
/// cannot fail short of a broken build, but even that is an error rather than a panic.
fn fonts() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    ok.then_some(())
        .ok_or_else(|| Error::Chart("the embedded DejaVu Sans font is unreadable".into()))
}

/// One axis: a range mapped onto pixels, linearly or in log space, with its labelled ticks.
struct Axis {
    /// The range in drawing space: the logarithm of the values on a log axis.
    scale: RangedCoordf64,
    range: Range<f64>,
    log: bool,
    ticks: Vec<(f64, String)>,
}

impl Axis {
    fn new(range: Range<f64>, log: bool, ticks: Vec<(f64, String)>) -> Self {
        let space = |v: f64| if log { v.ln() } else { v };
        let scale = (space(range.start)..space(range.end)).into();
        Self {
            scale,
            range,
            log,
            ticks,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.scale
            .map(&if self.log { value.ln() } else { *value }, limit)
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
fn shown(value: f64, log: bool) -> bool {
    value.is_finite() && (!log || value > 0.0)
}

/// The lowest and highest drawable value over all lines, if any.
fn extent(lines: &[Line], log: bool) -> Option<(f64, f64)> {
    let values = lines.iter().flat_map(|line| line.values.iter().copied());
    values.filter(|&v| shown(v, log)).fold(None, |acc, v| {
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

/// Round ticks within `lo..=hi`: 1, 2 or 5 times a power of ten apart, at most [`MAX_Y_TICKS`].
fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
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
    let steps = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0].map(|m| m * base);
    steps
        .into_iter()
        .map(every)
        .find(|t| t.len() <= MAX_Y_TICKS)
        .unwrap_or_default()
}

/// Ticks on a log axis: 1, 2 and 5 of each decade, or round linear steps where the range spans
/// too little of a decade to hold three of those.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut power = 10f64.powf(lo.log10().floor());
    while power <= hi {
        let decade = [1.0, 2.0, 5.0].map(|m| m * power);
        ticks.extend(decade.into_iter().filter(|t| (lo..=hi).contains(t)));
        power *= 10.0;
    }
    if ticks.len() < 3 {
        linear_ticks(lo, hi)
    } else {
        ticks
    }
}

/// Labels for value ticks with the fewest decimals that keep neighbouring labels distinct.
fn value_labels(ticks: &[f64], label: impl Fn(f64, usize) -> String) -> Vec<(f64, String)> {
    let distinct = |decimals: &usize| {
        let labels: Vec<String> = ticks.iter().map(|&t| label(t, *decimals)).collect();
        labels.windows(2).all(|pair| pair[0] != pair[1])
    };
    let decimals = (0..4).find(distinct).unwrap_or(4);
    ticks.iter().map(|&t| (t, label(t, decimals))).collect()
}

/// `value` with `decimals` decimals and commas between thousands: "1,250,000", "-12.5".
fn thousands(value: f64, decimals: usize) -> String {
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

/// A date as a position on the x axis: days since the common era.
fn day(date: Date) -> f64 {
    f64::from(date.num_days_from_ce())
}

/// Date ticks on calendar boundaries: years ("2008") over spans longer than 3 years, months
/// ("2024-03") below that, and the two ends for spans too short to hold two month starts.
fn date_ticks(first: Date, last: Date) -> Vec<(f64, String)> {
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
    let (mut ticks, format) = match calendar
        .into_iter()
        .find(|t| (2..=MAX_X_TICKS).contains(&t.len()))
    {
        Some(ticks) => (ticks, if long { "%Y" } else { "%Y-%m" }),
        None => (vec![first, last], "%Y-%m-%d"),
    };
    ticks.dedup();
    ticks
        .into_iter()
        .map(|d| (day(d), d.format(format).to_string()))
        .collect()
}

/// Draws `text` from the top left of `area`, glyph by glyph. plotters 0.3.7 puts each glyph's ink
/// at the pen, dropping its left side bearing, so that "SYNTHETIC" reads "SYNTHE TIC"; centring
/// each glyph's ink within its advance evens the spacing out.
fn write(
    area: &DrawingArea<BitMapBackend, Shift>,
    text: &str,
    font: &FontDesc,
    colour: RGBColor,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let pen = |end: usize| font.layout_box(&text[..end]).map(|(_, (right, _))| right);
    // Glyphs hang about a quarter of the font size above the point plotters draws them from.
    let top = font.layout_box(text)?.1.1 / 3;
    for (start, glyph) in text.char_indices() {
        let end = start + glyph.len_utf8();
        let mut ink = Vec::new();
        font.draw(&text[start..end], (0, top), |x, y, alpha| {
            ink.push((x, y, alpha));
            Ok::<(), Infallible>(())
        })??;
        let columns = ink.iter().map(|&(x, _, _)| x);
        let (Some(lo), Some(hi)) = (columns.clone().min(), columns.max()) else {
            continue; // a space: nothing to draw
        };
        let (left, right) = (pen(start)?, pen(end)?);
        let shift = left + (right - left - (hi - lo + 1)) / 2 - lo;
        for (x, y, alpha) in ink {
            area.draw_pixel((x + shift, y), &colour.mix(f64::from(alpha)))?;
        }
    }
    Ok(())
}

/// Checks the input, then draws what every chart shares (title, subtitle, date axis, grid,
/// legend) and the lines, naming the file in any error. The drawdown chart fills its first line
/// and keeps its legend at the bottom, equity mostly growing away from the top left and the
/// deepest drawdowns seldom being the first ones.
fn render(
    path: &Path,
    style: &ChartStyle,
    dates: &[Date],
    lines: &[Line],
    y: Axis,
    drawdown: bool,
) -> Result<()> {
    let fail =
        |problem: &dyn std::fmt::Display| Error::Chart(format!("{}: {problem}", path.display()));
    let (Some(&first), Some(&last), false) =
        (dates.iter().min(), dates.iter().max(), lines.is_empty())
    else {
        return Err(fail(&"nothing to draw: no dates or no lines"));
    };
    if let Some(line) = lines.iter().find(|line| line.values.len() != dates.len()) {
        let (label, n, dates) = (line.label, line.values.len(), dates.len());
        return Err(fail(&format!(
            "line {label:?} has {n} values for {dates} dates"
        )));
    }
    if style.width < 200 || style.height < 150 {
        return Err(fail(&"a chart needs at least 200 by 150 pixels"));
    }
    fonts()?;
    draw(path, style, dates, lines, (first, last), y, drawdown).map_err(|e| fail(&e))
}

/// The drawing itself, for [`render`].
fn draw(
    path: &Path,
    style: &ChartStyle,
    dates: &[Date],
    lines: &[Line],
    (first, last): (Date, Date),
    y: Axis,
    drawdown: bool,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    // Sizes are designed for a 900-pixel-high image and scale with the height asked for.
    let px = |n: u32| (n.saturating_mul(style.height) / 900).max(1);
    let font = |size: u32, weight: FontStyle| (FONT, f64::from(px(size)), weight).into_font();
    let root = BitMapBackend::new(path, (style.width, style.height)).into_drawing_area();
    root.fill(&WHITE)?;
    let frame = root.margin(px(16), px(12), px(24), px(50));
    let (title, rest) = frame.split_vertically(px(46));
    let (subtitle, plot) = rest.split_vertically(px(46));
    write(&title, style.title, &font(30, FontStyle::Bold), BLACK)?;
    write(
        &subtitle,
        style.subtitle,
        &font(19, FontStyle::Normal),
        SUBTITLE,
    )?;

    let (lo, hi) = (day(first), day(last));
    let span = if hi > lo { lo..hi } else { lo - 1.0..hi + 1.0 };
    let log = y.log;
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(px(40))
        .y_label_area_size(px(110))
        .build_cartesian_2d(Axis::new(span, false, date_ticks(first, last)), y)?;
    chart
        .configure_mesh()
        .bold_line_style(BLACK.mix(0.1))
        .axis_style(BLACK.mix(0.45))
        .label_style(font(17, FontStyle::Normal))
        .draw()?;

    for (i, line) in lines.iter().enumerate() {
        let colour = match i {
            0 => STRATEGY,
            1 => BENCHMARK,
            _ => OTHERS[(i - 2) % OTHERS.len()],
        };
        let points: Vec<(f64, f64)> = (dates.iter().zip(line.values))
            .filter(|(_, v)| shown(**v, log))
            .map(|(d, v)| (day(*d), *v))
            .collect();
        let dot = if points.len() == 1 { px(5) } else { 0 }; // a lone point has no segment
        let series = if i == 0 && drawdown && dot == 0 {
            chart.draw_series(AreaSeries::new(points, 0.0, colour.mix(0.3)).border_style(colour))?
        } else {
            chart.draw_series(LineSeries::new(points, colour.filled()).point_size(dot))?
        };
        let swatch = move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(3));
        series.label(line.label).legend(swatch);
    }
    chart
        .configure_series_labels()
        .position(if drawdown {
            SeriesLabelPosition::LowerLeft
        } else {
            SeriesLabelPosition::UpperLeft
        })
        .margin(px(16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.25))
        .label_font(font(18, FontStyle::Normal))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
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
    fn draw_all(dir: &Path, ext: &str, (width, height): (u32, u32)) -> Vec<std::path::PathBuf> {
        let (dates, strategy, benchmark) = sample(2_000);
        let (ds, db) = (underwater(&strategy), underwater(&benchmark));
        let equity = [line("strategy", &strategy), line("GLD", &benchmark)];
        let paths = ["linear", "log", "drawdown"].map(|n| dir.join(format!("{n}.{ext}")));
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
            for path in draw_all(dir.path(), "png", size) {
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
        // BMP, so that the test reads pixels without a decoder: 24-bit BGR rows, here unpadded.
        for path in draw_all(dir.path(), "bmp", (1600, 900)) {
            let bytes = std::fs::read(&path).unwrap();
            let start = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
            let pixels = bytes[start..].chunks_exact(3);
            let count = |c: RGBColor| pixels.clone().filter(|p| *p == [c.2, c.1, c.0]).count();
            // The legend's swatches alone are about 100 pixels.
            assert!(count(STRATEGY) > 1_500, "{path:?}");
            assert!(count(BENCHMARK) > 1_500, "{path:?}");
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

    #[test]
    fn ticks_are_few_round_and_calendar_aligned() {
        let labels =
            |ticks: Vec<(f64, String)>| ticks.into_iter().map(|(_, l)| l).collect::<Vec<_>>();
        let date = |y, m, d| Date::from_ymd_opt(y, m, d).unwrap();
        let years = date_ticks(date(2000, 1, 3), date(2024, 12, 31));
        assert_eq!(labels(years), ["2005", "2010", "2015", "2020"]);
        let months = date_ticks(date(2023, 11, 15), date(2024, 10, 1));
        assert_eq!(
            labels(months),
            ["2024-01", "2024-03", "2024-05", "2024-07", "2024-09"]
        );
        let log = value_labels(&log_ticks(90_000.0, 2_100_000.0), thousands);
        assert_eq!(
            labels(log),
            ["100,000", "200,000", "500,000", "1,000,000", "2,000,000"]
        );
        let percent = value_labels(&linear_ticks(-0.011, 0.0004), |v, d| {
            thousands(v * 100.0, d)
        });
        assert_eq!(
            labels(percent),
            ["-1.0", "-0.8", "-0.6", "-0.4", "-0.2", "0.0"]
        );
        assert_eq!(thousands(-1234.5, 1), "-1,234.5");
        assert_eq!(thousands(-0.2, 0), "0");
    }
}
