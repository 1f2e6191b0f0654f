//! Mean and standard deviation of a window of values, and the beta of one series of returns to
//! another's.

use std::collections::VecDeque;

/// Mean and sample standard deviation of a window of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Arithmetic mean.
    pub mean: f64,
    /// Standard deviation with `n − 1` in the denominator (ddof 1).
    pub std: f64,
}

/// Mean and sample standard deviation (ddof 1) of the last `window` values pushed, in O(1) per
/// value. The values are kept in a ring buffer allocated once; the running sums are taken about
/// a shift near the mean (so the variance does not cancel catastrophically) and recomputed
/// exactly once per window (so rounding error never accumulates).
#[derive(Debug, Clone)]
pub struct RollingStats {
    window: usize,
    /// The last `window` values; once full, `oldest` is the next to be replaced.
    values: Vec<f64>,
    oldest: usize,
    shift: f64,
    /// Σ (x − shift) over the window.
    sum: f64,
    /// Σ (x − shift)² over the window.
    sum_sq: f64,
    /// Values until the next exact re-summation.
    until_resum: usize,
}

impl RollingStats {
    /// Statistics over the last `window` values (`window` ≥ 2, the least a sample standard
    /// deviation needs).
    #[must_use]
    pub fn new(window: usize) -> Self {
        let window = window.max(2);
        RollingStats {
            window,
            values: Vec::with_capacity(window),
            oldest: 0,
            shift: 0.0,
            sum: 0.0,
            sum_sq: 0.0,
            until_resum: window,
        }
    }

    /// Adds a value and returns the statistics of the last `window` values once there are that
    /// many.
    #[inline]
    pub fn push(&mut self, value: f64) -> Option<Stats> {
        if self.values.is_empty() {
            self.shift = value;
        }
        if self.values.len() < self.window {
            self.values.push(value);
        } else {
            let old = std::mem::replace(&mut self.values[self.oldest], value) - self.shift;
            self.oldest = (self.oldest + 1) % self.window;
            self.sum -= old;
            self.sum_sq -= old * old;
        }
        let new = value - self.shift;
        self.sum += new;
        self.sum_sq += new * new;
        self.until_resum -= 1;
        if self.until_resum == 0 {
            self.resum();
            self.until_resum = self.window;
        }
        self.stats()
    }

    /// The statistics of the last `window` values, once there are that many.
    #[must_use]
    pub fn stats(&self) -> Option<Stats> {
        if self.values.len() < self.window {
            return None;
        }
        let n = self.window as f64;
        let variance = ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0);
        Some(Stats {
            mean: self.shift + self.sum / n,
            std: variance.sqrt(),
        })
    }

    /// Recomputes the sums exactly, about the current mean.
    fn resum(&mut self) {
        let n = self.values.len() as f64;
        self.shift = self.values.iter().sum::<f64>() / n;
        self.sum = self.values.iter().map(|v| v - self.shift).sum();
        self.sum_sq = self.values.iter().map(|v| (v - self.shift).powi(2)).sum();
    }
}

/// Beta of a series of returns `r` to a benchmark's `b` over the last `window` pairs:
/// `cov(r, b) / var(b)`, both with ddof 1 (the `n − 1` cancels: the least-squares slope of `r`
/// on `b`), as [`crate::metrics`] computes the beta of a whole run. Push returns, not prices.
///
/// `None` until `window` pairs have been pushed, and where the benchmark's returns in the window
/// are all equal: it then has no variance and beta is undefined. That case is recognized from
/// the values themselves, not from the sums, which rounding would leave a hair off zero and so
/// give an enormous beta.
///
/// O(1) per pair, like [`RollingStats`]: the pairs are kept in a queue allocated once, the
/// sums taken about a shift near the mean and recomputed exactly once per window. Returns are
/// expected finite (those of validated prices): a NaN leaves the beta `None` until the first
/// re-summation after it has left the window.
#[derive(Debug, Clone)]
pub struct RollingBeta {
    window: usize,
    /// The last `window` pairs (r, b), oldest first.
    pairs: VecDeque<(f64, f64)>,
    /// (r, b) subtracted from every pair before it is summed.
    shift: (f64, f64),
    sums: CoSums,
    /// Pairs until the next exact re-summation.
    until_resum: usize,
    /// How many of the latest benchmark returns equal the newest, counted up to `window`.
    unchanged: usize,
}

