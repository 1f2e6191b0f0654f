//! Rolling 12-month statistics: Sharpe ratio, volatility and beta to the benchmark over windows
//! of a year of returns (as many as the run's bars in a year, [`BarLength::periods_per_year`]:
//! 252 daily, 52 weekly, 12 monthly), in three panels over one date axis.

use plotters::style::FontStyle;

use super::axis::{Axis, extent, percent};
use super::canvas::{
    Align, Area, BENCHMARK, Drawn, GREY, Plot, STRATEGY, Scale, Swatch, XLabels, dims, headed,
    inline_legend, text,
};
use super::lines::{date_axis, value_ticks};
use crate::Date;
use crate::data::BarLength;
use crate::metrics::{rate_per_bar, simple_returns};

/// The statistics, one value per bar of the run: NaN until a whole window lies behind the bar,
/// and where a window's statistic is undefined (no variance).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Rolling {
    /// Strategy's and benchmark's Sharpe ratio: mean(r − rf) / std(r − rf) · √P, with P the
    /// bars in a year.
    pub(super) sharpe: [Vec<f64>; 2],
    /// Their annualized volatility: std(r) · √P.
    pub(super) volatility: [Vec<f64>; 2],
    /// The strategy's beta to the benchmark: cov(r, b) / var(b).
    pub(super) beta: Vec<f64>,
    /// What the run's bars cover: a window is a year of them.
    pub(super) length: BarLength,
}

impl Rolling {
    /// The statistics of two equity curves on the same dates, bars of `length`, with the annual
    /// risk-free rate of the run's headline Sharpe ratio; standard deviations with ddof 1, as
    /// in [`crate::metrics`].
    ///
    /// The window's sums slide: each bar adds the return entering the window and takes off the
    /// one leaving it, and every window's length of bars they are summed again afresh so that
    /// rounding cannot build up. A window whose returns are all equal (a strategy in cash) has no
    /// deviation at all, which subtracted sums would leave as rounding: it is recognized as such.
    pub(super) fn new(
        strategy: &[f64],
        benchmark: &[f64],
        risk_free_annual: f64,
        length: BarLength,
    ) -> Self {
        let (r, b) = (simple_returns(strategy), simple_returns(benchmark));
        let rf = rate_per_bar(risk_free_annual, length);
        let window = length.periods_per_year();
        let root = (window as f64).sqrt();
        let bars = strategy.len().min(benchmark.len()); // equal in a run: one calendar
        let mut rolling = Rolling {
            sharpe: [vec![f64::NAN; bars], vec![f64::NAN; bars]],
            volatility: [vec![f64::NAN; bars], vec![f64::NAN; bars]],
            beta: vec![f64::NAN; bars],
            length,
        };
        let mut sums = Sums::default();
        // Where the runs of equal returns that reach the window's end began.
        let (mut same_r, mut same_b) = (0, 0);
        // The window ending at bar t holds the returns from bar t − window to bar t.
        for t in window..bars {
            let (start, last) = (t - window, t - 1);
            if start % window == 0 {
                sums = Sums::of(&r[start..t], &b[start..t]);
            } else {
                sums.add(r[last], b[last], 1.0);
                sums.add(r[start - 1], b[start - 1], -1.0);
            }
            for (same, x) in [(&mut same_r, &r), (&mut same_b, &b)] {
                if t == window {
                    *same = (1..t).rev().find(|&i| x[i] != x[i - 1]).unwrap_or(0);
                } else if x[last] != x[last - 1] {
                    *same = last;
                }
            }
            let w = sums.window(window, (same_r <= start, same_b <= start));
            for (k, var) in [w.var.0, w.var.1].into_iter().enumerate() {
                let mean_excess = [w.mean.0, w.mean.1][k] - rf;
                rolling.sharpe[k][t] = ratio(mean_excess, var.sqrt(), FLAT) * root;
                rolling.volatility[k][t] = var.sqrt() * root;
            }
            rolling.beta[t] = ratio(w.covariance, w.var.1, FLAT * FLAT);
        }
        rolling
    }
}

