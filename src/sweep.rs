//! Parameter sweeps: one run per combination of parameter grids, and the statistics that say
//! how much of the best run's Sharpe ratio is luck. Trying many combinations and keeping the
//! best one overfits; the probabilistic and deflated Sharpe ratios (Bailey & López de Prado)
//! measure that, so a sweep reports them beside its ranking.
//!
//! Every combination runs through [`crate::run::measure`], as `backtest run` does, so a row of a
//! sweep is exactly what `backtest run` gives for the same parameters; only the data is loaded
//! once for all of them.

use std::fmt::Write as _;
use std::str::FromStr;

use statrs::distribution::{ContinuousCDF, Normal};

use crate::metrics::{self, Performance};
use crate::report::text::{markdown_cell, number, percent};
use rayon::prelude::*;

use crate::engine::Exits;
use crate::indicators::Lines;
use crate::run::{Market, RunRequest, Setup};
use crate::strategy::{Params, Reads};
use crate::{Error, Result};

/// Euler–Mascheroni constant, in the expected maximum of N normal draws.
const EULER_GAMMA: f64 = 0.577_215_664_9;

/// More combinations than this is almost surely a typo in a step, not a sweep anyone wants.
const MAX_COMBINATIONS: usize = 100_000;

/// The most decimals a bound or step of a range may have: an f64 holds 15 significant decimal
/// digits (`f64::DIGITS`), so further ones are noise, and the values print with as many.
const MAX_DECIMALS: usize = f64::DIGITS as usize;

/// The values one parameter takes in a sweep, as they are passed to `--param`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The parameter's name.
    pub name: String,
    /// Its values, in the order they run.
    pub values: Vec<String>,
}

impl FromStr for Grid {
    type Err = String;

    /// `NAME=FROM..TO:STEP` (inclusive; integers or decimals) or `NAME=a,b,c`.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let form = || format!("{text:?} is not NAME=FROM..TO:STEP or NAME=a,b,c");
        let (name, spec) = text.split_once('=').ok_or_else(form)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(form());
        }
        let values = if let Some((range, step)) = spec.split_once(':') {
            let (from, to) = range.split_once("..").ok_or_else(form)?;
            range_values(from.trim(), to.trim(), step.trim()).ok_or_else(|| {
                format!(
                    "{text:?}: FROM..TO:STEP needs numbers with at most {MAX_DECIMALS} \
                     decimals, FROM <= TO, STEP > 0 and at most {MAX_COMBINATIONS} values"
                )
            })?
        } else if spec.contains("..") {
            // Read as a list, `1..1000` would be one value the strategy refuses.
            return Err(format!(
                "{text:?}: a range needs a step, as NAME=FROM..TO:STEP (e.g. {name}=1..100:5)"
            ));
        } else {
            spec.split(',').map(|v| v.trim().to_string()).collect()
        };
        if values.iter().any(String::is_empty) {
            return Err(form());
        }
        Ok(Grid {
            name: name.to_string(),
            values,
        })
    }
}

/// The values of an inclusive range, as integers when all three bounds are, else as decimals
/// printed with as many decimals as the bounds (so 0.1 + 0.2 prints as 0.3, not 0.30000000000000004).
fn range_values(from: &str, to: &str, step: &str) -> Option<Vec<String>> {
    if let (Ok(from), Ok(to), Ok(step)) =
        (from.parse::<i64>(), to.parse::<i64>(), step.parse::<i64>())
    {
        if step <= 0 || from > to {
            return None;
        }
        let count = to.checked_sub(from)? / step + 1;
        if count > i64::try_from(MAX_COMBINATIONS).ok()? {
            return None;
        }
        return Some((0..count).map(|i| (from + step * i).to_string()).collect());
    }
    let decimals = [from, to, step]
        .iter()
        .map(|s| decimals_of(s))
        .try_fold(0, |most, d| Some(most.max(d?)))?;
    if decimals > MAX_DECIMALS {
        return None;
    }
    let (from, to, step) = (
        from.parse::<f64>().ok()?,
        to.parse::<f64>().ok()?,
        step.parse::<f64>().ok()?,
    );
    if !(from.is_finite() && to.is_finite() && step.is_finite() && step > 0.0 && from <= to) {
        return None;
    }
    // A tolerance of a millionth of a step keeps TO itself when it is a whole number of steps
    // away but rounding puts the last value a hair beyond it.
    let mut values = Vec::new();
    let mut i = 0.0;
    while from + i * step <= to + step * 1e-6 {
        if values.len() >= MAX_COMBINATIONS {
            return None;
        }
        values.push(format!("{:.decimals$}", from + i * step));
        i += 1.0;
    }
    Some(values)
}

