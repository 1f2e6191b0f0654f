//! `backtest robustness`: one strategy on many synthetic or resampled paths, with the
//! percentiles of its CAGR, Sharpe ratio and max drawdown beside the historical run's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args};

use super::values::whole;
use super::{Inputs, progress};
use crate::Result;
use crate::report::charts::{ChartStyle, Distribution, distribution_chart};
use crate::robustness::{self, Method, Robustness};

/// About a month of trading days: long enough to keep volatility clusters and short trends,
/// short enough that 25 years give hundreds of blocks to draw from.
const DEFAULT_BLOCK: usize = 20;

/// The most paths a run may ask for, as sweeps are capped at 100,000 combinations: each path
/// is a whole backtest and its row is kept, so a billion paths would exhaust memory (160 GB)
/// before the first percentile; a hundred thousand already pin the 5th percentile closely.
const MAX_PATHS: usize = 100_000;

#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("paths").required(true).args(["monte_carlo", "bootstrap"])))]
pub(super) struct RobustnessArgs {
    /// Strategy to run (see `backtest list`).
    #[arg(long)]
    strategy: String,
    /// Run on this many seeded synthetic paths of the sample generator (seeds S, S+1...; at
    /// most 100000); --data still gives the historical run they are compared with.
    #[arg(
        long,
        value_name = "N",
        value_parser = whole(1, MAX_PATHS),
        allow_negative_numbers = true
    )]
    monte_carlo: Option<usize>,
    /// Run on this many block-bootstrap resamples of the data's returns (at most 100000).
    #[arg(
        long,
        value_name = "N",
        value_parser = whole(1, MAX_PATHS),
        allow_negative_numbers = true
    )]
    bootstrap: Option<usize>,
    /// Bars per bootstrap block, at least 1 [default: 20].
    #[arg(
        long,
        value_name = "L",
        conflicts_with = "monte_carlo",
        value_parser = whole(1, usize::MAX),
        allow_negative_numbers = true
    )]
    block: Option<usize>,
    /// Seed of the first path; path k uses seed + k.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    seed: u64,
    #[command(flatten)]
    inputs: Inputs,
    /// Output directory (default: reports/robustness-<strategy>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip `robustness.png` (a histogram of each metric over the paths).
    #[arg(long)]
    no_charts: bool,
}

pub(super) fn robustness(args: &RobustnessArgs) -> Result<ExitCode> {
    let request = args.inputs.request(&args.strategy)?;
    let (method, paths) = match (args.monte_carlo, args.bootstrap) {
        (Some(n), _) => (Method::MonteCarlo, n),
        (None, Some(n)) => (
            Method::Bootstrap {
                block: args.block.unwrap_or(DEFAULT_BLOCK),
            },
            n,
        ),
        // clap's required group makes this unreachable; say so rather than panic.
        (None, None) => {
            return Err(crate::Error::Usage(
                "give --monte-carlo N or --bootstrap N".into(),
            ));
        }
    };
    let plan = robustness::Plan::new(&request, method, paths, args.seed)?;
    super::warn_all(&plan.market.warnings);
    let bar = progress(Some(paths), "paths");
    let result = plan.run(&|| bar.inc(1));
    bar.finish_and_clear();
    let result = result?;
    let table = result.markdown();
    let draw = |path: &Path| chart(path, &args.inputs.data, &result);
    super::write_research(
        args.out.as_deref(),
        (&crate::publish::ROBUSTNESS, &result.strategy),
        &[&result.csv(), &table],
        (!args.no_charts).then_some(&draw as _),
        &table,
    )
}

/// `robustness.png`: each metric's histogram over the paths, the actual data's value marked.
fn chart(path: &Path, data: &[PathBuf], result: &Robustness) -> Result<()> {
    let title = format!(
        "{}: {} paths against the actual data",
        result.strategy,
        result.paths.len()
    );
    let subtitle = format!(
        "data: {} · {} · {}",
        super::data_label(data),
        result.method.describe(),
        result.symbols.join(", ")
    );
    let style = ChartStyle {
        title: &title,
        subtitle: &subtitle,
        width: 1600,
        height: 1200,
    };
    let spreads = result.spreads();
    let panels: Vec<Distribution> = spreads
        .iter()
        .map(|s| Distribution {
            name: s.name,
            values: &s.values,
            historical: s.historical,
            percent: s.percent,
        })
        .collect();
    distribution_chart(path, &style, &panels)
}
