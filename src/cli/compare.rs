//! `backtest compare A B`: what moved between two sets of results. Exit code 0 when nothing
//! drifted, 1 on drift, 2 when an input is missing or unreadable.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::Result;
use crate::compare::{Format, Set, Tolerances, compare};

#[derive(Debug, Args)]
pub(super) struct CompareArgs {
    /// The baseline: a summary.json, a report directory, or a directory of them.
    baseline: PathBuf,
    /// The current results, in the same forms.
    current: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
}

/// How a comparison is judged and printed (shared with `baseline check`).
#[derive(Debug, Args)]
pub(super) struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Relative tolerance: `1e-6` for every number, `sharpe=0.01` for one field (repeatable;
    /// default 1e-9).
    #[arg(long = "tolerance", value_name = "[FIELD=]TOLERANCE")]
    tolerances: Vec<String>,
}

impl OutputArgs {
    pub(super) fn tolerances(&self) -> Result<Tolerances> {
        Tolerances::parse(&self.tolerances)
    }

    pub(super) fn format(&self) -> Format {
        self.format
    }
}

pub(super) fn compare_sets(args: &CompareArgs) -> Result<ExitCode> {
    let tolerances = args.output.tolerances()?;
    let baseline = Set::load(&args.baseline)?;
    let current = Set::load(&args.current)?;
    tolerances.check(&[&baseline, &current])?;
    let comparison = compare(&baseline, &current, &tolerances);
    super::emit(&comparison.render(args.output.format()))?;
    Ok(super::drift_code(comparison.drift))
}