/// The decimals a number as written needs: `0.25` 2, `5` 0, and in exponent form `1.5e-3` 4
/// (the mantissa's decimals less the exponent); `None` for an exponent that is not a number.
fn decimals_of(text: &str) -> Option<usize> {
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let written = mantissa.split_once('.').map_or(0, |(_, d)| d.len());
    let needed = i64::try_from(written).ok()?.checked_sub(exponent)?;
    usize::try_from(needed.max(0)).ok()
}

/// `fast=10 slow=50`: the values of one combination with the names of their parameters.
#[must_use]
pub fn setting(names: &[String], values: &[String]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every combination of the grids' values, the first grid varying slowest: the order of the
/// rows of `sweep.csv`, fixed so that the same sweep gives the same file.
///
/// # Errors
/// More than 100,000 combinations.
pub fn combinations(grids: &[Grid]) -> Result<Vec<Vec<String>>> {
    let total = grids
        .iter()
        .try_fold(1usize, |n, g| n.checked_mul(g.values.len()))
        .filter(|n| *n <= MAX_COMBINATIONS)
        .ok_or_else(|| {
            Error::Usage(format!(
                "the grids make more than {MAX_COMBINATIONS} combinations; use larger steps"
            ))
        })?;
    let mut all: Vec<Vec<String>> = vec![vec![]];
    for grid in grids {
        all = all
            .iter()
            .flat_map(|prefix| {
                grid.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    debug_assert_eq!(all.len(), total);
    Ok(all)
}

/// The moments of daily returns that the Sharpe statistics need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of returns.
    pub n: usize,
    /// Non-annualized Sharpe ratio: mean / standard deviation (ddof = 1).
    pub sharpe: f64,
    /// Skewness (third standardized moment).
    pub skew: f64,
    /// Kurtosis, not excess: 3 for a normal distribution.
    pub kurtosis: f64,
}

impl Moments {
    /// The moments of `returns`; `None` with fewer than 3 returns or no variation (no Sharpe
    /// ratio exists then).
    #[must_use]
    pub fn of(returns: &[f64]) -> Option<Moments> {
        let n = returns.len();
        if n < 3 {
            return None;
        }
        let count = n as f64;
        let mean = metrics::mean(returns)?;
        let deviation = |i: usize| returns[i] - mean;
        let [s2, s3, s4] = metrics::sums_of(n, |i| {
            let d = deviation(i);
            [d.powi(2), d.powi(3), d.powi(4)]
        });
        let (m2, m3, m4) = (s2 / count, s3 / count, s4 / count);
        if m2 <= 0.0 || !m2.is_finite() {
            return None;
        }
        let std = (m2 * count / (count - 1.0)).sqrt();
        Some(Moments {
            n,
            sharpe: mean / std,
            skew: m3 / m2.powf(1.5),
            kurtosis: m4 / (m2 * m2),
        })
    }
}

fn standard_normal() -> Normal {
    // Mean 0 and standard deviation 1 are always valid; the fallback is never taken.
    Normal::new(0.0, 1.0).unwrap_or_else(|_| Normal::standard())
}

/// Probabilistic Sharpe ratio: the probability that the true (non-annualized) Sharpe ratio
/// exceeds `benchmark`, given the sample's length, skewness and kurtosis. Short samples and
/// negatively skewed, fat-tailed returns make a measured Sharpe ratio less trustworthy, and
/// this is how much less. `None` where the variance of the estimate is not positive.
#[must_use]
pub fn probabilistic_sharpe(moments: &Moments, benchmark: f64) -> Option<f64> {
    let sr = moments.sharpe;
    let variance = 1.0 - moments.skew * sr + (moments.kurtosis - 1.0) / 4.0 * sr * sr;
    if !(variance > 0.0 && variance.is_finite()) || moments.n < 2 {
        return None;
    }
    let z = (sr - benchmark) * ((moments.n - 1) as f64).sqrt() / variance.sqrt();
    Some(standard_normal().cdf(z))
}

/// The Sharpe ratio the best of `trials` strategies with no skill at all would be expected to
/// show, when their Sharpe ratios vary with `variance`: the bar a sweep's best run must clear.
/// `None` with fewer than 2 trials.
#[must_use]
pub fn expected_max_sharpe(trials: usize, variance: f64) -> Option<f64> {
    if trials < 2 || !(variance >= 0.0 && variance.is_finite()) {
        return None;
    }
    let n = trials as f64;
    let normal = standard_normal();
    Some(
        variance.sqrt()
            * ((1.0 - EULER_GAMMA) * normal.inverse_cdf(1.0 - 1.0 / n)
                + EULER_GAMMA * normal.inverse_cdf(1.0 - 1.0 / (n * std::f64::consts::E))),
    )
}

/// Deflated Sharpe ratio of the best run of a sweep: its probabilistic Sharpe ratio against
/// the best Sharpe ratio expected from as many trials of pure noise. `trial_sharpes` are the
/// non-annualized Sharpe ratios of every trial, the best one included.
#[must_use]
pub fn deflated_sharpe(best: &Moments, trial_sharpes: &[f64]) -> Option<f64> {
    let variance = metrics::std_dev(trial_sharpes)?.powi(2);
    probabilistic_sharpe(best, expected_max_sharpe(trial_sharpes.len(), variance)?)
}

/// What a sweep ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Metric {
    /// Annualized Sharpe ratio.
    #[default]
    Sharpe,
    /// Compound annual growth rate.
    Cagr,
    /// Total return.
    TotalReturn,
    /// CAGR over the deepest drawdown.
    Calmar,
}

impl Metric {
    /// Its name as typed after `--metric`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Metric::Sharpe => "sharpe",
            Metric::Cagr => "cagr",
            Metric::TotalReturn => "total_return",
            Metric::Calmar => "calmar",
        }
    }

    /// Its value in `p`; `None` where undefined or not finite.
    #[must_use]
    pub fn of(self, p: &Performance) -> Option<f64> {
        match self {
            Metric::Sharpe => p.sharpe,
            Metric::Cagr => p.cagr,
            Metric::TotalReturn => Some(p.total_return),
            Metric::Calmar => p.calmar,
        }
        .filter(|v| v.is_finite())
    }
}

