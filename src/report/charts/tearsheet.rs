//! Every chart of one run: each alone in its PNG, and all of them with the headline numbers in
//! one tall `tearsheet.png`. The tearsheet is the single charts under their titles (their
//! compressed rows, not drawn again), below its own title and a table of the headline numbers.

use std::path::Path;
use std::sync::OnceLock;

use chrono::Datelike;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::axis::{percent, thousands};
use super::calendar::{self, Calendar, period_returns};
use super::canvas::{self, Align, Area, Drawn, Picture, Scale, dims, failed, headed, pixel, text};
use super::rolling::{self, Rolling};
use super::signals::{self, Traded};
use super::{ChartStyle, Line, lines, underwater};
use crate::Result;
use crate::report::ChartOptions;
use crate::report::summary::Summary;
use crate::report::text::{fill_label, prices_label};
use crate::run::RunReport;

/// The height of the headline numbers' table on the tearsheet, in design pixels (see
/// [`Scale`]): a heading and nine rows.
const HEADLINE: u32 = 290;

/// Draws one file to the path it is given: what [`draw_run_charts`] hands its caller.
pub type Draw<'a> = dyn Fn(&Path) -> Result<()> + 'a;

/// One chart of a run.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Equity,
    Drawdown,
    Monthly,
    Rolling,
    Annual,
    Signals,
}

impl Kind {
    /// Every chart alone in its file.
    const ALL: [Kind; 6] = [
        Kind::Equity,
        Kind::Drawdown,
        Kind::Monthly,
        Kind::Rolling,
        Kind::Annual,
        Kind::Signals,
    ];

    /// Where the chart comes in the order of drawing, the slowest first (as measured): the
    /// last to finish is then a quick one.
    fn turn(self) -> u8 {
        match self {
            Kind::Drawdown => 0,
            Kind::Rolling => 1,
            Kind::Monthly => 2,
            Kind::Equity => 3,
            Kind::Signals => 4,
            Kind::Annual => 5,
        }
    }

    fn file(self) -> &'static str {
        match self {
            Kind::Equity => "equity.png",
            Kind::Drawdown => "drawdown.png",
            Kind::Monthly => "monthly_returns.png",
            Kind::Rolling => "rolling.png",
            Kind::Annual => "annual_returns.png",
            Kind::Signals => "signals.png",
        }
    }
}

/// The tall chart of every chart of a run.
const TEARSHEET: &str = "tearsheet.png";

/// The names of the files [`draw_run_charts`] writes, so that a directory holding only these
/// (and the report's text files) can be told for a report.
pub fn run_chart_files() -> impl Iterator<Item = &'static str> {
    Kind::ALL.into_iter().map(Kind::file).chain([TEARSHEET])
}

/// Draws `equity.png`, `drawdown.png`, `monthly_returns.png`, `rolling.png`,
/// `annual_returns.png`, `signals.png` and `tearsheet.png` of `report`, at `options.size` (the
/// tearsheet [`tearsheet_size`]) with a log equity axis if `options.log_scale`
/// (`options.enabled` is the caller's business). `write` is called once per file with the
/// file's name and a function that draws it to the path it is given, so that the caller decides
/// where each file goes and how it is replaced.
///
/// The single charts are drawn in parallel, so `write` may be called from several threads at
/// once and in any order; the tearsheet comes last, made of them.
///
/// # Errors
/// An error of `write` or of drawing: [`crate::Error::Chart`] naming the path if a chart cannot
/// be drawn (a size under 200 × 150 pixels, an unwritable path).
pub fn draw_run_charts(
    report: &RunReport,
    options: &ChartOptions,
    write: &(dyn Fn(&str, &Draw) -> Result<()> + Sync),
) -> Result<()> {
    use rayon::prelude::*;
    let charts = RunCharts::new(report, options);
    let singles = || {
        let mut order: Vec<(usize, Kind)> = Kind::ALL.into_iter().enumerate().collect();
        order.sort_by_key(|(_, kind)| kind.turn());
        order
            .into_par_iter()
            // One chart per task: the threads take the next as they finish (split in halves,
            // one thread was left with twice the work).
            .with_max_len(1)
            .map(|(position, kind)| {
                let drawn = OnceLock::new();
                write(kind.file(), &|path| {
                    let picture = charts.picture(kind).map_err(|e| failed(path, &e))?;
                    picture.write(path).map_err(|e| failed(path, &e))?;
                    // Drawn twice (by a `write` that calls it twice), it is the same picture.
                    let _ = drawn.set(picture);
                    Ok(())
                })?;
                Ok((position, drawn.into_inner()))
            })
            .collect::<Result<Vec<_>>>()
    };
    // The tearsheet's own part is drawn beside the charts; its error, if any, is the
    // tearsheet's.
    let (head, pictures) = rayon::join(|| charts.head().map_err(|e| e.to_string()), singles);
    let mut pictures = pictures?;
    pictures.sort_by_key(|(position, _)| *position);
    let pictures: Vec<_> = pictures.into_iter().map(|(_, picture)| picture).collect();
    write(TEARSHEET, &|path| {
        let head = head.as_ref().map_err(|e| failed(path, e))?;
        charts
            .tearsheet(head, &pictures, path)
            .map_err(|e| failed(path, &e))
    })
}

