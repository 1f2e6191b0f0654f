//! Writing a run's results: the terminal table, `summary.json`, `summary.md`, the CSVs and
//! the charts. A report directory is built under a temporary name and swapped in whole, and a
//! lone file is written to a temporary name and renamed, so a reader never sees half a result.

pub mod charts;
pub mod comparison;
pub mod summary;
pub mod tables;
pub mod text;

use std::path::Path;

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
            size: charts::DEFAULT_SIZE,
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

/// Writes every output file of `report` as the directory `dir`, replacing a previous report
/// there in one step (see [`publish_dir`]).
///
/// # Errors
/// A file cannot be written, a chart cannot be drawn, or `dir` exists and is not a report.
pub fn write_outputs(report: &RunReport, dir: &Path, charts: ChartOptions) -> Result<()> {
    publish_dir(dir, |staging| {
        // The text files are written while the charts are drawn: they share nothing.
        let (text, drawn) = rayon::join(
            || write_text_files(report, staging),
            || {
                if charts.enabled {
                    charts::draw_run_charts(report, &charts, &|name, draw| {
                        draw(&staging.join(name))
                    })
                } else {
                    Ok(())
                }
            },
        );
        text.and(drawn)
    })
}

/// `summary.json`, `summary.md`, `equity.csv`, `fills.csv` and `trades.csv` of `report` into
/// `dir`.
fn write_text_files(report: &RunReport, dir: &Path) -> Result<()> {
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
    for (name, contents) in files {
        let path = dir.join(name);
        std::fs::write(&path, contents).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// The file every report directory holds: a directory without it is not ours to replace.
const REPORT_MARK: &str = "summary.json";

/// Builds a directory under a temporary name beside `dir`, then puts it in place of `dir` in
/// one atomic exchange (Linux `renameat2` with `RENAME_EXCHANGE`), so that a reader, or a run
/// killed at any moment, finds either the whole previous report or the whole new one, never a
/// mix. If `fill` fails, nothing is left behind and the previous report stays as it was.
///
/// # Errors
/// `fill` fails, the directories cannot be written or renamed, or `dir` exists and holds
/// something other than a report (it is refused rather than replaced).
pub fn publish_dir(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let replaces = dir.exists();
    let is_empty = || std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    if replaces && !dir.join(REPORT_MARK).is_file() && !is_empty() {
        return Err(Error::Usage(format!(
            "{} exists and is not a report directory (no {REPORT_MARK}): choose another --out",
            dir.display()
        )));
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = dir.with_file_name(format!(".partial-{name}"));
    if staging.exists() {
        // Left by a run that was killed: never a report anyone reads.
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    if let Err(e) = fill(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if replaces {
        exchange(&staging, dir)?;
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))
    } else {
        std::fs::rename(&staging, dir).map_err(|e| Error::io(dir, e))
    }
}

/// Swaps two directories atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(|e| Error::io(b, e.into()))
}

/// Swaps two directories: where the system has no atomic exchange, by two renames (a run
/// killed between them leaves the new report under its temporary name).
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    let old = b.with_file_name(".previous-report");
    let _ = std::fs::remove_dir_all(&old);
    std::fs::rename(b, &old).map_err(|e| Error::io(b, e))?;
    std::fs::rename(a, b).map_err(|e| Error::io(b, e))?;
    std::fs::rename(&old, a).map_err(|e| Error::io(a, e))
}
