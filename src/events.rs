//! Event study: what the traded asset did after each signal of a strategy, against what it did
//! after an ordinary day.
//!
//! Overlap is handled honestly. Two signals fewer than `h` bars apart share part of their
//! `h`-bar forward windows, so their returns are not independent and a t-test over all of them
//! would overstate the evidence. For each horizon the statistics therefore use only
//! *independent* events: signals kept in date order, each at least `h` bars after the last one
//! kept. The counts of all events and of independent ones are both reported.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::Date;
use crate::metrics::{mean, std_dev};
use crate::rng::Rng;

/// Forward horizons studied, in bars.
pub const HORIZONS: [usize; 3] = [5, 20, 60];
/// Resamples of the bootstrap interval.
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;
/// Seed of the bootstrap: the same inputs give the same interval.
pub const BOOTSTRAP_SEED: u64 = 7;

/// The study of one strategy's signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventStudy {
    /// The asset whose forward returns are studied (the strategy's first symbol).
    pub symbol: String,
    /// Every signal date.
    pub signals: Vec<Date>,
    /// One entry per horizon.
    pub horizons: Vec<Horizon>,
}

/// Forward returns `h` bars after the signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Horizon {
    /// `h`.
    pub bars: usize,
    /// Signals with `h` bars of data after them.
    pub events: usize,
    /// Of those, the non-overlapping ones the statistics use.
    pub independent: usize,
    /// Mean forward return of the independent events.
    pub mean: Option<f64>,
    /// Median forward return of the independent events.
    pub median: Option<f64>,
    /// Share of independent events with a positive forward return.
    pub hit_rate: Option<f64>,
    /// Student t of the events' mean against the unconditional mean.
    pub t_stat: Option<f64>,
    /// Two-sided p-value of `t_stat` (n − 1 degrees of freedom).
    pub p_value: Option<f64>,
    /// Bootstrap 95% interval of the events' mean: lower end.
    pub ci_low: Option<f64>,
    /// Upper end.
    pub ci_high: Option<f64>,
    /// The same asset's forward returns after every bar.
    pub unconditional: Unconditional,
}

/// Forward returns after every bar that has `h` bars after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unconditional {
    /// Bars counted.
    pub bars: usize,
    /// Mean forward return.
    pub mean: Option<f64>,
    /// Median forward return.
    pub median: Option<f64>,
    /// Share of positive forward returns.
    pub hit_rate: Option<f64>,
}

/// Studies the forward returns of `close` after each bar of `signals` (sorted bar indexes).
#[must_use]
pub fn study(symbol: &str, dates: &[Date], close: &[f64], signals: &[usize]) -> EventStudy {
    let horizons = HORIZONS
        .iter()
        .map(|&h| horizon(close, signals, h))
        .collect();
    EventStudy {
        symbol: symbol.to_string(),
        signals: signals.iter().map(|&t| dates[t]).collect(),
        horizons,
    }
}

fn horizon(close: &[f64], signals: &[usize], h: usize) -> Horizon {
    let forward = |t: usize| close[t + h] / close[t] - 1.0;
    let last = close.len().saturating_sub(h);
    let usable: Vec<usize> = signals.iter().copied().filter(|&t| t < last).collect();
    let mut independent: Vec<usize> = Vec::new();
    for &t in &usable {
        if independent.last().is_none_or(|&kept| t >= kept + h) {
            independent.push(t);
        }
    }
    let returns: Vec<f64> = independent.iter().map(|&t| forward(t)).collect();
    let all: Vec<f64> = (0..last).map(forward).collect();
    let baseline = mean(&all);
    let (t_stat, p_value) = baseline.map_or((None, None), |m| t_test(&returns, m));
    let (ci_low, ci_high) = bootstrap(&returns).unzip();
    Horizon {
        bars: h,
        events: usable.len(),
        independent: returns.len(),
        mean: mean(&returns),
        median: median(&returns),
        hit_rate: hit_rate(&returns),
        t_stat,
        p_value,
        ci_low,
        ci_high,
        unconditional: Unconditional {
            bars: all.len(),
            mean: baseline,
            median: median(&all),
            hit_rate: hit_rate(&all),
        },
    }
}

fn median(xs: &[f64]) -> Option<f64> {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some(f64::midpoint(sorted[n / 2 - 1], sorted[n / 2])),
    }
}

