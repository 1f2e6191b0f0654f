//! Writing a run's results: the terminal table, `summary.json`, `summary.md`, the CSVs and
//! the charts. A report directory is built under a temporary name and swapped in whole (see
//! [`crate::publish`]), so a reader never sees half a result.

pub mod charts;
pub mod comparison;
pub mod summary;
pub mod tables;
pub mod text;

use std::path::Path;

use crate::publish::{Layout, publish_collection, publish_dir, write_file};
use crate::run::RunReport;
use crate::{Error, Result};

/// The file that marks a directory as a report: the run's summary.
pub const SUMMARY_FILE: &str = "summary.json";

/// The text files of a report, beside its charts.
const TEXT_FILES: [&str; 5] = [
    SUMMARY_FILE,
    "summary.md",
    "equity.csv",
    "fills.csv",
    "trades.csv",
];

/// Whether a report writes a file called `name`: how a directory is told for a report.
#[must_use]
pub fn is_report_file(name: &str) -> bool {
    TEXT_FILES.contains(&name) || charts::run_chart_files().any(|chart| chart == name)
}

/// Chart options of a run.
#[derive(Debug, Clone, Copy)]
pub struct ChartOptions {
    /// Draw the charts at all.
    pub enabled: bool,
    /// Pixel width and height.
    pub size: (u32, u32),
    /// Logarithmic equity axis.
    pub log_scale: bool,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            enabled: true,
            size: charts::DEFAULT_SIZE,
            log_scale: false,
        }
    }
}

/// Writes every output file of `report` as the directory `dir`, replacing a previous report
/// there in one step (see [`publish_dir`]).
///
/// # Errors
/// A file cannot be written, a chart cannot be drawn, or `dir` exists and is not a report.
pub fn write_outputs(report: &RunReport, dir: &Path, charts: ChartOptions) -> Result<()> {
    publish_dir(dir, Layout::Report, |staging| {
        write_report(report, staging, charts)
    })
}

/// Writes the report of every run of `run --all` into `dir/<strategy>/` and their comparison
/// into `dir`, all at once (see [`publish_collection`]).
///
/// # Errors
/// A file cannot be written, a chart cannot be drawn, or `dir` or one of its reports exists
/// and is not ours.
pub fn write_all(reports: &[RunReport], dir: &Path, charts: ChartOptions) -> Result<()> {
    publish_collection(dir, |staging| {
        for report in reports {
            let folder = staging.join(&report.summary.strategy);
            std::fs::create_dir(&folder).map_err(|e| Error::io(&folder, e))?;
            write_report(report, &folder, charts)?;
        }
        comparison::write(reports, staging, charts)
    })
}

/// Every file of `report` into the directory `dir`.
fn write_report(report: &RunReport, dir: &Path, charts: ChartOptions) -> Result<()> {
    // The text files are written while the charts are drawn: they share nothing.
    let (text, drawn) = rayon::join(
        || write_text_files(report, dir),
        || {
            if charts.enabled {
                charts::draw_run_charts(report, &charts, &|name, draw| draw(&dir.join(name)))
            } else {
                Ok(())
            }
        },
    );
    text.and(drawn)
}

/// `summary.json`, `summary.md`, `equity.csv`, `fills.csv` and `trades.csv` of `report` into
/// `dir`.
fn write_text_files(report: &RunReport, dir: &Path) -> Result<()> {
    let json = serde_json::to_string_pretty(&report.summary)
        .map_err(|e| Error::io(dir, std::io::Error::other(e)))?;
    let contents = [
        json + "\n",
        text::markdown(&report.summary),
        tables::equity_csv(&report.run, &report.universe),
        tables::fills_csv(&report.run, &report.universe),
        tables::trades_csv(&report.trades, &report.universe),
    ];
    for (name, contents) in TEXT_FILES.into_iter().zip(contents) {
        write_file(&dir.join(name), contents)?;
    }
    Ok(())
}