/// The sums over a window of the strategy's returns `r` and the benchmark's `b`: of each, of
/// their squares and of their products. A pair with a return that is not finite is counted
/// in `undefined` instead (a whole number, kept as a float as the sums are added to and taken
/// from alike), and makes every statistic of its windows undefined, as it would in the
/// formulas.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    r: f64,
    b: f64,
    rr: f64,
    bb: f64,
    rb: f64,
    undefined: f64,
}

impl Sums {
    /// The sums over `r` and `b`.
    fn of(r: &[f64], b: &[f64]) -> Sums {
        let mut sums = Sums::default();
        for (x, y) in r.iter().zip(b) {
            sums.add(*x, *y, 1.0);
        }
        sums
    }

    /// Adds a pair of returns (`sign` 1) or takes it off (−1).
    fn add(&mut self, x: f64, y: f64, sign: f64) {
        if x.is_finite() && y.is_finite() {
            self.r += sign * x;
            self.b += sign * y;
            self.rr += sign * x * x;
            self.bb += sign * y * y;
            self.rb += sign * x * y;
        } else {
            self.undefined += sign;
        }
    }

    /// The moments of a window of `length` returns; `flat` says, for each series, whether its
    /// returns in the window are all equal, which makes its variance and the covariance
    /// exactly zero.
    fn window(&self, length: usize, flat: (bool, bool)) -> Window {
        if self.undefined > 0.0 {
            let nan = (f64::NAN, f64::NAN);
            return Window {
                mean: nan,
                var: nan,
                covariance: f64::NAN,
            };
        }
        let n = length as f64;
        let (mr, mb) = (self.r / n, self.b / n);
        // Rounding can leave a variance a hair below zero; it is not.
        let spread = |squares: f64, sum: f64, mean: f64, flat: bool| {
            if flat {
                0.0
            } else {
                ((squares - sum * mean) / (n - 1.0)).max(0.0)
            }
        };
        let covariance = if flat.0 || flat.1 {
            0.0
        } else {
            (self.rb - self.r * mb) / (n - 1.0)
        };
        Window {
            mean: (mr, mb),
            var: (
                spread(self.rr, self.r, mr, flat.0),
                spread(self.bb, self.b, mb, flat.1),
            ),
            covariance,
        }
    }
}

/// The moments of one window, pairs holding (strategy, benchmark); variances and covariance
/// with ddof 1. The excess returns' variance is the returns' own: the risk-free rate is a
/// constant.
struct Window {
    mean: (f64, f64),
    var: (f64, f64),
    covariance: f64,
}

/// `n / d`, NaN (a gap in the line) where `d` is not above `floor`: a flat window has no ratio,
/// and rounding can leave a flat window a standard deviation of 1e-20 instead of 0, which would
/// give a ratio of 1e16.
fn ratio(n: f64, d: f64, floor: f64) -> f64 {
    if d > floor { n / d } else { f64::NAN }
}

/// Below this a daily standard deviation is rounding, not risk.
const FLAT: f64 = 1e-12;

