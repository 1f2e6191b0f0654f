//! Performance statistics, with the conventions of empyrical and quantstats (the libraries most
//! results are quoted in), so numbers can be checked against them: simple returns of the
//! equity curve from bar to bar, annualised with the bars in a year of the run's
//! [`BarLength`] (`P` = 252 daily, 52 weekly, 12 monthly), standard deviation with ddof = 1,
//! a risk-free rate given per year and turned into a rate per bar geometrically. Every formula is written out in
//! `docs/METRICS.md`. A ratio whose denominator is zero is `None` (JSON `null`), never infinite,
//! and so is any statistic that comes out infinite or NaN (an equity curve with an enormous
//! jump can overflow a sum of returns): every number published is finite.

use serde::Serialize;

use crate::Date;
use crate::data::BarLength;
use crate::engine::Run;
use crate::trades::Trade;

/// Days in a calendar year, for calendar-day CAGR.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// Return-based statistics of one equity curve; `P` is the bars in a year
/// ([`BarLength::periods_per_year`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Performance {
    /// final / initial − 1.
    pub total_return: f64,
    /// (final / initial)^(P / n) − 1, n = number of returns.
    pub cagr: Option<f64>,
    /// (final / initial)^(365.25 / calendar days) − 1.
    pub cagr_calendar: Option<f64>,
    /// std(r, ddof = 1) · √P.
    pub annual_volatility: Option<f64>,
    /// mean(r − rf) / std(r − rf) · √P.
    pub sharpe: Option<f64>,
    /// mean(r − rf) / √mean(min(r − rf, 0)²) · √P, over all returns.
    pub sortino: Option<f64>,
    /// Deepest fall from a running peak of equity, as a negative fraction (the starting equity
    /// is the first peak).
    pub max_drawdown: f64,
    /// Calendar days from that drawdown's peak to its recovery (or to the last date).
    pub max_drawdown_days: i64,
    /// Date of the peak before the deepest drawdown.
    pub max_drawdown_peak: Date,
    /// Date of its trough.
    pub max_drawdown_trough: Date,
    /// First date equity regained the peak; `None`: not recovered.
    pub max_drawdown_recovery: Option<Date>,
    /// `cagr / |max_drawdown|`.
    pub calmar: Option<f64>,
}

/// Statistics of what the strategy did, from the fills and holdings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// Share of bars that end with a position.
    pub exposure: f64,
    /// Trades opened, an open one at the end included.
    pub trades: usize,
    /// Share of closed trades with a positive profit after costs.
    pub win_rate: Option<f64>,
    /// Sum of profits over sum of losses of closed trades.
    pub profit_factor: Option<f64>,
    /// Traded value (buys and sells) per year over mean equity.
    pub turnover: f64,
    /// Commission and slippage paid, in currency.
    pub costs: f64,
    /// How many trades ended for each reason.
    pub exits: crate::trades::ExitCounts,
    /// Fills, of every kind.
    pub fills: usize,
    /// Interest on cash: earned on cash above zero, less what borrowed cash paid.
    pub interest: f64,
    /// What short positions paid to borrow their shares.
    pub borrow_costs: f64,
    /// Bars on which a rebalancing strategy's weights were traded back to target (0 for
    /// strategies that trade on signals): a portfolio rebalanced monthly for 20 years holds
    /// its positions as a handful of trades but makes 240 rebalances.
    pub rebalances: usize,
}

/// Every headline statistic of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// From the equity curve.
    #[serde(flatten)]
    pub performance: Performance,
    /// From fills and holdings.
    #[serde(flatten)]
    pub activity: Activity,
}

/// The strategy measured against its benchmark, from the returns of both on the same bars (empyrical's conventions; `rf` is subtracted from both where it matters).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relative {
    /// cov(r − rf, b − rf) / var(b − rf), ddof = 1.
    pub beta: Option<f64>,
    /// (1 + mean((r − rf) − beta · (b − rf)))^P − 1: the annualized return beta does not explain.
    pub alpha: Option<f64>,
    /// Pearson correlation of r and b.
    pub correlation: Option<f64>,
    /// Annualized return of the strategy on the days the benchmark rose, over the benchmark's
    /// annualized return on those days.
    pub up_capture: Option<f64>,
    /// The same on the days the benchmark fell.
    pub down_capture: Option<f64>,
    /// std(r − b) · √P.
    pub tracking_error: Option<f64>,
    /// mean(r − b) / std(r − b) · √P.
    pub information_ratio: Option<f64>,
}

