//! The simple moving average, pushed bar by bar or computed as a whole shared line.

use std::sync::Arc;

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
    pub(super) fn line(self, series: &[f64]) -> Arc<[f64]> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::testing::series;

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
}