/// One combination's results.
#[derive(Debug, Clone)]
pub struct Row {
    /// The parameter values, in the order of the grids.
    pub values: Vec<String>,
    /// Its performance, exactly as `summary.json` has it.
    pub performance: Performance,
    /// Round trips.
    pub trades: usize,
    /// Moments of its daily returns.
    pub moments: Option<Moments>,
    /// Probabilistic Sharpe ratio against 0.
    pub psr: Option<f64>,
}

/// A finished sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The strategy.
    pub strategy: String,
    /// The swept parameters' names.
    pub names: Vec<String>,
    /// One row per valid combination, in grid order.
    pub rows: Vec<Row>,
    /// The combinations the strategy refused, with its reason.
    pub skipped: Vec<(Vec<String>, String)>,
    /// The data warnings of its markets, each once (see [`Market::warnings`]).
    pub warnings: Vec<String>,
}

/// One combination the strategy accepts, ready to run.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The parameter values, in the order of the grids.
    pub values: Vec<String>,
    /// The strategy's parameters: `--param` pairs and these values.
    pub params: Params,
    /// The series the strategy trades and reads with them.
    pub reads: Reads,
    /// The exits the grids set (`stop_loss`, `take_profit`, `trailing_stop`), over the
    /// request's; `None` where no grid sweeps one.
    pub exits: Option<Exits>,
}

