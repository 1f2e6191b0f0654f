//! `backtest sweep`: one strategy over every combination of parameter grids, ranked, with the
//! deflated Sharpe ratio of the best combination so that the ranking's winner is not taken at
//! face value.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::DataArgs;
use crate::Result;
use crate::report::write_atomic;
use crate::run::RunRequest;
use crate::sweep::{self, Grid, Metric};

#[derive(Debug, Clone, Args)]
pub(super) struct SweepArgs {
    /// Strategy to sweep (see `backtest list`).
    #[arg(long)]
    strategy: String,
    /// A parameter's values as NAME=FROM..TO:STEP (inclusive) or NAME=a,b,c (repeatable;
    /// every combination runs).
    #[arg(long = "grid", value_name = "NAME=VALUES", required = true)]
    grids: Vec<Grid>,
    /// A fixed strategy parameter as key=value (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Dataset directory or CSV files (repeat or separate with commas).
    #[arg(long, value_delimiter = ',', default_values_os_t = super::default_data())]
    data: Vec<PathBuf>,
    /// Symbols to trade, for strategies that take them (default: every symbol of the dataset).
    #[arg(long, value_delimiter = ',')]
    symbols: Vec<String>,
    /// What to rank the combinations by.
    #[arg(long, value_enum, default_value_t = Metric::Sharpe)]
    metric: Metric,
    /// How many of the best combinations to show.
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    files: DataArgs,
    /// Output directory (default: reports/sweep-<strategy>).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(super) fn sweep(args: &SweepArgs) -> Result<ExitCode> {
    let template = RunRequest {
        params: args.params.clone(),
        data: args.data.clone(),
        symbols: args.symbols.clone(),
        load: args.files.load_options()?,
        ..RunRequest::new(&args.strategy, PathBuf::new())
    };
    let result = sweep::run(&template, &args.grids)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("sweep-{}", result.strategy)));
    std::fs::create_dir_all(&out).map_err(|e| crate::Error::io(&out, e))?;
    let table = result.markdown(args.metric, args.top);
    write_atomic(&out.join("sweep.csv"), result.csv().as_bytes())?;
    write_atomic(&out.join("sweep.md"), table.as_bytes())?;
    super::emit(&format!("{table}\nsweep written to {}\n", out.display()))?;
    Ok(ExitCode::SUCCESS)
}
