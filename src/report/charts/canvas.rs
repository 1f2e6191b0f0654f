//! What every chart shares: the image and its title block, sizes scaled with the height, the
//! embedded font, text that plotters would misplace, the date-and-value plot with its grid, and
//! a legend put in whichever corner the data leaves free.

use std::path::Path;
use std::rc::Rc;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::ChartStyle;
use super::axis::{Axis, day, shown};
use super::encode::{Compressor, Part, write_png};
use super::glyphs::{Face, Glyph, OPAQUE};
use crate::{Date, Error, Result};

/// The strategy, first line of every chart.
pub(super) const STRATEGY: RGBColor = RGBColor(31, 119, 180);
/// The benchmark, second line of every chart: orange stays distinct over the strategy's fill.
pub(super) const BENCHMARK: RGBColor = RGBColor(255, 127, 14);
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
/// Gains: buys, positive returns.
pub(super) const GAIN: RGBColor = RGBColor(26, 152, 80);
/// Losses: sells, negative returns.
pub(super) const LOSS: RGBColor = RGBColor(215, 48, 39);
/// Grid lines: black at 10% over white, as one opaque colour (the grid is drawn first, on
/// white), since plotters blends a vertical line one pixel at a time.
const GRID: RGBColor = RGBColor(230, 230, 230);
/// Axes: black at 45% over white, the same way.
const AXIS: RGBColor = RGBColor(140, 140, 140);
/// Text that qualifies other text and must not compete with it.
pub(super) const GREY: RGBColor = RGBColor(110, 110, 110);
/// The one font family, registered from embedded bytes before any text is drawn.
const FONT: &str = "sans-serif";

/// A drawing area in pixels.
pub(super) type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;
/// What drawing returns: plotters' and the font's errors, turned into [`Error::Chart`] with the
/// file's name by [`image`].
pub(super) type Drawn<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;
/// A chart over a date (or year) axis and a value axis.
pub(super) type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<Axis, Axis>>;

/// Colour of the `i`-th line of a chart: strategy, benchmark, then the others.
pub(super) fn colour(i: usize) -> RGBColor {
    match i {
        0 => STRATEGY,
        1 => BENCHMARK,
        _ => OTHERS[(i - 2) % OTHERS.len()],
    }
}

/// Sizes are designed for a 900-pixel-high image and scale with the height asked for, so that a
/// small image keeps the proportions of a large one. A tall tearsheet scales with the height of
/// one chart, not its own, so that its text matches the single charts'.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    height: u32,
}

impl Scale {
    pub(super) fn new(height: u32) -> Self {
        Self { height }
    }

    /// `n` design pixels at this height, at least 1.
    pub(super) fn px(self, n: u32) -> u32 {
        (n.saturating_mul(self.height) / 900).max(1)
    }

    /// [`Self::px`] as a coordinate.
    pub(super) fn at(self, n: u32) -> i32 {
        i32::try_from(self.px(n)).unwrap_or(i32::MAX)
    }

    /// The font at `size` design pixels.
    pub(super) fn font(self, size: u32, weight: FontStyle) -> FontDesc<'static> {
        (FONT, f64::from(self.px(size)), weight).into_font()
    }

    /// The font of axis labels, legends and table cells.
    pub(super) fn label(self) -> FontDesc<'static> {
        self.font(17, FontStyle::Normal)
    }
}

/// A pixel position from a computed one, rounded; far-off values are clamped, not wrapped.
pub(super) fn pixel(value: f64) -> i32 {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "clamped to the i32 range first"
    )]
    let pixel = value
        .round()
        .clamp(f64::from(i32::MIN / 2), f64::from(i32::MAX / 2)) as i32;
    pixel
}