/// Benchmark-relative statistics of `returns` against `benchmark` (same length, same dates),
/// returns over bars of `bars`.
///
/// # Panics
/// The two series differ in length (a bug in the caller).
#[must_use]
pub fn relative(
    returns: &[f64],
    benchmark: &[f64],
    risk_free_annual: f64,
    bars: BarLength,
) -> Relative {
    assert_eq!(returns.len(), benchmark.len());
    let periods = bars.periods_per_year() as f64;
    let rf = rate_per_bar(risk_free_annual, bars);
    let r: Vec<f64> = returns.iter().map(|x| x - rf).collect();
    let b: Vec<f64> = benchmark.iter().map(|x| x - rf).collect();
    let beta = covariance(&r, &b)
        .zip(std_dev(&b))
        .and_then(|(c, s)| ratio(c, s * s));
    let alpha = beta.and_then(|beta| {
        let unexplained: Vec<f64> = r.iter().zip(&b).map(|(r, b)| r - beta * b).collect();
        mean(&unexplained).map(|m| (1.0 + m).powf(periods) - 1.0)
    });
    let correlation = covariance(&r, &b)
        .zip(std_dev(&r).zip(std_dev(&b)))
        .and_then(|(c, (sr, sb))| ratio(c, sr * sb));
    let capture = |keep: fn(f64) -> bool| {
        let (mine, theirs): (Vec<f64>, Vec<f64>) = returns
            .iter()
            .zip(benchmark)
            .filter(|(_, b)| keep(**b))
            .map(|(r, b)| (*r, *b))
            .unzip();
        annual_return(&mine, periods)
            .zip(annual_return(&theirs, periods))
            .and_then(|(m, t)| ratio(m, t))
    };
    let active: Vec<f64> = returns.iter().zip(benchmark).map(|(r, b)| r - b).collect();
    let root = periods.sqrt();
    Relative {
        beta: finite(beta),
        alpha: finite(alpha),
        correlation: finite(correlation),
        up_capture: finite(capture(|b| b > 0.0)),
        down_capture: finite(capture(|b| b < 0.0)),
        tracking_error: finite(std_dev(&active).map(|s| s * root)),
        information_ratio: finite(
            mean(&active)
                .zip(std_dev(&active))
                .and_then(|(m, s)| ratio(m, s))
                .map(|x| x * root),
        ),
    }
}

/// Compound annual return of returns over bars of which `periods` make a year:
/// (Π(1 + r))^(periods / n) − 1.
fn annual_return(returns: &[f64], periods: f64) -> Option<f64> {
    let growth: f64 = returns.iter().map(|r| 1.0 + r).product();
    (!returns.is_empty()).then(|| growth.powf(periods / returns.len() as f64) - 1.0)
}

/// Sample covariance (ddof = 1).
fn covariance(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mx, my) = (mean(x)?, mean(y)?);
    let n = x.len().min(y.len());
    (n > 1).then(|| sum_of(n, |i| (x[i] - mx) * (y[i] - my)) / (n - 1) as f64)
}

/// Simple returns from bar to bar: `equity[t] / equity[t-1] − 1` ([`change`]).
#[must_use]
pub fn simple_returns(equity: &[f64]) -> Vec<f64> {
    // Zipped slices rather than `windows(2)`: the compiler can then divide several pairs at
    // once, and the divisions are most of the cost.
    let later = equity.get(1..).unwrap_or_default();
    later
        .iter()
        .zip(equity)
        .map(|(b, a)| change(*a, *b))
        .collect()
}

/// The change from `from` to `to` as a fraction, `to / from − 1`; 0 from zero, where a ruined
/// run stays (it holds nothing, so nothing changes: the engine's ruin rule).
#[must_use]
pub fn change(from: f64, to: f64) -> f64 {
    if from == 0.0 { 0.0 } else { to / from - 1.0 }
}

