//! `comparison.md` and `comparison.png` of `run --all`: every strategy side by side on one
//! dataset, headline numbers in one table and equity curves on one chart.

use std::fmt::Write as _;
use std::path::Path;

use super::text::{markdown_cell as cell, money, number, percent};
use super::{ChartOptions, charts};
use crate::Result;
use crate::publish::write_file;
use crate::run::RunReport;

/// The files [`write()`] writes: the table and the chart.
pub const FILES: [&str; 2] = ["comparison.md", "comparison.png"];

/// The first line of the table: how a directory of reports tells its `comparison.md` from a
/// file of the same name that is not ours.
pub const HEADING: &str = "# Strategies side by side";

/// Writes `comparison.md` (and `comparison.png` unless charts are off) into `dir`, a directory
/// being published (see [`super::write_all`]).
///
/// # Errors
/// A file cannot be written or the chart cannot be drawn.
pub fn write(reports: &[RunReport], dir: &Path, options: ChartOptions) -> Result<()> {
    let [table, picture] = FILES;
    write_file(&dir.join(table), markdown(reports))?;
    if options.enabled && !reports.is_empty() {
        chart(reports, &dir.join(picture), options)?;
    }
    Ok(())
}

/// The side-by-side table, as `comparison.md` holds it.
#[must_use]
pub fn markdown(reports: &[RunReport]) -> String {
    let mut out = format!("{HEADING}\n\n");
    if let Some(first) = reports.first() {
        let d = &first.summary.dataset;
        let _ = writeln!(
            out,
            "{}Dataset {}; benchmark {} bought and held. Each strategy runs on its own symbols' common dates.\n",
            if d.synthetic {
                "**SYNTHETIC data.** "
            } else {
                ""
            },
            cell(&d.path),
            cell(&first.summary.options.benchmark)
        );
    }
    out.push_str(
        "| strategy | symbols | from | to | final equity | CAGR | volatility | Sharpe | max drawdown | beta | trades |\n\
         |---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut benchmarks: Vec<&RunReport> = Vec::new();
    for report in reports {
        let s = &report.summary;
        let p = &s.metrics.performance;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.strategy,
            cell(&super::text::symbols_label(&s.dataset.symbols)),
            s.dataset.first_date,
            s.dataset.last_date,
            money(s.final_equity),
            percent(p.cagr),
            percent(p.annual_volatility),
            number(p.sharpe),
            percent(Some(p.max_drawdown)),
            number(s.benchmark_metrics.beta),
            s.metrics.activity.trades
        );
        let same_span = |b: &&RunReport| {
            (b.summary.dataset.first_date, b.summary.dataset.last_date)
                == (s.dataset.first_date, s.dataset.last_date)
        };
        if !benchmarks.iter().any(same_span) {
            benchmarks.push(report);
        }
    }
    for report in benchmarks {
        let s = &report.summary;
        let p = &s.benchmark.metrics;
        let symbol = cell(&s.benchmark.symbol);
        let _ = writeln!(
            out,
            "| *{symbol} bought and held* | {symbol} | {} | {} | {} | {} | {} | {} | {} | 1.000 | 1 |",
            s.dataset.first_date,
            s.dataset.last_date,
            money(s.benchmark.final_equity),
            percent(p.cagr),
            percent(p.annual_volatility),
            number(p.sharpe),
            percent(Some(p.max_drawdown)),
        );
    }
    out
}

/// Every strategy's equity and the benchmark's on the calendar of the longest run; a curve is
/// blank on dates its own run does not cover.
fn chart(reports: &[RunReport], path: &Path, options: ChartOptions) -> Result<()> {
    let longest = reports
        .iter()
        .max_by_key(|r| r.universe.len())
        .unwrap_or(&reports[0]);
    let dates = &longest.universe.dates;
    let on_calendar = |report: &RunReport, values: &[f64]| -> Vec<f64> {
        dates
            .iter()
            .map(|d| {
                report
                    .universe
                    .dates
                    .binary_search(d)
                    .map_or(f64::NAN, |i| values[i])
            })
            .collect()
    };
    let mut curves: Vec<(String, Vec<f64>)> = reports
        .iter()
        .map(|r| (r.summary.strategy.clone(), on_calendar(r, &r.run.equity)))
        .collect();
    let benchmark = (
        format!("{} buy and hold", longest.summary.benchmark.symbol),
        longest.benchmark_equity.clone(),
    );
    curves.insert(1.min(curves.len()), benchmark); // the benchmark keeps its colour
    let lines: Vec<charts::Line> = curves
        .iter()
        .map(|(label, values)| charts::Line { label, values })
        .collect();
    let s = &longest.summary;
    let subtitle = format!(
        "{}{} · {} · equity from {} each",
        if s.dataset.synthetic {
            "SYNTHETIC data · "
        } else {
            ""
        },
        s.dataset.path,
        super::text::fill_label(s),
        money(s.options.cash)
    );
    let style = charts::ChartStyle {
        title: "Strategies side by side",
        subtitle: &subtitle,
        width: options.size.0,
        height: options.size.1,
    };
    charts::equity_chart(path, &style, dates, &lines, options.log_scale)
}