/// The engine's exits a grid may sweep beside the strategy's parameters, by the names grids
/// give them (the command line's `--stop-loss` is `stop_loss` here, as parameters are named).
pub const EXIT_GRIDS: [&str; 3] = ["stop_loss", "take_profit", "trailing_stop"];

impl Candidate {
    /// `base` with this candidate's exits, where its grids set some.
    #[must_use]
    pub fn request<'r>(&self, base: &'r RunRequest) -> std::borrow::Cow<'r, RunRequest> {
        match self.exits {
            None => std::borrow::Cow::Borrowed(base),
            Some(exits) => {
                let mut request = base.clone();
                request.engine.exits = exits;
                std::borrow::Cow::Owned(request)
            }
        }
    }
}

/// The exits of `base` with the values `grids` give the exit grids (an exit grid's values
/// are distances from 0 to 1, exclusive); `Ok(None)` where no grid is an exit's.
fn swept_exits(
    base: Exits,
    grids: &[Grid],
    values: &[String],
) -> std::result::Result<Option<Exits>, String> {
    let mut exits = base;
    let mut swept = false;
    for (grid, value) in grids.iter().zip(values) {
        let slot = match grid.name.as_str() {
            "stop_loss" => &mut exits.stop_loss,
            "take_profit" => &mut exits.take_profit,
            "trailing_stop" => &mut exits.trailing_stop,
            _ => continue,
        };
        let distance = value
            .parse::<f64>()
            .ok()
            .filter(|d| *d > 0.0 && *d < 1.0)
            .ok_or_else(|| {
                format!(
                    "{}={value} is not a distance above 0 and below 1",
                    grid.name
                )
            })?;
        *slot = Some(distance);
        swept = true;
    }
    Ok(swept.then_some(exits))
}

/// The combinations of a sweep checked against the strategy's builder.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The swept parameters' names.
    pub names: Vec<String>,
    /// The combinations the strategy accepts, in grid order.
    pub candidates: Vec<Candidate>,
    /// The combinations the strategy refused, with its reason.
    pub skipped: Vec<(Vec<String>, String)>,
}