/// The size of the tearsheet of charts of `size`: as wide, its title, the headline numbers,
/// and each chart under its title.
#[must_use]
pub fn tearsheet_size((width, height): (u32, u32)) -> (u32, u32) {
    let scale = Scale::new(height);
    let (_, subtitle) = canvas::title_rows(scale);
    let charts = u32::try_from(Kind::ALL.len()).unwrap_or(u32::MAX);
    (
        width,
        head_height(scale) + charts * height.saturating_sub(subtitle),
    )
}

/// The height of the tearsheet's part above the charts: its title, subtitle and the headline
/// numbers.
fn head_height(scale: Scale) -> u32 {
    let (title, subtitle) = canvas::title_rows(scale);
    title + subtitle + scale.px(HEADLINE)
}

/// What the charts of a run show, computed once for the single charts and the tearsheet.
struct RunCharts<'a> {
    report: &'a RunReport,
    options: &'a ChartOptions,
    /// "sma-cross on GLD".
    title: String,
    /// The run's options, so that a chart pasted elsewhere still says how it was made.
    subtitle: String,
    /// The strategy's and the benchmark's legend labels.
    labels: [String; 2],
    underwater: [Vec<f64>; 2],
    calendar: Calendar,
    /// Per calendar year: the strategy's return and the benchmark's.
    annual: Vec<(i32, f64, f64)>,
}

impl<'a> RunCharts<'a> {
    fn new(report: &'a RunReport, options: &'a ChartOptions) -> Self {
        let summary = &report.summary;
        let o = &summary.options;
        let d = &summary.dataset;
        let title = format!(
            "{} on {}",
            summary.strategy,
            super::super::text::symbols_label(&d.symbols)
        );
        let subtitle = format!(
            "{}{}{} · {} · {} · costs {} + {} bps · {} to {}",
            summary.ruin.map_or_else(String::new, |ruin| format!(
                "RUINED on {} · ",
                ruin.ruined_on
            )),
            if d.synthetic {
                "SYNTHETIC data · "
            } else {
                ""
            },
            d.path,
            fill_label(summary),
            prices_label(summary),
            o.commission_bps,
            o.slippage_bps,
            d.first_date,
            d.last_date
        );
        let (dates, equity, benchmark) = (
            &report.universe.dates,
            &report.run.equity,
            &report.benchmark_equity,
        );
        // Both curves start from the run's cash, the benchmark's bought at the first close.
        let years = |curve: &[f64]| period_returns(dates, curve, o.cash, |d| d.year());
        let annual = years(equity)
            .into_iter()
            .zip(years(benchmark))
            .map(|((year, s), (_, b))| (year, s, b))
            .collect();
        RunCharts {
            report,
            options,
            title,
            subtitle,
            labels: [
                summary.strategy.clone(),
                format!("{} buy and hold", o.benchmark),
            ],
            underwater: [underwater(equity), underwater(benchmark)],
            calendar: Calendar::new(dates, equity, o.cash),
            annual,
        }
    }

    /// What a chart shows, as a title after the run's or as a tearsheet section's heading.
    fn heading(&self, kind: Kind) -> String {
        let summary = &self.report.summary;
        match kind {
            Kind::Equity if self.options.log_scale => "equity, log scale".into(),
            Kind::Equity => "equity".into(),
            Kind::Drawdown => "drawdown from the running peak".into(),
            Kind::Monthly => "monthly returns (%)".into(),
            Kind::Rolling => "rolling 12-month statistics".into(),
            Kind::Annual => {
                let (first, last) = (summary.dataset.first_date, summary.dataset.last_date);
                let mut parts = Vec::new();
                // A year whose data starts after its first week or ends before its last is
                // only part of a year: its bar is not comparable with the others'.
                if first.ordinal() > 7 {
                    parts.push(format!("{} from {}", first.year(), first.format("%b %-d")));
                }
                if last.month() < 12 || last.day() < 24 {
                    parts.push(format!("{} to {}", last.year(), last.format("%b %-d")));
                }
                if parts.is_empty() {
                    "annual returns".into()
                } else {
                    format!("annual returns ({})", parts.join("; "))
                }
            }
            Kind::Signals => {
                let symbols = &summary.dataset.symbols;
                let shown = self.traded_symbol();
                let mut heading = format!(
                    "{} close and fills",
                    symbols.get(shown).map_or("", String::as_str)
                );
                let others: Vec<&str> = symbols
                    .iter()
                    .enumerate()
                    .filter(|(s, _)| *s != shown)
                    .map(|(_, symbol)| symbol.as_str())
                    .collect();
                match others.len() {
                    0 => {}
                    1 | 2 => {
                        heading = format!("{heading} ({} fills not shown)", others.join(", "));
                    }
                    n => heading = format!("{heading} (fills on {n} other symbols not shown)"),
                }
                heading
            }
        }
    }

