//! Writing a run's results: the terminal table, `summary.json`, `summary.md`, the CSVs and
//! the charts. Every file is written to a temporary name and renamed, so a reader never sees
//! half a file.

pub mod charts;
pub mod comparison;
pub mod summary;
pub mod tables;
pub mod text;

use std::path::{Path, PathBuf};

use crate::run::RunReport;
use crate::{Error, Result};

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
            size: (1600, 900),
            log_scale: false,
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
///
/// # Errors
/// The file cannot be written or renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_atomically(path, |temporary| {
        std::fs::write(temporary, bytes).map_err(|e| Error::io(temporary, e))
    })
}

/// Lets `write` produce the file under a temporary name beside `path` (same extension, so
/// encoders that go by it still work), then renames it into place.
fn replace_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".partial-{name}"));
    write(&temporary)?;
    std::fs::rename(&temporary, path).map_err(|e| Error::io(path, e))
}

/// Writes every output file of `report` into `dir` and returns their paths.
///
/// # Errors
/// A file cannot be written or a chart cannot be drawn.
pub fn write_outputs(report: &RunReport, dir: &Path, charts: ChartOptions) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let json = serde_json::to_string_pretty(&report.summary)
        .map_err(|e| Error::io(dir, std::io::Error::other(e)))?;
    let files = [
        ("summary.json", json + "\n"),
        ("summary.md", text::markdown(&report.summary)),
        (
            "equity.csv",
            tables::equity_csv(&report.run, &report.universe),
        ),
        (
            "fills.csv",
            tables::fills_csv(&report.run, &report.universe),
        ),
        (
            "trades.csv",
            tables::trades_csv(&report.trades, &report.universe),
        ),
    ];
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        write_atomic(&path, contents.as_bytes())?;
        written.push(path);
    }
    if charts.enabled {
        written.extend(draw_charts(report, dir, charts)?);
    }
    Ok(written)
}

/// `equity.png` and `drawdown.png`: the strategy against its benchmark.
fn draw_charts(report: &RunReport, dir: &Path, options: ChartOptions) -> Result<Vec<PathBuf>> {
    let summary = &report.summary;
    let o = &summary.options;
    let title = format!(
        "{} on {}",
        summary.strategy,
        summary.dataset.symbols.join(", ")
    );
    let subtitle = format!(
        "{}{} · {} · {} · costs {} + {} bps · {} to {}",
        if summary.dataset.synthetic {
            "SYNTHETIC data · "
        } else {
            ""
        },
        summary.dataset.path,
        text::fill_label(summary),
        text::prices_label(summary),
        o.commission_bps,
        o.slippage_bps,
        summary.dataset.first_date,
        summary.dataset.last_date
    );
    let style = charts::ChartStyle {
        title: &title,
        subtitle: &subtitle,
        width: options.size.0,
        height: options.size.1,
    };
    let benchmark_label = format!("{} buy and hold", o.benchmark);
    let equity = [
        charts::Line {
            label: &summary.strategy,
            values: &report.run.equity,
        },
        charts::Line {
            label: &benchmark_label,
            values: &report.benchmark_equity,
        },
    ];
    let dates = &report.universe.dates;
    let equity_path = dir.join("equity.png");
    replace_atomically(&equity_path, |path| {
        charts::equity_chart(path, &style, dates, &equity, options.log_scale)
    })?;
    let underwater: Vec<Vec<f64>> = equity
        .iter()
        .map(|l| charts::underwater(l.values))
        .collect();
    let drawdowns: Vec<charts::Line> = equity
        .iter()
        .zip(&underwater)
        .map(|(l, values)| charts::Line {
            label: l.label,
            values,
        })
        .collect();
    let drawdown_path = dir.join("drawdown.png");
    replace_atomically(&drawdown_path, |path| {
        charts::drawdown_chart(path, &style, dates, &drawdowns)
    })?;
    Ok(vec![equity_path, drawdown_path])
}