impl RollingBeta {
    /// Beta over the last `window` pairs (`window` ≥ 2, the least a variance needs).
    #[must_use]
    pub fn new(window: usize) -> Self {
        let window = window.max(2);
        RollingBeta {
            window,
            pairs: VecDeque::with_capacity(window),
            shift: (0.0, 0.0),
            sums: CoSums::default(),
            until_resum: window,
            unchanged: 0,
        }
    }

    /// Adds the newest pair, the return `r` and the benchmark's return `b` on the same bar, and
    /// returns the beta of the last `window` pairs once defined.
    #[inline]
    pub fn push(&mut self, r: f64, b: f64) -> Option<f64> {
        let repeated = self.pairs.back().is_some_and(|&(_, last)| last == b);
        self.unchanged = if repeated {
            (self.unchanged + 1).min(self.window)
        } else {
            1
        };
        if self.pairs.is_empty() {
            self.shift = (r, b);
        }
        if self.pairs.len() == self.window
            && let Some(old) = self.pairs.pop_front()
        {
            self.sums.add(old, self.shift, -1.0);
        }
        self.pairs.push_back((r, b));
        self.sums.add((r, b), self.shift, 1.0);
        self.until_resum -= 1;
        if self.until_resum == 0 {
            self.resum();
            self.until_resum = self.window;
        }
        if self.pairs.len() < self.window || self.unchanged == self.window {
            return None;
        }
        let (n, sums) = (self.window as f64, &self.sums);
        let variance = sums.b_b - sums.b * sums.b / n;
        let covariance = sums.r_b - sums.r * sums.b / n;
        (variance > 0.0).then(|| covariance / variance)
    }

    /// Recomputes the sums exactly, about the current means.
    fn resum(&mut self) {
        let n = self.pairs.len() as f64;
        let (r, b): (f64, f64) = self
            .pairs
            .iter()
            .fold((0.0, 0.0), |(r, b), pair| (r + pair.0, b + pair.1));
        self.shift = (r / n, b / n);
        self.sums = CoSums::default();
        for &pair in &self.pairs {
            self.sums.add(pair, self.shift, 1.0);
        }
    }
}

/// The sums [`RollingBeta`] keeps of its pairs less their shift, `(r, b)`.
#[derive(Debug, Clone, Default)]
struct CoSums {
    /// Σ r.
    r: f64,
    /// Σ b.
    b: f64,
    /// Σ b².
    b_b: f64,
    /// Σ r · b.
    r_b: f64,
}