impl Plan {
    /// Builds every combination of `grids` (on top of the request's `--param` pairs). The
    /// combinations the builder refuses (fast >= slow...) are skipped and counted, not failed: a
    /// grid naturally crosses such pairs.
    ///
    /// # Errors
    /// A grid name the strategy does not have (the message lists the valid ones), a parameter
    /// both fixed and swept, or too many combinations.
    pub fn new(setup: &Setup<'_>, grids: &[Grid]) -> Result<Plan> {
        let spec = setup.spec;
        let fixed = &setup.request.params;
        let valid: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
        let base = setup.request.engine.exits;
        for (i, grid) in grids.iter().enumerate() {
            let exit = EXIT_GRIDS.contains(&grid.name.as_str());
            if !exit && !valid.contains(&grid.name.as_str()) {
                return Err(Error::Usage(format!(
                    "strategy {} has no parameter {:?} to sweep; its parameters: {}, and the \
                     exits {}",
                    spec.name,
                    grid.name,
                    valid.join(", "),
                    EXIT_GRIDS.join(", ")
                )));
            }
            let on_command_line = match grid.name.as_str() {
                "stop_loss" => base.stop_loss.is_some(),
                "take_profit" => base.take_profit.is_some(),
                "trailing_stop" => base.trailing_stop.is_some(),
                _ => false,
            };
            if on_command_line {
                return Err(Error::Usage(format!(
                    "{} is both swept and given as --{}; give it once",
                    grid.name,
                    grid.name.replace('_', "-")
                )));
            }
            if grids[..i].iter().any(|g| g.name == grid.name)
                || fixed.iter().any(|p| {
                    p.split_once('=')
                        .is_some_and(|(k, _)| k.trim() == grid.name)
                })
            {
                return Err(Error::Usage(format!(
                    "parameter {} is given more than once (--grid or --param)",
                    grid.name
                )));
            }
        }
        let names: Vec<String> = grids.iter().map(|g| g.name.clone()).collect();
        let mut candidates = Vec::new();
        let mut skipped = Vec::new();
        for values in combinations(grids)? {
            let mut pairs = fixed.clone();
            pairs.extend(
                grids
                    .iter()
                    .zip(&values)
                    .filter(|(g, _)| !EXIT_GRIDS.contains(&g.name.as_str()))
                    .map(|(g, v)| format!("{}={v}", g.name)),
            );
            let exits = match swept_exits(base, grids, &values) {
                Ok(exits) => exits,
                Err(reason) => {
                    skipped.push((values, reason));
                    continue;
                }
            };
            let built = setup
                .params(&pairs)
                .and_then(|params| Ok((Reads::of(setup.build(&params)?.as_ref()), params)));
            match built {
                Ok((reads, params)) => candidates.push(Candidate {
                    values,
                    params,
                    reads,
                    exits,
                }),
                Err(Error::Usage(reason)) => skipped.push((values, reason)),
                Err(other) => return Err(other),
            }
        }
        if let (true, Some((values, reason))) = (candidates.is_empty(), skipped.first()) {
            return Err(Error::Usage(format!(
                "the strategy refused every one of the {} combinations, the first ({}) with: \
                 {reason}",
                skipped.len(),
                setting(&names, values)
            )));
        }
        Ok(Plan {
            names,
            candidates,
            skipped,
        })
    }

    /// The candidate a row of this plan's runs came from.
    #[must_use]
    pub fn candidate(&self, row: &Row) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.values == row.values)
    }
}

/// Runs one candidate on the universe of `lines`: exactly the simulation and metrics of
/// `backtest run`.
///
/// # Errors
/// A strategy answer the engine refuses.
pub fn evaluate(setup: &Setup<'_>, candidate: &Candidate, lines: &Lines<'_>) -> Result<Row> {
    let outcome = setup.measure(&candidate.params, lines, &candidate.request(setup.request))?;
    let moments = Moments::of(&outcome.returns);
    Ok(Row {
        values: candidate.values.clone(),
        performance: outcome.performance,
        trades: outcome.trades.len(),
        psr: moments.as_ref().and_then(|m| probabilistic_sharpe(m, 0.0)),
        moments,
    })
}

/// Runs every candidate, in parallel, candidate `i` on the universe of `lines_of(i)` (whose
/// indicator lines the runs share); the rows keep the candidates' order. `on_done` is called as
/// each run finishes.
///
/// # Errors
/// The first error of a run, in candidate order.
pub fn evaluate_all<'l, 'u: 'l>(
    setup: &Setup<'_>,
    candidates: &[Candidate],
    lines_of: impl Fn(usize) -> &'l Lines<'u> + Sync,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<Row>> {
    let rows: Vec<Result<Row>> = candidates
        .par_iter()
        .enumerate()
        .map(|(i, candidate)| {
            let row = evaluate(setup, candidate, lines_of(i));
            on_done();
            row
        })
        .collect();
    rows.into_iter().collect()
}

/// Runs `template` once per combination of `grids` (see [`Plan::new`]); the data is loaded
/// once per distinct set of traded symbols and shared by the runs.
///
/// # Errors
/// An unknown strategy, a bad grid (see [`Plan::new`]), a data error, or any error of a run
/// itself.
pub fn run(template: &RunRequest, grids: &[Grid]) -> Result<Sweep> {
    run_with(template, grids, &|| {})
}

