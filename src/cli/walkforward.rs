//! `backtest walk-forward`: parameters chosen on each training window and traded on the next,
//! stitched out of sample, beside the hindsight best.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::Inputs;
use super::progress;
use crate::Result;
use crate::report::charts::{ChartStyle, Line, equity_chart};
use crate::sweep::{Grid, Metric};
use crate::walkforward::{self, Span, WalkForward, Windows};

#[derive(Debug, Clone, Args)]
pub(super) struct WalkForwardArgs {
    /// Strategy to analyse (see `backtest list`).
    #[arg(long)]
    strategy: String,
    /// A parameter's values as NAME=FROM..TO:STEP (inclusive) or NAME=a,b,c (repeatable;
    /// every combination is tried on each training window).
    #[arg(long = "grid", value_name = "NAME=VALUES", required = true)]
    grids: Vec<Grid>,
    /// Training span, in years or months (5y, 18m).
    #[arg(long, value_name = "SPAN")]
    train: Span,
    /// Test span after each training span; the windows roll forward by it.
    #[arg(long, value_name = "SPAN")]
    test: Span,
    /// Train every window from the first bar of the data (anchored, or expanding, windows)
    /// instead of over the last --train span only.
    #[arg(long)]
    anchored: bool,
    #[command(flatten)]
    inputs: Inputs,
    /// What to choose the parameters by on each training window.
    #[arg(long, value_enum, default_value_t = Metric::Sharpe)]
    metric: Metric,
    /// Output directory (default: reports/walk-forward-<strategy>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip `equity.png` (the stitched curve beside the hindsight best).
    #[arg(long)]
    no_charts: bool,
}

pub(super) fn walk_forward(args: &WalkForwardArgs) -> Result<ExitCode> {
    let template = args.inputs.request(&args.strategy)?;
    let bar = progress(None, "runs");
    let result = walkforward::run(
        &template,
        &args.grids,
        Windows {
            train: args.train,
            test: args.test,
            anchored: args.anchored,
        },
        args.metric,
        &|| bar.inc(1),
    );
    bar.finish_and_clear();
    let result = result?;
    super::warn_all(&result.warnings);
    let table = result.markdown();
    let draw = |path: &Path| chart(path, &args.inputs.data, &result);
    super::write_research(
        args.out.as_deref(),
        (&crate::publish::WALK_FORWARD, &result.strategy),
        &[&result.csv(), &table, &result.equity_csv()],
        (!args.no_charts).then_some(&draw as _),
        &table,
    )
}

/// `equity.png`: the stitched out-of-sample equity beside the hindsight best's, over the same
/// dates from the same cash.
fn chart(path: &Path, data: &[PathBuf], result: &WalkForward) -> Result<()> {
    let title = format!(
        "{}: walk-forward, out of sample, against the hindsight best",
        result.strategy
    );
    let subtitle = format!(
        "data: {} · {} windows · parameters chosen by {} on each training window",
        super::data_label(data),
        result.windows.len(),
        result.metric.name()
    );
    let style = ChartStyle::new(&title, &subtitle);
    let mut lines = vec![Line {
        label: "walk-forward (out of sample)",
        values: &result.equity,
    }];
    let label = result.hindsight.as_ref().map(|h| result.hindsight_label(h));
    if let (Some(best), Some(label)) = (&result.hindsight, &label) {
        lines.push(Line {
            label,
            values: &best.equity,
        });
    }
    equity_chart(path, &style, &result.dates, &lines, false)
}
