//! What a run may publish: finite money, and equity that never goes below zero.
//!
//! Two rules, applied to the simulated run before anyone sees it:
//!
//! - **Finite.** Every fill (units, value, cost), every cash balance and every equity mark is
//!   a finite number, and so is equity over the starting cash (what every return statistic
//!   divides by). Prices a file may legitimately hold (`1e-308`, one tick of `1e308`) can still
//!   overflow a position's value or a fill's units; the run then stops with one error naming
//!   the first bar where a number would not be finite and the symbol whose price made it so,
//!   instead of publishing `inf` or `NaN`. The benchmark's buy-and-hold curve obeys the same
//!   rule.
//! - **Ruin.** At the first close where equity is at or below zero the run is ruined and ends
//!   there: every position is closed at that close (costs charged), and what is owed beyond
//!   zero, the *shortfall*, is written off, so the published cash and equity at that bar, and
//!   at every bar after it, are 0 and nothing trades after it. Cash plus positions is equity
//!   on every published bar, and no drawdown deeper than −100% exists.

use super::{Fill, FillKind, Run, Side};
use crate::data::{Series, readable};
use crate::{Date, Error, Result};

/// A run that lost everything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ruin {
    /// The bar at whose close equity first was at or below zero: the run's last trading bar.
    pub bar: usize,
    /// What was owed beyond zero once every position was closed at that close (0 when equity
    /// reached exactly zero without costs), written off.
    pub shortfall: f64,
}

/// Applies the two rules of this module to `run`, marked on every bar: an error at the first
/// number that is not finite, else the ruin, if any, written into the run.
pub(super) fn settle(
    run: &mut Run,
    series: &[Series],
    dates: &[Date],
    cash: f64,
    cost_rate: f64,
) -> Result<()> {
    // Equity over the starting cash must be finite too (every return statistic divides by
    // it), except from no cash at all: a run that starts with nothing is ruined at once (a
    // walk-forward window after a ruined one).
    let finite = |t: usize| {
        let equity = run.equity[t];
        equity.is_finite()
            && run.cash[t].is_finite()
            && (cash == 0.0 || (equity / cash).is_finite())
    };
    // The first close that is not a finite, positive equity.
    let close = (0..run.equity.len()).find(|&t| !(finite(t) && run.equity[t] > 0.0));
    let fill = run.fills.iter().find(|f| {
        !(f.units.is_finite() && f.value().is_finite() && f.cost.is_finite())
            && close.is_none_or(|t| f.bar <= t)
    });
    if let Some(fill) = fill {
        return Err(not_finite_fill(fill, series, dates));
    }
    let Some(bar) = close else {
        return Ok(());
    };
    if !finite(bar) {
        return Err(not_finite_close(run, bar, series, dates));
    }
    ruin(run, bar, series, cost_rate);
    Ok(())
}

/// Ends `run` at the close of `bar`: fills after it dropped, every position closed at that
/// close, and cash, equity and units zero from there on.
fn ruin(run: &mut Run, bar: usize, series: &[Series], cost_rate: f64) {
    run.fills.retain(|f| f.bar <= bar);
    let k = run.symbols;
    let mut owed = -run.equity[bar];
    for (s, series) in series.iter().enumerate() {
        let units = run.units(bar, s);
        if units == 0.0 {
            continue;
        }
        let price = series.close[bar];
        let fill = Fill {
            bar,
            symbol: s,
            side: if units < 0.0 { Side::Buy } else { Side::Sell },
            units: units.abs(),
            price,
            cost: units.abs() * price * cost_rate,
            kind: FillKind::Ruin,
        };
        owed += fill.cost;
        run.fills.push(fill);
    }
    run.equity[bar..].fill(0.0);
    run.cash[bar..].fill(0.0);
    run.holdings[bar * k..].fill(0.0);
    run.ruin = Some(Ruin {
        bar,
        shortfall: owed.max(0.0),
    });
}

/// The rule of finite numbers for the benchmark's buy-and-hold `curve` of `series`.
pub(super) fn check_benchmark(curve: &[f64], series: &Series, dates: &[Date]) -> Result<()> {
    let Some(t) = curve.iter().position(|e| !e.is_finite()) else {
        return Ok(());
    };
    Err(Error::Usage(format!(
        "{}: the benchmark's buy and hold of {} is worth {} at its close {}: {BEYOND}",
        dates[t],
        series.symbol,
        readable(curve[t]),
        readable(series.close[t]),
    )))
}

/// What every error of this module ends with.
const BEYOND: &str = "beyond what the engine can compute with; check the prices there or leave the date out \
     with --from/--to";

fn not_finite_fill(fill: &Fill, series: &[Series], dates: &[Date]) -> Error {
    let symbol = &series[fill.symbol].symbol;
    Error::Usage(format!(
        "{}: {} {symbol} at {} would trade {} units worth {}: the price is {BEYOND}",
        dates[fill.bar],
        match fill.side {
            Side::Buy => "buying",
            Side::Sell => "selling",
        },
        readable(fill.price),
        readable(fill.units),
        readable(fill.value()),
    ))
}

fn not_finite_close(run: &Run, bar: usize, series: &[Series], dates: &[Date]) -> Error {
    // The position with the largest value (or the first that is not finite) made it so.
    let worth = |s: usize| (run.units(bar, s) * series[s].close[bar]).abs();
    let culprit = (0..run.symbols).max_by(|&a, &b| {
        let (x, y) = (worth(a), worth(b));
        x.is_finite()
            .cmp(&y.is_finite())
            .reverse()
            .then(x.total_cmp(&y))
    });
    let cause = culprit.map_or_else(String::new, |s| {
        format!(
            " ({} units of {} at its close {})",
            readable(run.units(bar, s)),
            series[s].symbol,
            readable(series[s].close[bar])
        )
    });
    Error::Usage(format!(
        "{}: equity {}{cause} is {BEYOND}",
        dates[bar],
        readable(run.equity[bar]),
    ))
}
