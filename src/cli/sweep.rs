//! `backtest sweep`: one strategy over every combination of parameter grids, ranked, with the
//! deflated Sharpe ratio of the best combination so that the ranking's winner is not taken at
//! face value.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::Inputs;
use crate::Result;
use crate::report::charts::{ChartStyle, Heatmap, heatmap_chart};
use crate::sweep::{self, Grid, Metric, Sweep};

#[derive(Debug, Clone, Args)]
pub(super) struct SweepArgs {
    /// Strategy to sweep (see `backtest list`).
    #[arg(long)]
    strategy: String,
    /// A parameter's values as NAME=FROM..TO:STEP (inclusive) or NAME=a,b,c (repeatable;
    /// every combination runs).
    #[arg(long = "grid", value_name = "NAME=VALUES", required = true)]
    grids: Vec<Grid>,
    #[command(flatten)]
    inputs: Inputs,
    /// What to rank the combinations by.
    #[arg(long, value_enum, default_value_t = Metric::Sharpe)]
    metric: Metric,
    /// How many of the best combinations to show (at least 1).
    #[arg(
        long,
        default_value_t = 10,
        value_parser = super::values::whole(1, usize::MAX),
        allow_negative_numbers = true
    )]
    top: usize,
    /// Output directory (default: reports/sweep-<strategy>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the heatmap PNG (drawn when exactly two parameters are swept).
    #[arg(long)]
    no_charts: bool,
}

pub(super) fn sweep(args: &SweepArgs) -> Result<ExitCode> {
    let template = args.inputs.request(&args.strategy)?;
    let total = sweep::combinations(&args.grids)?.len();
    let bar = super::progress(Some(total), "combinations");
    let result = sweep::run_with(&template, &args.grids, &|| bar.inc(1));
    bar.finish_and_clear();
    let result = result?;
    super::warn_all(&result.warnings);
    let table = result.markdown(args.metric, args.top);
    let draw = |path: &Path| heatmap(path, args, &template.data, &result);
    super::write_research(
        args.out.as_deref(),
        (&crate::publish::SWEEP, &result.strategy),
        &[&result.csv(), &table],
        (!args.no_charts && result.names.len() == 2).then_some(&draw as _),
        &table,
    )
}

/// The metric's name in a chart's title, and whether it is a return (printed in percent).
fn label(metric: Metric) -> (&'static str, bool) {
    match metric {
        Metric::Sharpe => ("Sharpe ratio", false),
        Metric::Cagr => ("CAGR", true),
        Metric::TotalReturn => ("total return", true),
        Metric::Calmar => ("Calmar ratio", false),
    }
}

/// `heatmap.png` of a two-parameter sweep: the first grid's values down, the second's across,
/// each cell the ranking metric of its combination, the best one outlined.
fn heatmap(path: &Path, args: &SweepArgs, data: &[PathBuf], result: &Sweep) -> Result<()> {
    let (rows, columns) = (&args.grids[0], &args.grids[1]);
    let mut cells = vec![vec![None; columns.values.len()]; rows.values.len()];
    let place = |values: &[String]| {
        let r = rows.values.iter().position(|v| *v == values[0])?;
        let c = columns.values.iter().position(|v| *v == values[1])?;
        Some((r, c))
    };
    for row in &result.rows {
        if let Some((r, c)) = place(&row.values) {
            cells[r][c] = Some(args.metric.of(&row.performance));
        }
    }
    let best = result.best(args.metric).and_then(|row| place(&row.values));
    let (metric, percent) = label(args.metric);
    let title = format!(
        "{}: {metric} by {} and {}",
        result.strategy, rows.name, columns.name
    );
    let total = rows.values.len() * columns.values.len();
    let subtitle = format!(
        "data: {} · {total} combinations ({} run, {} skipped)",
        super::data_label(data),
        result.rows.len(),
        result.skipped.len()
    );
    let style = ChartStyle::new(&title, &subtitle);
    let map = Heatmap {
        rows: (&rows.name, &rows.values),
        columns: (&columns.name, &columns.values),
        cells: &cells,
        best,
        metric,
        percent,
    };
    heatmap_chart(path, &style, &map)
}