/// The width and height of an area in pixels, as coordinates.
pub(super) fn dims(area: &Area) -> (i32, i32) {
    let (w, h) = area.dim_in_pixel();
    (
        i32::try_from(w).unwrap_or(i32::MAX),
        i32::try_from(h).unwrap_or(i32::MAX),
    )
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

/// Draws one PNG: a white image of `style`'s size, its title and subtitle, and `body` in the
/// rest; any error names the file.
pub(super) fn image(
    path: &Path,
    style: &ChartStyle,
    scale: Scale,
    body: impl FnOnce(&Area, Scale) -> Drawn,
) -> Result<()> {
    picture(style, scale, body)
        .and_then(|picture| picture.write(path))
        .map_err(|e| failed(path, &e))
}

/// A drawing error as the error of the file it was for.
pub(super) fn failed(path: &Path, problem: &dyn std::fmt::Display) -> Error {
    Error::Chart(format!("{}: {problem}", path.display()))
}

/// A chart drawn and compressed, in three parts: its title's rows, its subtitle's and the rest,
/// so that the tearsheet can show a chart under its title without the run's options again.
pub(super) struct Picture {
    width: u32,
    /// The top margin and the title.
    pub(super) title: Part,
    pub(super) subtitle: Part,
    pub(super) body: Part,
}

impl Picture {
    /// Writes the whole chart as a PNG file.
    pub(super) fn write(&self, path: &Path) -> Drawn {
        write_parts(path, self.width, &[&self.title, &self.subtitle, &self.body])
    }
}

/// Writes a PNG `width` pixels wide of `parts`, one under another.
pub(super) fn write_parts(path: &Path, width: u32, parts: &[&Part]) -> Drawn {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    Ok(write_png(file, width, parts)?)
}

/// The rows of a chart's top margin and title, then of its subtitle, at `scale`.
pub(super) fn title_rows(scale: Scale) -> (u32, u32) {
    let heading = scale.px(46);
    (scale.px(16) + heading, heading)
}

/// A white image of `style`'s size with its title and subtitle, and `body` drawn in the rest,
/// compressed.
pub(super) fn picture(
    style: &ChartStyle,
    scale: Scale,
    body: impl FnOnce(&Area, Scale) -> Drawn,
) -> Drawn<Picture> {
    if style.width < 200 || scale.height < 150 {
        return Err("a chart needs at least 200 by 150 pixels".into());
    }
    fonts()?;
    let (width, height) = (style.width, style.height);
    let (title_rows, heading) = title_rows(scale);
    let (top, bottom, left, right) = (
        title_rows - heading,
        scale.px(12),
        scale.px(24),
        scale.px(50),
    );
    let draw = |pixels: &mut Vec<u8>| -> Drawn<Picture> {
        // White, set as bytes: several times faster than plotters filling pixel by pixel.
        pixels.clear();
        pixels.resize(width as usize * height as usize * 3, 255);
        LETTERS.with_borrow_mut(Vec::clear);
        {
            let root = BitMapBackend::with_buffer(pixels, (width, height)).into_drawing_area();
            let frame = root.margin(top, bottom, left, right);
            let (title, rest) = frame.split_vertically(heading);
            let (subtitle, plot) = rest.split_vertically(heading);
            let bold = (FontStyle::Bold, BLACK);
            fitted(&title, style.title, scale, 14..=30, bold, 1)?;
            let grey = (FontStyle::Normal, GREY);
            fitted(&subtitle, style.subtitle, scale, 10..=19, grey, 2)?;
            body(&plot, scale)?;
            root.present()?;
        }
        ink(pixels, width);
        let row = width as usize * 3;
        let (title, rest) = pixels.split_at(row * title_rows as usize);
        let (subtitle, body) = rest.split_at(row * heading as usize);
        let mut png = Compressor::new(width);
        let mut part = |rows: &[u8]| {
            png.rows(rows);
            png.part()
        };
        Ok(Picture {
            width,
            title: part(title),
            subtitle: part(subtitle),
            body: part(body),
        })
    };
    PIXELS.with_borrow_mut(draw)
}

thread_local! {
    /// The RGB pixels of the chart a thread is drawing, kept between charts: the charts of a
    /// run are drawn on a few threads, and a fresh 4 MB buffer per chart spent much of the time
    /// on the kernel's page faults.
    static PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A heading over a panel (a tearsheet's section, one of the stacked rolling panels): returns
/// the heading's strip (room for an inline legend at its right) and the area under it.
pub(super) fn headed<'b>(
    area: &Area<'b>,
    scale: Scale,
    heading: &str,
    size: u32,
) -> Drawn<(Area<'b>, Area<'b>)> {
    let (top, rest) = area.split_vertically(scale.px(size * 3 / 2 + 4));
    let font = scale.font(size, FontStyle::Bold);
    text(&top, heading, &font, BLACK, (0, 0), Align::TOP_LEFT)?;
    Ok((top, rest))
}

/// Where a text's anchor point lies on the text: horizontally at its start, centre or end;
/// vertically at the top of its capitals, their middle, or the baseline.
#[derive(Debug, Clone, Copy)]
pub(super) struct Align(Place, Place);

#[derive(Debug, Clone, Copy)]
enum Place {
    Start,
    Middle,
    End,
}

impl Align {
    pub(super) const TOP_LEFT: Align = Align(Place::Start, Place::Start);
    pub(super) const TOP_CENTRE: Align = Align(Place::Middle, Place::Start);
    pub(super) const LEFT: Align = Align(Place::Start, Place::Middle);
    pub(super) const CENTRE: Align = Align(Place::Middle, Place::Middle);
    pub(super) const RIGHT: Align = Align(Place::End, Place::Middle);
    pub(super) const BOTTOM_CENTRE: Align = Align(Place::Middle, Place::End);
}

/// The width of `text` in pixels.
pub(super) fn width(text: &str, font: &FontDesc) -> Drawn<i32> {
    Ok(Face::of(font)?.width(text))
}

/// Draws `text` at `at` in `area`, glyph by glyph. plotters 0.3.7 puts each glyph's ink at the
/// pen, dropping its left side bearing, so that "SYNTHETIC" reads "SYNTHE TIC"; centring each
/// glyph's ink within its advance evens the spacing out. The vertical anchor is measured on an
/// "H" rather than trusted to plotters, which hangs glyphs a quarter of the size above the point
/// it draws them from. The glyphs are inked when the picture is done (see [`Letter`]).
pub(super) fn text(
    area: &Area,
    text: &str,
    font: &FontDesc,
    colour: RGBColor,
    (x, y): (i32, i32),
    Align(horizontal, vertical): Align,
) -> Drawn {
    let face = Face::of(font)?;
    let (cap, baseline) = face
        .ink(&face.glyph('H'))
        .rows
        .map_or((0, 1), |(top, bottom)| (top, bottom + 1));
    let pens = face.pens(text);
    let total = pens.last().copied().unwrap_or(0);
    let left = x - match horizontal {
        Place::Start => 0,
        Place::Middle => total / 2,
        Place::End => total,
    };
    let top = y - match vertical {
        Place::Start => cap,
        Place::Middle => i32::midpoint(cap, baseline),
        Place::End => baseline,
    };
    for (c, pen) in text.chars().zip(pens.windows(2)) {
        let glyph = face.glyph(c);
        let ink = face.ink(&glyph);
        let Some((lo, hi)) = ink.columns else {
            continue; // a space: nothing to draw
        };
        let (from, to) = (pen[0], pen[1]);
        let shift = left + from + (to - from - (hi - lo + 1)) / 2 - lo;
        let (x0, y0) = area.get_base_pixel();
        let letter = Letter {
            glyph: Rc::clone(&glyph),
            at: (x0 + shift, y0 + top),
            colour,
        };
        LETTERS.with_borrow_mut(|letters| letters.push(letter));
    }
    Ok(())
}

/// A character [`text`] drew: its ink goes into the picture's pixels once everything else is
/// drawn, blended there directly rather than a pixel at a time through plotters (a tenth of
/// the charts' time). Text is drawn over what is under it; nothing is drawn over text.
struct Letter {
    glyph: Rc<Glyph>,
    /// Where the glyph's origin lies in the image.
    at: (i32, i32),
    colour: RGBColor,
}

thread_local! {
    /// The letters of the picture this thread is drawing, not yet inked.
    static LETTERS: std::cell::RefCell<Vec<Letter>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Inks the letters drawn since the picture began into its RGB `pixels`, `width` wide, each
/// pixel blended as plotters 0.3.7 blends one.
fn ink(pixels: &mut [u8], width: u32) {
    let width = i64::from(width);
    LETTERS.with_borrow_mut(|letters| {
        for letter in letters.drain(..) {
            let Some(ink) = letter.glyph.drawn() else {
                continue;
            };
            let RGBColor(red, green, blue) = letter.colour;
            for &(dx, dy, weight) in &ink.pixels {
                let (column, row) = (i64::from(letter.at.0 + dx), i64::from(letter.at.1 + dy));
                if !(0..width).contains(&column) || row < 0 {
                    continue;
                }
                let at = usize::try_from((row * width + column) * 3).unwrap_or(usize::MAX);
                if let Some(pixel) = pixels.get_mut(at..at + 3) {
                    blend(pixel, [red, green, blue], weight);
                }
            }
        }
    });
}

/// A pixel drawn over in `colour` with an ink `weight` (see [`super::glyphs::Ink`]): replaced, or
/// moved towards the colour in integers, rounding towards where it was, as plotters does.
fn blend(pixel: &mut [u8], colour: [u8; 3], weight: u16) {
    if weight >= OPAQUE {
        pixel.copy_from_slice(&colour);
        return;
    }
    let weight = i32::from(weight);
    for (old, new) in pixel.iter_mut().zip(colour) {
        // Integer division truncates towards zero: towards where the pixel was, either way.
        let moved = i32::from(*old) + (i32::from(new) - i32::from(*old)) * weight / 256;
        *old = u8::try_from(moved).unwrap_or(new);
    }
}

/// `text` in the largest font from `sizes` (design pixels, largest first) at which it fits the
/// width of `area` in at most `lines` lines, broken at its " · " separators; in the smallest
/// one, broken as it must, where nothing fits.
fn fitted(
    area: &Area,
    text_: &str,
    scale: Scale,
    sizes: std::ops::RangeInclusive<u32>,
    (weight, colour): (FontStyle, RGBColor),
    lines: usize,
) -> Drawn {
    let (room, _) = dims(area);
    let parts: Vec<&str> = text_.split(" · ").collect();
    let smallest = *sizes.start();
    for size in sizes.rev() {
        let font = scale.font(size, weight);
        let mut rows: Vec<String> = Vec::new();
        for part in &parts {
            let joined = rows.last().map(|row| format!("{row} · {part}"));
            match (joined, rows.last_mut()) {
                (Some(joined), Some(row)) if width(&joined, &font)? <= room => *row = joined,
                _ => rows.push((*part).to_string()),
            }
        }
        let mut fits = rows.len() <= lines;
        for row in &rows {
            fits &= width(row, &font)? <= room;
        }
        if fits || size == smallest {
            let step = scale.at(size * 6 / 5);
            for (row, line) in (0..).zip(&rows) {
                text(area, line, &font, colour, (0, row * step), Align::TOP_LEFT)?;
            }
            return Ok(());
        }
    }
    Ok(())
}

/// The axes' labels of `chart` (drawn in `area`): each value label right-aligned left of the
/// plot and each x label centred under it, where plotters would put them, set as all the
/// charts' text is (plotters rasterized every label's every glyph again, and spaced them
/// unevenly). Labels under the x axis only where `x_labelled`.
fn tick_labels(area: &Area, chart: &Chart, scale: Scale, x_labelled: bool) -> Drawn {
    let plot = chart.plotting_area();
    let (base, origin) = (area.get_base_pixel(), plot.get_base_pixel());
    let (left, top) = (origin.0 - base.0, origin.1 - base.1);
    let (width, height) = plot.dim_in_pixel();
    let (width, height) = (i32::try_from(width)?, i32::try_from(height)?);
    // plotters' tick marks are 5% of the plot's smaller side, 5 pixels at most; labels stand
    // twice that from the axis.
    let gap = 2 * pixel(f64::from(width.min(height)) * 0.05).min(5);
    let font = scale.label();
    let (x_axis, y_axis) = (
        chart.as_coord_spec().x_spec(),
        chart.as_coord_spec().y_spec(),
    );
    let (x_range, y_range) = (chart.x_range(), chart.y_range());
    for (value, label) in y_axis.ticks() {
        let (_, y) = chart.backend_coord(&(x_range.start, *value));
        if (0..=height).contains(&(y - origin.1)) {
            text(
                area,
                label,
                &font,
                BLACK,
                (left - gap, y - base.1),
                Align::RIGHT,
            )?;
        }
    }
    if x_labelled {
        for (value, label) in x_axis.ticks() {
            let (x, _) = chart.backend_coord(&(*value, y_range.start));
            if (0..=width).contains(&(x - origin.0)) {
                let at = (x - base.0, top + height + gap);
                text(area, label, &font, BLACK, at, Align::TOP_CENTRE)?;
            }
        }
    }
    Ok(())
}

/// What a legend entry shows beside its label.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    /// A line.
    Line(RGBColor),
    /// A filled block: an area, a bar, a shaded band.
    Block(RGBAColor),
    /// An upward triangle (a buy).
    Up(RGBColor),
    /// A downward triangle (a sell).
    Down(RGBColor),
}

/// A triangle marker of half-size `r` centred on the origin, pointing up or down.
pub(super) fn triangle(r: i32, up: bool) -> [(i32, i32); 3] {
    let s = if up { 1 } else { -1 };
    [(-r, s * r), (r, s * r), (0, -s * r)]
}

/// How a plot's x axis is labelled.
#[derive(Debug, Clone, Copy)]
pub(super) enum XLabels {
    /// Labels under the axis and grid lines through the plot.
    Shown,
    /// Grid lines only: stacked panels label only the lowest.
    Hidden,
    /// Labels without grid lines, which would cut through groups of bars.
    Categories,
}

/// A chart under construction: the plot, the pixels its data cover (so that the legend goes
/// where it hides the least), and the legend's entries.
pub(super) struct Plot<'a, 'b> {
    pub(super) chart: Chart<'a, 'b>,
    pub(super) scale: Scale,
    occupied: Vec<(i32, i32)>,
    legend: Vec<(String, Swatch)>,
}

impl<'a, 'b> Plot<'a, 'b> {
    /// A plot in `area` over axes `x` and `y`, with the grid at the labelled ticks.
    pub(super) fn new(
        area: &'a Area<'b>,
        scale: Scale,
        (x, y): (Axis, Axis),
        x_labels: XLabels,
    ) -> Drawn<Self> {
        let labelled = !matches!(x_labels, XLabels::Hidden);
        let mut chart = ChartBuilder::on(area)
            .x_label_area_size(if labelled { scale.px(40) } else { 0 })
            .y_label_area_size(scale.px(110))
            .build_cartesian_2d(x, y)?;
        let mut mesh = chart.configure_mesh();
        // The grid and the axes are plotters'; the labels are ours (see `tick_labels`).
        let unlabelled = |_: &f64| String::new();
        mesh.bold_line_style(GRID)
            .axis_style(AXIS)
            .x_label_formatter(&unlabelled)
            .y_label_formatter(&unlabelled);
        if matches!(x_labels, XLabels::Categories) {
            mesh.disable_x_mesh();
        }
        mesh.draw()?;
        tick_labels(area, &chart, scale, labelled)?;
        Ok(Self {
            chart,
            scale,
            occupied: Vec::new(),
            legend: Vec::new(),
        })
    }

    /// Pixel positions, relative to the plotting area, of data points.
    fn pixels(&self, points: &[(f64, f64)]) -> Vec<(i32, i32)> {
        let (x0, y0) = self.chart.plotting_area().get_base_pixel();
        let at = |p: &(f64, f64)| {
            let (x, y) = self.chart.backend_coord(p);
            (x - x0, y - y0)
        };
        points.iter().map(at).collect()
    }

    /// Marks data points as covered, for the legend to avoid.
    pub(super) fn occupy(&mut self, points: &[(f64, f64)]) {
        let pixels = self.pixels(points);
        self.occupied.extend(pixels);
    }

    /// Marks a rectangle of the plotting area, in pixels from its top left, as covered: a label
    /// the legend must not hide.
    pub(super) fn occupy_pixels(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32)) {
        let step = usize::try_from(self.scale.at(4)).unwrap_or(1);
        for x in (x0..=x1).step_by(step) {
            self.occupied
                .extend((y0..=y1).step_by(step).map(|y| (x, y)));
        }
    }

    /// Adds a legend entry.
    pub(super) fn entry(&mut self, label: &str, swatch: Swatch) {
        self.legend.push((label.to_string(), swatch));
    }

    /// A series over `dates`, skipping values the y axis cannot show; `fill` shades the area
    /// between it and zero. A lone point is drawn as a dot, having no segment.
    pub(super) fn line(
        &mut self,
        dates: &[Date],
        values: &[f64],
        colour: RGBColor,
        fill: bool,
    ) -> Drawn {
        let log = self.chart.as_coord_spec().y_spec().is_log();
        let points: Vec<(f64, f64)> = dates
            .iter()
            .zip(values)
            .filter(|(_, v)| shown(**v, log))
            .map(|(d, v)| (day(*d), *v))
            .collect();
        let pixels = self.pixels(&points);
        self.occupied.extend(&pixels);
        // A thick line over more points than pixels draws as scratches (plotters makes each
        // segment a polygon of its own); a thin one reads as a line.
        let (columns, _) = self.chart.plotting_area().dim_in_pixel();
        let dense = points.len() * 2 > columns as usize;
        let stroke = colour.stroke_width(if dense { 1 } else { self.scale.px(2) });
        if points.len() == 1 {
            let dot = self.scale.px(5);
            let series = LineSeries::new(points, colour.filled()).point_size(dot);
            self.chart.draw_series(series)?;
        } else {
            if fill {
                self.area(&points, &pixels, colour)?;
            }
            // Through the pixels already found, on the plotting area in pixels: the same path
            // as a series of the points, without mapping every point a second time.
            let stroke = if fill { colour.stroke_width(1) } else { stroke };
            let area = self.chart.plotting_area().strip_coord_spec();
            area.draw(&PathElement::new(pixels, stroke))?;
        }
        Ok(())
    }

    /// Shades the area between `points` (at `pixels`) and zero in `colour`. Over a series with a point in
    /// every pixel column, each column is shaded from the zero line to its point nearest it
    /// (the line drawn over the area covers the rest of the column), in rectangles as wide as
    /// the shape allows: plotters fills a wide polygon in columns, blending one pixel at a time,
    /// which was most of the time a drawdown chart took.
    fn area(&mut self, points: &[(f64, f64)], pixels: &[(i32, i32)], colour: RGBColor) -> Drawn {
        let style = colour.mix(0.3).filled();
        let Some(first) = points.first() else {
            return Ok(());
        };
        let zero = self.pixels(&[(first.0, 0.0)])[0].1;
        // Per column: the rows from the zero line to the point nearest it, down (positive) or
        // up.
        let reach: Vec<(i32, i32)> = pixels
            .chunk_by(|a, b| a.0 == b.0)
            .map(|column| {
                let nearest = column.iter().map(|p| p.1 - zero).min_by_key(|d| d.abs());
                (column[0].0, nearest.unwrap_or(0))
            })
            .collect();
        if reach.windows(2).any(|w| w[1].0 - w[0].0 != 1) {
            // Points further apart than a column: the polygon through them.
            let series = AreaSeries::new(points.iter().copied(), 0.0, style);
            self.chart.draw_series(series)?;
            return Ok(());
        }
        let area = self.chart.plotting_area().strip_coord_spec();
        for corners in shading(&reach, zero) {
            area.draw(&Rectangle::new(corners, style))?;
        }
        Ok(())
    }

    /// A horizontal line at `value` across the plot, where it is inside the y range.
    pub(super) fn level(&mut self, value: f64) -> Drawn {
        let (x, y) = (self.chart.x_range(), self.chart.y_range());
        if y.contains(&value) {
            let line = [(x.start, value), (x.end, value)];
            self.chart
                .draw_series(LineSeries::new(line, BLACK.mix(0.5).stroke_width(1)))?;
        }
        Ok(())
    }

    /// Draws the legend in the corner of the plot that covers the fewest data pixels, the top
    /// left winning ties.
    pub(super) fn legend(self) -> Drawn {
        let Plot {
            chart,
            scale,
            occupied,
            legend,
        } = self;
        if legend.is_empty() {
            return Ok(());
        }
        let area = chart.plotting_area().strip_coord_spec();
        let font = scale.font(18, FontStyle::Normal);
        let (pad, row, swatch) = (scale.at(10), scale.at(28), scale.at(30));
        let mut text_width = 0;
        for (label, _) in &legend {
            text_width = text_width.max(width(label, &font)?);
        }
        let rows = i32::try_from(legend.len()).unwrap_or(i32::MAX);
        let (w, h) = (pad * 3 + swatch + text_width, pad * 2 + row * rows);
        let (aw, ah) = dims(&area);
        let margin = scale.at(12);
        let (left, right) = (margin, aw - margin - w);
        let (top, bottom) = (margin, ah - margin - h);
        let corners = [(left, top), (right, top), (left, bottom), (right, bottom)];
        let covered = |&(x, y): &(i32, i32)| {
            let inside =
                |&&(px, py): &&(i32, i32)| (x..=x + w).contains(&px) && (y..=y + h).contains(&py);
            occupied.iter().filter(inside).count()
        };
        let (x, y) = corners
            .into_iter()
            .min_by_key(covered)
            .unwrap_or((left, top));
        area.draw(&Rectangle::new(
            [(x, y), (x + w, y + h)],
            WHITE.mix(0.85).filled(),
        ))?;
        area.draw(&Rectangle::new([(x, y), (x + w, y + h)], BLACK.mix(0.25)))?;
        for ((label, kind), i) in legend.iter().zip(0..) {
            let middle = y + pad + row * i + row / 2;
            let x1 = swatch_at(&area, scale, *kind, (x + pad, middle))?;
            text(&area, label, &font, BLACK, (x1 + pad, middle), Align::LEFT)?;
        }
        Ok(())
    }
}

/// Draws a legend swatch from `(x, middle)` on; returns where it ends.
fn swatch_at(area: &Area, scale: Scale, kind: Swatch, (x0, middle): (i32, i32)) -> Drawn<i32> {
    let (x1, r) = (x0 + scale.at(30), scale.at(7));
    match kind {
        Swatch::Line(c) => {
            area.draw(&PathElement::new(
                [(x0, middle), (x1, middle)],
                c.stroke_width(3),
            ))?;
        }
        Swatch::Block(c) => {
            area.draw(&Rectangle::new(
                [(x0, middle - r), (x1, middle + r)],
                c.filled(),
            ))?;
        }
        Swatch::Up(c) | Swatch::Down(c) => {
            let up = matches!(kind, Swatch::Up(_));
            let centre = i32::midpoint(x0, x1);
            let marker = triangle(r, up).map(|(dx, dy)| (centre + dx, middle + dy));
            area.draw(&Polygon::new(marker, c.filled()))?;
        }
    }
    Ok(x1)
}

/// A legend on one line at the right end of `area` (a panel's heading strip), where it can
/// hide no data.
pub(super) fn inline_legend(area: &Area, scale: Scale, entries: &[(&str, Swatch)]) -> Drawn {
    let font = scale.font(16, FontStyle::Normal);
    let (w, h) = dims(area);
    let (pad, swatch, gap) = (scale.at(8), scale.at(30), scale.at(24));
    let mut total = 0;
    for (label, _) in entries {
        total += swatch + pad + width(label, &font)? + gap;
    }
    let mut x = w - total + gap;
    for (label, kind) in entries {
        let end = swatch_at(area, scale, *kind, (x, h / 2))?;
        text(area, label, &font, BLACK, (end + pad, h / 2), Align::LEFT)?;
        x = end + pad + width(label, &font)? + gap;
    }
    Ok(())
}

/// The rectangles, in pixels (the far corner excluded), that shade each of adjacent columns
/// `(x, reach)` from the zero line's row `zero` to `zero + reach`, both rows included, every
/// pixel once: the rows at and below the zero line, then those above it, each a skyline.
fn shading(reach: &[(i32, i32)], zero: i32) -> Vec<[(i32, i32); 2]> {
    let left = reach.first().map_or(0, |c| c.0);
    let mut rectangles = Vec::new();
    for down in [true, false] {
        let rows: Vec<i32> = reach
            .iter()
            .map(|&(_, r)| if down { r.max(0) + 1 } else { (-r).max(0) })
            .collect();
        for (from, to, low, high) in skyline(&rows) {
            let (x0, x1) = (left + from, left + to + 1);
            let (y0, y1) = if down {
                (zero + low, zero + high)
            } else {
                (zero - high, zero - low)
            };
            rectangles.push([(x0, y0), (x1, y1)]);
        }
    }
    rectangles
}

/// Rectangles covering a skyline of adjacent columns `heights` tall, each cell once: (first
/// column, last column, level under the rectangle, level at its top), as few as a stack of the
/// columns still rising gives (at most one per column).
fn skyline(heights: &[i32]) -> Vec<(i32, i32, i32, i32)> {
    let mut rising: Vec<(i32, i32)> = Vec::new(); // (first column, height), heights increasing
    let mut rectangles = Vec::new();
    for (x, height) in (0..).zip(heights.iter().copied().chain([0])) {
        let mut start = x;
        while let Some(&(first, top)) = rising.last() {
            if top <= height {
                break;
            }
            rising.pop();
            let floor = rising.last().map_or(0, |c| c.1).max(height);
            rectangles.push((first, x - 1, floor, top));
            start = first;
        }
        if height > rising.last().map_or(0, |c| c.1) {
            rising.push((start, height));
        }
    }
    rectangles
}

/// The x positions of a plotting area's pixels, as a coordinate range: what a width of `n`
/// pixels is on the x axis.
pub(super) fn x_per_pixel(chart: &Chart) -> f64 {
    let range = chart.x_range();
    let (w, _) = chart.plotting_area().dim_in_pixel();
    (range.end - range.start) / f64::from(w.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shading_covers_each_column_from_the_zero_line_to_its_point_once() {
        let reach = [(10, 3), (11, 0), (12, -2), (13, -2), (14, 5), (15, -1)];
        let zero = 20;
        let mut covered = std::collections::HashMap::new();
        for [(x0, y0), (x1, y1)] in shading(&reach, zero) {
            for x in x0..x1 {
                for y in y0..y1 {
                    *covered.entry((x, y)).or_insert(0) += 1;
                }
            }
        }
        let mut expected = std::collections::HashMap::new();
        for (x, r) in reach {
            for y in zero.min(zero + r)..=zero.max(zero + r) {
                expected.insert((x, y), 1);
            }
        }
        assert_eq!(covered, expected);
    }

    #[test]
    fn a_skyline_is_covered_once_by_its_rectangles() {
        let mut state = 9u64;
        let mut height = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            i32::from(state.to_be_bytes()[0] % 40)
        };
        for columns in [0, 1, 2, 7, 300] {
            let heights: Vec<i32> = (0..columns).map(|_| height()).collect();
            let mut covered = vec![vec![0; 40]; heights.len()];
            let rectangles = skyline(&heights);
            assert!(rectangles.len() <= heights.len());
            for (first, last, floor, top) in rectangles {
                assert!(first <= last && floor < top, "{first} {last} {floor} {top}");
                let (first, last) = (usize::try_from(first), usize::try_from(last));
                for column in &mut covered[first.unwrap()..=last.unwrap()] {
                    for level in floor..top {
                        column[usize::try_from(level).unwrap()] += 1;
                    }
                }
            }
            for (column, height) in covered.iter().zip(&heights) {
                let expected: Vec<i32> = (0..40).map(|level| i32::from(level < *height)).collect();
                assert_eq!(*column, expected);
            }
        }
    }
}