fn hit_rate(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().filter(|x| **x > 0.0).count() as f64 / xs.len() as f64)
}

/// One-sample t-test of `xs` against `mu`: (t, two-sided p). Needs two values and some spread.
fn t_test(xs: &[f64], mu: f64) -> (Option<f64>, Option<f64>) {
    let n = xs.len() as f64;
    let (Some(m), Some(sd)) = (mean(xs), std_dev(xs)) else {
        return (None, None);
    };
    if sd == 0.0 {
        return (None, None);
    }
    let t = (m - mu) / (sd / n.sqrt());
    let p = StudentsT::new(0.0, 1.0, n - 1.0)
        .ok()
        .map(|dist| 2.0 * (1.0 - dist.cdf(t.abs())));
    (Some(t), p)
}

/// The 2.5th and 97.5th percentiles of the means of `BOOTSTRAP_RESAMPLES` resamples.
fn bootstrap(xs: &[f64]) -> Option<(f64, f64)> {
    if xs.len() < 2 {
        return None;
    }
    let mut rng = Rng::new(BOOTSTRAP_SEED);
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| (0..xs.len()).map(|_| xs[rng.below(xs.len())]).sum::<f64>() / xs.len() as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "q is in [0, 1], so the index is inside the sample"
        )]
        let i = (q * (BOOTSTRAP_RESAMPLES - 1) as f64).round() as usize;
        means[i]
    };
    Some((at(0.025), at(0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(n: usize) -> Vec<Date> {
        let start = Date::from_ymd_opt(2020, 1, 1).unwrap();
        (0..n)
            .map(|i| start + chrono::Days::new(i as u64))
            .collect()
    }

    #[test]
    fn overlapping_signals_are_counted_but_only_independent_ones_enter_the_statistics() {
        let close: Vec<f64> = (0..100).map(|i| 100.0 + f64::from(i)).collect();
        let signals = [10, 12, 16, 30, 95];
        let study = study("X", &dates(100), &close, &signals);
        assert_eq!(study.signals.len(), 5);
        let h5 = &study.horizons[0];
        assert_eq!(
            (h5.bars, h5.events, h5.independent),
            (5, 4, 3),
            "12 overlaps 10; 95 has no room"
        );
        let mean = (5.0 / 110.0 + 5.0 / 116.0 + 5.0 / 130.0) / 3.0;
        assert!((h5.mean.unwrap() - mean).abs() < 1e-12);
        assert_eq!(h5.hit_rate, Some(1.0));
        let h20 = &study.horizons[1];
        assert_eq!((h20.events, h20.independent), (4, 2), "10 and 30 only");
        assert_eq!(h20.unconditional.bars, 80);
    }

    #[test]
    fn the_t_test_matches_a_hand_computation() {
        // xs = 1, 2, 3, 4 against mu = 1: mean 2.5, sd = sqrt(5/3), t = 1.5 / (sd / 2).
        let (t, p) = t_test(&[1.0, 2.0, 3.0, 4.0], 1.0);
        let expected_t = 1.5 / ((5.0_f64 / 3.0).sqrt() / 2.0);
        assert!((t.unwrap() - expected_t).abs() < 1e-12);
        // Two-sided p for t = 2.3238 with 3 degrees of freedom is 0.1027 (t tables).
        assert!((p.unwrap() - 0.1027).abs() < 5e-4, "{p:?}");
        assert_eq!(t_test(&[1.0], 0.0), (None, None));
        assert_eq!(t_test(&[2.0, 2.0], 0.0), (None, None));
    }

    #[test]
    fn the_bootstrap_interval_is_seeded_and_brackets_the_mean() {
        let xs = [0.05, -0.02, 0.01, 0.03, -0.04, 0.02, 0.00, 0.06];
        let (low, high) = bootstrap(&xs).unwrap();
        assert_eq!(
            bootstrap(&xs),
            Some((low, high)),
            "same seed, same interval"
        );
        let m = xs.iter().sum::<f64>() / 8.0;
        assert!(low < m && m < high, "{low} < {m} < {high}");
        assert!(low > -0.04 && high < 0.06);
        assert_eq!(bootstrap(&[0.1]), None);
    }

    #[test]
    fn medians_of_odd_and_even_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
