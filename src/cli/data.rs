//! `backtest data check`: what the loader finds in each file of a dataset, with the policy
//! applied to each defect. Exit code 2 when any file is refused.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::DataArgs;
use crate::Result;
use crate::data::{Dataset, DefectKind, FileReport};

#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    /// Dataset directory or CSV file.
    #[arg(default_values_os_t = super::default_data())]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    files: DataArgs,
}

pub(super) fn check(args: &CheckArgs) -> Result<ExitCode> {
    let options = args.files.load_options()?;
    let dataset = Dataset::open(&args.paths)?;
    if dataset.synthetic() {
        super::emit(&format!(
            "{}: SYNTHETIC dataset (generated prices)\n",
            dataset.describe_roots()
        ))?;
    }
    let mut refused = 0;
    let symbols = dataset.all_symbols();
    let mut prices: Vec<Option<Vec<crate::Date>>> = symbols.iter().map(|_| None).collect();
    let files = dataset.load_by_file(&symbols, &options)?;
    let file_count = files.len();
    for (wanted, loaded) in files {
        match loaded {
            Ok(series) => {
                for (k, (bars, report)) in wanted.into_iter().zip(series) {
                    let symbol = &symbols[k];
                    super::emit(&describe(&report))?;
                    if let Some(warning) = dataset.unit_warning(symbol) {
                        super::emit(&format!("        warning: {warning}\n"))?;
                    }
                    if !crate::data::is_rate(symbol) {
                        prices[k] = Some(bars.dates);
                    }
                }
            }
            Err(e) => {
                refused += wanted.len();
                super::emit(&format!("REFUSED {e}\n"))?;
            }
        }
    }
    let counted = if file_count == symbols.len() {
        format!("{} files", symbols.len())
    } else {
        let files = if file_count == 1 { "file" } else { "files" };
        format!("{} series in {file_count} {files}", symbols.len())
    };
    super::emit(&format!(
        "{counted}, {} loaded, {refused} refused\n",
        symbols.len() - refused
    ))?;
    if refused == 0 {
        let (traded, dates): (Vec<&str>, Vec<Vec<crate::Date>>) = symbols
            .iter()
            .zip(prices)
            .filter_map(|(symbol, dates)| Some((symbol.as_str(), dates?)))
            .unzip();
        super::emit(&cut(&traded, &dates))?;
    }
    Ok(if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn describe(report: &FileReport) -> String {
    let layout = match (report.close_only, report.has_adj_close) {
        (true, _) => "close only",
        (false, true) => "OHLC + Adj Close",
        (false, false) => "OHLC",
    };
    let layout = if crate::data::is_rate(&report.symbol) {
        format!("{layout}, a yield in percent (read as rates: zero and below allowed)")
    } else {
        layout.to_string()
    };
    // A file of many series names the one described.
    let named_after = report
        .path
        .file_stem()
        .is_some_and(|stem| stem.to_string_lossy() == report.symbol);
    let series = if named_after {
        String::new()
    } else {
        format!(" ({})", report.symbol)
    };
    let mut text = format!(
        "ok      {}{series}: {} rows, {} → {}, {layout}\n",
        report.path.display(),
        report.rows,
        report.first_date,
        report.last_date
    );
    for d in &report.defects {
        let first = d.first();
        let _ = writeln!(
            text,
            "        {:<20} {:>5}  first at {}: {}  [{}]",
            d.kind.key(),
            d.count(),
            first.at,
            first.example,
            d.kind.policy()
        );
        // Rows dropped are each named, so that none goes unseen.
        if d.kind == DefectKind::NullRows && d.count() > 1 {
            let at: Vec<String> = d
                .occurrences
                .iter()
                .map(|o| o.at.number().to_string())
                .collect();
            let plural = first.at.plural();
            let _ = writeln!(
                text,
                "        {:<20}        at {plural} {}",
                "",
                at.join(", ")
            );
        }
    }
    text
}

/// What a run of every symbol together would leave out: the calendar runs from the latest
/// first date to the earliest last date, so the rows of longer histories outside it are cut.
/// Empty when the files share one range.
fn cut(symbols: &[&str], dates: &[Vec<crate::Date>]) -> String {
    let firsts = dates.iter().map(|d| d[0]);
    let lasts = dates.iter().map(|d| d[d.len() - 1]);
    let (Some(start), Some(end)) = (firsts.max(), lasts.min()) else {
        return String::new();
    };
    let cuts: Vec<String> = symbols
        .iter()
        .zip(dates)
        .filter_map(|(symbol, dates)| {
            let before = dates.partition_point(|d| *d < start);
            let after = dates.len() - dates.partition_point(|d| *d <= end);
            (before + after > 0).then(|| format!("{symbol} {} rows", before + after))
        })
        .collect();
    if cuts.is_empty() {
        return String::new();
    }
    // The symbols that set a bound, or "every file" when all share it.
    let setters = |date: crate::Date, at: fn(&[crate::Date]) -> crate::Date| {
        let set: Vec<&str> = symbols
            .iter()
            .zip(dates)
            .filter(|(_, d)| at(d) == date)
            .map(|(s, _)| *s)
            .collect();
        if set.len() == symbols.len() {
            "every file".to_string()
        } else {
            set.join(", ")
        }
    };
    if start > end {
        return format!(
            "a run of all {} symbols together cannot run: they share no dates (the latest \
             start, {start}, of {}, is after the earliest end, {end}, of {})\n",
            symbols.len(),
            setters(start, |d| d[0]),
            setters(end, |d| d[d.len() - 1])
        );
    }
    format!(
        "a run of all {} symbols together spans {start} → {end} (the first date of {}, the \
         last of {}) and leaves out: {}\n",
        symbols.len(),
        setters(start, |d| d[0]),
        setters(end, |d| d[d.len() - 1]),
        cuts.join(", ")
    )
}