    /// The symbol `signals.png` shows: the one the strategy's signals are about where it has
    /// discrete signals (its first), else the one it traded most (the first of equals), which
    /// for a rotation is where the action was rather than whichever symbol was listed first.
    fn traded_symbol(&self) -> usize {
        let run = &self.report.run;
        if self.report.summary.events.is_some() || run.symbols == 0 {
            return 0;
        }
        let mut fills = vec![0usize; run.symbols];
        for fill in &run.fills {
            fills[fill.symbol] += 1;
        }
        // The first of the largest: max_by_key keeps the last, so compare reversed indexes.
        (0..run.symbols)
            .max_by_key(|s| (fills[*s], std::cmp::Reverse(*s)))
            .unwrap_or(0)
    }

    /// Draws `kind` into `area`.
    fn body(&self, kind: Kind, area: &Area, scale: Scale) -> Drawn {
        let report = self.report;
        let dates = &report.universe.dates;
        let [strategy, benchmark] = &self.labels;
        let pair = |a, b| {
            [
                Line {
                    label: strategy,
                    values: a,
                },
                Line {
                    label: benchmark,
                    values: b,
                },
            ]
        };
        let labels = [strategy.as_str(), benchmark.as_str()];
        match kind {
            Kind::Equity => {
                let lines = pair(&report.run.equity, &report.benchmark_equity);
                lines::equity(area, scale, dates, &lines, self.options.log_scale)
            }
            Kind::Drawdown => {
                let lines = pair(&self.underwater[0], &self.underwater[1]);
                lines::drawdown(area, scale, dates, &lines)
            }
            Kind::Monthly => calendar::monthly(area, scale, &self.calendar),
            Kind::Rolling => {
                // Computed here, in the rolling chart's own task, as nothing else needs it.
                let (equity, benchmark) = (&report.run.equity, &report.benchmark_equity);
                let options = &report.summary.options;
                let statistics = Rolling::new(equity, benchmark, options.risk_free, options.bars);
                rolling::rolling(area, scale, dates, &statistics, labels)
            }
            Kind::Annual => calendar::annual(area, scale, &self.annual, labels),
            Kind::Signals => {
                let shown = self.traded_symbol();
                let series = report.universe.series.get(shown);
                let label = format!("{} close", series.map_or("", |s| s.symbol.as_str()));
                let chart = Traded {
                    dates,
                    close: series.map_or(&[], |s| s.close.as_slice()),
                    label: &label,
                    fills: report
                        .run
                        .fills
                        .iter()
                        .filter(|f| f.symbol == shown)
                        .collect(),
                    signals: report.summary.events.as_ref().map(|e| e.signals.as_slice()),
                };
                signals::signals(area, scale, &chart, self.options.log_scale)
            }
        }
    }

    /// One chart as its own image.
    fn picture(&self, kind: Kind) -> Drawn<Picture> {
        let (width, height) = self.options.size;
        let style = ChartStyle {
            title: &format!("{}: {}", self.title, self.heading(kind)),
            subtitle: &self.subtitle,
            width,
            height,
        };
        canvas::picture(&style, Scale::new(height), |area, scale| {
            self.body(kind, area, scale)
        })
    }

    /// The tearsheet's own part: its title, the run's options and the headline numbers.
    fn head(&self) -> Drawn<Picture> {
        let (width, height) = self.options.size;
        let scale = Scale::new(height);
        let style = ChartStyle {
            title: &format!("{}: tearsheet", self.title),
            subtitle: &self.subtitle,
            width,
            height: head_height(scale),
        };
        canvas::picture(&style, scale, |area, scale| {
            let area = section(area, scale, "headline numbers")?;
            headline(&area, scale, &self.report.summary)
        })
    }

    /// Writes the tearsheet to `path`: its `head`, then every chart under its title, from
    /// `pictures` (in the order of [`Kind::ALL`]) where they were drawn.
    fn tearsheet(&self, head: &Picture, pictures: &[Option<Picture>], path: &Path) -> Drawn {
        let (width, _) = self.options.size;
        // A chart its caller did not have drawn is drawn here.
        let redrawn = Kind::ALL
            .into_iter()
            .zip(pictures)
            .map(|(kind, drawn)| match drawn {
                Some(_) => Ok(None),
                None => self.picture(kind).map(Some),
            })
            .collect::<Drawn<Vec<_>>>()?;
        let charts = pictures
            .iter()
            .zip(&redrawn)
            .filter_map(|(drawn, redrawn)| drawn.as_ref().or(redrawn.as_ref()));
        let mut parts = vec![&head.title, &head.subtitle, &head.body];
        for chart in charts {
            parts.extend([&chart.title, &chart.body]);
        }
        canvas::write_parts(path, width, &parts)
    }
}

