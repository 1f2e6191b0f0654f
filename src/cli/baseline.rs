//! `backtest baseline update|check`: accept the current results as the baselines, or check
//! that they still hold (exit code 1 on drift, with the table of what moved).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::compare::OutputArgs;
use crate::Result;
use crate::baseline::{self, Locations, Which};

#[derive(Debug, Subcommand)]
pub(super) enum BaselineCommand {
    /// Rerun the baseline runs and write their results as the new baselines (the deliberate
    /// way to accept a change of results; commit the files).
    Update(Common),
    /// Rerun the baseline runs and compare them with the committed baselines.
    Check {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        output: OutputArgs,
        /// Check with a strategy parameter changed, as KEY=VALUE, for every strategy that
        /// has the parameter (repeatable): what a change of default would move.
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub(super) struct Common {
    /// Which baselines; both by default (the real ones only where the market data exists).
    #[arg(long, value_enum)]
    set: Option<Which>,
    /// The baselines directory.
    #[arg(long, default_value = "baselines")]
    baselines: PathBuf,
    /// The sample dataset.
    #[arg(long, default_value = super::SAMPLE_DATA)]
    data: PathBuf,
    /// The real market data the real baselines are computed from.
    #[arg(long, default_value = "../shared/market-data")]
    market_data: PathBuf,
}

impl Common {
    fn locations(&self) -> Locations {
        Locations {
            baselines: self.baselines.clone(),
            sample: self.data.clone(),
            market_data: self.market_data.clone(),
        }
    }

    /// The sets to work on: the one asked for, or both, the real one only where its data is.
    fn sets(&self) -> Result<Vec<Which>> {
        let real_data = self.market_data.is_dir();
        match self.set {
            Some(Which::Real) if !real_data => Err(crate::Error::Usage(format!(
                "the real baselines need the market data, and {} is absent",
                self.market_data.display()
            ))),
            Some(which) => Ok(vec![which]),
            None if real_data => Ok(vec![Which::Sample, Which::Real]),
            None => {
                super::warn(&format!(
                    "real-data baselines SKIPPED: {} is absent; checking the sample only",
                    self.market_data.display()
                ));
                Ok(vec![Which::Sample])
            }
        }
    }
}

pub(super) fn baseline(command: &BaselineCommand) -> Result<ExitCode> {
    match command {
        BaselineCommand::Update(common) => {
            let at = common.locations();
            for which in common.sets()? {
                let written = baseline::update(which, &at)?;
                super::emit(&format!(
                    "{} baselines: wrote {} summaries to {}\n",
                    which.dir_name(),
                    written.len(),
                    at.baselines.join(which.dir_name()).display()
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        BaselineCommand::Check {
            common,
            output,
            params,
        } => {
            let at = common.locations();
            let tolerances = output.tolerances()?;
            super::refuse_repeated_params(params)?;
            let mut drift = false;
            for which in common.sets()? {
                let comparison = baseline::check(which, &at, params, &tolerances)?;
                drift |= comparison.drift;
                super::emit(&format!("{} baselines: ", which.dir_name()))?;
                super::emit(&comparison.render(output.format()))?;
            }
            Ok(super::drift_code(drift))
        }
    }
}
