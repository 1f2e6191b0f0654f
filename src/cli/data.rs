//! `backtest data check`: what the loader finds in each file of a dataset, with the policy
//! applied to each defect. Exit code 2 when any file is refused.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::DataArgs;
use crate::Result;
use crate::data::{Dataset, FileReport};

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
    for symbol in &symbols {
        match dataset.load(symbol, &options) {
            Ok((_, report)) => super::emit(&describe(&report))?,
            Err(e) => {
                refused += 1;
                super::emit(&format!("REFUSED {e}\n"))?;
            }
        }
    }
    super::emit(&format!(
        "{} files, {} loaded, {refused} refused\n",
        symbols.len(),
        symbols.len() - refused
    ))?;
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
    let mut text = format!(
        "ok      {}: {} rows, {} → {}, {layout}\n",
        report.path.display(),
        report.rows,
        report.first_date,
        report.last_date
    );
    for d in &report.defects {
        let _ = writeln!(
            text,
            "        {:<20} {:>5}  first at line {}: {}  [{}]",
            d.kind.key(),
            d.count,
            d.first_line,
            d.example,
            d.kind.policy()
        );
    }
    text
}
