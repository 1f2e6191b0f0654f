//! The heatmap of a two-parameter sweep: the first parameter's values down, the second's
//! across, each combination's metric in its cell on the calendar heatmap's diverging scale.

use plotters::prelude::*;
use plotters::style::FontStyle;

use super::Heatmap;
use super::calendar::cell;
use super::canvas::{Align, Area, Drawn, GREY, Scale, dims, text, width};

/// The grid of cells with the parameters' values around it and a note under it; the best cell
/// outlined. Text sizes follow the cell size, so that a 20 × 20 grid stays readable.
pub(super) fn grid(area: &Area, scale: Scale, map: &Heatmap) -> Drawn {
    let (w, h) = dims(area);
    let (row_name, row_values) = map.rows;
    let (column_name, column_values) = map.columns;
    let rows = i32::try_from(row_values.len().max(1)).unwrap_or(i32::MAX);
    let columns = i32::try_from(column_values.len().max(1)).unwrap_or(i32::MAX);
    let bold = scale.font(17, FontStyle::Bold);
    let mut labels = width(row_name, &bold)?;
    for value in row_values {
        labels = labels.max(width(value, &bold)?);
    }
    let labels = labels + scale.at(20);
    let (header, footer) = (scale.at(64), scale.at(36));
    let cell_w = ((w - labels) / columns).max(1);
    let cell_h = ((h - header - footer) / rows).clamp(1, scale.at(80));
    let label = |v: f64| {
        if map.percent {
            super::axis::thousands(v * 100.0, 1)
        } else {
            super::axis::thousands(v, 2)
        }
    };
    // The largest size at which the widest printed value fits its cell with a margin.
    let reference = scale.font(17, FontStyle::Normal);
    let mut widest = 1;
    for value in map.cells.iter().flatten().flatten().flatten() {
        widest = widest.max(width(&label(*value), &reference)?);
    }
    let size = (f64::from(cell_h) * 0.42)
        .min(f64::from(scale.px(17)) * f64::from(cell_w) * 0.8 / f64::from(widest))
        .min(f64::from(scale.px(17)));
    let font = ("sans-serif", size).into_font();
    let header_font = (
        "sans-serif",
        size.max(f64::from(scale.px(11))),
        FontStyle::Bold,
    )
        .into_font();
    // Colours saturate at the largest magnitude, so that the scale is symmetric around zero.
    let limit = map
        .cells
        .iter()
        .flatten()
        .flatten()
        .flatten()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    let limit = if limit > 0.0 { limit } else { 1.0 };

    let middle = labels + cell_w * columns / 2;
    text(
        area,
        column_name,
        &bold,
        BLACK,
        (middle, header / 4),
        Align::CENTRE,
    )?;
    let at = (labels - scale.at(10), header * 3 / 4);
    text(area, row_name, &bold, BLACK, at, Align::RIGHT)?;
    for (value, c) in column_values.iter().zip(0..) {
        let at = (labels + c * cell_w + cell_w / 2, header * 3 / 4);
        text(area, value, &header_font, BLACK, at, Align::CENTRE)?;
    }
    for ((value, cells), r) in row_values.iter().zip(map.cells).zip(0..) {
        let top = header + r * cell_h;
        let at = (labels - scale.at(10), top + cell_h / 2);
        text(area, value, &header_font, BLACK, at, Align::RIGHT)?;
        for (entry, c) in cells.iter().zip(0..) {
            let corner = (labels + c * cell_w, top);
            let bounds = (corner, (corner.0 + cell_w - 1, top + cell_h - 1));
            match entry {
                None => cell(area, bounds, None, "", &font)?,
                Some(None) => cell(area, bounds, Some((0.0, limit)), "n/a", &font)?,
                Some(Some(v)) => cell(area, bounds, Some((*v, limit)), &label(*v), &font)?,
            }
        }
    }
    if let Some((r, c)) = map.best {
        let (r, c) = (
            i32::try_from(r).unwrap_or(i32::MAX),
            i32::try_from(c).unwrap_or(i32::MAX),
        );
        let corner = (labels + c * cell_w, header + r * cell_h);
        let far = (corner.0 + cell_w - 1, corner.1 + cell_h - 1);
        let stroke = BLACK.stroke_width(scale.px(3));
        area.draw(&Rectangle::new([corner, far], stroke))?;
    }
    let unit = if map.percent { "%" } else { "" };
    let note = format!(
        "Each cell: the {} of its combination{}; light grey: refused by the strategy; outlined: \
         the best. Colours saturate at ±{}{unit}.",
        map.metric,
        if map.percent { ", in %" } else { "" },
        label(limit)
    );
    let note_font = scale.font(14, FontStyle::Normal);
    let at = (labels, header + rows * cell_h + footer / 2);
    text(area, &note, &note_font, GREY, at, Align::LEFT)
}