/// [`run`], calling `on_done` once per combination as it is done: at once for each one the
/// strategy refuses, then as each run finishes; as many calls in all as [`combinations`].
///
/// # Errors
/// As [`run`].
pub fn run_with(
    template: &RunRequest,
    grids: &[Grid],
    on_done: &(dyn Fn() + Sync),
) -> Result<Sweep> {
    let setup = Setup::new(template)?;
    let plan = Plan::new(&setup, grids)?;
    plan.skipped.iter().for_each(|_| on_done());
    // One market per distinct set of series read; `market_of[i]` is candidate i's.
    let mut markets: Vec<(&Reads, Market)> = Vec::new();
    let mut market_of = Vec::with_capacity(plan.candidates.len());
    for candidate in &plan.candidates {
        let index = if let Some(index) = markets
            .iter()
            .position(|(reads, _)| **reads == candidate.reads)
        {
            index
        } else {
            markets.push((&candidate.reads, setup.market(&candidate.reads)?));
            markets.len() - 1
        };
        market_of.push(index);
    }
    let lines: Vec<Lines<'_>> = markets
        .iter()
        .map(|(_, market)| Lines::new(&market.universe))
        .collect();
    let rows = evaluate_all(&setup, &plan.candidates, |i| &lines[market_of[i]], on_done)?;
    let mut warnings: Vec<String> = markets
        .iter()
        .flat_map(|(_, market)| market.warnings.iter().cloned())
        .collect();
    warnings.sort();
    warnings.dedup();
    Ok(Sweep {
        strategy: setup.spec.name.to_string(),
        names: plan.names,
        rows,
        skipped: plan.skipped,
        warnings,
    })
}

