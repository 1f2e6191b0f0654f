//! The simulation loop: a strategy's targets, decided at the close of bar t, become fills at
//! the open of bar t+1 (or, when asked for explicitly, at the close of t); equity is marked to
//! the close of every bar.
//!
//! The loop runs over plain `f64` columns of the [`Universe`]; nothing is allocated per bar
//! except the targets a strategy chooses to emit.

mod portfolio;

pub use portfolio::{Fill, Side};

use serde::Serialize;

use crate::data::Universe;
use crate::strategy::{History, Strategy, Targets};
use crate::{Error, Result};
use portfolio::Portfolio;

/// When orders fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum FillMode {
    /// At the open of the bar after the signal: the only mode free of same-bar look-ahead.
    #[default]
    NextOpen,
    /// At the close of the signal bar: optimistic (the close is known only once it is too late
    /// to trade it); for comparison with close-to-close studies.
    Close,
}

/// How the engine trades.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineOptions {
    /// Starting cash.
    pub cash: f64,
    /// When orders fill.
    pub fill: FillMode,
    /// Trade whole units only (floor; leftover cash kept).
    pub whole_units: bool,
    /// Commission in basis points of traded value.
    pub commission_bps: f64,
    /// Slippage in basis points of traded value, against the trader.
    pub slippage_bps: f64,
    /// The largest sum of absolute target weights a strategy may ask for.
    pub max_leverage: f64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            cash: 100_000.0,
            fill: FillMode::NextOpen,
            whole_units: false,
            commission_bps: 0.0,
            slippage_bps: 0.0,
            max_leverage: 1.0,
        }
    }
}

/// Everything a simulation produced, bar by bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Equity at each bar's close.
    pub equity: Vec<f64>,
    /// Cash at each bar's close.
    pub cash: Vec<f64>,
    /// Units held at each bar's close: `holdings[t * symbols + s]`.
    pub holdings: Vec<f64>,
    /// Number of symbols the strategy trades.
    pub symbols: usize,
    /// Every fill, in time order.
    pub fills: Vec<Fill>,
    /// What the strategy answered at each bar's close (`None` = hold).
    pub decisions: Vec<Option<Targets>>,
    /// Fills postponed because the symbol had no bar on the fill date.
    pub postponed_fills: usize,
}

impl Run {
    /// Units of symbol `s` held at the close of bar `t`.
    #[must_use]
    pub fn units(&self, t: usize, s: usize) -> f64 {
        self.holdings[t * self.symbols + s]
    }
}

/// Runs `strategy` over `universe`. The strategy's symbols must be the first series of the
/// universe, in its order (the benchmark may follow).
///
/// # Errors
/// The strategy's symbols do not match the universe, or it answers targets that cannot be
/// traded (wrong length, not finite, beyond the leverage cap); the error names the strategy,
/// the date and the value.
pub fn simulate(
    name: &str,
    strategy: &mut dyn Strategy,
    universe: &Universe,
    options: &EngineOptions,
) -> Result<Run> {
    let k = strategy.symbols().len();
    let matches = universe.series.len() >= k
        && strategy
            .symbols()
            .iter()
            .zip(&universe.series)
            .all(|(a, b)| *a == b.symbol);
    if !matches {
        return Err(Error::Usage(format!(
            "strategy {name} trades {:?} but the universe holds {:?}",
            strategy.symbols(),
            universe
                .series
                .iter()
                .map(|s| &s.symbol)
                .collect::<Vec<_>>()
        )));
    }
    let n = universe.len();
    let mut portfolio = Portfolio::new(options, k);
    let mut run = Run {
        equity: Vec::with_capacity(n),
        cash: Vec::with_capacity(n),
        holdings: Vec::with_capacity(n * k),
        symbols: k,
        fills: Vec::new(),
        decisions: Vec::with_capacity(n),
        postponed_fills: 0,
    };
    let series = &universe.series[..k];
    for t in 0..n {
        if options.fill == FillMode::NextOpen {
            portfolio.execute(t, series, |s| s.open[t], &mut run);
        }
        let decision = strategy.on_bar(&History::new(universe, t));
        if let Some(targets) = &decision {
            check_targets(name, universe.dates[t], targets, k, options.max_leverage)?;
            portfolio.set_targets(targets);
        }
        run.decisions.push(decision);
        if options.fill == FillMode::Close {
            portfolio.execute(t, series, |s| s.close[t], &mut run);
        }
        run.equity.push(portfolio.equity(|s| series[s].close[t]));
        run.cash.push(portfolio.cash());
        run.holdings.extend_from_slice(portfolio.units());
    }
    Ok(run)
}

fn check_targets(
    name: &str,
    date: crate::Date,
    targets: &[f64],
    k: usize,
    max_leverage: f64,
) -> Result<()> {
    let fail = |problem: String| {
        Err(Error::Strategy {
            strategy: name.to_string(),
            date,
            problem,
        })
    };
    if targets.len() != k {
        return fail(format!(
            "answered {} target weights for {k} symbols",
            targets.len()
        ));
    }
    if let Some(w) = targets.iter().find(|w| !w.is_finite()) {
        return fail(format!("target weight {w} is not a finite number"));
    }
    let gross: f64 = targets.iter().map(|w| w.abs()).sum();
    if gross > max_leverage + 1e-9 {
        return fail(format!(
            "gross target weight {gross} exceeds the leverage cap {max_leverage}"
        ));
    }
    Ok(())
}

/// Buy and hold of one series, bought at the close of the first bar without costs: the
/// benchmark curve every run is compared with.
#[must_use]
pub fn buy_and_hold_curve(close: &[f64], cash: f64) -> Vec<f64> {
    close.iter().map(|c| cash * c / close[0]).collect()
}