impl CoSums {
    /// Adds a pair less `shift` (`sign` 1) or takes it off (−1).
    fn add(&mut self, (r, b): (f64, f64), shift: (f64, f64), sign: f64) {
        let (r, b) = (r - shift.0, b - shift.1);
        self.r += sign * r;
        self.b += sign * b;
        self.b_b += sign * b * b;
        self.r_b += sign * r * b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::testing::{assert_close, series};

    fn naive_stats(window: &[f64]) -> Stats {
        let n = window.len() as f64;
        let mean = window.iter().sum::<f64>() / n;
        let variance = window.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Stats {
            mean,
            std: variance.sqrt(),
        }
    }

    #[test]
    fn rolling_stats_match_the_naive_mean_and_sample_std_of_each_window() {
        let values = series(3, 2000);
        for window in [2, 3, 20, 252] {
            let mut stats = RollingStats::new(window);
            for t in 0..values.len() {
                let got = stats.push(values[t]);
                assert_eq!(got, stats.stats(), "push returns the current stats");
                if t + 1 < window {
                    assert_eq!(got, None, "window {window}, bar {t}");
                } else {
                    let want = naive_stats(&values[t + 1 - window..=t]);
                    let got = got.expect("full window");
                    let scale = want.mean.abs();
                    assert!(
                        (got.mean - want.mean).abs() <= 1e-9 * scale,
                        "window {window}, bar {t}: mean {} vs {}",
                        got.mean,
                        want.mean
                    );
                    assert!(
                        (got.std - want.std).abs() <= 1e-9 * scale,
                        "window {window}, bar {t}: std {} vs {}",
                        got.std,
                        want.std
                    );
                }
            }
        }
    }

    #[test]
    fn rolling_stats_of_a_constant_are_that_constant_with_zero_spread() {
        let mut stats = RollingStats::new(5);
        let last = (0..40).map(|_| stats.push(-1.25)).last().flatten();
        assert_eq!(
            last,
            Some(Stats {
                mean: -1.25,
                std: 0.0
            })
        );
    }

    /// cov(r, b) / var(b) of a whole window, each computed in two passes about its mean.
    fn naive_beta(pairs: &[(f64, f64)]) -> f64 {
        let n = pairs.len() as f64;
        let mean_r = pairs.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_b = pairs.iter().map(|p| p.1).sum::<f64>() / n;
        let covariance = pairs
            .iter()
            .map(|(r, b)| (r - mean_r) * (b - mean_b))
            .sum::<f64>()
            / (n - 1.0);
        let variance = pairs.iter().map(|(_, b)| (b - mean_b).powi(2)).sum::<f64>() / (n - 1.0);
        covariance / variance
    }

    /// Daily returns of two related series: `r` loads 1.3 on `b`, plus noise of its own.
    fn return_pairs(seed: u64, n: usize) -> Vec<(f64, f64)> {
        let returns = |prices: Vec<f64>| -> Vec<f64> {
            prices.windows(2).map(|w| w[1] / w[0] - 1.0).collect()
        };
        let b = returns(series(seed, n + 1));
        let noise = returns(series(seed + 1, n + 1));
        b.iter()
            .zip(noise)
            .map(|(b, e)| (1.3 * b + e, *b))
            .collect()
    }

    #[test]
    fn rolling_beta_matches_the_naive_covariance_over_variance_of_each_window() {
        let pairs = return_pairs(7, 1000);
        for window in [2, 3, 20, 252] {
            let mut beta = RollingBeta::new(window);
            for (t, &(r, b)) in pairs.iter().enumerate() {
                let got = beta.push(r, b);
                if t + 1 < window {
                    assert_eq!(got, None, "window {window}, bar {t}");
                } else {
                    let want = naive_beta(&pairs[t + 1 - window..=t]);
                    let what = format!("window {window}, bar {t}");
                    assert_close(got.expect("full window"), want, &what);
                }
            }
        }
    }

    #[test]
    fn rolling_beta_is_undefined_while_the_benchmark_does_not_move() {
        // A varied stretch, then a benchmark flat at 0.3% for 30 pairs: undefined once the
        // window holds only those, defined again from the first move. The sums alone, slid
        // from the varied stretch, would leave the first flat windows a variance of rounding
        // and betas near 0.2.
        let mut pairs = return_pairs(8, 100);
        pairs.extend((0..30).map(|i| (0.001 * f64::from(i), 0.003)));
        pairs.push((0.02, 0.01));
        let mut beta = RollingBeta::new(7);
        let got: Vec<Option<f64>> = pairs.iter().map(|&(r, b)| beta.push(r, b)).collect();
        assert!(got[6..106].iter().all(Option::is_some), "varied windows");
        assert_eq!(got[106..130], [None; 24], "flat windows");
        assert!(got[130].is_some(), "a move ends it");
    }

    #[test]
    fn a_return_that_is_twice_the_benchmark_has_beta_two() {
        let mut beta = RollingBeta::new(5);
        let last = [0.01, -0.02, 0.005, 0.03, -0.01, 0.0, 0.02]
            .map(|b| beta.push(2.0 * b, b))
            .into_iter()
            .last()
            .flatten()
            .expect("defined");
        assert!((last - 2.0).abs() < 1e-12, "{last}");
    }
}