/// An annual rate as a rate per bar of `bars`: (1 + annual)^(1/P) − 1.
#[must_use]
pub fn rate_per_bar(annual: f64, bars: BarLength) -> f64 {
    (1.0 + annual).powf(1.0 / bars.periods_per_year() as f64) - 1.0
}

/// Σ `term(i)` for `i` in `0..n`, in four interleaved partial sums. One running sum makes each
/// addition wait for the one before; four run side by side, which makes the statistics of a
/// 6,500-bar curve about four times faster (a sweep measures hundreds), and each partial sum
/// carries a quarter of the rounding error.
pub(crate) fn sum_of(n: usize, term: impl Fn(usize) -> f64) -> f64 {
    let [total] = sums_of(n, |i| [term(i)]);
    total
}

/// [`sum_of`] of several terms in one pass: each sum is the one [`sum_of`] gives alone, bit
/// for bit.
pub(crate) fn sums_of<const K: usize>(n: usize, term: impl Fn(usize) -> [f64; K]) -> [f64; K] {
    let mut partial = [[0.0; K]; 4];
    let whole = n - n % 4;
    for i in (0..whole).step_by(4) {
        for (lane, sums) in partial.iter_mut().enumerate() {
            for (sum, value) in sums.iter_mut().zip(term(i + lane)) {
                *sum += value;
            }
        }
    }
    let mut total: [f64; K] =
        std::array::from_fn(|k| (partial[0][k] + partial[1][k]) + (partial[2][k] + partial[3][k]));
    for i in whole..n {
        for (sum, value) in total.iter_mut().zip(term(i)) {
            *sum += value;
        }
    }
    total
}

/// Arithmetic mean; `None` of nothing.
pub(crate) fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| sum_of(xs.len(), |i| xs[i]) / xs.len() as f64)
}

/// Sample standard deviation (ddof = 1); `None` below two values.
pub(crate) fn std_dev(xs: &[f64]) -> Option<f64> {
    deviation_about(xs, mean(xs)?)
}

/// [`std_dev`] given the mean `m` of `xs`.
fn deviation_about(xs: &[f64], m: f64) -> Option<f64> {
    let n = xs.len();
    (n > 1).then(|| (sum_of(n, |i| (xs[i] - m) * (xs[i] - m)) / (n - 1) as f64).sqrt())
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0 && denominator.is_finite()).then(|| numerator / denominator)
}

/// `value` where it is a finite number; `None` where a statistic overflowed or is undefined.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// Statistics of `equity` (one value per date of `dates`, bars of `bars`), with an annual
/// risk-free rate.
///
/// # Panics
/// `equity` is empty or its length differs from `dates` (a bug in the caller).
#[must_use]
pub fn performance(
    dates: &[Date],
    equity: &[f64],
    risk_free_annual: f64,
    bars: BarLength,
) -> Performance {
    performance_from(
        dates,
        equity,
        &simple_returns(equity),
        risk_free_annual,
        bars,
    )
}