/// A section of the tearsheet: a gap above, a heading (capitalized), and the area under it.
fn section<'b>(area: &Area<'b>, scale: Scale, heading: &str) -> Drawn<Area<'b>> {
    let area = area.margin(scale.px(14), 0, 0, 0);
    let mut heading = heading.to_string();
    if let Some(first) = heading.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Ok(headed(&area, scale, &heading, 22)?.1)
}

/// The headline numbers in two tables side by side: the strategy beside its benchmark, then
/// what only the strategy has (its relation to the benchmark and its trading).
fn headline(area: &Area, scale: Scale, summary: &Summary) -> Drawn {
    let (mine, theirs) = (&summary.metrics.performance, &summary.benchmark.metrics);
    let (relative, activity) = (&summary.benchmark_metrics, &summary.metrics.activity);
    let pct = |x: Option<f64>| x.map_or_else(|| "n/a".into(), |v| percent(v, 1));
    let num = |x: Option<f64>| x.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"));
    let both = |label: &str, s: String, b: String| [label.to_string(), s, b];
    let only = |label: &str, s: String| [label.to_string(), s, String::new()];
    let compared = [
        both("", "strategy".into(), summary.benchmark.symbol.clone()),
        both(
            "Final equity",
            thousands(summary.final_equity, 0),
            thousands(summary.benchmark.final_equity, 0),
        ),
        both(
            "Total return",
            pct(Some(mine.total_return)),
            pct(Some(theirs.total_return)),
        ),
        both("CAGR", pct(mine.cagr), pct(theirs.cagr)),
        both(
            "Volatility",
            pct(mine.annual_volatility),
            pct(theirs.annual_volatility),
        ),
        both("Sharpe", num(mine.sharpe), num(theirs.sharpe)),
        both("Sortino", num(mine.sortino), num(theirs.sortino)),
        both(
            "Max drawdown",
            pct(Some(mine.max_drawdown)),
            pct(Some(theirs.max_drawdown)),
        ),
        both("Calmar", num(mine.calmar), num(theirs.calmar)),
    ];
    let alone = [
        both("", "strategy".into(), String::new()),
        only("Beta", num(relative.beta)),
        only("Alpha (annual)", pct(relative.alpha)),
        only("Correlation", num(relative.correlation)),
        only("Information ratio", num(relative.information_ratio)),
        only("Exposure", pct(Some(activity.exposure))),
        {
            let (label, value) = crate::report::text::trades_cell(activity);
            only(label, value)
        },
        only("Win rate (closed)", pct(activity.win_rate)),
        only("Costs", thousands(activity.costs, 0)),
    ];
    let (w, _) = dims(area);
    let (left, right) = area.split_horizontally(pixel(f64::from(w) * 0.5));
    table(&left.margin(0, 0, 0, scale.px(30)), scale, &compared)?;
    table(&right.margin(0, 0, scale.px(30), 0), scale, &alone)
}

/// Rows of a label and two values, the first row's values bold (the columns' names), every
/// other row striped.
fn table(area: &Area, scale: Scale, rows: &[[String; 3]]) -> Drawn {
    let (w, h) = dims(area);
    let count = i32::try_from(rows.len()).unwrap_or(i32::MAX);
    let row = (h / count).min(scale.at(26));
    let size = (f64::from(row) * 0.62).min(f64::from(scale.px(17)));
    let (font, bold) = (
        ("sans-serif", size).into_font(),
        ("sans-serif", size, FontStyle::Bold).into_font(),
    );
    let columns = [pixel(f64::from(w) * 0.68), w - scale.at(8)];
    for (cells, i) in rows.iter().zip(0..) {
        let (top, middle) = (row * i, row * i + row / 2);
        if i % 2 == 1 {
            let stripe = [(0, top), (w, top + row - 1)];
            area.draw(&Rectangle::new(stripe, RGBColor(244, 246, 248).filled()))?;
        }
        let values = if i == 0 { &bold } else { &font };
        text(
            area,
            &cells[0],
            &font,
            BLACK,
            (scale.at(6), middle),
            Align::LEFT,
        )?;
        for (cell, x) in cells[1..].iter().zip(columns) {
            text(area, cell, values, BLACK, (x, middle), Align::RIGHT)?;
        }
    }
    Ok(())
}
