//! Rolling statistics that strategies update one bar at a time, so each costs O(1) per bar and
//! reads only values up to the current bar; and indicator lines computed once per universe and
//! shared by every run on it, so that a sweep of 174 moving-average pairs computes 25 averages,
//! not 348.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::data::Universe;
use crate::strategy::History;

/// A simple moving average updated one value at a time, so strategies pay O(1) per bar.
#[derive(Debug, Clone)]
pub struct RollingMean {
    window: usize,
    sum: f64,
    count: usize,
    /// Values until the next exact re-summation.
    until_resum: usize,
    /// `1 / window`: a multiplication per value instead of a division.
    reciprocal: f64,
}

impl RollingMean {
    /// A mean over the last `window` values (`window` ≥ 1).
    #[must_use]
    pub fn new(window: usize) -> Self {
        let window = window.max(1);
        RollingMean {
            window,
            sum: 0.0,
            count: 0,
            until_resum: window,
            reciprocal: 1.0 / window as f64,
        }
    }

    /// Adds the newest value of `series` (whose last element is the new one) and returns the
    /// mean of the last `window` values once there are that many.
    #[inline]
    pub fn push(&mut self, series: &[f64]) -> Option<f64> {
        let n = series.len();
        self.count += 1;
        self.until_resum -= 1;
        if self.until_resum == 0 {
            // Re-sum exactly once per window so rounding error never accumulates over decades.
            self.sum = series[n.saturating_sub(self.window)..].iter().sum();
            self.until_resum = self.window;
        } else {
            self.sum += series[n - 1];
            if self.count > self.window {
                self.sum -= series[n - 1 - self.window];
            }
        }
        (self.count >= self.window).then_some(self.sum * self.reciprocal)
    }

    /// The mean at every bar of `series`, NaN until there are `window` values: exactly what
    /// [`RollingMean::push`] gives bar by bar from a fresh mean (the same sums in the same
    /// order).
    ///
    /// The running sum is recomputed exactly at every `window`-th bar, so the stretches from
    /// one recomputation to the next do not depend on each other: four of them are advanced
    /// side by side, which lets the processor overlap their additions instead of waiting on one
    /// long chain.
    fn line(self, series: &[f64]) -> Arc<[f64]> {
        let (window, n) = (self.window, series.len());
        let mut line: Arc<[f64]> = std::iter::repeat_n(f64::NAN, n).collect();
        let Some(values) = Arc::get_mut(&mut line).filter(|_| n >= window) else {
            return line;
        };
        // Stretch j begins at the j-th recomputation, bar window − 1 + j × window.
        let mut stretches: Vec<&mut [f64]> = values[window - 1..].chunks_mut(window).collect();
        for (g, group) in stretches.chunks_mut(LANES).enumerate() {
            let first = window - 1 + g * LANES * window;
            match <&mut [&mut [f64]; LANES]>::try_from(&mut *group) {
                Ok(lanes) if lanes[LANES - 1].len() == window => {
                    self.roll_lanes(series, first, lanes);
                }
                _ => {
                    for (l, stretch) in group.iter_mut().enumerate() {
                        self.roll(series, first + l * window, stretch);
                    }
                }
            }
        }
        line
    }

    /// One stretch of [`RollingMean::line`]: the exact sum of the window ending at bar
    /// `start`, then the sum rolled forward over the bars of `stretch` after it.
    fn roll(&self, series: &[f64], start: usize, stretch: &mut [f64]) {
        let head = &series[start + 1 - self.window..=start];
        let mut sum = head.iter().fold(0.0, |sum, v| sum + v);
        stretch[0] = sum * self.reciprocal;
        let rolled = stretch[1..].iter_mut().zip(&series[start + 1..]).zip(head);
        for ((value, added), dropped) in rolled {
            sum += added;
            sum -= dropped;
            *value = sum * self.reciprocal;
        }
    }

    /// [`RollingMean::roll`] on `LANES` whole consecutive stretches at once, the first starting
    /// at bar `first`.
    fn roll_lanes(&self, series: &[f64], first: usize, lanes: &mut [&mut [f64]; LANES]) {
        let window = self.window;
        let heads: [&[f64]; LANES] =
            std::array::from_fn(|l| &series[first + l * window + 1 - window..][..window]);
        let tails: [&[f64]; LANES] =
            std::array::from_fn(|l| &series[first + l * window..][..window]);
        let mut sums = [0.0; LANES];
        for i in 0..window {
            for (sum, head) in sums.iter_mut().zip(&heads) {
                *sum += head[i];
            }
        }
        for i in 0..window {
            for l in 0..LANES {
                if i > 0 {
                    sums[l] += tails[l][i];
                    sums[l] -= heads[l][i - 1];
                }
                lanes[l][i] = sums[l] * self.reciprocal;
            }
        }
    }
}

/// How many stretches [`RollingMean::line`] advances side by side.
const LANES: usize = 4;

/// The largest of the last `window` values, updated one value at a time in amortised O(1) (a
/// monotonic queue of the values that can still become the maximum).
#[derive(Debug, Clone)]
pub struct RollingMax {
    window: usize,
    /// Index of the next value.
    count: usize,
    /// (index, value) of the candidates, values strictly decreasing from front to back; never
    /// longer than `window`, so its first allocation is its last.
    candidates: std::collections::VecDeque<(usize, f64)>,
}