/// [`performance`] given the curve's [`simple_returns`] already computed (a sweep computes
/// them once per run for this and for the Sharpe statistics).
///
/// # Panics
/// As [`performance`], or `returns` is not one shorter than `equity`.
#[must_use]
pub fn performance_from(
    dates: &[Date],
    equity: &[f64],
    returns: &[f64],
    risk_free_annual: f64,
    bars: BarLength,
) -> Performance {
    assert!(!equity.is_empty() && equity.len() == dates.len());
    assert_eq!(returns.len(), equity.len() - 1);
    let periods = bars.periods_per_year() as f64;
    let rf = rate_per_bar(risk_free_annual, bars);
    let n = returns.len();
    let excess_copy: Vec<f64>;
    let excess: &[f64] = if rf == 0.0 {
        returns
    } else {
        excess_copy = returns.iter().map(|r| r - rf).collect();
        &excess_copy
    };
    // The mean and the downside deviation in one pass over the returns.
    let [total, downside_squares] = sums_of(n, |i| [excess[i], excess[i].min(0.0).powi(2)]);
    let excess_mean = (n > 0).then(|| total / n as f64);
    let excess_std = excess_mean.and_then(|m| deviation_about(excess, m));
    let volatility = if rf == 0.0 {
        excess_std
    } else {
        std_dev(returns)
    };
    // From zero nothing changes (a ruined run, or a walk-forward window after one).
    let growth = if equity[0] == 0.0 {
        1.0
    } else {
        equity[n] / equity[0]
    };
    let years = n as f64 / periods;
    let calendar_years = (dates[n] - dates[0]).num_days() as f64 / DAYS_PER_YEAR;
    let root = periods.sqrt();
    let downside = (n > 0).then(|| (downside_squares / n as f64).sqrt());
    let cagr = (years > 0.0).then(|| growth.powf(1.0 / years) - 1.0);
    let drawdown = Drawdown::deepest(dates, equity);
    Performance {
        total_return: growth - 1.0,
        cagr: finite(cagr),
        cagr_calendar: finite(
            (calendar_years > 0.0).then(|| growth.powf(1.0 / calendar_years) - 1.0),
        ),
        annual_volatility: finite(volatility.map(|s| s * root)),
        sharpe: finite(
            excess_mean
                .zip(excess_std)
                .and_then(|(m, s)| ratio(m, s))
                .map(|r| r * root),
        ),
        sortino: finite(
            excess_mean
                .zip(downside)
                .and_then(|(m, d)| ratio(m, d))
                .map(|r| r * root),
        ),
        max_drawdown: drawdown.depth,
        max_drawdown_days: drawdown.days,
        max_drawdown_peak: drawdown.peak,
        max_drawdown_trough: drawdown.trough,
        max_drawdown_recovery: drawdown.recovery,
        calmar: finite(cagr.and_then(|c| ratio(c, drawdown.depth.abs()))),
    }
}

/// The deepest drawdown of an equity curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawdown {
    /// Fall from the peak, as a negative fraction (0 when equity never fell).
    pub depth: f64,
    /// Date of the peak.
    pub peak: Date,
    /// Date of the trough.
    pub trough: Date,
    /// First date back at the peak, if any.
    pub recovery: Option<Date>,
    /// Calendar days from peak to recovery, or to the last date when not recovered.
    pub days: i64,
}

impl Drawdown {
    /// Finds the deepest drawdown; the first value is the first peak.
    #[must_use]
    pub fn deepest(dates: &[Date], equity: &[f64]) -> Drawdown {
        // The depth below a given peak is lowest at the lowest value since it, so the division
        // is done only at new lows (dividing at every bar was most of the time this took).
        let (mut peak, mut low, mut best) = (0, equity[0], (0.0, 0, 0));
        for (t, value) in equity.iter().enumerate() {
            if *value > equity[peak] {
                peak = t;
                low = *value;
            } else if *value < low {
                low = *value;
                let depth = value / equity[peak] - 1.0;
                if depth < best.0 {
                    best = (depth, peak, t);
                }
            }
        }
        let (depth, peak, trough) = best;
        let recovery = (trough..equity.len()).find(|t| equity[*t] >= equity[peak]);
        let end = dates[recovery.unwrap_or(dates.len() - 1)];
        Drawdown {
            depth,
            peak: dates[peak],
            trough: dates[trough],
            recovery: recovery.filter(|_| depth < 0.0).map(|t| dates[t]),
            days: (end - dates[peak]).num_days(),
        }
    }
}

/// The bars with a fill of kind `rebalance`.
fn rebalance_bars(run: &Run) -> usize {
    let mut bars: Vec<usize> = run
        .fills
        .iter()
        .filter(|f| f.kind == crate::engine::FillKind::Rebalance)
        .map(|f| f.bar)
        .collect();
    bars.dedup();
    bars.len()
}

