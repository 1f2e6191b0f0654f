//! Rolling 12-month statistics: Sharpe ratio, volatility and beta to the benchmark over windows
//! of [`WINDOW`] daily returns, in three panels over one date axis.

use plotters::style::FontStyle;

use super::axis::{Axis, extent, percent};
use super::canvas::{
    Align, Area, BENCHMARK, Drawn, GREY, Plot, STRATEGY, Scale, Swatch, XLabels, dims, headed,
    inline_legend, text,
};
use super::lines::{date_axis, value_ticks};
use crate::Date;
use crate::metrics::{PERIODS_PER_YEAR, daily_rate, simple_returns};

/// Daily returns in a window: a year of trading days, [`PERIODS_PER_YEAR`].
pub(super) const WINDOW: usize = 252;

/// The statistics, one value per bar of the run: NaN until a whole window lies behind the bar,
/// and where a window's statistic is undefined (no variance).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Rolling {
    /// Strategy's and benchmark's Sharpe ratio: mean(r − rf) / std(r − rf) · √252.
    pub(super) sharpe: [Vec<f64>; 2],
    /// Their annualized volatility: std(r) · √252.
    pub(super) volatility: [Vec<f64>; 2],
    /// The strategy's beta to the benchmark: cov(r, b) / var(b).
    pub(super) beta: Vec<f64>,
}

impl Rolling {
    /// The statistics of two equity curves on the same dates, with the annual risk-free rate
    /// of the run's headline Sharpe ratio; standard deviations with ddof 1, as in
    /// [`crate::metrics`].
    pub(super) fn new(strategy: &[f64], benchmark: &[f64], risk_free_annual: f64) -> Self {
        let (r, b) = (simple_returns(strategy), simple_returns(benchmark));
        let rf = daily_rate(risk_free_annual);
        let root = PERIODS_PER_YEAR.sqrt();
        let bars = strategy.len().min(benchmark.len()); // equal in a run: one calendar
        let mut rolling = Rolling {
            sharpe: [vec![f64::NAN; bars], vec![f64::NAN; bars]],
            volatility: [vec![f64::NAN; bars], vec![f64::NAN; bars]],
            beta: vec![f64::NAN; bars],
        };
        // The window ending at bar t holds the returns from bar t − WINDOW to bar t.
        for t in WINDOW..bars {
            let w = Window::of(&r[t - WINDOW..t], &b[t - WINDOW..t], rf);
            for (k, (mean_excess, var_excess, var)) in [
                (w.mean_excess.0, w.var_excess.0, w.var.0),
                (w.mean_excess.1, w.var_excess.1, w.var.1),
            ]
            .into_iter()
            .enumerate()
            {
                rolling.sharpe[k][t] = ratio(mean_excess, var_excess.sqrt(), FLAT) * root;
                rolling.volatility[k][t] = var.sqrt() * root;
            }
            rolling.beta[t] = ratio(w.covariance, w.var.1, FLAT * FLAT);
        }
        rolling
    }
}

/// The moments of one window of the strategy's returns `r` and the benchmark's `b`, pairs
/// holding (strategy, benchmark); variances and covariance with ddof 1.
struct Window {
    mean_excess: (f64, f64),
    var_excess: (f64, f64),
    var: (f64, f64),
    covariance: f64,
}

impl Window {
    /// Two passes over the window, means then deviations, every sum in its own accumulator:
    /// the statistics of a window are computed together rather than one pass each (a 20-year
    /// run has 5,000 windows of 252 returns; one pass per statistic was most of the time the
    /// charts took before drawing).
    fn of(r: &[f64], b: &[f64], rf: f64) -> Window {
        let n = r.len() as f64;
        let (mut sr, mut sb, mut ser, mut seb) = (0.0, 0.0, 0.0, 0.0);
        for (x, y) in r.iter().zip(b) {
            sr += x;
            sb += y;
            ser += x - rf;
            seb += y - rf;
        }
        let (mr, mb, mer, meb) = (sr / n, sb / n, ser / n, seb / n);
        let (mut vr, mut vb, mut cov, mut ver, mut veb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (x, y) in r.iter().zip(b) {
            vr += (x - mr) * (x - mr);
            vb += (y - mb) * (y - mb);
            cov += (x - mr) * (y - mb);
            ver += (x - rf - mer) * (x - rf - mer);
            veb += (y - rf - meb) * (y - rf - meb);
        }
        let ddof = n - 1.0;
        Window {
            mean_excess: (mer, meb),
            var_excess: (ver / ddof, veb / ddof),
            var: (vr / ddof, vb / ddof),
            covariance: cov / ddof,
        }
    }
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
    for (i, (panel, (heading, lines, is_percent))) in panels.iter().zip(rows).enumerate() {
        let heading = format!("{heading}, {WINDOW}-day windows");
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
            let note = format!("fewer than {} bars: no whole window", WINDOW + 1);
            let font = scale.font(17, FontStyle::Normal);
            text(&area, &note, &font, GREY, (w / 2, h / 2), Align::CENTRE)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(WINDOW as f64, PERIODS_PER_YEAR);
        let stats = Rolling::new(&strategy, &benchmark, 0.0);
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
        let flat = Rolling::new(&[100.0; 300], &benchmark[..300], 0.03);
        assert!(
            flat.sharpe[0][WINDOW..].iter().all(|v| v.is_nan()),
            "no variance"
        );
        assert!(flat.beta[WINDOW..].iter().all(|v| *v == 0.0));
    }
}