impl RollingMax {
    /// A maximum over the last `window` values (`window` ≥ 1).
    #[must_use]
    pub fn new(window: usize) -> Self {
        let window = window.max(1);
        RollingMax {
            window,
            count: 0,
            candidates: std::collections::VecDeque::with_capacity(window),
        }
    }

    /// Adds the newest value and returns the maximum of the last `window` values once there are
    /// that many.
    #[inline]
    pub fn push(&mut self, value: f64) -> Option<f64> {
        let index = self.count;
        self.count += 1;
        while self
            .candidates
            .front()
            .is_some_and(|(i, _)| i + self.window <= index)
        {
            self.candidates.pop_front();
        }
        while self.candidates.back().is_some_and(|(_, v)| *v <= value) {
            self.candidates.pop_back();
        }
        self.candidates.push_back((index, value));
        (self.count >= self.window).then(|| self.candidates[0].1)
    }
}

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

/// What a shared line holds: one symbol's indicator, identified by its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LineKey {
    /// Simple moving average of the close of series `symbol` over `window` bars.
    CloseMean { symbol: usize, window: usize },
}

/// A universe and the indicator lines computed on it so far. The lines borrow the universe, so
/// it cannot change while they exist: a line is always the indicator of the prices runs see.
#[derive(Debug)]
pub struct Lines<'u> {
    universe: &'u Universe,
    computed: Mutex<HashMap<LineKey, Line>>,
}

impl<'u> Lines<'u> {
    /// No line computed yet on `universe`.
    #[must_use]
    pub fn new(universe: &'u Universe) -> Self {
        Lines {
            universe,
            computed: Mutex::new(HashMap::new()),
        }
    }

    /// The universe the lines are computed on.
    #[must_use]
    #[inline]
    pub fn universe(&self) -> &'u Universe {
        self.universe
    }

    /// The simple moving average of series `symbol`'s close over `window` bars: computed on
    /// first use by [`RollingMean`] over the whole calendar, so that its value at every bar is
    /// exactly what a strategy pushing bar by bar would get.
    pub(crate) fn close_mean(&self, symbol: usize, window: usize) -> Line {
        let key = LineKey::CloseMean { symbol, window };
        let mut computed = self.computed.lock().unwrap_or_else(PoisonError::into_inner);
        computed
            .entry(key)
            .or_insert_with(|| Line {
                values: RollingMean::new(window).line(&self.universe.series[symbol].close),
            })
            .clone()
    }
}

/// An indicator's values on every bar of a universe. It is read only through [`Line::at`],
/// which gives the value at the bar a strategy is shown and never a later one.
#[derive(Debug, Clone)]
pub struct Line {
    /// One value per bar; NaN until the indicator is defined.
    values: Arc<[f64]>,
}

impl Line {
    /// The value after the close of `history.bar()`; `None` until the indicator is defined.
    #[must_use]
    #[inline]
    pub fn at(&self, history: &History<'_>) -> Option<f64> {
        let value = self.values[history.bar()];
        (!value.is_nan()).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// A wandering series with jumps, long enough to cross many re-summations.
    fn series(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let mut level = 100.0;
        (0..n)
            .map(|_| {
                level *= 1.0 + 0.02 * rng.normal();
                if rng.below(50) == 0 {
                    level *= 1.5;
                }
                level
            })
            .collect()
    }

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
    fn rolling_mean_matches_the_naive_mean_of_each_window() {
        let values = series(1, 500);
        for window in [1, 2, 7, 50] {
            let mut mean = RollingMean::new(window);
            for t in 0..values.len() {
                let got = mean.push(&values[..=t]);
                if t + 1 < window {
                    assert_eq!(got, None, "window {window}, bar {t}");
                } else {
                    let want = values[t + 1 - window..=t].iter().sum::<f64>() / window as f64;
                    let got = got.expect("full window");
                    assert!((got - want).abs() <= 1e-9 * want.abs(), "{got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn a_shared_line_is_bit_for_bit_the_mean_pushed_bar_by_bar() {
        let values = series(3, 700);
        for window in [1, 2, 5, 50, 174, 175, 200, 699, 700, 701] {
            let line = RollingMean::new(window).line(&values);
            let mut mean = RollingMean::new(window);
            for t in 0..values.len() {
                let pushed = mean.push(&values[..=t]).unwrap_or(f64::NAN);
                assert_eq!(
                    line[t].to_bits(),
                    pushed.to_bits(),
                    "window {window}, bar {t}"
                );
            }
        }
    }

    #[test]
    fn rolling_max_matches_the_naive_max_of_each_window() {
        let mut values = series(2, 500);
        // Ties and a falling stretch, where a careless queue keeps stale or drops live values.
        values[100..110].fill(500.0);
        for (i, v) in values[200..260].iter_mut().enumerate() {
            *v = 1000.0 - i as f64;
        }
        for window in [1, 2, 5, 30, 252] {
            let mut max = RollingMax::new(window);
            for t in 0..values.len() {
                let got = max.push(values[t]);
                if t + 1 < window {
                    assert_eq!(got, None, "window {window}, bar {t}");
                } else {
                    let want = values[t + 1 - window..=t]
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, f64::max);
                    assert_eq!(got, Some(want), "window {window}, bar {t}");
                }
            }
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
