//! Mean and standard deviation of a window of values.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::testing::series;

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
}