/// A CSV cell: the number in full (shortest round-trip form), empty where undefined.
pub(crate) fn field(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl Sweep {
    /// `sweep.csv`: the parameter columns, then the metrics, one row per valid combination in
    /// grid order; numbers in full (shortest round-trip form), empty where undefined.
    #[must_use]
    pub fn csv(&self) -> String {
        let mut out = self.names.join(",");
        out.push_str(",total_return,cagr,annual_volatility,sharpe,max_drawdown,trades,psr\n");
        for row in &self.rows {
            let p = &row.performance;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                row.values.join(","),
                p.total_return,
                field(p.cagr),
                field(p.annual_volatility),
                field(p.sharpe),
                p.max_drawdown,
                row.trades,
                field(row.psr)
            );
        }
        out
    }

    /// The rows from best to worst by `metric`; rows without it last; ties keep grid order.
    #[must_use]
    pub fn ranked(&self, metric: Metric) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by(
            |a, b| match (metric.of(&a.performance), metric.of(&b.performance)) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
        );
        rows
    }

    /// The best row by `metric`, if any row has it.
    #[must_use]
    pub fn best(&self, metric: Metric) -> Option<&Row> {
        self.ranked(metric)
            .first()
            .copied()
            .filter(|row| metric.of(&row.performance).is_some())
    }

    /// Deflated Sharpe ratio of `best`, against every valid trial of the sweep.
    #[must_use]
    pub fn deflated_sharpe(&self, best: &Row) -> Option<f64> {
        let sharpes: Vec<f64> = self
            .rows
            .iter()
            .filter_map(|r| r.moments.map(|m| m.sharpe))
            .collect();
        deflated_sharpe(best.moments.as_ref()?, &sharpes)
    }

    /// The Markdown summary (`sweep.md`, and the terminal): the best `top` combinations by
    /// `metric`, how many ran and were skipped, and the best one's deflated Sharpe ratio.
    /// Names and values are escaped as table cells (a `|` in a symbol would split a cell).
    #[must_use]
    pub fn markdown(&self, metric: Metric, top: usize) -> String {
        let cells = |texts: &[String]| {
            texts
                .iter()
                .map(|t| markdown_cell(t))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let mut out = format!(
            "# Sweep of {}\n\n{} combinations run, {} skipped (refused by the strategy).\n\n",
            self.strategy,
            self.rows.len(),
            self.skipped.len()
        );
        let ranked = self.ranked(metric);
        let _ = writeln!(
            out,
            "Best {} by {}:\n\n| rank | {} | total return | CAGR | Sharpe | max drawdown | trades | PSR |",
            top.min(ranked.len()),
            metric.name(),
            cells(&self.names)
        );
        let _ = writeln!(out, "{}|", "|---".repeat(self.names.len() + 7));
        for (rank, row) in ranked.iter().take(top).enumerate() {
            let p = &row.performance;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                rank + 1,
                cells(&row.values),
                percent(Some(p.total_return)),
                percent(p.cagr),
                number(p.sharpe),
                percent(Some(p.max_drawdown)),
                row.trades,
                number(row.psr)
            );
        }
        if let Some(best) = ranked.first() {
            let _ = writeln!(
                out,
                "\nDeflated Sharpe ratio of the best ({}): {} (probability that its Sharpe ratio \
                 beats the best of {} trials of pure noise)",
                setting(&self.names, &best.values),
                number(self.deflated_sharpe(best)),
                self.rows.len()
            );
        }
        if let Some((values, reason)) = self.skipped.first() {
            let _ = writeln!(
                out,
                "\nFirst skipped combination ({}): {reason}",
                values.join(", ")
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_parse_ranges_and_lists() {
        let g: Grid = "fast=5..20:5".parse().unwrap();
        assert_eq!(g.values, ["5", "10", "15", "20"]);
        let g: Grid = "k=0.1..0.3:0.1".parse().unwrap();
        assert_eq!(g.values, ["0.1", "0.2", "0.3"]);
        let g: Grid = "slow=50, 100".parse().unwrap();
        assert_eq!(
            (g.name.as_str(), g.values),
            ("slow", vec!["50".into(), "100".into()])
        );
        let g: Grid = "k=0..0.0003:1e-4".parse().unwrap();
        assert_eq!(
            g.values,
            ["0.0000", "0.0001", "0.0002", "0.0003"],
            "exponent steps"
        );
        assert!("fast=20..5:5".parse::<Grid>().is_err());
        assert!(
            "fast=-9000000000000000000..9000000000000000000:1"
                .parse::<Grid>()
                .is_err()
        );
        assert!("fast=5..20:0".parse::<Grid>().is_err());
        assert!("fast".parse::<Grid>().is_err());
    }

    #[test]
    fn combinations_vary_the_last_grid_fastest() {
        let grids = ["a=1,2".parse().unwrap(), "b=x,y".parse().unwrap()];
        let all = combinations(&grids).unwrap();
        assert_eq!(all, [["1", "x"], ["1", "y"], ["2", "x"], ["2", "y"]]);
    }

    #[test]
    fn moments_of_a_known_sample() {
        // Returns 1, 2, 3, 4, 10: mean 4, central moments m2 = 10, m3 = 36, m4 = 338/... by hand:
        // deviations -3, -2, -1, 0, 6 → squares 9, 4, 1, 0, 36 (sum 50, m2 = 10); cubes
        // -27, -8, -1, 0, 216 (sum 180, m3 = 36); fourth powers 81, 16, 1, 0, 1296 (sum 1394,
        // m4 = 278.8). Sample std = √(50/4) = √12.5.
        let m = Moments::of(&[1.0, 2.0, 3.0, 4.0, 10.0]).unwrap();
        assert_eq!(m.n, 5);
        assert!((m.sharpe - 4.0 / 12.5_f64.sqrt()).abs() < 1e-12);
        assert!((m.skew - 36.0 / 10.0_f64.powf(1.5)).abs() < 1e-12);
        assert!((m.kurtosis - 278.8 / 100.0).abs() < 1e-12);
        assert!(Moments::of(&[1.0, 1.0, 1.0]).is_none(), "no variation");
    }

    #[test]
    fn probabilistic_sharpe_worked_example() {
        // SR = 0.1, n = 1000, skew -0.5, kurtosis 4:
        // variance term 1 − (−0.5)(0.1) + (4 − 1)/4 · 0.01 = 1 + 0.05 + 0.0075 = 1.0575;
        // z = 0.1 · √999 / √1.0575 = 0.1 · 31.606961 / 1.028348 = 3.073567; Φ(3.0736) ≈ 0.998943.
        let m = Moments {
            n: 1000,
            sharpe: 0.1,
            skew: -0.5,
            kurtosis: 4.0,
        };
        let z = 0.1 * 999.0_f64.sqrt() / 1.0575_f64.sqrt();
        assert!((z - 3.073_567).abs() < 1e-5, "{z}");
        let psr = probabilistic_sharpe(&m, 0.0).unwrap();
        assert!((psr - standard_normal().cdf(z)).abs() < 1e-15);
        assert!((psr - 0.998_943).abs() < 1e-5, "{psr}");
        // Against its own Sharpe ratio as the benchmark the probability is one half.
        assert!((probabilistic_sharpe(&m, 0.1).unwrap() - 0.5).abs() < 1e-15);
    }

    #[test]
    fn deflated_sharpe_worked_example() {
        // N = 100 trials, variance of their Sharpe ratios V = 0.0004 (√V = 0.02):
        // Φ⁻¹(1 − 1/100) = Φ⁻¹(0.99) = 2.326348; Φ⁻¹(1 − 1/(100e)) = Φ⁻¹(0.996321) ≈ 2.6797;
        // SR* = 0.02 · ((1 − 0.5772157) · 2.326348 + 0.5772157 · 2.6797)
        //     = 0.02 · (0.983544 + 1.546760) = 0.02 · 2.530304 = 0.050606.
        let normal = standard_normal();
        let q1 = normal.inverse_cdf(0.99);
        assert!((q1 - 2.326_348).abs() < 1e-6, "{q1}");
        let p2 = 1.0 - 1.0 / (100.0 * std::f64::consts::E);
        assert!((p2 - 0.996_321).abs() < 1e-6, "{p2}");
        let q2 = normal.inverse_cdf(p2);
        assert!((q2 - 2.680).abs() < 1e-3, "{q2}");
        let star = expected_max_sharpe(100, 0.0004).unwrap();
        assert!(
            (star - 0.02 * ((1.0 - EULER_GAMMA) * q1 + EULER_GAMMA * q2)).abs() < 1e-15,
            "{star}"
        );
        assert!((star - 0.050_606).abs() < 2e-5, "{star}");
        // The best run of the PSR example, deflated: z = (0.1 − SR*) · √999 / √1.0575.
        let best = Moments {
            n: 1000,
            sharpe: 0.1,
            skew: -0.5,
            kurtosis: 4.0,
        };
        let z = (0.1 - star) * 999.0_f64.sqrt() / 1.0575_f64.sqrt();
        let expected = normal.cdf(z);
        assert!((probabilistic_sharpe(&best, star).unwrap() - expected).abs() < 1e-15);
        assert!(
            expected < probabilistic_sharpe(&best, 0.0).unwrap(),
            "deflation lowers it"
        );
        // From trial Sharpe ratios: two trials 0 and 0.1 have variance 0.005.
        let dsr = deflated_sharpe(&best, &[0.0, 0.1]).unwrap();
        let dsr_star = expected_max_sharpe(2, 0.005).unwrap();
        assert!((dsr - probabilistic_sharpe(&best, dsr_star).unwrap()).abs() < 1e-15);
        assert!(deflated_sharpe(&best, &[0.1]).is_none(), "one trial");
    }
}
