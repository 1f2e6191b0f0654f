//! `backtest robustness`: one strategy on many synthetic or resampled paths, with the
//! percentiles of its CAGR, Sharpe ratio and max drawdown beside the historical run's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args};

use super::Inputs;
use super::progress;
use crate::Result;
use crate::report::charts::{ChartStyle, Distribution, distribution_chart};
use crate::robustness::{self, Method, Robustness};

/// About a month of trading days: long enough to keep volatility clusters and short trends,
/// short enough that 25 years give hundreds of blocks to draw from.
const DEFAULT_BLOCK: usize = 20;

#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("paths").required(true).args(["monte_carlo", "bootstrap"])))]
pub(super) struct RobustnessArgs {
    /// Strategy to run (see `backtest list`).
    #[arg(long)]
    strategy: String,
    /// Run on this many seeded synthetic paths of the sample generator (seeds S, S+1...);
    /// --data still gives the historical run they are compared with.
    #[arg(long, value_name = "N")]
    monte_carlo: Option<usize>,
    /// Run on this many block-bootstrap resamples of the data's returns.
    #[arg(long, value_name = "N")]
    bootstrap: Option<usize>,
    /// Bars per bootstrap block [default: 20].
    #[arg(long, value_name = "L", conflicts_with = "monte_carlo")]
    block: Option<usize>,
    /// Seed of the first path; path k uses seed + k.
    #[arg(long, default_value_t = 1)]
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
    let bar = progress(Some(paths), "paths");
    let result = plan.run(&|| bar.inc(1));
    bar.finish_and_clear();
    let result = result?;
    let table = result.markdown();
    let draw = |path: &Path| chart(path, &args.inputs.data, &result);
    super::write_research(
        args.out.as_deref(),
        ("robustness", &result.strategy),
        &[("robustness.csv", &result.csv()), ("robustness.md", &table)],
        (!args.no_charts).then_some(("robustness.png", &draw as _)),
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
