//! Baselines: the committed results every strategy must keep reproducing, so that CI fails on
//! any drift nobody accepted.
//!
//! Two sets live under `baselines/`: `sample/` holds every registered strategy with its
//! defaults on the sample dataset (a new strategy joins it by `baseline update`), and `real/`
//! holds the real-data runs listed in `baselines/real/plan.toml` (the ones the README quotes),
//! read from the market-data folder beside the repository. Each run is one
//! `<set>/<strategy>/summary.json`, the same layout `run --all` writes, so `compare` reads both.

use std::path::PathBuf;

use serde::Deserialize;

use crate::compare::{Comparison, Set, Tolerances, compare};
use crate::publish::{Layout, publish_dir};
use crate::run::{RunRequest, every_strategy, execute_many};
use crate::{Date, Error, Result};

/// The name of the real-data plan inside `baselines/real/`.
pub const PLAN_FILE: &str = "plan.toml";

/// Which baselines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// Every strategy on the sample dataset.
    Sample,
    /// The runs of `baselines/real/plan.toml` on the real market data.
    Real,
}

impl Which {
    /// The set's folder name under the baselines directory.
    #[must_use]
    pub fn dir_name(self) -> &'static str {
        match self {
            Which::Sample => "sample",
            Which::Real => "real",
        }
    }
}

/// Where things are.
#[derive(Debug, Clone)]
pub struct Locations {
    /// The baselines directory (`baselines`).
    pub baselines: PathBuf,
    /// The sample dataset (`data`).
    pub sample: PathBuf,
    /// The real market data (`../shared/market-data`).
    pub market_data: PathBuf,
}

/// One run of the real-data plan.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanEntry {
    strategy: String,
    /// A folder of the market data.
    data: String,
    #[serde(default)]
    symbols: Vec<String>,
    #[serde(default)]
    params: Vec<String>,
    benchmark: Option<String>,
    from: Option<Date>,
    to: Option<Date>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plan {
    run: Vec<PlanEntry>,
}

/// The runs of a set, with the `--param` overrides of `extra` given to the strategies that
/// declare them, each with the dataset label its summary records.
///
/// # Errors
/// The plan cannot be read, or an override names no strategy's parameter.
fn plan(which: Which, at: &Locations, extra: &[String]) -> Result<Vec<(RunRequest, String)>> {
    let mut template = RunRequest::new("", at.sample.clone());
    template.params = extra.to_vec();
    let every = every_strategy(&template)?;
    match which {
        Which::Sample => Ok(every.into_iter().map(|r| (r, "data".into())).collect()),
        Which::Real => {
            let path = at.baselines.join(which.dir_name()).join(PLAN_FILE);
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let plan: Plan = toml::from_str(&text)
                .map_err(|e| Error::data_file(&path, format!("invalid plan: {}", e.message())))?;
            plan.run
                .into_iter()
                .map(|entry| {
                    let shared = every
                        .iter()
                        .find(|r| r.strategy == entry.strategy)
                        .ok_or_else(|| {
                            Error::data_file(
                                &path,
                                format!("unknown strategy {:?}", entry.strategy),
                            )
                        })?;
                    let mut run =
                        RunRequest::new(&entry.strategy, at.market_data.join(&entry.data));
                    run.params = entry.params;
                    run.params.extend(shared.params.iter().cloned());
                    run.symbols = entry.symbols;
                    run.benchmark = entry.benchmark;
                    run.load.from = entry.from;
                    run.load.to = entry.to;
                    Ok((run, format!("market-data/{}", entry.data)))
                })
                .collect()
        }
    }
}

/// Runs a set now.
///
/// # Errors
/// A run fails; the error names the strategy.
pub fn run(which: Which, at: &Locations, extra: &[String]) -> Result<Set> {
    let planned = plan(which, at, extra)?;
    let requests: Vec<RunRequest> = planned.iter().map(|(r, _)| r.clone()).collect();
    let mut summaries = Vec::with_capacity(requests.len());
    for ((request, label), result) in planned.iter().zip(execute_many(&requests)) {
        let mut report = result.map_err(|e| e.for_strategy(&request.strategy))?;
        report.summary.dataset.path.clone_from(label);
        summaries.push(report.summary);
    }
    Set::from_summaries(&summaries)
}

/// Reruns a set and writes it as the new baseline, replacing the old one whole and in one step
/// (see [`publish_dir`]): the set is built beside it with a copy of its plan, so that a failed
/// write leaves the committed baselines as they were. Returns the summaries written.
///
/// # Errors
/// A run fails, a file cannot be written, or the set's directory holds files that are not
/// baselines.
pub fn update(which: Which, at: &Locations) -> Result<Vec<PathBuf>> {
    let set = run(which, at, &[])?;
    let dir = at.baselines.join(which.dir_name());
    let mut written = Vec::new();
    publish_dir(&dir, Layout::Baselines, |staging| {
        let plan = dir.join(PLAN_FILE);
        if plan.is_file() {
            let copy = staging.join(PLAN_FILE);
            std::fs::copy(&plan, &copy).map_err(|e| Error::io(&copy, e))?;
        }
        for path in set.write(staging)? {
            written.push(dir.join(path.strip_prefix(staging).unwrap_or(&path)));
        }
        Ok(())
    })?;
    Ok(written)
}

/// Reruns a set and compares it with its baseline.
///
/// # Errors
/// The baseline cannot be read, a tolerance names no number of it (checked before the runs,
/// which take long), or a run fails.
pub fn check(
    which: Which,
    at: &Locations,
    extra: &[String],
    tolerances: &Tolerances,
) -> Result<Comparison> {
    let baseline = Set::load(&at.baselines.join(which.dir_name()))?;
    tolerances.check(&[&baseline])?;
    let current = run(which, at, extra)?;
    Ok(compare(&baseline, &current, tolerances))
}