/// The three panels, each under its own heading, the date axis labelled under the last; the
/// legend beside the first heading, where it hides no line.
pub(super) fn rolling(
    area: &Area,
    scale: Scale,
    dates: &[Date],
    stats: &Rolling,
    labels: [&str; 2],
) -> Drawn {
    let (_, h) = dims(area);
    let x_labels = scale.at(40);
    let panel = (h - x_labels) / 3;
    let panels = area.split_by_breakpoints([] as [i32; 0], [panel, 2 * panel]);
    let benchmark = labels[1].split(' ').next().unwrap_or(labels[1]);
    let rows: [(String, Vec<&[f64]>, bool); 3] = [
        (
            "Sharpe ratio".into(),
            stats.sharpe.iter().map(Vec::as_slice).collect(),
            false,
        ),
        (
            "Volatility (annualized)".into(),
            stats.volatility.iter().map(Vec::as_slice).collect(),
            true,
        ),
        (format!("Beta to {benchmark}"), vec![&stats.beta], false),
    ];
    let window = stats.length.periods_per_year();
    for (i, (panel, (heading, lines, is_percent))) in panels.iter().zip(rows).enumerate() {
        let heading = format!("{heading}, {window}-{} windows", stats.length.period());
        let (strip, body) = headed(panel, scale, &heading, 16)?;
        if i == 0 {
            let entries = [
                (labels[0], Swatch::Line(STRATEGY)),
                (labels[1], Swatch::Line(BENCHMARK)),
            ];
            inline_legend(&strip, scale, &entries)?;
        }
        let values = lines.iter().flat_map(|l| l.iter().copied());
        let found = extent(values, false);
        let (lo, hi) = found.unwrap_or((0.0, 1.0));
        // Volatility from zero, so that its level reads true; the others across zero.
        let range = if is_percent {
            (0.0, hi)
        } else {
            (lo.min(0.0), hi.max(0.0))
        };
        let ticks = value_ticks(&body, scale).min(5);
        let y = if is_percent {
            Axis::values(range, false, ticks, percent)
        } else {
            Axis::values(range, false, ticks, super::axis::thousands)
        };
        let x_labels = if i == 2 {
            XLabels::Shown
        } else {
            XLabels::Hidden
        };
        let mut plot = Plot::new(&body, scale, (date_axis(dates, &body, scale), y), x_labels)?;
        plot.level(0.0)?;
        for (line, colour) in lines.iter().zip([STRATEGY, BENCHMARK]) {
            plot.line(dates, line, colour, false)?;
        }
        if found.is_none() {
            let area = plot.chart.plotting_area().strip_coord_spec();
            let (w, h) = dims(&area);
            let note = format!("fewer than {} bars: no whole window", window + 1);
            let font = scale.font(17, FontStyle::Normal);
            text(&area, &note, &font, GREY, (w / 2, h / 2), Align::CENTRE)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A year of daily returns, the window of a daily run.
    const WINDOW: usize = 252;

    /// The statistics of one window by the textbook formulas, two passes over its returns.
    fn two_passes(r: &[f64], b: &[f64], rf: f64) -> (f64, f64, f64) {
        let n = r.len() as f64;
        let mean = |x: &[f64]| x.iter().sum::<f64>() / n;
        let (mr, mb) = (mean(r), mean(b));
        let var = |x: &[f64], m: f64| x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
        let cov = r
            .iter()
            .zip(b)
            .map(|(x, y)| (x - mr) * (y - mb))
            .sum::<f64>()
            / (n - 1.0);
        let root = 252f64.sqrt();
        let sharpe = ratio(mr - rf, var(r, mr).sqrt(), FLAT) * root;
        (
            sharpe,
            var(r, mr).sqrt() * root,
            ratio(cov, var(b, mb), FLAT * FLAT),
        )
    }

    #[test]
    fn sliding_sums_agree_with_two_passes_over_every_window() {
        // A random walk with a stretch in cash (equal returns, longer than a window) and a
        // volatile stretch before a calm one, where subtracted sums would show their rounding.
        let mut seed = 7u64;
        let mut noise = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            f64::from(u32::try_from(seed >> 40).unwrap()) / f64::from(1 << 24) - 0.5
        };
        let (mut strategy, mut benchmark) = (vec![100.0], vec![100.0]);
        for t in 0..1_500 {
            let scale = if t < 600 { 0.08 } else { 0.004 };
            let step = scale * noise();
            let held = !(700..1_000).contains(&t);
            let last = strategy[strategy.len() - 1];
            strategy.push(if held { last * (1.0 + step) } else { last });
            benchmark.push(benchmark[benchmark.len() - 1] * (1.0 + 0.01 * noise()));
        }
        let rf = rate_per_bar(0.03, BarLength::Daily);
        let stats = Rolling::new(&strategy, &benchmark, 0.03, BarLength::Daily);
        let (r, b) = (simple_returns(&strategy), simple_returns(&benchmark));
        let close = |a: f64, e: f64| (a.is_nan() && e.is_nan()) || (a - e).abs() <= 1e-9 * e.abs();
        for t in WINDOW..strategy.len() {
            let (sharpe, volatility, beta) = two_passes(&r[t - WINDOW..t], &b[t - WINDOW..t], rf);
            let got = (stats.sharpe[0][t], stats.volatility[0][t], stats.beta[t]);
            assert!(
                close(got.0, sharpe) && close(got.1, volatility) && close(got.2, beta),
                "bar {t}: {got:?}, formulas {:?}",
                (sharpe, volatility, beta)
            );
        }
        // In cash for a whole window: no Sharpe ratio, no volatility, no beta.
        assert!(stats.sharpe[0][1_000].is_nan());
        assert_eq!((stats.volatility[0][1_000], stats.beta[1_000]), (0.0, 0.0));
    }

    #[test]
    fn windows_match_the_formulas_and_leave_gaps() {
        // A strategy that doubles the benchmark's daily moves: beta 2, twice the volatility,
        // the same Sharpe up to the compounding (none here: returns are what they are).
        let b: Vec<f64> = (0..400)
            .map(|i| 0.01 * ((f64::from(i) * 0.7).sin()))
            .collect();
        let curve = |k: f64| {
            let mut equity = vec![100.0];
            for r in &b {
                equity.push(equity[equity.len() - 1] * (1.0 + k * r));
            }
            equity
        };
        let (strategy, benchmark) = (curve(2.0), curve(1.0));
        let stats = Rolling::new(&strategy, &benchmark, 0.0, BarLength::Daily);
        assert_eq!(stats.beta.len(), 401);
        assert!(stats.beta[..WINDOW].iter().all(|v| v.is_nan()));
        for t in WINDOW..=400 {
            assert!((stats.beta[t] - 2.0).abs() < 1e-9, "{t}: {}", stats.beta[t]);
            let ratio = stats.volatility[0][t] / stats.volatility[1][t];
            assert!((ratio - 2.0).abs() < 1e-9);
            assert!((stats.sharpe[0][t] - stats.sharpe[1][t]).abs() < 1e-9);
        }
        let window = &b[400 - WINDOW..400];
        let m = window.iter().sum::<f64>() / 252.0;
        let var = window.iter().map(|r| (r - m).powi(2)).sum::<f64>() / 251.0;
        assert!((stats.volatility[1][400] - (var * 252.0).sqrt()).abs() < 1e-12);
        assert!((stats.sharpe[1][400] - m / var.sqrt() * 252f64.sqrt()).abs() < 1e-9);
        let flat = Rolling::new(&[100.0; 300], &benchmark[..300], 0.03, BarLength::Daily);
        assert!(
            flat.sharpe[0][WINDOW..].iter().all(|v| v.is_nan()),
            "no variance"
        );
        assert!(flat.beta[WINDOW..].iter().all(|v| *v == 0.0));
    }

    #[test]
    fn a_monthly_run_rolls_over_twelve_months_annualised_with_root_twelve() {
        let returns: Vec<f64> = (0..30).map(|i| 0.02 * (f64::from(i) * 1.3).sin()).collect();
        let mut equity = vec![100.0];
        for r in &returns {
            equity.push(equity[equity.len() - 1] * (1.0 + r));
        }
        let stats = Rolling::new(&equity, &equity, 0.0, BarLength::Monthly);
        assert!(stats.sharpe[0][..12].iter().all(|v| v.is_nan()));
        let (sharpe, volatility, _) = two_passes(&returns[18..30], &returns[18..30], 0.0);
        // `two_passes` annualises daily: a monthly window's are √12 / √252 of its numbers.
        let to_monthly = (12f64 / 252.0).sqrt();
        assert!((stats.sharpe[0][30] - sharpe * to_monthly).abs() < 1e-9);
        assert!((stats.volatility[0][30] - volatility * to_monthly).abs() < 1e-9);
    }
}