/// Statistics of the strategy's activity, on bars of `length`.
#[must_use]
pub fn activity(run: &Run, trades: &[Trade], length: BarLength) -> Activity {
    let bars = run.equity.len();
    let invested = run
        .holdings
        .chunks_exact(run.symbols.max(1))
        .filter(|units| units.iter().any(|u| *u != 0.0))
        .count();
    let closed: Vec<&Trade> = trades.iter().filter(|t| t.is_closed()).collect();
    let winners = closed.iter().filter(|t| t.pnl > 0.0).count();
    let gains: f64 = closed.iter().map(|t| t.pnl.max(0.0)).sum();
    let losses: f64 = closed.iter().map(|t| (-t.pnl).max(0.0)).sum();
    let traded_value: f64 = run.fills.iter().map(crate::engine::Fill::value).sum();
    let years = (bars.saturating_sub(1)) as f64 / length.periods_per_year() as f64;
    let mean_equity = mean(&run.equity).unwrap_or(0.0);
    Activity {
        exposure: ratio(invested as f64, bars as f64).unwrap_or(0.0),
        trades: trades.len(),
        win_rate: ratio(winners as f64, closed.len() as f64),
        profit_factor: ratio(gains, losses),
        turnover: ratio(traded_value, mean_equity * years).unwrap_or(0.0),
        costs: run.fills.iter().map(|f| f.cost).sum(),
        exits: crate::trades::ExitCounts::of(trades),
        fills: run.fills.len(),
        interest: run.interest,
        borrow_costs: run.borrow_costs,
        rebalances: rebalance_bars(run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<Date> {
        let start = Date::from_ymd_opt(2024, 1, 1).unwrap();
        (0..n)
            .map(|i| start + chrono::Days::new(i as u64))
            .collect()
    }

    #[test]
    fn drawdown_starts_from_the_first_value_and_finds_recovery() {
        let equity = [100.0, 90.0, 120.0, 60.0, 80.0, 121.0, 50.0];
        let d = Drawdown::deepest(&days(7), &equity[..6]);
        assert!((d.depth - (-0.5)).abs() < 1e-15);
        assert_eq!((d.peak, d.trough), (days(7)[2], days(7)[3]));
        assert_eq!(d.recovery, Some(days(7)[5]));
        assert_eq!(d.days, 3);
        let not_recovered = Drawdown::deepest(&days(7), &equity);
        assert_eq!(not_recovered.recovery, None);
        assert_eq!(not_recovered.trough, days(7)[6]);
        assert_eq!(not_recovered.days, 1, "peak on day 5, data ends on day 6");
    }

    #[test]
    fn flat_equity_has_no_ratios_instead_of_infinities() {
        let p = performance(&days(3), &[100.0, 100.0, 100.0], 0.0, BarLength::Daily);
        assert_eq!(p.total_return, 0.0);
        assert_eq!(p.sharpe, None);
        assert_eq!(p.sortino, None);
        assert_eq!(p.calmar, None);
        assert_eq!(p.max_drawdown, 0.0);
    }

    #[test]
    fn sharpe_and_sortino_follow_the_written_formulas() {
        let equity = [100.0, 101.0, 99.0, 102.0, 102.5];
        let r = simple_returns(&equity);
        let m = r.iter().sum::<f64>() / 4.0;
        let sd = (r.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 3.0).sqrt();
        let dd = (r.iter().map(|x| x.min(0.0).powi(2)).sum::<f64>() / 4.0).sqrt();
        let p = performance(&days(5), &equity, 0.0, BarLength::Daily);
        assert!((p.sharpe.unwrap() - m / sd * 252f64.sqrt()).abs() < 1e-12);
        assert!((p.sortino.unwrap() - m / dd * 252f64.sqrt()).abs() < 1e-12);
        assert!((p.cagr.unwrap() - (1.025f64.powf(63.0) - 1.0)).abs() < 1e-12);
    }

    #[test]
    fn weekly_and_monthly_bars_annualise_with_52_and_12_periods() {
        let equity = [100.0, 101.0, 99.0, 102.0, 102.5];
        let r = simple_returns(&equity);
        let m = r.iter().sum::<f64>() / 4.0;
        let sd = (r.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 3.0).sqrt();
        for (bars, periods) in [(BarLength::Weekly, 52.0), (BarLength::Monthly, 12.0)] {
            let p = performance(&days(5), &equity, 0.0, bars);
            assert!((p.sharpe.unwrap() - m / sd * f64::sqrt(periods)).abs() < 1e-12);
            assert!((p.annual_volatility.unwrap() - sd * f64::sqrt(periods)).abs() < 1e-12);
            assert!((p.cagr.unwrap() - (1.025f64.powf(periods / 4.0) - 1.0)).abs() < 1e-12);
            let rf = rate_per_bar(0.05, bars);
            assert!(((1.0 + rf).powf(periods) - 1.05).abs() < 1e-12);
        }
    }
}
